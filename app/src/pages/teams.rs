//! All teams: who exists, how big they are, and where they sit in the organisation.

use crate::api::{client, Page, Team};
use crate::components::pagination::{page_from, Pagination};
use crate::components::status::{plural, ApiErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{hooks::use_query_map, params::ParamsMap};

const PER_PAGE: i64 = 50;

#[component]
pub fn TeamsPage() -> impl IntoView {
    let query = use_query_map();
    let teams = Resource::new(
        move || query.with(page_from),
        |page| {
            let offset = (page - 1) * PER_PAGE;
            client::get::<Page<Team>>(format!("/teams?sort=name&limit={PER_PAGE}&offset={offset}"))
        },
    );
    view! {
        <Title text="Teams"/>
        <div class="page-header">
            <h1>"Teams"</h1>
            <a class="button button-primary" href="/teams/new">"New team"</a>
        </div>
        <Transition fallback=|| view! { <Loading label="Loading teams…"/> }>
            {move || Suspend::new(async move {
                match teams.await {
                    Ok(page) => view! { <TeamTable page query=query.get_untracked()/> }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TeamTable(page: Page<Team>, query: ParamsMap) -> impl IntoView {
    let count = view! {
        <p id="result-count" class="result-count">{plural(page.total, "team", "teams")}</p>
    };
    if page.items.is_empty() {
        return view! {
            {count}
            <div class="empty-state"><p>"No teams yet. "<a href="/teams/new">"Add the first one"</a></p></div>
        }
        .into_any();
    }
    let rows = page
        .items
        .into_iter()
        .map(|t| {
            view! {
                <tr data-slug=t.slug.clone()>
                    <th scope="row">
                        <a href=format!("/teams/{}", t.slug)>{t.name}</a>
                        <span class="muted small">" "{t.slug.clone()}</span>
                    </th>
                    <td class="num">{t.members.len()}</td>
                    <td>
                        {match t.parent {
                            Some(p) => view! { <a href=format!("/teams/{p}")>{p.clone()}</a> }.into_any(),
                            None => view! { <span class="muted">"—"</span> }.into_any(),
                        }}
                    </td>
                    <td>{t.chat_channel.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {count}
        <div class="table-wrap">
            <table class="data-table" id="teams-table">
                <caption class="visually-hidden">"Teams"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Team"</th>
                        <th scope="col" class="num">"Members"</th>
                        <th scope="col">"Parent"</th>
                        <th scope="col">"Chat"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pagination base="/teams" page=page_from(&query) query total=page.total per_page=PER_PAGE/>
    }
    .into_any()
}
