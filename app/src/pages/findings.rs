//! `/findings`: every finding across the organisation, open ones by default, filtered by
//! team, service, rule, category, severity, result and state — for whoever reviews decay
//! across teams ("what is failing on tier 1 on-call?") and for a team working down its list.
//! The URL holds the filters (`/findings?team=payments&severity=high`), so a filtered list
//! can be shared and bookmarked.

use crate::api::checks::{Finding, Rule};
use crate::api::{client, Page};
use crate::components::clock::utc;
use crate::components::pagination::{page_from, Pagination};
use crate::components::score::age_text;
use crate::components::status::{plural, ApiErrorView, Loading};
use crate::components::table::DataTable;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

const PER_PAGE: i64 = 50;
/// `(value, label)` of the select filters; the empty value means any.
const CATEGORIES: &[(&str, &str)] = &[
    ("ownership", "Ownership"),
    ("on-call", "On-call"),
    ("catalog", "Catalog"),
    ("operations", "Operations"),
    ("dependencies", "Dependencies"),
];
const SEVERITIES: &[(&str, &str)] = &[
    ("critical", "Critical"),
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
];
const RESULTS: &[(&str, &str)] = &[
    ("fail", "Failing"),
    ("unknown", "Could not be evaluated"),
    ("error", "Rule error"),
];
const STATES: &[(&str, &str)] = &[("open", "Open"), ("resolved", "Resolved"), ("all", "All")];
/// The filters passed on to `GET /findings` as they are.
const FILTERS: &[&str] = &[
    "team", "service", "rule", "category", "severity", "result", "state",
];

#[component]
pub fn FindingsPage() -> impl IntoView {
    let query = use_query_map();
    let findings = Resource::new(
        move || {
            query.with(|q| {
                let offset = (page_from(q) - 1) * PER_PAGE;
                let mut pairs: Vec<(&str, Option<String>)> = FILTERS
                    .iter()
                    .map(|f| (*f, q.get(f).filter(|v| !v.is_empty())))
                    .collect();
                pairs.push(("limit", Some(PER_PAGE.to_string())));
                pairs.push(("offset", Some(offset.to_string())));
                format!("/findings{}", client::query_string(&pairs))
            })
        },
        client::get::<Page<Finding>>,
    );
    let rules = Resource::new(|| (), |_| client::get::<Vec<Rule>>("/rules".into()));
    let value = move |name: &'static str| move || query.with(|q| q.get(name).unwrap_or_default());
    let select = move |name: &'static str, any: &'static str, options: &'static [(&str, &str)]| {
        let options = options
            .iter()
            .map(|(v, label)| {
                let selected = move || query.with(|q| q.get(name).as_deref() == Some(*v));
                view! { <option value=*v selected=selected>{*label}</option> }
            })
            .collect_view();
        view! {
            <select id=format!("findings-{name}") name=name>
                <option value="">{any}</option>
                {options}
            </select>
        }
    };
    view! {
        <Title text="Findings"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/scorecards">"Scorecards"</a> " / " <span aria-current="page">"Findings"</span>
        </nav>
        <h1>"Findings"</h1>
        <p class="muted">
            "What the scheduled checks found failing, service by service. A finding resolves by \
             itself on the next pass once its cause is fixed; an exempted one is shown but not \
             counted."
        </p>
        <Form method="GET" action="/findings">
            <div class="filters" role="search" aria-label="Filter the findings">
                <div class="field">
                    <label for="findings-team">"Team"</label>
                    <input type="text" id="findings-team" name="team" placeholder="team slug" value=value("team")/>
                </div>
                <div class="field">
                    <label for="findings-service">"Service"</label>
                    <input type="text" id="findings-service" name="service" placeholder="service slug" value=value("service")/>
                </div>
                <div class="field">
                    <label for="findings-rule">"Rule"</label>
                    <Transition fallback=move || view! {
                        <select id="findings-rule" name="rule"><option value="">"any"</option></select>
                    }>
                        {move || Suspend::new(async move {
                            let rules = rules.await.unwrap_or_default();
                            view! {
                                <select id="findings-rule" name="rule">
                                    <option value="">"any"</option>
                                    {rules.into_iter().map(|r| {
                                        let id = r.id.clone();
                                        let selected = move || query.with(|q| q.get("rule").as_deref() == Some(id.as_str()));
                                        view! { <option value=r.id selected=selected>{r.title}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })}
                    </Transition>
                </div>
                <div class="field">
                    <label for="findings-category">"Category"</label>
                    {select("category", "any", CATEGORIES)}
                </div>
                <div class="field">
                    <label for="findings-severity">"Severity"</label>
                    {select("severity", "any", SEVERITIES)}
                </div>
                <div class="field">
                    <label for="findings-result">"Result"</label>
                    {select("result", "any", RESULTS)}
                </div>
                <div class="field">
                    <label for="findings-state">"State"</label>
                    {select("state", "Open", &STATES[1..])}
                </div>
                <div class="field field-actions">
                    <button type="submit" class="button">"Filter"</button>
                </div>
            </div>
        </Form>
        <Transition fallback=|| view! { <Loading label="Loading the findings…"/> }>
            {move || Suspend::new(async move {
                match findings.await {
                    Ok(page) => {
                        let q = query.get_untracked();
                        let count = plural(page.total, "finding", "findings");
                        view! {
                            <p id="result-count" class="result-count" aria-live="polite">{count}</p>
                            {if page.items.is_empty() {
                                view! {
                                    <div class="empty-state">
                                        <p>"No finding matches these filters."</p>
                                        <p><a href="/findings">"Show every open finding"</a></p>
                                    </div>
                                }.into_any()
                            } else {
                                view! { <FindingTable items=page.items/> }.into_any()
                            }}
                            <Pagination base="/findings" page=page_from(&q) query=q total=page.total per_page=PER_PAGE/>
                        }.into_any()
                    }
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What a finding's state says in one cell: open, resolved (when), exempted (until when), or
/// not counted yet (a grace period).
fn state_text(f: &Finding) -> String {
    if let Some(at) = &f.resolved_at {
        if f.state == "resolved" {
            return format!("resolved {}", utc(at));
        }
    }
    match (&f.exemption, f.enforced) {
        (Some(e), _) => format!("exempted until {}", utc(&e.expires_at)),
        (None, false) => "open · grace period".into(),
        (None, true) if f.reopened_count > 0 => format!("open · reopened {}×", f.reopened_count),
        (None, true) => "open".into(),
    }
}

#[component]
fn FindingTable(items: Vec<Finding>) -> impl IntoView {
    let rows = items
        .into_iter()
        .map(|f| {
            let state = state_text(&f);
            let subject = (f.subject != "-" && !f.subject.is_empty())
                .then(|| view! { <span class="muted small">{format!(" ({})", f.subject)}</span> });
            let age = (f.result == "unknown").then(|| {
                f.data_age_secs.map_or_else(
                    || " · no data yet".to_string(),
                    |s| format!(" · data {} old", age_text(s)),
                )
            });
            let service = match (&f.service, &f.service_name) {
                (Some(slug), name) => view! {
                    <a href=format!("/services/{}#service-scorecard", urlencoding::encode(slug))>
                        {name.clone().unwrap_or_else(|| slug.clone())}
                    </a>
                }
                .into_any(),
                (None, _) => view! { <span>"Steward"</span> }.into_any(),
            };
            let owners = f
                .owners
                .iter()
                .map(|t| view! { <a href=format!("/teams/{t}/scorecard")>{t.clone()}</a> " " })
                .collect_view();
            view! {
                <tr data-finding=f.id data-result=f.result.clone() data-state=f.state.clone()>
                    <th scope="row">{service}</th>
                    <td>{owners}</td>
                    <td><span class="badge" data-severity=f.severity.clone()>{f.severity.clone()}</span></td>
                    <td>{f.rule_title.clone()}</td>
                    <td>{f.message.clone()}{subject}<span class="muted small">{age}</span></td>
                    <td>{utc(&f.first_seen_at)}</td>
                    <td>{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable id="findings-table" caption="Findings" head=vec![
            ("Service", false), ("Owners", false), ("Severity", false), ("Rule", false),
            ("Finding", false), ("First seen", false), ("State", false),
        ]>
            {rows}
        </DataTable>
    }
}
