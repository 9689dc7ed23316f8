// A failed unwrap is a failed test, with the value in the message; that is what tests want.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::domain::records::{Catalog, Changes, Record};
use serde_json::json;
use steward_app::api::{
    ImportAction::{self, Create, Rejected, Unchanged, Update},
    Lifecycle, Member, PersonInput, ServiceInput, ServiceKind, TeamInput, TeamRole,
};

/// A catalog-info.yaml with every kind Steward meets, the way real repositories write them.
const NORTHWIND: &str = r##"
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: northwind
spec:
  targets: [./more/catalog-info.yaml]
---
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata:
  name: payments
spec:
  owner: payments
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: checkout
  description: Everything between the basket and the receipt.
spec:
  owner: group:default/payments
  domain: payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: platform
  annotations:
    steward.dev/chat-channel: "#platform"
spec:
  type: team
  profile:
    displayName: Platform
  children: [payments]
  members: [jweber]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  description: Card and wallet payments.
  labels:
    cost-center: cc-42
  annotations:
    steward.dev/leads: mobrien
    slack.com/channel-id: C0123
spec:
  type: squad
  parent: group:default/platform
  profile: { displayName: Payments, email: payments@northwind.example, picture: "https://img.example/p.png" }
  children: []
  members: [user:default/mobrien]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: mobrien
  annotations:
    steward.dev/time-zone: Europe/Dublin
    github.com/user-login: maeveob
spec:
  profile: { displayName: Maeve O'Brien, email: mobrien@northwind.example }
  memberOf: [payments]
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: jweber
  annotations:
    steward.dev/active: "false"
spec:
  profile: { displayName: Jonas Weber }
  memberOf: [group:platform, group:default/payments]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  title: Payments API
  description: Takes card payments.
  tags: [rust, pci]
  links:
    - url: https://wiki.northwind.example/payments
      title: Runbook
      icon: docs
    - url: https://grafana.northwind.example/d/pay
  annotations:
    steward.dev/tier: "1"
    steward.dev/co-owners: platform
    github.com/project-slug: northwind/payments-api
    pagerduty.com/service-id: PZ4K8QM
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  lifecycle: production
  owner: payments
  system: system:default/checkout
  dependsOn: [component:default/ledger-sync, resource:default/payments-db]
  providesApis: [payments-api]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger-sync
spec:
  type: cronjob
  lifecycle: experimental
  owner: group:payments
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: payments
  definition: |
    openapi: 3.0.0
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: payments-db
spec:
  type: database
  owner: payments
---
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: rust-service
spec:
  owner: platform
  type: service
  steps: []
---
apiVersion: example.com/v1
kind: MyCustomKind
metadata:
  name: Odd.Name_1
  namespace: labs
spec:
  anything: { goes: [1, 2] }
"##;

fn docs(yaml: &str) -> Vec<Document> {
    parse(yaml, "catalog-info.yaml").unwrap()
}

fn actions(plan: &Plan) -> Vec<(&str, &str, ImportAction)> {
    plan.items
        .iter()
        .map(|i| (i.kind.as_str(), i.name.as_str(), i.action))
        .collect()
}

/// What the store does with a plan: create or replace each record by key.
fn apply(mut cat: Catalog, changes: &Changes) -> Catalog {
    for r in &changes.people {
        cat.people.insert(r.input.handle.clone(), r.clone());
    }
    for r in &changes.teams {
        cat.teams.insert(r.input.slug.clone(), r.clone());
    }
    for r in &changes.services {
        cat.services.insert(r.input.slug.clone(), r.clone());
    }
    for e in &changes.entities {
        let key = (e.kind.clone(), e.namespace.clone(), e.name.clone());
        cat.entities.insert(key, e.clone());
    }
    cat
}

fn imported() -> Catalog {
    let plan = plan(&docs(NORTHWIND), &Catalog::default());
    apply(Catalog::default(), &plan.changes)
}

/// A small existing catalog for the rejection tests.
fn existing() -> Catalog {
    let mut cat = Catalog::default();
    let team = TeamInput {
        slug: "team-a".into(),
        name: "Team A".into(),
        members: vec![Member {
            person: "alice".into(),
            role: TeamRole::Lead,
            name: None,
        }],
        ..Default::default()
    };
    cat.teams.insert("team-a".into(), Record::new(team));
    let alice = PersonInput {
        handle: "alice".into(),
        name: "Alice".into(),
        email: None,
        time_zone: "UTC".into(),
        github_login: None,
        active: true,
        version: None,
    };
    cat.people.insert("alice".into(), Record::new(alice));
    cat
}

fn component(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n{spec}\n"
    )
}

/// The reasons of the only item of a one-entity import against `existing()`.
fn reasons(yaml: &str) -> Vec<String> {
    let plan = plan(&docs(yaml), &existing());
    assert_eq!(plan.items.len(), 1, "{:?}", plan.items);
    assert_eq!(plan.items[0].action, Rejected, "{:?}", plan.items[0]);
    plan.items[0].reasons.clone()
}

#[test]
fn a_realistic_file_is_planned_entity_by_entity() {
    let plan = plan(&docs(NORTHWIND), &Catalog::default());
    assert_eq!(
        actions(&plan),
        [
            ("Location", "northwind", Unchanged),
            ("Domain", "payments", Create),
            ("System", "checkout", Create),
            ("Group", "platform", Create),
            ("Group", "payments", Create),
            ("User", "mobrien", Create),
            ("User", "jweber", Create),
            ("Component", "payments-api", Create),
            ("Component", "ledger-sync", Create),
            ("API", "payments-api", Create),
            ("Resource", "payments-db", Create),
            ("Template", "rust-service", Create),
            ("MyCustomKind", "Odd.Name_1", Create),
        ]
    );
    assert_eq!(
        plan.items[0].reasons,
        ["Location targets are followed by `steward import` on the command line"]
    );
    let c = &plan.changes;
    assert_eq!(
        (
            c.teams.len(),
            c.people.len(),
            c.services.len(),
            c.entities.len()
        ),
        (2, 2, 2, 6)
    );
}

#[test]
fn groups_users_and_components_map_to_records() {
    let cat = imported();
    let payments = &cat.teams["payments"];
    assert_eq!(payments.input.name, "Payments");
    assert_eq!(payments.input.parent.as_deref(), Some("platform"));
    assert_eq!(
        payments.input.email.as_deref(),
        Some("payments@northwind.example")
    );
    // mobrien from spec.members and the leads annotation, jweber from memberOf.
    let members: Vec<_> = payments
        .input
        .members
        .iter()
        .map(|m| (m.person.as_str(), m.role))
        .collect();
    assert_eq!(
        members,
        [("jweber", TeamRole::Member), ("mobrien", TeamRole::Lead)]
    );
    assert_eq!(
        payments.extra,
        json!({
            "metadata": { "labels": { "cost-center": "cc-42" },
                          "annotations": { "slack.com/channel-id": "C0123" } },
            "spec": { "type": "squad", "profile": { "picture": "https://img.example/p.png" } },
        })
    );
    let platform = &cat.teams["platform"];
    assert_eq!(platform.input.chat_channel.as_deref(), Some("#platform"));
    assert_eq!(
        platform.extra,
        json!({}),
        "type: team and children are not kept"
    );

    let maeve = &cat.people["mobrien"].input;
    assert_eq!(maeve.time_zone, "Europe/Dublin");
    assert_eq!(maeve.github_login.as_deref(), Some("maeveob"));
    assert!(maeve.active);
    let jonas = &cat.people["jweber"].input;
    assert_eq!((jonas.time_zone.as_str(), jonas.active), ("UTC", false));

    let api = &cat.services["payments-api"];
    let s = &api.input;
    assert_eq!(
        (s.name.as_str(), s.tier, s.kind, s.lifecycle),
        (
            "Payments API",
            1,
            ServiceKind::Service,
            Lifecycle::Production
        )
    );
    assert_eq!(s.owners, ["payments", "platform"]);
    assert_eq!(s.system.as_deref(), Some("checkout"));
    assert_eq!(s.repository.as_deref(), Some("northwind/payments-api"));
    assert_eq!(s.tags, ["pci", "rust"]);
    assert_eq!(s.depends_on, ["ledger-sync"]);
    assert_eq!(
        s.links[1].title, "https://grafana.northwind.example/d/pay",
        "title defaults to the url"
    );
    assert_eq!(
        api.extra,
        json!({
            "metadata": { "links": [{ "url": "https://wiki.northwind.example/payments", "icon": "docs" }] },
            "spec": { "dependsOn": ["resource:default/payments-db"], "providesApis": ["payments-api"] },
        })
    );
    let ledger = &cat.services["ledger-sync"];
    assert_eq!(
        (ledger.input.kind, ledger.input.tier),
        (ServiceKind::Job, 3)
    );
    assert_eq!(ledger.extra, json!({ "spec": { "type": "cronjob" } }));
}

#[test]
fn annotations_are_kept_except_the_ones_steward_reads() {
    let cat = imported();
    let annotations: Vec<_> = cat.services["payments-api"]
        .input
        .annotations
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        annotations,
        ["backstage.io/techdocs-ref", "pagerduty.com/service-id"]
    );
}

#[test]
fn unknown_kinds_are_kept_as_given() {
    let cat = imported();
    let key = (
        "MyCustomKind".to_string(),
        "labs".to_string(),
        "Odd.Name_1".to_string(),
    );
    let body = &cat.entities[&key].body;
    assert_eq!(body["apiVersion"], "example.com/v1");
    assert_eq!(body["spec"], json!({ "anything": { "goes": [1, 2] } }));

    let changed = NORTHWIND.replace("goes: [1, 2]", "goes: [1, 2, 3]");
    let plan = plan(&docs(&changed), &cat);
    let custom = plan
        .items
        .iter()
        .find(|i| i.kind == "MyCustomKind")
        .unwrap();
    assert_eq!(custom.action, Update);
    assert_eq!(plan.changes.entities.len(), 1);
}

#[test]
fn importing_the_same_file_again_changes_nothing() {
    let cat = imported();
    let plan = plan(&docs(NORTHWIND), &cat);
    assert!(
        plan.items.iter().all(|i| i.action == Unchanged),
        "{:?}",
        plan.items
    );
    assert!(plan.changes.is_empty());
}

#[test]
fn owner_shorthands_name_a_team() {
    for owner in ["team-a", "group:team-a", "group:default/team-a"] {
        let yaml = component(
            "svc",
            &format!("  type: website\n  lifecycle: deprecated\n  owner: {owner}"),
        );
        let plan = plan(&docs(&yaml), &existing());
        assert_eq!(
            actions(&plan),
            [("Component", "svc", Create)],
            "{owner}: {:?}",
            plan.items
        );
        assert_eq!(plan.changes.services[0].input.owners, ["team-a"]);
    }
}

#[test]
fn every_problem_of_an_entity_is_a_reason() {
    let yaml = component(
        "svc",
        "  type: daemon\n  lifecycle: beta\n  owner: group:default/nobody\n  dependsOn: [component:default/nope]",
    )
    .replace("metadata:\n", "metadata:\n  annotations: { steward.dev/tier: \"7\" }\n");
    assert_eq!(
        reasons(&yaml),
        [
            "spec.type 'daemon' is not supported: use service, website, library or job (cronjob and batch are read as job)",
            "spec.lifecycle 'beta' is not supported: use experimental, production or deprecated",
            "owner 'group:default/nobody' is not a team in the catalog or the import",
            "annotation steward.dev/tier: '7' must be 1, 2, 3 or 4",
            "dependency 'component:default/nope' is not a service in the catalog or the import",
        ]
    );
}

#[test]
fn user_owners_are_rejected() {
    let yaml = component(
        "svc",
        "  type: service\n  lifecycle: production\n  owner: user:default/alice",
    );
    assert_eq!(
        reasons(&yaml),
        ["owner 'user:default/alice' is a user: Steward services are owned by teams, use a group"]
    );
}

#[test]
fn names_must_be_slugs() {
    let yaml = component(
        "Payments_API",
        "  type: service\n  lifecycle: production\n  owner: team-a",
    );
    let r = reasons(&yaml);
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(
        r[0].starts_with("metadata.name: 'Payments_API' is not a valid slug"),
        "{r:?}"
    );
}

#[test]
fn an_entity_defined_twice_is_rejected_the_second_time() {
    let one = component(
        "svc",
        "  type: service\n  lifecycle: production\n  owner: team-a",
    );
    let plan = plan(&docs(&format!("{one}---\n{one}")), &existing());
    assert_eq!(
        actions(&plan),
        [("Component", "svc", Create), ("Component", "svc", Rejected)]
    );
    assert_eq!(
        plan.items[1].reasons,
        ["Component 'svc' is defined twice in the import (first in catalog-info.yaml, document 1)"]
    );
}

#[test]
fn missing_identity_is_rejected() {
    assert_eq!(
        reasons("apiVersion: v1\nmetadata: { name: x1 }"),
        ["kind is required"]
    );
    assert_eq!(
        reasons("kind: System\nmetadata: {}"),
        ["apiVersion is required", "metadata.name is required"]
    );
    assert_eq!(
        reasons("- just\n- a list"),
        ["catalog-info.yaml, document 1: not a mapping, so not an entity"]
    );
}

#[test]
fn bad_yaml_names_the_source_and_line() {
    let err = parse("kind: Group\nmetadata:\n  name: [unclosed\n", "teams.yaml").unwrap_err();
    assert!(err.starts_with("teams.yaml: invalid YAML: "), "{err}");
    assert!(err.contains("line 4"), "{err}");
}

#[test]
fn empty_documents_are_skipped() {
    let parsed = docs("---\n---\nkind: A\n---\n# only a comment\n---\nkind: B\n");
    let kinds: Vec<_> = parsed
        .iter()
        .map(|d| (d.index, d.value["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [(1, "A"), (3, "B")],
        "indexes count the skipped documents"
    );
}

#[test]
fn member_of_adds_people_to_teams_already_in_the_catalog() {
    let yaml = "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: { name: bob }\nspec: { memberOf: [team-a] }\n";
    let bob = plan(&docs(yaml), &existing());
    assert_eq!(
        actions(&bob),
        [("User", "bob", Create), ("Group", "team-a", Update)]
    );
    let members: Vec<_> = bob.changes.teams[0]
        .input
        .members
        .iter()
        .map(|m| (m.person.as_str(), m.role))
        .collect();
    assert_eq!(
        members,
        [("alice", TeamRole::Lead), ("bob", TeamRole::Member)]
    );

    // Alice is already in team-a: nothing to update.
    let yaml = yaml.replace("bob", "alice");
    let again = plan(&docs(&yaml), &existing());
    assert_eq!(actions(&again), [("User", "alice", Update)]);
}

#[test]
fn member_of_an_unknown_team_rejects_the_user() {
    let yaml = "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: { name: bob }\nspec: { memberOf: [group:default/ghosts] }\n";
    assert_eq!(
        reasons(yaml),
        ["memberOf 'group:default/ghosts' is not a team in the catalog or the import"]
    );
}

#[test]
fn team_parent_cycles_are_rejected() {
    let group = |name: &str, parent: &str| {
        format!("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{ name: {name} }}\nspec: {{ parent: {parent} }}\n")
    };
    let yaml = format!("{}---\n{}", group("one", "two"), group("two", "one"));
    let plan = plan(&docs(&yaml), &Catalog::default());
    assert_eq!(
        plan.items[0].reasons,
        ["spec.parent: team parents form a cycle: one → two → one"]
    );
    assert_eq!(plan.items[1].action, Rejected);
}

fn assert_round_trip(cat: &Catalog) {
    let yaml = export(cat);
    assert_eq!(export(cat), yaml, "export is deterministic");
    let docs = parse(&yaml, "export.yaml").unwrap();
    let fresh = plan(&docs, &Catalog::default());
    let odd: Vec<_> = fresh.items.iter().filter(|i| i.action != Create).collect();
    assert!(odd.is_empty(), "{odd:?}");
    let rebuilt = apply(Catalog::default(), &fresh.changes);
    for (slug, team) in &cat.teams {
        assert_eq!(&rebuilt.teams[slug], team);
    }
    for (handle, person) in &cat.people {
        assert_eq!(&rebuilt.people[handle], person);
    }
    for (slug, service) in &cat.services {
        assert_eq!(&rebuilt.services[slug], service);
    }
    assert_eq!(&rebuilt, cat);

    let again = plan(&docs, cat);
    let odd: Vec<_> = again
        .items
        .iter()
        .filter(|i| i.action != Unchanged)
        .collect();
    assert!(odd.is_empty(), "{odd:?}");
    assert!(again.changes.is_empty());
}

#[test]
fn export_round_trips_an_imported_catalog() {
    assert_round_trip(&imported());
}

#[test]
fn export_round_trips_the_demo_catalog() {
    let demo = crate::demo::catalog();
    let mut cat = Catalog::default();
    // In the form the store returns records: members, tags and dependencies sorted.
    for mut t in demo.teams {
        t.members.sort_by(|a, b| a.person.cmp(&b.person));
        cat.teams.insert(t.slug.clone(), Record::new(t));
    }
    for p in demo.people {
        cat.people.insert(p.handle.clone(), Record::new(p));
    }
    for mut s in demo.services {
        s.tags.sort();
        s.depends_on.sort();
        cat.services.insert(s.slug.clone(), Record::new(s));
    }
    assert_round_trip(&cat);
}

#[test]
fn export_writes_backstage_entities() {
    let yaml = export(&imported());
    let first = yaml.split("---\n").nth(1).unwrap();
    assert!(
        first.starts_with("apiVersion: backstage.io/v1alpha1\nkind: API\n"),
        "{first}"
    );
    let docs = docs(&yaml);
    let payments_api = docs
        .iter()
        .find(|d| d.value["kind"] == "Component" && d.value["metadata"]["name"] == "payments-api")
        .unwrap();
    let v = serde_json::to_value(&payments_api.value).unwrap();
    assert_eq!(v["spec"]["owner"], "group:default/payments");
    assert_eq!(v["metadata"]["annotations"]["steward.dev/tier"], "1");
    assert_eq!(
        v["metadata"]["annotations"]["steward.dev/co-owners"],
        "platform"
    );
    assert_eq!(
        v["spec"]["dependsOn"],
        json!([
            "component:default/ledger-sync",
            "resource:default/payments-db"
        ])
    );
    assert_eq!(
        v["metadata"]["links"][0],
        json!({ "url": "https://wiki.northwind.example/payments", "title": "Runbook", "icon": "docs" })
    );
}

#[test]
fn service_inputs_survive_unusual_values() {
    // An unquoted tier and a lead who is only named in the annotation.
    let yaml = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-b\n  annotations: { steward.dev/leads: \"alice, \" }\n---\n"
        .to_string()
        + &component("svc", "  type: library\n  lifecycle: production\n  owner: team-b")
            .replace("metadata:\n", "metadata:\n  annotations: { steward.dev/tier: 2 }\n");
    let plan = plan(&docs(&yaml), &existing());
    assert_eq!(
        actions(&plan),
        [("Group", "team-b", Create), ("Component", "svc", Create)]
    );
    assert_eq!(plan.changes.teams[0].input.members[0].role, TeamRole::Lead);
    let s: &ServiceInput = &plan.changes.services[0].input;
    assert_eq!((s.tier, s.kind), (2, ServiceKind::Library));
}

#[test]
fn group_references_must_resolve() {
    let yaml = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-b\n  \
                annotations: { steward.dev/leads: carol }\n\
                spec: { parent: group:default/nowhere, members: [alice, user:default/dave] }\n";
    assert_eq!(
        reasons(yaml),
        [
            "parent 'group:default/nowhere' is not a team in the catalog or the import",
            "member 'user:default/dave' is not a person in the catalog or the import",
            "lead 'carol' is not a person in the catalog or the import",
        ]
    );
}
