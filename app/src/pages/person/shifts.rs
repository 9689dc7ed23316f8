//! A person's upcoming shifts on every schedule, on their own clock, and — on their own page —
//! the way to offer part of one to their teammates (a swap request).

use crate::api::client::{self, ApiError};
use crate::api::oncall::{Shift, Swap, SwapInput};
use crate::api::Me;
use crate::components::access::is_person;
use crate::components::clock::{input_value, interval, offset, to_instant};
use crate::components::form::{optional, top_level, ErrorSummary, Field, FormErrors};
use crate::components::status::{ApiErrorView, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The swap form's fields are shown at `swap-start`, `swap-end`, `swap-note`.
fn place_field(field: &str) -> Option<String> {
    let top = top_level(field);
    ["start", "end", "note"]
        .contains(&top)
        .then(|| format!("swap-{top}"))
}

fn source_label(source: &str) -> &'static str {
    match source {
        "layer" => "rota",
        "override" => "override",
        "given" => "given away",
        _ => "shift",
    }
}

/// `#shifts`: the next 28 days (the API's default window). `refresh` is bumped after an offer.
#[component]
pub fn Shifts(
    handle: String,
    me: Resource<Result<Me, ApiError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let path = format!("/people/{}/shifts", urlencoding::encode(&handle));
    let shifts = Resource::new(
        move || refresh.get(),
        move |_| client::get::<Vec<Shift>>(path.clone()),
    );
    let handle = StoredValue::new(handle);
    // The shift whose offer form is open, by position.
    let open = RwSignal::new(None::<usize>);
    let offered = RwSignal::new(false);
    view! {
        <section id="shifts-section" aria-labelledby="shifts-title">
            <h2 id="shifts-title">"Upcoming shifts"</h2>
            <p class="muted small">"The next 28 days, on this person's clock."</p>
            {move || offered.get().then(|| view! {
                <p class="alert" role="status" id="swap-offered">"Offered to your teammates: see the swap requests below."</p>
            })}
            <Transition fallback=|| view! { <Loading label="Loading shifts…"/> }>
                {move || Suspend::new(async move {
                    let answer = shifts.await;
                    let mine = me.await.ok().is_some_and(|me| handle.with_value(|h| is_person(&me, h)));
                    match answer {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted" id="shifts">"No shifts in the next 28 days."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="shift-list" id="shifts">
                                {list.into_iter().enumerate().map(|(i, shift)| view! {
                                    <ShiftItem index=i shift mine open offered refresh/>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ShiftItem(
    index: usize,
    shift: Shift,
    mine: bool,
    open: RwSignal<Option<usize>>,
    offered: RwSignal<bool>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let given = shift.source == "given";
    let when = interval(&shift.start_local, &shift.end_local, &shift.time_zone);
    let when = if given {
        view! { <s class="when">{when}</s> }.into_any()
    } else {
        view! { <span class="when">{when}</span> }.into_any()
    };
    let other = shift.swap_with.clone().map(|p| {
        let text = if given { "covered by " } else { "swap from " };
        view! { " · "{text}<a href=format!("/people/{p}")>{p.clone()}</a> }
    });
    let offerable = mine && !given;
    let stored = StoredValue::new(shift.clone());
    let is_open = move || open.get() == Some(index);
    view! {
        <li class:given=given data-source=shift.source.clone() data-schedule=shift.schedule.clone()
            data-start=shift.start.clone()>
            {when}" · "
            <a href=format!("/schedules/{}", shift.schedule)>{shift.schedule_name.clone()}</a>" "
            <span class=format!("badge source-{}", shift.source)>{source_label(&shift.source)}</span>
            {other}
            {offerable.then(|| view! {
                " "
                <button type="button" class="button button-link offer-shift"
                    aria-expanded=move || if is_open() { "true" } else { "false" }
                    on:click=move |_| open.set(if is_open() { None } else { Some(index) })>
                    "Offer"
                </button>
            })}
            {move || is_open().then(|| view! {
                <SwapForm shift=stored.get_value() open offered refresh/>
            })}
        </li>
    }
}

/// Offers `[start, end)` of `shift` (by default all of it): `POST /swaps`. The inputs are on
/// the person's clock; they are sent as UTC with the offsets the API gave for the shift's ends.
#[component]
fn SwapForm(
    shift: Shift,
    open: RwSignal<Option<usize>>,
    offered: RwSignal<bool>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let errors = FormErrors::placed_by(place_field);
    let start_offset = offset(&shift.start, &shift.start_local).unwrap_or(0);
    let end_offset = offset(&shift.end, &shift.end_local).unwrap_or(0);
    let start = RwSignal::new(input_value(&shift.start_local));
    let end = RwSignal::new(input_value(&shift.end_local));
    let note = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let schedule = shift.schedule.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = SwapInput {
            schedule: schedule.clone(),
            start: to_instant(&start.get_untracked(), start_offset),
            end: to_instant(&end.get_untracked(), end_offset),
            note: optional(note.get_untracked()),
            person: None,
        };
        let request = client::send::<_, Swap>("POST", "/swaps".into(), &input);
        pending.set(true);
        spawn_local(async move {
            let answer = request.await;
            pending.set(false);
            match answer {
                Ok(_) => {
                    errors.error.set(None);
                    open.set(None);
                    offered.set(true);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };
    let bind = |s: RwSignal<String>| move |ev: leptos::ev::Event| s.set(event_target_value(&ev));
    let zone_hint = format!("Your clock ({}).", shift.time_zone);
    view! {
        <form class="form swap-form" id="swap-form" on:submit=on_submit novalidate>
            <ErrorSummary errors/>
            <div class="field-row">
                <Field id="swap-start" label="From" required=true errors>
                    <input type="datetime-local" id="swap-start" name="start" prop:value=move || start.get()
                        on:input=bind(start) required aria-invalid=errors.invalid("swap-start")
                        aria-describedby=errors.described_by("swap-start", false)/>
                </Field>
                <Field id="swap-end" label="To" required=true errors>
                    <input type="datetime-local" id="swap-end" name="end" prop:value=move || end.get()
                        on:input=bind(end) required aria-invalid=errors.invalid("swap-end")
                        aria-describedby=errors.described_by("swap-end", false)/>
                </Field>
                <Field id="swap-note" label="Note" errors>
                    <input type="text" id="swap-note" name="note" placeholder="dentist on Tuesday"
                        on:input=bind(note) aria-invalid=errors.invalid("swap-note")
                        aria-describedby=errors.described_by("swap-note", false)/>
                </Field>
            </div>
            <p class="hint">{zone_hint}" Offer all of the shift or part of it; a teammate who takes it is on call instead."</p>
            <div class="form-actions">
                <button type="submit" class="button button-primary" id="offer-swap" disabled=move || pending.get()>
                    {move || if pending.get() { "Offering…" } else { "Offer to teammates" }}
                </button>
                <button type="button" class="button button-link" on:click=move |_| open.set(None)>"Cancel"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swap_fields_are_shown_at_their_controls() {
        assert_eq!(place_field("start").as_deref(), Some("swap-start"));
        assert_eq!(place_field("note").as_deref(), Some("swap-note"));
        assert_eq!(place_field("schedule"), None);
        assert_eq!(source_label("given"), "given away");
    }
}
