use super::*;

fn at(text: &str) -> DateTime<Utc> {
    parse(text).expect("instant")
}

const NOW: &str = "2026-12-02T15:00:00Z";

fn input() -> IncidentInput {
    IncidentInput {
        title: "Checkout answers 502".into(),
        severity: "sev2".into(),
        services: vec!["ledger".into(), " ledger ".into(), "payments-api".into()],
        commander: " ada.lovelace ".into(),
        investigators: vec!["grace".into(), "grace".into(), "".into()],
        milestones: Milestones {
            started_at: Some("2026-12-02T13:55:00Z".into()),
            detected_at: Some("2026-12-02T14:00:00Z".into()),
            acknowledged_at: Some("2026-12-02T14:03:30Z".into()),
            mitigated_at: Some(" ".into()),
            resolved_at: None,
        },
        ..IncidentInput::default()
    }
}

fn fields_of(e: Errors) -> Vec<String> {
    e.0.into_iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect()
}

#[test]
fn a_declaration_is_normalised_and_checked() {
    let mut i = input();
    normalize(&mut i);
    assert_eq!(i.severity, "SEV2");
    assert_eq!(i.services, ["ledger", "payments-api"]);
    assert_eq!(i.investigators, ["grace"]);
    assert_eq!(i.commander, "ada.lovelace");
    assert_eq!(i.milestones.mitigated_at, None);
    let c = check(&i, at(NOW)).expect("valid");
    assert_eq!(c.severity, 2);
    assert_eq!(c.status, "investigating");
    assert_eq!(c.times[2], Some(at("2026-12-02T14:03:30Z")));
    let t = response_times(&c.times);
    assert_eq!(t.detect_secs, Some(300));
    assert_eq!(t.acknowledge_secs, Some(210));
    assert_eq!(t.mitigate_secs, None);
}

#[test]
fn detection_defaults_to_the_declaration_and_resolving_stamps_the_time() {
    let mut i = input();
    i.milestones = Milestones::default();
    i.status = Some("resolved".into());
    normalize(&mut i);
    let c = check(&i, at(NOW)).expect("valid");
    assert_eq!(c.times[1], Some(at(NOW)));
    assert_eq!(c.times[4], Some(at(NOW)));
    assert_eq!(c.status, "resolved");
    // A resolvedAt with no status means resolved.
    let mut i = input();
    i.milestones.resolved_at = Some("2026-12-02T14:30:00Z".into());
    normalize(&mut i);
    assert_eq!(check(&i, at(NOW)).expect("valid").status, "resolved");
}

#[test]
fn milestones_out_of_order_are_refused_with_the_field_named() {
    let mut i = input();
    i.milestones.acknowledged_at = Some("2026-12-02T13:59:00Z".into());
    i.milestones.resolved_at = Some("2026-12-02T13:00:00Z".into());
    normalize(&mut i);
    assert_eq!(
        fields_of(check(&i, at(NOW)).expect_err("out of order")),
        [
            "acknowledgedAt: must not be before detectedAt (2026-12-02T14:00:00Z): milestones go \
             started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved",
            "resolvedAt: must not be before acknowledgedAt (2026-12-02T13:59:00Z): milestones go \
             started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved",
        ]
    );
}

#[test]
fn every_bad_field_is_named() {
    let i = IncidentInput {
        severity: "P1".into(),
        status: Some("on fire".into()),
        milestones: Milestones {
            detected_at: Some("yesterday".into()),
            mitigated_at: Some("2027-01-01T00:00:00Z".into()),
            ..Milestones::default()
        },
        ..IncidentInput::default()
    };
    let fields: Vec<String> = check(&i, at(NOW))
        .expect_err("invalid")
        .0
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "title",
            "severity",
            "services",
            "commander",
            "detectedAt",
            "mitigatedAt",
            "status"
        ]
    );
}

#[test]
fn a_resolved_time_with_an_open_status_is_refused() {
    let mut i = input();
    i.status = Some("identified".into());
    i.milestones.resolved_at = Some("2026-12-02T14:30:00Z".into());
    normalize(&mut i);
    let e = fields_of(check(&i, at(NOW)).expect_err("contradiction"));
    assert_eq!(
        e,
        ["status: is 'identified' but the incident has a resolvedAt: clear it to reopen"]
    );
}

#[test]
fn mitigation_and_resolution_count_from_the_start_of_impact() {
    let t: Times = [
        Some(at("2026-12-02T10:00:00Z")),
        Some(at("2026-12-02T10:10:00Z")),
        None,
        Some(at("2026-12-02T10:40:00Z")),
        Some(at("2026-12-02T12:00:00Z")),
    ];
    let r = response_times(&t);
    assert_eq!(r.detect_secs, Some(600));
    assert_eq!(r.acknowledge_secs, None);
    assert_eq!(r.mitigate_secs, Some(2400));
    assert_eq!(r.resolve_secs, Some(7200));
    // Without a start, from detection.
    let t: Times = [None, t[1], None, t[3], None];
    assert_eq!(response_times(&t).mitigate_secs, Some(1800));
}

#[test]
fn median_and_p90_interpolate_between_ranks() {
    assert_eq!(quantile(&[], 0.5), None);
    assert_eq!(quantile(&[7], 0.9), Some(7.0));
    assert_eq!(quantile(&[1, 2, 3, 10], 0.5), Some(2.5));
    let s = spread((1..=10).rev().collect());
    assert_eq!(s.count, 10);
    assert_eq!(s.median_secs, Some(5.5));
    assert!((s.p90_secs.expect("p90") - 9.1).abs() < 1e-9, "{s:?}");
    // One very long incident moves the p90, not the median.
    let s = spread(vec![60, 60, 60, 60, 60, 60, 60, 60, 60, 86_400]);
    assert_eq!(s.median_secs, Some(60.0));
    assert!(s.p90_secs.expect("p90") > 60.0);
}
