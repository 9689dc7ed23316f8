use super::*;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("instant")
        .with_timezone(&Utc)
}

const NOW: &str = "2026-12-02T15:00:00Z";

fn input(tier: &str) -> FixInput {
    FixInput {
        tier: tier.into(),
        service: "ledger".into(),
        title: "Restart the ledger pods hourly".into(),
        ..FixInput::default()
    }
}

fn fields(e: Errors) -> Vec<String> {
    e.0.into_iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect()
}

#[test]
fn a_short_term_fix_expires_in_fourteen_days_by_default() {
    let mut i = input(" Short-Term ");
    normalize(&mut i);
    let c = check(&i, at(NOW), (None, None)).expect("valid");
    assert_eq!(c.tier, "short-term");
    assert_eq!(c.applied_at, Some(at(NOW)));
    assert_eq!(c.expires_at, Some(at("2026-12-16T15:00:00Z")));
    assert_eq!(c.state, "open");
}

#[test]
fn an_expiry_in_the_past_is_refused_when_set_but_not_when_sent_back() {
    let mut i = input("short-term");
    i.applied_at = Some("2026-11-01T10:00:00Z".into());
    i.expires_at = Some("2026-11-20T10:00:00Z".into());
    assert_eq!(
        fields(check(&i, at(NOW), (None, None)).expect_err("past")),
        ["expiresAt: must be in the future: a dirty fix gets a date by which it is gone"]
    );
    // The stored expiry, sent back unchanged with an edit, stands: it is what the rule flags.
    assert!(check(&i, at(NOW), (Some("2026-11-20T10:00:00Z"), None)).is_ok());
    i.expires_at = Some("2026-10-01T10:00:00Z".into());
    assert_eq!(
        fields(
            check(&i, at(NOW), (Some("2026-10-01T10:00:00Z"), None)).expect_err("before applied")
        ),
        ["expiresAt: must be after appliedAt"]
    );
}

#[test]
fn each_tier_asks_for_its_own_fields() {
    let proper = input("proper");
    assert_eq!(
        fields(check(&proper, at(NOW), (None, None)).expect_err("no due date")),
        ["dueAt: a proper fix needs a due date"]
    );
    let mut future = input("future");
    future.expires_at = Some("2027-01-01T00:00:00Z".into());
    let named: Vec<String> = check(&future, at(NOW), (None, None))
        .expect_err("no context")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        named,
        ["description", "whyItMatters", "direction", "expiresAt"]
    );
    let mut short = input("short-term");
    short.due_at = Some("2027-01-01T00:00:00Z".into());
    short.retires = Some(3);
    let named: Vec<String> = check(&short, at(NOW), (None, None))
        .expect_err("wrong fields")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(named, ["dueAt", "retires"]);
    let mut not_doing = input("future");
    not_doing.state = Some("not-doing".into());
    let named: Vec<String> = check(&not_doing, at(NOW), (None, None))
        .expect_err("no reason")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(named[0], "reason");
    let bad = FixInput {
        tier: "later".into(),
        ..FixInput::default()
    };
    let named: Vec<String> = check(&bad, at(NOW), (None, None))
        .expect_err("bad")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(named, ["tier", "service", "title"]);
}

fn service(fixes: Vec<FixFacts>, repository: Option<&str>) -> checks::ServiceFacts {
    checks::ServiceFacts {
        id: 1,
        slug: "ledger".into(),
        tier: 1,
        lifecycle: "production".into(),
        kind: "service".into(),
        repository: repository.map(String::from),
        fixes,
        ..checks::ServiceFacts::default()
    }
}

fn outcomes(id: &str, s: &checks::ServiceFacts) -> Vec<String> {
    let def = checks::rule(id).expect("registered");
    let snap = checks::Snapshot::new(
        at(NOW),
        vec![s.clone()],
        Default::default(),
        Default::default(),
    );
    match checks::evaluate(def, &(def.defaults)(), &snap, s) {
        checks::Verdict::Outcomes(o) => o
            .iter()
            .map(|o| match o {
                Outcome::Fail {
                    subject, message, ..
                } => format!("fail {subject}: {message}"),
                Outcome::Soon {
                    subject, reason, ..
                } => format!("soon {subject}: {reason}"),
                other => format!("{other:?}"),
            })
            .collect(),
        other => vec![format!("{other:?}")],
    }
}

fn open_fix(id: i64, tier: &'static str, date: &str, has_issue: bool) -> FixFacts {
    FixFacts {
        id,
        tier,
        title: format!("fix {id}"),
        date: at(date),
        phase: if tier == "future" {
            if at(date) <= at(NOW) {
                Phase::Late
            } else {
                Phase::Fine
            }
        } else {
            Phase::of(at(date), at(NOW))
        },
        has_issue,
    }
}

#[test]
fn a_dirty_fix_past_its_expiry_fails_and_one_expiring_soon_warns() {
    let s = service(
        vec![
            open_fix(1, "short-term", "2026-11-30T00:00:00Z", false),
            open_fix(2, "short-term", "2026-12-10T00:00:00Z", false),
            open_fix(3, "short-term", "2027-02-01T00:00:00Z", false),
            open_fix(4, "proper", "2026-12-01T00:00:00Z", false),
        ],
        None,
    );
    assert_eq!(
        outcomes("fix.short-term-expired", &s),
        [
            "fail 1: short-term fix 1 “fix 1” expired on 2026-11-30 and no proper fix has retired it",
            "soon 2: short-term fix 2 expires on 2026-12-10",
        ]
    );
    assert_eq!(
        outcomes("fix.proper-overdue", &s),
        ["fail 4: proper fix 4 “fix 4” was due on 2026-12-01"]
    );
}

#[test]
fn a_future_fix_is_filed_on_github_within_a_week_where_there_is_a_repository() {
    let fixes = vec![
        open_fix(5, "future", "2026-12-01T00:00:00Z", false),
        open_fix(6, "future", "2026-12-01T00:00:00Z", true),
        open_fix(7, "future", "2026-12-05T00:00:00Z", false),
    ];
    assert_eq!(
        outcomes(
            "fix.future-filed",
            &service(fixes.clone(), Some("acme/ledger"))
        ),
        ["fail 5: future fix 5 “fix 5” has no GitHub issue 7 days after it was recorded"]
    );
    assert_eq!(
        outcomes("fix.future-filed", &service(fixes, None)),
        ["NotApplicable"]
    );
}

#[test]
fn a_serious_incident_without_a_fix_fails_after_the_grace_days() {
    let mut s = service(Vec::new(), None);
    let incident = |id, day: &str| UnfixedIncident {
        id,
        severity: 1,
        resolved_at: at(day),
    };
    s.unfixed_incidents = vec![
        (incident(8, "2026-11-25T10:00:00Z"), 7),
        (incident(9, "2026-12-01T10:00:00Z"), 1),
    ];
    assert_eq!(
        outcomes("incident.fix-recorded", &s),
        [
            "fail 8: incident 8 (SEV1) was resolved on 2026-11-25 and has no fix recorded",
            "soon 9: incident 9 has no fix recorded yet",
        ]
    );
}
