//! `/sign-in`: handle and password. On success the browser loads the page it came from, so
//! that everything is rendered again for the signed-in person.

use crate::api::{client, AuthMethods, Me, SignIn};
use crate::components::form::{form_value, ErrorSummary, Field, FormErrors};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Only a path on this site may follow sign-in (`/x`, not `//evil.example` or `https://…`).
pub fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .unwrap_or_else(|| "/".into())
}

/// Loads `href` as a new page (not a client-side navigation).
pub fn load_page(href: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(href);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}

/// Why a GitHub sign-in came back without a session (`/sign-in?error=…`).
fn github_refusal(code: &str) -> Option<&'static str> {
    Some(match code {
        "github_cancelled" => "GitHub sign-in was cancelled.",
        "github_state" => "The GitHub sign-in expired or was started in another window. Try again.",
        "github_unavailable" => "GitHub did not answer properly. Try again in a moment.",
        "github_org" => "Your GitHub account is not a member of the organization allowed here.",
        "github_no_person" => {
            "No person in the catalog has your GitHub login. Ask an admin to add it to your person record."
        }
        "github_taken" => {
            "An account with your handle exists but is not linked to your person record. Ask an admin."
        }
        "github_inactive" => "Your account is deactivated.",
        _ => return None,
    })
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let methods = Resource::new(
        || (),
        |_| client::get::<AuthMethods>("/auth/methods".into()),
    );
    let refusal = move || {
        query
            .with(|q| q.get("error"))
            .and_then(|c| github_refusal(&c))
    };
    let github_href = move || {
        let next = safe_next(query.with(|q| q.get("next")));
        format!("/auth/github/start?next={}", urlencoding::encode(&next))
    };
    let errors = FormErrors::new(&["handle", "password"]);
    let pending = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(data) = leptos::form::form_data_from_event(&ev) else {
            return;
        };
        let input = SignIn {
            handle: form_value(&data, "handle").trim().to_string(),
            password: form_value(&data, "password"),
        };
        let next = safe_next(query.with_untracked(|q| q.get("next")));
        let request = client::send::<_, Me>("POST", "/session".into(), &input);
        pending.set(true);
        spawn_local(async move {
            match request.await {
                Ok(_) => load_page(&next),
                Err(e) => {
                    errors.error.set(Some(e));
                    pending.set(false);
                }
            }
        });
    };
    view! {
        <Title text="Sign in"/>
        <section class="sign-in">
            <h1>"Sign in to Steward"</h1>
            {move || refusal().map(|m| view! { <div class="alert alert-error" role="alert" id="sign-in-refusal">{m}</div> })}
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    methods.await.ok().filter(|m| m.github).map(|_| view! {
                        <p><a class="button" id="github-sign-in" href=github_href()>"Sign in with GitHub"</a></p>
                        <p class="muted">"or with your Steward password:"</p>
                    })
                })}
            </Suspense>
            <form class="form" id="sign-in-form" on:submit=on_submit>
                <ErrorSummary errors/>
                <Field id="handle" label="Handle" required=true errors>
                    <input type="text" id="handle" name="handle" autocomplete="username" required
                        autocapitalize="none" spellcheck="false"/>
                </Field>
                <Field id="password" label="Password" required=true errors>
                    <input type="password" id="password" name="password" autocomplete="current-password" required/>
                </Field>
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_follow_sign_in() {
        assert_eq!(safe_next(Some("/services/x?a=1".into())), "/services/x?a=1");
        assert_eq!(safe_next(Some("//evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(None), "/");
    }
}
