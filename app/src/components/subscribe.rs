//! "Subscribe (iCal)": makes a calendar feed of a schedule or a person and shows its address
//! this once (the API keeps only a hash of its secret). Feeds are revoked from the account page.

use crate::api::client;
use crate::api::feeds::CreatedFeed;
use crate::components::status::ApiErrorView;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// `api_path` makes the feed (`/schedules/{slug}/feeds`, `/people/{handle}/feeds`); `what` says
/// what the feed shows, for the hint.
#[component]
pub fn Subscribe(#[prop(into)] api_path: String, #[prop(into)] what: String) -> impl IntoView {
    let created = RwSignal::new(None::<String>);
    let error = RwSignal::new(None);
    let on_click = move |_| {
        let request = client::send::<_, CreatedFeed>("POST", api_path.clone(), &());
        spawn_local(async move {
            match request.await {
                Ok(feed) => {
                    error.set(None);
                    // Without a configured public URL, the address is this site's.
                    let url = feed.url.unwrap_or_else(|| {
                        let origin = window().location().origin().unwrap_or_default();
                        format!("{origin}{}", feed.path)
                    });
                    created.set(Some(url));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="subscribe">
            <button type="button" class="button" id="subscribe" on:click=on_click>"Subscribe (iCal)"</button>
            {move || error.get().map(|error| view! { <ApiErrorView error/> })}
            {move || created.get().map(|url| view! {
                <div class="alert new-token" role="status" id="feed-created">
                    <p><strong>"Copy this calendar address now: it is not shown again."</strong></p>
                    <p><code id="feed-url">{url}</code></p>
                    <p class="muted">{format!(
                        "Add it to your calendar app as a subscription (“from URL”). Whoever has \
                         the address sees {what}, overrides included, 14 days back and 180 ahead; \
                         revoke it under Your account → Calendar feeds."
                    )}</p>
                </div>
            })}
        </div>
    }
}
