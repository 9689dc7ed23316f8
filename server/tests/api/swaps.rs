//! Swap requests through the API: offer part of your own shift, a teammate takes it and is
//! put on call by an override, and both see it in their upcoming shifts.

use crate::both;
use crate::helpers::{client, make_token, TestApp};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use steward_server::domain::authz::{Role, Scope};

both!(
    a_shift_is_offered_taken_and_seen_by_both,
    swaps_refuse_what_they_must
);

fn fmt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A weekly rotation of ada then grace whose current turn (ada's) began three days ago.
async fn setup(app: &TestApp) -> (reqwest::Client, reqwest::Client) {
    app.seed().await;
    let start = (Utc::now() - Duration::days(3))
        .format("%Y-%m-%dT09:00")
        .to_string();
    let body = json!({"slug": "primary", "name": "Primary", "team": "payments",
        "timeZone": "America/New_York", "layers": [{"name": "Weekly", "start": start,
        "turn": {"unit": "weeks", "length": 1}, "participants": ["ada", "grace"]}]});
    let r = app.post("/api/v1/schedules", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = |h: &'static str| async move {
        client(Some(
            &make_token(&app.store, h, Role::Member, Scope::Write, None).await,
        ))
    };
    (token("ada").await, token("grace").await)
}

/// The next whole minute: instants are counted in hours from it.
fn next_minute() -> DateTime<Utc> {
    let now = Utc::now() + Duration::minutes(1);
    DateTime::from_timestamp(now.timestamp() - now.timestamp() % 60, 0).expect("t")
}

fn offer(start: DateTime<Utc>, end: DateTime<Utc>) -> Value {
    json!({"schedule": "primary", "start": fmt(start), "end": fmt(end), "note": "dentist"})
}

async fn a_shift_is_offered_taken_and_seen_by_both(app: TestApp) {
    let (ada, grace) = setup(&app).await;
    let t0 = next_minute();
    let hour = |h: i64| t0 + Duration::hours(h);
    let (start, end) = (hour(1), hour(3));
    let r = app
        .call(&ada, "POST", "/api/v1/swaps", Some(&offer(start, end)))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["state"], "open");
    assert_eq!(r.body["offeredBy"], "ada");
    assert_eq!(r.body["note"], "dentist");
    let id = r.body["id"].as_i64().expect("id");
    let open = app.get("/api/v1/swaps?team=payments&state=open").await;
    assert_eq!(open.body.as_array().map(Vec::len), Some(1), "{}", open.text);

    let r = app
        .call(&grace, "POST", &format!("/api/v1/swaps/{id}/take"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["state"], "taken");
    assert_eq!(r.body["takenBy"], "grace");
    let override_id = r.body["overrideId"].as_i64().expect("override");

    // The schedule now has grace on call over exactly that interval.
    let t = app
        .get(&format!(
            "/api/v1/schedules/primary/timeline?from={}&to={}",
            fmt(start),
            fmt(end)
        ))
        .await;
    assert_eq!(
        t.body["final"].as_array().map(Vec::len),
        Some(1),
        "{}",
        t.text
    );
    assert_eq!(t.body["final"][0]["person"], "grace");
    assert_eq!(t.body["final"][0]["overrideId"], override_id);

    // Both see it in their upcoming shifts.
    let window = format!("from={}&to={}", fmt(hour(0)), fmt(hour(24)));
    let g = app
        .get(&format!("/api/v1/people/grace/shifts?{window}"))
        .await;
    let taken: Vec<&Value> = g.body.as_array().expect("shifts").iter().collect();
    assert_eq!(taken.len(), 1, "{}", g.text);
    assert_eq!(taken[0]["start"], fmt(start));
    assert_eq!(taken[0]["end"], fmt(end));
    assert_eq!(taken[0]["source"], "override");
    assert_eq!(taken[0]["swapId"], id);
    assert_eq!(taken[0]["swapWith"], "ada");
    let a = app
        .get(&format!("/api/v1/people/ada/shifts?{window}"))
        .await;
    let rows: Vec<(String, String, String)> = a
        .body
        .as_array()
        .expect("shifts")
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or("").to_string();
            (f("source"), f("start"), f("end"))
        })
        .collect();
    let r = |s: &str, a: DateTime<Utc>, b: DateTime<Utc>| (s.to_string(), fmt(a), fmt(b));
    assert_eq!(
        rows,
        vec![
            r("layer", hour(0), start),
            r("given", start, end),
            r("layer", end, hour(24)),
        ]
    );
    assert_eq!(a.body[1]["swapWith"], "grace");

    let mine = app.get("/api/v1/swaps?person=grace").await;
    assert_eq!(mine.body[0]["id"], id, "{}", mine.text);
    let events = app.get("/api/v1/audit?subject=primary&limit=10").await.text;
    for action in ["swap.offer", "swap.take"] {
        assert!(events.contains(action), "{action} in {events}");
    }

    // Withdrawn offers cannot be taken.
    let r = app
        .call(
            &ada,
            "POST",
            "/api/v1/swaps",
            Some(&offer(hour(4), hour(5))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let second = r.body["id"].as_i64().expect("id");
    let r = app
        .call(
            &ada,
            "POST",
            &format!("/api/v1/swaps/{second}/withdraw"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["state"], "withdrawn");
    let r = app
        .call(
            &grace,
            "POST",
            &format!("/api/v1/swaps/{second}/take"),
            None,
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "not_open");
}

async fn swaps_refuse_what_they_must(app: TestApp) {
    let (ada, grace) = setup(&app).await;
    let t0 = next_minute();
    let hour = |h: i64| t0 + Duration::hours(h);
    // Grace is not on call now: she cannot offer ada's time, nor offer as ada.
    let r = app
        .call(
            &grace,
            "POST",
            "/api/v1/swaps",
            Some(&offer(hour(1), hour(2))),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"]["field"], "start");
    let mut as_ada = offer(hour(1), hour(2));
    as_ada["person"] = json!("ada");
    let r = app
        .call(&grace, "POST", "/api/v1/swaps", Some(&as_ada))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    // Ada's turn ends within the week: an interval reaching into grace's turn is refused.
    let r = app
        .call(
            &ada,
            "POST",
            "/api/v1/swaps",
            Some(&offer(hour(1), hour(24 * 6))),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    for (body, field) in [
        (offer(hour(2), hour(1)), "end"),
        (offer(hour(-3), hour(-2)), "end"),
        (
            json!({"schedule": "nope", "start": fmt(hour(1)), "end": fmt(hour(2))}),
            "schedule",
        ),
        (
            json!({"schedule": "primary", "start": "soon", "end": fmt(hour(2))}),
            "start",
        ),
    ] {
        let r = app.call(&ada, "POST", "/api/v1/swaps", Some(&body)).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert_eq!(r.body["error"]["field"], field, "{}", r.text);
    }
    assert_eq!(app.get("/api/v1/swaps").await.body, json!([]));

    let r = app
        .call(
            &ada,
            "POST",
            "/api/v1/swaps",
            Some(&offer(hour(1), hour(2))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_i64().expect("id");
    let r = app
        .call(&ada, "POST", &format!("/api/v1/swaps/{id}/take"), None)
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "own_offer");
    // Taken once only; a taken offer cannot be withdrawn.
    let take = format!("/api/v1/swaps/{id}/take");
    assert_eq!(app.call(&grace, "POST", &take, None).await.status, 200);
    let r = app.call(&grace, "POST", &take, None).await;
    assert_eq!(r.status, 409, "{}", r.text);
    let r = app
        .call(&ada, "POST", &format!("/api/v1/swaps/{id}/withdraw"), None)
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    let overrides: i64 = sqlx::query_scalar("select count(*) from schedule_overrides")
        .fetch_one(&app.store.pool)
        .await
        .expect("count");
    assert_eq!(overrides, 1, "one take, one override");
    assert_eq!(app.get("/api/v1/swaps/999").await.status, 404);
    assert_eq!(app.get("/api/v1/swaps?state=bogus").await.status, 422);
}
