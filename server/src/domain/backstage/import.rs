//! Planning an import: Backstage entities → Steward records, compared with the catalog.
//!
//! The plan is all-or-nothing (the caller writes nothing when any entity is rejected), so
//! every entity is converted as far as it goes and every problem becomes a reason: a user
//! fixing a file should see all of them in one run, not one per run.

use super::convert::{add_member, field_reasons, known, person, service, team, Known};
use super::fields::Fields;
use super::heads::{canonical_kind, heads, Head};
use super::{Document, API_VERSION};
use crate::domain::catalog::{validate_person, validate_service, validate_team};
use crate::domain::records::{Catalog, Changes, Entity, Record};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use steward_app::api::{ImportAction, ImportItem, PersonInput, ServiceInput, TeamInput, TeamRole};

/// What an import would do: one item per entity, and the records to write.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub items: Vec<ImportItem>,
    /// Creates and updates only, with `version: None`.
    pub changes: Changes,
}

const LOCATION_REASON: &str =
    "Location targets are followed by `steward import` on the command line";

/// What a document becomes once converted.
enum Draft {
    Team(Record<TeamInput>),
    /// A person and the teams their `spec.memberOf` names (resolved slugs).
    Person(Record<PersonInput>, Vec<String>),
    Service(Record<ServiceInput>),
    Entity(Entity),
    Location,
    /// Could not be converted at all; the reasons say why.
    Nothing,
}

struct Item {
    kind: String,
    name: String,
    reasons: Vec<String>,
    draft: Draft,
}

/// Decides, for every document, what importing it would do (see the module docs).
pub fn plan(docs: &[Document], current: &Catalog) -> Plan {
    let heads = heads(docs);
    let known = known(current, &heads);
    let mut items: Vec<Item> = heads.into_iter().map(|h| convert(h, &known)).collect();
    let touched = apply_memberships(&mut items, current);
    check_parent_cycles(&mut items, current);

    let mut plan = Plan::default();
    for item in items {
        let mut reasons = item.reasons;
        let action = if !reasons.is_empty() {
            ImportAction::Rejected
        } else {
            decide(&item.draft, current, &mut plan.changes)
        };
        // A note, not a problem: the item is rejected only for what else is wrong with it.
        if matches!(item.draft, Draft::Location) {
            reasons.insert(0, LOCATION_REASON.into());
        }
        plan.items.push(ImportItem {
            kind: item.kind,
            name: item.name,
            action,
            reasons,
        });
    }
    // Teams outside the file that gain members through `memberOf` are updates too; they get
    // an item of their own so the report accounts for every write.
    for (team, added) in touched.into_values() {
        plan.items.push(ImportItem {
            kind: "Group".into(),
            name: team.input.slug.clone(),
            action: ImportAction::Update,
            reasons: vec![format!(
                "not in the import; adds the members whose memberOf names it: {}",
                added.join(", ")
            )],
        });
        plan.changes.teams.push(team);
    }
    plan
}

/// Create, update or unchanged, recording creates and updates in `changes`.
fn decide(draft: &Draft, current: &Catalog, changes: &mut Changes) -> ImportAction {
    fn act<T: PartialEq + Clone>(
        new: &Record<T>,
        old: Option<Record<T>>,
        changes: &mut Vec<Record<T>>,
    ) -> ImportAction {
        let action = match old {
            None => ImportAction::Create,
            Some(old) if &old == new => return ImportAction::Unchanged,
            Some(_) => ImportAction::Update,
        };
        changes.push(new.clone());
        action
    }
    match draft {
        Draft::Team(r) => {
            let old = current.teams.get(&r.input.slug).cloned().map(normal_team);
            act(r, old, &mut changes.teams)
        }
        Draft::Person(r, _) => {
            let old = current
                .people
                .get(&r.input.handle)
                .cloned()
                .map(normal_person);
            act(r, old, &mut changes.people)
        }
        Draft::Service(r) => {
            let old = current
                .services
                .get(&r.input.slug)
                .cloned()
                .map(normal_service);
            act(r, old, &mut changes.services)
        }
        Draft::Entity(e) => {
            let key = (e.kind.clone(), e.namespace.clone(), e.name.clone());
            let action = match current.entities.get(&key) {
                None => ImportAction::Create,
                Some(old) if old.body == e.body => return ImportAction::Unchanged,
                Some(_) => ImportAction::Update,
            };
            changes.entities.push(e.clone());
            action
        }
        // Locations are not stored; `Nothing` always carries reasons and never gets here.
        Draft::Location | Draft::Nothing => ImportAction::Unchanged,
    }
}

fn convert(head: Head, known: &Known) -> Item {
    let Head {
        kind,
        name,
        namespace,
        json,
        mut reasons,
    } = head;
    let draft = match (json, canonical_kind(&kind)) {
        (None, _) => Draft::Nothing,
        (Some(_), Some("Location")) => Draft::Location,
        (Some(json), Some(mapped)) => {
            let mut f = Fields::new(json);
            let draft = match mapped {
                "Group" => Draft::Team(Record {
                    input: team(&mut f, &name, known),
                    extra: Value::Null,
                }),
                "User" => {
                    let (input, teams) = person(&mut f, &name, known);
                    Draft::Person(
                        Record {
                            input,
                            extra: Value::Null,
                        },
                        teams,
                    )
                }
                _ => Draft::Service(Record {
                    input: service(&mut f, &name, known),
                    extra: Value::Null,
                }),
            };
            let (extra, problems) = f.finish(API_VERSION);
            reasons.extend(problems);
            with_extra(draft, extra, &mut reasons)
        }
        (Some(body), None) => Draft::Entity(Entity {
            kind: kind.clone(),
            namespace,
            name: name.clone(),
            body,
        }),
    };
    Item {
        kind,
        name,
        reasons,
        draft,
    }
}

/// Sets the leftover fields, validates the record and puts it in the form the store returns.
fn with_extra(draft: Draft, extra: Value, reasons: &mut Vec<String>) -> Draft {
    match draft {
        Draft::Team(r) => {
            reasons.extend(field_reasons("Group", validate_team(&r.input)));
            Draft::Team(normal_team(Record { extra, ..r }))
        }
        Draft::Person(r, teams) => {
            reasons.extend(field_reasons("User", validate_person(&r.input)));
            Draft::Person(normal_person(Record { extra, ..r }), teams)
        }
        Draft::Service(r) => {
            let mut errors = validate_service(&r.input);
            // Owners are empty only when spec.owner is missing, which is a reason already.
            errors.0.retain(|e| e.field != "owners");
            reasons.extend(field_reasons("Component", errors));
            Draft::Service(normal_service(Record { extra, ..r }))
        }
        other => other,
    }
}

/// Adds people to the teams their `memberOf` names. Teams in the import get them directly;
/// teams only in the catalog are returned as updates, with the handles added.
fn apply_memberships(
    items: &mut [Item],
    current: &Catalog,
) -> BTreeMap<String, (Record<TeamInput>, Vec<String>)> {
    let wanted: Vec<(String, String)> = items
        .iter()
        .filter_map(|i| match &i.draft {
            Draft::Person(r, teams) => Some((r.input.handle.clone(), teams.clone())),
            _ => None,
        })
        .flat_map(|(handle, teams)| teams.into_iter().map(move |t| (t, handle.clone())))
        .collect();
    let mut touched: BTreeMap<String, (Record<TeamInput>, Vec<String>)> = BTreeMap::new();
    for (team, handle) in wanted {
        let in_file = items.iter_mut().find_map(|i| match &mut i.draft {
            Draft::Team(r) if r.input.slug == team => Some(r),
            _ => None,
        });
        if let Some(r) = in_file {
            add_member(&mut r.input.members, &handle, TeamRole::Member);
        } else if let Some(existing) = current.teams.get(&team) {
            if existing.input.members.iter().all(|m| m.person != handle) {
                let (record, added) = touched
                    .entry(team)
                    .or_insert_with(|| (existing.clone(), Vec::new()));
                add_member(&mut record.input.members, &handle, TeamRole::Member);
                added.push(handle);
            }
        }
        // Otherwise the team is unknown, which `person` already gave as a reason.
    }
    for item in items.iter_mut() {
        if let Draft::Team(r) = &mut item.draft {
            r.input.members.sort_by(|a, b| a.person.cmp(&b.person));
        }
    }
    touched
        .into_iter()
        .map(|(slug, (record, added))| (slug, (normal_team(record), added)))
        .collect()
}

/// The store refuses parent cycles at write time; finding them here lets the plan say so.
fn check_parent_cycles(items: &mut [Item], current: &Catalog) {
    let mut parents: HashMap<String, Option<String>> = current
        .teams
        .iter()
        .map(|(slug, r)| (slug.clone(), r.input.parent.clone()))
        .collect();
    for item in items.iter() {
        if let Draft::Team(r) = &item.draft {
            parents.insert(r.input.slug.clone(), r.input.parent.clone());
        }
    }
    for item in items.iter_mut() {
        let Draft::Team(r) = &item.draft else {
            continue;
        };
        let start = &r.input.slug;
        let mut chain = vec![start.clone()];
        let mut at = parents.get(start).cloned().flatten();
        while let Some(p) = at {
            if chain.len() > parents.len() {
                break;
            }
            chain.push(p.clone());
            if &p == start {
                item.reasons.push(format!(
                    "spec.parent: team parents form a cycle: {}",
                    chain.join(" → ")
                ));
                break;
            }
            at = parents.get(&p).cloned().flatten();
        }
    }
}

/// Records in the form the store returns them, so that equal means unchanged.
fn normal_team(mut r: Record<TeamInput>) -> Record<TeamInput> {
    r.input.version = None;
    for m in &mut r.input.members {
        m.name = None;
    }
    r.input.members.sort_by(|a, b| a.person.cmp(&b.person));
    r.extra = normal_extra(r.extra);
    r
}

fn normal_person(mut r: Record<PersonInput>) -> Record<PersonInput> {
    r.input.version = None;
    r.extra = normal_extra(r.extra);
    r
}

fn normal_service(mut r: Record<ServiceInput>) -> Record<ServiceInput> {
    r.input.version = None;
    r.input.tags.sort();
    r.input.depends_on.sort();
    r.extra = normal_extra(r.extra);
    r
}

/// Records made outside an import may have no extra at all; that is the same as `{}`.
fn normal_extra(extra: Value) -> Value {
    match extra {
        Value::Null => Value::Object(Default::default()),
        other => other,
    }
}
