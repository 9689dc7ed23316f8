//! The first look at each document: is it an entity, which kind, which name, and is it
//! defined twice. Everything after this works on entities that have an identity.

use super::Document;
use serde_json::Value;
use std::collections::HashMap;

/// The first checks of a document: is it an entity at all, and which one.
pub(super) struct Head {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// The entity as JSON; `None` when it cannot be converted.
    pub json: Option<Value>,
    pub reasons: Vec<String>,
}

/// The kinds Steward maps to its own records; Backstage spells kinds in PascalCase but
/// compares them case-insensitively, and so does Steward.
pub(super) fn canonical_kind(kind: &str) -> Option<&'static str> {
    ["Group", "User", "Component", "Location"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(kind))
}

pub(super) fn heads(docs: &[Document]) -> Vec<Head> {
    // Key → where it was first defined, to reject the second definition.
    let mut seen: HashMap<(String, String, String), String> = HashMap::new();
    docs.iter()
        .map(|doc| {
            let mut head = head(doc);
            if head.json.is_some() {
                // Steward's records have no namespace, so two Components in different
                // namespaces with the same name would be the same service.
                let key = match canonical_kind(&head.kind) {
                    Some(k @ ("Group" | "User" | "Component")) => {
                        (k.to_string(), String::new(), head.name.clone())
                    }
                    _ => (head.kind.clone(), head.namespace.clone(), head.name.clone()),
                };
                if let Some(first) = seen.get(&key) {
                    head.reasons.push(format!(
                        "{} '{}' is defined twice in the import (first in {first})",
                        head.kind, head.name
                    ));
                    head.json = None;
                } else {
                    seen.insert(key, doc.describe());
                }
            }
            head
        })
        .collect()
}

fn head(doc: &Document) -> Head {
    let mut head = Head {
        kind: String::new(),
        name: format!("({})", doc.describe()),
        namespace: "default".into(),
        json: None,
        reasons: Vec::new(),
    };
    let json = match serde_json::to_value(&doc.value) {
        Ok(json @ Value::Object(_)) => json,
        Ok(_) => {
            head.reasons.push(format!(
                "{}: not a mapping, so not an entity",
                doc.describe()
            ));
            return head;
        }
        Err(e) => {
            head.reasons
                .push(format!("{}: cannot be read as JSON: {e}", doc.describe()));
            return head;
        }
    };
    match json.get("apiVersion") {
        Some(Value::String(s)) if !s.is_empty() => {}
        _ => head.reasons.push("apiVersion is required".into()),
    }
    // Without a kind and a name there is nothing to convert, only reasons to give.
    let mut identified = true;
    match json.get("kind") {
        Some(Value::String(s)) if !s.is_empty() => head.kind = s.clone(),
        _ => {
            head.reasons.push("kind is required".into());
            identified = false;
        }
    }
    match json.pointer("/metadata/name") {
        Some(Value::String(s)) if !s.is_empty() => head.name = s.clone(),
        _ => {
            head.reasons.push("metadata.name is required".into());
            identified = false;
        }
    }
    match json.pointer("/metadata/namespace") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => head.namespace = s.clone(),
        Some(_) => head
            .reasons
            .push("metadata.namespace must be a string".into()),
    }
    if !identified {
        return head;
    }
    // Group, User and Component names become slugs and are checked as such by validation;
    // the others only need to be valid Backstage names.
    if !matches!(
        canonical_kind(&head.kind),
        Some("Group" | "User" | "Component")
    ) {
        if let Err(e) = check_backstage_name(&head.name) {
            head.reasons.push(format!("metadata.name: {e}"));
        }
    }
    head.json = Some(json);
    head
}

/// Backstage's rule for names: 1–63 characters, `[a-zA-Z0-9]` separated by `-`, `_` or `.`.
fn check_backstage_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    let valid = (1..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric);
    if valid {
        Ok(())
    } else {
        Err(format!(
            "'{name}' is not a valid Backstage name: 1–63 letters and digits, separated by - _ ."
        ))
    }
}
