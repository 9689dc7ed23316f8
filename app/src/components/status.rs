//! How pages say "loading", "not found" and "the API failed": one wording and one look, and
//! never a panic, whatever the API answers.

use crate::api::client::ApiError;
use leptos::prelude::*;

#[component]
pub fn Loading(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! {
        <p class="loading" role="status" aria-live="polite">
            {label}
        </p>
    }
}

/// Marks the SSR response as 404 so that crawlers and scripts see the truth, not only people.
pub fn set_not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

/// A full-page "not found" message with a way back.
#[component]
pub fn NotFound(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    back_href: &'static str,
    back_label: &'static str,
) -> impl IntoView {
    set_not_found_status();
    view! {
        <section class="not-found" aria-labelledby="not-found-title">
            <h1 id="not-found-title">{title}</h1>
            <p>{message}</p>
            <p><a href=back_href>{back_label}</a></p>
        </section>
    }
}

/// An API failure as a readable message.
#[component]
pub fn ApiErrorView(error: ApiError) -> impl IntoView {
    let heading = match error.status {
        0 => "Could not reach the API",
        401 | 403 => "Not allowed",
        404 => "Not found",
        _ => "Something went wrong",
    };
    view! {
        <div class="alert alert-error" role="alert">
            <strong>{heading}</strong>
            <p>{error.error.message}</p>
        </div>
    }
}

/// What a page says when the thing it shows does not exist.
pub struct Missing {
    pub title: &'static str,
    pub message: String,
    pub back_href: &'static str,
    pub back_label: &'static str,
}

/// The view of an API answer: `found` for a success, the "not found" page for a 404, the
/// API's error otherwise.
pub fn found_or<T>(
    answer: Result<T, ApiError>,
    found: impl FnOnce(T) -> AnyView,
    missing: impl FnOnce() -> Missing,
) -> AnyView {
    match answer {
        Ok(value) => found(value),
        Err(e) if e.status == 404 => {
            let Missing {
                title,
                message,
                back_href,
                back_label,
            } = missing();
            view! { <NotFound title message back_href back_label/> }.into_any()
        }
        Err(error) => view! { <ApiErrorView error/> }.into_any(),
    }
}

/// "1 service" / "42 services".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}
