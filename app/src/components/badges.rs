//! Small labels for tier, lifecycle and kind. Tier gets its own colour scale because it is the
//! first thing an on-call engineer looks for: how big is the blast radius?

use crate::api::{Lifecycle, ServiceKind};
use leptos::prelude::*;

#[component]
pub fn TierBadge(tier: i64) -> impl IntoView {
    view! {
        <span class=format!("badge tier tier-{tier}") title="Tier 1 has the largest blast radius">
            {format!("Tier {tier}")}
        </span>
    }
}

#[component]
pub fn LifecycleBadge(lifecycle: Lifecycle) -> impl IntoView {
    view! { <span class=format!("badge lifecycle lifecycle-{lifecycle}")>{lifecycle.as_str()}</span> }
}

#[component]
pub fn KindBadge(kind: ServiceKind) -> impl IntoView {
    view! { <span class=format!("badge kind kind-{kind}")>{kind.as_str()}</span> }
}

/// Tags as a list of chips; nothing at all when there are none.
#[component]
pub fn Tags(tags: Vec<String>) -> impl IntoView {
    (!tags.is_empty()).then(|| {
        view! {
            <ul class="tags" aria-label="Tags">
                {tags
                    .into_iter()
                    .map(|t| {
                        let href = format!("/catalog?tag={}", urlencoding::encode(&t));
                        view! { <li><a class="tag" href=href>{t}</a></li> }
                    })
                    .collect_view()}
            </ul>
        }
    })
}
