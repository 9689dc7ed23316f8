//! The service catalog: one table, filtered by the URL. The URL is the state (`/catalog?q=pay&
//! owner=payments&page=2`), so a filtered view can be shared, bookmarked and reloaded; the
//! controls only navigate, and the list follows the URL.

use crate::api::{client, Lifecycle, Page, ServiceKind, ServiceListItem, Team};
use crate::components::badges::{KindBadge, LifecycleBadge, Tags, TierBadge};
use crate::components::pagination::{page_from, page_href, Pagination};
use crate::components::status::{plural, ApiErrorView, Loading};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
    NavigateOptions,
};

const PER_PAGE: i64 = 50;
/// The URL parameters the catalog understands, in the order they appear in links.
const FILTERS: [&str; 7] = ["q", "owner", "tier", "lifecycle", "kind", "tag", "sort"];
const SORTS: [(&str, &str); 6] = [
    ("", "Name (A–Z)"),
    ("-name", "Name (Z–A)"),
    ("tier", "Tier (1 first)"),
    ("-tier", "Tier (4 first)"),
    ("-updatedAt", "Recently updated"),
    ("slug", "Slug"),
];

/// The `/api/v1/services` request for the catalog URL's query.
fn api_path(query: &ParamsMap) -> String {
    let mut pairs: Vec<(&str, Option<String>)> =
        FILTERS.iter().map(|k| (*k, query.get(k))).collect();
    let offset = (page_from(query) - 1) * PER_PAGE;
    pairs.push(("limit", Some(PER_PAGE.to_string())));
    pairs.push(("offset", Some(offset.to_string())));
    format!("/services{}", client::query_string(&pairs))
}

fn is_filtered(query: &ParamsMap) -> bool {
    FILTERS[..6]
        .iter()
        .any(|k| query.get_str(k).is_some_and(|v| !v.is_empty()))
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let query = use_query_map();
    let services = Resource::new(
        move || query.with(api_path),
        client::get::<Page<ServiceListItem>>,
    );
    let teams = Resource::new(
        || (),
        |_| client::get::<Page<Team>>("/teams?limit=500".into()),
    );

    // Every control change becomes a navigation to the URL with that one parameter changed;
    // any change of filter goes back to the first page.
    let navigate = use_navigate();
    let set_param = move |key: &'static str, value: String| {
        let mut next = query.get_untracked();
        next.remove("page");
        next.remove(key);
        if !value.is_empty() {
            next.insert(key, value);
        }
        let href = page_href("/catalog", &next, 1);
        // Typing replaces the history entry instead of adding one per keystroke.
        let options = NavigateOptions {
            replace: key == "q",
            scroll: false,
            ..Default::default()
        };
        navigate(&href, options);
    };
    let on_change = move |key: &'static str| {
        let set_param = set_param.clone();
        move |ev: leptos::ev::Event| set_param(key, event_target_value(&ev))
    };

    // Back/forward changes the URL under a search box the person is not typing in.
    let search_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        let q = query.with(|q| q.get("q").unwrap_or_default());
        let focused = document()
            .active_element()
            .is_some_and(|e| e.id() == "catalog-search");
        if let (Some(input), false) = (search_ref.get(), focused) {
            input.set_value(&q);
        }
    });

    let owner_change = on_change.clone();
    let param = move |key: &'static str| query.with(|q| q.get(key).unwrap_or_default());
    let lifecycles: Vec<(String, String)> = Lifecycle::ALL
        .iter()
        .map(|l| (l.to_string(), l.to_string()))
        .collect();
    let kinds: Vec<(String, String)> = ServiceKind::ALL
        .iter()
        .map(|k| (k.to_string(), k.to_string()))
        .collect();
    let tiers: Vec<(String, String)> = (1..=4)
        .map(|t| (t.to_string(), format!("Tier {t}")))
        .collect();
    let sorts: Vec<(String, String)> = SORTS
        .iter()
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .collect();

    view! {
        <Title text="Catalog"/>
        <div class="page-header">
            <h1>"Service catalog"</h1>
            <a class="button button-primary" href="/services/new">"New service"</a>
        </div>
        <Form method="GET" action="/catalog">
            <div class="filters" role="search" aria-label="Filter services">
                <div class="field field-search">
                    <label for="catalog-search">"Search"</label>
                    <input
                        type="search"
                        id="catalog-search"
                        name="q"
                        placeholder="Name, slug or description"
                        autocomplete="off"
                        value=move || param("q")
                        node_ref=search_ref
                        on:input=on_change("q")
                    />
                </div>
                <div class="field">
                    <label for="filter-owner">"Owner"</label>
                    <Suspense fallback=move || view! {
                        <Select id="filter-owner" name="owner" any="Any team" options=vec![] current=Signal::derive(move || param("owner"))/>
                    }>
                        {move || {
                            let owner_change = owner_change.clone();
                            Suspend::new(async move {
                            let options = teams
                                .await
                                .map(|p| p.items.into_iter().map(|t| (t.slug, t.name)).collect())
                                .unwrap_or_default();
                            view! {
                                <Select id="filter-owner" name="owner" any="Any team" options current=Signal::derive(move || param("owner"))
                                    on:change=owner_change("owner")/>
                            }
                        })}}
                    </Suspense>
                </div>
                <div class="field">
                    <label for="filter-tier">"Tier"</label>
                    <Select id="filter-tier" name="tier" any="Any tier" options=tiers current=Signal::derive(move || param("tier"))
                        on:change=on_change("tier")/>
                </div>
                <div class="field">
                    <label for="filter-lifecycle">"Lifecycle"</label>
                    <Select id="filter-lifecycle" name="lifecycle" any="Any lifecycle" options=lifecycles
                        current=Signal::derive(move || param("lifecycle")) on:change=on_change("lifecycle")/>
                </div>
                <div class="field">
                    <label for="filter-kind">"Kind"</label>
                    <Select id="filter-kind" name="kind" any="Any kind" options=kinds current=Signal::derive(move || param("kind"))
                        on:change=on_change("kind")/>
                </div>
                <div class="field">
                    <label for="filter-tag">"Tag"</label>
                    <input type="text" id="filter-tag" name="tag" value=move || param("tag")
                        on:change=on_change("tag")/>
                </div>
                <div class="field">
                    <label for="sort">"Sort by"</label>
                    <Select id="sort" name="sort" any="" options=sorts current=Signal::derive(move || param("sort"))
                        on:change=on_change("sort")/>
                </div>
                <div class="field field-actions">
                    <button type="submit" class="button">"Apply"</button>
                    <a href="/catalog" class="button button-link">"Clear"</a>
                </div>
            </div>
        </Form>
        <Transition fallback=|| view! { <Loading label="Loading services…"/> }>
            {move || Suspend::new(async move {
                match services.await {
                    Ok(page) => view! { <Results page query=query.get_untracked()/> }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A `<select>` with an "any" option (value "") first; `any` empty means no such option. The
/// selection follows `current` (the URL), also on back and forward.
#[component]
fn Select(
    id: &'static str,
    name: &'static str,
    any: &'static str,
    options: Vec<(String, String)>,
    #[prop(into)] current: Signal<String>,
) -> impl IntoView {
    let any_option = (!any.is_empty()).then(|| view! { <option value="">{any}</option> });
    view! {
        <select id=id name=name prop:value=move || current.get()>
            {any_option}
            {options
                .into_iter()
                .map(|(value, label)| {
                    let is_selected = {
                        let value = value.clone();
                        move || current.with(|c| *c == value)
                    };
                    view! { <option value=value selected=is_selected>{label}</option> }
                })
                .collect_view()}
        </select>
    }
}

#[component]
fn Results(page: Page<ServiceListItem>, query: ParamsMap) -> impl IntoView {
    let filtered = is_filtered(&query);
    let current = page_from(&query);
    let count = view! {
        <p id="result-count" class="result-count" aria-live="polite">
            {plural(page.total, "service", "services")}
        </p>
    };
    if page.items.is_empty() {
        let hint = if filtered {
            view! { <p>"No services match these filters. "<a href="/catalog">"Clear the filters"</a></p> }.into_any()
        } else if page.total > 0 {
            view! { <p>"This page is empty. "<a href="/catalog">"Back to the first page"</a></p> }
                .into_any()
        } else {
            view! { <p>"No services yet. "<a href="/services/new">"Add the first one"</a></p> }
                .into_any()
        };
        return view! { {count} <div class="empty-state">{hint}</div> }.into_any();
    }
    view! {
        {count}
        <div class="table-wrap">
            <table class="data-table" id="services-table">
                <caption class="visually-hidden">"Services"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Owners"</th>
                        <th scope="col">"Tier"</th>
                        <th scope="col">"Lifecycle"</th>
                        <th scope="col">"Kind"</th>
                        <th scope="col">"Tags"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.items.into_iter().map(|s| view! { <ServiceRow service=s/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <Pagination base="/catalog" query page=current total=page.total per_page=PER_PAGE/>
    }
    .into_any()
}

#[component]
fn ServiceRow(service: ServiceListItem) -> impl IntoView {
    let owners = service
        .owners
        .into_iter()
        .map(|o| view! { <li><a href=format!("/teams/{o}")>{o.clone()}</a></li> })
        .collect_view();
    view! {
        <tr data-slug=service.slug.clone()>
            <th scope="row">
                <a class="service-link" href=format!("/services/{}", service.slug)>{service.name}</a>
                {service.description.map(|d| view! { <p class="muted small">{d}</p> })}
            </th>
            <td><ul class="inline-list">{owners}</ul></td>
            <td><TierBadge tier=service.tier/></td>
            <td><LifecycleBadge lifecycle=service.lifecycle/></td>
            <td><KindBadge kind=service.kind/></td>
            <td><Tags tags=service.tags/></td>
        </tr>
    }
}
