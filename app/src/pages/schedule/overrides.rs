//! Overrides of one schedule: the form that adds one (its interval usually picked by dragging
//! across the calendar) and the list of those in the calendar's window, each removable.

use crate::api::client::{self, query_string};
use crate::api::oncall::{Override, OverrideInput};
use crate::api::{Page, Person};
use crate::components::clock::utc;
use crate::components::form::{form_value, optional, top_level, ErrorSummary, Field, FormErrors};
use crate::components::status::{ApiErrorView, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The API's override fields are shown at the controls `override-person`, `override-start`, …
fn place_field(field: &str) -> Option<String> {
    let top = top_level(field);
    ["person", "start", "end", "note"]
        .contains(&top)
        .then(|| format!("override-{top}"))
}

/// Adds an override to the schedule at `path` (`/schedules/{slug}`). `start` and `end` are
/// shared with the calendar, whose selection fills them.
#[component]
pub fn OverrideForm(
    path: String,
    start: RwSignal<String>,
    end: RwSignal<String>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let people = Resource::new(
        || (),
        |_| client::get::<Page<Person>>("/people?sort=name&limit=500".into()),
    );
    let errors = FormErrors::placed_by(place_field);
    let done = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(data) = leptos::form::form_data_from_event(&ev) else {
            return;
        };
        let input = OverrideInput {
            person: form_value(&data, "person"),
            start: start.get_untracked().trim().to_string(),
            end: end.get_untracked().trim().to_string(),
            note: optional(form_value(&data, "note")),
        };
        let request = client::send::<_, Override>("POST", format!("{path}/overrides"), &input);
        done.set(false);
        spawn_local(async move {
            match request.await {
                Ok(_) => {
                    errors.error.set(None);
                    done.set(true);
                    // The interval is used up; a second click must not add it twice.
                    start.set(String::new());
                    end.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };
    let bind =
        |signal: RwSignal<String>| move |ev: leptos::ev::Event| signal.set(event_target_value(&ev));
    view! {
        <form class="form override-form" id="override-form" on:submit=on_submit novalidate>
            <ErrorSummary errors/>
            {move || done.get().then(|| view! {
                <p class="alert" role="status" id="override-added">"Override added."</p>
            })}
            <div class="field-row">
                <Suspense fallback=|| view! { <Loading label="Loading people…"/> }>
                    {move || Suspend::new(async move {
                        let options = people.await.map(|page| page.items).unwrap_or_default()
                            .into_iter()
                            .filter(|p| p.active)
                            .map(|p| view! { <option value=p.handle.clone()>{format!("{} ({})", p.name, p.handle)}</option> })
                            .collect_view();
                        view! {
                            <Field id="override-person" label="Person" required=true errors>
                                <select id="override-person" name="person" required
                                    aria-invalid=errors.invalid("override-person")
                                    aria-describedby=errors.described_by("override-person", false)>
                                    <option value="">"Choose a person"</option>
                                    {options}
                                </select>
                            </Field>
                        }
                    })}
                </Suspense>
                <Field id="override-note" label="Note" errors>
                    <input type="text" id="override-note" name="note" placeholder="swap with ada"
                        aria-invalid=errors.invalid("override-note")
                        aria-describedby=errors.described_by("override-note", false)/>
                </Field>
            </div>
            <div class="field-row">
                <Field id="override-start" label="Start" hint="RFC 3339 UTC, e.g. 2026-03-08T09:00:00Z" required=true errors>
                    <input type="text" id="override-start" name="start" prop:value=move || start.get() on:input=bind(start) required
                        aria-invalid=errors.invalid("override-start")
                        aria-describedby=errors.described_by("override-start", true)/>
                </Field>
                <Field id="override-end" label="End" hint="RFC 3339 UTC" required=true errors>
                    <input type="text" id="override-end" name="end" prop:value=move || end.get() on:input=bind(end) required
                        aria-invalid=errors.invalid("override-end")
                        aria-describedby=errors.described_by("override-end", true)/>
                </Field>
            </div>
            <div class="form-actions">
                <button type="submit" class="button button-primary" id="add-override">"Add override"</button>
            </div>
        </form>
    }
}

/// The overrides that touch the window `range` (`(from, to)`), as `#overrides`.
#[component]
pub fn OverrideList(
    path: String,
    range: Signal<(String, String)>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let list = Resource::new(move || (range.get(), refresh.get()), {
        let path = path.clone();
        move |((from, to), _)| {
            let window = query_string(&[("from", Some(from)), ("to", Some(to))]);
            client::get::<Vec<Override>>(format!("{path}/overrides{window}"))
        }
    });
    let error = RwSignal::new(None);
    let remove = move |id: i64| {
        let request = client::delete(format!("{path}/overrides/{id}"));
        spawn_local(async move {
            match request.await {
                Ok(()) => {
                    error.set(None);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = StoredValue::new(remove);
    view! {
        {move || error.get().map(|error| view! { <ApiErrorView error/> })}
        <Transition fallback=|| view! { <Loading label="Loading overrides…"/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! {
                        <div id="overrides"><p class="muted" id="overrides-empty">"No overrides in this window."</p></div>
                    }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap" id="overrides">
                            <table class="data-table">
                                <caption class="visually-hidden">"Overrides in this window"</caption>
                                <thead><tr>
                                    <th scope="col">"Person"</th><th scope="col">"From"</th><th scope="col">"To"</th>
                                    <th scope="col">"Note"</th><th scope="col">"Created by"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|o| {
                                        let id = o.id;
                                        let label = format!("Remove the override for {} from {}", o.person, utc(&o.start));
                                        view! {
                                            <tr data-id=o.id data-person=o.person.clone()>
                                                <td><a href=format!("/people/{}", o.person)>{o.person.clone()}</a></td>
                                                <td>{utc(&o.start)}</td>
                                                <td>{utc(&o.end)}</td>
                                                <td>{o.note.clone().unwrap_or_default()}</td>
                                                <td>{o.created_by.clone()}</td>
                                                <td>
                                                    <button type="button" class="button button-danger remove-override"
                                                        aria-label=label on:click=move |_| remove.with_value(|r| r(id))>
                                                        "Remove"
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_fields_are_shown_at_their_controls() {
        assert_eq!(place_field("person").as_deref(), Some("override-person"));
        assert_eq!(place_field("end").as_deref(), Some("override-end"));
        assert_eq!(place_field("from"), None);
        assert_eq!(utc("2026-03-08T09:00:00Z"), "2026-03-08 09:00 UTC");
    }
}
