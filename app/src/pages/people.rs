//! Everyone Steward knows, searchable. As in the catalog, the URL holds the search
//! (`/people?q=ada&page=2`) and the search box only navigates.

use crate::api::{client, Page, Person};
use crate::components::pagination::{page_from, page_href, Pagination};
use crate::components::status::{plural, ApiErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
    NavigateOptions,
};

const PER_PAGE: i64 = 50;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let query = use_query_map();
    let people = Resource::new(
        move || {
            query.with(|q| {
                let offset = (page_from(q) - 1) * PER_PAGE;
                let pairs = [
                    ("q", q.get("q")),
                    ("team", q.get("team")),
                    ("sort", Some("name".to_string())),
                    ("limit", Some(PER_PAGE.to_string())),
                    ("offset", Some(offset.to_string())),
                ];
                format!("/people{}", client::query_string(&pairs))
            })
        },
        client::get::<Page<Person>>,
    );
    let navigate = use_navigate();
    let on_input = move |ev: leptos::ev::Event| {
        let mut next = query.get_untracked();
        next.remove("page");
        next.remove("q");
        let q = event_target_value(&ev);
        if !q.is_empty() {
            next.insert("q", q);
        }
        let options = NavigateOptions {
            replace: true,
            scroll: false,
            ..Default::default()
        };
        navigate(&page_href("/people", &next, 1), options);
    };
    view! {
        <Title text="People"/>
        <h1>"People"</h1>
        <Form method="GET" action="/people">
            <div class="filters" role="search" aria-label="Search people">
                <div class="field field-search">
                    <label for="people-search">"Search"</label>
                    <input type="search" id="people-search" name="q" placeholder="Name or handle" autocomplete="off"
                        value=move || query.with(|q| q.get("q").unwrap_or_default()) on:input=on_input/>
                </div>
                <div class="field field-actions">
                    <button type="submit" class="button">"Search"</button>
                </div>
            </div>
        </Form>
        <Transition fallback=|| view! { <Loading label="Loading people…"/> }>
            {move || Suspend::new(async move {
                match people.await {
                    Ok(page) => view! { <PeopleTable page query=query.get_untracked()/> }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PeopleTable(page: Page<Person>, query: ParamsMap) -> impl IntoView {
    let count = view! {
        <p id="result-count" class="result-count" aria-live="polite">{plural(page.total, "person", "people")}</p>
    };
    if page.items.is_empty() {
        return view! { {count} <div class="empty-state"><p>"Nobody matches this search."</p></div> }.into_any();
    }
    let rows = page
        .items
        .into_iter()
        .map(|p| {
            let teams = p
                .teams
                .into_iter()
                .map(|t| view! { <li><a href=format!("/teams/{}", t.team)>{t.team.clone()}</a></li> })
                .collect_view();
            view! {
                <tr data-handle=p.handle.clone()>
                    <th scope="row"><a href=format!("/people/{}", p.handle)>{p.name}</a></th>
                    <td><code>{p.handle.clone()}</code></td>
                    <td>{p.email.map(|e| view! { <a href=format!("mailto:{e}")>{e.clone()}</a> })}</td>
                    <td>{p.time_zone}</td>
                    <td>{p.github_login.map(|l| view! { <a href=format!("https://github.com/{l}") rel="noopener">{l.clone()}</a> })}</td>
                    <td>
                        {if p.active {
                            view! { <span class="badge status-active">"active"</span> }
                        } else {
                            view! { <span class="badge status-departed">"departed"</span> }
                        }}
                    </td>
                    <td><ul class="inline-list">{teams}</ul></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {count}
        <div class="table-wrap">
            <table class="data-table" id="people-table">
                <caption class="visually-hidden">"People"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Handle"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Time zone"</th>
                        <th scope="col">"GitHub"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Teams"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pagination base="/people" page=page_from(&query) query total=page.total per_page=PER_PAGE/>
    }
    .into_any()
}
