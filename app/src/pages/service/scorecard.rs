//! The maintenance scorecard on a service's page: its level and percentage, what fails and how
//! to fix it (with the findings behind it), what could not be evaluated and how old its data
//! is, exemptions, what the next level needs, what fails soon — and, for those who may change
//! the service, "Check now", which re-evaluates this one service and shows the answer at once.

use crate::api::checks::{Exemption, ExemptionInput, Finding, RuleStatus, ServiceScorecard};
use crate::api::client::{self, ApiError};
use crate::api::Me;
use crate::components::access::may_write;
use crate::components::chart::TrendChart;
use crate::components::clock::utc;
use crate::components::form::{form_value, ErrorSummary, FieldError, FormErrors};
use crate::components::score::{
    age_text, level_name, percent_text, FailsSoonList, LevelBadge, StatusMark,
};
use crate::components::status::{plural, ApiErrorView, Loading};
use crate::components::window::{add_days, today};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Statuses that need fixing, shown first with how to fix them.
const FAILING: [&str; 3] = ["fail", "error", "grace"];

/// The section, as `#service-scorecard`; `owners` are the owning teams' slugs.
#[component]
pub fn ServiceScorecardPanel(slug: String, owners: Vec<String>) -> impl IntoView {
    let path = format!("/services/{}/scorecard", urlencoding::encode(&slug));
    let loaded = Resource::new(|| (), {
        let path = path.clone();
        move |_| client::get::<ServiceScorecard>(path.clone())
    });
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    // The answer of the last "Check now", which replaces what the page loaded with.
    let checked = RwSignal::new(None::<ServiceScorecard>);
    let owners = StoredValue::new(owners);
    let path = StoredValue::new(path);
    let team = owners.with_value(|o| o.first().cloned());
    view! {
        <section class="scorecard-panel" id="service-scorecard" aria-labelledby="scorecard-title">
            <h2 id="scorecard-title">"Maintenance scorecard"</h2>
            <Transition fallback=|| view! { <Loading label="Loading the scorecard…"/> }>
                {move || Suspend::new(async move {
                    let answer = loaded.await;
                    let editable = me.await.ok().is_some_and(|me| {
                        owners.with_value(|o| may_write(&me, o.iter().map(String::as_str)))
                    });
                    match answer {
                        Ok(first) => {
                            let before = first.percent;
                            view! {
                                {editable.then(|| view! { <CheckNow path=path.get_value() checked before/> })}
                                {move || {
                                    let card = checked.get().unwrap_or_else(|| first.clone());
                                    let exempt = editable.then(|| Exempting { path: path.get_value(), checked });
                                    view! { <Card card exempt/> }
                                }}
                            }
                            .into_any()
                        }
                        Err(error) if error.status == 404 => view! {
                            <p class="muted">"This service has not been scored yet."</p>
                        }
                        .into_any(),
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
            {team.map(|t| view! {
                <p class="small"><a id="team-scorecard-link" href=format!("/teams/{t}/scorecard")>"The owning team's scorecard"</a></p>
            })}
        </section>
    }
}

/// `POST /services/{slug}/scorecard/check`, then the answer replaces the panel.
#[component]
fn CheckNow(
    path: String,
    checked: RwSignal<Option<ServiceScorecard>>,
    before: f64,
) -> impl IntoView {
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let said = RwSignal::new(None::<String>);
    let on_click = move |_| {
        let request = client::send::<_, ServiceScorecard>("POST", format!("{path}/check"), &());
        let was = checked.get_untracked().map_or(before, |c| c.percent);
        pending.set(true);
        spawn_local(async move {
            let answer = request.await;
            pending.set(false);
            match answer {
                Ok(card) => {
                    error.set(None);
                    said.set(Some(checked_text(was, &card)));
                    checked.set(Some(card));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="check-now">
            <button type="button" class="button" id="check-now" on:click=on_click
                disabled=move || pending.get()>
                {move || if pending.get() { "Checking…" } else { "Check now" }}
            </button>
            <span class="muted small" id="check-status" role="status" aria-live="polite">
                {move || said.get()}
            </span>
        </div>
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
    }
}

/// What a check said, compared with before: `Checked: 78.0% (was 71.3%), Silver.`
fn checked_text(was: f64, card: &ServiceScorecard) -> String {
    let change = if (card.percent - was).abs() < 0.05 {
        "unchanged".to_string()
    } else {
        format!("was {}", percent_text(was))
    };
    format!(
        "Checked: {} ({change}), {}.",
        percent_text(card.percent),
        level_name(&card.level)
    )
}

/// `what the rule's title is`, for ids in `toNextLevel` and exemptions.
fn title_of(rules: &[RuleStatus], id: &str) -> String {
    rules
        .iter()
        .find(|r| r.rule == id)
        .map_or_else(|| id.to_string(), |r| r.title.clone())
}

/// What the exemption forms need: where the scorecard is, and where its new state goes.
#[derive(Clone)]
struct Exempting {
    path: String,
    checked: RwSignal<Option<ServiceScorecard>>,
}

#[component]
fn Card(card: ServiceScorecard, exempt: Option<Exempting>) -> impl IntoView {
    let ServiceScorecard {
        service,
        level,
        percent,
        passing,
        applicable,
        rules,
        next_level,
        to_next_level,
        fails_soon,
        history,
        evaluated_at,
        ..
    } = card;
    let when = evaluated_at.map_or_else(
        || "not checked yet".to_string(),
        |at| format!("checked {}", utc(&at)),
    );
    let next = next_level.map(|next| {
        let names: Vec<String> = to_next_level.iter().map(|r| title_of(&rules, r)).collect();
        view! {
            <p id="next-level">
                <strong>{format!("To reach {}: ", level_name(&next))}</strong>
                {if names.is_empty() { "nothing left to fix.".to_string() } else { format!("fix {}.", names.join(", ")) }}
            </p>
        }
    });
    let failing: Vec<RuleStatus> = rules
        .iter()
        .filter(|r| FAILING.contains(&r.status.as_str()))
        .cloned()
        .collect();
    let unknown: Vec<RuleStatus> = rules
        .iter()
        .filter(|r| r.status == "unknown")
        .cloned()
        .collect();
    let exempted: Vec<RuleStatus> = rules
        .iter()
        .filter(|r| r.exemption.is_some())
        .cloned()
        .collect();
    let rest: Vec<RuleStatus> = rules
        .into_iter()
        .filter(|r| !FAILING.contains(&r.status.as_str()) && r.status != "unknown")
        .collect();
    view! {
        <p class="score-line" data-service=service.clone()>
            <span id="service-level"><LevelBadge level/></span>" "
            <strong class="score-big" id="service-percent">{percent_text(percent)}</strong>" "
            <span class="muted" id="service-passing">
                {format!("{passing} of {} pass · {when}", plural(applicable, "applicable rule", "applicable rules"))}
            </span>
        </p>
        {next}
        <h3 id="failing-title">"Failing"</h3>
        <FailingRules rules=failing service=service.clone() exempt=exempt.clone()/>
        <h3 id="unknown-title">"Could not be evaluated"</h3>
        <UnknownRules rules=unknown/>
        {(!exempted.is_empty()).then(|| view! {
            <h3 id="exemptions-title">"Exemptions"</h3>
            <ul class="finding-list" id="exemptions">
                {exempted.into_iter().filter_map(|r| r.exemption.map(|e| {
                    let revoke = exempt.clone().map(|to| view! { <RevokeButton id=e.id title=r.title.clone() to/> });
                    view! {
                        <li data-rule=r.rule.clone()>
                            <strong>{r.title}</strong>": "{e.reason}
                            <span class="muted">{format!(" — approved by {}, until {}", e.approved_by, utc(&e.expires_at))}</span>
                            {revoke}
                        </li>
                    }
                })).collect_view()}
            </ul>
        })}
        <h3 id="fails-soon-title">"Fails soon"</h3>
        <FailsSoonList items=fails_soon id="service-fails-soon"/>
        <details class="other-rules">
            <summary>{format!("Other rules ({})", rest.len())}</summary>
            <ul class="rule-status-list" id="other-rules">
                {rest.into_iter().map(|r| view! {
                    <li data-rule=r.rule.clone()><StatusMark status=r.status/>" "{r.title}</li>
                }).collect_view()}
            </ul>
        </details>
        <h3 id="service-trend-title">"Trend"</h3>
        <TrendChart history id="service-trend" title="Maintenance score of this service by day"/>
    }
}

/// A finding as one line: its message, what it is about, since when.
fn finding_view(f: Finding) -> impl IntoView {
    let subject = (f.subject != "-" && !f.subject.is_empty()).then(|| format!(" ({})", f.subject));
    let age = (f.result == "unknown").then(|| {
        f.data_age_secs.map_or_else(
            || " · no data yet".to_string(),
            |s| format!(" · data {} old", age_text(s)),
        )
    });
    view! {
        <li class="finding" data-finding=f.id data-result=f.result.clone()>
            {f.message}{subject}
            <span class="muted small">{format!(" · first seen {}", utc(&f.first_seen_at))}{age}</span>
        </li>
    }
}

#[component]
fn FailingRules(
    rules: Vec<RuleStatus>,
    service: String,
    exempt: Option<Exempting>,
) -> impl IntoView {
    if rules.is_empty() {
        return view! { <p class="no-gaps" id="failing-rules">"Nothing fails."</p> }.into_any();
    }
    view! {
        <div id="failing-rules">
            {rules.into_iter().map(|r| view! {
                <article class="rule-status" data-rule=r.rule.clone() data-status=r.status.clone()>
                    <h4>
                        <StatusMark status=r.status.clone()/>" "{r.title}" "
                        <LevelBadge level=r.level/>
                        <span class="badge">{r.severity}</span>
                    </h4>
                    {(r.status == "grace").then(|| view! {
                        <p class="muted small">"Not enforced yet: it does not count until its grace period ends."</p>
                    })}
                    <p class="how-to-fix"><strong>"How to fix: "</strong>{r.how_to_fix}</p>
                    <ul class="finding-list">{r.findings.into_iter().map(finding_view).collect_view()}</ul>
                    {exempt.clone().map(|to| view! { <ExemptForm service=service.clone() rule=r.rule.clone() to/> })}
                </article>
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// `POST /exemptions` for one failing rule (admins and leads of an owning team; the API says
/// so to anyone else), then the rescored card.
#[component]
fn ExemptForm(service: String, rule: String, to: Exempting) -> impl IntoView {
    // Field errors by the API's names; only one rule's form is in use at a time.
    let errors = FormErrors::new(&["reason", "expiresAt"]);
    let prefix = format!("exempt-{}", rule.replace('.', "-"));
    let (reason_id, expires_id) = (format!("{prefix}-reason"), format!("{prefix}-expires"));
    let default_expiry = add_days(&today(), 30).unwrap_or_default();
    let Exempting { path, checked } = to;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(data) = leptos::form::form_data_from_event(&ev) else {
            return;
        };
        let day = form_value(&data, "expires");
        let input = ExemptionInput {
            service: service.clone(),
            rule: rule.clone(),
            reason: form_value(&data, "reason").trim().to_string(),
            expires_at: if day.is_empty() {
                day
            } else {
                format!("{day}T00:00:00Z")
            },
        };
        let grant = client::send::<_, Exemption>("POST", "/exemptions".into(), &input);
        let reload = client::get::<ServiceScorecard>(path.clone());
        spawn_local(async move {
            match grant.await {
                Ok(_) => {
                    errors.error.set(None);
                    if let Ok(card) = reload.await {
                        checked.set(Some(card));
                    }
                }
                Err(e) => errors.error.set(Some(e)),
            }
        });
    };
    view! {
        <details class="exempt">
            <summary>"Exempt this rule…"</summary>
            <form class="form inline-form" on:submit=on_submit>
                <ErrorSummary errors heading=Signal::derive(|| "The exemption was not granted.")/>
                <div class="field">
                    <label for=reason_id.clone()>"Reason"</label>
                    <input type="text" id=reason_id.clone() name="reason" required
                        aria-invalid=errors.invalid("reason")/>
                    <FieldError errors field="reason"/>
                </div>
                <div class="field">
                    <label for=expires_id.clone()>"Until (UTC)"</label>
                    <input type="date" id=expires_id.clone() name="expires" value=default_expiry required
                        aria-invalid=errors.invalid("expiresAt")/>
                    <FieldError errors field="expiresAt"/>
                </div>
                <button type="submit" class="button">"Exempt"</button>
                <p class="hint">"Admins and leads of an owning team may exempt a rule, for at most a year."</p>
            </form>
        </details>
    }
}

/// `DELETE /exemptions/{id}`: the rule counts again at once, and the rescored card shows it.
#[component]
fn RevokeButton(id: i64, title: String, to: Exempting) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let Exempting { path, checked } = to;
    let on_click = move |_| {
        let revoke = client::delete(format!("/exemptions/{id}"));
        let reload = client::get::<ServiceScorecard>(path.clone());
        spawn_local(async move {
            match revoke.await {
                Ok(()) => {
                    error.set(None);
                    if let Ok(card) = reload.await {
                        checked.set(Some(card));
                    }
                }
                Err(e) => error.set(Some(e.error.message)),
            }
        });
    };
    view! {
        " "
        <button type="button" class="button button-danger" data-revoke=id on:click=on_click
            aria-label=format!("Revoke the exemption of {title}")>"Revoke"</button>
        {move || error.get().map(|m| view! { <span class="field-error" role="alert">{format!(" Not revoked: {m}")}</span> })}
    }
}

#[component]
fn UnknownRules(rules: Vec<RuleStatus>) -> impl IntoView {
    if rules.is_empty() {
        return view! { <p class="muted" id="unknown-rules">"Every rule could be evaluated."</p> }
            .into_any();
    }
    view! {
        <div id="unknown-rules">
            {rules.into_iter().map(|r| view! {
                <article class="rule-status" data-rule=r.rule.clone() data-status="unknown">
                    <h4><StatusMark status="unknown"/>" "{r.title}</h4>
                    <ul class="finding-list">{r.findings.into_iter().map(finding_view).collect_view()}</ul>
                </article>
            }).collect_view()}
        </div>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(percent: f64, level: &str) -> ServiceScorecard {
        ServiceScorecard {
            service: "ledger".into(),
            name: "Ledger".into(),
            tier: 1,
            level: level.into(),
            percent,
            passing: 0,
            applicable: 0,
            rules: Vec::new(),
            next_level: None,
            to_next_level: Vec::new(),
            fails_soon: Vec::new(),
            history: Vec::new(),
            evaluated_at: None,
        }
    }

    #[test]
    fn a_check_says_what_changed() {
        assert_eq!(
            checked_text(71.3, &card(78.0, "silver")),
            "Checked: 78.0% (was 71.3%), Silver."
        );
        assert_eq!(
            checked_text(78.0, &card(78.0, "none")),
            "Checked: 78.0% (unchanged), No level."
        );
        assert_eq!(title_of(&[], "no-description"), "no-description");
    }
}
