//! `/accounts`: user management for admins — every account with its role and state, a form
//! to add one, and per-account role changes, deactivation and password resets. Generated
//! passwords are shown once, like tokens.

use crate::api::{client, AccountInfo, AccountInput, AccountPatch, IssuedAccount};
use crate::components::form::{form_value, ErrorSummary, Field, FormErrors};
use crate::components::status::{ApiErrorView, Loading};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

const ROLES: [&str; 3] = ["admin", "member", "viewer"];

#[component]
pub fn AccountsPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let accounts = Resource::new(
        move || version.get(),
        |_| client::get::<Vec<AccountInfo>>("/accounts".into()),
    );
    // The last answer that carried a generated password, and any refusal of a row action.
    let issued = RwSignal::new(None::<IssuedAccount>);
    let refusal = RwSignal::new(None::<String>);
    let patch = move |handle: String, change: AccountPatch| {
        let request =
            client::send::<_, IssuedAccount>("PATCH", format!("/accounts/{handle}"), &change);
        spawn_local(async move {
            match request.await {
                Ok(answer) => {
                    refusal.set(None);
                    if answer.password.is_some() {
                        issued.set(Some(answer));
                    }
                }
                Err(e) => refusal.set(Some(e.error.message.clone())),
            }
            version.update(|v| *v += 1);
        });
    };
    view! {
        <Title text="Accounts"/>
        <h1>"Accounts"</h1>
        <p class="muted">"Who may sign in, and with which role. Members write what their teams own; \
            viewers read; admins do everything, including this page."</p>
        {move || issued.get().and_then(|a| a.password.map(|p| view! {
            <div class="alert new-token" role="status">
                <p><strong>{format!("Password for {} — copy it now: it is not shown again.", a.account.handle)}</strong></p>
                <p><code id="issued-password">{p}</code></p>
            </div>
        }))}
        {move || refusal.get().map(|m| view! { <p class="alert alert-error" role="alert" id="accounts-refusal">{m}</p> })}
        <NewAccount issued version/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match accounts.await {
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="data-table" id="accounts">
                                <thead><tr>
                                    <th scope="col">"Handle"</th><th scope="col">"Person"</th>
                                    <th scope="col">"Role"</th><th scope="col">"Sign-in"</th>
                                    <th scope="col">"Created"</th><th scope="col">"State"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|a| view! { <AccountRow account=a patch/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn AccountRow(
    account: AccountInfo,
    patch: impl Fn(String, AccountPatch) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let handle = account.handle.clone();
    let on_role = {
        let handle = handle.clone();
        move |ev: leptos::ev::Event| {
            let role = event_target_value(&ev);
            patch(
                handle.clone(),
                AccountPatch {
                    role: Some(role),
                    ..AccountPatch::default()
                },
            );
        }
    };
    let active = account.active;
    let toggle = {
        let handle = handle.clone();
        move |_| {
            patch(
                handle.clone(),
                AccountPatch {
                    active: Some(!active),
                    ..AccountPatch::default()
                },
            )
        }
    };
    let reset = {
        let handle = handle.clone();
        move |_| {
            patch(
                handle.clone(),
                AccountPatch {
                    reset_password: true,
                    ..AccountPatch::default()
                },
            )
        }
    };
    let role = account.role.clone();
    view! {
        <tr data-handle=handle.clone()>
            <td>{handle.clone()}</td>
            <td>{match account.person.clone() {
                Some(p) => view! { <a href=format!("/people/{p}")>{p.clone()}</a> }.into_any(),
                None => view! { <span class="muted">"none"</span> }.into_any(),
            }}</td>
            <td>
                <label class="visually-hidden" for=format!("role-{handle}")>{format!("Role of {handle}")}</label>
                <select id=format!("role-{handle}") on:change=on_role>
                    {ROLES.iter().map(|r| view! { <option value=*r selected=role == *r>{*r}</option> }).collect_view()}
                </select>
            </td>
            <td>{if account.password { "password" } else { "GitHub only" }}</td>
            <td>{account.created_at.get(..10).unwrap_or(&account.created_at).to_string()}</td>
            <td>{if active { "active" } else { "deactivated" }}</td>
            <td class="actions">
                <button type="button" class="button button-link" aria-label=format!("Reset the password of {handle}")
                    on:click=reset>"Reset password"</button>
                <button type="button" class=if active { "button button-danger" } else { "button" }
                    aria-label=format!("{} {handle}", if active { "Deactivate" } else { "Reactivate" })
                    on:click=toggle>{if active { "Deactivate" } else { "Reactivate" }}</button>
            </td>
        </tr>
    }
}

#[component]
fn NewAccount(issued: RwSignal<Option<IssuedAccount>>, version: RwSignal<u32>) -> impl IntoView {
    let errors = FormErrors::new(&["handle", "role", "password"]);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(data) = leptos::form::form_data_from_event(&ev) else {
            return;
        };
        let password = form_value(&data, "password");
        let input = AccountInput {
            handle: form_value(&data, "handle").trim().to_string(),
            role: form_value(&data, "role"),
            password: (!password.is_empty()).then_some(password),
        };
        let request = client::send::<_, IssuedAccount>("POST", "/accounts".into(), &input);
        spawn_local(async move {
            match request.await {
                Ok(answer) => {
                    errors.error.set(None);
                    issued.set(Some(answer));
                    version.update(|v| *v += 1);
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    errors.focus_first();
                }
            }
        });
    };
    view! {
        <section aria-labelledby="new-account-title">
            <h2 id="new-account-title">"Add an account"</h2>
            <form class="form" id="account-form" on:submit=on_submit>
                <ErrorSummary errors/>
                <div class="field-row">
                    <Field id="handle" label="Handle" hint="The person's handle links the account to them." required=true errors>
                        <input type="text" id="handle" name="handle" required
                            aria-invalid=errors.invalid("handle") aria-describedby=errors.described_by("handle", true)/>
                    </Field>
                    <Field id="role" label="Role" errors>
                        <select id="role" name="role">
                            <option value="member">"member"</option>
                            <option value="viewer">"viewer"</option>
                            <option value="admin">"admin"</option>
                        </select>
                    </Field>
                    <Field id="password" label="Password" hint="Blank: generate one, shown once." errors>
                        <input type="password" id="password" name="password" autocomplete="new-password"
                            aria-invalid=errors.invalid("password") aria-describedby=errors.described_by("password", true)/>
                    </Field>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button button-primary">"Add account"</button>
                </div>
            </form>
        </section>
    }
}
