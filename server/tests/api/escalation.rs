//! Escalation policies through the API: levels of schedules and people, a service pointing to
//! one, and who a page for the service reaches now, each schedule resolved at the minute its
//! level is notified.

use crate::both;
use crate::helpers::TestApp;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

both!(
    a_page_walks_the_services_policy_level_by_level,
    bad_policies_are_refused_and_change_nothing,
    policies_in_use_cannot_be_deleted,
);

fn fmt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A weekly schedule of the payments team in which `person` is on call all the time.
fn schedule(slug: &str, person: &str) -> Value {
    let start = (Utc::now() - Duration::days(3))
        .format("%Y-%m-%dT09:00")
        .to_string();
    json!({"slug": slug, "name": format!("{slug} rota"), "team": "payments",
        "timeZone": "Europe/London", "layers": [{"name": "Primary", "start": start,
        "turn": {"unit": "weeks", "length": 1}, "participants": [person]}]})
}

fn policy() -> Value {
    json!({"slug": "payments-escalation", "name": "Payments escalation", "team": "payments",
    "repeats": 2, "levels": [
        {"delayMinutes": 0, "targets": [{"schedule": "primary"}]},
        {"delayMinutes": 15, "targets": [{"person": "ada"}, {"schedule": "secondary"}]},
    ]})
}

/// `(level, afterMinutes, person, schedule)` of each responder.
fn responders(body: &Value) -> Vec<(i64, i64, String, String)> {
    body["responders"]
        .as_array()
        .expect("responders")
        .iter()
        .map(|r| {
            (
                r["level"].as_i64().expect("level"),
                r["afterMinutes"].as_i64().expect("after"),
                r["person"].as_str().unwrap_or("-").to_string(),
                r["schedule"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

fn row(level: i64, after: i64, person: &str, schedule: &str) -> (i64, i64, String, String) {
    (level, after, person.into(), schedule.into())
}

async fn a_page_walks_the_services_policy_level_by_level(app: TestApp) {
    app.seed().await;
    for body in [schedule("primary", "grace"), schedule("secondary", "ada")] {
        let r = app.post("/api/v1/schedules", &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    // Grace covers `secondary` from 10 minutes from now: the second level, notified 15
    // minutes after the page, reaches her there, not ada who is on it now.
    let now = Utc::now();
    let r = app
        .post(
            "/api/v1/schedules/secondary/overrides",
            &json!({"person": "grace", "start": fmt(now + Duration::minutes(10)),
                "end": fmt(now + Duration::hours(2))}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    let r = app.post("/api/v1/escalation-policies", &policy()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["services"], json!([]));
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["levels"][1]["targets"][0], json!({"person": "ada"}));

    let r = app
        .put(
            "/api/v1/services/ledger/escalation-policy",
            &json!({"policy": "payments-escalation"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["policy"], "payments-escalation");

    let r = app.get("/api/v1/services/ledger/oncall").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["policyName"], "Payments escalation");
    assert_eq!(r.body["repeats"], 2);
    assert_eq!(
        responders(&r.body),
        vec![
            row(1, 0, "grace", "primary"),
            row(2, 15, "ada", "-"),
            row(2, 15, "grace", "secondary"),
        ]
    );
    assert_eq!(r.body["responders"][0]["personName"], "GRACE");
    assert_eq!(r.body["responders"][0]["scheduleName"], "primary rota");
    assert_eq!(
        r.body["responders"][2]["until"],
        fmt(now + Duration::hours(2)),
        "grace's override ends in two hours"
    );
    // The owners' schedules, as on call now, are there too.
    let schedules: Vec<&str> = r.body["schedules"]
        .as_array()
        .expect("schedules")
        .iter()
        .map(|s| s["schedule"].as_str().expect("slug"))
        .collect();
    assert_eq!(schedules, ["primary", "secondary"]);

    let p = app
        .get("/api/v1/escalation-policies/payments-escalation")
        .await;
    assert_eq!(p.body["services"], json!(["ledger"]));
    let events = app
        .get("/api/v1/audit?subject=ledger&limit=5")
        .await
        .body
        .to_string();
    assert!(events.contains("service.escalation_policy"), "{events}");

    // Editing: a stale version is refused; the current one is taken.
    let mut edit = policy();
    edit["levels"] = json!([{"delayMinutes": 0, "targets": [{"person": "grace"}]}]);
    edit["version"] = json!(7);
    let r = app
        .put("/api/v1/escalation-policies/payments-escalation", &edit)
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    edit["version"] = json!(1);
    let r = app
        .put("/api/v1/escalation-policies/payments-escalation", &edit)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.get("/api/v1/services/ledger/oncall").await;
    assert_eq!(responders(&r.body), vec![row(1, 0, "grace", "-")]);

    // Pointing to none.
    let r = app
        .put(
            "/api/v1/services/ledger/escalation-policy",
            &json!({"policy": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["policy"].is_null());
    assert_eq!(r.body["responders"], json!([]));
}

async fn bad_policies_are_refused_and_change_nothing(app: TestApp) {
    app.seed().await;
    let r = app
        .post("/api/v1/schedules", &schedule("primary", "grace"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let bad = json!({"slug": "Bad Slug", "name": "", "team": "nope", "repeats": 10,
    "levels": [
        {"delayMinutes": 0, "targets": [{"schedule": "nope"}, {"person": "nobody"}]},
        {"delayMinutes": 0, "targets": [{"schedule": "primary", "person": "ada"}]},
        {"delayMinutes": 5, "targets": []},
    ]});
    let r = app.post("/api/v1/escalation-policies", &bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().expect("field"))
        .collect();
    for field in [
        "slug",
        "name",
        "team",
        "repeats",
        "levels.0.targets.0",
        "levels.0.targets.1",
        "levels.1.delayMinutes",
        "levels.1.targets.0",
        "levels.2.targets",
    ] {
        assert!(fields.contains(&field), "{field} missing in {fields:?}");
    }
    let r = app
        .post(
            "/api/v1/escalation-policies",
            &json!({"slug": "empty", "name": "Empty", "team": "payments", "levels": []}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(app.get("/api/v1/escalation-policies").await.body, json!([]));

    // A service cannot point to a policy that does not exist; nothing changes.
    let r = app
        .put(
            "/api/v1/services/ledger/escalation-policy",
            &json!({"policy": "nope"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"]["field"], "policy");
    let r = app
        .put(
            "/api/v1/services/nope/escalation-policy",
            &json!({"policy": null}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(
        app.get("/api/v1/escalation-policies/nope").await.status,
        404
    );
}

async fn policies_in_use_cannot_be_deleted(app: TestApp) {
    app.seed().await;
    let r = app
        .post("/api/v1/schedules", &schedule("primary", "grace"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post("/api/v1/schedules", &schedule("secondary", "ada"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        app.post("/api/v1/escalation-policies", &policy())
            .await
            .status,
        201
    );
    // A schedule a policy pages through stays.
    let r = app.delete("/api/v1/schedules/secondary").await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "in_use");
    assert_eq!(app.get("/api/v1/schedules/secondary").await.status, 200);

    let r = app
        .put(
            "/api/v1/services/ledger/escalation-policy",
            &json!({"policy": "payments-escalation"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .delete("/api/v1/escalation-policies/payments-escalation")
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("ledger"), "{}", r.text);
    let r = app.get("/api/v1/services/ledger/oncall").await;
    assert_eq!(r.body["policy"], "payments-escalation");

    // Once no service points to it, it goes, and then the schedule can go too.
    app.put(
        "/api/v1/services/ledger/escalation-policy",
        &json!({"policy": null}),
    )
    .await;
    let r = app
        .delete("/api/v1/escalation-policies/payments-escalation")
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(app.delete("/api/v1/schedules/secondary").await.status, 204);
}
