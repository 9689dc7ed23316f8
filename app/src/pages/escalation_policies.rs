//! All escalation policies (or one team's, with `?team=slug`): who a page reaches, level by
//! level, and which services use each. Few policies exist, so the list is not paginated.

use super::escalation_policy::{delay_text, target_text};
use crate::api::client::{self, query_string};
use crate::api::oncall::EscalationPolicy;
use crate::components::status::{plural, ApiErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn EscalationPoliciesPage() -> impl IntoView {
    let query = use_query_map();
    let team = move || query.with(|q| q.get("team").filter(|t| !t.is_empty()));
    let policies = Resource::new(team, |team| {
        client::get::<Vec<EscalationPolicy>>(format!(
            "/escalation-policies{}",
            query_string(&[("team", team)])
        ))
    });
    let new_href = move || match team() {
        Some(t) => format!("/escalation-policies/new?team={}", urlencoding::encode(&t)),
        None => "/escalation-policies/new".to_string(),
    };
    view! {
        <Title text="Escalation policies"/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/schedules">"On-call"</a> " / " <span aria-current="page">"Escalation policies"</span>
        </nav>
        <div class="page-header">
            <div>
                <h1>"Escalation policies"</h1>
                {move || team().map(|t| view! {
                    <p class="small muted" id="team-filter">
                        "Team " <a href=format!("/teams/{t}")>{t.clone()}</a> " · "
                        <a href="/escalation-policies">"all teams"</a>
                    </p>
                })}
            </div>
            <a class="button button-primary" id="new-policy" href=new_href>"New policy"</a>
        </div>
        <Transition fallback=|| view! { <Loading label="Loading escalation policies…"/> }>
            {move || Suspend::new(async move {
                match policies.await {
                    Ok(list) => view! { <PolicyTable list/> }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PolicyTable(list: Vec<EscalationPolicy>) -> impl IntoView {
    let count = view! {
        <p id="result-count" class="result-count">
            {plural(list.len() as i64, "policy", "policies")}
        </p>
    };
    if list.is_empty() {
        return view! {
            {count}
            <div class="empty-state">
                <p>"No escalation policies yet. "<a href="/escalation-policies/new">"Create the first one"</a></p>
            </div>
        }
        .into_any();
    }
    let rows = list
        .into_iter()
        .map(|p| {
            let levels = p
                .levels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let targets: Vec<String> = l.targets.iter().map(target_text).collect();
                    view! { <li>{format!("{}: {}", delay_text(i, l.delay_minutes), targets.join(", "))}</li> }
                })
                .collect_view();
            let services = if p.services.is_empty() {
                view! { <span class="muted">"none"</span> }.into_any()
            } else {
                view! {
                    <ul class="inline-list">
                        {p.services.iter().map(|s| view! { <li><a href=format!("/services/{s}")>{s.clone()}</a></li> }).collect_view()}
                    </ul>
                }
                .into_any()
            };
            view! {
                <tr data-slug=p.slug.clone()>
                    <th scope="row">
                        <a href=format!("/escalation-policies/{}", p.slug)>{p.name.clone()}</a>
                        <span class="muted small">" "{p.slug.clone()}</span>
                    </th>
                    <td><a href=format!("/teams/{}", p.team)>{p.team.clone()}</a></td>
                    <td>
                        <ol class="level-summary">{levels}</ol>
                        {(p.repeats > 0).then(|| view! { <span class="muted small">{repeats_text(p.repeats)}</span> })}
                    </td>
                    <td>{services}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {count}
        <div class="table-wrap">
            <table class="data-table" id="policies-table">
                <caption class="visually-hidden">"Escalation policies"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Policy"</th>
                        <th scope="col">"Team"</th>
                        <th scope="col">"Levels"</th>
                        <th scope="col">"Services"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// "then repeats 2 times".
pub fn repeats_text(repeats: u32) -> String {
    match repeats {
        0 => "no repeats".into(),
        1 => "then repeats once".into(),
        n => format!("then repeats {n} times"),
    }
}
