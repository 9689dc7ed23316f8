//! `/incidents`: the incidents, newest first, and a form to declare one — anyone signed in
//! may. `/incidents/:id`: one incident: its commander (and the hand-overs), the services with
//! who a page reached when it was declared, the milestones, the timeline with notes, and its
//! fixes in their three tiers.

use crate::api::client;
use crate::api::fixes::{Backlog, Fix, FixInput};
use crate::api::incidents::{
    Incident, IncidentInput, IncidentMetrics, IncidentSummary, NoteInput, Spread, TimelineEntry,
};
use crate::api::Page;
use crate::components::clock::utc;
use crate::components::form::{optional, split_list, ErrorSummary, FormErrors, TextField};
use crate::components::status::{ApiErrorView, Loading, NotFound};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

const SEVERITIES: [&str; 4] = ["SEV1", "SEV2", "SEV3", "SEV4"];
const STATUSES: [&str; 4] = ["investigating", "identified", "mitigated", "resolved"];

/// The filters of the list and the metrics, passed on as they are.
const FILTERS: [&str; 5] = ["service", "team", "severity", "from", "to"];

/// Seconds as the largest two units: `1 h 05 min`, `4 min 10 s`, `2 d 3 h`.
fn span(secs: f64) -> String {
    let s = secs.round() as i64;
    match s {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {:02} s", s / 60, s % 60),
        s if s < 86_400 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        s => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[component]
pub fn IncidentsPage() -> impl IntoView {
    let query = use_query_map();
    let filters = move || {
        query.with(|q| {
            FILTERS
                .iter()
                .map(|f| (*f, q.get(f).filter(|v| !v.is_empty())))
                .collect::<Vec<_>>()
        })
    };
    let list = Resource::new(filters, |pairs| {
        let mut pairs = pairs;
        pairs.push(("limit", Some("100".into())));
        client::get::<Page<IncidentSummary>>(format!("/incidents{}", client::query_string(&pairs)))
    });
    let metrics = Resource::new(filters, |pairs| {
        client::get::<IncidentMetrics>(format!(
            "/incidents/metrics{}",
            client::query_string(&pairs)
        ))
    });
    let value = move |name: &'static str| move || query.with(|q| q.get(name).unwrap_or_default());
    view! {
        <Title text="Incidents"/>
        <div class="page-header">
            <h1>"Incidents"</h1>
            <a class="button" id="all-fixes" href="/fixes">"Fixes owed"</a>
        </div>
        <DeclareForm/>
        <h2>"Response times"</h2>
        <Form method="GET" action="/incidents">
            <div class="filters" role="search" aria-label="Filter the incidents" id="incident-filters">
                <div class="field"><label for="filter-service">"Service"</label>
                    <input type="text" id="filter-service" name="service" placeholder="service slug" value=value("service")/></div>
                <div class="field"><label for="filter-team">"Team"</label>
                    <input type="text" id="filter-team" name="team" placeholder="team slug" value=value("team")/></div>
                <div class="field"><label for="filter-from">"Detected from"</label>
                    <input type="text" id="filter-from" name="from" placeholder="2026-11-01" value=value("from")/></div>
                <div class="field"><label for="filter-to">"until"</label>
                    <input type="text" id="filter-to" name="to" placeholder="2026-12-01" value=value("to")/></div>
                <div class="field"><button type="submit" class="button" id="filter-incidents">"Show"</button></div>
            </div>
        </Form>
        <Suspense fallback=|| view! { <Loading label="Computing response times…"/> }>
            {move || Suspend::new(async move {
                match metrics.await {
                    Ok(m) => {
                        let row = |name: &'static str, s: Spread| {
                            let cell = |v: Option<f64>| v.map(span).unwrap_or_else(|| "—".into());
                            view! { <tr><th scope="row">{name}</th><td>{cell(s.median_secs)}</td><td>{cell(s.p90_secs)}</td><td>{s.count}</td></tr> }
                        };
                        view! {
                            <p class="hint">{format!("Over {} incidents. Medians and 90th percentiles, never means: one long incident would hide how the usual one goes.", m.incidents)}</p>
                            <div class="table-scroll"><table class="table" id="incident-metrics">
                                <thead><tr><th scope="col">"Time to"</th><th scope="col">"Median"</th><th scope="col">"p90"</th><th scope="col">"Incidents with it"</th></tr></thead>
                                <tbody>
                                    {row("detect", m.detect)}
                                    {row("acknowledge", m.acknowledge)}
                                    {row("mitigate", m.mitigate)}
                                    {row("resolve", m.resolve)}
                                </tbody>
                            </table></div>
                        }.into_any()
                    }
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
        <h2>"Recent incidents"</h2>
        <Suspense fallback=|| view! { <Loading label="Loading incidents…"/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) if page.items.is_empty() => view! {
                        <p class="empty-state">"No incidents yet. When something breaks, declare it above: name the commander first."</p>
                    }.into_any(),
                    Ok(page) => view! {
                        <div class="table-scroll"><table class="table" id="incidents">
                            <thead><tr><th scope="col">"#"</th><th scope="col">"Title"</th><th scope="col">"Severity"</th>
                                <th scope="col">"Status"</th><th scope="col">"Commander"</th><th scope="col">"Services"</th><th scope="col">"Detected"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|i| view! {
                                    <tr>
                                        <td>{i.id}</td>
                                        <td><a href=format!("/incidents/{}", i.id)>{i.title}</a></td>
                                        <td>{i.severity}</td>
                                        <td>{i.status}</td>
                                        <td>{i.commander}</td>
                                        <td>{i.services.join(", ")}</td>
                                        <td>{utc(&i.detected_at)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SeveritySelect(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>"Severity"</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                {SEVERITIES.iter().map(|s| {
                    let selected = move || value.get() == *s;
                    view! { <option value=*s selected=selected>{*s}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn DeclareForm() -> impl IntoView {
    let errors = FormErrors::placed_by(|field| {
        let top = crate::components::form::top_level(field);
        [
            "title",
            "services",
            "commander",
            "investigators",
            "detectedAt",
        ]
        .contains(&top)
        .then(|| format!("declare-{top}"))
    });
    let title = RwSignal::new(String::new());
    let severity = RwSignal::new("SEV2".to_string());
    let services = RwSignal::new(String::new());
    let commander = RwSignal::new(String::new());
    let investigators = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = IncidentInput {
            title: title.get_untracked(),
            severity: severity.get_untracked(),
            services: split_list(&services.get_untracked()),
            commander: commander.get_untracked(),
            investigators: split_list(&investigators.get_untracked()),
            ..IncidentInput::default()
        };
        let request = client::send::<_, Incident>("POST", "/incidents".into(), &input);
        pending.set(true);
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer = request.await;
            pending.set(false);
            match answer {
                Ok(i) => navigate(&format!("/incidents/{}", i.id), Default::default()),
                Err(e) => {
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };
    view! {
        <form class="form" id="declare-form" on:submit=on_submit novalidate>
            <h2>"Declare an incident"</h2>
            <ErrorSummary errors/>
            <TextField errors id="declare-title".to_string() label="What is broken, as users see it" value=title required=true hint="“Checkout answers 502”"/>
            <SeveritySelect id="declare-severity" value=severity/>
            <TextField errors id="declare-services".to_string() label="Affected services" value=services required=true hint="Slugs, separated by commas."/>
            <TextField errors id="declare-commander".to_string() label="Commander" value=commander required=true
                hint="The one person who makes the final call (a handle)."/>
            <TextField errors id="declare-investigators".to_string() label="Investigators" value=investigators hint="Handles, separated by commas."/>
            <button type="submit" class="button button-primary" id="declare" disabled=move || pending.get()>
                {move || if pending.get() { "Declaring…" } else { "Declare" }}
            </button>
        </form>
    }
}

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0));
    let data = Resource::new(id, |id| {
        let incident = client::get::<Incident>(format!("/incidents/{id}"));
        let timeline = client::get::<Vec<TimelineEntry>>(format!("/incidents/{id}/timeline"));
        let fixes = client::get::<Backlog>(format!("/fixes?incident={id}&state=all"));
        async move { (incident.await, timeline.await, fixes.await) }
    });
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading the incident…"/> }>
            {move || Suspend::new(async move {
                match data.await {
                    (Ok(incident), Ok(timeline), Ok(fixes)) => view! { <IncidentView incident timeline fixes=fixes.items/> }.into_any(),
                    (Err(e), _, _) if e.status == 404 => view! {
                        <Title text="Incident not found"/>
                        <NotFound title="Incident not found" message=format!("There is no incident {}.", id())
                            back_href="/incidents" back_label="Back to the incidents"/>
                    }.into_any(),
                    (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IncidentView(
    incident: Incident,
    timeline: Vec<TimelineEntry>,
    fixes: Vec<Fix>,
) -> impl IntoView {
    let current = RwSignal::new(incident);
    let timeline = RwSignal::new(timeline);
    let fixes = RwSignal::new(fixes);
    let id = current.get_untracked().id;
    let refresh_timeline = move || {
        spawn_local(async move {
            if let Ok(t) =
                client::get::<Vec<TimelineEntry>>(format!("/incidents/{id}/timeline")).await
            {
                timeline.set(t);
            }
        });
    };
    let head = move || {
        let i = current.get();
        view! {
            <Title text=format!("Incident {}: {}", i.id, i.title)/>
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <a href="/incidents">"Incidents"</a> " / " <span aria-current="page">{format!("#{}", i.id)}</span>
            </nav>
            <div class="page-header"><div>
                <h1>{format!("#{} {}", i.id, i.title)}</h1>
                <p class="badges"><span class="badge" id="incident-severity">{i.severity.clone()}</span>
                    " " <span class="badge" id="incident-status">{i.status.clone()}</span></p>
            </div></div>
            <dl class="facts">
                <dt>"Commander"</dt>
                <dd id="incident-commander">{i.commander_name.clone().unwrap_or(i.commander.clone())} " (" {i.commander.clone()} ")"</dd>
                <dt>"Investigators"</dt>
                <dd>{if i.investigators.is_empty() { "none named".to_string() } else { i.investigators.join(", ") }}</dd>
                <dt>"Hand-overs"</dt>
                <dd id="incident-handovers">{if i.handovers.is_empty() { "none".to_string() } else {
                    i.handovers.iter().map(|h| format!("{} → {} at {} (by {})", h.from, h.to, utc(&h.at), h.by)).collect::<Vec<_>>().join("; ")
                }}</dd>
                <dt>"Declared"</dt><dd>{format!("{} by {}", utc(&i.declared_at), i.declared_by)}</dd>
            </dl>
            <h2>"Affected services"</h2>
            <ul id="incident-services">
                {i.services.iter().map(|s| {
                    let reached = s.on_call_at_declaration.as_ref().map(|w| {
                        let people: Vec<String> = w.responders.iter().filter_map(|r| r.person.clone()).collect();
                        if people.is_empty() { "nobody was on call".to_string() } else { format!("a page reached {}", people.join(", then ")) }
                    }).unwrap_or_else(|| "on call not recorded".into());
                    view! { <li><a href=format!("/services/{}", s.slug)>{s.name.clone()}</a> " — " {reached}</li> }
                }).collect_view()}
            </ul>
        }
    };
    view! {
        {head}
        <MilestonesForm current refreshed=Callback::new(move |_| refresh_timeline())/>
        <h2>"Timeline"</h2>
        <ol class="timeline-list" id="incident-timeline">
            {move || timeline.get().into_iter().map(|e| view! {
                <li><span class="muted small">{utc(&e.at)} " · " {e.author.clone()}</span> " " {e.text.clone()}</li>
            }).collect_view()}
        </ol>
        <NoteForm id timeline/>
        <h2>"Fixes"</h2>
        <FixList fixes/>
        <FixForm incident=current fixes/>
    }
}

#[component]
fn MilestonesForm(current: RwSignal<Incident>, refreshed: Callback<()>) -> impl IntoView {
    let i = current.get_untracked();
    let errors = FormErrors::placed_by(|field| {
        [
            "startedAt",
            "detectedAt",
            "acknowledgedAt",
            "mitigatedAt",
            "resolvedAt",
            "commander",
            "status",
        ]
        .contains(&field)
        .then(|| format!("ms-{field}"))
    });
    let m = |v: &Option<String>| RwSignal::new(v.clone().unwrap_or_default());
    let started = m(&i.milestones.started_at);
    let detected = m(&i.milestones.detected_at);
    let acknowledged = m(&i.milestones.acknowledged_at);
    let mitigated = m(&i.milestones.mitigated_at);
    let resolved = m(&i.milestones.resolved_at);
    let commander = RwSignal::new(i.commander.clone());
    let status = RwSignal::new(i.status.clone());
    let said = RwSignal::new(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let i = current.get_untracked();
        let mut input = IncidentInput {
            title: i.title.clone(),
            severity: i.severity.clone(),
            services: i.services.iter().map(|s| s.slug.clone()).collect(),
            status: Some(status.get_untracked()),
            commander: commander.get_untracked(),
            investigators: i.investigators.clone(),
            summary: i.summary.clone(),
            version: Some(i.version),
            ..IncidentInput::default()
        };
        input.milestones.started_at = optional(started.get_untracked());
        input.milestones.detected_at = optional(detected.get_untracked());
        input.milestones.acknowledged_at = optional(acknowledged.get_untracked());
        input.milestones.mitigated_at = optional(mitigated.get_untracked());
        input.milestones.resolved_at = optional(resolved.get_untracked());
        let request = client::send::<_, Incident>("PUT", format!("/incidents/{}", i.id), &input);
        spawn_local(async move {
            match request.await {
                Ok(saved) => {
                    errors.error.set(None);
                    said.set(Some(format!("Saved (version {}).", saved.version)));
                    for (signal, value) in [
                        (mitigated, &saved.milestones.mitigated_at),
                        (resolved, &saved.milestones.resolved_at),
                    ] {
                        signal.set(value.clone().unwrap_or_default());
                    }
                    current.set(saved);
                    refreshed.run(());
                }
                Err(e) => {
                    said.set(None);
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };
    view! {
        <form class="form" id="milestones-form" on:submit=on_submit novalidate>
            <h2>"Command and milestones"</h2>
            <ErrorSummary errors/>
            <TextField errors id="ms-commander".to_string() label="Commander" value=commander required=true
                hint="Changing it records a hand-over with both names."/>
            <div class="field">
                <label for="ms-status">"Status"</label>
                <select id="ms-status" on:change=move |ev| status.set(event_target_value(&ev))>
                    {STATUSES.iter().map(|s| {
                        let selected = move || status.get() == *s;
                        view! { <option value=*s selected=selected>{*s}</option> }
                    }).collect_view()}
                </select>
            </div>
            <p class="hint">"Times are RFC 3339 UTC (2026-12-01T10:00:00Z); they go started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved."</p>
            <TextField errors id="ms-startedAt".to_string() label="Impact started" value=started hint="Often learnt later."/>
            <TextField errors id="ms-detectedAt".to_string() label="Detected" value=detected hint="When someone or something noticed."/>
            <TextField errors id="ms-acknowledgedAt".to_string() label="Acknowledged" value=acknowledged hint="When a responder took it on."/>
            <TextField errors id="ms-mitigatedAt".to_string() label="Mitigated" value=mitigated hint="When the bleeding stopped."/>
            <TextField errors id="ms-resolvedAt".to_string() label="Resolved" value=resolved hint="Leave empty while it is open."/>
            <button type="submit" class="button button-primary" id="save-milestones">"Save"</button>
            <span class="muted small" id="milestones-status" role="status" aria-live="polite">{move || said.get()}</span>
        </form>
    }
}

#[component]
fn NoteForm(id: i64, timeline: RwSignal<Vec<TimelineEntry>>) -> impl IntoView {
    let errors = FormErrors::placed_by(|f| (f == "text").then(|| "note-text".to_string()));
    let text = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = client::send::<_, TimelineEntry>(
            "POST",
            format!("/incidents/{id}/timeline"),
            &NoteInput {
                text: text.get_untracked(),
            },
        );
        spawn_local(async move {
            match request.await {
                Ok(entry) => {
                    errors.error.set(None);
                    timeline.update(|t| t.push(entry));
                }
                Err(e) => errors.error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="form" id="note-form" on:submit=on_submit novalidate>
            <ErrorSummary errors/>
            <TextField errors id="note-text".to_string() label="Add a note" value=text multiline=true hint="What was tried, what was seen."/>
            <button type="submit" class="button" id="add-note">"Add note"</button>
        </form>
    }
}

/// A fix's dates and state in words.
fn fix_state(f: &Fix) -> String {
    let mut parts = vec![f.state.clone()];
    if f.expired {
        parts.push("expired".into());
    }
    if f.overdue {
        parts.push("overdue".into());
    }
    if let Some(e) = &f.expires_at {
        parts.push(format!("expires {}", utc(e)));
    }
    if let Some(d) = &f.due_at {
        parts.push(format!("due {}", utc(d)));
    }
    if let Some(r) = f.retired_by {
        parts.push(format!("retired by #{r}"));
    }
    parts.join(" · ")
}

/// A future fix's issue: a link once GitHub made it, else why it is still waiting.
fn github_cell(f: &Fix) -> AnyView {
    match &f.github {
        Some(g) => match (&g.url, g.number) {
            (Some(url), Some(n)) => {
                let closed = g.state.as_deref() == Some("closed");
                view! {
                    <a class="github-issue" href=url.clone() rel="noopener">{format!("{}#{n}", g.repository)}</a>
                    {closed.then_some(" (closed)")}
                }
                .into_any()
            }
            _ => {
                let why = g.last_error.clone().unwrap_or_else(|| "being filed".into());
                view! { <span class="github-pending">{format!("Pending: {why}")}</span> }.into_any()
            }
        },
        None => ().into_any(),
    }
}

#[component]
pub fn FixList(fixes: RwSignal<Vec<Fix>>) -> impl IntoView {
    move || {
        let list = fixes.get();
        if list.is_empty() {
            return view! { <p class="empty-state" id="no-fixes">"No fixes recorded yet: what stopped the bleeding, the proper fix, and what this revealed."</p> }.into_any();
        }
        view! {
            <div class="table-scroll"><table class="table fixes" id="fixes">
                <thead><tr><th scope="col">"#"</th><th scope="col">"Tier"</th><th scope="col">"Fix"</th><th scope="col">"Service"</th>
                    <th scope="col">"Owner"</th><th scope="col">"State"</th><th scope="col">"GitHub issue"</th></tr></thead>
                <tbody>
                    {list.into_iter().map(|f| {
                        let state = fix_state(&f);
                        view! {
                            <tr class:expired=f.expired class:overdue=f.overdue>
                                <td>{f.id}</td><td>{f.tier.clone()}</td><td>{f.title.clone()}</td>
                                <td><a href=format!("/services/{}", f.service)>{f.service.clone()}</a></td>
                                <td>{f.owner.clone()}</td><td>{state}</td>
                                <td>{github_cell(&f)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table></div>
        }.into_any()
    }
}

#[component]
fn FixForm(incident: RwSignal<Incident>, fixes: RwSignal<Vec<Fix>>) -> impl IntoView {
    let errors = FormErrors::placed_by(|field| {
        [
            "title",
            "service",
            "owner",
            "appliedAt",
            "expiresAt",
            "dueAt",
            "retires",
            "description",
            "whyItMatters",
            "direction",
        ]
        .contains(&field)
        .then(|| format!("fix-{field}"))
    });
    let tier = RwSignal::new("short-term".to_string());
    let service = RwSignal::new(
        incident
            .get_untracked()
            .services
            .first()
            .map(|s| s.slug.clone())
            .unwrap_or_default(),
    );
    let title = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let owner = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let retires = RwSignal::new(String::new());
    let why = RwSignal::new(String::new());
    let direction = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = FixInput {
            tier: tier.get_untracked(),
            service: service.get_untracked(),
            incident: Some(incident.get_untracked().id),
            title: title.get_untracked(),
            description: optional(description.get_untracked()),
            owner: optional(owner.get_untracked()),
            applied_at: optional(applied.get_untracked()),
            expires_at: optional(expires.get_untracked()),
            due_at: optional(due.get_untracked()),
            retires: retires
                .get_untracked()
                .trim()
                .trim_start_matches('#')
                .parse()
                .ok(),
            why_it_matters: optional(why.get_untracked()),
            direction: optional(direction.get_untracked()),
            ..FixInput::default()
        };
        let request = client::send::<_, Fix>("POST", "/fixes".into(), &input);
        spawn_local(async move {
            match request.await {
                Ok(f) => {
                    errors.error.set(None);
                    fixes.update(|l| l.push(f));
                    for s in [
                        title,
                        description,
                        applied,
                        expires,
                        due,
                        retires,
                        why,
                        direction,
                    ] {
                        s.set(String::new());
                    }
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };
    let is = move |t: &'static str| move || tier.get() == t;
    view! {
        <form class="form" id="fix-form" on:submit=on_submit novalidate>
            <h3>"Record a fix"</h3>
            <ErrorSummary errors/>
            <div class="field">
                <label for="fix-tier">"Tier"</label>
                <select id="fix-tier" on:change=move |ev| tier.set(event_target_value(&ev))>
                    <option value="short-term">"Short-term: what stopped the bleeding"</option>
                    <option value="proper">"Proper: the fix of the root cause"</option>
                    <option value="future">"Future: what this revealed about the system"</option>
                </select>
            </div>
            <div class="field">
                <label for="fix-service">"Service"</label>
                <select id="fix-service" on:change=move |ev| service.set(event_target_value(&ev))>
                    {incident.get_untracked().services.into_iter().map(|s| view! { <option value=s.slug.clone()>{s.name}</option> }).collect_view()}
                </select>
            </div>
            <TextField errors id="fix-title".to_string() label="Fix" value=title required=true hint="What was done, or is to be done."/>
            <TextField errors id="fix-owner".to_string() label="Owner" value=owner hint="team:SLUG or person:HANDLE; the owning team by default."/>
            <Show when=is("short-term")>
                <TextField errors id="fix-appliedAt".to_string() label="Applied" value=applied hint="RFC 3339; now by default."/>
                <TextField errors id="fix-expiresAt".to_string() label="Expires" value=expires hint="RFC 3339; 14 days after it was applied by default."/>
            </Show>
            <Show when=is("proper")>
                <TextField errors id="fix-dueAt".to_string() label="Due" value=due required=true hint="RFC 3339 (2027-01-15T17:00:00Z)."/>
                <TextField errors id="fix-retires".to_string() label="Retires short-term fix" value=retires hint="Its number; done, this fix retires it."/>
            </Show>
            <TextField errors id="fix-description".to_string() label="Details" value=description multiline=true
                hint="Short-term: how it was applied. Proper: the plan. Future: what happened."/>
            <Show when=is("future")>
                <TextField errors id="fix-whyItMatters".to_string() label="Why it matters" value=why multiline=true hint="For whoever reads this months from now."/>
                <TextField errors id="fix-direction".to_string() label="Suggested direction" value=direction multiline=true hint="Where a solution could go."/>
            </Show>
            <button type="submit" class="button button-primary" id="add-fix">"Record fix"</button>
        </form>
    }
}

/// A backlog's counts by tier and its fixes, once loaded.
#[component]
fn BacklogView(backlog: Resource<Result<Backlog, client::ApiError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <Loading label="Loading the backlog…"/> }>
            {move || Suspend::new(async move {
                match backlog.await {
                    Ok(b) => {
                        let c = b.counts.clone();
                        let fixes = RwSignal::new(b.items);
                        view! {
                            <p id="fix-counts">{format!("{} short-term ({} expired), {} proper ({} overdue), {} future",
                                c.short_term, c.expired, c.proper, c.overdue, c.future)}</p>
                            <FixList fixes/>
                        }.into_any()
                    }
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/teams/:slug/fixes`: what a team owes, expired dirty fixes first, with a CSV export.
#[component]
pub fn TeamFixesPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug").unwrap_or_default());
    let backlog = Resource::new(slug, |slug| {
        client::get::<Backlog>(format!("/fixes?team={}", urlencoding::encode(&slug)))
    });
    view! {
        <Title text=move || format!("Fixes owed · {}", slug())/>
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/teams">"Teams"</a> " / " <a href=move || format!("/teams/{}", slug())>{slug}</a> " / " <span aria-current="page">"Fixes owed"</span>
        </nav>
        <div class="page-header">
            <h1>"Fixes owed by " {slug}</h1>
            <a class="button" id="fixes-csv" href=move || format!("/api/v1/fixes.csv?team={}", urlencoding::encode(&slug())) download="fixes.csv">"Export CSV"</a>
        </div>
        <BacklogView backlog/>
    }
}

/// `/fixes`: what the whole organisation owes, expired dirty fixes first.
#[component]
pub fn FixesPage() -> impl IntoView {
    let backlog = Resource::new(|| (), |_| client::get::<Backlog>("/fixes".into()));
    view! {
        <Title text="Fixes owed"/>
        <div class="page-header">
            <h1>"Fixes owed"</h1>
            <a class="button" id="fixes-csv" href="/api/v1/fixes.csv" download="fixes.csv">"Export CSV"</a>
        </div>
        <p class="hint">"Every open fix across the organisation. A team's own list is on its page (Fixes owed)."</p>
        <BacklogView backlog/>
    }
}
