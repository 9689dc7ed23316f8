//! A rule's settings form. The same draft is sent to `POST /rules/{id}/dry-run` ("what would
//! fail, per team, if this were saved") and to `PUT /rules/{id}` (with the version read), so a
//! dry run and a save are refused for the same reasons, shown next to the same fields.

use crate::api::checks::{DryRun, Rule, RuleApplies, RuleInput, TierThresholds};
use crate::api::client::{self, ApiError};
use crate::api::{ErrorDetail, FieldError, Lifecycle, ServiceKind};
use crate::components::clock::{input_value, to_instant};
use crate::components::form::{top_level, ErrorSummary, Field, FormErrors};
use crate::components::status::plural;
use crate::components::table::DataTable;
use leptos::prelude::*;
use leptos::task::spawn_local;

const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
const LEVELS: [&str; 3] = ["bronze", "silver", "gold"];

/// The control that shows an API field's message: `thresholds.tier2` → `thresholds-tier2`,
/// `applies.tiers.0` → `applies-tiers`, top-level fields by their own name.
fn place(field: &str) -> Option<String> {
    let parts: Vec<&str> = field.split('.').collect();
    match parts.as_slice() {
        ["thresholds", tier, ..] => Some(format!("thresholds-{tier}")),
        ["applies", list, ..] => Some(format!("applies-{list}")),
        _ => {
            let top = top_level(field);
            ["enabled", "severity", "level", "weight", "enforcedFrom"]
                .contains(&top)
                .then(|| top.to_string())
        }
    }
}

/// The form's text as typed; turned into a `RuleInput` only when sent.
#[derive(Clone, Copy)]
struct Draft {
    enabled: RwSignal<bool>,
    severity: RwSignal<String>,
    level: RwSignal<String>,
    weight: RwSignal<String>,
    tiers: RwSignal<Vec<i64>>,
    lifecycles: RwSignal<Vec<String>>,
    kinds: RwSignal<Vec<String>>,
    thresholds: Option<[RwSignal<String>; 4]>,
    enforced_from: RwSignal<String>,
}

impl Draft {
    fn new(rule: &Rule) -> Self {
        Draft {
            enabled: RwSignal::new(rule.enabled),
            severity: RwSignal::new(rule.severity.clone()),
            level: RwSignal::new(rule.level.clone()),
            weight: RwSignal::new(rule.weight.to_string()),
            tiers: RwSignal::new(rule.applies.tiers.clone()),
            lifecycles: RwSignal::new(rule.applies.lifecycles.clone()),
            kinds: RwSignal::new(rule.applies.kinds.clone()),
            thresholds: rule.thresholds.map(|t| {
                [t.tier1, t.tier2, t.tier3, t.tier4].map(|n| RwSignal::new(n.to_string()))
            }),
            enforced_from: RwSignal::new(
                rule.enforced_from
                    .as_deref()
                    .map(input_value)
                    .unwrap_or_default(),
            ),
        }
    }

    fn input(&self, version: i64) -> Result<RuleInput, ApiError> {
        let weight = self.weight.get_untracked();
        let thresholds = self
            .thresholds
            .map(|t| t.map(|s| s.get_untracked()))
            .map(|t| parse_thresholds(&t))
            .transpose();
        let weight = whole("weight", &weight);
        let mut problems = Vec::new();
        if let Err(e) = &weight {
            problems.push(e.clone());
        }
        if let Err(e) = &thresholds {
            problems.extend(e.iter().cloned());
        }
        if !problems.is_empty() {
            return Err(ApiError {
                status: 422,
                error: ErrorDetail {
                    code: "validation".into(),
                    message: problems[0].message.clone(),
                    field: Some(problems[0].field.clone()),
                    details: problems,
                },
            });
        }
        let enforced = self.enforced_from.get_untracked();
        Ok(RuleInput {
            enabled: self.enabled.get_untracked(),
            severity: self.severity.get_untracked(),
            level: self.level.get_untracked(),
            weight: weight.unwrap_or_default(),
            applies: RuleApplies {
                tiers: self.tiers.get_untracked(),
                lifecycles: self.lifecycles.get_untracked(),
                kinds: self.kinds.get_untracked(),
            },
            thresholds: thresholds.unwrap_or_default(),
            enforced_from: (!enforced.trim().is_empty()).then(|| to_instant(&enforced, 0)),
            version: Some(version),
        })
    }
}

/// A whole number typed into `field`, or the error the form shows under it.
fn whole(field: &str, text: &str) -> Result<i64, FieldError> {
    text.trim().parse().map_err(|_| FieldError {
        field: field.into(),
        message: "a whole number, please".into(),
    })
}

fn parse_thresholds(text: &[String; 4]) -> Result<TierThresholds, Vec<FieldError>> {
    let parsed: Vec<Result<i64, FieldError>> = text
        .iter()
        .enumerate()
        .map(|(i, t)| whole(&format!("thresholds.tier{}", i + 1), t))
        .collect();
    let errors: Vec<FieldError> = parsed.iter().filter_map(|r| r.clone().err()).collect();
    match parsed.as_slice() {
        [Ok(a), Ok(b), Ok(c), Ok(d)] => Ok(TierThresholds {
            tier1: *a,
            tier2: *b,
            tier3: *c,
            tier4: *d,
        }),
        _ => Err(errors),
    }
}

/// A checkbox per value, toggling it in `list`.
fn check_list<T>(
    id: &'static str,
    legend: &'static str,
    values: Vec<(T, String)>,
    list: RwSignal<Vec<T>>,
    errors: FormErrors,
) -> impl IntoView
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    view! {
        <fieldset class="check-list" id=id tabindex="-1">
            <legend>{legend}" "<span class="hint">"(none ticked: all)"</span></legend>
            {values.into_iter().enumerate().map(|(i, (value, label))| {
                let (box_id, label_for) = (format!("{id}-{i}"), format!("{id}-{i}"));
                let checked = { let v = value.clone(); move || list.with(|l| l.contains(&v)) };
                let toggle = move |_| list.update(|l| {
                    if let Some(pos) = l.iter().position(|x| *x == value) { l.remove(pos); } else { l.push(value.clone()); }
                });
                view! {
                    <label class="check" for=label_for>
                        <input type="checkbox" id=box_id prop:checked=checked on:change=toggle/>
                        " "{label}
                    </label>
                }
            }).collect_view()}
            <crate::components::form::FieldError errors field=id/>
        </fieldset>
    }
}

#[component]
pub fn RuleForm(rule: Rule) -> impl IntoView {
    let draft = Draft::new(&rule);
    let version = RwSignal::new(rule.version);
    let errors = FormErrors::placed_by(place);
    // Whether the errors shown came from a dry run rather than a save.
    let from_dry_run = RwSignal::new(false);
    let dry_run = RwSignal::new(None::<DryRun>);
    let saved = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let path = StoredValue::new(format!("/rules/{}", urlencoding::encode(&rule.id)));
    let fail = move |e: ApiError, dry: bool| {
        from_dry_run.set(dry);
        errors.error.set(Some(e));
        errors.focus_first();
    };
    let on_dry_run = move |_| {
        let input = match draft.input(version.get_untracked()) {
            Ok(input) => input,
            Err(e) => return fail(e, true),
        };
        let request =
            client::send::<_, DryRun>("POST", format!("{}/dry-run", path.get_value()), &input);
        pending.set(true);
        spawn_local(async move {
            let answer = request.await;
            pending.set(false);
            match answer {
                Ok(answer) => {
                    errors.error.set(None);
                    dry_run.set(Some(answer));
                }
                Err(e) => {
                    dry_run.set(None);
                    fail(e, true);
                }
            }
        });
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = match draft.input(version.get_untracked()) {
            Ok(input) => input,
            Err(e) => return fail(e, false),
        };
        let request = client::send::<_, Rule>("PUT", path.get_value(), &input);
        pending.set(true);
        spawn_local(async move {
            let answer = request.await;
            pending.set(false);
            match answer {
                Ok(rule) => {
                    errors.error.set(None);
                    version.set(rule.version);
                    saved.set(Some(format!(
                        "Saved (version {}). {} now failing; the next check pass applies the change everywhere.",
                        rule.version,
                        plural(rule.failing, "service", "services")
                    )));
                }
                Err(e) => {
                    saved.set(None);
                    fail(e, false);
                }
            }
        });
    };
    let heading = Signal::derive(move || {
        if from_dry_run.get() {
            "The dry run was refused."
        } else {
            "The change was not saved."
        }
    });
    let select = move |id: &'static str,
                       options: &'static [&'static str],
                       value: RwSignal<String>| {
        view! {
            <select id=id name=id aria-invalid=errors.invalid(id) aria-describedby=errors.described_by(id, false)
                on:change=move |ev| value.set(event_target_value(&ev))>
                {options.iter().map(|o| view! {
                    <option value=*o selected=move || value.get() == *o>{*o}</option>
                }).collect_view()}
            </select>
        }
    };
    let thresholds = draft.thresholds.map(|t| {
        let label = rule.threshold_label.clone().unwrap_or_else(|| "threshold".into());
        view! {
            <fieldset class="thresholds">
                <legend>{format!("Thresholds by tier ({label})")}</legend>
                <div class="field-row">
                    {t.into_iter().enumerate().map(|(i, value)| {
                        let id = format!("thresholds-tier{}", i + 1);
                        view! {
                            <Field id=id.clone() label=["Tier 1", "Tier 2", "Tier 3", "Tier 4"][i] errors>
                                <input type="number" id=id.clone() name=id.clone() prop:value=move || value.get()
                                    aria-invalid=errors.invalid(&id) aria-describedby=errors.described_by(&id, false)
                                    on:input=move |ev| value.set(event_target_value(&ev))/>
                            </Field>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
        }
    });
    let tiers: Vec<(i64, String)> = (1..=4).map(|t| (t, format!("Tier {t}"))).collect();
    let lifecycles: Vec<(String, String)> = Lifecycle::ALL
        .iter()
        .map(|l| (l.as_str().to_string(), l.as_str().to_string()))
        .collect();
    let kinds: Vec<(String, String)> = ServiceKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.as_str().to_string()))
        .collect();
    view! {
        <section id="rule-settings" aria-labelledby="rule-settings-title">
            <h2 id="rule-settings-title">"Settings"</h2>
            <form class="form rule-form" id="rule-form" on:submit=on_submit>
                <ErrorSummary errors heading/>
                <div class="field">
                    <label class="check" for="enabled">
                        <input type="checkbox" id="enabled" name="enabled" prop:checked=move || draft.enabled.get()
                            on:change=move |ev| draft.enabled.set(event_target_checked(&ev))/>
                        " Enabled"
                    </label>
                </div>
                <div class="field-row">
                    <Field id="severity" label="Severity" errors>{select("severity", &SEVERITIES, draft.severity)}</Field>
                    <Field id="level" label="Level" errors>{select("level", &LEVELS, draft.level)}</Field>
                    <Field id="weight" label="Weight" hint="1–100, its share of the percentage" errors>
                        <input type="number" id="weight" name="weight" prop:value=move || draft.weight.get()
                            aria-invalid=errors.invalid("weight") aria-describedby=errors.described_by("weight", true)
                            on:input=move |ev| draft.weight.set(event_target_value(&ev))/>
                    </Field>
                </div>
                {thresholds}
                <div class="field-row">
                    {check_list("applies-tiers", "Tiers", tiers, draft.tiers, errors)}
                    {check_list("applies-lifecycles", "Lifecycles", lifecycles, draft.lifecycles, errors)}
                    {check_list("applies-kinds", "Kinds", kinds, draft.kinds, errors)}
                </div>
                <Field id="enforcedFrom" label="Enforced from (UTC)"
                    hint="Failures before this are shown but not counted; blank: enforced now." errors>
                    <input type="datetime-local" id="enforcedFrom" name="enforcedFrom"
                        prop:value=move || draft.enforced_from.get()
                        aria-invalid=errors.invalid("enforcedFrom") aria-describedby=errors.described_by("enforcedFrom", true)
                        on:input=move |ev| draft.enforced_from.set(event_target_value(&ev))/>
                </Field>
                <div class="form-actions">
                    <button type="button" class="button" id="dry-run" on:click=on_dry_run disabled=move || pending.get()>
                        "Dry run"
                    </button>
                    <button type="submit" class="button button-primary" id="save-rule" disabled=move || pending.get()>
                        "Save"
                    </button>
                </div>
                <p role="status" aria-live="polite" id="rule-saved">{move || saved.get()}</p>
            </form>
        </section>
        {move || dry_run.get().map(|d| view! { <DryRunView d/> })}
    }
}

/// What the draft would report over every service now, by team, and what changes.
#[component]
fn DryRunView(d: DryRun) -> impl IntoView {
    let list = |id: &'static str, title: &'static str, slugs: Vec<String>| {
        (!slugs.is_empty()).then(|| {
            view! {
                <h3>{title}</h3>
                <ul class="inline-list" id=id>
                    {slugs.into_iter().map(|s| view! { <li><a href=format!("/services/{s}")>{s.clone()}</a></li> }).collect_view()}
                </ul>
            }
        })
    };
    let teams = if d.by_team.is_empty() {
        view! { <p class="no-gaps">"No service would fail."</p> }.into_any()
    } else {
        let head = vec![("Team", false), ("Failing", true), ("Services", false)];
        view! {
            <DataTable id="dry-run-teams" caption="Services that would fail, by owning team" head>
                {d.by_team.into_iter().map(|t| view! {
                    <tr data-team=t.team.clone()>
                        <th scope="row"><a href=format!("/teams/{}/scorecard", t.team)>{t.team.clone()}</a></th>
                        <td class="num">{t.failing}</td>
                        <td>{t.services.join(", ")}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        }
        .into_any()
    };
    view! {
        <section class="dry-run" id="dry-run-result" aria-labelledby="dry-run-title" aria-live="polite">
            <h2 id="dry-run-title">"Dry run: what these settings would report now"</h2>
            <p class="muted small">"Nothing was saved."</p>
            <ul class="stats score-stats">
                <li class="stat"><span class="stat-value" id="dry-run-failing">{d.failing}</span><span class="stat-label">"would fail"</span></li>
                <li class="stat"><span class="stat-value">{d.unknown}</span><span class="stat-label">"unknown"</span></li>
                <li class="stat"><span class="stat-value">{d.passing}</span><span class="stat-label">"would pass"</span></li>
                <li class="stat"><span class="stat-value">{d.not_applicable}</span><span class="stat-label">"not applicable"</span></li>
            </ul>
            <p class="small muted">{format!("{} evaluated.", plural(d.evaluated, "service", "services"))}</p>
            {teams}
            {list("newly-failing", "Would start failing", d.newly_failing)}
            {list("newly-passing", "Would start passing", d.newly_passing)}
        </section>
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub fn rule() -> Rule {
        Rule {
            id: "schedule-gap".into(),
            title: "Schedule gap".into(),
            description: "A schedule the service pages through has a gap.".into(),
            how_to_fix: "Add a layer or an override.".into(),
            category: "on-call".into(),
            severity: "high".into(),
            level: "silver".into(),
            weight: 10,
            enabled: true,
            applies: RuleApplies::default(),
            thresholds: Some(TierThresholds {
                tier1: 14,
                tier2: 7,
                tier3: 3,
                tier4: 1,
            }),
            threshold_label: Some("days ahead".into()),
            enforced_from: Some("2027-01-01T00:00:00Z".into()),
            customized: false,
            version: 3,
            failing: 2,
            updated_at: None,
            updated_by: None,
        }
    }

    #[test]
    fn api_fields_land_on_their_controls() {
        assert_eq!(
            place("thresholds.tier2").as_deref(),
            Some("thresholds-tier2")
        );
        assert_eq!(place("applies.tiers.0").as_deref(), Some("applies-tiers"));
        assert_eq!(place("weight").as_deref(), Some("weight"));
        assert_eq!(place("enforcedFrom").as_deref(), Some("enforcedFrom"));
        assert_eq!(place("version"), None);
    }

    #[test]
    fn the_draft_becomes_the_input_or_says_which_field_is_wrong() {
        Owner::new().with(|| {
            let draft = Draft::new(&rule());
            assert_eq!(draft.enforced_from.get_untracked(), "2027-01-01T00:00");
            let input = draft.input(3).expect("valid");
            assert_eq!(input.enforced_from.as_deref(), Some("2027-01-01T00:00:00Z"));
            assert_eq!(input.thresholds.map(|t| t.tier2), Some(7));
            assert_eq!(input.version, Some(3));

            draft.weight.set("ten".into());
            if let Some(t) = draft.thresholds {
                t[2].set(String::new());
            }
            draft.enforced_from.set(String::new());
            let error = draft.input(3).expect_err("not numbers");
            let fields: Vec<&str> = error
                .error
                .details
                .iter()
                .map(|d| d.field.as_str())
                .collect();
            assert_eq!(fields, ["weight", "thresholds.tier3"]);

            draft.weight.set(" 20 ".into());
            draft.thresholds.expect("thresholds")[2].set("3".into());
            let input = draft.input(4).expect("valid again");
            assert_eq!((input.weight, input.enforced_from), (20, None));
        });
    }
}
