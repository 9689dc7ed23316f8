//! An escalation policy's page: its levels in order (whom each notifies, how long after the
//! previous one), how often the whole list repeats, and the services whose pages follow it.

use super::escalation_policies::repeats_text;
use crate::api::client;
use crate::api::oncall::{EscalationPolicy, EscalationTarget};
use crate::components::history::History;
use crate::components::status::{ApiErrorView, Loading, NotFound};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

/// When level `index` (from 0) is notified, relative to the previous one (the page, for the
/// first).
pub fn delay_text(index: usize, minutes: u32) -> String {
    match (index, minutes) {
        (0, 0) => "at once".into(),
        (0, n) => format!("after {n} min"),
        (_, n) => format!("{n} min later"),
    }
}

/// `schedule payments-primary` or `ada`.
pub fn target_text(target: &EscalationTarget) -> String {
    match (&target.schedule, &target.person) {
        (Some(s), _) => format!("schedule {s}"),
        (None, Some(p)) => p.clone(),
        (None, None) => "nobody".into(),
    }
}

#[component]
pub fn EscalationPolicyPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let policy = Resource::new(slug, |slug| {
        client::get::<EscalationPolicy>(format!(
            "/escalation-policies/{}",
            urlencoding::encode(&slug)
        ))
    });
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading escalation policy…"/> }>
            {move || Suspend::new(async move {
                match policy.await {
                    Ok(policy) => view! { <PolicyView policy/> }.into_any(),
                    Err(e) if e.status == 404 => view! {
                        <Title text="Escalation policy not found"/>
                        <NotFound title="Escalation policy not found"
                            message=format!("There is no escalation policy called “{}”.", slug())
                            back_href="/escalation-policies" back_label="Back to the escalation policies"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn target_view(target: EscalationTarget) -> AnyView {
    match (target.schedule, target.person) {
        (Some(s), _) => view! {
            <li data-schedule=s.clone()>"whoever is on call on "<a href=format!("/schedules/{s}")>{s.clone()}</a></li>
        }
        .into_any(),
        (None, Some(p)) => view! {
            <li data-person=p.clone()><a href=format!("/people/{p}")>{p.clone()}</a></li>
        }
        .into_any(),
        (None, None) => view! { <li class="gap-text">"nobody"</li> }.into_any(),
    }
}

#[component]
fn PolicyView(policy: EscalationPolicy) -> impl IntoView {
    let EscalationPolicy {
        slug,
        name,
        team,
        levels,
        repeats,
        services,
        ..
    } = policy;
    let levels = levels
        .into_iter()
        .enumerate()
        .map(|(i, level)| {
            view! {
                <li data-level=i + 1>
                    <strong>{format!("Level {}", i + 1)}</strong>
                    <span class="muted">{format!(" · {}", delay_text(i, level.delay_minutes))}</span>
                    <ul class="targets">{level.targets.into_iter().map(target_view).collect_view()}</ul>
                </li>
            }
        })
        .collect_view();
    let services = if services.is_empty() {
        view! { <p class="muted" id="policy-services">"No service points to this policy yet."</p> }
            .into_any()
    } else {
        view! {
            <ul class="service-list" id="policy-services">
                {services.into_iter().map(|s| view! { <li><a href=format!("/services/{s}")>{s.clone()}</a></li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <Title text=name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/escalation-policies">"Escalation policies"</a> " / "
            <span aria-current="page">{slug.clone()}</span>
        </nav>
        <div class="page-header">
            <h1>{name}</h1>
            <div class="actions">
                <a class="button" id="edit-policy" href=format!("/escalation-policies/{slug}/edit")>"Edit"</a>
                <DeletePolicy slug=slug.clone()/>
            </div>
        </div>
        <dl class="details" id="policy-details">
            <dt>"Team"</dt>
            <dd><a id="policy-team" href=format!("/teams/{team}")>{team.clone()}</a></dd>
            <dt>"Repeats"</dt>
            <dd id="policy-repeats">{repeats_text(repeats)}</dd>
        </dl>
        <section aria-labelledby="levels-title">
            <h2 id="levels-title">"Levels"</h2>
            <p class="hint">"A page notifies each level in turn until someone acknowledges it."</p>
            <ol class="level-list" id="policy-levels">{levels}</ol>
        </section>
        <section aria-labelledby="services-title">
            <h2 id="services-title">"Services"</h2>
            {services}
        </section>
        <History subject_type="escalation_policy" subject=slug/>
    }
}

/// Delete after a confirmation; the API refuses (409 `in_use`) while services point here.
#[component]
fn DeletePolicy(slug: String) -> impl IntoView {
    let error = RwSignal::new(None);
    let navigate = use_navigate();
    let on_click = move |_| {
        let question = format!("Delete the escalation policy “{slug}”? This cannot be undone.");
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        let request = client::delete(format!(
            "/escalation-policies/{}",
            urlencoding::encode(&slug)
        ));
        let navigate = navigate.clone();
        spawn_local(async move {
            match request.await {
                Ok(()) => navigate("/escalation-policies", Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <button type="button" class="button button-danger" id="delete-policy" on:click=on_click>"Delete"</button>
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_as_when_and_whom() {
        assert_eq!(delay_text(0, 0), "at once");
        assert_eq!(delay_text(0, 5), "after 5 min");
        assert_eq!(delay_text(2, 15), "15 min later");
        let schedule = EscalationTarget {
            schedule: Some("payments-primary".into()),
            person: None,
        };
        assert_eq!(target_text(&schedule), "schedule payments-primary");
        assert_eq!(target_text(&EscalationTarget::default()), "nobody");
    }
}
