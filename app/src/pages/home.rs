//! The start page: what Steward holds at a glance, and the ways into it. Counts come from the
//! list endpoints with `limit=1`, which report the total number of matches.

use crate::api::{client, Page, Person, ServiceListItem, Team};
use crate::components::{badges::TierBadge, status::plural, timeline::OnCallNow};
use leptos::prelude::*;
use leptos_meta::Title;

/// The `total` of a list endpoint; `None` when the API could not answer. The request is made
/// now (not when first polled), while the reactive owner that holds the API client is current.
fn count<T>(path: String) -> impl std::future::Future<Output = Option<i64>> + Send
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let request = client::get::<Page<T>>(path);
    async move { request.await.ok().map(|p| p.total) }
}

const TIER_TEXT: [&str; 4] = [
    "Largest blast radius: customer-facing, revenue-critical.",
    "Important: degradation is felt quickly.",
    "Internal: a failure hurts, but can wait for office hours.",
    "Experimental or minor: best effort.",
];

#[component]
pub fn HomePage() -> impl IntoView {
    let totals = Resource::new(
        || (),
        |_| {
            let services = count::<ServiceListItem>("/services?limit=1".into());
            let teams = count::<Team>("/teams?limit=1".into());
            let people = count::<Person>("/people?limit=1".into());
            async move { (services.await, teams.await, people.await) }
        },
    );
    let tiers = Resource::new(
        || (),
        |_| {
            let requests: Vec<_> = (1..=4)
                .map(|tier| count::<ServiceListItem>(format!("/services?limit=1&tier={tier}")))
                .collect();
            async move {
                let mut out = Vec::new();
                for request in requests {
                    out.push(request.await);
                }
                out
            }
        },
    );

    let stat = |n: Option<i64>,
                one: &'static str,
                many: &'static str,
                href: &'static str,
                id: &'static str| {
        let text = match n {
            Some(n) => plural(n, one, many),
            None => format!("— {many}"),
        };
        view! { <li><a class="stat" id=id href=href>{text}</a></li> }
    };

    view! {
        <Title text="Home"/>
        <section class="hero" aria-labelledby="home-title">
            <h1 id="home-title">"Steward"</h1>
            <p class="lead">
                "Who owns each service we run, how critical it is, and what it depends on — in one place."
            </p>
        </section>
        <section aria-labelledby="counts-title">
            <h2 id="counts-title" class="visually-hidden">"At a glance"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Counting…"</p> }>
                {move || Suspend::new(async move {
                    let (services, teams, people) = totals.await;
                    view! {
                        <ul class="stats">
                            {stat(services, "service", "services", "/catalog", "count-services")}
                            {stat(teams, "team", "teams", "/teams", "count-teams")}
                            {stat(people, "person", "people", "/people", "count-people")}
                        </ul>
                    }
                })}
            </Suspense>
        </section>
        // Every schedule's current on-call person (`GET /oncall`).
        <OnCallNow path="/oncall".to_string()/>
        <section aria-labelledby="tiers-title">
            <h2 id="tiers-title">"Services by tier"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Counting…"</p> }>
                {move || Suspend::new(async move {
                    let counts = tiers.await;
                    view! {
                        <ul class="tier-list" id="tiers">
                            {(1..=4i64)
                                .zip(counts)
                                .zip(TIER_TEXT)
                                .map(|((tier, n), text)| {
                                    view! {
                                        <li>
                                            <a href=format!("/catalog?tier={tier}")>
                                                <TierBadge tier/>
                                                <span class="tier-count">
                                                    {n.map(|n| plural(n, "service", "services")).unwrap_or_default()}
                                                </span>
                                            </a>
                                            <p class="muted">{text}</p>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            </Suspense>
        </section>
        <section aria-labelledby="explore-title">
            <h2 id="explore-title">"Explore"</h2>
            <ul class="cards">
                <li><a href="/catalog"><strong>"Catalog"</strong><span>"Every service, searchable by owner, tier and tag."</span></a></li>
                <li><a href="/teams"><strong>"Teams"</strong><span>"Who owns what, and how to reach them."</span></a></li>
                <li><a href="/people"><strong>"People"</strong><span>"Everyone who can be on call, and their teams."</span></a></li>
                <li><a href="/schedules"><strong>"On-call"</strong><span>"Schedules, who is on call when, and overrides."</span></a></li>
            </ul>
        </section>
    }
}
