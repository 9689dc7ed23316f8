//! The levels of the policy form. Like the schedule form's layers, each level and target is
//! held as signals rather than read from the form on submit, because the lists are redrawn
//! whenever a level or a target is added or removed.

use crate::api::oncall::{EscalationLevel, EscalationTarget};
use crate::components::form::{Field, FieldError, FormErrors};
use leptos::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Tells drafts apart, so that a redrawn list keeps each row's controls with its values.
static NEXT_KEY: AtomicU64 = AtomicU64::new(0);

fn next_key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

/// One target: `kind` is `schedule` or `person`, `value` the slug or handle.
#[derive(Clone, Copy)]
pub struct TargetDraft {
    pub key: u64,
    pub kind: RwSignal<String>,
    pub value: RwSignal<String>,
}

impl TargetDraft {
    pub fn from_target(target: EscalationTarget) -> Self {
        let (kind, value) = match (target.schedule, target.person) {
            (None, Some(p)) => ("person", p),
            (s, _) => ("schedule", s.unwrap_or_default()),
        };
        TargetDraft {
            key: next_key(),
            kind: RwSignal::new(kind.into()),
            value: RwSignal::new(value),
        }
    }

    /// A blank target is sent as neither schedule nor person, which the API names as such.
    pub fn to_target(self) -> EscalationTarget {
        let value = self.value.get_untracked().trim().to_string();
        if value.is_empty() {
            return EscalationTarget::default();
        }
        if self.kind.get_untracked() == "person" {
            EscalationTarget {
                schedule: None,
                person: Some(value),
            }
        } else {
            EscalationTarget {
                schedule: Some(value),
                person: None,
            }
        }
    }
}

#[derive(Clone, Copy)]
pub struct LevelDraft {
    pub key: u64,
    pub delay: RwSignal<String>,
    pub targets: RwSignal<Vec<TargetDraft>>,
}

impl LevelDraft {
    pub fn from_level(level: EscalationLevel) -> Self {
        LevelDraft {
            key: next_key(),
            delay: RwSignal::new(level.delay_minutes.to_string()),
            targets: RwSignal::new(
                level
                    .targets
                    .into_iter()
                    .map(TargetDraft::from_target)
                    .collect(),
            ),
        }
    }

    /// A new level: one schedule to choose; the first at once, later ones 15 minutes on.
    pub fn blank(index: usize) -> Self {
        Self::from_level(EscalationLevel {
            delay_minutes: if index == 0 { 0 } else { 15 },
            targets: vec![EscalationTarget::default()],
        })
    }

    /// The level as the API takes it. A blank delay is 0; one that is not a number is sent as
    /// out of range, which the API rejects under `levels.N.delayMinutes`.
    pub fn to_level(self) -> EscalationLevel {
        let delay = self.delay.get_untracked();
        let delay = delay.trim();
        EscalationLevel {
            delay_minutes: if delay.is_empty() {
                0
            } else {
                delay.parse().unwrap_or(u32::MAX)
            },
            targets: self
                .targets
                .with_untracked(|ts| ts.iter().map(|t| t.to_target()).collect()),
        }
    }
}

/// Where the API's field names are shown: `levels.1.delayMinutes` → `level-1-delay`,
/// `levels.0.targets.2` → `level-0-target-2`, `levels.0.targets` → `level-0-targets`,
/// `levels.1` → `level-1`, `levels` → `policy-levels`, top-level fields at `policy-{field}`;
/// anything else in the summary.
pub fn place_field(field: &str) -> Option<String> {
    let mut parts = field.split('.');
    let top = parts.next()?;
    if ["slug", "name", "team", "repeats"].contains(&top) {
        return Some(format!("policy-{top}"));
    }
    if top != "levels" {
        return None;
    }
    let Some(i) = parts.next() else {
        return Some("policy-levels".into());
    };
    let i: usize = i.parse().ok()?;
    Some(match (parts.next(), parts.next()) {
        (Some("delayMinutes"), _) => format!("level-{i}-delay"),
        (Some("targets"), None) => format!("level-{i}-targets"),
        (Some("targets"), Some(j)) => match j.parse::<usize>() {
            Ok(j) => format!("level-{i}-target-{j}"),
            Err(_) => format!("level-{i}-targets"),
        },
        _ => format!("level-{i}"),
    })
}

/// An input handler that keeps `signal` equal to the control's value.
pub fn bind(signal: RwSignal<String>) -> impl Fn(leptos::ev::Event) + Copy + 'static {
    move |ev| signal.set(event_target_value(&ev))
}

/// The controls of level `index` (ids `level-{index}-delay`, `level-{index}-target-{m}` …).
#[component]
pub fn LevelFieldset(
    index: usize,
    draft: LevelDraft,
    errors: FormErrors,
    /// `(slug, label)` of every schedule, for the target selects.
    schedules: StoredValue<Vec<(String, String)>>,
    on_remove: Callback<usize>,
    on_change: Callback<()>,
) -> impl IntoView {
    let id = move |control: &str| format!("level-{index}-{control}");
    let hint = if index == 0 {
        "Minutes after the page; 0 notifies at once."
    } else {
        "Minutes after the previous level, while nobody has acknowledged."
    };
    let add_target = move |_| {
        draft
            .targets
            .update(|ts| ts.push(TargetDraft::from_target(EscalationTarget::default())))
    };
    let remove_target = Callback::new(move |j: usize| {
        draft.targets.update(|ts| {
            if j < ts.len() {
                ts.remove(j);
            }
        });
        on_change.run(());
    });
    view! {
        <fieldset class="layer level" id=format!("level-{index}") data-level=index tabindex="-1">
            <legend>{format!("Level {}", index + 1)}</legend>
            <FieldError errors field=format!("level-{index}")/>
            <Field id=id("delay") label="Delay (minutes)" hint required=true errors>
                <input type="number" id=id("delay") name=format!("levels.{index}.delayMinutes") min="0" max="1440"
                    step="1" value=draft.delay.get_untracked() on:input=bind(draft.delay) required
                    aria-invalid=errors.invalid(&id("delay")) aria-describedby=errors.described_by(&id("delay"), true)/>
            </Field>
            <fieldset class="targets" aria-describedby=move || errors.has(&id("targets")).then(|| format!("{}-error", id("targets")))>
                <legend>"Notify"</legend>
                <FieldError errors field=id("targets")/>
                <For each=move || draft.targets.get().into_iter().enumerate()
                    key=|(j, t)| (*j, t.key)
                    children=move |(j, target)| view! {
                        <TargetRow level=index index=j draft=target errors schedules on_remove=remove_target/>
                    }/>
                <button type="button" class="button add-target" id=id("add-target") on:click=add_target>
                    "Add target"
                </button>
            </fieldset>
            <button type="button" class="button button-danger remove-level" id=id("remove")
                on:click=move |_| on_remove.run(index)>
                {format!("Remove level {}", index + 1)}
            </button>
        </fieldset>
    }
}

/// One target of a level: what kind, then the schedule (a select) or the person (a handle,
/// suggested from the people list).
#[component]
fn TargetRow(
    level: usize,
    index: usize,
    draft: TargetDraft,
    errors: FormErrors,
    schedules: StoredValue<Vec<(String, String)>>,
    on_remove: Callback<usize>,
) -> impl IntoView {
    let id = format!("level-{level}-target-{index}");
    let kind_id = format!("{id}-kind");
    let on_kind = move |ev: leptos::ev::Event| {
        let kind = event_target_value(&ev);
        if kind != draft.kind.get_untracked() {
            draft.value.set(String::new());
            draft.kind.set(kind);
        }
    };
    let kind = draft.kind.get_untracked();
    let control = {
        let id = id.clone();
        move || {
            let (invalid, described) = (errors.invalid(&id), errors.described_by(&id, false));
            if draft.kind.get() == "person" {
                view! {
                    <input type="text" id=id.clone() list="people-handles" placeholder="handle, e.g. ada"
                        value=draft.value.get_untracked() on:input=bind(draft.value)
                        aria-invalid=invalid aria-describedby=described/>
                }
                .into_any()
            } else {
                let chosen = draft.value.get_untracked();
                let options = schedules.with_value(|all| {
                    all.iter()
                        .map(|(slug, label)| view! { <option value=slug.clone() selected=*slug == chosen>{label.clone()}</option> })
                        .collect_view()
                });
                view! {
                    <select id=id.clone() on:input=bind(draft.value) on:change=bind(draft.value)
                        aria-invalid=invalid aria-describedby=described>
                        <option value="" selected=chosen.is_empty()>"Choose a schedule"</option>
                        {options}
                    </select>
                }
                .into_any()
            }
        }
    };
    let has_error = {
        let id = id.clone();
        move || errors.has(&id)
    };
    view! {
        <div class="target-row" data-target=index>
            <div class="field">
                <label for=kind_id.clone()>{format!("Target {}", index + 1)}</label>
                <select id=kind_id on:change=on_kind>
                    <option value="schedule" selected=kind != "person">"On-call schedule"</option>
                    <option value="person" selected=kind == "person">"Person"</option>
                </select>
            </div>
            <div class="field" class:has-error=has_error>
                <label for=id.clone()>{move || if draft.kind.get() == "person" { "Person" } else { "Schedule" }}</label>
                {control}
                <FieldError errors field=id.clone()/>
            </div>
            <button type="button" class="button button-link remove-target" id=format!("{id}-remove")
                aria-label=format!("Remove target {} of level {}", index + 1, level + 1)
                on:click=move |_| on_remove.run(index)>
                "Remove"
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_fields_are_shown_at_their_controls() {
        let at = |f: &str| place_field(f);
        assert_eq!(at("slug").as_deref(), Some("policy-slug"));
        assert_eq!(at("repeats").as_deref(), Some("policy-repeats"));
        assert_eq!(at("levels").as_deref(), Some("policy-levels"));
        assert_eq!(at("levels.2").as_deref(), Some("level-2"));
        assert_eq!(
            at("levels.1.delayMinutes").as_deref(),
            Some("level-1-delay")
        );
        assert_eq!(at("levels.0.targets").as_deref(), Some("level-0-targets"));
        assert_eq!(
            at("levels.0.targets.3").as_deref(),
            Some("level-0-target-3")
        );
        assert_eq!(
            at("levels.0.targets.1.schedule").as_deref(),
            Some("level-0-target-1")
        );
        assert_eq!(at("version"), None);
    }

    #[test]
    fn a_level_survives_the_form() {
        Owner::new().with(|| {
            let level = EscalationLevel {
                delay_minutes: 15,
                targets: vec![
                    EscalationTarget {
                        schedule: Some("payments-primary".into()),
                        person: None,
                    },
                    EscalationTarget {
                        schedule: None,
                        person: Some("ada".into()),
                    },
                ],
            };
            assert_eq!(LevelDraft::from_level(level.clone()).to_level(), level);
            let blank = LevelDraft::blank(1).to_level();
            assert_eq!(blank.delay_minutes, 15);
            assert_eq!(blank.targets, vec![EscalationTarget::default()]);
            let draft = LevelDraft::blank(0);
            draft.delay.set("soon".into());
            assert_eq!(draft.to_level().delay_minutes, u32::MAX);
        })
    }
}
