//! All on-call schedules (or one team's, with `?team=slug`): the way into each calendar and
//! to creating a new one. There are few schedules, so the list is not paginated.

use crate::api::client::{self, query_string};
use crate::api::oncall::Schedule;
use crate::components::status::{plural, ApiErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SchedulesPage() -> impl IntoView {
    let query = use_query_map();
    let team = move || query.with(|q| q.get("team").filter(|t| !t.is_empty()));
    let schedules = Resource::new(team, |team| {
        client::get::<Vec<Schedule>>(format!("/schedules{}", query_string(&[("team", team)])))
    });
    let new_href = move || match team() {
        Some(t) => format!("/schedules/new?team={}", urlencoding::encode(&t)),
        None => "/schedules/new".to_string(),
    };
    view! {
        <Title text="On-call schedules"/>
        <div class="page-header">
            <div>
                <h1>"On-call schedules"</h1>
                {move || team().map(|t| view! {
                    <p class="small muted" id="team-filter">
                        "Team " <a href=format!("/teams/{t}")>{t.clone()}</a> " · " <a href="/schedules">"all teams"</a>
                    </p>
                })}
            </div>
            <a class="button button-primary" id="new-schedule" href=new_href>"New schedule"</a>
        </div>
        <Transition fallback=|| view! { <Loading label="Loading schedules…"/> }>
            {move || Suspend::new(async move {
                match schedules.await {
                    Ok(list) => view! { <ScheduleTable list/> }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ScheduleTable(list: Vec<Schedule>) -> impl IntoView {
    let count = view! {
        <p id="result-count" class="result-count">
            {plural(list.len() as i64, "schedule", "schedules")}
        </p>
    };
    if list.is_empty() {
        return view! {
            {count}
            <div class="empty-state"><p>"No schedules yet. "<a href="/schedules/new">"Create the first one"</a></p></div>
        }
        .into_any();
    }
    let rows = list
        .into_iter()
        .map(|s| {
            view! {
                <tr data-slug=s.slug.clone()>
                    <th scope="row">
                        <a href=format!("/schedules/{}", s.slug)>{s.name}</a>
                        <span class="muted small">" "{s.slug.clone()}</span>
                    </th>
                    <td><a href=format!("/teams/{}", s.team)>{s.team.clone()}</a></td>
                    <td>{s.time_zone}</td>
                    <td class="num">{s.layers.len()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {count}
        <div class="table-wrap">
            <table class="data-table" id="schedules-table">
                <caption class="visually-hidden">"On-call schedules"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Schedule"</th>
                        <th scope="col">"Team"</th>
                        <th scope="col">"Time zone"</th>
                        <th scope="col" class="num">"Layers"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
