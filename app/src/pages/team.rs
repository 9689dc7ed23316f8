//! A team's page: how to reach the team, who is in it, and what it owns.

use crate::api::{client, Team};
use crate::components::badges::TierBadge;
use crate::components::history::History;
use crate::components::status::{ApiErrorView, Loading, NotFound};
use crate::components::timeline::OnCallNow;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn TeamPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let team = Resource::new(slug, |slug| {
        client::get::<Team>(format!("/teams/{}", urlencoding::encode(&slug)))
    });
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading team…"/> }>
            {move || Suspend::new(async move {
                match team.await {
                    Ok(team) => view! { <TeamView team/> }.into_any(),
                    Err(e) if e.status == 404 => view! {
                        <Title text="Team not found"/>
                        <NotFound title="Team not found"
                            message=format!("There is no team called “{}”.", slug())
                            back_href="/teams" back_label="Back to the teams"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TeamView(team: Team) -> impl IntoView {
    let history_subject = team.slug.clone();
    let Team {
        slug,
        name,
        parent,
        description,
        chat_channel,
        email,
        members,
        children,
        services,
        ..
    } = team;
    let members_view = if members.is_empty() {
        view! { <p class="muted">"No members yet."</p> }.into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table class="data-table" id="members-table">
                    <caption class="visually-hidden">"Members"</caption>
                    <thead>
                        <tr><th scope="col">"Name"</th><th scope="col">"Handle"</th><th scope="col">"Role"</th></tr>
                    </thead>
                    <tbody>
                        {members
                            .into_iter()
                            .map(|m| view! {
                                <tr>
                                    <td>{m.name.unwrap_or_else(|| m.person.clone())}</td>
                                    <td><a href=format!("/people/{}", m.person)>{m.person.clone()}</a></td>
                                    <td><span class=format!("badge role-{}", m.role.as_str())>{m.role.as_str()}</span></td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let services_view = if services.is_empty() {
        view! { <p class="muted">"This team owns no services."</p> }.into_any()
    } else {
        view! {
            <ul class="service-list">
                {services
                    .into_iter()
                    .map(|s| view! {
                        <li><a href=format!("/services/{}", s.slug)>{s.name}</a>" "<TierBadge tier=s.tier/></li>
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };

    view! {
        <Title text=name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/teams">"Teams"</a> " / " <span aria-current="page">{slug.clone()}</span>
        </nav>
        <div class="page-header">
            <h1>{name}</h1>
            <div class="actions">
                <a class="button" href=format!("/teams/{slug}/edit")>"Edit"</a>
                <DeleteTeam slug=slug.clone()/>
            </div>
        </div>
        {description.map(|d| view! { <p class="description">{d}</p> })}
        <dl class="details" id="contact">
            <dt>"Chat"</dt>
            <dd>{chat_channel.unwrap_or_else(|| "—".into())}</dd>
            <dt>"Email"</dt>
            <dd>
                {match email {
                    Some(e) => view! { <a href=format!("mailto:{e}")>{e.clone()}</a> }.into_any(),
                    None => "—".into_any(),
                }}
            </dd>
            <dt>"Parent team"</dt>
            <dd id="parent-team">
                {match parent {
                    Some(p) => view! { <a href=format!("/teams/{p}")>{p.clone()}</a> }.into_any(),
                    None => "—".into_any(),
                }}
            </dd>
            {(!children.is_empty()).then(|| view! {
                <dt>"Sub-teams"</dt>
                <dd id="sub-teams">
                    <ul class="inline-list">
                        {children.into_iter().map(|c| view! { <li><a href=format!("/teams/{c}")>{c.clone()}</a></li> }).collect_view()}
                    </ul>
                </dd>
            })}
        </dl>
        <OnCallNow path=format!("/teams/{}/oncall", urlencoding::encode(&slug))/>
        <p class="on-call-links">
            <a id="team-schedules" href=format!("/schedules?team={}", urlencoding::encode(&slug))>"Schedules"</a>
            " · "
            <a id="team-new-schedule" href=format!("/schedules/new?team={}", urlencoding::encode(&slug))>"New schedule"</a>
            " · "
            <a id="team-oncall-health" href=format!("/teams/{}/oncall-health", urlencoding::encode(&slug))>"On-call health"</a>
            " · "
            <a id="team-policies" href=format!("/escalation-policies?team={}", urlencoding::encode(&slug))>"Escalation policies"</a>
            " · "
            <a id="team-scorecard" href=format!("/teams/{}/scorecard", urlencoding::encode(&slug))>"Scorecard"</a>
            " · "
            <a id="team-fixes" href=format!("/teams/{}/fixes", urlencoding::encode(&slug))>"Fixes owed"</a>
        </p>
        <section id="members" aria-labelledby="members-title">
            <h2 id="members-title">"Members"</h2>
            {members_view}
        </section>
        <section id="services" aria-labelledby="services-title">
            <h2 id="services-title">"Owned services"</h2>
            {services_view}
        </section>
        <History subject_type="team" subject=history_subject/>
    }
}

#[component]
fn DeleteTeam(slug: String) -> impl IntoView {
    let error = RwSignal::new(None);
    let navigate = use_navigate();
    let on_click = move |_| {
        let question = format!("Delete the team “{slug}”? This cannot be undone.");
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        let request = client::delete(format!("/teams/{}", urlencoding::encode(&slug)));
        let navigate = navigate.clone();
        spawn_local(async move {
            match request.await {
                Ok(()) => navigate("/teams", Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <button type="button" class="button button-danger" id="delete-team" on:click=on_click>"Delete"</button>
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
    }
}
