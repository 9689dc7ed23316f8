//! Open swap requests of one schedule: shifts its people offered, which a teammate takes with
//! one click (and so becomes an override over the offered interval).

use crate::api::client::{self, query_string, ApiError};
use crate::api::oncall::Swap;
use crate::api::Me;
use crate::components::access::may_write;
use crate::components::status::{ApiErrorView, Loading};
use crate::pages::person::swaps::SwapLine;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `#open-swaps` of the schedule `slug` owned by `team`. Taking one bumps `refresh`, which the
/// calendar, the overrides and this list follow.
#[component]
pub fn OpenSwaps(slug: String, team: String, refresh: RwSignal<u32>) -> impl IntoView {
    let path = format!(
        "/swaps{}",
        query_string(&[("schedule", Some(slug)), ("state", Some("open".into()))])
    );
    let swaps = Resource::new(
        move || refresh.get(),
        move |_| client::get::<Vec<Swap>>(path.clone()),
    );
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    let team = StoredValue::new(team);
    let error = RwSignal::new(None::<ApiError>);
    let take = move |id: i64| {
        let request =
            client::send::<_, Swap>("POST", format!("/swaps/{id}/take"), &serde_json::json!({}));
        spawn_local(async move {
            match request.await {
                Ok(_) => {
                    error.set(None);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => {
                    error.set(Some(e));
                    // Someone else may have taken it meanwhile: show the list as it is now.
                    refresh.update(|n| *n += 1);
                }
            }
        });
    };
    view! {
        <section id="swaps-section" aria-labelledby="open-swaps-title">
            <h2 id="open-swaps-title">"Open swap requests"</h2>
            <p class="muted">"Shifts offered by their people; taking one puts you on call instead, as an override."</p>
            {move || error.get().map(|error| view! { <ApiErrorView error/> })}
            <Transition fallback=|| view! { <Loading label="Loading swap requests…"/> }>
                {move || Suspend::new(async move {
                    let answer = swaps.await;
                    // Whom Take is offered to: a member of the team who is a person in the
                    // catalog (the API turns them into an override).
                    let taker = me.await.ok().filter(|me| {
                        me.person.is_some() && team.with_value(|t| may_write(me, [t.as_str()]))
                    }).and_then(|me| me.person);
                    match answer {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted" id="open-swaps">"No open swap requests."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="swap-list" id="open-swaps">
                                {list.into_iter().map(|swap| {
                                    let can_take = taker.as_deref().is_some_and(|t| t != swap.offered_by);
                                    let id = swap.id;
                                    let label = format!("Take the shift {} offered from {}", swap.offered_by, swap.start_local);
                                    view! {
                                        <SwapLine swap>
                                            {can_take.then(|| view! {
                                                " "
                                                <button type="button" class="button take-swap" aria-label=label.clone()
                                                    on:click=move |_| take(id)>"Take"</button>
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
