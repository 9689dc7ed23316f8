//! A person's page: how to reach them, which teams they belong to, their upcoming on-call
//! shifts (with a calendar feed of them) and the swap requests they offered or took.

mod shifts;
pub(crate) mod swaps;

use crate::api::{client, Me, Person};
use crate::components::status::{ApiErrorView, Loading, NotFound};
use crate::components::subscribe::Subscribe;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shifts::Shifts;
use swaps::SwapRequests;

#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let handle = move || params.with(|p| p.get("handle").unwrap_or_default());
    let person = Resource::new(handle, |handle| {
        client::get::<Person>(format!("/people/{}", urlencoding::encode(&handle)))
    });
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading person…"/> }>
            {move || Suspend::new(async move {
                match person.await {
                    Ok(person) => view! { <PersonView person/> }.into_any(),
                    Err(e) if e.status == 404 => view! {
                        <Title text="Person not found"/>
                        <NotFound title="Person not found"
                            message=format!("There is nobody with the handle “{}”.", handle())
                            back_href="/people" back_label="Back to the people"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PersonView(person: Person) -> impl IntoView {
    let Person {
        handle,
        name,
        email,
        time_zone,
        github_login,
        active,
        teams,
        ..
    } = person;
    // Whether the visitor is this person decides whether shifts can be offered from here.
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    // Bumped after an offer or a withdrawal: shifts and swap requests are fetched again.
    let refresh = RwSignal::new(0u32);
    let dash = || view! { <span class="muted">"—"</span> };
    let feeds = format!("/people/{}/feeds", urlencoding::encode(&handle));
    view! {
        <Title text=name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/people">"People"</a> " / " <span aria-current="page">{handle.clone()}</span>
        </nav>
        <div class="page-header">
            <h1>{name}</h1>
            {if active {
                view! { <span class="badge status-active">"active"</span> }
            } else {
                view! { <span class="badge status-departed">"departed"</span> }
            }}
        </div>
        <dl class="details" id="person-details">
            <dt>"Handle"</dt>
            <dd><code>{handle.clone()}</code></dd>
            <dt>"Email"</dt>
            <dd>
                {match email {
                    Some(e) => view! { <a href=format!("mailto:{e}")>{e.clone()}</a> }.into_any(),
                    None => dash().into_any(),
                }}
            </dd>
            <dt>"Time zone"</dt>
            <dd>{time_zone}</dd>
            <dt>"GitHub"</dt>
            <dd>
                {match github_login {
                    Some(l) => view! { <a href=format!("https://github.com/{l}") rel="noopener">{l.clone()}</a> }.into_any(),
                    None => dash().into_any(),
                }}
            </dd>
        </dl>
        <Subscribe api_path=feeds what="their on-call shifts on every schedule"/>
        <section id="teams" aria-labelledby="teams-title">
            <h2 id="teams-title">"Teams"</h2>
            {if teams.is_empty() {
                view! { <p class="muted">"Not a member of any team."</p> }.into_any()
            } else {
                view! {
                    <ul class="team-list">
                        {teams
                            .into_iter()
                            .map(|t| view! {
                                <li>
                                    <a href=format!("/teams/{}", t.team)>{t.team.clone()}</a>
                                    " "
                                    <span class=format!("badge role-{}", t.role.as_str())>{t.role.as_str()}</span>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
        <Shifts handle=handle.clone() me refresh/>
        <SwapRequests handle me refresh/>
    }
}
