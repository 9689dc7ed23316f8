//! The on-call timeline: one row per layer and the final row, each segment placed by time
//! over the window, gaps in red, local day lines from the server (which knows the zone). The
//! final row can be dragged across to select an interval (for an override). Also "on call
//! now" cards.

use crate::api::client;
use crate::api::oncall::{OnCall, Segment, Timeline};
use crate::components::status::Loading;
use leptos::prelude::*;

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ` (the only form the on-call API writes).
pub fn epoch(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hh, mm, ss) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3_600 + mm * 60 + ss)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since 1970.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// One of six colour classes (`p0`…`p5`) per handle, so that adjacent turns of different
/// people look different and one person looks the same in every row.
fn hue(handle: &str) -> String {
    let sum = handle
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("p{}", sum % 6)
}

/// Left offset and width of `[start, end)` in percent of the window.
fn place(from: i64, span: i64, start: &str, end: &str) -> (f64, f64) {
    let (s, e) = (
        epoch(start).unwrap_or(from),
        epoch(end).unwrap_or(from + span),
    );
    let left = (s - from) as f64 / span as f64 * 100.0;
    let width = (e - s) as f64 / span as f64 * 100.0;
    (left.clamp(0.0, 100.0), width.clamp(0.0, 100.0))
}

fn segment_view(from: i64, span: i64, seg: Segment, zone: &str) -> impl IntoView {
    let (left, width) = place(from, span, &seg.start, &seg.end);
    let who = seg.person.clone().unwrap_or_else(|| "nobody".into());
    let hue = seg.person.as_deref().map(hue).unwrap_or_default();
    let class = match seg.source.as_str() {
        "gap" => "seg gap".to_string(),
        "override" => format!("seg override {hue}"),
        _ => format!("seg {hue}"),
    };
    let title = format!("{who}: {} → {} ({zone})", seg.start_local, seg.end_local);
    view! {
        <div class=class style=format!("left:{left:.4}%;width:{width:.4}%") title=title.clone()
            data-person=seg.person.clone().unwrap_or_default() data-start=seg.start.clone()
            data-end=seg.end.clone() aria-label=title>
            <span>{if seg.source == "gap" { "gap".to_string() } else { who }}</span>
        </div>
    }
}

/// Draws a timeline. With `on_select`, dragging across the final row selects an interval,
/// snapped to 15 minutes, reported as RFC 3339 instants.
#[component]
pub fn TimelineView(
    timeline: Timeline,
    #[prop(optional)] on_select: Option<Callback<(String, String)>>,
) -> impl IntoView {
    let from = epoch(&timeline.from).unwrap_or(0);
    let span = (epoch(&timeline.to).unwrap_or(from + 1) - from).max(1);
    let zone = timeline.time_zone.clone();
    // Over more than two weeks day labels would overlap: the stylesheet then shows fewer.
    let class = if timeline.days.len() > 14 {
        "timeline dense"
    } else {
        "timeline"
    };
    let days = timeline
        .days
        .iter()
        .map(|t| {
            let (left, _) = place(from, span, &t.at, &t.at);
            view! { <div class="day" style=format!("left:{left:.4}%")><span>{t.label.clone()}</span></div> }
        })
        .collect_view();
    let rows = timeline
        .layers
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let zone = zone.clone();
            view! {
                <div class="timeline-row" data-row=format!("layer-{i}")>
                    <div class="timeline-label">{row.name}</div>
                    <div class="timeline-track">
                        {row.segments.into_iter().map(|s| segment_view(from, span, s, &zone)).collect_view()}
                    </div>
                </div>
            }
        })
        .collect_view();
    // The selection being dragged, as seconds since 1970.
    let drag = RwSignal::new(None::<(i64, i64)>);
    let at = move |ev: &leptos::ev::MouseEvent| -> Option<i64> {
        let width = track_width(ev)?;
        let fraction = (f64::from(ev.offset_x()) / width).clamp(0.0, 1.0);
        let t = from + (fraction * span as f64) as i64;
        Some(t - t.rem_euclid(900))
    };
    let selecting = on_select.is_some();
    let on_down = move |ev: leptos::ev::MouseEvent| {
        if selecting {
            if let Some(t) = at(&ev) {
                drag.set(Some((t, t)));
            }
        }
    };
    let on_move = move |ev: leptos::ev::MouseEvent| {
        if let (Some((a, _)), Some(t)) = (drag.get_untracked(), at(&ev)) {
            drag.set(Some((a, t)));
        }
    };
    let on_up = move |ev: leptos::ev::MouseEvent| {
        let Some((a, b)) = drag.get_untracked() else {
            return;
        };
        let b = at(&ev).unwrap_or(b);
        let (start, end) = (a.min(b), a.max(b));
        // A click without a drag selects the hour after it.
        let end = if end - start < 900 {
            start + 3_600
        } else {
            end
        };
        drag.set(Some((start, end)));
        if let Some(cb) = on_select {
            cb.run((rfc3339(start), rfc3339(end)));
        }
    };
    let selection = move || {
        drag.get().map(|(a, b)| {
            let (s, e) = (a.min(b), a.max(b));
            let left = (s - from) as f64 / span as f64 * 100.0;
            let width = (e - s) as f64 / span as f64 * 100.0;
            view! { <div class="selection" style=format!("left:{left:.4}%;width:{width:.4}%")></div> }
        })
    };
    let final_segments = timeline
        .final_segments
        .into_iter()
        .map(|s| segment_view(from, span, s, &zone))
        .collect_view();
    view! {
        <div class=class data-from=timeline.from.clone() data-to=timeline.to.clone()>
            <div class="timeline-row timeline-days">
                <div class="timeline-label"></div>
                <div class="timeline-track">{days}</div>
            </div>
            {rows}
            <div class="timeline-row final" data-row="final">
                <div class="timeline-label">"On call"</div>
                <div class=if selecting { "timeline-track selectable" } else { "timeline-track" }
                    on:mousedown=on_down on:mousemove=on_move on:mouseup=on_up>
                    {final_segments}
                    {selection}
                </div>
            </div>
        </div>
    }
}

/// How long nobody is on call in a timeline's window, in red; or that nobody ever is missing.
#[component]
pub fn GapSummary(seconds: i64) -> impl IntoView {
    if seconds <= 0 {
        return view! {
            <p class="gap-summary no-gaps">"No gaps: someone is on call the whole time."</p>
        }
        .into_any();
    }
    let (hours, minutes) = (seconds / 3_600, seconds % 3_600 / 60);
    let text = match (hours, minutes) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    };
    view! {
        <p class="gap-summary gap-text" role="note">
            {format!("Nobody is on call for {text} in this window.")}
        </p>
    }
    .into_any()
}

/// The width of the track under the pointer (browser only).
#[cfg(feature = "hydrate")]
fn track_width(ev: &leptos::ev::MouseEvent) -> Option<f64> {
    use wasm_bindgen::JsCast;
    let el = ev
        .current_target()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()?;
    Some(f64::from(el.offset_width())).filter(|w| *w > 0.0)
}

#[cfg(not(feature = "hydrate"))]
fn track_width(_: &leptos::ev::MouseEvent) -> Option<f64> {
    None
}

/// One schedule's "who is on call now": the schedule, the person (or a gap, in red) and until
/// when on the schedule's clock. Shared by the team, home and service pages.
#[component]
pub fn OnCallItem(on_call: OnCall) -> impl IntoView {
    let o = on_call;
    view! {
        <li data-schedule=o.schedule.clone() data-person=o.person.clone().unwrap_or_default()>
            <a href=format!("/schedules/{}", o.schedule)>{o.schedule_name.clone()}</a>": "
            {match o.person.clone() {
                Some(p) => view! {
                    <a href=format!("/people/{p}") class="who">{o.person_name.clone().unwrap_or_else(|| p.clone())}</a>
                }.into_any(),
                None => view! { <strong class="gap-text">"nobody (gap)"</strong> }.into_any(),
            }}
            {o.until_local.clone().map(|u| view! { <span class="muted">{format!(" until {u} ({})", o.time_zone)}</span> })}
        </li>
    }
}

/// Who is on call now on the schedules `path` answers for (`/teams/x/oncall`, …).
#[component]
pub fn OnCallNow(path: String) -> impl IntoView {
    let now = Resource::new(move || path.clone(), client::get::<Vec<OnCall>>);
    view! {
        <section class="on-call-now" aria-labelledby="on-call-title">
            <h2 id="on-call-title">"On call now"</h2>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match now.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"No on-call schedule yet."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="on-call-list" id="on-call-now">
                                {list.into_iter().map(|on_call| view! { <OnCallItem on_call/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(_) => view! { <p class="muted">"On-call is not available."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_convert_both_ways() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2026-03-08T07:30:00Z",
            "2000-02-29T23:59:59Z",
        ] {
            let secs = epoch(text).expect("parses");
            assert_eq!(rfc3339(secs), text);
        }
        assert_eq!(epoch("2026-03-08T07:30:00Z"), Some(1_772_955_000));
        assert_eq!(epoch("2026-03-08T07:30:00+01:00"), None);
    }

    #[test]
    fn a_person_keeps_one_colour() {
        assert_eq!(hue("ada"), hue("ada"));
        assert!(["p0", "p1", "p2", "p3", "p4", "p5"].contains(&hue("grace").as_str()));
    }
}
