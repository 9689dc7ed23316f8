//! "On call now" on a service's page: whom a page for the service reaches, level by level
//! through its escalation policy, who is on call on its owning teams' schedules, and — for
//! those who may change the service — the choice of its policy.

use crate::api::client::{self, ApiError};
use crate::api::oncall::{EscalationPolicy, Responder, ServiceEscalationInput, ServiceOnCall};
use crate::api::Me;
use crate::components::access::may_write;
use crate::components::clock::utc;
use crate::components::status::{ApiErrorView, Loading};
use crate::components::timeline::OnCallItem;
use crate::pages::escalation_policies::repeats_text;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// "Level 1 · now" / "Level 2 · after 15 min".
fn when(r: &Responder) -> String {
    match r.after_minutes {
        0 => format!("Level {} · now", r.level),
        m => format!("Level {} · after {m} min", r.level),
    }
}

fn responder_view(r: Responder) -> impl IntoView {
    let who = match (&r.person, &r.person_name) {
        (Some(p), name) => view! {
            <a href=format!("/people/{p}") class="who">{name.clone().unwrap_or_else(|| p.clone())}</a>
        }
        .into_any(),
        (None, _) => view! { <strong class="gap-text">"nobody (gap)"</strong> }.into_any(),
    };
    let via = r.schedule.clone().map(|s| {
        let name = r.schedule_name.clone().unwrap_or_else(|| s.clone());
        // An empty text would still render (as a space): absent is `None`.
        let until = r.until.as_deref().map(|u| format!(", until {}", utc(u)));
        view! {
            <span class="muted">" (via "<a href=format!("/schedules/{s}")>{name}</a>{until}")"</span>
        }
    });
    view! {
        <li data-level=r.level data-person=r.person.clone().unwrap_or_default()
            data-schedule=r.schedule.clone().unwrap_or_default()>
            {when(&r)}": "{who}{via}
        </li>
    }
}

/// The section, as `#service-escalation`; `owners` are the owning teams' slugs.
#[component]
pub fn ServiceOnCallView(slug: String, owners: Vec<String>) -> impl IntoView {
    // Bumped after the policy is changed: who a page reaches is fetched again.
    let refresh = RwSignal::new(0u32);
    let path = format!("/services/{}", urlencoding::encode(&slug));
    let on_call = Resource::new(move || refresh.get(), {
        let path = path.clone();
        move |_| client::get::<ServiceOnCall>(format!("{path}/oncall"))
    });
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    // Loaded with the rest rather than in a suspense of its own inside this one, which
    // hydration would have to find again inside a streamed chunk.
    let policies = Resource::new(
        || (),
        |_| client::get::<Vec<EscalationPolicy>>("/escalation-policies".into()),
    );
    let owners = StoredValue::new(owners);
    let path = StoredValue::new(path);
    view! {
        <section class="on-call-now" id="service-escalation" aria-labelledby="on-call-title">
            <h2 id="on-call-title">"On call now"</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    let answer = on_call.await;
                    let editable = me.await.ok().is_some_and(|me| {
                        owners.with_value(|o| may_write(&me, o.iter().map(String::as_str)))
                    });
                    match answer {
                        Ok(now) => {
                            let current = now.policy.clone();
                            let choice = if editable {
                                let list = policies.await.unwrap_or_default();
                                Some(view! {
                                    <PolicyChoice path=path.get_value() current policies=list refresh/>
                                })
                            } else {
                                None
                            };
                            view! { <Escalation now/> {choice} }.into_any()
                        }
                        Err(_) => view! { <p class="muted">"On-call is not available."</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The policy's first pass and the owning teams' schedules.
#[component]
fn Escalation(now: ServiceOnCall) -> impl IntoView {
    let ServiceOnCall {
        policy,
        policy_name,
        repeats,
        responders,
        schedules,
        ..
    } = now;
    let policy_view = match policy {
        Some(p) => view! {
            <p id="escalation-policy">
                "Escalation policy: "
                <a href=format!("/escalation-policies/{p}")>{policy_name.unwrap_or_else(|| p.clone())}</a>
            </p>
            <ol class="on-call-list responders" id="responders">
                {responders.into_iter().map(responder_view).collect_view()}
            </ol>
            {(repeats > 0).then(|| view! { <p class="muted" id="escalation-repeats">{repeats_text(repeats)}</p> })}
        }
        .into_any(),
        None => view! {
            <p class="muted" id="escalation-policy">
                "No escalation policy: a page for this service reaches nobody in particular."
            </p>
        }
        .into_any(),
    };
    let schedules_view = if schedules.is_empty() {
        view! { <p class="muted">"The owning teams have no on-call schedule yet."</p> }.into_any()
    } else {
        view! {
            <ul class="on-call-list" id="on-call-now">
                {schedules.into_iter().map(|on_call| view! { <OnCallItem on_call/> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        {policy_view}
        <h3 id="team-schedules-title">"Owning teams' schedules"</h3>
        {schedules_view}
    }
}

/// A select of every policy and Save: `PUT /services/{slug}/escalation-policy`.
#[component]
fn PolicyChoice(
    path: String,
    current: Option<String>,
    policies: Vec<EscalationPolicy>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let current = current.unwrap_or_default();
    let chosen = RwSignal::new(current.clone());
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = ServiceEscalationInput {
            policy: Some(chosen.get_untracked()).filter(|p| !p.is_empty()),
        };
        let request =
            client::send::<_, ServiceOnCall>("PUT", format!("{path}/escalation-policy"), &input);
        pending.set(true);
        spawn_local(async move {
            let answer = request.await;
            pending.set(false);
            match answer {
                Ok(_) => {
                    error.set(None);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="form inline-form" id="escalation-form" on:submit=on_submit>
            <div class="field">
                <label for="escalation-select">"Escalation policy of this service"</label>
                <select id="escalation-select" name="policy"
                    on:change=move |ev| chosen.set(event_target_value(&ev))>
                    <option value="" selected=current.is_empty()>"None"</option>
                    {policies.into_iter().map(|p| {
                        let label = format!("{} ({})", p.name, p.team);
                        view! { <option value=p.slug.clone() selected=p.slug == current>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button" id="escalation-save" disabled=move || pending.get()>
                {move || if pending.get() { "Saving…" } else { "Save" }}
            </button>
            <a class="button button-link" href="/escalation-policies/new">"New policy"</a>
        </form>
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_say_when() {
        let r = Responder {
            level: 2,
            after_minutes: 15,
            person: None,
            person_name: None,
            schedule: None,
            schedule_name: None,
            until: None,
        };
        assert_eq!(when(&r), "Level 2 · after 15 min");
        assert_eq!(
            when(&Responder {
                level: 1,
                after_minutes: 0,
                ..r
            }),
            "Level 1 · now"
        );
    }
}
