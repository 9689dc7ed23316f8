//! Backstage catalog YAML in and out of Steward.
//!
//! Most teams that look at Steward already describe their software in `catalog-info.yaml`
//! files. Import lets them bring that catalog over without retyping it, and export gives it
//! back, so trying Steward is never a one-way door. Steward models fewer things than
//! Backstage, so the mapping keeps what it does not model: unmapped fields of a Group, User or
//! Component go into the record's `extra` and are merged back on export, and kinds Steward has
//! no table for (System, API, Resource, custom kinds) are stored as they were given.
//!
//! Everything here is pure: `parse` turns text into documents, `plan` compares them with a
//! snapshot of the catalog and says what would change, `export` writes a snapshot out. The
//! caller reads files, takes the snapshot and applies the plan.

mod convert;
mod export;
mod fields;
mod heads;
mod import;
#[cfg(test)]
mod tests;

pub use export::export;
pub use import::{plan, Plan};

/// The `apiVersion` Steward writes, and the one import does not bother to keep in `extra`.
pub const API_VERSION: &str = "backstage.io/v1alpha1";

/// Annotations Steward reads into its own fields. Import consumes them (they are not kept in
/// `annotations` or `extra`) and export writes them back from the fields, so the fields are
/// the single source of truth.
pub mod annotations {
    /// Component: service tier, `"1"` to `"4"` (3 when absent).
    pub const TIER: &str = "steward.dev/tier";
    /// Component: further owning teams after `spec.owner`, comma separated.
    pub const CO_OWNERS: &str = "steward.dev/co-owners";
    /// Component: the GitHub repository as `owner/name` (Backstage's own annotation).
    pub const PROJECT_SLUG: &str = "github.com/project-slug";
    /// Group: handles of the members who lead the team, comma separated.
    pub const LEADS: &str = "steward.dev/leads";
    /// Group: the team's chat channel.
    pub const CHAT_CHANNEL: &str = "steward.dev/chat-channel";
    /// User: IANA time zone (`UTC` when absent).
    pub const TIME_ZONE: &str = "steward.dev/time-zone";
    /// User: GitHub login (Backstage's own annotation).
    pub const USER_LOGIN: &str = "github.com/user-login";
    /// User: `"false"` for people who have left (active when absent).
    pub const ACTIVE: &str = "steward.dev/active";
}

/// One YAML document of an import, with where it came from for messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The file (or other source) the document was read from.
    pub source: String,
    /// Position of the document in its source, counting from 0.
    pub index: usize,
    pub value: serde_yaml::Value,
}

impl Document {
    /// How messages name a document: `teams.yaml, document 2`.
    pub fn describe(&self) -> String {
        format!("{}, document {}", self.source, self.index + 1)
    }
}

/// Splits multi-document YAML (`---` separated) into documents, skipping empty ones.
/// A syntax error fails the whole source: a half-read file would import half a catalog.
pub fn parse(yaml: &str, source: &str) -> Result<Vec<Document>, String> {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for (index, de) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        // serde_yaml's message already says "at line L column C" when it knows the place.
        let mut value = serde_yaml::Value::deserialize(de)
            .map_err(|e| format!("{source}: invalid YAML: {e}"))?;
        if value.is_null() {
            continue;
        }
        // `<<: *anchor` merge keys are plain YAML to most authors; resolve them here.
        value
            .apply_merge()
            .map_err(|e| format!("{source}: invalid YAML: {e}"))?;
        docs.push(Document {
            source: source.to_string(),
            index,
            value,
        });
    }
    Ok(docs)
}

/// An entity reference, `[kind:][namespace/]name`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct EntityRef<'a> {
    kind: Option<&'a str>,
    name: &'a str,
}

/// Steward has one namespace, so the namespace of a reference is dropped: `group:ops/sre`
/// and `sre` name the same team.
fn parse_ref(raw: &str) -> EntityRef<'_> {
    let raw = raw.trim();
    let (kind, rest) = match raw.split_once(':') {
        Some((kind, rest)) => (Some(kind), rest),
        None => (None, raw),
    };
    let name = rest.split_once('/').map_or(rest, |(_, name)| name);
    EntityRef { kind, name }
}

/// The name a reference points at when it is of `kind`; a reference without a kind is
/// taken to be of `kind`, as Backstage does for fields with a default kind.
fn ref_name<'a>(raw: &'a str, kind: &str) -> Option<&'a str> {
    let r = parse_ref(raw);
    match r.kind {
        Some(k) if !k.eq_ignore_ascii_case(kind) => None,
        _ => Some(r.name),
    }
}

/// The Component `spec.type` values Steward reads, and the service kind each becomes.
fn service_kind(spec_type: &str) -> Option<steward_app::api::ServiceKind> {
    use steward_app::api::ServiceKind;
    match spec_type {
        "cronjob" | "batch" => Some(ServiceKind::Job),
        other => ServiceKind::parse(other),
    }
}
