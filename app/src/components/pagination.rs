//! Pagination for list pages whose URL carries `page=N`. Links are plain hrefs so that paging
//! works before hydration and every page has its own shareable URL.

use leptos::prelude::*;
use leptos_router::params::ParamsMap;

/// The page number from the URL (1-based; anything invalid means the first page).
pub fn page_from(query: &ParamsMap) -> i64 {
    query
        .get_str("page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// `base?…&page=N`, keeping every other query parameter of the current URL.
pub fn page_href(base: &str, query: &ParamsMap, page: i64) -> String {
    let mut pairs: Vec<(String, String)> = query
        .latest_values()
        .filter(|(k, v)| k.as_ref() != "page" && !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if page > 1 {
        pairs.push(("page".into(), page.to_string()));
    }
    let qs: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
        .collect();
    if qs.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", qs.join("&"))
    }
}

#[component]
pub fn Pagination(
    base: &'static str,
    query: ParamsMap,
    page: i64,
    total: i64,
    per_page: i64,
) -> impl IntoView {
    let pages = ((total + per_page - 1) / per_page).max(1);
    (pages > 1).then(|| {
        let link = move |n: i64, label: String, rel: Option<&'static str>| {
            view! { <a href=page_href(base, &query, n) rel=rel>{label}</a> }
        };
        let numbers = (1..=pages)
            .map(|n| {
                if n == page {
                    view! { <li><span aria-current="page" class="current">{n.to_string()}</span></li> }
                        .into_any()
                } else {
                    view! { <li>{link(n, n.to_string(), None)}</li> }.into_any()
                }
            })
            .collect_view();
        view! {
            <nav id="pagination" class="pagination" aria-label="Pagination">
                <p class="page-status">{format!("Page {page} of {pages}")}</p>
                <ul>
                    <li>
                        {if page > 1 {
                            link(page - 1, "← Previous".into(), Some("prev")).into_any()
                        } else {
                            view! { <span class="disabled" aria-disabled="true">"← Previous"</span> }.into_any()
                        }}
                    </li>
                    {numbers}
                    <li>
                        {if page < pages {
                            link(page + 1, "Next →".into(), Some("next")).into_any()
                        } else {
                            view! { <span class="disabled" aria-disabled="true">"Next →"</span> }.into_any()
                        }}
                    </li>
                </ul>
            </nav>
        }
    })
}
