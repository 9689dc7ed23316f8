//! On-call through the API: schedules and their computed timelines (DST included), overrides,
//! previews that store nothing, participant changes that keep the past and the current turn,
//! and who is on call now for a team and a service.

use crate::both;
use crate::helpers::TestApp;
use serde_json::{json, Value};

both!(
    a_daily_rotation_follows_the_local_clock_across_dst,
    overrides_win_and_can_be_removed,
    bad_schedules_are_refused_field_by_field,
    previews_store_nothing_and_participant_changes_keep_the_past,
    on_call_now_for_teams_and_services,
    a_persons_shifts_span_schedules_on_their_own_clock,
);

fn schedule(slug: &str, start: &str, turn: Value, participants: &[&str]) -> Value {
    json!({
        "slug": slug,
        "name": format!("{slug} schedule"),
        "team": "payments",
        "timeZone": "America/New_York",
        "layers": [{
            "name": "Primary",
            "start": start,
            "turn": turn,
            "participants": participants,
        }],
    })
}

/// `(person or "gap", start, end)` of the final row.
fn final_row(timeline: &Value) -> Vec<(String, String, String)> {
    timeline["final"]
        .as_array()
        .expect("final")
        .iter()
        .map(|s| {
            (
                s["person"].as_str().unwrap_or("gap").to_string(),
                s["start"].as_str().expect("start").to_string(),
                s["end"].as_str().expect("end").to_string(),
            )
        })
        .collect()
}

fn row(items: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    items
        .iter()
        .map(|(p, s, e)| (p.to_string(), s.to_string(), e.to_string()))
        .collect()
}

async fn audit_total(app: &TestApp) -> i64 {
    app.get("/api/v1/audit?limit=1").await.body["total"]
        .as_i64()
        .expect("total")
}

async fn a_daily_rotation_follows_the_local_clock_across_dst(app: TestApp) {
    app.seed().await;
    let body = schedule(
        "payments-primary",
        "2026-03-02T09:00",
        json!({"unit": "days", "length": 1}),
        &["ada", "grace"],
    );
    let r = app.post("/api/v1/schedules", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.body["layers"][0]["rotations"][0]["from"],
        "2026-03-02T14:00:00Z"
    );
    assert_eq!(r.body["layers"][0]["participants"], json!(["ada", "grace"]));

    // New York springs forward on 2026-03-08: the turn that starts on the 7th at 09:00 EST
    // lasts 23 hours and hands off at 09:00 EDT.
    let t = app
        .get("/api/v1/schedules/payments-primary/timeline?from=2026-03-07&to=2026-03-10")
        .await;
    assert_eq!(t.status, 200, "{}", t.text);
    assert_eq!(
        final_row(&t.body),
        row(&[
            ("ada", "2026-03-07T00:00:00Z", "2026-03-07T14:00:00Z"),
            ("grace", "2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z"),
            ("ada", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z"),
            ("grace", "2026-03-09T13:00:00Z", "2026-03-10T00:00:00Z"),
        ])
    );
    assert_eq!(t.body["final"][1]["startLocal"], "2026-03-07 09:00");
    assert_eq!(t.body["final"][1]["endLocal"], "2026-03-08 09:00");
    assert_eq!(t.body["gapSeconds"], 0);
    assert_eq!(t.body["days"][0]["label"], "Sat 7 Mar");
    assert_eq!(t.body["days"][0]["at"], "2026-03-07T05:00:00Z");
    // And falls back on 2026-11-01: a 25-hour turn.
    let t = app
        .get("/api/v1/schedules/payments-primary/timeline?from=2026-10-31T13:00:00Z&to=2026-11-02T15:00:00Z")
        .await;
    let f = final_row(&t.body);
    assert_eq!(f[0].1, "2026-10-31T13:00:00Z");
    assert_eq!(
        f[1].1, "2026-11-01T14:00:00Z",
        "09:00 EDT, then 09:00 EST: 25 hours"
    );
    // Before the first handoff nobody is on call: a gap.
    let t = app
        .get("/api/v1/schedules/payments-primary/timeline?from=2026-03-01&to=2026-03-03")
        .await;
    assert_eq!(
        final_row(&t.body)[0],
        (
            "gap".into(),
            "2026-03-01T00:00:00Z".into(),
            "2026-03-02T14:00:00Z".into()
        )
    );
    assert_eq!(t.body["gapSeconds"], 38 * 3600);

    let list = app.get("/api/v1/schedules?team=payments").await;
    assert_eq!(list.body.as_array().expect("list").len(), 1);
    assert_eq!(
        app.get("/api/v1/schedules?team=platform").await.body,
        json!([])
    );
    let events = app.get("/api/v1/audit?subjectType=schedule").await;
    assert_eq!(events.body["items"][0]["action"], "schedule.create");
}

async fn overrides_win_and_can_be_removed(app: TestApp) {
    app.seed().await;
    let body = schedule(
        "primary",
        "2026-03-02T09:00",
        json!({"unit": "days", "length": 1}),
        &["ada", "grace"],
    );
    assert_eq!(app.post("/api/v1/schedules", &body).await.status, 201);
    let r = app
        .post(
            "/api/v1/schedules/primary/overrides",
            &json!({"person": "grace", "start": "2026-03-08T15:00:00Z",
                "end": "2026-03-08T17:00:00Z", "note": "dentist swap"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().expect("id");
    assert_eq!(r.body["createdBy"], "admin");
    let window = "from=2026-03-08T13:00:00Z&to=2026-03-09T13:00:00Z";
    let t = app
        .get(&format!("/api/v1/schedules/primary/timeline?{window}"))
        .await;
    assert_eq!(
        final_row(&t.body),
        row(&[
            ("ada", "2026-03-08T13:00:00Z", "2026-03-08T15:00:00Z"),
            ("grace", "2026-03-08T15:00:00Z", "2026-03-08T17:00:00Z"),
            ("ada", "2026-03-08T17:00:00Z", "2026-03-09T13:00:00Z"),
        ])
    );
    assert_eq!(t.body["final"][1]["source"], "override");
    assert_eq!(t.body["final"][1]["overrideId"], id);
    // The layer row is unchanged by the override.
    assert_eq!(
        t.body["layers"][0]["segments"]
            .as_array()
            .expect("row")
            .len(),
        1
    );
    let listed = app
        .get(&format!("/api/v1/schedules/primary/overrides?{window}"))
        .await;
    assert_eq!(listed.body[0]["note"], "dentist swap");

    // Bad overrides change nothing.
    let before = audit_total(&app).await;
    for (body, field) in [
        (
            json!({"person": "nobody", "start": "2026-03-08T15:00:00Z", "end": "2026-03-08T17:00:00Z"}),
            "person",
        ),
        (
            json!({"person": "ada", "start": "2026-03-08T17:00:00Z", "end": "2026-03-08T15:00:00Z"}),
            "end",
        ),
        (
            json!({"person": "ada", "start": "tomorrow", "end": "2026-03-08T15:00:00Z"}),
            "start",
        ),
    ] {
        let r = app.post("/api/v1/schedules/primary/overrides", &body).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.body["error"]["field"], field, "{}", r.text);
    }
    assert_eq!(audit_total(&app).await, before);
    assert_eq!(
        app.post(
            "/api/v1/schedules/nope/overrides",
            &json!({"person": "ada",
            "start": "2026-03-08T15:00:00Z", "end": "2026-03-08T17:00:00Z"})
        )
        .await
        .status,
        404
    );

    let r = app
        .delete(&format!("/api/v1/schedules/primary/overrides/{id}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let t = app
        .get(&format!("/api/v1/schedules/primary/timeline?{window}"))
        .await;
    assert_eq!(
        final_row(&t.body),
        row(&[("ada", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z")])
    );
    assert_eq!(
        app.delete(&format!("/api/v1/schedules/primary/overrides/{id}"))
            .await
            .status,
        404
    );
    let actions: Vec<String> = app.get("/api/v1/audit?subject=primary").await.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        actions,
        ["override.delete", "override.create", "schedule.create"]
    );
}

async fn bad_schedules_are_refused_field_by_field(app: TestApp) {
    app.seed().await;
    let mut body = schedule(
        "bad",
        "next monday",
        json!({"unit": "fortnights", "length": 1}),
        &["ada", "nobody"],
    );
    body["timeZone"] = json!("Mars/Olympus");
    body["layers"][0]["restrictions"] =
        json!([{"weekdays": ["someday"], "from": "09:00", "to": "17:00"}]);
    let r = app.post("/api/v1/schedules", &body).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["field"].as_str())
        .collect();
    for field in [
        "timeZone",
        "layers.0.start",
        "layers.0.turn.unit",
        "layers.0.restrictions.0.weekdays",
        "layers.0.participants.1",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    let mut body = schedule(
        "ok",
        "2026-03-02T09:00",
        json!({"unit": "weeks", "length": 0}),
        &["ada"],
    );
    let r = app.post("/api/v1/schedules", &body).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body["error"]["field"], "layers.0.turn.length",
        "{}",
        r.text
    );
    body["team"] = json!("nope");
    body["layers"][0]["turn"]["length"] = json!(1);
    assert_eq!(
        app.post("/api/v1/schedules", &body).await.body["error"]["field"],
        "team"
    );
    assert_eq!(app.get("/api/v1/schedules").await.body, json!([]));
    assert_eq!(app.get("/api/v1/schedules/nope/timeline").await.status, 404);
    body["team"] = json!("payments");
    assert_eq!(app.post("/api/v1/schedules", &body).await.status, 201);
    for query in [
        "from=2026-03-02&to=2026-03-01",
        "from=2026-01-01&to=2027-06-01",
        "from=soon",
    ] {
        let r = app
            .get(&format!("/api/v1/schedules/ok/timeline?{query}"))
            .await;
        assert_eq!(r.status, 422, "{query}: {}", r.text);
    }
}

async fn previews_store_nothing_and_participant_changes_keep_the_past(app: TestApp) {
    app.seed().await;
    let r = app
        .post(
            "/api/v1/people",
            &json!({"handle": "bob", "name": "Bob", "timeZone": "UTC"}),
        )
        .await;
    assert_eq!(r.status, 201);
    // A daily rotation that started three weeks ago.
    let start = (chrono::Utc::now() - chrono::Duration::days(21))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let body = schedule(
        "primary",
        &start,
        json!({"unit": "days", "length": 1}),
        &["ada", "grace", "bob"],
    );
    let created = app.post("/api/v1/schedules", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let past = format!("from={}&to={today}", &start[..10]);
    let window = format!(
        "from={today}&to={}",
        (chrono::Utc::now() + chrono::Duration::days(28)).format("%Y-%m-%d")
    );
    let history = app
        .get(&format!("/api/v1/schedules/primary/timeline?{past}"))
        .await;
    let ahead = app
        .get(&format!("/api/v1/schedules/primary/timeline?{window}"))
        .await;
    let audit = audit_total(&app).await;

    // Preview a change that removes grace: nothing is stored.
    let mut changed = created.body.clone();
    changed["layers"][0]["participants"] = json!(["ada", "bob"]);
    let preview = app
        .post(&format!("/api/v1/schedules/preview?{window}"), &changed)
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.body["current"], ahead.body);
    assert_ne!(preview.body["proposed"]["final"], ahead.body["final"]);
    assert_eq!(
        preview.body["layers"][0]["rotations"]
            .as_array()
            .expect("r")
            .len(),
        2
    );
    assert_eq!(audit_total(&app).await, audit);
    assert_eq!(
        app.get("/api/v1/schedules/primary").await.body,
        created.body
    );
    // A preview of a new schedule has no "current".
    let fresh = schedule(
        "fresh",
        &start,
        json!({"unit": "weeks", "length": 1}),
        &["ada"],
    );
    let p = app.post("/api/v1/schedules/preview", &fresh).await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert!(p.body["current"].is_null());
    assert_eq!(app.get("/api/v1/schedules/fresh").await.status, 404);

    // Saving it: the past and the current turn stay; grace has no turn from the next handoff.
    let saved = app.put("/api/v1/schedules/primary", &changed).await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["version"], 2);
    assert_eq!(
        app.get(&format!("/api/v1/schedules/primary/timeline?{past}"))
            .await
            .body,
        history.body
    );
    let after = app
        .get(&format!("/api/v1/schedules/primary/timeline?{window}"))
        .await;
    assert_eq!(
        after.body["final"], preview.body["proposed"]["final"],
        "as previewed"
    );
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (before_rows, after_rows) = (final_row(&ahead.body), final_row(&after.body));
    let started = |rows: &[(String, String, String)]| -> Vec<(String, String, String)> {
        rows.iter().filter(|r| r.1 <= now).cloned().collect()
    };
    assert_eq!(
        started(&after_rows),
        started(&before_rows),
        "the current turn is kept"
    );
    let later: Vec<&str> = after_rows
        .iter()
        .filter(|r| r.1 > now)
        .map(|r| r.0.as_str())
        .collect();
    assert!(!later.is_empty() && !later.contains(&"grace"), "{later:?}");
    // A stale version is refused.
    let r = app.put("/api/v1/schedules/primary", &changed).await;
    assert_eq!(r.status, 409, "{}", r.text);
}

async fn on_call_now_for_teams_and_services(app: TestApp) {
    app.seed().await;
    let start = (chrono::Utc::now() - chrono::Duration::days(3))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let body = schedule(
        "primary",
        &start,
        json!({"unit": "weeks", "length": 1}),
        &["grace"],
    );
    assert_eq!(app.post("/api/v1/schedules", &body).await.status, 201);
    let now = app.get("/api/v1/teams/payments/oncall").await;
    assert_eq!(now.status, 200, "{}", now.text);
    assert_eq!(now.body[0]["person"], "grace");
    assert_eq!(now.body[0]["personName"], "GRACE");
    assert_eq!(now.body[0]["source"], "layer");
    assert!(
        now.body[0]["until"].is_null(),
        "one person rotating alone: no end in sight"
    );
    assert_eq!(
        app.get("/api/v1/teams/platform/oncall").await.body,
        json!([])
    );
    assert_eq!(app.get("/api/v1/teams/nope/oncall").await.status, 404);

    // An override from now on for an hour: ada is on call now, until it ends.
    let from = chrono::Utc::now() - chrono::Duration::minutes(1);
    let to = from + chrono::Duration::hours(1);
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let r = app
        .post(
            "/api/v1/schedules/primary/overrides",
            &json!({"person": "ada", "start": fmt(from), "end": fmt(to)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let now = app.get("/api/v1/services/ledger/oncall").await;
    assert_eq!(now.body[0]["person"], "ada", "{}", now.text);
    assert_eq!(now.body[0]["source"], "override");
    assert_eq!(now.body[0]["until"], fmt(to));
    assert_eq!(now.body[0]["timeZone"], "America/New_York");
    // status-page is owned by platform only, which has no schedule.
    assert_eq!(
        app.get("/api/v1/services/status-page/oncall").await.body,
        json!([])
    );
}

/// `(schedule, start, end, startLocal, source)` of a shifts answer.
fn shift_rows(shifts: &Value) -> Vec<(String, String, String, String, String)> {
    shifts
        .as_array()
        .expect("shifts")
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or("").to_string();
            (
                f("schedule"),
                f("start"),
                f("end"),
                f("startLocal"),
                f("source"),
            )
        })
        .collect()
}

async fn a_persons_shifts_span_schedules_on_their_own_clock(app: TestApp) {
    app.seed().await;
    let body = schedule(
        "primary",
        "2026-03-02T09:00",
        json!({"unit": "days", "length": 1}),
        &["ada", "grace"],
    );
    assert_eq!(app.post("/api/v1/schedules", &body).await.status, 201);
    // A second schedule where ada is only ever on call through an override.
    let mut other = schedule(
        "secondary",
        "2026-03-02T09:00",
        json!({"unit": "weeks", "length": 1}),
        &["grace"],
    );
    other["team"] = json!("platform");
    assert_eq!(app.post("/api/v1/schedules", &other).await.status, 201);
    let cover = |person: &str, start: &str, end: &str| json!({"person": person, "start": start, "end": end});
    let r = app
        .post(
            "/api/v1/schedules/primary/overrides",
            &cover("grace", "2026-03-04T14:00:00Z", "2026-03-04T20:00:00Z"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/api/v1/schedules/secondary/overrides",
            &cover("ada", "2026-03-05T20:00:00Z", "2026-03-05T22:00:00Z"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    let window = "from=2026-03-02T14:00:00Z&to=2026-03-06T14:00:00Z";
    let r = app
        .get(&format!("/api/v1/people/ada/shifts?{window}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let s = |a: &str, b: &str, c: &str, d: &str, e: &str| {
        (
            a.to_string(),
            b.to_string(),
            c.to_string(),
            d.to_string(),
            e.to_string(),
        )
    };
    // Local times on ada's London clock; the override on `secondary` sits inside her turn on
    // `primary`, and both show.
    assert_eq!(
        shift_rows(&r.body),
        vec![
            s(
                "primary",
                "2026-03-02T14:00:00Z",
                "2026-03-03T14:00:00Z",
                "2026-03-02 14:00",
                "layer"
            ),
            s(
                "primary",
                "2026-03-04T20:00:00Z",
                "2026-03-05T14:00:00Z",
                "2026-03-04 20:00",
                "layer"
            ),
            s(
                "secondary",
                "2026-03-05T20:00:00Z",
                "2026-03-05T22:00:00Z",
                "2026-03-05 20:00",
                "override"
            ),
        ]
    );
    assert_eq!(r.body[0]["timeZone"], "Europe/London");
    assert_eq!(r.body[0]["team"], "payments");
    assert!(r.body[2]["overrideId"].as_i64().is_some());

    // Grace, in New York: her turn, then the override she took from ada (a separate stretch),
    // and the weekly `secondary` layer except where ada covers it.
    let r = app
        .get(&format!("/api/v1/people/grace/shifts?{window}"))
        .await;
    let rows = shift_rows(&r.body);
    assert!(
        rows.contains(&s(
            "primary",
            "2026-03-03T14:00:00Z",
            "2026-03-04T14:00:00Z",
            "2026-03-03 09:00",
            "layer"
        )),
        "{rows:?}"
    );
    assert!(
        rows.contains(&s(
            "primary",
            "2026-03-04T14:00:00Z",
            "2026-03-04T20:00:00Z",
            "2026-03-04 09:00",
            "override"
        )),
        "{rows:?}"
    );
    assert!(
        rows.contains(&s(
            "secondary",
            "2026-03-02T14:00:00Z",
            "2026-03-05T20:00:00Z",
            "2026-03-02 09:00",
            "layer"
        )),
        "{rows:?}"
    );
    assert!(
        rows.contains(&s(
            "secondary",
            "2026-03-05T22:00:00Z",
            "2026-03-06T14:00:00Z",
            "2026-03-05 17:00",
            "layer"
        )),
        "{rows:?}"
    );
    assert_eq!(rows.len(), 5, "{rows:?}");

    assert_eq!(app.get("/api/v1/people/nobody/shifts").await.status, 404);
    let r = app
        .get("/api/v1/people/ada/shifts?from=2026-03-06&to=2026-03-02")
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
}
