use crate::both;
use crate::helpers::{client, make_token, service, TestApp};
use serde_json::{json, Value};
use steward_server::domain::authz::{Role, Scope};

both!(
    saves_are_versions_with_history_and_differences,
    stale_and_unchanged_saves_are_refused,
    review_records_who_and_when_without_a_version,
    a_changed_service_makes_the_runbook_suspect_until_reviewed,
    an_old_review_is_overdue_by_tier,
    markdown_is_rendered_inert,
    owners_write_others_read,
    bad_input_gets_field_errors_and_stores_nothing,
);

const LEDGER: &str = "/api/v1/services/ledger/runbook";

fn runbook(body: &str, version: Option<i64>) -> Value {
    json!({
        "body": body,
        "failureModes": [{
            "symptom": "Checkout answers 502",
            "confirm": "Grafana: ledger 5xx rate",
            "mitigation": "Restart the ledger pods",
            "escalateTo": "payments on call"
        }],
        "links": [{"title": "Logs", "url": "https://logs.example.com/ledger"}],
        "note": "first draft",
        "version": version,
    })
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.store.pool)
        .await
        .expect("count")
}

async fn saves_are_versions_with_history_and_differences(app: TestApp) {
    app.seed().await;
    let none = app.get(LEDGER).await;
    assert_eq!(none.status, 404, "{}", none.text);
    assert_eq!(
        none.body["error"]["message"],
        "a runbook for service 'ledger' not found"
    );

    let first = app
        .put(LEDGER, &runbook("# Ledger\n\nRestart it.\n", None))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let b = &first.body;
    assert_eq!(b["service"], "ledger");
    assert_eq!(b["version"], 1);
    assert_eq!(b["html"], "<h1>Ledger</h1>\n<p>Restart it.</p>\n");
    assert_eq!(b["failureModes"][0]["escalateTo"], "payments on call");
    assert_eq!(b["updatedBy"], "admin");
    assert_eq!(b["reviewedBy"], "admin");
    assert_eq!(b["reviewedAt"], b["updatedAt"]);
    assert_eq!(b["suspect"], false);
    assert_eq!(b["overdue"], false);

    let mut second = runbook("# Ledger\n\nDrain, then restart it.\n", Some(1));
    second["failureModes"][0]["mitigation"] = json!("Drain, then restart");
    second["failureModes"].as_array_mut().expect("modes").push(
        json!({"symptom": "Balances lag", "confirm": "", "mitigation": "", "escalateTo": ""}),
    );
    second["links"] =
        json!([{"title": "Dashboard", "url": "https://grafana.example.com/d/ledger"}]);
    second["note"] = json!("drain first");
    let r = app.put(LEDGER, &second).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(app.get(LEDGER).await.body["version"], 2);

    let history = app.get(&format!("{LEDGER}/versions")).await;
    assert_eq!(history.status, 200);
    let numbers: Vec<(i64, &str)> = history
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|v| {
            (
                v["number"].as_i64().expect("n"),
                v["note"].as_str().expect("note"),
            )
        })
        .collect();
    assert_eq!(numbers, [(2, "drain first"), (1, "first draft")]);
    assert_eq!(history.body[0]["author"], "admin");

    let v1 = app.get(&format!("{LEDGER}/versions/1")).await;
    assert_eq!(v1.status, 200);
    assert_eq!(v1.body["body"], "# Ledger\n\nRestart it.\n");
    assert_eq!(v1.body["html"], "<h1>Ledger</h1>\n<p>Restart it.</p>\n");
    assert_eq!(
        v1.body["failureModes"][0]["mitigation"],
        "Restart the ledger pods"
    );
    assert_eq!(app.get(&format!("{LEDGER}/versions/3")).await.status, 404);

    let d = app.get(&format!("{LEDGER}/diff?from=1&to=2")).await;
    assert_eq!(d.status, 200, "{}", d.text);
    let lines = |key: &str| -> Vec<String> {
        d.body[key]
            .as_array()
            .expect(key)
            .iter()
            .map(|l| {
                format!(
                    "{} {}",
                    l["tag"].as_str().expect("tag"),
                    l["text"].as_str().expect("text")
                )
            })
            .collect()
    };
    assert_eq!(
        lines("body"),
        [
            "equal # Ledger",
            "equal ",
            "delete Restart it.",
            "insert Drain, then restart it."
        ]
    );
    assert_eq!(
        lines("failureModes"),
        [
            "equal 1. Symptom: Checkout answers 502",
            "equal    Confirm     Grafana: ledger 5xx rate",
            "delete    Mitigation  Restart the ledger pods",
            "insert    Mitigation  Drain, then restart",
            "equal    Escalate to payments on call",
            "insert 2. Symptom: Balances lag",
        ]
    );
    assert_eq!(
        lines("links"),
        [
            "delete Logs <https://logs.example.com/ledger>",
            "insert Dashboard <https://grafana.example.com/d/ledger>"
        ]
    );
    assert_eq!(
        app.get(&format!("{LEDGER}/diff?from=1&to=9")).await.status,
        404
    );
    assert_eq!(app.get(&format!("{LEDGER}/diff?from=1")).await.status, 400);

    let events = app
        .get("/api/v1/audit?subjectType=runbook&subject=ledger")
        .await;
    let actions: Vec<&str> = events.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["runbook.save", "runbook.save"]);
    assert_eq!(events.body["items"][0]["after"]["version"], 2);
    assert_eq!(events.body["items"][0]["before"]["version"], 1);
}

async fn stale_and_unchanged_saves_are_refused(app: TestApp) {
    app.seed().await;
    assert_eq!(app.put(LEDGER, &runbook("v1", None)).await.status, 200);
    // A second "first" save lost the race.
    let again = app.put(LEDGER, &runbook("other v1", None)).await;
    assert_eq!(again.status, 422, "{}", again.text);
    assert_eq!(again.body["error"]["field"], "version");
    assert_eq!(app.put(LEDGER, &runbook("v2", Some(1))).await.status, 200);
    let stale = app
        .put(LEDGER, &runbook("v3 from an old tab", Some(1)))
        .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    assert_eq!(stale.body["error"]["code"], "version_conflict");
    assert_eq!(stale.body["error"]["field"], "version");
    // A browser sends line endings as CRLF; they are stored as LF, so sending the same text
    // again is no change.
    let crlf = app.put(LEDGER, &runbook("v2\r\n", Some(2))).await;
    assert_eq!(crlf.status, 200, "{}", crlf.text);
    assert_eq!(crlf.body["body"], "v2\n");
    let unchanged = app.put(LEDGER, &runbook("v2\r\n", Some(3))).await;
    assert_eq!(unchanged.status, 409, "{}", unchanged.text);
    insta::allow_duplicates! {
        insta::assert_json_snapshot!(unchanged.body, @r###"
        {
          "error": {
            "code": "unchanged",
            "message": "nothing changed since version 3; to record that the runbook is still right, mark it reviewed"
          }
        }
        "###);
    }
    assert_eq!(app.get(LEDGER).await.body["body"], "v2\n");
    assert_eq!(
        count(&app, "select count(*) from runbook_versions").await,
        3
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where subject_type = 'runbook'"
        )
        .await,
        3
    );
}

async fn review_records_who_and_when_without_a_version(app: TestApp) {
    app.seed().await;
    let saved = app.put(LEDGER, &runbook("v1", None)).await.body;
    sqlx::query("update runbooks set reviewed_at = '2026-01-01T00:00:00.000000Z'")
        .execute(&app.store.pool)
        .await
        .expect("age the review");
    let token = make_token(&app.store, "ada", Role::Member, Scope::Write, None).await;
    let ada = client(Some(&token));
    let r = app
        .call(&ada, "POST", &format!("{LEDGER}/review"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["reviewedBy"], "ada");
    assert_eq!(r.body["updatedBy"], "admin");
    assert_eq!(r.body["updatedAt"], saved["updatedAt"]);
    assert!(r.body["reviewedAt"].as_str() > saved["reviewedAt"].as_str());
    assert_eq!(r.body["overdue"], false);
    assert_eq!(
        count(&app, "select count(*) from runbook_versions").await,
        1
    );
    let events = app
        .get("/api/v1/audit?subjectType=runbook&subject=ledger")
        .await
        .body;
    assert_eq!(events["items"][0]["action"], "runbook.review");
    assert_eq!(events["items"][0]["actor"], "ada");
    assert_eq!(
        events["items"][0]["before"]["reviewedAt"],
        "2026-01-01T00:00:00.000000Z"
    );
    let missing = app
        .post("/api/v1/services/status-page/runbook/review", &json!(null))
        .await;
    assert_eq!(missing.status, 404, "{}", missing.text);
}

/// The service's scorecard after checking it now: each runbook rule's status and message.
async fn runbook_rules(app: &TestApp, slug: &str) -> Vec<(String, String, String)> {
    let r = app
        .post(
            &format!("/api/v1/services/{slug}/scorecard/check"),
            &json!(null),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|rule| {
            rule["rule"]
                .as_str()
                .is_some_and(|id| id.starts_with("runbook."))
        })
        .map(|rule| {
            let text = |v: &Value| v.as_str().unwrap_or("").to_string();
            (
                text(&rule["rule"]),
                text(&rule["status"]),
                text(&rule["findings"][0]["message"]),
            )
        })
        .collect()
}

fn status<'a>(rules: &'a [(String, String, String)], id: &str) -> (&'a str, &'a str) {
    rules
        .iter()
        .find(|(rule, _, _)| rule == id)
        .map(|(_, status, message)| (status.as_str(), message.as_str()))
        .unwrap_or(("absent", ""))
}

async fn a_changed_service_makes_the_runbook_suspect_until_reviewed(app: TestApp) {
    app.seed().await;
    // Tier 1 without a runbook: the decay checks say so.
    let rules = runbook_rules(&app, "ledger").await;
    assert_eq!(status(&rules, "runbook.exists").0, "fail", "{rules:?}");
    assert_eq!(
        status(&rules, "runbook.suspect").0,
        "not-applicable",
        "{rules:?}"
    );
    assert_eq!(app.put(LEDGER, &runbook("v1", None)).await.status, 200);
    let rules = runbook_rules(&app, "ledger").await;
    assert_eq!(status(&rules, "runbook.exists").0, "pass", "{rules:?}");
    assert_eq!(status(&rules, "runbook.suspect").0, "pass", "{rules:?}");
    assert_eq!(status(&rules, "runbook.review").0, "pass", "{rules:?}");
    let (modes, message) = status(&rules, "runbook.failure-modes");
    assert_eq!(modes, "fail", "{rules:?}");
    assert!(message.contains("lists 1 failure mode"), "{message}");

    // Owners, dependencies, repository and tier change through the API.
    let current = app.get("/api/v1/services/ledger").await.body;
    let mut changed = service("ledger", &["platform", "payments"], 2, &["status-page"]);
    changed["repository"] = json!("acme/ledger");
    changed["version"] = current["version"].clone();
    let r = app.put("/api/v1/services/ledger", &changed).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let r = app.get(LEDGER).await.body;
    assert_eq!(r["suspect"], true);
    assert_eq!(
        r["suspectReasons"],
        json!([
            "owners changed: payments → payments, platform",
            "dependencies changed: (none) → status-page",
            "repository changed: (none) → acme/ledger",
            "tier changed: 1 → 2",
        ])
    );
    assert_eq!(r["reviewIntervalDays"], 180);
    let rules = runbook_rules(&app, "ledger").await;
    let (suspect, message) = status(&rules, "runbook.suspect");
    assert_eq!(suspect, "fail", "{rules:?}");
    assert!(
        message.contains("owners changed: payments → payments, platform")
            && message.contains("tier changed: 1 → 2"),
        "{message}"
    );
    // Tier 2 now: the three failure modes are asked of tier 1 only.
    assert_eq!(status(&rules, "runbook.failure-modes").0, "not-applicable");

    let reviewed = app.post(&format!("{LEDGER}/review"), &json!(null)).await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    assert_eq!(reviewed.body["suspect"], false);
    assert_eq!(reviewed.body["suspectReasons"], json!([]));
    let rules = runbook_rules(&app, "ledger").await;
    assert_eq!(status(&rules, "runbook.suspect").0, "pass", "{rules:?}");
    let resolved = app
        .get("/api/v1/findings?service=ledger&rule=runbook.suspect&state=resolved")
        .await;
    assert_eq!(resolved.body["total"], 1, "{}", resolved.text);
}

async fn an_old_review_is_overdue_by_tier(app: TestApp) {
    app.seed().await;
    for slug in ["ledger", "status-page"] {
        let r = app
            .put(
                &format!("/api/v1/services/{slug}/runbook"),
                &runbook("v1", None),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["overdue"], false);
    }
    sqlx::query("update runbooks set reviewed_at = '2020-01-01T00:00:00.000000Z'")
        .execute(&app.store.pool)
        .await
        .expect("age the reviews");
    app.store.forget_snapshot(); // changed by hand, not through Steward
    let ledger = app.get(LEDGER).await.body;
    assert_eq!(ledger["reviewIntervalDays"], 90);
    assert_eq!(ledger["reviewDueAt"], "2020-03-31T00:00:00.000000Z");
    assert_eq!(ledger["overdue"], true);
    let status_page = app.get("/api/v1/services/status-page/runbook").await.body;
    assert_eq!(status_page["reviewIntervalDays"], 365);
    assert_eq!(status_page["reviewDueAt"], "2020-12-31T00:00:00.000000Z");
    assert_eq!(status_page["overdue"], true);
    let rules = runbook_rules(&app, "ledger").await;
    let (review, message) = status(&rules, "runbook.review");
    assert_eq!(review, "fail", "{rules:?}");
    assert!(
        message.contains("on 2020-01-01") && message.contains("every 90 days"),
        "{message}"
    );

    // The interval is the rule's thresholds: an admin lengthens it for tier 1.
    let rule = app.get("/api/v1/rules/runbook.review").await;
    assert_eq!(rule.status, 200, "{}", rule.text);
    let mut input = json!({
        "enabled": true,
        "severity": rule.body["severity"],
        "level": rule.body["level"],
        "weight": rule.body["weight"],
        "applies": rule.body["applies"],
        "thresholds": {"tier1": 5000, "tier2": 180, "tier3": 365, "tier4": 365},
        "version": rule.body["version"],
    });
    if let Some(o) = input.as_object_mut() {
        o.retain(|_, v| !v.is_null());
    }
    let saved = app.put("/api/v1/rules/runbook.review", &input).await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    let ledger = app.get(LEDGER).await.body;
    assert_eq!(ledger["reviewIntervalDays"], 5000);
    assert_eq!(ledger["overdue"], false);
    let rules = runbook_rules(&app, "ledger").await;
    assert_eq!(status(&rules, "runbook.review").0, "pass", "{rules:?}");

    // Marking it reviewed clears the overdue review.
    let r = app
        .post("/api/v1/services/status-page/runbook/review", &json!(null))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["overdue"], false);
    let rules = runbook_rules(&app, "status-page").await;
    assert_eq!(status(&rules, "runbook.review").0, "pass", "{rules:?}");
}

async fn markdown_is_rendered_inert(app: TestApp) {
    app.seed().await;
    let body = "# Safe\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1))\n\n\
                <img src=x onerror=alert(1)>\n\n<iframe src=\"https://evil.example\"></iframe>\n";
    let r = app.put(LEDGER, &runbook(body, None)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let html = r.body["html"].as_str().expect("html").to_string();
    for bad in ["<script", "javascript:", "<img", "onerror=\"", "<iframe"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("<h1>Safe</h1>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    // The markdown itself is kept as written.
    assert_eq!(app.get(LEDGER).await.body["body"], body);
    // The page shows the sanitised HTML only.
    let page = app.get("/services/ledger/runbook").await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains("<script>alert"), "{}", page.text);
    assert!(!page.text.contains("<iframe"), "{}", page.text);
}

async fn owners_write_others_read(app: TestApp) {
    app.seed().await;
    let r = app
        .post(
            "/api/v1/people",
            &json!({"handle": "bob", "name": "Bob", "timeZone": "UTC"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/api/v1/teams",
            &json!({"slug": "search", "name": "Search", "members": [{"person": "bob", "role": "member"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let as_client = |handle: &'static str, role: Role| {
        let store = app.store.clone();
        async move {
            client(Some(
                &make_token(&store, handle, role, Scope::Write, None).await,
            ))
        }
    };
    let viewer = as_client("vic", Role::Viewer).await;
    let bob = as_client("bob", Role::Member).await;
    let ada = as_client("ada", Role::Member).await;
    let body = runbook("v1", None);
    for (who, c) in [("viewer", &viewer), ("member of another team", &bob)] {
        let r = app.call(c, "PUT", LEDGER, Some(&body)).await;
        assert_eq!(r.status, 403, "{who}: {}", r.text);
        // Refused before the body is read: a malformed one is not even parsed.
        let raw = c
            .put(app.url(LEDGER))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("request");
        assert_eq!(raw.status().as_u16(), 403, "{who}");
    }
    let anonymous = app.call(&app.anon, "PUT", LEDGER, Some(&body)).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(count(&app, "select count(*) from runbooks").await, 0);
    let r = app.call(&ada, "PUT", LEDGER, Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["updatedBy"], "ada");
    for (who, c) in [("viewer", &viewer), ("member of another team", &bob)] {
        let r = app.call(c, "GET", LEDGER, None).await;
        assert_eq!(r.status, 200, "{who}");
        let r = app.call(c, "POST", &format!("{LEDGER}/review"), None).await;
        assert_eq!(r.status, 403, "{who}: {}", r.text);
        let r = app
            .call(c, "GET", &format!("{LEDGER}/versions"), None)
            .await;
        assert_eq!(r.status, 200, "{who}");
    }
    assert_eq!(
        app.call(&ada, "POST", &format!("{LEDGER}/review"), None)
            .await
            .status,
        200
    );
}

async fn bad_input_gets_field_errors_and_stores_nothing(app: TestApp) {
    app.seed().await;
    let mut empty_symptom = runbook("ok", None);
    empty_symptom["failureModes"][0]["symptom"] = json!("  ");
    let r = app.put(LEDGER, &empty_symptom).await;
    assert_eq!(r.status, 422, "{}", r.text);
    insta::allow_duplicates! {
        insta::assert_json_snapshot!(r.body, @r###"
        {
          "error": {
            "code": "validation",
            "details": [
              {
                "field": "failureModes.0.symptom",
                "message": "must not be empty: say what people see when this happens"
              }
            ],
            "field": "failureModes.0.symptom",
            "message": "failureModes.0.symptom: must not be empty: say what people see when this happens"
          }
        }
        "###);
    }
    for url in [
        "javascript:alert(1)",
        "ftp://files.example.com/x",
        "not a url",
    ] {
        let mut bad_link = runbook("ok", None);
        bad_link["links"][0]["url"] = json!(url);
        let r = app.put(LEDGER, &bad_link).await;
        assert_eq!(r.status, 422, "{url}: {}", r.text);
        assert_eq!(r.body["error"]["field"], "links.0.url");
    }
    let big = runbook(&"x".repeat(256 * 1024 + 1), None);
    let r = app.put(LEDGER, &big).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"]["field"], "body");
    let unknown = app
        .put("/api/v1/services/nope/runbook", &runbook("ok", None))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["error"]["message"], "service 'nope' not found");
    assert_eq!(
        app.get("/api/v1/services/nope/runbook/versions")
            .await
            .status,
        404
    );
    let mut missing_symptom = runbook("ok", None);
    missing_symptom["failureModes"][0]
        .as_object_mut()
        .expect("mode")
        .remove("symptom");
    let r = app.put(LEDGER, &missing_symptom).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"]["field"], "failureModes.0");
    for table in ["runbooks", "runbook_versions"] {
        assert_eq!(
            count(&app, &format!("select count(*) from {table}")).await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where subject_type = 'runbook'"
        )
        .await,
        0
    );
}
