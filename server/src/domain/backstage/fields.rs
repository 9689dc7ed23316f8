//! Taking an entity apart: each mapped field is removed from the entity's JSON as it is read,
//! so what remains at the end is exactly what Steward does not model — the record's `extra`.

use super::{parse_ref, ref_name};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};

pub(super) struct Fields {
    rest: Value,
    reasons: Vec<String>,
}

impl Fields {
    pub fn new(entity: Value) -> Self {
        Fields {
            rest: entity,
            reasons: Vec::new(),
        }
    }

    pub fn reason(&mut self, reason: String) {
        self.reasons.push(reason);
    }

    pub fn peek(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.rest, |v, key| v.get(key))
    }

    /// Removes and returns the value at `path`.
    pub fn take(&mut self, path: &[&str]) -> Option<Value> {
        let (last, parents) = path.split_last()?;
        let mut at = &mut self.rest;
        for key in parents {
            at = at.get_mut(key)?;
        }
        at.as_object_mut()?.remove(*last)
    }

    /// Puts a value back into what is left (creating the objects on the way).
    pub fn put(&mut self, path: &[&str], value: Value) {
        set(&mut self.rest, path, value);
    }

    /// A text field; an empty YAML value (`description:`) counts as absent.
    pub fn string(&mut self, path: &[&str]) -> Option<String> {
        match self.take(path)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            _ => {
                self.reason(format!("{} must be a string", path.join(".")));
                None
            }
        }
    }

    /// A list of strings.
    pub fn strings(&mut self, path: &[&str]) -> Vec<String> {
        let field = path.join(".");
        match self.take(path) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .filter_map(|(i, item)| match item {
                    Value::String(s) => Some(s),
                    _ => {
                        self.reason(format!("{field}.{i} must be a string"));
                        None
                    }
                })
                .collect(),
            Some(_) => {
                self.reason(format!("{field} must be a list"));
                Vec::new()
            }
        }
    }

    /// Takes one annotation. Backstage wants strings, but an unquoted `1` or `false` is such
    /// a common slip that numbers and booleans are read as their text.
    pub fn annotation(&mut self, key: &str) -> Option<String> {
        let value = self.take(&["metadata", "annotations", key])?;
        let text = scalar_text(value);
        if text.is_none() {
            self.reason(format!("annotation {key} must be a string"));
        }
        text
    }

    /// A comma-separated annotation (`"alice, bob"`) as its trimmed, non-empty parts.
    pub fn annotation_list(&mut self, key: &str) -> Vec<String> {
        self.annotation(key)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Takes all remaining annotations.
    pub fn annotations(&mut self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        match self.take(&["metadata", "annotations"]) {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    match scalar_text(value) {
                        Some(text) => {
                            out.insert(key, text);
                        }
                        None => self.reason(format!("annotation {key} must be a string")),
                    }
                }
            }
            Some(_) => self.reason("metadata.annotations must be a mapping".into()),
        }
        out
    }

    /// Resolves a reference of `kind` (`group:default/x`, `group:x` or `x`) to a name, and
    /// checks that the name exists in `known` (`noun` says what it should be). The name is
    /// returned even when there is a problem, so that validation does not add a second,
    /// vaguer reason (such as "needs at least one owner") for the same mistake.
    pub fn reference(
        &mut self,
        raw: &str,
        kind: &str,
        what: &str,
        known: &HashSet<String>,
        noun: &str,
    ) -> String {
        match ref_name(raw, kind) {
            None => self.reason(format!("{what} '{raw}' is not a {kind} reference")),
            Some(name) if !known.contains(name) => self.reason(format!(
                "{what} '{raw}' is not a {noun} in the catalog or the import"
            )),
            Some(_) => {}
        }
        parse_ref(raw).name.to_string()
    }

    /// What is left, without the identity and defaults that export writes anyway, and the
    /// problems found while taking the entity apart.
    pub fn finish(mut self, api_version: &str) -> (Value, Vec<String>) {
        self.take(&["kind"]);
        self.take(&["metadata", "name"]);
        if self.peek(&["apiVersion"]).and_then(Value::as_str) == Some(api_version) {
            self.take(&["apiVersion"]);
        }
        if self
            .peek(&["metadata", "namespace"])
            .and_then(Value::as_str)
            == Some("default")
        {
            self.take(&["metadata", "namespace"]);
        }
        // Innermost first, so that emptying `profile` can empty `spec`.
        for path in [
            &["spec", "profile"][..],
            &["spec"],
            &["metadata", "annotations"],
            &["metadata"],
        ] {
            if self
                .peek(path)
                .is_some_and(|v| v.as_object().is_some_and(Map::is_empty) || v.is_null())
            {
                self.take(path);
            }
        }
        (self.rest, self.reasons)
    }
}

fn scalar_text(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Sets `path` in `target`, creating (or replacing non-object) parents on the way.
pub(super) fn set(target: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = target;
    for key in parents {
        at = object(at)
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    object(at).insert(last.to_string(), value);
}

/// `value` as an object, replacing anything else with an empty one.
pub(super) fn object(value: &mut Value) -> &mut Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => {
            *other = Value::Object(Map::new());
            object(other)
        }
    }
}
