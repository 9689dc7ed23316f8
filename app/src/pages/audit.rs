//! `/audit`: every change, newest first, filtered by who made it, what kind of thing it
//! touched and when. The URL holds the filters (`/audit?actor=ada&since=2026-11-01`).

use crate::api::{client, AuditEvent, Page};
use crate::components::history::AuditTable;
use crate::components::pagination::{page_from, Pagination};
use crate::components::status::{plural, ApiErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

const PER_PAGE: i64 = 50;
const SUBJECT_TYPES: &[&str] = &["service", "team", "person", "account", "entity"];

/// A `YYYY-MM-DD` day (what a date input gives) as the first instant of the day (`since`) or
/// its last microsecond (`until`), in UTC; anything else is passed on for the API to judge.
fn day_bound(day: String, end: bool) -> String {
    let b = day.as_bytes();
    let is_day = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    match (is_day, end) {
        (true, false) => format!("{day}T00:00:00Z"),
        (true, true) => format!("{day}T23:59:59.999999Z"),
        (false, _) => day,
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let events = Resource::new(
        move || {
            query.with(|q| {
                let offset = (page_from(q) - 1) * PER_PAGE;
                let pairs = [
                    ("actor", q.get("actor")),
                    ("subjectType", q.get("subjectType")),
                    ("subject", q.get("subject")),
                    (
                        "since",
                        q.get("since")
                            .filter(|s| !s.is_empty())
                            .map(|d| day_bound(d, false)),
                    ),
                    (
                        "until",
                        q.get("until")
                            .filter(|s| !s.is_empty())
                            .map(|d| day_bound(d, true)),
                    ),
                    ("limit", Some(PER_PAGE.to_string())),
                    ("offset", Some(offset.to_string())),
                ];
                format!("/audit{}", client::query_string(&pairs))
            })
        },
        client::get::<Page<AuditEvent>>,
    );
    let value = move |name: &'static str| move || query.with(|q| q.get(name).unwrap_or_default());
    let types = SUBJECT_TYPES
        .iter()
        .map(|t| {
            let selected = move || query.with(|q| q.get("subjectType").as_deref() == Some(*t));
            view! { <option value=*t selected=selected>{*t}</option> }
        })
        .collect_view();
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <p class="muted">"Every change to the catalog, the accounts and their tokens, with who made it."</p>
        <Form method="GET" action="/audit">
            <div class="filters" role="search" aria-label="Filter the audit log">
                <div class="field">
                    <label for="audit-actor">"Who"</label>
                    <input type="text" id="audit-actor" name="actor" placeholder="handle" value=value("actor")/>
                </div>
                <div class="field">
                    <label for="audit-type">"Subject type"</label>
                    <select id="audit-type" name="subjectType">
                        <option value="">"any"</option>
                        {types}
                    </select>
                </div>
                <div class="field">
                    <label for="audit-subject">"Subject"</label>
                    <input type="text" id="audit-subject" name="subject" placeholder="slug or handle" value=value("subject")/>
                </div>
                <div class="field">
                    <label for="audit-since">"From"</label>
                    <input type="date" id="audit-since" name="since" value=value("since")/>
                </div>
                <div class="field">
                    <label for="audit-until">"To"</label>
                    <input type="date" id="audit-until" name="until" value=value("until")/>
                </div>
                <div class="field field-actions">
                    <button type="submit" class="button">"Filter"</button>
                </div>
            </div>
        </Form>
        <Transition fallback=|| view! { <Loading label="Loading the audit log…"/> }>
            {move || Suspend::new(async move {
                match events.await {
                    Ok(page) => {
                        let q = query.get_untracked();
                        view! {
                            <p id="result-count" class="result-count" aria-live="polite">{plural(page.total, "change", "changes")}</p>
                            {if page.items.is_empty() {
                                view! { <div class="empty-state"><p>"No change matches these filters."</p></div> }.into_any()
                            } else {
                                view! { <AuditTable items=page.items show_subject=true/> }.into_any()
                            }}
                            <Pagination base="/audit" page=page_from(&q) query=q total=page.total per_page=PER_PAGE/>
                        }.into_any()
                    }
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::day_bound;

    #[test]
    fn days_become_instants() {
        assert_eq!(
            day_bound("2026-11-22".into(), false),
            "2026-11-22T00:00:00Z"
        );
        assert_eq!(
            day_bound("2026-11-30".into(), true),
            "2026-11-30T23:59:59.999999Z"
        );
        assert_eq!(day_bound("yesterday".into(), false), "yesterday");
    }
}
