//! The catalog as plain records, independent of storage: what the importer plans against,
//! what export writes out and what the demo data is made of.

use serde_json::Value;
use std::collections::BTreeMap;
use steward_app::api::{PersonInput, ServiceInput, TeamInput};

/// A record with the source fields Steward does not model (kept for export).
#[derive(Debug, Clone, PartialEq)]
pub struct Record<T> {
    pub input: T,
    pub extra: Value,
}

impl<T> Record<T> {
    pub fn new(input: T) -> Self {
        Record {
            input,
            extra: Value::Object(Default::default()),
        }
    }
}

/// A Backstage entity kept as given (System, Domain, API, Resource, unknown kinds).
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub body: Value,
}

/// The catalog as plain records, keyed by slug/handle (entities by kind, namespace, name).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    pub teams: BTreeMap<String, Record<TeamInput>>,
    pub people: BTreeMap<String, Record<PersonInput>>,
    pub services: BTreeMap<String, Record<ServiceInput>>,
    pub entities: BTreeMap<(String, String, String), Entity>,
}

/// What to write: records are created or replaced by key; nothing else is touched.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub people: Vec<Record<PersonInput>>,
    pub teams: Vec<Record<TeamInput>>,
    pub services: Vec<Record<ServiceInput>>,
    pub entities: Vec<Entity>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
            && self.teams.is_empty()
            && self.services.is_empty()
            && self.entities.is_empty()
    }
}
