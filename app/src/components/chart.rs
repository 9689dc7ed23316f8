//! The scorecards' trend chart: a scorecard's daily percentage as an SVG line over an area,
//! rendered on the server with the rest of the page, so it reads without JavaScript. Colours
//! come from CSS variables (dark mode is the stylesheet's business), the SVG names itself with
//! `<title>`/`<desc>`, and the same numbers sit in a table under it for whoever cannot see it.

use crate::api::checks::HistoryPoint;
use crate::components::score::{level_name, percent_text, LEVEL_COLUMNS};
use crate::components::table::DataTable;
use leptos::prelude::*;

// The drawing's coordinate system (the `viewBox`); CSS scales it to the width available.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
const PLOT_W: f64 = WIDTH - LEFT - RIGHT;
const PLOT_H: f64 = HEIGHT - TOP - BOTTOM;

/// Where each day's percentage goes: evenly spaced across the plot, 100% at the top. A single
/// day sits in the middle.
pub fn plot_points(percents: &[f64]) -> Vec<(f64, f64)> {
    let n = percents.len();
    percents
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = if n <= 1 {
                LEFT + PLOT_W / 2.0
            } else {
                LEFT + PLOT_W * i as f64 / (n - 1) as f64
            };
            let y = TOP + PLOT_H * (1.0 - p.clamp(0.0, 100.0) / 100.0);
            (x, y)
        })
        .collect()
}

/// `x,y x,y …` for a `points` attribute, one decimal each.
fn points_attr(points: &[(f64, f64)]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The area under the line: the line, then down to the baseline and back.
fn area_attr(points: &[(f64, f64)]) -> String {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return String::new();
    };
    let base = TOP + PLOT_H;
    let mut all = points.to_vec();
    all.push((last.0, base));
    all.push((first.0, base));
    points_attr(&all)
}

/// The chart in one sentence, for its `<desc>`: first and last day, low and high.
pub fn summary(history: &[HistoryPoint]) -> String {
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        return "No history yet.".into();
    };
    let low = history
        .iter()
        .map(|h| h.percent)
        .fold(f64::INFINITY, f64::min);
    let high = history
        .iter()
        .map(|h| h.percent)
        .fold(f64::NEG_INFINITY, f64::max);
    if history.len() == 1 {
        return format!("{}: {}.", first.day, percent_text(first.percent));
    }
    format!(
        "From {} ({}) to {} ({}); lowest {}, highest {}.",
        first.day,
        percent_text(first.percent),
        last.day,
        percent_text(last.percent),
        percent_text(low),
        percent_text(high)
    )
}

/// A trend chart of `history` with the numbers below it. `id` prefixes the ids inside;
/// `counts` shows the number of services per level in the table (team and organisation)
/// instead of the one level (a service).
#[component]
pub fn TrendChart(
    history: Vec<HistoryPoint>,
    #[prop(into)] id: String,
    #[prop(into)] title: String,
    #[prop(optional)] counts: bool,
) -> impl IntoView {
    if history.is_empty() {
        return view! {
            <p class="muted chart-empty" id=id>
                "No history yet: a point is recorded each day once the checks have run."
            </p>
        }
        .into_any();
    }
    let percents: Vec<f64> = history.iter().map(|h| h.percent).collect();
    let points = plot_points(&percents);
    let line = points_attr(&points);
    let area = area_attr(&points);
    let base = TOP + PLOT_H;
    let grid = [0.0, 25.0, 50.0, 75.0, 100.0].map(|p| {
        let y = TOP + PLOT_H * (1.0 - p / 100.0);
        view! {
            <line class="chart-grid" x1=LEFT x2=WIDTH - RIGHT y1=y y2=y/>
            <text class="chart-label" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">{format!("{p:.0}%")}</text>
        }
    });
    // The first and last day under the axis, and the middle one when there is room.
    let mut ticks = vec![(0usize, "start")];
    if history.len() >= 5 {
        ticks.push((history.len() / 2, "middle"));
    }
    if history.len() >= 2 {
        ticks.push((history.len() - 1, "end"));
    }
    let ticks = ticks
        .into_iter()
        .map(|(i, anchor)| {
            let anchor = if history.len() == 1 { "middle" } else { anchor };
            view! {
                <text class="chart-label" x=points[i].0 y=HEIGHT - 8.0 text-anchor=anchor>
                    {history[i].day.clone()}
                </text>
            }
        })
        .collect_view();
    let (last_x, last_y) = points[points.len() - 1];
    let desc = summary(&history);
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled_by = format!("{title_id} {desc_id}");
    let rows = history
        .into_iter()
        .map(|h| {
            let levels = if counts {
                view! {
                    <td class="num">{h.levels.gold}</td>
                    <td class="num">{h.levels.silver}</td>
                    <td class="num">{h.levels.bronze}</td>
                    <td class="num">{h.levels.none}</td>
                }
                .into_any()
            } else {
                view! { <td>{level_name(&h.level)}</td> }.into_any()
            };
            view! { <tr><th scope="row">{h.day}</th><td class="num">{percent_text(h.percent)}</td>{levels}</tr> }
        })
        .collect_view();
    let mut head = vec![("Day", false), ("Score", true)];
    if counts {
        head.extend(LEVEL_COLUMNS);
    } else {
        head.push(("Level", false));
    }
    view! {
        <figure class="chart" id=id.clone()>
            <div class="chart-box">
                <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
                    aria-labelledby=labelled_by focusable="false">
                    <title id=title_id>{title.clone()}</title>
                    <desc id=desc_id>{desc.clone()}</desc>
                    {grid}
                    <line class="chart-axis" x1=LEFT x2=WIDTH - RIGHT y1=base y2=base/>
                    <polygon class="chart-area" points=area/>
                    <polyline class="chart-line" points=line/>
                    <circle class="chart-dot" cx=last_x cy=last_y r="4"/>
                    {ticks}
                </svg>
            </div>
            <figcaption class="muted small">{desc}</figcaption>
            <details class="chart-data">
                <summary>"The numbers"</summary>
                <DataTable id=format!("{id}-numbers") caption=title head class="compact">{rows}</DataTable>
            </details>
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::checks::LevelCounts;

    fn point(day: &str, percent: f64) -> HistoryPoint {
        HistoryPoint {
            day: day.into(),
            percent,
            level: "bronze".into(),
            levels: LevelCounts::default(),
        }
    }

    #[test]
    fn points_span_the_plot_with_full_marks_at_the_top() {
        let p = plot_points(&[0.0, 50.0, 100.0]);
        assert_eq!(p[0], (LEFT, TOP + PLOT_H));
        assert_eq!(p[1], (LEFT + PLOT_W / 2.0, TOP + PLOT_H / 2.0));
        assert_eq!(p[2], (WIDTH - RIGHT, TOP));
        // One day sits in the middle; out-of-range values stay inside the plot.
        assert_eq!(plot_points(&[120.0]), vec![(LEFT + PLOT_W / 2.0, TOP)]);
        assert_eq!(points_attr(&[(1.0, 2.26)]), "1.0,2.3");
        assert_eq!(
            area_attr(&[(48.0, 12.0), (624.0, 100.0)]),
            format!(
                "48.0,12.0 624.0,100.0 624.0,{b:.1} 48.0,{b:.1}",
                b = TOP + PLOT_H
            )
        );
        assert_eq!(area_attr(&[]), "");
    }

    #[test]
    fn the_chart_is_an_svg_that_names_itself_and_carries_its_numbers() {
        // Without the hydration markers (`<!>`) the server writes between nodes.
        let render = |history: Vec<HistoryPoint>| {
            Owner::new()
                .with(|| view! { <TrendChart history id="t" title="Score by day"/> }.to_html())
                .replace("<!>", "")
        };
        let html = render(vec![point("2026-11-30", 60.0), point("2026-12-01", 40.0)]);
        for part in [
            r#"role="img" aria-labelledby="t-title t-desc""#,
            r#"<title id="t-title">Score by day</title>"#,
            r#"<desc id="t-desc">From 2026-11-30 (60.0%) to 2026-12-01 (40.0%)"#,
            r#"<polyline points="48.0,83.2 624.0,118.8" class="chart-line">"#,
            r#"<th scope="row">2026-12-01</th><td class="num">40.0%</td><td>Bronze</td>"#,
        ] {
            assert!(html.contains(part), "{part} in {html}");
        }
        let empty = render(Vec::new());
        assert!(
            empty.contains("No history yet") && !empty.contains("<svg"),
            "{empty}"
        );
    }

    #[test]
    fn the_summary_names_the_ends_and_the_extremes() {
        assert_eq!(summary(&[]), "No history yet.");
        assert_eq!(summary(&[point("2026-12-01", 50.0)]), "2026-12-01: 50.0%.");
        let h = [
            point("2026-11-30", 60.0),
            point("2026-12-01", 40.0),
            point("2026-12-02", 75.5),
        ];
        assert_eq!(
            summary(&h),
            "From 2026-11-30 (60.0%) to 2026-12-02 (75.5%); lowest 40.0%, highest 75.5%."
        );
    }
}
