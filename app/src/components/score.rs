//! The words and marks of the maintenance scorecards, shared by the overview, team and service
//! views: a level badge, the percentage, a rule's status as a symbol *and* a word (a grid must
//! read without colour), the legend, data ages and the "fails soon" list.

use crate::api::checks::FailsSoon;
use crate::components::clock::utc;
use crate::components::table::Column;
use leptos::prelude::*;

/// Every status a rule can have for a service, in legend order: `(status, symbol, label,
/// meaning)`.
#[rustfmt::skip]
pub const STATUSES: [(&str, &str, &str, &str); 8] = [
    ("pass", "✓", "pass", "the rule passes"),
    ("fail", "✗", "fail", "the rule fails and counts"),
    ("unknown", "?", "unknown", "could not be evaluated: data missing or too old"),
    ("error", "!", "error", "the check itself failed on this service"),
    ("exempt", "E", "exempt", "failing, waived by an exemption"),
    ("grace", "G", "grace", "failing, not enforced yet"),
    ("not-applicable", "–", "n/a", "does not apply to this service"),
    ("disabled", "·", "off", "the rule is disabled"),
];

/// The headings of the number of services at each level, best first.
pub const LEVEL_COLUMNS: [Column; 4] = [
    ("Gold", true),
    ("Silver", true),
    ("Bronze", true),
    ("No level", true),
];

/// The symbol and short label of a status; an unknown word is shown as it is.
pub fn status_mark(status: &str) -> (&'static str, String) {
    STATUSES
        .iter()
        .find(|(s, ..)| *s == status)
        .map_or(("•", status.to_string()), |(_, sym, label, _)| {
            (*sym, (*label).to_string())
        })
}

/// `gold` → `Gold`; `none` (or anything else empty) → `No level`.
pub fn level_name(level: &str) -> String {
    match level {
        "bronze" => "Bronze".into(),
        "silver" => "Silver".into(),
        "gold" => "Gold".into(),
        "" | "none" => "No level".into(),
        other => other.to_string(),
    }
}

/// `71.26` → `71.3%`.
pub fn percent_text(percent: f64) -> String {
    format!("{percent:.1}%")
}

/// `utc` for an optional instant, `—` when absent.
pub fn maybe_utc(at: Option<&str>) -> String {
    at.map_or_else(|| "—".to_string(), utc)
}

/// How old data is, in the largest whole unit: `3 days`, `5 h`, `12 min`, `40 s`.
pub fn age_text(secs: i64) -> String {
    match secs {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 86_400 => "1 day".to_string(),
        s if s >= 3_600 => format!("{} h", s / 3_600),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{} s", s.max(0)),
    }
}

/// The level as a badge; its name is in the text, the colour only repeats it.
#[component]
pub fn LevelBadge(#[prop(into)] level: String) -> impl IntoView {
    let class = match level.as_str() {
        "bronze" | "silver" | "gold" => format!("badge level level-{level}"),
        _ => "badge level level-none".to_string(),
    };
    view! { <span class=class data-level=level.clone()>{level_name(&level)}</span> }
}

/// A rule's status for one service: symbol and label, the meaning as a tooltip.
#[component]
pub fn StatusMark(#[prop(into)] status: String) -> impl IntoView {
    let (symbol, label) = status_mark(&status);
    let meaning = STATUSES
        .iter()
        .find(|(s, ..)| *s == status)
        .map(|(.., m)| *m);
    view! {
        <span class=format!("status-mark status-{status}") data-status=status.clone() title=meaning>
            <span class="status-symbol" aria-hidden="true">{symbol}</span>
            " "
            <span class="status-label">{label}</span>
        </span>
    }
}

/// What the symbols of a grid mean.
#[component]
pub fn StatusLegend() -> impl IntoView {
    view! {
        <dl class="status-legend" id="status-legend" aria-label="Legend">
            {STATUSES.iter().map(|(status, _, _, meaning)| view! {
                <div>
                    <dt><StatusMark status=*status/></dt>
                    <dd>{*meaning}</dd>
                </div>
            }).collect_view()}
        </dl>
    }
}

/// What passes now but will not soon; `show_service` for lists spanning several services.
#[component]
pub fn FailsSoonList(
    items: Vec<FailsSoon>,
    #[prop(optional)] show_service: bool,
    #[prop(into)] id: String,
) -> impl IntoView {
    if items.is_empty() {
        return view! {
            <p class="muted" id=id>"Nothing is due to fail in the next 14 days."</p>
        }
        .into_any();
    }
    view! {
        <ul class="fails-soon" id=id>
            {items.into_iter().map(|f| {
                let subject = (f.subject != "-" && !f.subject.is_empty())
                    .then(|| format!(" ({})", f.subject));
                view! {
                    <li data-rule=f.rule.clone() data-service=f.service.clone()>
                        <strong class="when">{utc(&f.at)}</strong>": "
                        {show_service.then(|| view! {
                            <a href=format!("/services/{}", f.service)>{f.service.clone()}</a>" · "
                        })}
                        {f.rule_title}{subject}
                        <span class="muted">" — "{f.reason}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_without_colour() {
        assert_eq!(status_mark("fail"), ("✗", "fail".to_string()));
        assert_eq!(status_mark("unknown"), ("?", "unknown".to_string()));
        assert_ne!(status_mark("fail").0, status_mark("unknown").0);
        assert_eq!(status_mark("not-applicable").1, "n/a");
        assert_eq!(status_mark("surprise"), ("•", "surprise".to_string()));
        // Every symbol tells one status apart from the others.
        let mut symbols: Vec<&str> = STATUSES.iter().map(|s| s.1).collect();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), STATUSES.len());
    }

    #[test]
    fn levels_percentages_and_ages() {
        assert_eq!(level_name("gold"), "Gold");
        assert_eq!(level_name("none"), "No level");
        assert_eq!(percent_text(71.26), "71.3%");
        assert_eq!(percent_text(100.0), "100.0%");
        assert_eq!(age_text(3 * 86_400 + 5), "3 days");
        assert_eq!(age_text(86_400), "1 day");
        assert_eq!(age_text(7_200), "2 h");
        assert_eq!(age_text(125), "2 min");
        assert_eq!(age_text(-3), "0 s");
        assert_eq!(maybe_utc(None), "—");
        assert_eq!(
            maybe_utc(Some("2026-12-02T06:00:00Z")),
            "2026-12-02 06:00 UTC"
        );
    }
}
