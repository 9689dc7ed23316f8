//! The audit log as a table: when, who, what, and which fields a change touched. Used by the
//! audit page and, for one subject, by the service and team pages.

use crate::api::{client, AuditEvent, Page};
use crate::components::status::{ApiErrorView, Loading};
use leptos::prelude::*;

/// Fields every record changes on every write; not worth listing.
const BOOKKEEPING: &[&str] = &["version", "updatedAt", "createdAt"];

fn short(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        v @ (serde_json::Value::Bool(_) | serde_json::Value::Number(_)) => v.to_string(),
        serde_json::Value::Array(items) => format!("{} item(s)", items.len()),
        serde_json::Value::Object(_) => "…".into(),
    }
}

/// What an update changed, field by field: `tier: 1 → 2`, `owners changed`.
pub fn changes(event: &AuditEvent) -> Vec<String> {
    let (Some(serde_json::Value::Object(before)), Some(serde_json::Value::Object(after))) =
        (&event.before, &event.after)
    else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !BOOKKEEPING.contains(&k.as_str()))
        .filter_map(|k| {
            let (b, a) = (
                before.get(k).unwrap_or(&serde_json::Value::Null),
                after.get(k).unwrap_or(&serde_json::Value::Null),
            );
            (b != a).then(|| match (b, a) {
                (serde_json::Value::Array(_) | serde_json::Value::Object(_), _)
                | (_, serde_json::Value::Array(_) | serde_json::Value::Object(_)) => {
                    format!("{k} changed")
                }
                _ => format!("{k}: {} → {}", short(b), short(a)),
            })
        })
        .collect()
}

/// The page a subject lives on, if it has one.
fn subject_href(kind: &str, subject: &str) -> Option<String> {
    match kind {
        "service" => Some(format!("/services/{subject}")),
        "runbook" => Some(format!("/services/{subject}/runbook")),
        "team" => Some(format!("/teams/{subject}")),
        "person" => Some(format!("/people/{subject}")),
        _ => None,
    }
}

#[component]
pub fn AuditTable(items: Vec<AuditEvent>, #[prop(optional)] show_subject: bool) -> impl IntoView {
    let rows = items
        .into_iter()
        .map(|e| {
            let when = e.at.get(..19).unwrap_or(&e.at).replace('T', " ");
            let summary = changes(&e).join("; ");
            let subject = show_subject.then(|| {
                let label = format!("{} {}", e.subject_type, e.subject);
                let cell = match subject_href(&e.subject_type, &e.subject) {
                    Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                    None => view! { <span>{label}</span> }.into_any(),
                };
                view! { <td>{cell}</td> }
            });
            view! {
                <tr data-action=e.action.clone()>
                    <td><time datetime=e.at.clone()>{when}" UTC"</time></td>
                    <td>{e.actor.clone()}<span class="muted small">{format!(" ({})", e.actor_kind)}</span></td>
                    <td><code>{e.action.clone()}</code></td>
                    {subject}
                    <td>{summary}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="data-table audit-table">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        {show_subject.then(|| view! { <th scope="col">"Subject"</th> })}
                        <th scope="col">"Changes"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The latest changes of one subject, with a link to its whole history.
#[component]
pub fn History(subject_type: &'static str, subject: String) -> impl IntoView {
    let path = format!(
        "/audit{}",
        client::query_string(&[
            ("subjectType", Some(subject_type.to_string())),
            ("subject", Some(subject.clone())),
            ("limit", Some("10".into())),
        ])
    );
    let all = format!(
        "/audit?subjectType={subject_type}&subject={}",
        urlencoding::encode(&subject)
    );
    let events = Resource::new(move || path.clone(), client::get::<Page<AuditEvent>>);
    view! {
        <section id="history" aria-labelledby="history-title">
            <h2 id="history-title">"Recent changes"</h2>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || {
                    let all = all.clone();
                    Suspend::new(async move {
                        match events.await {
                            Ok(page) if page.items.is_empty() => view! { <p class="muted">"No changes recorded."</p> }.into_any(),
                            Ok(page) => {
                                let more = (page.total > page.items.len() as i64).then(|| view! {
                                    <p><a href=all.clone()>{format!("All {} changes", page.total)}</a></p>
                                });
                                view! { <AuditTable items=page.items/> {more} }.into_any()
                            }
                            Err(error) => view! { <ApiErrorView error/> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_lists_what_it_changed() {
        let event = AuditEvent {
            id: 1,
            at: "2026-11-22T09:00:00.000000Z".into(),
            actor_kind: "account".into(),
            actor: "ada".into(),
            action: "service.update".into(),
            subject_type: "service".into(),
            subject: "ledger".into(),
            before: Some(
                serde_json::json!({"tier": 1, "owners": ["a"], "version": 1, "name": "L"}),
            ),
            after: Some(serde_json::json!({"tier": 2, "owners": ["b"], "version": 2, "name": "L"})),
            request_id: None,
        };
        assert_eq!(changes(&event), vec!["owners changed", "tier: 1 → 2"]);
    }
}
