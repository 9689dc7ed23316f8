//! Creating and editing an escalation policy: its levels in order, each notifying schedules
//! (whoever is on call there) or people, and how often the whole list repeats. The API
//! validates; the form places each message next to the control it concerns.

mod levels;

use crate::api::client::{self, ApiError};
use crate::api::oncall::{EscalationPolicy, EscalationPolicyInput, Schedule};
use crate::api::{Page, Person, Team};
use crate::components::form::{ErrorSummary, Field, FieldError, FormErrors};
use crate::components::status::{ApiErrorView, Loading, NotFound};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use levels::{bind, place_field, LevelDraft, LevelFieldset};

/// What the form offers to choose from: teams, schedules and people as `(key, label)`.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
struct Choices {
    teams: Vec<(String, String)>,
    schedules: Vec<(String, String)>,
    people: Vec<(String, String)>,
}

/// `/escalation-policies/new` (`?team=slug` preselects the team) and
/// `/escalation-policies/:slug/edit`.
#[component]
pub fn EscalationPolicyFormPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.with(|p| p.get("slug"));
    let data = Resource::new(slug, |slug| {
        let existing = slug.map(|s| {
            client::get::<EscalationPolicy>(format!(
                "/escalation-policies/{}",
                urlencoding::encode(&s)
            ))
        });
        let teams = client::get::<Page<Team>>("/teams?sort=name&limit=500".into());
        let schedules = client::get::<Vec<Schedule>>("/schedules".into());
        let people = client::get::<Page<Person>>("/people?sort=name&limit=500".into());
        async move {
            // Without these lists the form still works: selects offer what the policy has,
            // and a person is typed by handle.
            let choices = Choices {
                teams: teams
                    .await
                    .map(|p| p.items.into_iter().map(|t| (t.slug, t.name)).collect())
                    .unwrap_or_default(),
                schedules: schedules
                    .await
                    .map(|list| {
                        list.into_iter()
                            .map(|s| {
                                let label = format!("{} ({})", s.name, s.team);
                                (s.slug, label)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                people: people
                    .await
                    .map(|p| {
                        p.items
                            .into_iter()
                            .filter(|p| p.active)
                            .map(|p| (p.handle, p.name))
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            let existing = match existing {
                Some(request) => Some(request.await?),
                None => None,
            };
            Ok::<_, ApiError>((existing, choices))
        }
    });
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((Some(policy), choices)) => view! {
                        <PolicyForm editing=Some(policy.slug.clone()) initial=to_input(policy) choices/>
                    }.into_any(),
                    Ok((None, choices)) => {
                        let team = query.with_untracked(|q| q.get("team")).unwrap_or_default();
                        view! { <PolicyForm editing=None initial=blank(team) choices/> }.into_any()
                    }
                    Err(e) if e.status == 404 => view! {
                        <NotFound title="Escalation policy not found" message="There is no such escalation policy to edit."
                            back_href="/escalation-policies" back_label="Back to the escalation policies"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A new policy starts with one level to fill in, since a policy without levels is refused.
fn blank(team: String) -> EscalationPolicyInput {
    EscalationPolicyInput {
        team,
        levels: vec![LevelDraft::blank(0).to_level()],
        ..EscalationPolicyInput::default()
    }
}

fn to_input(p: EscalationPolicy) -> EscalationPolicyInput {
    EscalationPolicyInput {
        slug: p.slug,
        name: p.name,
        team: p.team,
        levels: p.levels,
        repeats: p.repeats,
        version: Some(p.version),
    }
}

/// `(key, label)` options with `chosen` selected, and `chosen` itself offered first when the
/// list does not have it (a list that failed to load, a team just renamed).
fn options(mut list: Vec<(String, String)>, chosen: &str) -> impl IntoView {
    if !chosen.is_empty() && !list.iter().any(|(k, _)| k == chosen) {
        list.insert(0, (chosen.to_string(), chosen.to_string()));
    }
    let chosen = chosen.to_string();
    list.into_iter()
        .map(|(k, label)| view! { <option value=k.clone() selected=k == chosen>{label}</option> })
        .collect_view()
}

#[component]
fn PolicyForm(
    editing: Option<String>,
    initial: EscalationPolicyInput,
    choices: Choices,
) -> impl IntoView {
    let errors = FormErrors::placed_by(place_field);
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let title = match &editing {
        Some(_) => format!("Edit {}", initial.name),
        None => "New escalation policy".to_string(),
    };
    let cancel = match &editing {
        Some(slug) => format!("/escalation-policies/{slug}"),
        None => "/escalation-policies".to_string(),
    };
    let version = initial.version;
    // The API keeps a policy's slug: it is shown, not edited.
    let slug_fixed = editing.is_some();
    let slug = RwSignal::new(initial.slug.clone());
    let name = RwSignal::new(initial.name.clone());
    let team = RwSignal::new(initial.team.clone());
    let repeats = RwSignal::new(initial.repeats.to_string());
    let levels = RwSignal::new(
        initial
            .levels
            .into_iter()
            .map(LevelDraft::from_level)
            .collect::<Vec<_>>(),
    );
    // Schedules a saved policy names are offered even when the list did not load.
    let mut schedules = choices.schedules;
    levels.with_untracked(|ls| {
        for l in ls {
            l.targets.with_untracked(|ts| {
                for t in ts {
                    let value = t.value.get_untracked();
                    if t.kind.get_untracked() == "schedule"
                        && !value.is_empty()
                        && !schedules.iter().any(|(s, _)| *s == value)
                    {
                        schedules.push((value.clone(), value));
                    }
                }
            })
        }
    });
    let schedules = StoredValue::new(schedules);

    let build = move || EscalationPolicyInput {
        slug: slug.get_untracked().trim().into(),
        name: name.get_untracked().trim().into(),
        team: team.get_untracked(),
        levels: levels.with_untracked(|ls| ls.iter().map(|l| l.to_level()).collect()),
        // Not a number: out of range, which the API names under `repeats`.
        repeats: match repeats.get_untracked().trim() {
            "" => 0,
            r => r.parse().unwrap_or(u32::MAX),
        },
        version,
    };
    // Errors name levels and targets by position, which a removal changes.
    let positions_changed = Callback::new(move |()| errors.error.set(None));
    let on_remove = Callback::new(move |index: usize| {
        levels.update(|ls| {
            if index < ls.len() {
                ls.remove(index);
            }
        });
        positions_changed.run(());
    });
    let add_level = move |_| levels.update(|ls| ls.push(LevelDraft::blank(ls.len())));

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = build();
        let (method, path) = match &editing {
            Some(slug) => (
                "PUT",
                format!("/escalation-policies/{}", urlencoding::encode(slug)),
            ),
            None => ("POST", "/escalation-policies".to_string()),
        };
        let request = client::send::<_, EscalationPolicy>(method, path, &input);
        let navigate = navigate.clone();
        pending.set(true);
        spawn_local(async move {
            match request.await {
                Ok(saved) => {
                    errors.error.set(None);
                    navigate(
                        &format!("/escalation-policies/{}", saved.slug),
                        Default::default(),
                    );
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    pending.set(false);
                    errors.focus_first();
                }
            }
        });
    };

    let team_options = options(choices.teams, &initial.team);
    let people = choices
        .people
        .into_iter()
        .map(|(handle, name)| view! { <option value=handle>{name}</option> })
        .collect_view();

    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <form class="form schedule-form policy-form" id="policy-form" on:submit=on_submit novalidate>
            <ErrorSummary errors/>
            <div class="field-row">
                <Field id="policy-slug" label="Slug" hint="Lowercase letters, digits and dashes; used in URLs." required=true errors>
                    <input type="text" id="policy-slug" name="slug" value=initial.slug on:input=bind(slug) required
                        readonly=slug_fixed
                        aria-invalid=errors.invalid("policy-slug") aria-describedby=errors.described_by("policy-slug", true)/>
                </Field>
                <Field id="policy-name" label="Name" required=true errors>
                    <input type="text" id="policy-name" name="name" value=initial.name on:input=bind(name) required
                        aria-invalid=errors.invalid("policy-name") aria-describedby=errors.described_by("policy-name", false)/>
                </Field>
            </div>
            <div class="field-row">
                <Field id="policy-team" label="Team" hint="The team that owns the policy and may change it." required=true errors>
                    <select id="policy-team" name="team" on:input=bind(team) on:change=bind(team) required
                        aria-invalid=errors.invalid("policy-team") aria-describedby=errors.described_by("policy-team", true)>
                        <option value="" selected=initial.team.is_empty()>"Choose a team"</option>
                        {team_options}
                    </select>
                </Field>
                <Field id="policy-repeats" label="Repeats" hint="How many times the whole list runs again while nobody acknowledges (0–9)." errors>
                    <input type="number" id="policy-repeats" name="repeats" min="0" max="9" step="1"
                        value=initial.repeats on:input=bind(repeats)
                        aria-invalid=errors.invalid("policy-repeats") aria-describedby=errors.described_by("policy-repeats", true)/>
                </Field>
            </div>
            <h2 id="levels-title">"Levels"</h2>
            <p class="hint">"Each level is notified in turn until someone acknowledges the page."</p>
            <FieldError errors field="policy-levels"/>
            <div class="layers" id="levels" aria-labelledby="levels-title">
                // Keyed by position too: a level that moves up gets new controls (ids and
                // labels say its position) filled from its signals.
                <For each=move || levels.get().into_iter().enumerate()
                    key=|(index, draft)| (*index, draft.key)
                    children=move |(index, draft)| view! {
                        <LevelFieldset index draft errors schedules on_remove on_change=positions_changed/>
                    }/>
            </div>
            <datalist id="people-handles">{people}</datalist>
            <div class="form-actions">
                <button type="button" class="button" id="add-level" on:click=add_level>"Add level"</button>
            </div>
            <div class="form-actions">
                <button type="submit" class="button button-primary" id="save-policy" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save policy" }}
                </button>
                <a class="button button-link" href=cancel>"Cancel"</a>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_policy_has_one_level_notified_at_once() {
        Owner::new().with(|| {
            let input = blank("payments".into());
            assert_eq!(input.team, "payments");
            let level = input.levels.first().expect("a level");
            assert_eq!(level.delay_minutes, 0);
            assert_eq!(level.targets.len(), 1);
        })
    }
}
