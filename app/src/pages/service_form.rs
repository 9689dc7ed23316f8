//! Creating and editing a service. The form only translates text fields into a
//! `ServiceInput` and shows what the API answers: validation lives behind the API, once.

use crate::api::{client, Lifecycle, Link, Service, ServiceInput, ServiceKind};
use crate::components::form::{form_value, optional, split_list, ErrorSummary, Field, FormErrors};
use crate::components::status::{ApiErrorView, Loading, NotFound};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};
use std::collections::BTreeMap;

const FIELDS: &[&str] = &[
    "slug",
    "name",
    "description",
    "owners",
    "tier",
    "lifecycle",
    "kind",
    "system",
    "repository",
    "tags",
    "dependsOn",
    "links",
];

/// `/services/new` and `/services/:slug/edit`: the same form, empty or prefilled.
#[component]
pub fn ServiceFormPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.with(|p| p.get("slug"));
    let existing = Resource::new(slug, |slug| {
        let request =
            slug.map(|s| client::get::<Service>(format!("/services/{}", urlencoding::encode(&s))));
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
                    Ok(Some(service)) => view! { <ServiceForm editing=Some(service.slug.clone()) initial=to_input(service)/> }.into_any(),
                    Ok(None) => view! { <ServiceForm editing=None initial=blank()/> }.into_any(),
                    Err(e) if e.status == 404 => view! {
                        <NotFound title="Service not found" message="There is no such service to edit."
                            back_href="/catalog" back_label="Back to the catalog"/>
                    }
                    .into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn blank() -> ServiceInput {
    ServiceInput {
        slug: String::new(),
        name: String::new(),
        description: None,
        owners: Vec::new(),
        tier: 3,
        lifecycle: Lifecycle::Production,
        kind: ServiceKind::Service,
        system: None,
        repository: None,
        links: Vec::new(),
        tags: Vec::new(),
        depends_on: Vec::new(),
        annotations: BTreeMap::new(),
        version: None,
    }
}

fn to_input(s: Service) -> ServiceInput {
    ServiceInput {
        slug: s.slug,
        name: s.name,
        description: s.description,
        owners: s.owners.into_iter().map(|o| o.slug).collect(),
        tier: s.tier,
        lifecycle: s.lifecycle,
        kind: s.kind,
        system: s.system,
        repository: s.repository,
        links: s.links,
        tags: s.tags,
        depends_on: s.depends_on.into_iter().map(|d| d.slug).collect(),
        // Not editable here, but sent back unchanged so that saving keeps them.
        annotations: s.annotations,
        version: Some(s.version),
    }
}

/// One link per line, `Title | https://url`; a bare URL is its own title.
fn parse_links(text: &str) -> Vec<Link> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| match line.split_once('|') {
            Some((title, url)) => Link {
                title: title.trim().into(),
                url: url.trim().into(),
            },
            None => Link {
                title: line.into(),
                url: line.into(),
            },
        })
        .collect()
}

fn format_links(links: &[Link]) -> String {
    links
        .iter()
        .map(|l| format!("{} | {}", l.title, l.url))
        .collect::<Vec<_>>()
        .join("\n")
}

#[component]
fn ServiceForm(editing: Option<String>, initial: ServiceInput) -> impl IntoView {
    let errors = FormErrors::new(FIELDS);
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let title = match &editing {
        Some(_) => format!("Edit {}", initial.name),
        None => "New service".to_string(),
    };
    let cancel = match &editing {
        Some(slug) => format!("/services/{slug}"),
        None => "/catalog".to_string(),
    };
    let (annotations, version) = (initial.annotations.clone(), initial.version);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(data) = leptos::form::form_data_from_event(&ev) else {
            return;
        };
        let value = |name: &str| form_value(&data, name);
        let input = ServiceInput {
            slug: value("slug").trim().into(),
            name: value("name").trim().into(),
            description: optional(value("description")),
            owners: split_list(&value("owners")),
            tier: value("tier").parse().unwrap_or(0),
            lifecycle: Lifecycle::parse(&value("lifecycle")).unwrap_or(Lifecycle::Production),
            kind: ServiceKind::parse(&value("kind")).unwrap_or(ServiceKind::Service),
            system: optional(value("system")),
            repository: optional(value("repository")),
            links: parse_links(&value("links")),
            tags: split_list(&value("tags")),
            depends_on: split_list(&value("dependsOn")),
            annotations: annotations.clone(),
            version,
        };
        let (method, path) = match &editing {
            Some(slug) => ("PUT", format!("/services/{}", urlencoding::encode(slug))),
            None => ("POST", "/services".to_string()),
        };
        let request = client::send::<_, Service>(method, path, &input);
        let navigate = navigate.clone();
        pending.set(true);
        spawn_local(async move {
            match request.await {
                Ok(saved) => {
                    errors.error.set(None);
                    navigate(&format!("/services/{}", saved.slug), Default::default());
                }
                Err(e) => {
                    errors.error.set(Some(e));
                    pending.set(false);
                    errors.focus_first();
                }
            }
        });
    };

    let options = |all: Vec<String>, current: String| {
        all.into_iter()
            .map(|v| {
                let selected = v == current;
                let label = v.clone();
                view! { <option value=v selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let lifecycles = options(
        Lifecycle::ALL.iter().map(|l| l.to_string()).collect(),
        initial.lifecycle.to_string(),
    );
    let kinds = options(
        ServiceKind::ALL.iter().map(|k| k.to_string()).collect(),
        initial.kind.to_string(),
    );
    let tiers = (1..=4i64)
        .map(|t| view! { <option value=t.to_string() selected=t == initial.tier>{format!("Tier {t}")}</option> })
        .collect_view();

    view! {
        <Title text=title.clone()/>
        <h1>{title}</h1>
        <form class="form" id="service-form" on:submit=on_submit novalidate>
            <ErrorSummary errors/>
            <Field id="slug" label="Slug" hint="Lowercase letters, digits and dashes; used in URLs." required=true errors>
                <input type="text" id="slug" name="slug" value=initial.slug required
                    aria-invalid=errors.invalid("slug") aria-describedby=errors.described_by("slug", true)/>
            </Field>
            <Field id="name" label="Name" required=true errors>
                <input type="text" id="name" name="name" value=initial.name required
                    aria-invalid=errors.invalid("name") aria-describedby=errors.described_by("name", false)/>
            </Field>
            <Field id="description" label="Description" errors>
                <textarea id="description" name="description" rows="3"
                    aria-invalid=errors.invalid("description") aria-describedby=errors.described_by("description", false)>
                    {initial.description.unwrap_or_default()}
                </textarea>
            </Field>
            <Field id="owners" label="Owners" hint="Team slugs, comma-separated; the first is the primary owner." required=true errors>
                <input type="text" id="owners" name="owners" value=initial.owners.join(", ") required
                    aria-invalid=errors.invalid("owners") aria-describedby=errors.described_by("owners", true)/>
            </Field>
            <div class="field-row">
                <Field id="tier" label="Tier" hint="1 has the largest blast radius." errors>
                    <select id="tier" name="tier" aria-invalid=errors.invalid("tier") aria-describedby=errors.described_by("tier", true)>
                        {tiers}
                    </select>
                </Field>
                <Field id="lifecycle" label="Lifecycle" errors>
                    <select id="lifecycle" name="lifecycle" aria-invalid=errors.invalid("lifecycle")
                        aria-describedby=errors.described_by("lifecycle", false)>{lifecycles}</select>
                </Field>
                <Field id="kind" label="Kind" errors>
                    <select id="kind" name="kind" aria-invalid=errors.invalid("kind")
                        aria-describedby=errors.described_by("kind", false)>{kinds}</select>
                </Field>
            </div>
            <Field id="system" label="System" hint="The larger system this service belongs to, if any." errors>
                <input type="text" id="system" name="system" value=initial.system.unwrap_or_default()
                    aria-invalid=errors.invalid("system") aria-describedby=errors.described_by("system", true)/>
            </Field>
            <Field id="repository" label="Repository" hint="GitHub repository as owner/name." errors>
                <input type="text" id="repository" name="repository" value=initial.repository.unwrap_or_default()
                    aria-invalid=errors.invalid("repository") aria-describedby=errors.described_by("repository", true)/>
            </Field>
            <Field id="tags" label="Tags" hint="Comma-separated." errors>
                <input type="text" id="tags" name="tags" value=initial.tags.join(", ")
                    aria-invalid=errors.invalid("tags") aria-describedby=errors.described_by("tags", true)/>
            </Field>
            <Field id="dependsOn" label="Depends on" hint="Service slugs, comma-separated." errors>
                <input type="text" id="dependsOn" name="dependsOn" value=initial.depends_on.join(", ")
                    aria-invalid=errors.invalid("dependsOn") aria-describedby=errors.described_by("dependsOn", true)/>
            </Field>
            <Field id="links" label="Links" hint="One per line: Title | https://url" errors>
                <textarea id="links" name="links" rows="4"
                    aria-invalid=errors.invalid("links") aria-describedby=errors.described_by("links", true)>
                    {format_links(&initial.links)}
                </textarea>
            </Field>
            <div class="form-actions">
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save service" }}
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
    fn links_round_trip_through_text() {
        let links = parse_links("Runbook | https://r.example\n\n https://d.example ");
        assert_eq!(
            links[0],
            Link {
                title: "Runbook".into(),
                url: "https://r.example".into()
            }
        );
        assert_eq!(links[1].url, "https://d.example");
        assert_eq!(parse_links(&format_links(&links)), links);
    }
}
