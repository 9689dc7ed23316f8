//! The page for URLs that match no route.

use crate::components::status::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <Title text="Page not found"/>
        <NotFound
            title="Page not found"
            message="There is no page at this address. It may have moved, or the link may be mistyped."
            back_href="/"
            back_label="Go to the start page"
        />
    }
}
