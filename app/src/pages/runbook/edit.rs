//! The runbook editor: the markdown, failure modes and links that can be added and removed,
//! and a note for the history. It sends the whole runbook with the version it was opened on,
//! so a save over someone else's newer version is refused by the API, not lost.

use crate::api::runbooks::{self, FailureMode, Runbook, RunbookInput};
use crate::api::{client, Link};
use crate::components::form::{ErrorSummary, FormErrors, TextField};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A failure mode being edited; `key` tells rows apart while their positions change.
#[derive(Clone, Copy)]
struct ModeRow {
    key: usize,
    symptom: RwSignal<String>,
    confirm: RwSignal<String>,
    mitigation: RwSignal<String>,
    escalate_to: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct LinkRow {
    key: usize,
    title: RwSignal<String>,
    url: RwSignal<String>,
}

/// Where an API field's message goes: `failureModes.1.symptom` → `fm-1-symptom`.
fn place(field: &str) -> Option<String> {
    match field.split('.').collect::<Vec<_>>().as_slice() {
        ["body"] => Some("runbook-body".into()),
        ["note"] => Some("runbook-note".into()),
        ["failureModes", i, f] => Some(format!("fm-{i}-{f}")),
        ["links", i, f] => Some(format!("link-{i}-{f}")),
        _ => None,
    }
}

#[component]
pub fn RunbookForm(
    slug: String,
    initial: Option<Runbook>,
    saved: Callback<Runbook>,
    cancel: Callback<()>,
) -> impl IntoView {
    let errors = FormErrors::placed_by(place);
    let pending = RwSignal::new(false);
    let next = StoredValue::new(0usize);
    let key = move || {
        let k = next.get_value();
        next.set_value(k + 1);
        k
    };
    let new_mode = move |m: FailureMode| ModeRow {
        key: key(),
        symptom: RwSignal::new(m.symptom),
        confirm: RwSignal::new(m.confirm),
        mitigation: RwSignal::new(m.mitigation),
        escalate_to: RwSignal::new(m.escalate_to),
    };
    let new_link = move |l: Link| LinkRow {
        key: key(),
        title: RwSignal::new(l.title),
        url: RwSignal::new(l.url),
    };
    let version = initial.as_ref().map(|r| r.version);
    let (body, modes, links) = match initial {
        Some(r) => (r.body, r.failure_modes, r.links),
        None => (String::new(), vec![FailureMode::default()], Vec::new()),
    };
    let body = RwSignal::new(body);
    let note = RwSignal::new(String::new());
    let modes = RwSignal::new(modes.into_iter().map(new_mode).collect::<Vec<_>>());
    let links = RwSignal::new(links.into_iter().map(new_link).collect::<Vec<_>>());

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = RunbookInput {
            body: body.get_untracked(),
            failure_modes: modes.with_untracked(|rows| {
                rows.iter()
                    .map(|r| FailureMode {
                        symptom: r.symptom.get_untracked(),
                        confirm: r.confirm.get_untracked(),
                        mitigation: r.mitigation.get_untracked(),
                        escalate_to: r.escalate_to.get_untracked(),
                    })
                    .collect()
            }),
            links: links.with_untracked(|rows| {
                rows.iter()
                    .map(|r| Link {
                        title: r.title.get_untracked(),
                        url: r.url.get_untracked(),
                    })
                    .collect()
            }),
            note: Some(note.get_untracked()),
            version,
        };
        let request = client::send::<_, Runbook>("PUT", runbooks::path(&slug, ""), &input);
        pending.set(true);
        spawn_local(async move {
            let answer = request.await;
            pending.set(false);
            match answer {
                Ok(r) => {
                    errors.error.set(None);
                    saved.run(r);
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };

    let mode_rows = move || {
        modes
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let remove = move |_| modes.update(|v| v.retain(|r| r.key != row.key));
                view! {
                    <fieldset class="layer failure-mode-edit">
                        <legend>{format!("Failure mode {}", i + 1)}</legend>
                        <TextField errors id=format!("fm-{i}-symptom") label="Symptom" value=row.symptom required=true
                            hint="What people see: the alert, the error, the complaint."/>
                        <TextField errors id=format!("fm-{i}-confirm") label="How to confirm" value=row.confirm multiline=true
                            hint="A query, dashboard or command that shows it is this failure."/>
                        <TextField errors id=format!("fm-{i}-mitigation") label="Mitigation" value=row.mitigation multiline=true
                            hint="What stops the bleeding."/>
                        <TextField errors id=format!("fm-{i}-escalateTo") label="Escalate to" value=row.escalate_to
                            hint="A person, team or on-call schedule."/>
                        <button type="button" class="button button-danger" on:click=remove>
                            {format!("Remove failure mode {}", i + 1)}
                        </button>
                    </fieldset>
                }
            })
            .collect_view()
    };
    let link_rows = move || {
        links
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let remove = move |_| links.update(|v| v.retain(|r| r.key != row.key));
                view! {
                    <div class="field-row link-edit">
                        <TextField errors id=format!("link-{i}-title") label="Link title" value=row.title hint="Dashboard, logs, …"/>
                        <TextField errors id=format!("link-{i}-url") label="URL" value=row.url hint="http:// or https://"/>
                        <div class="field">
                            <button type="button" class="button button-danger" on:click=remove>
                                {format!("Remove link {}", i + 1)}
                            </button>
                        </div>
                    </div>
                }
            })
            .collect_view()
    };

    view! {
        <form class="form runbook-form" id="runbook-form" on:submit=on_submit novalidate>
            <h2>{if version.is_some() { "Edit the runbook" } else { "Write the runbook" }}</h2>
            <ErrorSummary errors/>
            <h3>"Failure modes"</h3>
            <p class="hint">"The top ways this service fails, and what to do about each."</p>
            {mode_rows}
            <p>
                <button type="button" class="button" id="add-failure-mode"
                    on:click=move |_| modes.update(|v| v.push(new_mode(FailureMode::default())))>
                    "Add failure mode"
                </button>
            </p>
            <h3>"Links"</h3>
            {link_rows}
            <p>
                <button type="button" class="button" id="add-link"
                    on:click=move |_| links.update(|v| v.push(new_link(Link { title: String::new(), url: String::new() })))>
                    "Add link"
                </button>
            </p>
            <TextField errors id="runbook-body".to_string() label="Notes (markdown)" value=body multiline=true rows=12
                hint="Markdown; raw HTML is shown as text. At most 256 KB."/>
            <TextField errors id="runbook-note".to_string() label="Change note" value=note
                hint="Optional: why this version, for the history."/>
            <div class="form-actions">
                <button type="submit" class="button button-primary" id="save-runbook" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save runbook" }}
                </button>
                {version.is_some().then(|| view! {
                    <button type="button" class="button button-link" on:click=move |_| cancel.run(())>"Cancel"</button>
                })}
            </div>
        </form>
    }
}
