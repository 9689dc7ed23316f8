//! Future fixes filed as GitHub issues, against a fake GitHub on 127.0.0.1 serving recorded
//! responses (`fixtures/github/issue.json`): filed once even when the first answer is lost,
//! 304 on an unchanged poll, closed and reopened on GitHub flowing back by poll and by signed
//! webhook, forged and repeated deliveries refused, and GitHub's refusals, rate limits and
//! garbage changing nothing in Steward.

use crate::helpers::{make_token, spawn_app_with, Db, TestApp};
use crate::upstream::{Fault, Upstream};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use steward_server::configuration::GithubIssueSettings;
use steward_server::domain::authz::{Role, Scope};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/fixtures/github");
const TOKEN: &str = "ghp_fake_token_for_tests";
const SECRET: &str = "webhook-secret-for-tests";
const REPO: &str = "/repos/northwind/ledger/issues";

/// The fake's issues, in order of number, and a clock that moves a second per change.
#[derive(Clone, Default)]
struct Issues {
    list: Arc<Mutex<Vec<Value>>>,
    clock: Arc<Mutex<i64>>,
}

impl Issues {
    fn tick(&self) -> String {
        let mut c = self.clock.lock().expect("lock");
        *c += 1;
        let t = chrono::Utc::now() + chrono::Duration::seconds(*c);
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// Closes (with `reason`) or reopens issue `number`, as someone on GitHub would.
    fn set_state(&self, number: i64, state: &str, reason: Option<&str>) -> Value {
        let at = self.tick();
        let mut list = self.list.lock().expect("lock");
        let issue = &mut list[(number - 1) as usize];
        issue["state"] = json!(state);
        issue["state_reason"] = json!(reason);
        issue["updated_at"] = json!(at);
        issue["closed_at"] = if state == "closed" {
            json!(at)
        } else {
            Value::Null
        };
        issue.clone()
    }

    fn len(&self) -> usize {
        self.list.lock().expect("lock").len()
    }
}

fn rate_headers(remaining: i64) -> [(&'static str, String); 4] {
    let reset = chrono::Utc::now().timestamp() + 3600;
    [
        ("x-ratelimit-limit", "5000".into()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", reset.to_string()),
        ("x-ratelimit-resource", "core".into()),
    ]
}

fn with_rate(mut r: Response, remaining: i64) -> Response {
    for (k, v) in rate_headers(remaining) {
        r.headers_mut().insert(k, v.parse().expect("header"));
    }
    r
}

async fn create(
    State(issues): State<Issues>,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if headers.get("authorization").and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {TOKEN}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        )
            .into_response();
    }
    let text = std::fs::read_to_string(format!("{FIXTURES}/issue.json")).expect("fixture");
    let mut issue: Value = serde_json::from_str(&text).expect("fixture json");
    let at = issues.tick();
    let mut list = issues.list.lock().expect("lock");
    let number = list.len() as i64 + 1;
    issue["number"] = json!(number);
    issue["html_url"] = json!(format!("https://github.com/{owner}/{repo}/issues/{number}"));
    issue["title"] = body["title"].clone();
    issue["body"] = body["body"].clone();
    issue["labels"] = json!(body["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| json!({"name": l, "color": "ededed"}))
        .collect::<Vec<_>>());
    issue["created_at"] = json!(at);
    issue["updated_at"] = json!(at);
    list.push(issue.clone());
    with_rate((StatusCode::CREATED, Json(issue)).into_response(), 4990)
}

async fn list(
    State(issues): State<Issues>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let since = q.get("since").cloned().unwrap_or_default();
    let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: usize = q.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(30);
    let mut matching: Vec<Value> = issues
        .list
        .lock()
        .expect("lock")
        .iter()
        .filter(|i| i["updated_at"].as_str().unwrap_or("") >= since.as_str())
        .cloned()
        .collect();
    if q.get("sort").map(String::as_str) == Some("updated") {
        matching.sort_by(|a, b| a["updated_at"].as_str().cmp(&b["updated_at"].as_str()));
    }
    let body: Vec<Value> = matching
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let text = serde_json::to_string(&body).expect("json");
    let etag = format!("W/\"{:x}\"", md5ish(&format!("{page}{since}{text}")));
    if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        // A conditional hit costs nothing on GitHub.
        return with_rate(StatusCode::NOT_MODIFIED.into_response(), 4990);
    }
    let mut r = (
        StatusCode::OK,
        [("content-type", "application/json; charset=utf-8")],
        text,
    )
        .into_response();
    r.headers_mut().insert("etag", etag.parse().expect("etag"));
    with_rate(r, 4989)
}

/// A stable hash for ETags (FNV-1a).
fn md5ish(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

async fn fake_github() -> (Upstream, Issues) {
    let issues = Issues::default();
    let router = Router::new()
        .route("/repos/{owner}/{repo}/issues", get(list).post(create))
        .with_state(issues.clone());
    (Upstream::start(router).await, issues)
}

async fn app(db: Db, github: &Upstream, secret: Option<&str>) -> Option<TestApp> {
    let settings = GithubIssueSettings {
        api_url: github.url.parse().expect("url"),
        token: TOKEN.into(),
        labels: vec!["steward".into(), "future-fix".into()],
        webhook_secret: secret.map(String::from),
        timeout: Duration::from_secs(1),
        create_gap: Duration::ZERO,
        file_at_once: false,
    };
    let app = spawn_app_with(db, move |s| {
        s.github_issues = Some(settings);
        s.public_url = Some("https://steward.example.com".parse().expect("url"));
    })
    .await?;
    app.seed().await;
    let mut ledger = app.get("/api/v1/services/ledger").await.body;
    ledger["repository"] = json!("northwind/ledger");
    ledger["owners"] = json!(["payments"]);
    let r = app.put("/api/v1/services/ledger", &ledger).await;
    assert_eq!(r.status, 200, "{}", r.text);
    Some(app)
}

/// A SEV1 on ledger and a future fix recorded on it; the fix's number.
async fn future_fix(app: &TestApp) -> i64 {
    let r = app
        .post(
            "/api/v1/incidents",
            &json!({"title": "Double charges after a retry storm", "severity": "SEV1",
                "services": ["ledger"], "commander": "ada"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let incident = r.body["id"].as_i64().expect("id");
    let r = app
        .post(
            "/api/v1/fixes",
            &json!({"tier": "future", "service": "ledger", "incident": incident,
                "title": "Make ledger writes idempotent",
                "description": "A retry storm after a timeout wrote 312 payments twice.",
                "whyItMatters": "Every retry storm can charge customers twice.",
                "direction": "Idempotency keys on the write path; reject repeats."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().expect("id")
}

async fn run_sync(app: &TestApp) -> Value {
    let run = crate::helpers::run_job(app, "github-sync").await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    run["counts"].clone()
}

async fn fix(app: &TestApp, id: i64) -> Value {
    let r = app.get(&format!("/api/v1/fixes/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// Makes the pending fix due for its retry now, as the backoff would after a while.
async fn due_now(app: &TestApp) {
    sqlx::query("update github_issues set next_attempt_at = null")
        .execute(&app.store.pool)
        .await
        .expect("due");
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.store.pool)
        .await
        .expect("count")
}

crate::both_db!(
    a_future_fix_is_filed_once_even_when_the_first_answer_is_lost,
    closed_and_reopened_on_github_flow_back_by_poll,
    signed_webhooks_flow_back_and_forged_or_repeated_ones_change_nothing,
    github_refusals_rate_limits_and_garbage_change_nothing,
);

async fn a_future_fix_is_filed_once_even_when_the_first_answer_is_lost(db: Db) {
    let (github, issues) = fake_github().await;
    let Some(app) = app(db, &github, None).await else {
        return;
    };
    let id = future_fix(&app).await;
    // GitHub makes the issue but its answer comes after Steward gave up.
    github.fail("POST", REPO, Fault::Late(Duration::from_secs(3)), 1);
    let counts = run_sync(&app).await;
    assert_eq!(counts["pending"], 1, "{counts}");
    assert_eq!(issues.len(), 1, "GitHub made the issue");
    let f = fix(&app, id).await;
    assert_eq!(f["github"]["sync"], "pending", "{f}");
    assert_eq!(f["github"]["attempts"], 1);
    assert!(
        f["github"]["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("in time")),
        "{}",
        f["github"]
    );
    assert_eq!(f["state"], "open");

    // The retry finds the issue by its marker instead of filing again.
    due_now(&app).await;
    let counts = run_sync(&app).await;
    assert_eq!(counts["found"], 1, "{counts}");
    assert_eq!(github.count("POST", REPO), 1, "filed once");
    assert_eq!(issues.len(), 1);
    let f = fix(&app, id).await;
    assert_eq!(f["github"]["sync"], "filed", "{f}");
    assert_eq!(f["github"]["number"], 1);
    assert_eq!(
        f["github"]["url"],
        "https://github.com/northwind/ledger/issues/1"
    );
    assert_eq!(f["github"]["lastError"], Value::Null);

    // What GitHub was sent: the token, the labels, the context and the marker.
    let post = github
        .seen()
        .into_iter()
        .find(|s| s.method == "POST")
        .expect("a create");
    assert_eq!(
        post.headers["authorization"].to_str().expect("ascii"),
        format!("Bearer {TOKEN}")
    );
    let sent: Value = serde_json::from_slice(&post.body).expect("json");
    assert_eq!(sent["title"], "Make ledger writes idempotent");
    assert_eq!(sent["labels"], json!(["steward", "future-fix"]));
    let body = sent["body"].as_str().expect("body");
    assert!(body.contains("Every retry storm can charge customers twice."));
    assert!(body.contains("Idempotency keys on the write path"));
    assert!(body.contains("https://steward.example.com/incidents/"));
    assert!(
        body.ends_with(&format!("<!-- steward:fix:{id} -->\n"))
            || body.ends_with(&format!("<!-- steward:fix:{id} -->"))
    );

    // The link is audited, and the rule "future fix without an issue" sees it.
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'fix.github'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from fixes where github_issue_url is not null"
        )
        .await,
        1
    );

    // Nothing changed on GitHub: the second poll is a conditional hit.
    let counts = run_sync(&app).await;
    assert_eq!(counts.get("filed"), None, "{counts}");
    let counts = run_sync(&app).await;
    assert_eq!(counts["notModified"], 1, "{counts}");
    let last = github.seen().into_iter().last().expect("a poll");
    assert!(last.headers.contains_key("if-none-match"), "{last:?}");
    assert_eq!(
        count(
            &app,
            "select last_status from github_repositories where repository = 'northwind/ledger'"
        )
        .await,
        304
    );
    assert_eq!(github.count("POST", REPO), 1, "still filed once");
}

async fn closed_and_reopened_on_github_flow_back_by_poll(db: Db) {
    let (github, issues) = fake_github().await;
    let Some(app) = app(db, &github, None).await else {
        return;
    };
    let id = future_fix(&app).await;
    let counts = run_sync(&app).await;
    assert_eq!(counts["filed"], 1, "{counts}");
    run_sync(&app).await;

    issues.set_state(1, "closed", Some("completed"));
    let counts = run_sync(&app).await;
    assert_eq!(counts["changed"], 1, "{counts}");
    let f = fix(&app, id).await;
    assert_eq!(f["state"], "done", "{f}");
    assert!(f["doneAt"].is_string());
    assert_eq!(f["github"]["state"], "closed");

    // The same news again changes nothing.
    let counts = run_sync(&app).await;
    assert_eq!(counts.get("changed"), None, "{counts}");
    assert_eq!(fix(&app, id).await["version"], f["version"]);

    issues.set_state(1, "open", None);
    let counts = run_sync(&app).await;
    assert_eq!(counts["changed"], 1, "{counts}");
    let f = fix(&app, id).await;
    assert_eq!(f["state"], "open", "{f}");
    assert_eq!(f["doneAt"], Value::Null);

    issues.set_state(1, "closed", Some("not_planned"));
    run_sync(&app).await;
    let f = fix(&app, id).await;
    assert_eq!(f["state"], "not-doing", "{f}");
    assert!(f["reason"]
        .as_str()
        .is_some_and(|r| r.contains("not planned")));
    // Filed, closed, reopened, closed: each is an audit event by Steward.
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'fix.github' and actor_kind = 'system'"
        )
        .await,
        4
    );
}

fn sign(body: &str) -> String {
    format!(
        "sha256={}",
        steward_server::integrations::notify::sign(SECRET, body.as_bytes())
    )
}

async fn deliver(
    app: &TestApp,
    delivery: &str,
    event: &str,
    body: &str,
    sig: Option<String>,
) -> (u16, Value) {
    let mut request = app
        .anon
        .post(app.url("/api/v1/webhooks/github"))
        .header("content-type", "application/json")
        .header("x-github-event", event)
        .header("x-github-delivery", delivery)
        .header("user-agent", "GitHub-Hookshot/7e1a3f2")
        .body(body.to_string());
    if let Some(s) = sig {
        request = request.header("x-hub-signature-256", s);
    }
    let r = request.send().await.expect("delivery");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn event(action: &str, issue: &Value) -> String {
    json!({
        "action": action,
        "issue": issue,
        "repository": {"id": 812733310, "name": "ledger", "full_name": "northwind/ledger",
            "private": true, "html_url": "https://github.com/northwind/ledger"},
        "sender": {"login": "grace-h", "id": 5523114, "type": "User"},
        "type": {"id": 1, "name": "Bug"}
    })
    .to_string()
}

async fn signed_webhooks_flow_back_and_forged_or_repeated_ones_change_nothing(db: Db) {
    let (github, issues) = fake_github().await;
    let Some(app) = app(db, &github, Some(SECRET)).await else {
        return;
    };
    let id = future_fix(&app).await;
    run_sync(&app).await;
    let closed = issues.set_state(1, "closed", Some("completed"));
    let body = event("closed", &closed);
    let audits = "select count(*) from audit_events where action = 'fix.github'";
    let before = count(&app, audits).await;

    // Forged: another secret, no signature, a signature of another body.
    let forged = format!(
        "sha256={}",
        steward_server::integrations::notify::sign("not-the-secret", body.as_bytes())
    );
    for sig in [Some(forged), None, Some(sign("{}"))] {
        let (status, reply) = deliver(&app, "d-forged", "issues", &body, sig).await;
        assert_eq!(status, 401, "{reply}");
    }
    assert_eq!(fix(&app, id).await["state"], "open");
    assert_eq!(count(&app, audits).await, before);
    assert_eq!(
        count(&app, "select count(*) from github_deliveries").await,
        0
    );

    // Signed: the fix is done, once.
    let (status, reply) = deliver(&app, "d-1", "issues", &body, Some(sign(&body))).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["outcome"], "changed");
    assert_eq!(fix(&app, id).await["state"], "done");
    let (status, reply) = deliver(&app, "d-1", "issues", &body, Some(sign(&body))).await;
    assert_eq!(
        (status, reply["outcome"].as_str()),
        (200, Some("duplicate"))
    );
    assert_eq!(count(&app, audits).await, before + 1);

    // Actions it does not know (GitHub added `typed`), other events and pings: acknowledged.
    let typed = event("typed", &closed);
    let (status, reply) = deliver(&app, "d-2", "issues", &typed, Some(sign(&typed))).await;
    assert_eq!((status, reply["outcome"].as_str()), (200, Some("ignored")));
    let ping = r#"{"zen":"Keep it logically awesome.","hook_id":1}"#;
    let (status, reply) = deliver(&app, "d-3", "ping", ping, Some(sign(ping))).await;
    assert_eq!((status, reply["outcome"].as_str()), (200, Some("ignored")));

    // Reopened: open again; a late "closed" older than that changes nothing.
    let reopened = issues.set_state(1, "open", None);
    let body = event("reopened", &reopened);
    let (_, reply) = deliver(&app, "d-4", "issues", &body, Some(sign(&body))).await;
    assert_eq!(reply["outcome"], "changed");
    assert_eq!(fix(&app, id).await["state"], "open");
    let late = event("closed", &closed);
    let (_, reply) = deliver(&app, "d-5", "issues", &late, Some(sign(&late))).await;
    assert_eq!(reply["outcome"], "unchanged");
    assert_eq!(fix(&app, id).await["state"], "open");

    // An issue Steward did not file, and a body that is not JSON.
    let mut other = closed.clone();
    other["number"] = json!(77);
    let body = event("closed", &other);
    let (_, reply) = deliver(&app, "d-6", "issues", &body, Some(sign(&body))).await;
    assert_eq!(reply["outcome"], "unknown-issue");
    let (status, _) = deliver(&app, "d-7", "issues", "not json", Some(sign("not json"))).await;
    assert_eq!(status, 400);
    assert_eq!(fix(&app, id).await["state"], "open");
}

async fn github_refusals_rate_limits_and_garbage_change_nothing(db: Db) {
    let (github, issues) = fake_github().await;
    let Some(app) = app(db, &github, None).await else {
        return;
    };
    // Without a webhook secret the webhook does not exist.
    let (status, _) = deliver(&app, "d-1", "issues", "{}", Some(sign("{}"))).await;
    assert_eq!(status, 404);

    let id = future_fix(&app).await;
    let server_error = r#"{"message":"Server Error"}"#;
    github.fail("POST", REPO, Fault::Status(502, vec![], server_error), 1);
    let counts = run_sync(&app).await;
    assert_eq!(counts["pending"], 1, "{counts}");
    let f = fix(&app, id).await;
    assert!(
        f["github"]["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("502")),
        "{f}"
    );

    // Garbage on a success: the issue may exist, so the retry looks before filing.
    due_now(&app).await;
    github.fail("GET", REPO, Fault::Garbage, 1);
    let counts = run_sync(&app).await;
    assert_eq!(counts["pending"], 1, "{counts}");
    assert_eq!(
        github.count("POST", REPO),
        1,
        "no create while the lookup failed"
    );
    assert_eq!(issues.len(), 0);

    // Rate limited: GitHub's reset time is kept and no call is made before it.
    due_now(&app).await;
    let limited: Vec<(&'static str, String)> = rate_headers(0).into_iter().collect();
    github.fail(
        "GET",
        REPO,
        Fault::Status(
            403,
            limited,
            r#"{"message":"API rate limit exceeded for installation ID 1."}"#,
        ),
        1,
    );
    run_sync(&app).await;
    let calls = github.seen().len();
    due_now(&app).await;
    let counts = run_sync(&app).await;
    assert_eq!(
        github.seen().len(),
        calls,
        "no call while the budget is spent"
    );
    assert_eq!(counts["pending"], 1, "{counts}");
    let status = app.get("/api/v1/integrations/github").await;
    assert_eq!(status.status, 200, "{}", status.text);
    assert_eq!(status.body["configured"], true);
    assert_eq!(status.body["budget"][0]["resource"], "core");
    assert_eq!(status.body["budget"][0]["remaining"], 0);
    assert_eq!(status.body["budget"][0]["limit"], 5000);
    assert!(status.body["blockedUntil"].is_string(), "{}", status.text);
    assert_eq!(status.body["pending"][0]["fix"], id);
    assert!(status.body["pending"][0]["lastError"]
        .as_str()
        .is_some_and(|e| e.contains("rate limit")));

    // A member may not see the budget.
    let member = make_token(&app.store, "grace", Role::Member, Scope::Write, None).await;
    let r = crate::helpers::client(Some(&member))
        .get(app.url("/api/v1/integrations/github"))
        .send()
        .await
        .expect("status");
    assert_eq!(r.status(), 403);

    // The budget resets: the fix is filed, once.
    sqlx::query("update github_budget set remaining = 4000, blocked_until = null")
        .execute(&app.store.pool)
        .await
        .expect("reset");
    due_now(&app).await;
    let counts = run_sync(&app).await;
    assert_eq!(counts["filed"], 1, "{counts}");
    assert_eq!(issues.len(), 1);

    // Retry-After on a poll, then garbage: the fix stays as it was.
    issues.set_state(1, "closed", Some("completed"));
    github.fail(
        "GET",
        REPO,
        Fault::Status(
            429,
            vec![("retry-after", "1".into())],
            r#"{"message":"You have exceeded a secondary rate limit."}"#,
        ),
        1,
    );
    let counts = run_sync(&app).await;
    assert_eq!(counts["pollErrors"], 1, "{counts}");
    assert_eq!(fix(&app, id).await["state"], "open");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    github.fail("GET", REPO, Fault::Garbage, 1);
    let counts = run_sync(&app).await;
    assert_eq!(counts["pollErrors"], 1, "{counts}");
    let f = fix(&app, id).await;
    assert_eq!(f["state"], "open");
    assert_eq!(f["github"]["sync"], "filed");
    assert_eq!(count(&app, "select count(*) from fixes").await, 1);
    // And once GitHub answers properly, the close flows back.
    let counts = run_sync(&app).await;
    assert_eq!(counts["changed"], 1, "{counts}");
    assert_eq!(fix(&app, id).await["state"], "done");
}
