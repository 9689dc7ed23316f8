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

/// "1 service" / "42 services".
pub fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}
