//! A service's runbook (`/services/:slug/runbook`): what to do when it breaks, first the
//! failure modes (symptom, how to confirm, mitigation, whom to escalate to), then the links and
//! the prose; whether it is due for review or suspect because the service changed; and for its
//! owners, "Mark reviewed" and the editor. The history compares any two versions.

mod edit;
mod history;

use crate::api::runbooks::{self, FailureMode, Runbook};
use crate::api::{client, Me, Service};
use crate::components::access::may_write;
use crate::components::badges::TierBadge;
use crate::components::clock::utc;
use crate::components::status::{ApiErrorView, Loading, NotFound};
use edit::RunbookForm;
use history::VersionHistory;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RunbookPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let data = Resource::new(slug, |slug| {
        let service = client::get::<Service>(format!("/services/{}", urlencoding::encode(&slug)));
        let runbook = client::get::<Runbook>(runbooks::path(&slug, ""));
        let me = client::get::<Me>("/session".into());
        async move { (service.await, runbook.await, me.await.ok()) }
    });
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading the runbook…"/> }>
            {move || Suspend::new(async move {
                match data.await {
                    (Ok(service), Ok(runbook), me) => view! { <RunbookView service runbook=Some(runbook) me/> }.into_any(),
                    (Ok(service), Err(e), me) if e.status == 404 => view! { <RunbookView service runbook=None me/> }.into_any(),
                    (Err(e), _, _) if e.status == 404 => view! {
                        <Title text="Service not found"/>
                        <NotFound title="Service not found"
                            message=format!("There is no service called “{}” in the catalog.", slug())
                            back_href="/catalog" back_label="Back to the catalog"/>
                    }
                    .into_any(),
                    (Err(error), _, _) | (_, Err(error), _) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RunbookView(service: Service, runbook: Option<Runbook>, me: Option<Me>) -> impl IntoView {
    let editable =
        me.is_some_and(|me| may_write(&me, service.owners.iter().map(|o| o.slug.as_str())));
    let slug = StoredValue::new(service.slug.clone());
    // Without a runbook, its owners see the editor at once.
    let editing = RwSignal::new(runbook.is_none() && editable);
    let current = RwSignal::new(runbook);
    // A memo: what depends on it is rebuilt when a first version appears, not on every
    // change of the runbook (which would reset "Marked reviewed by …").
    let saved_once = Memo::new(move |_| current.with(|r| r.is_some()));
    let version = Signal::derive(move || current.with(|r| r.as_ref().map_or(0, |r| r.version)));
    let saved = Callback::new(move |r: Runbook| {
        current.set(Some(r));
        editing.set(false);
    });
    view! {
        <Title text=format!("Runbook · {}", service.name)/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/catalog">"Catalog"</a> " / "
            <a href=format!("/services/{}", service.slug)>{service.slug.clone()}</a> " / "
            <span aria-current="page">"Runbook"</span>
        </nav>
        <div class="page-header">
            <div>
                <h1>"Runbook: " {service.name.clone()}</h1>
                <p class="badges"><TierBadge tier=service.tier/></p>
            </div>
            {editable.then(|| view! {
                <div class="actions">
                    {move || saved_once.get().then(|| view! { <MarkReviewed slug=slug.get_value() current/> })}
                    {move || (!editing.get() && saved_once.get()).then(|| view! {
                        <button type="button" class="button" id="edit-runbook" on:click=move |_| editing.set(true)>
                            "Edit"
                        </button>
                    })}
                </div>
            })}
        </div>
        {move || editing.get().then(|| view! {
            <RunbookForm slug=slug.get_value() initial=current.get_untracked() saved
                cancel=Callback::new(move |_| editing.set(false))/>
        })}
        {move || match current.get() {
            Some(runbook) => view! { <RunbookBody runbook/> }.into_any(),
            None => view! {
                <p class="empty-state" id="no-runbook">
                    "This service has no runbook yet. "
                    {if editable { "Write the top failure modes first: what people see, how to confirm it, what to do." }
                     else { "Its owners have not written one." }}
                </p>
            }
            .into_any(),
        }}
        {move || saved_once.get().then(|| view! { <VersionHistory slug=slug.get_value() version/> })}
    }
}

/// The review state, the failure modes, the links and the rendered markdown.
#[component]
fn RunbookBody(runbook: Runbook) -> impl IntoView {
    let Runbook {
        version,
        html,
        failure_modes,
        links,
        updated_at,
        updated_by,
        reviewed_at,
        reviewed_by,
        review_interval_days,
        review_due_at,
        overdue,
        suspect_reasons,
        ..
    } = runbook;
    view! {
        {overdue.then(|| view! {
            <div class="alert alert-warning" id="runbook-overdue" role="note">
                <strong>"Review overdue. "</strong>
                {format!("It was due on {}; runbooks of this tier are reviewed every {review_interval_days} days.", utc(&review_due_at))}
            </div>
        })}
        {(!suspect_reasons.is_empty()).then(|| view! {
            <div class="alert alert-warning" id="runbook-suspect" role="note">
                <strong>"This runbook may be out of date: the service changed after its last review."</strong>
                <ul>{suspect_reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
            </div>
        })}
        <dl class="details" id="runbook-review">
            <dt>"Version"</dt>
            <dd>{format!("{version}, saved by {updated_by} on {}", utc(&updated_at))}</dd>
            <dt>"Last reviewed"</dt>
            <dd id="last-reviewed">{format!("by {reviewed_by} on {}", utc(&reviewed_at))}</dd>
            <dt>"Next review due"</dt>
            <dd>{format!("{} (every {review_interval_days} days)", utc(&review_due_at))}</dd>
        </dl>
        <section id="failure-modes" aria-labelledby="failure-modes-title">
            <h2 id="failure-modes-title">"Failure modes"</h2>
            {if failure_modes.is_empty() {
                view! { <p class="muted">"No failure modes recorded."</p> }.into_any()
            } else {
                view! { <ol class="failure-modes">{failure_modes.into_iter().map(|m| view! { <FailureModeItem mode=m/> }).collect_view()}</ol> }.into_any()
            }}
        </section>
        {(!links.is_empty()).then(|| view! {
            <section id="runbook-links" aria-labelledby="runbook-links-title">
                <h2 id="runbook-links-title">"Links"</h2>
                <ul>
                    {links.into_iter().map(|l| view! { <li><a href=l.url rel="noopener">{l.title}</a></li> }).collect_view()}
                </ul>
            </section>
        })}
        <section id="runbook-text" aria-labelledby="runbook-text-title">
            <h2 id="runbook-text-title">"Notes"</h2>
            // Sanitised on the server (domain::runbooks::render): raw HTML, scripts, event
            // handlers and javascript: links never reach this point.
            <div class="markdown" inner_html=html></div>
        </section>
    }
}

#[component]
fn FailureModeItem(mode: FailureMode) -> impl IntoView {
    let row = |label: &'static str, value: String| {
        (!value.is_empty()).then(|| view! { <dt>{label}</dt> <dd>{value}</dd> })
    };
    view! {
        <li class="failure-mode">
            <h3>{mode.symptom}</h3>
            <dl class="details">
                {row("How to confirm", mode.confirm)}
                {row("Mitigation", mode.mitigation)}
                {row("Escalate to", mode.escalate_to)}
            </dl>
        </li>
    }
}

/// `POST …/runbook/review`; the answer replaces the runbook shown.
#[component]
fn MarkReviewed(slug: String, current: RwSignal<Option<Runbook>>) -> impl IntoView {
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None);
    let said = RwSignal::new(None::<String>);
    let on_click = move |_| {
        let request = client::send::<_, Runbook>("POST", runbooks::path(&slug, "/review"), &());
        pending.set(true);
        spawn_local(async move {
            let answer = request.await;
            pending.set(false);
            match answer {
                Ok(r) => {
                    error.set(None);
                    said.set(Some(format!("Marked reviewed by {}.", r.reviewed_by)));
                    current.set(Some(r));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <button type="button" class="button button-primary" id="mark-reviewed" on:click=on_click
            disabled=move || pending.get()>
            {move || if pending.get() { "Recording…" } else { "Mark reviewed" }}
        </button>
        <span class="muted small" id="review-status" role="status" aria-live="polite">{move || said.get()}</span>
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
    }
}
