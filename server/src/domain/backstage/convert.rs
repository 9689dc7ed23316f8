//! Backstage Group, User and Component → Steward team, person and service inputs. Each
//! function takes its fields out of the entity (what is left becomes `extra`) and notes every
//! problem on the way; references are checked against the catalog and the import together.

use super::fields::Fields;
use super::heads::{canonical_kind, Head};
use super::{annotations as ann, parse_ref, ref_name, service_kind};
use crate::domain::catalog::Errors;
use crate::domain::records::Catalog;
use serde_json::Value;
use std::collections::HashSet;
use steward_app::api::{
    Lifecycle, Link, Member, PersonInput, ServiceInput, ServiceKind, TeamInput, TeamRole,
};

/// Names references may point at: the current catalog plus the import.
pub(super) struct Known {
    teams: HashSet<String>,
    people: HashSet<String>,
    services: HashSet<String>,
}

pub(super) fn known(current: &Catalog, heads: &[Head]) -> Known {
    let mut known = Known {
        teams: current.teams.keys().cloned().collect(),
        people: current.people.keys().cloned().collect(),
        services: current.services.keys().cloned().collect(),
    };
    // Entities rejected for other reasons still count: a reference to them is not the problem.
    for h in heads.iter().filter(|h| h.json.is_some()) {
        let set = match canonical_kind(&h.kind) {
            Some("Group") => &mut known.teams,
            Some("User") => &mut known.people,
            Some("Component") => &mut known.services,
            _ => continue,
        };
        set.insert(h.name.clone());
    }
    known
}

/// Validation speaks of Steward's fields; the reasons name where they are in the YAML.
pub(super) fn field_reasons(kind: &str, errors: Errors) -> Vec<String> {
    errors
        .0
        .into_iter()
        .map(|e| {
            let head = e.field.split('.').next().unwrap_or_default();
            let place = match (kind, head) {
                (_, "slug" | "handle") => "metadata.name".to_string(),
                (_, "description") => "metadata.description".into(),
                ("Component", "name") => "metadata.title".into(),
                (_, "name") => "spec.profile.displayName".into(),
                (_, "email") => "spec.profile.email".into(),
                (_, "parent") => "spec.parent".into(),
                (_, "members") => "spec.members".into(),
                (_, "chatChannel") => format!("annotation {}", ann::CHAT_CHANNEL),
                (_, "timeZone") => format!("annotation {}", ann::TIME_ZONE),
                (_, "githubLogin") => format!("annotation {}", ann::USER_LOGIN),
                (_, "owners") => format!("spec.owner/annotation {}", ann::CO_OWNERS),
                (_, "tier") => format!("annotation {}", ann::TIER),
                (_, "repository") => format!("annotation {}", ann::PROJECT_SLUG),
                (_, "system") => "spec.system".into(),
                (_, "dependsOn") => "spec.dependsOn".into(),
                // Links and tags keep their order, so the index still points at the entry.
                (_, "links" | "tags") => format!("metadata.{}", e.field),
                _ => e.field.clone(),
            };
            format!("{place}: {}", e.message)
        })
        .collect()
}

pub(super) fn add_member(members: &mut Vec<Member>, person: &str, role: TeamRole) {
    match members.iter_mut().find(|m| m.person == person) {
        Some(m) => m.role = m.role.max(role),
        None => members.push(Member {
            person: person.to_string(),
            role,
            name: None,
        }),
    }
}

pub(super) fn team(f: &mut Fields, slug: &str, known: &Known) -> TeamInput {
    let display = f.string(&["spec", "profile", "displayName"]);
    let title = match display {
        Some(_) => None,
        None => f.string(&["metadata", "title"]),
    };
    let parent = f
        .string(&["spec", "parent"])
        .map(|raw| f.reference(&raw, "group", "parent", &known.teams, "team"));
    // Derived from the other teams' parents; export writes it again.
    f.take(&["spec", "children"]);
    // "team" is what export writes when the source said nothing; not worth keeping.
    if f.peek(&["spec", "type"]) == Some(&Value::String("team".into())) {
        f.take(&["spec", "type"]);
    }
    let mut members = Vec::new();
    for raw in f.strings(&["spec", "members"]) {
        let p = f.reference(&raw, "user", "member", &known.people, "person");
        add_member(&mut members, &p, TeamRole::Member);
    }
    for raw in f.annotation_list(ann::LEADS) {
        let p = f.reference(&raw, "user", "lead", &known.people, "person");
        add_member(&mut members, &p, TeamRole::Lead);
    }
    TeamInput {
        slug: slug.to_string(),
        name: display.or(title).unwrap_or_else(|| slug.to_string()),
        parent,
        description: f.string(&["metadata", "description"]),
        chat_channel: f.annotation(ann::CHAT_CHANNEL),
        email: f.string(&["spec", "profile", "email"]),
        members,
        version: None,
    }
}

pub(super) fn person(f: &mut Fields, handle: &str, known: &Known) -> (PersonInput, Vec<String>) {
    let mut teams = Vec::new();
    for raw in f.strings(&["spec", "memberOf"]) {
        let t = f.reference(&raw, "group", "memberOf", &known.teams, "team");
        if !teams.contains(&t) {
            teams.push(t);
        }
    }
    let active = match f.annotation(ann::ACTIVE).as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            f.reason(format!(
                "annotation {}: '{other}' must be \"true\" or \"false\"",
                ann::ACTIVE
            ));
            true
        }
    };
    let input = PersonInput {
        handle: handle.to_string(),
        name: f
            .string(&["spec", "profile", "displayName"])
            .unwrap_or_else(|| handle.to_string()),
        email: f.string(&["spec", "profile", "email"]),
        time_zone: f.annotation(ann::TIME_ZONE).unwrap_or_else(|| "UTC".into()),
        github_login: f.annotation(ann::USER_LOGIN),
        active,
        version: None,
    };
    (input, teams)
}

pub(super) fn service(f: &mut Fields, slug: &str, known: &Known) -> ServiceInput {
    let kind = match f.string(&["spec", "type"]) {
        None => {
            f.reason("spec.type is required: service, website, library or job".into());
            ServiceKind::Service
        }
        Some(t) => match service_kind(&t) {
            Some(kind) => {
                // Keep an alias (`cronjob`) so export can give it back as it was written.
                if kind.as_str() != t {
                    f.put(&["spec", "type"], Value::String(t));
                }
                kind
            }
            None => {
                f.reason(format!(
                    "spec.type '{t}' is not supported: use service, website, library or job \
                     (cronjob and batch are read as job)"
                ));
                ServiceKind::Service
            }
        },
    };
    let lifecycle = match f.string(&["spec", "lifecycle"]) {
        None => {
            f.reason("spec.lifecycle is required: experimental, production or deprecated".into());
            Lifecycle::Production
        }
        Some(l) => Lifecycle::parse(&l).unwrap_or_else(|| {
            f.reason(format!(
                "spec.lifecycle '{l}' is not supported: use experimental, production or deprecated"
            ));
            Lifecycle::Production
        }),
    };
    let mut owners = Vec::new();
    match f.string(&["spec", "owner"]) {
        None => f.reason("spec.owner is required: the owning team".into()),
        Some(raw) => owners.push(owner(f, &raw, "owner", known)),
    }
    for raw in f.annotation_list(ann::CO_OWNERS) {
        owners.push(owner(f, &raw, "co-owner", known));
    }
    let tier = match f.annotation(ann::TIER) {
        None => 3,
        Some(t) => match t.trim().parse::<i64>() {
            Ok(n @ 1..=4) => n,
            _ => {
                f.reason(format!(
                    "annotation {}: '{t}' must be 1, 2, 3 or 4",
                    ann::TIER
                ));
                3
            }
        },
    };
    let system = f
        .string(&["spec", "system"])
        .and_then(|raw| match ref_name(&raw, "system") {
            Some(name) => Some(name.to_string()),
            None => {
                f.reason(format!("spec.system '{raw}' is not a system reference"));
                None
            }
        });
    let mut depends_on = Vec::new();
    let mut other_deps = Vec::new();
    for raw in f.strings(&["spec", "dependsOn"]) {
        // Resources and APIs are not services; they stay in `extra` for export.
        match ref_name(&raw, "component") {
            Some(_) => depends_on.push(f.reference(
                &raw,
                "component",
                "dependency",
                &known.services,
                "service",
            )),
            None => other_deps.push(Value::String(raw)),
        }
    }
    if !other_deps.is_empty() {
        f.put(&["spec", "dependsOn"], Value::Array(other_deps));
    }
    ServiceInput {
        slug: slug.to_string(),
        name: f
            .string(&["metadata", "title"])
            .unwrap_or_else(|| slug.to_string()),
        description: f.string(&["metadata", "description"]),
        owners,
        tier,
        lifecycle,
        kind,
        system,
        repository: f.annotation(ann::PROJECT_SLUG),
        links: links(f),
        tags: f.strings(&["metadata", "tags"]),
        depends_on,
        // Taken last: what is left once Steward's own annotations are consumed.
        annotations: f.annotations(),
        version: None,
    }
}

fn owner(f: &mut Fields, raw: &str, what: &str, known: &Known) -> String {
    let r = parse_ref(raw);
    if r.kind.is_some_and(|k| k.eq_ignore_ascii_case("user")) {
        f.reason(format!(
            "{what} '{raw}' is a user: Steward services are owned by teams, use a group"
        ));
        return r.name.to_string();
    }
    f.reference(raw, "group", what, &known.teams, "team")
}

/// `metadata.links` → links; keys Steward does not model (`icon`, `type`) stay in `extra`,
/// matched to their link by URL so edits in Steward cannot attach them to the wrong link.
fn links(f: &mut Fields) -> Vec<Link> {
    let Some(value) = f.take(&["metadata", "links"]) else {
        return Vec::new();
    };
    let Value::Array(entries) = value else {
        f.reason("metadata.links must be a list".into());
        return Vec::new();
    };
    let mut links = Vec::new();
    let mut rest = Vec::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let Value::Object(mut entry) = entry else {
            f.reason(format!("metadata.links.{i} must be a mapping with a url"));
            continue;
        };
        let url = match entry.remove("url") {
            Some(Value::String(url)) => url,
            _ => {
                f.reason(format!("metadata.links.{i}.url is required"));
                continue;
            }
        };
        let title = match entry.remove("title") {
            None | Some(Value::Null) => url.clone(),
            Some(Value::String(t)) => t,
            Some(_) => {
                f.reason(format!("metadata.links.{i}.title must be a string"));
                url.clone()
            }
        };
        if !entry.is_empty() {
            entry.insert("url".into(), Value::String(url.clone()));
            rest.push(Value::Object(entry));
        }
        links.push(Link { title, url });
    }
    if !rest.is_empty() {
        f.put(&["metadata", "links"], Value::Array(rest));
    }
    links
}
