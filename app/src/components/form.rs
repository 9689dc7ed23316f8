//! Showing API validation errors next to the fields they concern. Validation itself lives in
//! the API; the form only places each message: `links.0.url` belongs under the `links` field,
//! anything the form does not know goes into a summary at the top.

use crate::api::client::ApiError;
use leptos::prelude::*;

/// The last error of a form submission and the fields the form shows.
#[derive(Clone, Copy)]
pub struct FormErrors {
    pub error: RwSignal<Option<ApiError>>,
    fields: &'static [&'static str],
    /// Where an API field's message is shown, when that is not simply its top-level field:
    /// the id of the control, or `None` for the summary.
    place: Option<fn(&str) -> Option<String>>,
}

/// `links.0.url` → `links`: nested errors are shown under their top-level field.
pub fn top_level(field: &str) -> &str {
    field.split(['.', '[']).next().unwrap_or(field)
}

impl FormErrors {
    /// A form whose control ids are the API's top-level field names.
    pub fn new(fields: &'static [&'static str]) -> Self {
        FormErrors {
            error: RwSignal::new(None),
            fields,
            place: None,
        }
    }

    /// A form whose control ids differ from the API's field names or exist only at run time
    /// (one fieldset per layer): `place` maps a field (`layers.0.turn.length`) to the id of
    /// the control that shows it (`layer-0-length`), `None` sending it to the summary.
    pub fn placed_by(place: fn(&str) -> Option<String>) -> Self {
        FormErrors {
            error: RwSignal::new(None),
            fields: &[],
            place: Some(place),
        }
    }

    /// The id of the control an API field's message belongs to, if the form shows it.
    fn target(&self, field: &str) -> Option<String> {
        match self.place {
            Some(place) => place(field),
            None => {
                let top = top_level(field);
                self.fields.contains(&top).then(|| top.to_string())
            }
        }
    }

    /// Every `(field, message)` of the error, without repeats. A validation error lists each
    /// problem in `details` and only summarises them in its main message (`slug: … (and 2
    /// more)`), so the main message counts only when there are no details.
    fn all(error: &ApiError) -> Vec<(Option<String>, String)> {
        if error.error.details.is_empty() {
            return vec![(error.error.field.clone(), error.error.message.clone())];
        }
        let mut out = Vec::new();
        for d in &error.error.details {
            let item = (Some(d.field.clone()), d.message.clone());
            if !out.contains(&item) {
                out.push(item);
            }
        }
        out
    }

    /// Moves keyboard focus (and the view) to the first field the error names, so that
    /// keyboard and screen-reader users land on the problem rather than on the button.
    pub fn focus_first(&self) {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let first = self.error.with_untracked(|e| {
                e.as_ref().and_then(|e| {
                    Self::all(e)
                        .into_iter()
                        .find_map(|(f, _)| f.and_then(|f| self.target(&f)))
                })
            });
            if let Some(el) = first
                .and_then(|id| document().get_element_by_id(&id))
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
    }

    /// Messages for the control with id `id`.
    pub fn for_field(&self, id: &str) -> Vec<String> {
        self.error.with(|e| {
            e.as_ref()
                .map(|e| {
                    Self::all(e)
                        .into_iter()
                        .filter(|(f, _)| {
                            f.as_deref().and_then(|f| self.target(f)).as_deref() == Some(id)
                        })
                        .map(|(_, m)| m)
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// Messages that belong to no field of the form (conflicts, unknown fields, transport).
    pub fn unplaced(&self) -> Vec<String> {
        self.error.with(|e| {
            e.as_ref()
                .map(|e| {
                    Self::all(e)
                        .into_iter()
                        .filter(|(f, _)| f.as_deref().and_then(|f| self.target(f)).is_none())
                        .map(|(_, m)| m)
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    pub fn has(&self, id: &str) -> bool {
        !self.for_field(id).is_empty()
    }

    /// Attributes for an input: `aria-invalid` and `aria-describedby` pointing at its error.
    pub fn invalid(&self, id: &str) -> impl Fn() -> Option<&'static str> + Send + Sync {
        let (this, id) = (*self, id.to_string());
        move || this.has(&id).then_some("true")
    }

    /// `aria-describedby`: the field's hint (when it has one) and its error (while it has one).
    pub fn described_by(&self, id: &str, hint: bool) -> impl Fn() -> Option<String> + Send + Sync {
        let (this, field) = (*self, id.to_string());
        move || {
            let ids: Vec<String> = [
                hint.then(|| format!("{field}-hint")),
                this.has(&field).then(|| format!("{field}-error")),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    }
}

/// `<p class="field-error" id="{field}-error" role="alert">`, present only while the field has
/// an error.
#[component]
pub fn FieldError(errors: FormErrors, #[prop(into)] field: String) -> impl IntoView {
    move || {
        let messages = errors.for_field(&field);
        (!messages.is_empty()).then(|| {
            view! {
                <p class="field-error" id=format!("{field}-error") role="alert">
                    {messages.join(" ")}
                </p>
            }
        })
    }
}

/// A labelled form row: label, the control (`children`), an optional hint, the field's error.
/// The control's `id` must equal `id`, which is also the API's field name.
#[component]
pub fn Field(
    #[prop(into)] id: String,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    errors: FormErrors,
    children: Children,
) -> impl IntoView {
    let has_error = {
        let id = id.clone();
        move || errors.has(&id)
    };
    view! {
        <div class="field" class:has-error=has_error>
            <label for=id.clone()>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            {children()}
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldError errors field=id/>
        </div>
    }
}

/// The summary at the top of a form for errors that have no field of their own. `heading`
/// replaces "The change was not saved." where the error came from something else (a preview).
#[component]
pub fn ErrorSummary(
    errors: FormErrors,
    #[prop(optional)] heading: Option<Signal<&'static str>>,
) -> impl IntoView {
    move || {
        let messages = errors.unplaced();
        let heading = heading.map_or("The change was not saved.", |h| h.get());
        (!messages.is_empty()).then(|| {
            view! {
                <div class="form-errors" role="alert">
                    <p><strong>{heading}</strong></p>
                    <ul>{messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            }
        })
    }
}

/// A comma-separated list as trimmed, non-empty items.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// An optional text field: blank means "not set".
pub fn optional(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// A string value of a submitted form, empty when missing.
pub fn form_value(data: &leptos::web_sys::FormData, name: &str) -> String {
    data.get(name).as_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_map_to_their_top_level_field() {
        assert_eq!(top_level("links.0.url"), "links");
        assert_eq!(top_level("owners.1"), "owners");
        assert_eq!(top_level("slug"), "slug");
    }

    fn validation_error() -> ApiError {
        ApiError {
            status: 422,
            error: crate::api::ErrorDetail {
                code: "validation".into(),
                message: "slug: not a valid slug (and 1 more)".into(),
                field: Some("slug".into()),
                details: vec![
                    crate::api::FieldError {
                        field: "slug".into(),
                        message: "not a valid slug".into(),
                    },
                    crate::api::FieldError {
                        field: "links.0.url".into(),
                        message: "not a URL".into(),
                    },
                ],
            },
        }
    }

    /// Signals need a reactive owner (an arena, with the `ssr` feature).
    fn with_owner(test: impl FnOnce()) {
        Owner::new().with(test)
    }

    #[test]
    fn a_validation_summary_is_not_repeated_under_the_field() {
        with_owner(a_validation_summary_is_not_repeated_under_the_field_body)
    }

    fn a_validation_summary_is_not_repeated_under_the_field_body() {
        let errors = FormErrors::new(&["slug", "links"]);
        errors.error.set(Some(validation_error()));
        assert_eq!(errors.for_field("slug"), vec!["not a valid slug"]);
        assert_eq!(errors.for_field("links"), vec!["not a URL"]);
        assert!(errors.unplaced().is_empty());
    }

    #[test]
    fn an_error_without_details_is_placed_by_its_field() {
        with_owner(an_error_without_details_is_placed_by_its_field_body)
    }

    fn an_error_without_details_is_placed_by_its_field_body() {
        let errors = FormErrors::new(&["slug"]);
        let mut error = validation_error();
        error.error.details.clear();
        error.error.code = "conflict".into();
        error.error.message = "a service with this slug already exists".into();
        errors.error.set(Some(error.clone()));
        assert_eq!(errors.for_field("slug"), vec![error.error.message.clone()]);
        error.error.field = None;
        errors.error.set(Some(error.clone()));
        assert_eq!(errors.unplaced(), vec![error.error.message]);
    }

    #[test]
    fn a_placed_form_shows_fields_where_it_says() {
        with_owner(|| {
            let errors =
                FormErrors::placed_by(|f| (top_level(f) == "links").then(|| f.replace('.', "-")));
            errors.error.set(Some(validation_error()));
            assert_eq!(errors.for_field("links-0-url"), vec!["not a URL"]);
            assert!(errors.for_field("links").is_empty());
            assert_eq!(errors.unplaced(), vec!["not a valid slug"]);
        })
    }

    #[test]
    fn lists_drop_blanks() {
        assert_eq!(split_list(" a, ,b,"), vec!["a", "b"]);
    }
}

/// A labelled text input (or textarea) bound to `value`, with its hint and API error.
#[component]
pub fn TextField(
    errors: FormErrors,
    id: String,
    label: &'static str,
    value: RwSignal<String>,
    hint: &'static str,
    #[prop(optional)] multiline: bool,
    #[prop(default = 3)] rows: u32,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let on_input = move |ev| value.set(event_target_value(&ev));
    let initial = value.get_untracked();
    let control = if multiline {
        view! {
            <textarea id=id.clone() name=id.clone() rows=rows on:input=on_input
                aria-invalid=errors.invalid(&id) aria-describedby=errors.described_by(&id, true)>
                {initial}
            </textarea>
        }
        .into_any()
    } else {
        view! {
            <input type="text" id=id.clone() name=id.clone() value=initial on:input=on_input required=required
                aria-invalid=errors.invalid(&id) aria-describedby=errors.described_by(&id, true)/>
        }
        .into_any()
    };
    view! { <Field id label hint required errors>{control}</Field> }
}
