//! Creating and editing a team. Like the service form it only turns text into a `TeamInput`
//! and shows the API's answer; the one local check is the member role, which the typed request
//! cannot carry if it is misspelt.

use crate::api::client::{self, ApiError};
use crate::api::{ErrorDetail, Member, Team, TeamInput, TeamRole};
use crate::components::form::{form_value, optional, ErrorSummary, Field, FormErrors};
use crate::components::status::{ApiErrorView, Loading, NotFound};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

const FIELDS: &[&str] = &[
    "slug",
    "name",
    "parent",
    "description",
    "chatChannel",
    "email",
    "members",
];

/// `/teams/new` and `/teams/:slug/edit`.
#[component]
pub fn TeamFormPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug"));
    let existing = Resource::new(slug, |slug| {
        let request =
            slug.map(|s| client::get::<Team>(format!("/teams/{}", urlencoding::encode(&s))));
        async move {
            match request {
                Some(request) => request.await.map(Some),
                None => Ok(None),
            }
        }
    });
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match existing.await {
                    Ok(Some(team)) => view! { <TeamForm editing=Some(team.slug.clone()) initial=to_input(team)/> }.into_any(),
                    Ok(None) => view! { <TeamForm editing=None initial=TeamInput::default()/> }.into_any(),
                    Err(e) if e.status == 404 => view! {
                        <NotFound title="Team not found" message="There is no such team to edit."
                            back_href="/teams" back_label="Back to the teams"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn to_input(t: Team) -> TeamInput {
    TeamInput {
        slug: t.slug,
        name: t.name,
        parent: t.parent,
        description: t.description,
        chat_channel: t.chat_channel,
        email: t.email,
        members: t.members,
        version: Some(t.version),
    }
}

/// One member per line: `handle role`, the role `member` (default) or `lead`.
fn parse_members(text: &str) -> Result<Vec<Member>, ApiError> {
    let mut members = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        let Some(person) = words.next() else { continue };
        let role = words.next().unwrap_or("member");
        let Some(role) = TeamRole::parse(role) else {
            return Err(ApiError {
                status: 0,
                error: ErrorDetail {
                    code: "validation".into(),
                    message: format!(
                        "Line {}: the role must be “member” or “lead”, not “{role}”.",
                        n + 1
                    ),
                    field: Some("members".into()),
                    details: Vec::new(),
                },
            });
        };
        members.push(Member {
            person: person.into(),
            role,
            name: None,
        });
    }
    Ok(members)
}

fn format_members(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| format!("{} {}", m.person, m.role.as_str()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[component]
fn TeamForm(editing: Option<String>, initial: TeamInput) -> impl IntoView {
    let errors = FormErrors::new(FIELDS);
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let title = match &editing {
        Some(_) => format!("Edit {}", initial.name),
        None => "New team".to_string(),
    };
    let cancel = match &editing {
        Some(slug) => format!("/teams/{slug}"),
        None => "/teams".to_string(),
    };
    let version = initial.version;

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(data) = leptos::form::form_data_from_event(&ev) else {
            return;
        };
        let value = |name: &str| form_value(&data, name);
        let members = match parse_members(&value("members")) {
            Ok(members) => members,
            Err(e) => return errors.error.set(Some(e)),
        };
        let input = TeamInput {
            slug: value("slug").trim().into(),
            name: value("name").trim().into(),
            parent: optional(value("parent")),
            description: optional(value("description")),
            chat_channel: optional(value("chatChannel")),
            email: optional(value("email")),
            members,
            version,
        };
        let (method, path) = match &editing {
            Some(slug) => ("PUT", format!("/teams/{}", urlencoding::encode(slug))),
            None => ("POST", "/teams".to_string()),
        };
        let request = client::send::<_, Team>(method, path, &input);
        let navigate = navigate.clone();
        pending.set(true);
        spawn_local(async move {
            match request.await {
                Ok(saved) => {
                    errors.error.set(None);
                    navigate(&format!("/teams/{}", saved.slug), Default::default());
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    pending.set(false);
                    errors.focus_first();
                }
            }
        });
    };

    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <form class="form" id="team-form" on:submit=on_submit novalidate>
            <ErrorSummary errors/>
            <Field id="slug" label="Slug" hint="Lowercase letters, digits and dashes; used in URLs." required=true errors>
                <input type="text" id="slug" name="slug" value=initial.slug required
                    aria-invalid=errors.invalid("slug") aria-describedby=errors.described_by("slug", true)/>
            </Field>
            <Field id="name" label="Name" required=true errors>
                <input type="text" id="name" name="name" value=initial.name required
                    aria-invalid=errors.invalid("name") aria-describedby=errors.described_by("name", false)/>
            </Field>
            <Field id="parent" label="Parent team" hint="Slug of the team this one belongs to, if any." errors>
                <input type="text" id="parent" name="parent" value=initial.parent.unwrap_or_default()
                    aria-invalid=errors.invalid("parent") aria-describedby=errors.described_by("parent", true)/>
            </Field>
            <Field id="description" label="Description" errors>
                <textarea id="description" name="description" rows="3"
                    aria-invalid=errors.invalid("description") aria-describedby=errors.described_by("description", false)>
                    {initial.description.unwrap_or_default()}
                </textarea>
            </Field>
            <div class="field-row">
                <Field id="chatChannel" label="Chat channel" hint="For example #payments." errors>
                    <input type="text" id="chatChannel" name="chatChannel" value=initial.chat_channel.unwrap_or_default()
                        aria-invalid=errors.invalid("chatChannel") aria-describedby=errors.described_by("chatChannel", true)/>
                </Field>
                <Field id="email" label="Email" errors>
                    <input type="email" id="email" name="email" value=initial.email.unwrap_or_default()
                        aria-invalid=errors.invalid("email") aria-describedby=errors.described_by("email", false)/>
                </Field>
            </div>
            <Field id="members" label="Members" hint="One per line: handle and role (member or lead), e.g. “ada lead”." errors>
                <textarea id="members" name="members" rows="6"
                    aria-invalid=errors.invalid("members") aria-describedby=errors.described_by("members", true)>
                    {format_members(&initial.members)}
                </textarea>
            </Field>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save team" }}
                </button>
                <a class="button button-link" href=cancel>"Cancel"</a>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_default_to_member_and_reject_unknown_roles() {
        let members = parse_members("ada lead\n\ngrace").unwrap_or_default();
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].role, TeamRole::Member);
        let error = parse_members("ada boss").err().map(|e| e.error.field);
        assert_eq!(error, Some(Some("members".to_string())));
        assert_eq!(parse_members(&format_members(&members)).ok(), Some(members));
    }
}
