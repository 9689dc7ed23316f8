//! A service's page: everything an on-call engineer needs first — how critical it is, who owns
//! it, who a page reaches now, where its code and dashboards are, and what breaks with it
//! (both dependency directions).

mod on_call;
mod scorecard;

use crate::api::{client, Service, ServiceSummary};
use crate::components::badges::{KindBadge, LifecycleBadge, Tags, TierBadge};
use crate::components::history::History;
use crate::components::status::{ApiErrorView, Loading, NotFound};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use on_call::ServiceOnCallView;
use scorecard::ServiceScorecardPanel;

#[component]
pub fn ServicePage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let service = Resource::new(slug, |slug| {
        client::get::<Service>(format!("/services/{}", urlencoding::encode(&slug)))
    });
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading service…"/> }>
            {move || Suspend::new(async move {
                match service.await {
                    Ok(service) => view! { <ServiceView service/> }.into_any(),
                    Err(e) if e.status == 404 => view! {
                        <Title text="Service not found"/>
                        <NotFound
                            title="Service not found"
                            message=format!("There is no service called “{}” in the catalog.", slug())
                            back_href="/catalog"
                            back_label="Back to the catalog"
                        />
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A list of services linking to their pages, or a quiet "none".
#[component]
fn ServiceList(services: Vec<ServiceSummary>, empty: &'static str) -> impl IntoView {
    if services.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    view! {
        <ul class="service-list">
            {services
                .into_iter()
                .map(|s| {
                    view! {
                        <li>
                            <a href=format!("/services/{}", s.slug)>{s.name}</a>
                            " "
                            <TierBadge tier=s.tier/>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ServiceView(service: Service) -> impl IntoView {
    let history_subject = service.slug.clone();
    let owner_slugs: Vec<String> = service.owners.iter().map(|o| o.slug.clone()).collect();
    let (scorecard_slug, scorecard_owners) = (service.slug.clone(), owner_slugs.clone());
    let fixes_slug = service.slug.clone();
    let Service {
        slug,
        name,
        description,
        owners,
        tier,
        lifecycle,
        kind,
        system,
        repository,
        links,
        tags,
        annotations,
        depends_on,
        depended_on_by,
        dependency_cycle,
        ..
    } = service;

    let cycle = dependency_cycle.filter(|c| !c.is_empty()).map(|cycle| {
        view! {
            <div class="alert alert-warning" id="dependency-cycle" role="note">
                <strong>"Part of a dependency cycle: "</strong>
                {cycle.join(" → ")}
            </div>
        }
    });
    let owners = owners
        .into_iter()
        .map(|o| {
            view! {
                <li class:primary=o.primary>
                    <a href=format!("/teams/{}", o.slug)>{o.name}</a>
                    {o.primary.then(|| view! { " " <span class="badge badge-primary">"primary"</span> })}
                </li>
            }
        })
        .collect_view();
    let links = (!links.is_empty()).then(|| {
        view! {
            <section id="links" aria-labelledby="links-title">
                <h2 id="links-title">"Links"</h2>
                <ul>
                    {links
                        .into_iter()
                        .map(|l| view! { <li><a href=l.url rel="noopener">{l.title}</a></li> })
                        .collect_view()}
                </ul>
            </section>
        }
    });
    let annotations = (!annotations.is_empty()).then(|| {
        view! {
            <section id="annotations" aria-labelledby="annotations-title">
                <h2 id="annotations-title">"Annotations"</h2>
                <dl class="annotations">
                    {annotations
                        .into_iter()
                        .map(|(k, v)| view! { <dt><code>{k}</code></dt> <dd>{v}</dd> })
                        .collect_view()}
                </dl>
            </section>
        }
    });

    view! {
        <Title text=name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/catalog">"Catalog"</a> " / " <span aria-current="page">{slug.clone()}</span>
        </nav>
        <div class="page-header">
            <div>
                <h1>{name}</h1>
                <p class="badges">
                    <TierBadge tier/> " " <LifecycleBadge lifecycle/> " " <KindBadge kind/>
                </p>
            </div>
            <div class="actions">
                <a class="button" id="runbook-link" href=format!("/services/{slug}/runbook")>"Runbook"</a>
                <a class="button" href=format!("/services/{slug}/edit")>"Edit"</a>
                <DeleteService slug=slug.clone()/>
            </div>
        </div>
        {cycle}
        {description.map(|d| view! { <p class="description">{d}</p> })}
        <ServiceOnCallView slug=slug.clone() owners=owner_slugs/>
        <div class="columns">
            <section id="owners" aria-labelledby="owners-title">
                <h2 id="owners-title">"Owners"</h2>
                <ul class="owner-list">{owners}</ul>
            </section>
            <section id="details" aria-labelledby="details-title">
                <h2 id="details-title">"Details"</h2>
                <dl class="details">
                    <dt>"Slug"</dt>
                    <dd><code>{slug}</code></dd>
                    <dt>"System"</dt>
                    <dd>{system.unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Repository"</dt>
                    <dd id="repository">
                        {match repository {
                            Some(repo) => view! {
                                <a href=format!("https://github.com/{repo}") rel="noopener">{repo.clone()}</a>
                            }.into_any(),
                            None => "—".into_any(),
                        }}
                    </dd>
                    <dt>"Tags"</dt>
                    <dd>
                        {if tags.is_empty() { Some("—") } else { None }}
                        <Tags tags/>
                    </dd>
                </dl>
            </section>
        </div>
        {links}
        <ServiceScorecardPanel slug=scorecard_slug owners=scorecard_owners/>
        <OpenFixes slug=fixes_slug/>
        <div class="columns">
            <section id="depends-on" aria-labelledby="depends-on-title">
                <h2 id="depends-on-title">"Depends on"</h2>
                <ServiceList services=depends_on empty="No dependencies recorded."/>
            </section>
            <section id="depended-on-by" aria-labelledby="depended-on-by-title">
                <h2 id="depended-on-by-title">"Depended on by"</h2>
                <ServiceList services=depended_on_by empty="Nothing depends on this service."/>
            </section>
        </div>
        {annotations}
        <History subject_type="service" subject=history_subject/>
    }
}

/// Delete after a confirmation; the catalog is where a deleted service's visitor goes next.
#[component]
fn DeleteService(slug: String) -> impl IntoView {
    let error = RwSignal::new(None);
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let on_click = move |_| {
        let confirmed = window()
            .confirm_with_message(&format!(
                "Delete the service “{slug}”? This cannot be undone."
            ))
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        pending.set(true);
        let request = client::delete(format!("/services/{}", urlencoding::encode(&slug)));
        let navigate = navigate.clone();
        spawn_local(async move {
            match request.await {
                Ok(()) => navigate("/catalog", Default::default()),
                Err(e) => {
                    pending.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <button type="button" class="button button-danger" id="delete-service"
            on:click=on_click disabled=move || pending.get()>
            {move || if pending.get() { "Deleting…" } else { "Delete" }}
        </button>
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
    }
}

/// The fixes the service still owes, from its incidents and reviews.
#[component]
fn OpenFixes(slug: String) -> impl IntoView {
    let backlog = Resource::new(
        move || slug.clone(),
        |slug| {
            crate::api::client::get::<crate::api::fixes::Backlog>(format!(
                "/fixes?service={}",
                urlencoding::encode(&slug)
            ))
        },
    );
    view! {
        <section id="open-fixes" aria-labelledby="open-fixes-title">
            <h2 id="open-fixes-title">"Open fixes"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading fixes…"</p> }>
                {move || Suspend::new(async move {
                    match backlog.await {
                        Ok(b) => {
                            let fixes = RwSignal::new(b.items);
                            view! { <crate::pages::incidents::FixList fixes/> }.into_any()
                        }
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
