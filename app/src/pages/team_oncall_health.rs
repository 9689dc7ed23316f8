//! A team's on-call health: is every schedule covered, and is the load fair and humane? For
//! team leads planning rotations and for whoever reviews fairness across teams. The window
//! lives in the URL (`?window=last30`); the default is the next 30 days.

use crate::api::client;
use crate::api::oncall_health::{PersonLoad, ScheduleHealth, TeamHealth};
use crate::components::status::{plural, ApiErrorView, Loading, NotFound};
use crate::components::window::{add_days, today};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The windows offered: `(query value, label)`; the first is the default.
const WINDOWS: [(&str, &str); 2] = [("next30", "Next 30 days"), ("last30", "Last 30 days")];

/// The API query for a window: the API's default (now and 30 days on) for the next 30 days,
/// the 30 UTC days before `today` for the last.
fn window_query(window: &str, today: &str) -> String {
    match (window, add_days(today, -30)) {
        ("last30", Some(from)) => format!("?from={from}&to={today}"),
        _ => String::new(),
    }
}

/// Seconds as hours with one decimal: `12.5`.
fn hours(seconds: i64) -> String {
    format!("{:.1}", seconds as f64 / 3_600.0)
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn balance_text(balance: Option<f64>) -> String {
    balance.map_or_else(|| "—".to_string(), |b| format!("{b:.2}"))
}

#[component]
pub fn TeamOncallHealthPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let window = move || {
        query.with(|q| {
            q.get("window")
                .filter(|w| WINDOWS.iter().any(|(v, _)| v == w))
                .unwrap_or_else(|| WINDOWS[0].0.to_string())
        })
    };
    let today = today();
    let report = Resource::new(
        move || (slug(), window()),
        move |(slug, window)| {
            client::get::<TeamHealth>(format!(
                "/teams/{}/oncall-health{}",
                urlencoding::encode(&slug),
                window_query(&window, &today)
            ))
        },
    );
    let nav = move || {
        let (slug, current) = (slug(), window());
        view! {
            <nav class="calendar-nav" aria-label="Window">
                <div class="toggle" role="group" aria-label="Window">
                    {WINDOWS.iter().map(|(value, label)| view! {
                        <a id=format!("window-{value}")
                            href=format!("/teams/{slug}/oncall-health?window={value}")
                            aria-current=(current == *value).then_some("page")>{*label}</a>
                    }).collect_view()}
                </div>
            </nav>
        }
    };
    view! {
        <Title text=move || format!("On-call health · {}", slug())/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/teams">"Teams"</a> " / "
            <a href=move || format!("/teams/{}", slug())>{slug}</a> " / "
            <span aria-current="page">"On-call health"</span>
        </nav>
        <h1>"On-call health"</h1>
        <p class="muted">
            "Hours are split by each person’s own clock: business 08–18 Monday to Friday, sleep "
            "22–08, off hours the rest. The SRE book’s line is 25% of the time on call. Balance "
            "compares every pair of people (shorter time over longer, averaged): 1 is even."
        </p>
        {nav}
        <Transition fallback=|| view! { <Loading label="Computing the report…"/> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <Report report/> }.into_any(),
                    Err(e) if e.status == 404 => view! {
                        <NotFound title="Team not found"
                            message=format!("There is no team called “{}”.", slug())
                            back_href="/teams" back_label="Back to the teams"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Report(report: TeamHealth) -> impl IntoView {
    let label = format!(
        "{} – {} (UTC)",
        report
            .from
            .get(..16)
            .unwrap_or(&report.from)
            .replace('T', " "),
        report.to.get(..16).unwrap_or(&report.to).replace('T', " ")
    );
    if report.schedules.is_empty() {
        return view! {
            <p class="window-label">{label}</p>
            <div class="empty-state"><p>"This team has no on-call schedule."</p></div>
        }
        .into_any();
    }
    let over = if report.over_limit.is_empty() {
        "nobody".to_string()
    } else {
        report.over_limit.join(", ")
    };
    let gap_class = if report.gap_seconds > 0 {
        "gap-text"
    } else {
        "no-gaps"
    };
    view! {
        <p class="window-label" id="health-window">{label}</p>
        <dl class="details" id="health-summary">
            <dt>"Balance"</dt>
            <dd id="team-balance">{balance_text(report.balance)}</dd>
            <dt>"Gaps"</dt>
            <dd id="team-gaps" class=gap_class>
                {format!("{} h", hours(report.gap_seconds))}
                {(!report.schedules_with_gaps.is_empty())
                    .then(|| format!(" on {}", report.schedules_with_gaps.join(", ")))}
            </dd>
            <dt>"Over 25%"</dt>
            <dd id="team-over-limit">{over}</dd>
        </dl>
        <section id="health-people" aria-labelledby="health-people-title">
            <h2 id="health-people-title">"People across the team’s schedules"</h2>
            <p class="muted small">"Time on call on two schedules at once counts once."</p>
            <LoadTable id="team-load" people=report.people/>
        </section>
        <section id="health-schedules" aria-labelledby="health-schedules-title">
            <h2 id="health-schedules-title">{plural(report.schedules.len() as i64, "schedule", "schedules")}</h2>
            {report.schedules.into_iter().map(|s| view! { <ScheduleSection s/> }).collect_view()}
        </section>
    }
    .into_any()
}

#[component]
fn ScheduleSection(s: ScheduleHealth) -> impl IntoView {
    let gaps = if s.gaps.is_empty() {
        view! { <p class="gap-summary no-gaps">"No gaps: someone is on call the whole time."</p> }
            .into_any()
    } else {
        view! {
            <p class="gap-summary gap-text" role="note">
                {format!("{} h without anyone on call:", hours(s.gap_seconds))}
            </p>
            <ul class="gap-list">
                {s.gaps.iter().map(|g| view! {
                    <li class="gap-text">{format!("{} – {} ({})", g.start_local, g.end_local, s.time_zone)}</li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let flags = s
        .flags
        .iter()
        .map(|f| {
            let text = match f.as_str() {
                "gaps" => "gaps",
                "over_limit" => "someone over 25%",
                "unbalanced" => "unbalanced",
                other => other,
            };
            view! { <span class="badge badge-warning">{text.to_string()}</span> }
        })
        .collect_view();
    view! {
        <article class="health-schedule" id=format!("schedule-{}", s.schedule)>
            <h3>
                <a href=format!("/schedules/{}", s.schedule)>{s.schedule_name.clone()}</a>
                <span class="muted small">" "{s.time_zone.clone()}</span>
            </h3>
            <p class="badges">{flags}</p>
            <p>"Balance: " <strong class="balance">{balance_text(s.balance)}</strong></p>
            {gaps}
            <LoadTable id=format!("load-{}", s.schedule) people=s.people/>
        </article>
    }
}

#[component]
fn LoadTable(#[prop(into)] id: String, people: Vec<PersonLoad>) -> impl IntoView {
    if people.is_empty() {
        return view! { <p class="muted">"Nobody rotates in this window."</p> }.into_any();
    }
    let rows = people
        .into_iter()
        .map(|p| {
            let share = percent(p.share);
            view! {
                <tr data-person=p.person.clone() class:over-limit=p.over_limit>
                    <th scope="row">
                        <a href=format!("/people/{}", p.person)>{p.name.clone().unwrap_or_else(|| p.person.clone())}</a>
                    </th>
                    <td>{p.time_zone}</td>
                    <td class="num">{hours(p.total_seconds)}</td>
                    <td class="num">{hours(p.business_seconds)}</td>
                    <td class="num">{hours(p.off_seconds)}</td>
                    <td class="num">{hours(p.sleep_seconds)}</td>
                    <td class="num share">
                        {share}
                        {p.over_limit.then(|| view! { " " <span class="badge badge-danger">"over 25%"</span> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data-table" id=id>
                <caption class="visually-hidden">"On-call hours per person"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Person"</th>
                        <th scope="col">"Zone"</th>
                        <th scope="col" class="num">"Total h"</th>
                        <th scope="col" class="num">"Business h"</th>
                        <th scope="col" class="num">"Off h"</th>
                        <th scope="col" class="num">"Sleep h"</th>
                        <th scope="col" class="num">"Share"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_figures_read_plainly() {
        assert_eq!(window_query("next30", "2026-03-31"), "");
        assert_eq!(
            window_query("last30", "2026-03-31"),
            "?from=2026-03-01&to=2026-03-31"
        );
        assert_eq!(hours(45_000), "12.5");
        assert_eq!(percent(0.2857), "29%");
        assert_eq!(balance_text(None), "—");
        assert_eq!(balance_text(Some(0.5)), "0.50");
    }
}
