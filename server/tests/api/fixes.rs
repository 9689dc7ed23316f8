//! The three fix tiers through the API: what each must say, retiring a dirty fix by
//! completing the proper one, the backlog's order and CSV, and the decay rules over them.

use crate::both;
use crate::helpers::TestApp;
use serde_json::{json, Value};

both!(
    the_three_tiers_are_recorded_and_a_proper_fix_retires_the_dirty_one,
    bad_fixes_get_field_errors_and_store_nothing,
    the_backlog_puts_expired_dirty_fixes_first_and_exports_csv,
    the_decay_checks_flag_expired_and_unfiled_fixes_and_unfixed_incidents,
);

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.store.pool)
        .await
        .expect("count")
}

/// An incident on ledger, resolved (SEV1), with ada commanding; its number.
async fn incident(app: &TestApp) -> i64 {
    let r = app
        .post(
            "/api/v1/incidents",
            &json!({"title": "Auth token expiry", "severity": "SEV1", "services": ["ledger"],
                "commander": "ada", "status": "resolved"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().expect("id")
}

async fn post(app: &TestApp, body: Value) -> Value {
    let r = app.post("/api/v1/fixes", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

async fn the_three_tiers_are_recorded_and_a_proper_fix_retires_the_dirty_one(app: TestApp) {
    app.seed().await;
    let id = incident(&app).await;
    let short = post(
        &app,
        json!({"tier": "short-term", "service": "ledger", "incident": id,
            "title": "Memory lowered to force restarts before the hour"}),
    )
    .await;
    assert_eq!(short["owner"], "team:payments");
    assert_eq!(short["appliedBy"], "admin");
    assert_eq!(short["state"], "open");
    assert_eq!(short["expired"], false);
    let applied = chrono::DateTime::parse_from_rfc3339(short["appliedAt"].as_str().expect("at"))
        .expect("instant");
    let expires = chrono::DateTime::parse_from_rfc3339(short["expiresAt"].as_str().expect("at"))
        .expect("instant");
    assert_eq!((expires - applied).num_days(), 14);
    let due = (chrono::Utc::now() + chrono::Duration::days(10)).format("%Y-%m-%dT%H:%M:%SZ");
    let proper = post(
        &app,
        json!({"tier": "proper", "service": "ledger", "incident": id, "owner": "person:grace",
            "title": "The function refreshes its token itself", "dueAt": due.to_string(),
            "retires": short["id"]}),
    )
    .await;
    assert_eq!(proper["owner"], "person:grace");
    assert_eq!(proper["retires"], short["id"]);
    let future = post(
        &app,
        json!({"tier": "future", "service": "ledger", "incident": id,
            "title": "A central token refresher",
            "description": "Tokens set up once at cold start expired after an hour.",
            "whyItMatters": "Every function that caches a token will fail the same way.",
            "direction": "One refresh mechanism every function uses."}),
    )
    .await;
    assert_eq!(future["tier"], "future");

    // Completing the proper fix retires the short-term fix.
    let mut done = proper.clone();
    done["state"] = json!("done");
    let r = app
        .put(&format!("/api/v1/fixes/{}", proper["id"]), &done)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["state"], "done");
    assert!(r.body["doneAt"].is_string());
    let retired = app
        .get(&format!("/api/v1/fixes/{}", short["id"]))
        .await
        .body;
    assert_eq!(retired["state"], "done");
    assert_eq!(retired["retiredBy"], proper["id"]);
    assert_eq!(
        retired["reason"],
        format!("retired by proper fix {}", proper["id"])
    );
    // A tier does not change; a stale version is refused.
    let mut other = future.clone();
    other["tier"] = json!("proper");
    let r = app
        .put(&format!("/api/v1/fixes/{}", future["id"]), &other)
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"]["field"], "tier");
    let r = app
        .put(&format!("/api/v1/fixes/{}", proper["id"]), &done)
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    // Not doing needs a reason.
    let mut dropped = future.clone();
    dropped["state"] = json!("not-doing");
    let r = app
        .put(&format!("/api/v1/fixes/{}", future["id"]), &dropped)
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"]["field"], "reason");
    dropped["reason"] = json!("the platform team replaces these functions in Q1");
    let r = app
        .put(&format!("/api/v1/fixes/{}", future["id"]), &dropped)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let on_incident = app
        .get(&format!("/api/v1/fixes?incident={id}&state=all"))
        .await;
    assert_eq!(on_incident.body["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action like 'fix.%'"
        )
        .await,
        5
    );
}

async fn bad_fixes_get_field_errors_and_store_nothing(app: TestApp) {
    app.seed().await;
    let id = incident(&app).await;
    let other = app
        .post(
            "/api/v1/incidents",
            &json!({"title": "Status page", "severity": "SEV3", "services": ["status-page"],
                "commander": "ada"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.text);
    let other_id = other.body["id"].as_i64().expect("id");
    let elsewhere = post(
        &app,
        json!({"tier": "short-term", "service": "status-page", "incident": other_id,
            "title": "Cache flushed"}),
    )
    .await;
    let before = count(&app, "select count(*) from fixes").await;
    for (body, field, says) in [
        (
            json!({"tier": "short-term", "service": "ledger", "title": "x",
                "expiresAt": "2020-01-01T00:00:00Z"}),
            "expiresAt",
            "must be in the future",
        ),
        (
            json!({"tier": "proper", "service": "ledger", "incident": id, "title": "x",
                "dueAt": "2099-01-01T00:00:00Z", "retires": elsewhere["id"]}),
            "retires",
            "not to incident",
        ),
        (
            json!({"tier": "proper", "service": "ledger", "title": "x",
                "dueAt": "2099-01-01T00:00:00Z", "retires": 9999}),
            "retires",
            "there is no fix 9999",
        ),
        (
            json!({"tier": "future", "service": "ledger", "title": "x"}),
            "description",
            "what happened",
        ),
        (
            json!({"tier": "short-term", "service": "status-page", "incident": id, "title": "x"}),
            "service",
            "does not name service 'status-page'",
        ),
        (
            json!({"tier": "short-term", "service": "ledger", "title": "x", "owner": "nobody"}),
            "owner",
            "there is no team or person 'nobody'",
        ),
        (
            json!({"tier": "short-term", "service": "nope", "title": "x"}),
            "service",
            "there is no service 'nope'",
        ),
    ] {
        let r = app.post("/api/v1/fixes", &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        let details = r.body["error"]["details"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            details
                .iter()
                .any(|d| d["field"] == field
                    && d["message"].as_str().is_some_and(|m| m.contains(says))),
            "{body}: {}",
            r.text
        );
    }
    assert_eq!(count(&app, "select count(*) from fixes").await, before);
}

async fn the_backlog_puts_expired_dirty_fixes_first_and_exports_csv(app: TestApp) {
    app.seed().await;
    let old = post(
        &app,
        json!({"tier": "future", "service": "ledger", "title": "=HYPERLINK(\"x\")",
            "description": "d", "whyItMatters": "w", "direction": "d, then e"}),
    )
    .await;
    let short = post(
        &app,
        json!({"tier": "short-term", "service": "payments-api", "title": "Feature flag off"}),
    )
    .await;
    // It expired yesterday (as if recorded 15 days ago).
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    sqlx::query("update fixes set expires_at = $1 where id = $2")
        .bind(yesterday.to_string())
        .bind(short["id"].as_i64().expect("id"))
        .execute(&app.store.pool)
        .await
        .expect("expire it");
    let b = app.get("/api/v1/fixes?team=payments").await;
    assert_eq!(b.status, 200, "{}", b.text);
    let ids: Vec<&Value> = b.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| &f["id"])
        .collect();
    assert_eq!(ids, [&short["id"], &old["id"]]);
    assert_eq!(b.body["items"][0]["expired"], true);
    assert_eq!(b.body["counts"]["expired"], 1);
    assert_eq!(b.body["counts"]["shortTerm"], 1);
    assert_eq!(b.body["counts"]["future"], 1);
    // Platform owns payments-api too, not ledger.
    let platform = app.get("/api/v1/fixes?team=platform").await.body;
    assert_eq!(platform["items"].as_array().map(Vec::len), Some(1));
    let bad = app.get("/api/v1/fixes?tier=someday").await;
    assert_eq!(bad.status, 422, "{}", bad.text);

    let csv = app.get("/api/v1/fixes.csv?team=payments").await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.text);
    assert!(lines[0].starts_with("id,tier,service,incident,title,owner,state,expired"));
    assert!(
        lines[1].contains(",short-term,payments-api,,Feature flag off,team:payments,open,true,")
    );
    // A formula is text, quotes are doubled.
    assert!(
        lines[2].contains(",\"'=HYPERLINK(\"\"x\"\")\","),
        "{}",
        lines[2]
    );
}

/// The status and first message of `rule` for `slug`, checked now.
async fn rule(app: &TestApp, slug: &str, rule: &str) -> (String, String) {
    let r = app
        .post(
            &format!("/api/v1/services/{slug}/scorecard/check"),
            &json!(null),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let line = r.body["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["rule"] == rule)
        .cloned()
        .unwrap_or_default();
    (
        line["status"].as_str().unwrap_or("absent").to_string(),
        line["findings"][0]["message"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}

async fn the_decay_checks_flag_expired_and_unfiled_fixes_and_unfixed_incidents(app: TestApp) {
    app.seed().await;
    let id = incident(&app).await;
    // Resolved three days ago, nothing recorded.
    let three_days = (chrono::Utc::now() - chrono::Duration::days(3) - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    sqlx::query("update incidents set resolved_at = $1, detected_at = $1 where id = $2")
        .bind(&three_days)
        .bind(id)
        .execute(&app.store.pool)
        .await
        .expect("an older incident");
    app.store.forget_snapshot();
    let (status, message) = rule(&app, "ledger", "incident.fix-recorded").await;
    assert_eq!(status, "fail");
    assert!(
        message.contains(&format!("incident {id} (SEV1)")),
        "{message}"
    );

    // A dirty fix settles "no fix recorded" (the snapshot is patched from the audit log).
    let short = post(
        &app,
        json!({"tier": "short-term", "service": "ledger", "incident": id, "title": "Rolled back"}),
    )
    .await;
    assert_eq!(
        rule(&app, "ledger", "incident.fix-recorded").await.0,
        "pass"
    );
    assert_eq!(
        rule(&app, "ledger", "fix.short-term-expired").await.0,
        "pass"
    );
    // Past its expiry, it fails; retiring it with a done proper fix passes again.
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ");
    sqlx::query("update fixes set expires_at = $1 where id = $2")
        .bind(yesterday.to_string())
        .bind(short["id"].as_i64().expect("id"))
        .execute(&app.store.pool)
        .await
        .expect("expire it");
    app.store.forget_snapshot();
    let (status, message) = rule(&app, "ledger", "fix.short-term-expired").await;
    assert_eq!(status, "fail");
    assert!(
        message.contains("no proper fix has retired it"),
        "{message}"
    );
    let due = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%dT%H:%M:%SZ");
    post(
        &app,
        json!({"tier": "proper", "service": "ledger", "incident": id, "title": "Refresh",
            "dueAt": due.to_string(), "retires": short["id"], "state": "done"}),
    )
    .await;
    assert_eq!(
        rule(&app, "ledger", "fix.short-term-expired").await.0,
        "pass"
    );

    // A future fix a week old with no GitHub issue, on a service with a repository.
    let mut ledger = app.get("/api/v1/services/ledger").await.body;
    ledger["repository"] = json!("acme/ledger");
    ledger["owners"] = json!(["payments"]);
    let r = app.put("/api/v1/services/ledger", &ledger).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let future = post(
        &app,
        json!({"tier": "future", "service": "ledger", "title": "Central refresher",
            "description": "d", "whyItMatters": "w", "direction": "d"}),
    )
    .await;
    assert_eq!(rule(&app, "ledger", "fix.future-filed").await.0, "pass");
    let week_ago =
        (chrono::Utc::now() - chrono::Duration::days(8)).format("%Y-%m-%dT%H:%M:%S%.6fZ");
    sqlx::query("update fixes set created_at = $1 where id = $2")
        .bind(week_ago.to_string())
        .bind(future["id"].as_i64().expect("id"))
        .execute(&app.store.pool)
        .await
        .expect("age it");
    app.store.forget_snapshot();
    let (status, message) = rule(&app, "ledger", "fix.future-filed").await;
    assert_eq!(status, "fail");
    assert!(
        message.contains("has no GitHub issue 7 days after"),
        "{message}"
    );
}
