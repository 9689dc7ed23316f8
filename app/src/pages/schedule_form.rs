//! Creating and editing an on-call schedule, with a live preview. Each change of a complete
//! form is sent to `POST /schedules/preview`, which computes the schedule as it would be saved
//! (and, when editing, as it is now) without storing anything. So the form needs no rotation
//! rules of its own, and the preview's validation errors are exactly those a save would give,
//! shown in the same places.

mod layers;
mod preview;
pub(crate) mod text;

use crate::api::client::{self, ApiError};
use crate::api::oncall::{Preview, Schedule, ScheduleInput};
use crate::api::{Page, Team};
use crate::components::form::{ErrorSummary, Field, FormErrors};
use crate::components::status::{ApiErrorView, Loading, NotFound};
use layers::{bind, blank_spec, place_field, LayerDraft, LayerFieldset};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use preview::{preview_path, PreviewView};

/// `/schedules/new` (`?team=slug` preselects the team) and `/schedules/:slug/edit`.
#[component]
pub fn ScheduleFormPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.with(|p| p.get("slug"));
    let data = Resource::new(slug, |slug| {
        let existing = slug
            .map(|s| client::get::<Schedule>(format!("/schedules/{}", urlencoding::encode(&s))));
        let teams = client::get::<Page<Team>>("/teams?sort=name&limit=500".into());
        async move {
            // Without the list of teams the select still offers the schedule's own team.
            let teams: Vec<(String, String)> = match teams.await {
                Ok(page) => page.items.into_iter().map(|t| (t.slug, t.name)).collect(),
                Err(_) => Vec::new(),
            };
            let existing = match existing {
                Some(request) => Some(request.await?),
                None => None,
            };
            Ok::<_, ApiError>((existing, teams))
        }
    });
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((Some(schedule), teams)) => view! {
                        <ScheduleForm editing=Some(schedule.slug.clone()) initial=to_input(schedule) teams/>
                    }.into_any(),
                    Ok((None, teams)) => {
                        let team = query.with_untracked(|q| q.get("team")).unwrap_or_default();
                        view! { <ScheduleForm editing=None initial=blank(team) teams/> }.into_any()
                    }
                    Err(e) if e.status == 404 => view! {
                        <NotFound title="Schedule not found" message="There is no such schedule to edit."
                            back_href="/schedules" back_label="Back to the schedules"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A new schedule starts with one layer, since a schedule without layers is one long gap.
fn blank(team: String) -> ScheduleInput {
    ScheduleInput {
        team,
        time_zone: "UTC".into(),
        layers: vec![blank_spec(0)],
        ..ScheduleInput::default()
    }
}

fn to_input(s: Schedule) -> ScheduleInput {
    ScheduleInput {
        slug: s.slug,
        name: s.name,
        team: s.team,
        time_zone: s.time_zone,
        description: s.description,
        layers: s.layers,
        version: Some(s.version),
    }
}

#[component]
fn ScheduleForm(
    editing: Option<String>,
    initial: ScheduleInput,
    teams: Vec<(String, String)>,
) -> impl IntoView {
    let errors = FormErrors::placed_by(place_field);
    // Whether the errors shown came from a preview (rather than from saving).
    let from_preview = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let title = match &editing {
        Some(_) => format!("Edit {}", initial.name),
        None => "New schedule".to_string(),
    };
    let cancel = match &editing {
        Some(slug) => format!("/schedules/{slug}"),
        None => "/schedules".to_string(),
    };
    let version = initial.version;
    let show_current = editing.is_some();
    let slug = RwSignal::new(initial.slug.clone());
    let name = RwSignal::new(initial.name.clone());
    let team = RwSignal::new(initial.team.clone());
    let zone = RwSignal::new(initial.time_zone.clone());
    let description = RwSignal::new(initial.description.clone().unwrap_or_default());
    let layers = RwSignal::new(
        initial
            .layers
            .into_iter()
            .map(LayerDraft::from_spec)
            .collect::<Vec<_>>(),
    );

    let build = move || ScheduleInput {
        slug: slug.get_untracked().trim().into(),
        name: name.get_untracked().trim().into(),
        team: team.get_untracked(),
        time_zone: zone.get_untracked().trim().into(),
        description: Some(description.get_untracked().trim().to_string()).filter(|d| !d.is_empty()),
        layers: layers.with_untracked(|ls| ls.iter().map(|l| l.to_spec()).collect()),
        version,
    };
    // Worth computing unasked: everything a preview needs is filled in.
    let ready = move |input: &ScheduleInput| {
        !input.slug.is_empty()
            && !input.name.is_empty()
            && !input.team.is_empty()
            && !input.layers.is_empty()
            && layers.with_untracked(|ls| ls.iter().all(|l| l.is_complete()))
    };

    let preview = RwSignal::new(None::<Preview>);
    let previewing = RwSignal::new(false);
    // Only the answer to the latest request is shown, whatever order answers arrive in.
    let latest = StoredValue::new(0u32);
    let run_preview = move |asked: bool| {
        let input = build();
        if !asked && !ready(&input) {
            return;
        }
        latest.update_value(|n| *n = n.wrapping_add(1));
        let n = latest.get_value();
        let request = client::send::<_, Preview>("POST", preview_path(), &input);
        previewing.set(true);
        spawn_local(async move {
            let answer = request.await;
            if latest.get_value() != n {
                return;
            }
            previewing.set(false);
            match answer {
                Ok(answer) => {
                    // A preview that validates clears validation errors, not a save's conflict.
                    let stale = errors.error.with_untracked(|e| {
                        e.as_ref().is_some_and(|e| e.status == 422) || from_preview.get_untracked()
                    });
                    if stale {
                        errors.error.set(None);
                    }
                    preview.set(Some(answer));
                }
                Err(e) => {
                    from_preview.set(true);
                    errors.error.set(Some(e));
                    preview.set(None);
                    if asked {
                        errors.focus_first();
                    }
                }
            }
        });
    };
    // Editing: show the schedule as it is right away (in the browser, once hydrated).
    Effect::new(move |_| run_preview(false));

    let on_remove = Callback::new(move |index: usize| {
        layers.update(|ls| {
            if index < ls.len() {
                ls.remove(index);
            }
        });
        // Errors name layers by position, which has just changed.
        if from_preview.get_untracked() {
            errors.error.set(None);
        }
        run_preview(false);
    });
    let add_layer = move |_| {
        layers.update(|ls| {
            // "Layer N" with the first N no layer is named after yet.
            let taken: Vec<String> = ls.iter().map(|l| l.name.get_untracked()).collect();
            let free = (ls.len()..)
                .find(|n| !taken.contains(&format!("Layer {}", n + 1)))
                .unwrap_or(ls.len());
            ls.push(LayerDraft::blank(free));
        })
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = build();
        let (method, path) = match &editing {
            Some(slug) => ("PUT", format!("/schedules/{}", urlencoding::encode(slug))),
            None => ("POST", "/schedules".to_string()),
        };
        let request = client::send::<_, Schedule>(method, path, &input);
        // A preview still on its way must not replace what the save answers.
        latest.update_value(|n| *n = n.wrapping_add(1));
        let navigate = navigate.clone();
        pending.set(true);
        spawn_local(async move {
            match request.await {
                Ok(saved) => {
                    errors.error.set(None);
                    navigate(&format!("/schedules/{}", saved.slug), Default::default());
                }
                Err(e) => {
                    from_preview.set(false);
                    errors.error.set(Some(e));
                    pending.set(false);
                    errors.focus_first();
                }
            }
        });
    };

    let chosen = initial.team.clone();
    let mut teams = teams;
    if !chosen.is_empty() && !teams.iter().any(|(s, _)| *s == chosen) {
        teams.insert(0, (chosen.clone(), chosen.clone()));
    }
    let team_options = teams
        .into_iter()
        .map(|(s, n)| view! { <option value=s.clone() selected=s == chosen>{n}</option> })
        .collect_view();
    let heading = Signal::derive(move || {
        if from_preview.get() {
            "The preview could not be computed."
        } else {
            "The change was not saved."
        }
    });

    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <form class="form schedule-form" id="schedule-form" on:submit=on_submit
            on:change=move |_| run_preview(false) novalidate>
            <ErrorSummary errors heading/>
            <div class="field-row">
                <Field id="slug" label="Slug" hint="Lowercase letters, digits and dashes; used in URLs." required=true errors>
                    <input type="text" id="slug" name="slug" value=initial.slug on:input=bind(slug) required
                        aria-invalid=errors.invalid("slug") aria-describedby=errors.described_by("slug", true)/>
                </Field>
                <Field id="name" label="Name" required=true errors>
                    <input type="text" id="name" name="name" value=initial.name on:input=bind(name) required
                        aria-invalid=errors.invalid("name") aria-describedby=errors.described_by("name", false)/>
                </Field>
            </div>
            <div class="field-row">
                <Field id="team" label="Team" required=true errors>
                    <select id="team" name="team" on:input=bind(team) on:change=bind(team) required
                        aria-invalid=errors.invalid("team") aria-describedby=errors.described_by("team", false)>
                        <option value="" selected=initial.team.is_empty()>"Choose a team"</option>
                        {team_options}
                    </select>
                </Field>
                <Field id="timeZone" label="Time zone" hint="IANA zone, e.g. Europe/Berlin" required=true errors>
                    <input type="text" id="timeZone" name="timeZone" value=initial.time_zone on:input=bind(zone) required
                        aria-invalid=errors.invalid("timeZone") aria-describedby=errors.described_by("timeZone", true)/>
                </Field>
            </div>
            <Field id="description" label="Description" errors>
                <textarea id="description" name="description" rows="2" on:input=bind(description)
                    aria-invalid=errors.invalid("description") aria-describedby=errors.described_by("description", false)>
                    {initial.description.unwrap_or_default()}
                </textarea>
            </Field>
            <h2 id="layers-title">"Layers"</h2>
            <p class="hint">"A later layer wins where layers overlap; overrides win over all layers."</p>
            <div class="layers" id="layers" aria-labelledby="layers-title">
                // Keyed by position too: a layer that moves up gets new controls (ids and
                // labels say its position) filled from its signals.
                <For each=move || layers.get().into_iter().enumerate()
                    key=|(index, draft)| (*index, draft.key)
                    children=move |(index, draft)| view! { <LayerFieldset index draft errors on_remove/> }/>
            </div>
            <div class="form-actions">
                <button type="button" class="button" id="add-layer" on:click=add_layer>"Add layer"</button>
                <button type="button" class="button" id="preview-button" on:click=move |_| run_preview(true)>"Preview"</button>
            </div>
            <PreviewView preview previewing show_current/>
            <div class="form-actions">
                <button type="submit" class="button button-primary" id="save-schedule" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save schedule" }}
                </button>
                <a class="button button-link" href=cancel>"Cancel"</a>
            </div>
        </form>
    }
}
