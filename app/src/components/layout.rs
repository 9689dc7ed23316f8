//! The frame around every page: skip link, header with the main navigation and who is
//! signed in, footer.

use crate::api::{client, Me};
use crate::pages::sign_in::load_page;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{components::A, hooks::use_location};

/// A navigation link marked `aria-current="page"` when the current path is under one of
/// `sections` (a service page belongs to the catalog, so "Catalog" stays highlighted there).
#[component]
fn NavLink(
    href: &'static str,
    sections: &'static [&'static str],
    label: &'static str,
) -> impl IntoView {
    let location = use_location();
    let current = move || {
        location.pathname.with(|path| {
            sections
                .iter()
                .any(|s| path == s || path.starts_with(&format!("{s}/")))
        })
    };
    view! {
        <a href=href aria-current=move || current().then_some("page")>
            {label}
        </a>
    }
}

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <header class="site-header">
            <div class="site-header-inner">
                <A href="/" exact=true>
                    <span class="brand">
                        <img src="/favicon.svg" alt="" width="24" height="24"/>
                        "Steward"
                    </span>
                </A>
                <nav aria-label="Main">
                    <ul>
                        <li><NavLink href="/catalog" sections=&["/catalog", "/services"] label="Catalog"/></li>
                        <li><NavLink href="/teams" sections=&["/teams"] label="Teams"/></li>
                        <li><NavLink href="/people" sections=&["/people"] label="People"/></li>
                        <li><NavLink href="/schedules" sections=&["/schedules"] label="On-call"/></li>
                        <li><NavLink href="/escalation-policies" sections=&["/escalation-policies"] label="Escalation"/></li>
                        <li><NavLink href="/scorecards" sections=&["/scorecards", "/findings", "/rules", "/jobs"] label="Scorecards"/></li>
                        <li><NavLink href="/incidents" sections=&["/incidents", "/fixes"] label="Incidents"/></li>
                        <li><NavLink href="/audit" sections=&["/audit"] label="Audit log"/></li>
                    </ul>
                </nav>
                <UserMenu/>
            </div>
        </header>
    }
}

/// Who is signed in, with the way to the account page and out; or the way in.
#[component]
fn UserMenu() -> impl IntoView {
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    let sign_out = move |_| {
        let request = client::delete("/session".into());
        spawn_local(async move {
            let _ = request.await;
            load_page("/sign-in");
        });
    };
    view! {
        <div class="user-menu">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(me) => view! {
                            {(me.role == "admin").then(|| view! {
                                <a href="/rules" id="rules-menu-link">"Rules"</a>
                                <a href="/jobs" id="jobs-menu-link">"Jobs"</a>
                                <a href="/accounts" id="accounts-link">"Accounts"</a>
                            })}
                            <a href="/account" id="account-link">{me.handle}</a>
                            <button type="button" class="button button-link" id="sign-out" on:click=sign_out>
                                "Sign out"
                            </button>
                        }.into_any(),
                        Err(_) => view! { <a href="/sign-in">"Sign in"</a> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="site-footer">
            <p>
                "Steward — production ownership. API: "
                <a href="/api/v1/openapi.json">"/api/v1"</a>
            </p>
        </footer>
    }
}
