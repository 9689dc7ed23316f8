//! Swap requests a person offered or took, newest state first as the API sorts them, with
//! Withdraw on their own open offers when they are the one looking.

use crate::api::client::{self, query_string, ApiError};
use crate::api::oncall::Swap;
use crate::api::Me;
use crate::components::access::is_person;
use crate::components::clock::interval;
use crate::components::status::{ApiErrorView, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `#swaps`. `refresh` is shared with the shifts: an offer or a withdrawal changes both.
#[component]
pub fn SwapRequests(
    handle: String,
    me: Resource<Result<Me, ApiError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let path = format!(
        "/swaps{}",
        query_string(&[("person", Some(handle.clone()))])
    );
    let swaps = Resource::new(
        move || refresh.get(),
        move |_| client::get::<Vec<Swap>>(path.clone()),
    );
    let handle = StoredValue::new(handle);
    let error = RwSignal::new(None::<ApiError>);
    let withdraw = move |id: i64| {
        let request = client::send::<_, Swap>(
            "POST",
            format!("/swaps/{id}/withdraw"),
            &serde_json::json!({}),
        );
        spawn_local(async move {
            match request.await {
                Ok(_) => {
                    error.set(None);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section id="swaps-section" aria-labelledby="swaps-title">
            <h2 id="swaps-title">"Swap requests"</h2>
            {move || error.get().map(|error| view! { <ApiErrorView error/> })}
            <Transition fallback=|| view! { <Loading label="Loading swap requests…"/> }>
                {move || Suspend::new(async move {
                    let answer = swaps.await;
                    let mine = me.await.ok().is_some_and(|me| handle.with_value(|h| is_person(&me, h)));
                    match answer {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted" id="swaps">"No swap requests."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="swap-list" id="swaps">
                                {list.into_iter().map(|swap| {
                                    let own_open = mine && swap.state == "open"
                                        && handle.with_value(|h| *h == swap.offered_by);
                                    let id = swap.id;
                                    view! {
                                        <SwapLine swap>
                                            {own_open.then(|| view! {
                                                " "
                                                <button type="button" class="button button-link withdraw-swap"
                                                    on:click=move |_| withdraw(id)>"Withdraw"</button>
                                            })}
                                        </SwapLine>
                                    }
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

/// One swap request as a list item (`data-swap-id`, `data-state`): when on the schedule's
/// clock, which schedule, who offered, who took it, its state and note; `children` are its
/// actions.
#[component]
pub fn SwapLine(swap: Swap, children: Children) -> impl IntoView {
    let taken = swap.taken_by.clone().map(|t| {
        let name = swap.taken_by_name.clone().unwrap_or_else(|| t.clone());
        view! { " · taken by "<a href=format!("/people/{t}")>{name}</a> }
    });
    view! {
        <li data-swap-id=swap.id data-state=swap.state.clone() data-offered-by=swap.offered_by.clone()>
            <span class="when">{interval(&swap.start_local, &swap.end_local, &swap.time_zone)}</span>" · "
            <a href=format!("/schedules/{}", swap.schedule)>{swap.schedule_name.clone()}</a>
            " · offered by "<a href=format!("/people/{}", swap.offered_by)>{swap.offered_by_name.clone()}</a>
            {taken}" "
            <span class=format!("badge swap-{}", swap.state)>{swap.state.clone()}</span>
            {swap.note.clone().map(|n| view! { <span class="muted">" “"{n}"”"</span> })}
            {children()}
        </li>
    }
}
