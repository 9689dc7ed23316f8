//! One layer of the schedule form. A layer is held as a signal per control rather than read
//! from the form on submit, because the list of layers is redrawn when one is added or removed
//! and the live preview needs the current values on every change.

use super::text::{
    end_instant, end_local, format_participants, format_restrictions, parse_participants,
    parse_restrictions,
};
use crate::api::oncall::{LayerSpec, RotationSpec, TurnSpec};
use crate::components::form::{Field, FieldError, FormErrors};
use leptos::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

pub const UNITS: [&str; 3] = ["hours", "days", "weeks"];

/// A new layer: weekly turns, to be given a first handoff and people.
pub fn blank_spec(index: usize) -> LayerSpec {
    LayerSpec {
        name: format!("Layer {}", index + 1),
        start: String::new(),
        end: None,
        turn: TurnSpec {
            unit: "weeks".into(),
            length: 1,
        },
        participants: Vec::new(),
        restrictions: Vec::new(),
        rotations: Vec::new(),
    }
}

/// Tells drafts apart, so that a redrawn list keeps each layer's controls with its values.
static NEXT_KEY: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Copy)]
pub struct LayerDraft {
    pub key: u64,
    pub name: RwSignal<String>,
    pub start: RwSignal<String>,
    pub length: RwSignal<String>,
    pub unit: RwSignal<String>,
    pub participants: RwSignal<String>,
    pub restrictions: RwSignal<String>,
    pub end: RwSignal<String>,
    /// Read-only history, sent back as it came.
    rotations: StoredValue<Vec<RotationSpec>>,
}

impl LayerDraft {
    pub fn from_spec(spec: LayerSpec) -> Self {
        LayerDraft {
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
            name: RwSignal::new(spec.name),
            start: RwSignal::new(spec.start),
            length: RwSignal::new(spec.turn.length.to_string()),
            unit: RwSignal::new(spec.turn.unit),
            participants: RwSignal::new(format_participants(&spec.participants)),
            restrictions: RwSignal::new(format_restrictions(&spec.restrictions)),
            end: RwSignal::new(spec.end.as_deref().map(end_local).unwrap_or_default()),
            rotations: StoredValue::new(spec.rotations),
        }
    }

    /// A new layer (see [`blank_spec`]).
    pub fn blank(index: usize) -> Self {
        Self::from_spec(blank_spec(index))
    }

    /// The layer as the API takes it. A length that is not a number is sent as 0, which the
    /// API rejects under `layers.N.turn.length`.
    pub fn to_spec(self) -> LayerSpec {
        LayerSpec {
            name: self.name.get_untracked().trim().to_string(),
            start: self.start.get_untracked().trim().to_string(),
            end: end_instant(&self.end.get_untracked()),
            turn: TurnSpec {
                unit: self.unit.get_untracked(),
                length: self.length.get_untracked().trim().parse().unwrap_or(0),
            },
            participants: parse_participants(&self.participants.get_untracked()),
            restrictions: parse_restrictions(&self.restrictions.get_untracked()),
            rotations: self.rotations.get_value(),
        }
    }

    /// Has what a preview needs to be worth asking for: a first handoff and someone to rotate.
    pub fn is_complete(self) -> bool {
        !self.start.with_untracked(|s| s.trim().is_empty())
            && !self.participants.with_untracked(|s| s.trim().is_empty())
    }
}

/// An input handler that keeps `signal` equal to the control's value.
pub fn bind(signal: RwSignal<String>) -> impl Fn(leptos::ev::Event) + Copy + 'static {
    move |ev| signal.set(event_target_value(&ev))
}

/// Where the API's field names are shown: top-level fields under their control, layer fields
/// under the layer's control (`layers.1.turn.length` → `layer-1-length`,
/// `layers.0.participants.2` → `layer-0-participants`), a whole-layer problem (`layers.1`) at
/// the top of its fieldset, anything else in the summary.
pub fn place_field(field: &str) -> Option<String> {
    let mut parts = field.split('.');
    let top = parts.next()?;
    if ["slug", "name", "team", "timeZone", "description"].contains(&top) {
        return Some(top.to_string());
    }
    if top != "layers" {
        return None;
    }
    let i: usize = parts.next()?.parse().ok()?;
    let control = match (parts.next(), parts.next()) {
        (None, _) => return Some(format!("layer-{i}")),
        (Some("turn"), Some("unit")) => "unit",
        (Some("turn"), _) => "length",
        (Some(c @ ("name" | "start" | "participants" | "restrictions" | "end")), _) => c,
        (Some(_), _) => return Some(format!("layer-{i}")),
    };
    Some(format!("layer-{i}-{control}"))
}

/// The controls of layer `index` (ids `layer-{index}-name` …), and its Remove button.
#[component]
pub fn LayerFieldset(
    index: usize,
    draft: LayerDraft,
    errors: FormErrors,
    on_remove: Callback<usize>,
) -> impl IntoView {
    let id = move |control: &str| format!("layer-{index}-{control}");
    let name = move |control: &str| format!("layers.{index}.{control}");
    let unit = draft.unit.get_untracked();
    let units = UNITS
        .iter()
        .map(|u| view! { <option value=*u selected=*u == unit>{*u}</option> })
        .collect_view();
    view! {
        <fieldset class="layer" id=format!("layer-{index}") data-layer=index tabindex="-1">
            <legend>{format!("Layer {}", index + 1)}</legend>
            <FieldError errors field=format!("layer-{index}")/>
            <div class="field-row">
                <Field id=id("name") label="Name" required=true errors>
                    <input type="text" id=id("name") name=name("name") value=draft.name.get_untracked()
                        on:input=bind(draft.name) required
                        aria-invalid=errors.invalid(&id("name")) aria-describedby=errors.described_by(&id("name"), false)/>
                </Field>
                <Field id=id("start") label="First handoff" required=true errors
                    hint="Local time in the schedule's zone; later handoffs keep this time of day.">
                    <input type="datetime-local" id=id("start") name=name("start") value=draft.start.get_untracked()
                        on:input=bind(draft.start) required
                        aria-invalid=errors.invalid(&id("start")) aria-describedby=errors.described_by(&id("start"), true)/>
                </Field>
            </div>
            <div class="field-row">
                <Field id=id("length") label="Turn length" required=true errors>
                    <input type="number" id=id("length") name=name("turn.length") min="1" step="1"
                        value=draft.length.get_untracked() on:input=bind(draft.length) required
                        aria-invalid=errors.invalid(&id("length")) aria-describedby=errors.described_by(&id("length"), false)/>
                </Field>
                <Field id=id("unit") label="Unit" errors>
                    <select id=id("unit") name=name("turn.unit") on:input=bind(draft.unit) on:change=bind(draft.unit)
                        aria-invalid=errors.invalid(&id("unit")) aria-describedby=errors.described_by(&id("unit"), false)>
                        {units}
                    </select>
                </Field>
            </div>
            <Field id=id("participants") label="Participants" required=true errors
                hint="Handles in rotation order, separated by commas or spaces.">
                <input type="text" id=id("participants") name=name("participants")
                    value=draft.participants.get_untracked() on:input=bind(draft.participants) required
                    aria-invalid=errors.invalid(&id("participants"))
                    aria-describedby=errors.described_by(&id("participants"), true)/>
            </Field>
            <Field id=id("restrictions") label="Restrictions" errors
                hint="When this layer is on call, e.g. “mon-fri 09:00-17:00; sat,sun 10:00-14:00”. Blank: always.">
                <input type="text" id=id("restrictions") name=name("restrictions")
                    value=draft.restrictions.get_untracked() on:input=bind(draft.restrictions)
                    aria-invalid=errors.invalid(&id("restrictions"))
                    aria-describedby=errors.described_by(&id("restrictions"), true)/>
            </Field>
            <Field id=id("end") label="End (UTC)" errors hint="Optional: the layer is silent from this instant on.">
                <input type="datetime-local" id=id("end") name=name("end") value=draft.end.get_untracked()
                    on:input=bind(draft.end)
                    aria-invalid=errors.invalid(&id("end")) aria-describedby=errors.described_by(&id("end"), true)/>
            </Field>
            <button type="button" class="button button-danger remove-layer" id=id("remove")
                on:click=move |_| on_remove.run(index)>
                {format!("Remove layer {}", index + 1)}
            </button>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_fields_are_shown_at_their_controls() {
        let at = |f: &str| place_field(f);
        assert_eq!(at("layers.0.start").as_deref(), Some("layer-0-start"));
        assert_eq!(
            at("layers.1.participants.0").as_deref(),
            Some("layer-1-participants")
        );
        assert_eq!(
            at("layers.0.restrictions.0.weekdays").as_deref(),
            Some("layer-0-restrictions")
        );
        assert_eq!(
            at("layers.2.turn.length").as_deref(),
            Some("layer-2-length")
        );
        assert_eq!(at("layers.2.turn.unit").as_deref(), Some("layer-2-unit"));
        assert_eq!(at("layers.3").as_deref(), Some("layer-3"));
        assert_eq!(at("timeZone").as_deref(), Some("timeZone"));
        assert_eq!(at("layers"), None);
        assert_eq!(at("version"), None);
    }

    #[test]
    fn a_layer_survives_the_form() {
        Owner::new().with(|| {
            let spec = LayerSpec {
                name: "Primary".into(),
                start: "2026-03-02T09:00".into(),
                end: Some("2026-06-01T00:00:00Z".into()),
                turn: TurnSpec {
                    unit: "days".into(),
                    length: 2,
                },
                participants: vec!["ada".into(), "grace".into()],
                restrictions: parse_restrictions("mon-fri 09:00-17:00"),
                rotations: Vec::new(),
            };
            assert_eq!(LayerDraft::from_spec(spec.clone()).to_spec(), spec);
            let blank = LayerDraft::blank(1);
            assert!(!blank.is_complete());
            assert_eq!(blank.to_spec().name, "Layer 2");
        })
    }
}
