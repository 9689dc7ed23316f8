//! The built-in rules on hand-made snapshots.

use super::*;
use chrono::{Duration, TimeZone};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0)
        .single()
        .expect("instant")
}

fn service(slug: &str) -> ServiceFacts {
    ServiceFacts {
        id: 1,
        slug: slug.into(),
        name: slug.into(),
        description: Some("Moves money between ledgers".into()),
        tier: 1,
        lifecycle: "production".into(),
        kind: "service".into(),
        repository: Some("acme/ledger".into()),
        owners: vec!["payments".into()],
        depends_on: Vec::new(),
        escalation_policy: Some(PolicyFacts {
            slug: "payments-escalation".into(),
            schedules: vec!["payments-oncall".into()],
        }),
        cycle: None,
        runbook: Some(RunbookFacts {
            reviewed_at: now() - Duration::days(10),
            age_days: 10,
            failure_modes: 3,
            reviewed: crate::domain::runbooks::ServiceFacts::new(
                vec!["payments".into()],
                Vec::new(),
                Some("acme/ledger".into()),
                1,
            ),
            incidents_since: Vec::new(),
        }),
        fixes: Vec::new(),
        unfixed_incidents: Vec::new(),
        deps: Some(crate::domain::deps::rules::DepsFacts {
            synced_at: now() - Duration::days(1),
            synced_days: 1,
            packages: 240,
            pending: 0,
            osv_unchecked: 0,
            libyear_direct_centi: 180,
            breaking: Vec::new(),
            yanked: Vec::new(),
            pulse: vec![("crates.io:serde".into(), 20)],
            vulnerable: Vec::new(),
            unmaintained: Vec::new(),
        }),
    }
}

fn team(slug: &str, members: &[(&str, bool, bool)]) -> (String, TeamFacts) {
    (
        slug.into(),
        TeamFacts {
            slug: slug.into(),
            members: members
                .iter()
                .map(|(h, lead, active)| MemberFacts {
                    handle: h.to_string(),
                    lead: *lead,
                    active: *active,
                })
                .collect(),
        },
    )
}

fn covered(gaps: Vec<(DateTime<Utc>, DateTime<Utc>)>, load: &[(&str, i64)]) -> ScheduleFacts {
    ScheduleFacts {
        slug: "payments-oncall".into(),
        computed: Ok(Coverage {
            gaps,
            load_bp: load.iter().map(|(p, bp)| (p.to_string(), *bp)).collect(),
        }),
    }
}

fn snapshot(services: Vec<ServiceFacts>, schedule: ScheduleFacts) -> Snapshot {
    Snapshot::new(
        now(),
        services,
        [team(
            "payments",
            &[("ada.lovelace", true, true), ("grace", false, true)],
        )]
        .into_iter()
        .collect(),
        [(schedule.slug.clone(), schedule)].into_iter().collect(),
    )
}

/// The failing subjects of rule `id` for the first service.
fn run(id: &str, snap: &Snapshot) -> Verdict {
    let def = rule(id).expect("rule");
    evaluate(def, &(def.defaults)(), snap, &snap.services[0])
}

fn subjects(v: &Verdict) -> Vec<String> {
    match v {
        Verdict::Outcomes(o) => o
            .iter()
            .filter_map(|o| match o {
                Outcome::Fail { subject, .. } => Some(format!("fail:{subject}")),
                Outcome::Unknown { subject, .. } => Some(format!("unknown:{subject}")),
                Outcome::Soon { subject, .. } => Some(format!("soon:{subject}")),
                Outcome::NotApplicable => None,
            })
            .collect(),
        other => vec![format!("{other:?}")],
    }
}

#[test]
fn a_well_kept_service_passes_every_rule() {
    let snap = snapshot(
        vec![service("ledger")],
        covered(vec![], &[("ada.lovelace", 2400)]),
    );
    for def in registry() {
        assert_eq!(
            subjects(&run(def.id, &snap)),
            Vec::<String>::new(),
            "{}",
            def.id
        );
    }
}

#[test]
fn ownership_rules_name_the_team_at_fault() {
    let mut s = service("ledger");
    s.owners = vec!["payments".into(), "ghost-team".into()];
    let mut snap = snapshot(vec![s], covered(vec![], &[]));
    assert_eq!(
        subjects(&run("ownership.owner", &snap)),
        ["fail:ghost-team"]
    );
    Arc::make_mut(&mut snap.teams).insert(
        "payments".into(),
        team("payments", &[("ada", false, false)]).1,
    );
    assert_eq!(
        subjects(&run("ownership.team-lead", &snap)),
        ["fail:payments"]
    );
    assert_eq!(
        subjects(&run("ownership.active-members", &snap)),
        ["fail:payments"]
    );
    assert!(subjects(&run("ownership.team-members", &snap)).is_empty());
    Arc::make_mut(&mut snap.teams).insert("payments".into(), team("payments", &[]).1);
    assert_eq!(
        subjects(&run("ownership.team-members", &snap)),
        ["fail:payments"]
    );
    // An empty team has not "departed": that is the members rule's failure, not this one's.
    assert!(subjects(&run("ownership.active-members", &snap)).is_empty());
    Arc::make_mut(&mut snap.services)[0].owners.clear();
    assert_eq!(subjects(&run("ownership.owner", &snap)), ["fail:-"]);
}

#[test]
fn escalation_is_required_of_tier_one_and_two_but_not_of_experiments() {
    let mut s = service("ledger");
    s.escalation_policy = None;
    let mut snap = snapshot(vec![s], covered(vec![], &[]));
    assert_eq!(
        subjects(&run("oncall.escalation-policy", &snap)),
        ["fail:-"]
    );
    // Without a policy the schedule rules have nothing to look at.
    assert_eq!(run("oncall.schedule-gaps", &snap), Verdict::NotApplicable);
    Arc::make_mut(&mut snap.services)[0].tier = 3;
    assert_eq!(
        run("oncall.escalation-policy", &snap),
        Verdict::NotApplicable
    );
    Arc::make_mut(&mut snap.services)[0].tier = 1;
    Arc::make_mut(&mut snap.services)[0].lifecycle = "experimental".into();
    assert_eq!(
        run("oncall.escalation-policy", &snap),
        Verdict::NotApplicable
    );
}

#[test]
fn a_gap_within_the_threshold_fails_and_one_just_beyond_fails_soon() {
    let gap = |days: i64| {
        (
            now() + Duration::days(days),
            now() + Duration::days(days) + Duration::hours(8),
        )
    };
    let snap = snapshot(vec![service("ledger")], covered(vec![gap(3)], &[]));
    assert_eq!(
        subjects(&run("oncall.schedule-gaps", &snap)),
        ["fail:payments-oncall"]
    );
    let snap = snapshot(vec![service("ledger")], covered(vec![gap(20)], &[]));
    match run("oncall.schedule-gaps", &snap) {
        Verdict::Outcomes(o) => match &o[..] {
            [Outcome::Soon { at, .. }] => assert_eq!(*at, now() + Duration::days(6)),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    // Tier 3 looks 7 days ahead by default: a gap in 10 days is only "soon".
    let mut s = service("ledger");
    s.tier = 3;
    let snap = snapshot(vec![s], covered(vec![gap(10)], &[]));
    assert_eq!(
        subjects(&run("oncall.schedule-gaps", &snap)),
        ["soon:payments-oncall"]
    );
    let gone = snapshot(vec![service("ledger")], covered(vec![gap(40)], &[]));
    assert!(subjects(&run("oncall.schedule-gaps", &gone)).is_empty());
}

#[test]
fn a_schedule_that_cannot_be_computed_is_unknown_not_a_pass() {
    let broken = ScheduleFacts {
        slug: "payments-oncall".into(),
        computed: Err("layer 1 names an unknown zone".into()),
    };
    let snap = snapshot(vec![service("ledger")], broken);
    assert_eq!(
        subjects(&run("oncall.schedule-gaps", &snap)),
        ["unknown:payments-oncall"]
    );
    assert_eq!(
        subjects(&run("oncall.load", &snap)),
        ["unknown:payments-oncall"]
    );
}

#[test]
fn over_the_line_is_over_and_on_it_is_not() {
    let snap = snapshot(
        vec![service("ledger")],
        covered(vec![], &[("ada.lovelace", 2500), ("grace", 2501)]),
    );
    assert_eq!(
        subjects(&run("oncall.load", &snap)),
        ["fail:payments-oncall/grace"]
    );
}

#[test]
fn catalog_hygiene() {
    let mut s = service("ledger");
    s.description = Some("  ledger  ".into());
    s.repository = Some(" ".into());
    s.depends_on = vec!["old-db".into(), "fresh-db".into()];
    s.cycle = Some(vec!["ledger".into(), "fx".into(), "ledger".into()]);
    let mut old = service("old-db");
    old.lifecycle = "deprecated".into();
    let snap = snapshot(vec![s, old, service("fresh-db")], covered(vec![], &[]));
    assert_eq!(subjects(&run("catalog.description", &snap)), ["fail:-"]);
    assert_eq!(subjects(&run("catalog.repository", &snap)), ["fail:-"]);
    assert_eq!(
        subjects(&run("catalog.deprecated-dependency", &snap)),
        ["fail:old-db"]
    );
    match run("catalog.dependency-cycle", &snap) {
        Verdict::Outcomes(o) => match &o[..] {
            [Outcome::Fail { message, .. }] => assert!(message.contains("ledger → fx → ledger")),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn disabled_rules_and_panicking_rules() {
    let snap = snapshot(vec![service("ledger")], covered(vec![], &[]));
    let def = rule("catalog.description").expect("rule");
    let mut off = (def.defaults)();
    off.enabled = false;
    assert_eq!(
        evaluate(def, &off, &snap, &snap.services[0]),
        Verdict::Disabled
    );
    let boom = RuleDef {
        eval: |_, s| panic!("cannot read {}", s.slug),
        ..*def
    };
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let v = evaluate(&boom, &(def.defaults)(), &snap, &snap.services[0]);
    std::panic::set_hook(quiet);
    assert_eq!(v, Verdict::Error("cannot read ledger".into()));
}

#[test]
fn the_facts_hash_follows_what_the_rules_read() {
    let snap = snapshot(vec![service("ledger"), service("fx")], covered(vec![], &[]));
    let base = facts_hash(&snap, &snap.services[0], 7);
    assert_eq!(base, facts_hash(&snap, &snap.services[0], 7));
    assert_ne!(base, facts_hash(&snap, &snap.services[0], 8));
    let mut changed = snap.clone();
    Arc::make_mut(&mut changed.teams).insert("payments".into(), team("payments", &[]).1);
    assert_ne!(base, facts_hash(&changed, &changed.services[0], 7));
    // Another service's description is not something ledger's rules read.
    let mut other = snap.clone();
    Arc::make_mut(&mut other.services)[1].description = None;
    assert_eq!(base, facts_hash(&other, &other.services[0], 7));
}
