//! `/account`: who you are, your password, your API tokens and your calendar feeds.

use crate::api::feeds::Feed;
use crate::api::{client, CreatedToken, Me, PasswordChange, TokenInfo, TokenInput};
use crate::components::form::{form_value, ErrorSummary, Field, FormErrors};
use crate::components::status::{ApiErrorView, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| client::get::<Me>("/session".into()));
    view! {
        <Title text="Your account"/>
        <h1>"Your account"</h1>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(me) => view! {
                        <dl class="details">
                            <dt>"Handle"</dt><dd>{me.handle.clone()}</dd>
                            <dt>"Role"</dt><dd>{me.role.clone()}</dd>
                            <dt>"Teams"</dt>
                            <dd>{if me.teams.is_empty() { "none".to_string() } else { me.teams.join(", ") }}</dd>
                        </dl>
                        <PasswordForm/>
                        <Tokens/>
                        <CalendarFeeds/>
                    }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let errors = FormErrors::new(&["current", "new"]);
    let done = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(data) = leptos::form::form_data_from_event(&ev) else {
            return;
        };
        let input = PasswordChange {
            current: form_value(&data, "current"),
            new: form_value(&data, "new"),
        };
        let request =
            client::send::<_, serde_json::Value>("PUT", "/session/password".into(), &input);
        done.set(false);
        spawn_local(async move {
            match request.await {
                Ok(_) => {
                    errors.error.set(None);
                    done.set(true);
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };
    view! {
        <section aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <form class="form" id="password-form" on:submit=on_submit>
                <ErrorSummary errors/>
                {move || done.get().then(|| view! {
                    <p class="alert" role="status">"Password changed. Your other sessions were signed out."</p>
                })}
                <Field id="current" label="Current password" required=true errors>
                    <input type="password" id="current" name="current" autocomplete="current-password" required
                        aria-invalid=errors.invalid("current") aria-describedby=errors.described_by("current", false)/>
                </Field>
                <Field id="new" label="New password" hint="At least 12 characters." required=true errors>
                    <input type="password" id="new" name="new" autocomplete="new-password" required
                        aria-invalid=errors.invalid("new") aria-describedby=errors.described_by("new", true)/>
                </Field>
                <div class="form-actions">
                    <button type="submit" class="button">"Change password"</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let tokens = Resource::new(
        move || version.get(),
        |_| client::get::<Vec<TokenInfo>>("/tokens".into()),
    );
    let created = RwSignal::new(None::<CreatedToken>);
    let errors = FormErrors::new(&["name", "scope", "expiresInDays"]);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(data) = leptos::form::form_data_from_event(&ev) else {
            return;
        };
        let input = TokenInput {
            name: form_value(&data, "name").trim().to_string(),
            scope: form_value(&data, "scope"),
            expires_in_days: form_value(&data, "expiresInDays").trim().parse().ok(),
        };
        let request = client::send::<_, CreatedToken>("POST", "/tokens".into(), &input);
        spawn_local(async move {
            match request.await {
                Ok(token) => {
                    errors.error.set(None);
                    created.set(Some(token));
                    version.update(|v| *v += 1);
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };
    let revoke = move |id: i64| {
        let request = client::delete(format!("/tokens/{id}"));
        spawn_local(async move {
            if request.await.is_ok() {
                version.update(|v| *v += 1);
            }
        });
    };
    view! {
        <section aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p class="muted">"For scripts and automation: send one as " <code>"Authorization: Bearer TOKEN"</code>
                ". A token never does more than you may, and a read token only reads."</p>
            {move || created.get().map(|t| view! {
                <div class="alert new-token" role="status">
                    <p><strong>"Copy your new token now: it is not shown again."</strong></p>
                    <p><code id="new-token">{t.token}</code></p>
                </div>
            })}
            <form class="form" id="token-form" on:submit=on_submit>
                <ErrorSummary errors/>
                <div class="field-row">
                    <Field id="name" label="Name" required=true errors>
                        <input type="text" id="name" name="name" required placeholder="deploy pipeline"
                            aria-invalid=errors.invalid("name") aria-describedby=errors.described_by("name", false)/>
                    </Field>
                    <Field id="scope" label="Scope" errors>
                        <select id="scope" name="scope">
                            <option value="read">"read"</option>
                            <option value="write">"write"</option>
                        </select>
                    </Field>
                    <Field id="expiresInDays" label="Expires in (days)" hint="Blank: never." errors>
                        <input type="number" id="expiresInDays" name="expiresInDays" min="1" max="3650" value="90"
                            aria-invalid=errors.invalid("expiresInDays")
                            aria-describedby=errors.described_by("expiresInDays", true)/>
                    </Field>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button button-primary">"Create token"</button>
                </div>
            </form>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty-state">"No tokens yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="data-table" id="tokens">
                                    <thead><tr>
                                        <th scope="col">"Name"</th><th scope="col">"Starts with"</th>
                                        <th scope="col">"Scope"</th><th scope="col">"Created"</th>
                                        <th scope="col">"Expires"</th><th scope="col">"Last used"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|t| {
                                            let id = t.id;
                                            let day = |s: &Option<String>| s.as_deref().map(|d| d.get(..10).unwrap_or(d).to_string());
                                            view! {
                                                <tr>
                                                    <td>{t.name.clone()}</td>
                                                    <td><code>{t.prefix.clone()}"…"</code></td>
                                                    <td>{t.scope.clone()}</td>
                                                    <td>{t.created_at.get(..10).unwrap_or(&t.created_at).to_string()}</td>
                                                    <td>{day(&t.expires_at).unwrap_or_else(|| "never".into())}</td>
                                                    <td>{day(&t.last_used_at).unwrap_or_else(|| "never".into())}</td>
                                                    <td>{match day(&t.revoked_at) {
                                                        Some(d) => view! { <span class="muted">{format!("revoked {d}")}</span> }.into_any(),
                                                        None => view! {
                                                            <button type="button" class="button button-danger"
                                                                aria-label=format!("Revoke {}", t.name)
                                                                on:click=move |_| revoke(id)>"Revoke"</button>
                                                        }.into_any(),
                                                    }}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The calendar feeds you made, to revoke those you no longer use (their addresses were shown
/// once, when made on a schedule's or a person's page).
#[component]
fn CalendarFeeds() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let feeds = Resource::new(
        move || version.get(),
        |_| client::get::<Vec<Feed>>("/feeds".into()),
    );
    let error = RwSignal::new(None);
    let revoke = move |id: i64| {
        let request = client::delete(format!("/feeds/{id}"));
        spawn_local(async move {
            match request.await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section aria-labelledby="feeds-title">
            <h2 id="feeds-title">"Calendar feeds"</h2>
            <p class="muted">"Subscribe to a schedule or a person from their page (“Subscribe (iCal)”). \
                Whoever has a feed's address can read it, so revoke those you no longer use."</p>
            {move || error.get().map(|error| view! { <ApiErrorView error/> })}
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match feeds.await {
                        Ok(list) if list.is_empty() => view! { <p class="empty-state">"No calendar feeds yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="data-table" id="feeds">
                                    <thead><tr>
                                        <th scope="col">"Calendar"</th><th scope="col">"Of"</th>
                                        <th scope="col">"Created"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|f| {
                                            let id = f.id;
                                            let of = match (&f.schedule, &f.person) {
                                                (Some(s), _) => view! { <a href=format!("/schedules/{s}")>{format!("schedule {s}")}</a> }.into_any(),
                                                (None, Some(p)) => view! { <a href=format!("/people/{p}")>{format!("person {p}")}</a> }.into_any(),
                                                (None, None) => view! { <span class="muted">"—"</span> }.into_any(),
                                            };
                                            let day = |d: &str| d.get(..10).unwrap_or(d).to_string();
                                            view! {
                                                <tr>
                                                    <td>{f.name.clone()}</td>
                                                    <td>{of}</td>
                                                    <td>{day(f.created_at.as_str())}</td>
                                                    <td>{match f.revoked_at.as_deref() {
                                                        Some(d) => view! { <span class="muted">{format!("revoked {}", day(d))}</span> }.into_any(),
                                                        None => view! {
                                                            <button type="button" class="button button-danger"
                                                                aria-label=format!("Revoke the feed {}", f.name)
                                                                on:click=move |_| revoke(id)>"Revoke"</button>
                                                        }.into_any(),
                                                    }}</td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ApiErrorView error/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
