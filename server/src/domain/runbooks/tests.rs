use super::*;

fn facts(owners: &[&str], deps: &[&str], repo: Option<&str>, tier: i64) -> ServiceFacts {
    ServiceFacts::new(
        owners.iter().map(|s| s.to_string()).collect(),
        deps.iter().map(|s| s.to_string()).collect(),
        repo.map(String::from),
        tier,
    )
}

#[test]
fn markdown_renders_headings_lists_links_and_code() {
    let html = render("# Restart\n\n- drain\n- `kubectl rollout restart`\n\n[Grafana](https://grafana.example/d/1)");
    assert!(html.contains("<h1>Restart</h1>"), "{html}");
    assert!(
        html.contains("<li><code>kubectl rollout restart</code></li>"),
        "{html}"
    );
    assert!(
        html.contains("href=\"https://grafana.example/d/1\""),
        "{html}"
    );
    assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
}

#[test]
fn script_tags_come_out_as_text() {
    let html = render("before\n\n<script>alert('x')</script>\n\nafter <script>alert(1)</script>");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[test]
fn javascript_links_lose_their_target() {
    for md in [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(1))",
        "<javascript:alert(1)>",
        "[img](data:text/html;base64,PHNjcmlwdD4=)",
    ] {
        // The link's text may stay, as text; its target does not.
        let html = render(md).to_lowercase();
        assert!(!html.contains("href=\"javascript:"), "{md}: {html}");
        assert!(!html.contains("href=\"data:"), "{md}: {html}");
        assert!(!html.contains("src=\"data:"), "{md}: {html}");
    }
}

#[test]
fn event_handlers_and_raw_html_are_inert() {
    for md in [
        "<img src=x onerror=alert(1)>",
        "<div onclick=\"alert(1)\">hi</div>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "text <a href=\"javascript:alert(1)\">x</a> text",
        "<style>body{display:none}</style>",
    ] {
        let html = render(md);
        for bad in ["<img", "<div", "<iframe", "<a ", "<style"] {
            assert!(!html.contains(bad), "{md} rendered {html}");
        }
        // Shown as text (`&lt;img … onerror=…&gt;`), never as an element.
        assert!(html.contains("&lt;"), "{md} rendered {html}");
    }
    // Markdown images are kept, without handlers.
    let html = render("![graph](https://grafana.example/g.png \"t\")");
    assert!(
        html.contains("<img src=\"https://grafana.example/g.png\""),
        "{html}"
    );
}

#[test]
fn validation_names_each_field() {
    let mut input = RunbookInput {
        body: "x".repeat(MAX_BODY_BYTES + 1),
        failure_modes: vec![
            FailureMode {
                symptom: "Checkout 502s".into(),
                ..FailureMode::default()
            },
            FailureMode {
                symptom: "   ".into(),
                ..FailureMode::default()
            },
        ],
        links: vec![Link {
            title: "Logs".into(),
            url: "javascript:alert(1)".into(),
        }],
        note: None,
        version: None,
    };
    let fields: Vec<String> = validate(&input).0.into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["body", "failureModes.1.symptom", "links.0.url"]);
    input.body = "ok".into();
    input.failure_modes.pop();
    input.links[0].url = "https://logs.example/q".into();
    assert!(validate(&input).is_empty());
}

#[test]
fn normalizing_makes_a_browser_round_trip_equal() {
    let mut input = RunbookInput {
        body: "a\r\nb\r\n".into(),
        failure_modes: vec![FailureMode {
            symptom: " slow \r\n".into(),
            ..FailureMode::default()
        }],
        links: vec![Link {
            title: " Logs ".into(),
            url: " https://l.example ".into(),
        }],
        note: Some("  ".into()),
        version: Some(1),
    };
    normalize(&mut input);
    assert_eq!(input.body, "a\nb\n");
    assert_eq!(input.failure_modes[0].symptom, "slow");
    assert_eq!(input.links[0].url, "https://l.example");
    assert_eq!(input.note, None);
}

#[test]
fn diffs_are_by_line() {
    let d = diff_lines("a\nb\nc\n", "a\nB\nc\nd\n");
    let tags: Vec<(&str, &str)> = d
        .iter()
        .map(|l| (l.tag.as_str(), l.text.as_str()))
        .collect();
    assert_eq!(
        tags,
        [
            ("equal", "a"),
            ("delete", "b"),
            ("insert", "B"),
            ("equal", "c"),
            ("insert", "d")
        ]
    );
    let modes = failure_modes_text(&[FailureMode {
        symptom: "502s".into(),
        confirm: "check the LB\nand the logs".into(),
        mitigation: "restart".into(),
        escalate_to: "payments on call".into(),
    }]);
    assert_eq!(
        modes,
        "1. Symptom: 502s\n   Confirm     check the LB\n               and the logs\n   \
         Mitigation  restart\n   Escalate to payments on call\n"
    );
    assert_eq!(
        links_text(&[Link {
            title: "Logs".into(),
            url: "https://l.example".into()
        }]),
        "Logs <https://l.example>\n"
    );
}

#[test]
fn suspect_reasons_name_what_changed() {
    let then = facts(&["payments"], &["ledger"], Some("acme/pay"), 2);
    assert!(suspect_reasons(&then, &then.clone()).is_empty());
    // Order does not matter: the facts are sorted.
    let same = facts(&["payments"], &["ledger"], Some("acme/pay"), 2);
    assert_eq!(then, same);
    let now = facts(&["platform", "payments"], &[], None, 1);
    assert_eq!(
        suspect_reasons(&then, &now),
        [
            "owners changed: payments → payments, platform",
            "dependencies changed: ledger → (none)",
            "repository changed: acme/pay → (none)",
            "tier changed: 2 → 1",
        ]
    );
    let json = serde_json::to_string(&now).expect("json");
    assert_eq!(
        serde_json::from_str::<ServiceFacts>(&json).expect("back"),
        now
    );
}

#[test]
fn reviews_fall_due_by_tier() {
    let days = [90, 180, 365, 365];
    assert_eq!(review_interval(&days, 1), 90);
    assert_eq!(review_interval(&days, 2), 180);
    assert_eq!(review_interval(&days, 4), 365);
    let reviewed = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("instant")
        .with_timezone(&Utc);
    let (due, overdue) = review_due(reviewed, 90, reviewed + Duration::days(89));
    assert_eq!(due.to_rfc3339(), "2026-04-01T00:00:00+00:00");
    assert!(!overdue);
    assert!(review_due(reviewed, 90, reviewed + Duration::days(91)).1);
}

// The rules, on hand-made services.

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("instant")
        .with_timezone(&Utc)
}

fn ledger(tier: i64, runbook: Option<checks::RunbookFacts>) -> checks::ServiceFacts {
    checks::ServiceFacts {
        id: 1,
        slug: "ledger".into(),
        name: "Ledger".into(),
        tier,
        lifecycle: "production".into(),
        kind: "service".into(),
        repository: Some("acme/ledger".into()),
        owners: vec!["payments".into()],
        depends_on: vec!["vault".into()],
        runbook,
        ..checks::ServiceFacts::default()
    }
}

fn runbook_at(reviewed_at: &str, now: &str, modes: usize) -> checks::RunbookFacts {
    let reviewed_at = instant(reviewed_at);
    checks::RunbookFacts {
        reviewed_at,
        age_days: checks::RunbookFacts::age_days(reviewed_at, instant(now)),
        failure_modes: modes,
        reviewed: facts(&["payments"], &["vault"], Some("acme/ledger"), 1),
        incidents_since: Vec::new(),
    }
}

fn verdict(id: &str, s: &checks::ServiceFacts, now: &str) -> checks::Verdict {
    let def = checks::rule(id).expect("registered");
    let snap = checks::Snapshot::new(
        instant(now),
        vec![s.clone()],
        Default::default(),
        Default::default(),
    );
    checks::evaluate(def, &(def.defaults)(), &snap, s)
}

fn fails(v: &checks::Verdict) -> Vec<String> {
    match v {
        checks::Verdict::Outcomes(o) => o
            .iter()
            .map(|o| match o {
                Outcome::Fail { message, .. } => format!("fail: {message}"),
                Outcome::Soon { reason, .. } => format!("soon: {reason}"),
                other => format!("{other:?}"),
            })
            .collect(),
        other => vec![format!("{other:?}")],
    }
}

const NOW: &str = "2026-12-02T09:30:00Z";

#[test]
fn the_runbook_rules_are_registered_with_the_engine() {
    for id in [
        "runbook.exists",
        REVIEW_RULE,
        "runbook.suspect",
        "runbook.failure-modes",
    ] {
        let def = checks::rule(id).expect(id);
        assert_eq!(def.category, Category::Operations);
    }
    assert_eq!(
        (checks::rule(REVIEW_RULE).expect("review").defaults)().thresholds,
        Some([90, 180, 365, 365])
    );
}

#[test]
fn tier_one_and_two_need_a_runbook() {
    assert_eq!(
        fails(&verdict("runbook.exists", &ledger(1, None), NOW)),
        ["fail: a tier 1 service has no runbook"]
    );
    assert_eq!(
        verdict("runbook.exists", &ledger(3, None), NOW),
        checks::Verdict::NotApplicable
    );
    let mut experimental = ledger(1, None);
    experimental.lifecycle = "experimental".into();
    assert_eq!(
        verdict("runbook.exists", &experimental, NOW),
        checks::Verdict::NotApplicable
    );
    let with = ledger(2, Some(runbook_at("2026-11-01T00:00:00Z", NOW, 3)));
    assert!(fails(&verdict("runbook.exists", &with, NOW)).is_empty());
    // Without a runbook the other rules have nothing to say.
    for id in [REVIEW_RULE, "runbook.suspect", "runbook.failure-modes"] {
        assert_eq!(
            verdict(id, &ledger(1, None), NOW),
            checks::Verdict::NotApplicable,
            "{id}"
        );
    }
}

#[test]
fn a_review_falls_due_after_the_tier_interval_and_is_announced_before() {
    // Tier 1: 90 days. Reviewed 2026-09-01 → due 2026-11-30.
    let overdue = ledger(1, Some(runbook_at("2026-09-01T08:00:00Z", NOW, 3)));
    assert_eq!(
        fails(&verdict(REVIEW_RULE, &overdue, NOW)),
        ["fail: last reviewed 92 days ago (on 2026-09-01); tier 1 runbooks are reviewed every 90 days"]
    );
    // Within the last 14 days before it is due: fails soon.
    let soon = ledger(1, Some(runbook_at("2026-09-10T08:00:00Z", NOW, 3)));
    assert_eq!(
        fails(&verdict(REVIEW_RULE, &soon, NOW)),
        ["soon: the runbook's review is due on 2026-12-09"]
    );
    // The same age on tier 2 (180 days) passes.
    let tier2 = ledger(2, Some(runbook_at("2026-09-01T08:00:00Z", NOW, 3)));
    assert!(fails(&verdict(REVIEW_RULE, &tier2, NOW)).is_empty());
}

#[test]
fn age_counts_whole_days_to_the_top_of_the_hour() {
    let reviewed = instant("2026-11-02T09:10:00Z");
    // 09:30 counts from 09:00, which is 50 minutes short of 30 days.
    assert_eq!(
        checks::RunbookFacts::age_days(reviewed, instant("2026-12-02T09:30:00Z")),
        29
    );
    assert_eq!(
        checks::RunbookFacts::age_days(reviewed, instant("2026-12-02T10:00:00Z")),
        30
    );
    assert_eq!(checks::RunbookFacts::age_days(reviewed, reviewed), -1);
}

#[test]
fn a_runbook_is_suspect_when_the_service_changed_since_its_review() {
    let mut s = ledger(1, Some(runbook_at("2026-11-20T00:00:00Z", NOW, 3)));
    assert!(fails(&verdict("runbook.suspect", &s, NOW)).is_empty());
    s.owners = vec!["platform".into(), "payments".into()];
    s.depends_on.clear();
    assert_eq!(
        fails(&verdict("runbook.suspect", &s, NOW)),
        [
            "fail: the service changed since the runbook was last reviewed (2026-11-20): \
          owners changed: payments → payments, platform; dependencies changed: vault → (none)"
        ]
    );
}

#[test]
fn a_tier_one_runbook_names_three_failure_modes() {
    let two = ledger(1, Some(runbook_at("2026-11-20T00:00:00Z", NOW, 2)));
    assert_eq!(
        fails(&verdict("runbook.failure-modes", &two, NOW)),
        ["fail: the runbook lists 2 failure mode(s); a tier 1 runbook names at least 3"]
    );
    let three = ledger(1, Some(runbook_at("2026-11-20T00:00:00Z", NOW, 3)));
    assert!(fails(&verdict("runbook.failure-modes", &three, NOW)).is_empty());
    let tier2 = ledger(2, Some(runbook_at("2026-11-20T00:00:00Z", NOW, 0)));
    assert_eq!(
        verdict("runbook.failure-modes", &tier2, NOW),
        checks::Verdict::NotApplicable
    );
}

#[test]
fn an_incident_resolved_after_the_review_makes_it_suspect() {
    let mut s = ledger(1, Some(runbook_at("2026-11-20T00:00:00Z", NOW, 3)));
    if let Some(r) = &mut s.runbook {
        r.incidents_since = vec![
            ResolvedIncident {
                id: 7,
                severity: 2,
                resolved_at: instant("2026-11-25T10:00:00Z"),
            },
            // Resolved before the review: the review saw it.
            ResolvedIncident {
                id: 3,
                severity: 1,
                resolved_at: instant("2026-11-19T10:00:00Z"),
            },
        ];
    }
    assert_eq!(
        fails(&verdict("runbook.suspect", &s, NOW)),
        [
            "fail: the service changed since the runbook was last reviewed (2026-11-20): \
          incident 7 (SEV2) was resolved on 2026-11-25, after the last review"
        ]
    );
}
