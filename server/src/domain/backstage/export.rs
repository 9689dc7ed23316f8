//! Writing the catalog as Backstage YAML: the way out of Steward, and the way to move a
//! catalog between instances. Import of the output against an empty catalog recreates the
//! catalog exactly, and against the same catalog changes nothing; the tests hold it to that.

use super::fields::{object, set};
use super::{annotations as ann, service_kind, API_VERSION};
use crate::domain::records::{Catalog, Record};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use steward_app::api::{PersonInput, ServiceInput, TeamInput, TeamRole};

/// The catalog as multi-document YAML: Groups, Users, Components and the kept entities,
/// ordered by kind, namespace and name so that exports of equal catalogs are equal text.
pub fn export(cat: &Catalog) -> String {
    let mut docs: Vec<((String, String, String), Value)> = Vec::new();
    let mut push = |kind: &str, extra: &Value, name: &str, doc: Value| {
        let key = (
            kind.to_string(),
            namespace(extra).to_string(),
            name.to_string(),
        );
        docs.push((key, doc));
    };
    for r in cat.teams.values() {
        push("Group", &r.extra, &r.input.slug, group(cat, r));
    }
    for r in cat.people.values() {
        push("User", &r.extra, &r.input.handle, user(cat, r));
    }
    for r in cat.services.values() {
        push("Component", &r.extra, &r.input.slug, component(cat, r));
    }
    for (key, e) in &cat.entities {
        docs.push((key.clone(), e.body.clone()));
    }
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    docs.iter()
        .map(|(key, doc)| {
            // A JSON value always has a YAML form; should that ever fail, say so in the file
            // rather than dropping the entity silently.
            let yaml = serde_yaml::to_string(doc).unwrap_or_else(|e| {
                format!(
                    "# {} {}/{} could not be written: {e}\n",
                    key.0, key.1, key.2
                )
            });
            format!("---\n{yaml}")
        })
        .collect()
}

/// The namespace a record came from (kept in `extra` when it was not `default`).
fn namespace(extra: &Value) -> &str {
    extra
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("default")
}

/// Full references, so they resolve in Backstage whatever namespace the referrer is in.
fn reference<T>(kind: &str, records: &BTreeMap<String, Record<T>>, name: &str) -> Value {
    let ns = records.get(name).map_or("default", |r| namespace(&r.extra));
    Value::String(format!("{kind}:{ns}/{name}"))
}

/// The entity skeleton with `extra` merged in; the caller then sets the mapped fields, which
/// win over anything in `extra`.
fn base(kind: &str, name: &str, extra: &Value) -> Value {
    let mut doc = json!({
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": { "name": name },
        "spec": {},
    });
    merge(&mut doc, extra);
    doc
}

fn merge(target: &mut Value, extra: &Value) {
    // Extra is always an object when it comes from an import; anything else is ignored.
    if let (Value::Object(t), Value::Object(e)) = (target, extra) {
        for (key, value) in e {
            match t.get_mut(key) {
                Some(existing) if existing.is_object() && value.is_object() => {
                    merge(existing, value)
                }
                _ => {
                    t.insert(key.clone(), value.clone());
                }
            }
        }
    }
}

fn put(doc: &mut Value, path: &[&str], value: impl Into<Value>) {
    set(doc, path, value.into());
}

fn annotate(doc: &mut Value, key: &str, value: impl Into<String>) {
    set(
        doc,
        &["metadata", "annotations", key],
        Value::String(value.into()),
    );
}

fn group(cat: &Catalog, r: &Record<TeamInput>) -> Value {
    let t = &r.input;
    let mut doc = base("Group", &t.slug, &r.extra);
    put(
        &mut doc,
        &["spec", "profile", "displayName"],
        t.name.as_str(),
    );
    if let Some(email) = &t.email {
        put(&mut doc, &["spec", "profile", "email"], email.as_str());
    }
    if let Some(d) = &t.description {
        put(&mut doc, &["metadata", "description"], d.as_str());
    }
    if doc.pointer("/spec/type").is_none() {
        // Backstage requires a group type; import drops this default again.
        put(&mut doc, &["spec", "type"], "team");
    }
    if let Some(parent) = &t.parent {
        put(
            &mut doc,
            &["spec", "parent"],
            reference("group", &cat.teams, parent),
        );
    }
    // Required by Backstage and derived in both systems, so written from the parents.
    let children: Vec<Value> = cat
        .teams
        .values()
        .filter(|c| c.input.parent.as_ref() == Some(&t.slug))
        .map(|c| reference("group", &cat.teams, &c.input.slug))
        .collect();
    put(&mut doc, &["spec", "children"], children);
    let mut members: Vec<_> = t.members.iter().collect();
    members.sort_by(|a, b| a.person.cmp(&b.person));
    let refs: Vec<Value> = members
        .iter()
        .map(|m| reference("user", &cat.people, &m.person))
        .collect();
    put(&mut doc, &["spec", "members"], refs);
    let leads: Vec<&str> = members
        .iter()
        .filter(|m| m.role == TeamRole::Lead)
        .map(|m| m.person.as_str())
        .collect();
    if !leads.is_empty() {
        annotate(&mut doc, ann::LEADS, leads.join(","));
    }
    if let Some(channel) = &t.chat_channel {
        annotate(&mut doc, ann::CHAT_CHANNEL, channel.as_str());
    }
    doc
}

fn user(cat: &Catalog, r: &Record<PersonInput>) -> Value {
    let p = &r.input;
    let mut doc = base("User", &p.handle, &r.extra);
    put(
        &mut doc,
        &["spec", "profile", "displayName"],
        p.name.as_str(),
    );
    if let Some(email) = &p.email {
        put(&mut doc, &["spec", "profile", "email"], email.as_str());
    }
    annotate(&mut doc, ann::TIME_ZONE, p.time_zone.as_str());
    if let Some(login) = &p.github_login {
        annotate(&mut doc, ann::USER_LOGIN, login.as_str());
    }
    if !p.active {
        annotate(&mut doc, ann::ACTIVE, "false");
    }
    // Backstage requires memberOf; with the groups' members it says the same thing twice,
    // which import merges.
    let teams: Vec<Value> = cat
        .teams
        .values()
        .filter(|t| t.input.members.iter().any(|m| m.person == p.handle))
        .map(|t| reference("group", &cat.teams, &t.input.slug))
        .collect();
    put(&mut doc, &["spec", "memberOf"], teams);
    doc
}

fn component(cat: &Catalog, r: &Record<ServiceInput>) -> Value {
    let s = &r.input;
    let mut doc = base("Component", &s.slug, &r.extra);
    if s.name != s.slug {
        put(&mut doc, &["metadata", "title"], s.name.as_str());
    }
    if let Some(d) = &s.description {
        put(&mut doc, &["metadata", "description"], d.as_str());
    }
    if !s.tags.is_empty() {
        let mut tags = s.tags.clone();
        tags.sort();
        put(&mut doc, &["metadata", "tags"], tags);
    }
    // Link keys Steward does not model come back by URL.
    let kept = match doc.pointer_mut("/metadata/links").map(Value::take) {
        Some(Value::Array(kept)) => kept,
        _ => Vec::new(),
    };
    if s.links.is_empty() {
        object(&mut doc["metadata"]).remove("links");
    } else {
        let links: Vec<Value> = s
            .links
            .iter()
            .map(|l| {
                let mut link = kept
                    .iter()
                    .find(|k| k.get("url").and_then(Value::as_str) == Some(l.url.as_str()))
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                let map = object(&mut link);
                map.insert("url".into(), l.url.clone().into());
                map.insert("title".into(), l.title.clone().into());
                link
            })
            .collect();
        put(&mut doc, &["metadata", "links"], links);
    }
    for (key, value) in &s.annotations {
        annotate(&mut doc, key, value.as_str());
    }
    annotate(&mut doc, ann::TIER, s.tier.to_string());
    if s.owners.len() > 1 {
        annotate(&mut doc, ann::CO_OWNERS, s.owners[1..].join(","));
    }
    if let Some(repo) = &s.repository {
        annotate(&mut doc, ann::PROJECT_SLUG, repo.as_str());
    }
    // An alias such as `cronjob` is given back while it still means the same kind.
    let alias = doc.pointer("/spec/type").and_then(Value::as_str);
    if alias.and_then(service_kind) != Some(s.kind) {
        put(&mut doc, &["spec", "type"], s.kind.as_str());
    }
    put(&mut doc, &["spec", "lifecycle"], s.lifecycle.as_str());
    if let Some(owner) = s.owners.first() {
        put(
            &mut doc,
            &["spec", "owner"],
            reference("group", &cat.teams, owner),
        );
    }
    if let Some(system) = &s.system {
        put(&mut doc, &["spec", "system"], system.as_str());
    }
    // Service dependencies first, then the resources and APIs kept from the import.
    let mut deps: Vec<&String> = s.depends_on.iter().collect();
    deps.sort();
    let mut depends_on: Vec<Value> = deps
        .into_iter()
        .map(|d| reference("component", &cat.services, d))
        .collect();
    if let Some(Value::Array(others)) = doc.pointer("/spec/dependsOn") {
        depends_on.extend(others.iter().cloned());
    }
    if depends_on.is_empty() {
        object(&mut doc["spec"]).remove("dependsOn");
    } else {
        put(&mut doc, &["spec", "dependsOn"], depends_on);
    }
    doc
}
