//! Incidents through the API: declaring with the on-call walk kept, milestones in order,
//! hand-overs, the timeline, who may change one, metrics as median and p90, and the runbook
//! that an incident makes suspect.

use crate::both;
use crate::helpers::{client, make_token, TestApp};
use serde_json::{json, Value};
use steward_server::domain::authz::{Role, Scope};

both!(
    a_declared_incident_keeps_who_was_on_call_and_hands_over_command,
    milestones_out_of_order_are_refused_and_nothing_is_stored,
    anyone_signed_in_declares_but_only_its_people_change_it,
    metrics_are_median_and_p90_per_service_team_and_window,
    a_resolved_incident_makes_the_runbook_suspect,
);

fn incident(title: &str, services: &[&str], commander: &str) -> Value {
    json!({"title": title, "severity": "SEV2", "services": services, "commander": commander})
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.store.pool)
        .await
        .expect("count")
}

async fn on_call_for_ledger(app: &TestApp) {
    let schedule = json!({"slug": "payments-oncall", "name": "Payments on call",
        "team": "payments", "timeZone": "Europe/Berlin", "layers": [{"name": "Primary",
        "start": "2026-03-02T09:00", "turn": {"unit": "weeks", "length": 1},
        "participants": ["grace"]}]});
    let r = app.post("/api/v1/schedules", &schedule).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let policy = json!({"slug": "payments-escalation", "name": "Payments escalation",
        "team": "payments", "repeats": 1,
        "levels": [{"delayMinutes": 0, "targets": [{"schedule": "payments-oncall"}]},
            {"delayMinutes": 10, "targets": [{"person": "ada"}]}]});
    let r = app.post("/api/v1/escalation-policies", &policy).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .put(
            "/api/v1/services/ledger/escalation-policy",
            &json!({"policy": "payments-escalation"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn a_declared_incident_keeps_who_was_on_call_and_hands_over_command(app: TestApp) {
    app.seed().await;
    on_call_for_ledger(&app).await;
    let mut body = incident("Checkout answers 502", &["ledger", "status-page"], "ada");
    body["investigators"] = json!(["grace"]);
    body["startedAt"] = json!("2026-12-01T09:55:00Z");
    body["detectedAt"] = json!("2026-12-01T10:00:00Z");
    let r = app.post("/api/v1/incidents", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let i = &r.body;
    let id = i["id"].as_i64().expect("id");
    assert_eq!(i["severity"], "SEV2");
    assert_eq!(i["status"], "investigating");
    assert_eq!(i["commander"], "ada");
    assert_eq!(i["commanderName"], "ADA");
    assert_eq!(i["investigators"], json!(["grace"]));
    assert_eq!(i["times"]["detectSecs"], 300);
    assert_eq!(i["declaredBy"], "admin");
    // Who a page reached at declaration: grace through the schedule, then ada.
    let ledger = &i["services"][0];
    assert_eq!(ledger["slug"], "ledger");
    assert_eq!(ledger["owners"], json!(["payments"]));
    let walk = &ledger["onCallAtDeclaration"];
    assert_eq!(walk["policy"], "payments-escalation");
    assert_eq!(walk["responders"][0]["person"], "grace");
    assert_eq!(walk["responders"][0]["schedule"], "payments-oncall");
    assert_eq!(walk["responders"][1]["person"], "ada");
    assert_eq!(
        i["services"][1]["onCallAtDeclaration"]["policy"],
        Value::Null
    );

    // The walk is kept as it was: the schedule changing later does not rewrite it.
    let r = app
        .put(
            "/api/v1/services/ledger/escalation-policy",
            &json!({"policy": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Hand-over, acknowledgement and mitigation in one change.
    let mut changed = body.clone();
    changed["commander"] = json!("grace");
    changed["investigators"] = json!(["ada"]);
    changed["acknowledgedAt"] = json!("2026-12-01T10:02:00Z");
    changed["status"] = json!("mitigated");
    changed["mitigatedAt"] = json!("2026-12-01T10:40:00Z");
    changed["version"] = json!(1);
    let r = app.put(&format!("/api/v1/incidents/{id}"), &changed).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let u = &r.body;
    assert_eq!(u["version"], 2);
    assert_eq!(u["commander"], "grace");
    assert_eq!(u["handovers"][0]["from"], "ada");
    assert_eq!(u["handovers"][0]["to"], "grace");
    assert_eq!(u["handovers"][0]["by"], "admin");
    assert_eq!(u["times"]["acknowledgeSecs"], 120);
    assert_eq!(u["times"]["mitigateSecs"], 45 * 60);
    assert_eq!(
        u["services"][0]["onCallAtDeclaration"]["responders"][0]["person"],
        "grace"
    );
    // A stale version is refused and changes nothing.
    let r = app.put(&format!("/api/v1/incidents/{id}"), &changed).await;
    assert_eq!(r.status, 409, "{}", r.text);

    let note = app
        .post(
            &format!("/api/v1/incidents/{id}/timeline"),
            &json!({"text": "  Rolled back 4.2.1  "}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.text);
    let t = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
    assert_eq!(t.status, 200, "{}", t.text);
    let lines: Vec<String> = t
        .body
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["kind"].as_str().unwrap_or(""),
                e["text"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            "declared: SEV2 declared, ada commanding",
            "handover: command handed over: ada → grace",
            "status: status: investigating → mitigated",
            "milestone: acknowledgedAt set to 2026-12-01T10:02:00Z",
            "milestone: mitigatedAt set to 2026-12-01T10:40:00Z",
            "note: Rolled back 4.2.1",
        ]
    );
    let empty = app
        .post(
            &format!("/api/v1/incidents/{id}/timeline"),
            &json!({"text": " "}),
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.text);
    assert_eq!(empty.body["error"]["details"][0]["field"], "text");
    assert_eq!(app.get("/api/v1/incidents/999").await.status, 404);
    let audit = count(
        &app,
        "select count(*) from audit_events where action like 'incident.%'",
    )
    .await;
    assert_eq!(audit, 3);
}

async fn milestones_out_of_order_are_refused_and_nothing_is_stored(app: TestApp) {
    app.seed().await;
    let mut body = incident("Search is slow", &["ledger"], "ada");
    body["detectedAt"] = json!("2026-12-01T10:00:00Z");
    body["acknowledgedAt"] = json!("2026-12-01T09:00:00Z");
    let r = app.post("/api/v1/incidents", &body).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields = &r.body["error"]["details"];
    assert_eq!(fields[0]["field"], "acknowledgedAt", "{}", r.text);
    assert!(
        fields[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("must not be before detectedAt")),
        "{}",
        r.text
    );

    let bad = json!({"title": "", "severity": "P1", "services": ["nope"], "commander": "nobody",
        "investigators": ["ada", "ghost"], "resolvedAt": "2099-01-01T00:00:00Z"});
    let r = app.post("/api/v1/incidents", &bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let named: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(named, ["title", "severity", "resolvedAt"], "{}", r.text);
    // The names are checked against the catalog once the shape is right.
    let unknown = json!({"title": "Down", "severity": "SEV1", "services": ["ledger", "nope"],
        "commander": "nobody", "investigators": ["ada", "ghost"]});
    let r = app.post("/api/v1/incidents", &unknown).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.body["error"]["details"][0]["field"], "services.1",
        "{}",
        r.text
    );
    let mut no_commander = unknown.clone();
    no_commander["services"] = json!(["ledger"]);
    let r = app.post("/api/v1/incidents", &no_commander).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let named: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(named, ["commander", "investigators.1"], "{}", r.text);
    for table in [
        "incidents",
        "incident_services",
        "incident_events",
        "incident_investigators",
    ] {
        assert_eq!(
            count(&app, &format!("select count(*) from {table}")).await,
            0,
            "{table}"
        );
    }

    // An update out of order is refused the same way and leaves the incident as it was.
    let mut ok = incident("Search is slow", &["ledger"], "ada");
    ok["detectedAt"] = json!("2026-12-01T10:00:00Z");
    let created = app.post("/api/v1/incidents", &ok).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["id"].as_i64().expect("id");
    let mut late = ok.clone();
    late["version"] = json!(1);
    late["startedAt"] = json!("2026-12-01T11:00:00Z");
    let r = app.put(&format!("/api/v1/incidents/{id}"), &late).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"]["details"][0]["field"], "detectedAt");
    let after = app.get(&format!("/api/v1/incidents/{id}")).await.body;
    assert_eq!(after["version"], 1);
    assert_eq!(after["startedAt"], Value::Null);
}

async fn anyone_signed_in_declares_but_only_its_people_change_it(app: TestApp) {
    app.seed().await;
    let r = app
        .post(
            "/api/v1/people",
            &json!({"handle": "vic", "name": "Vic", "timeZone": "UTC"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let viewer = client(Some(
        &make_token(&app.store, "vic", Role::Viewer, Scope::Write, None).await,
    ));
    let r = app
        .call(
            &viewer,
            "POST",
            "/api/v1/incidents",
            Some(&incident("Ledger down", &["ledger"], "vic")),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mine = r.body["id"].as_i64().expect("id");
    // The commander may change it, viewer or not.
    let mut body = incident("Ledger down hard", &["ledger"], "vic");
    body["version"] = json!(1);
    body["detectedAt"] = r.body["detectedAt"].clone();
    let r = app
        .call(
            &viewer,
            "PUT",
            &format!("/api/v1/incidents/{mine}"),
            Some(&body),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // An incident someone else commands: refused, with the reason, and nothing changes.
    let theirs = app
        .post(
            "/api/v1/incidents",
            &incident("Status page stale", &["status-page"], "ada"),
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.text);
    let id = theirs.body["id"].as_i64().expect("id");
    let before = count(&app, "select count(*) from incident_events").await;
    let r = app
        .call(
            &viewer,
            "POST",
            &format!("/api/v1/incidents/{id}/timeline"),
            Some(&json!({"text": "me too"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.text.contains("viewers may not change anything"),
        "{}",
        r.text
    );
    assert_eq!(
        count(&app, "select count(*) from incident_events").await,
        before
    );
    let anonymous = client(None);
    let r = app
        .call(
            &anonymous,
            "POST",
            "/api/v1/incidents",
            Some(&incident("x", &["ledger"], "ada")),
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
}

async fn declare_at(app: &TestApp, services: &[&str], times: [&str; 5]) {
    let mut body = incident("Timed", services, "ada");
    for (name, t) in [
        "startedAt",
        "detectedAt",
        "acknowledgedAt",
        "mitigatedAt",
        "resolvedAt",
    ]
    .iter()
    .zip(times)
    {
        if !t.is_empty() {
            body[*name] = json!(t);
        }
    }
    let r = app.post("/api/v1/incidents", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn metrics_are_median_and_p90_per_service_team_and_window(app: TestApp) {
    app.seed().await;
    // Ledger (payments): acknowledged after 1, 2, 3 and 10 minutes.
    for (day, ack) in [("01", "01"), ("02", "02"), ("03", "03"), ("04", "10")] {
        declare_at(
            &app,
            &["ledger"],
            [
                "",
                &format!("2026-11-{day}T10:00:00Z"),
                &format!("2026-11-{day}T10:{ack}:00Z"),
                &format!("2026-11-{day}T10:30:00Z"),
                &format!("2026-11-{day}T12:00:00Z"),
            ],
        )
        .await;
    }
    // Status page (platform only): one slow acknowledgement, not resolved.
    declare_at(
        &app,
        &["status-page"],
        [
            "2026-11-05T09:00:00Z",
            "2026-11-05T10:00:00Z",
            "2026-11-05T11:00:00Z",
            "",
            "",
        ],
    )
    .await;
    let m = app.get("/api/v1/incidents/metrics?service=ledger").await;
    assert_eq!(m.status, 200, "{}", m.text);
    assert_eq!(m.body["incidents"], 4);
    assert_eq!(m.body["acknowledge"]["count"], 4);
    assert_eq!(m.body["acknowledge"]["medianSecs"], 150.0);
    let p90 = m.body["acknowledge"]["p90Secs"].as_f64().expect("p90");
    // Ranks 60, 120, 180, 600 s: 0.9 × 3 = 2.7, so 180 + 0.7 × 420.
    assert!((p90 - 474.0).abs() < 1e-6, "{p90}");
    assert_eq!(m.body["resolve"]["medianSecs"], 7200.0);
    assert_eq!(m.body["detect"]["count"], 0);
    assert_eq!(m.body["detect"]["medianSecs"], Value::Null);

    // Platform owns status-page and (with payments) payments-api, not ledger.
    let platform = app
        .get("/api/v1/incidents/metrics?team=platform")
        .await
        .body;
    assert_eq!(platform["incidents"], 1);
    assert_eq!(platform["detect"]["medianSecs"], 3600.0);
    assert_eq!(platform["resolve"]["count"], 0);
    let payments = app
        .get("/api/v1/incidents/metrics?team=payments")
        .await
        .body;
    assert_eq!(payments["incidents"], 4);
    // A window: detected on 2 and 3 November.
    let window = app
        .get("/api/v1/incidents/metrics?from=2026-11-02&to=2026-11-04")
        .await
        .body;
    assert_eq!(window["incidents"], 2);
    assert_eq!(window["acknowledge"]["medianSecs"], 150.0);
    let bad = app.get("/api/v1/incidents/metrics?from=last-week").await;
    assert_eq!(bad.status, 422, "{}", bad.text);

    let list = app.get("/api/v1/incidents?status=open").await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["total"], 1);
    assert_eq!(list.body["items"][0]["services"], json!(["status-page"]));
    let all = app.get("/api/v1/incidents?limit=2").await.body;
    assert_eq!(all["total"], 5);
    assert_eq!(all["items"][0]["detectedAt"], "2026-11-05T10:00:00Z");
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
}

/// The `runbook.suspect` line of ledger's scorecard, checked now.
async fn check(app: &TestApp) -> Value {
    let r = app
        .post("/api/v1/services/ledger/scorecard/check", &json!(null))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["rule"] == "runbook.suspect")
        .cloned()
        .expect("runbook.suspect")
}

async fn a_resolved_incident_makes_the_runbook_suspect(app: TestApp) {
    app.seed().await;
    let runbook = json!({"body": "# Ledger", "failureModes": [
        {"symptom": "502s"}, {"symptom": "slow"}, {"symptom": "stale balances"}]});
    let r = app.put("/api/v1/services/ledger/runbook", &runbook).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Reviewed an hour ago.
    let hour_ago = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    sqlx::query("update runbooks set reviewed_at = $1")
        .bind(hour_ago)
        .execute(&app.store.pool)
        .await
        .expect("an earlier review");
    app.store.forget_snapshot();
    assert_eq!(check(&app).await["status"], "pass");
    // Open: not yet a reason.
    let r = app
        .post(
            "/api/v1/incidents",
            &incident("Ledger 502", &["ledger"], "ada"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().expect("id");
    assert_eq!(check(&app).await["status"], "pass");
    let mut resolved = incident("Ledger 502", &["ledger"], "ada");
    resolved["detectedAt"] = r.body["detectedAt"].clone();
    resolved["status"] = json!("resolved");
    resolved["version"] = json!(1);
    let r = app.put(&format!("/api/v1/incidents/{id}"), &resolved).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["resolvedAt"].is_string(), "{}", r.text);
    let rule = check(&app).await;
    assert_eq!(rule["status"], "fail", "{rule}");
    let message = rule["findings"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains(&format!("incident {id} (SEV2) was resolved on")),
        "{message}"
    );
    let runbook = app.get("/api/v1/services/ledger/runbook").await.body;
    assert_eq!(runbook["suspect"], true);
    // A review after it clears it.
    let r = app
        .post("/api/v1/services/ledger/runbook/review", &json!(null))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["suspect"], false, "{}", r.text);
    assert_eq!(check(&app).await["status"], "pass");
}
