//! The authorization matrix: every mutating route of the OpenAPI document × seven callers,
//! with the exact status of each cell. A refused request must leave the catalog, the tokens,
//! the sessions, the calendar feeds and the audit log as they were. A mutating route that is
//! documented but has no row here fails the test.

use crate::both;
use crate::helpers::{browser, client, make_token, service, Reply, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use steward_server::domain::authz::{Role, Scope};

both!(every_mutating_route_for_every_caller);

const PASSWORD: &str = "matrix password 1";

/// The callers, in the order of each row's statuses.
const CALLERS: [&str; 7] = [
    "anonymous",
    "viewer",
    "member of another team",
    "member of the owning team",
    "admin",
    "read token",
    "write token",
];

/// Route → the status for each caller, in the order the rows run (signing out comes before
/// signing in again).
const MATRIX: &[(&str, [u16; 7])] = &[
    ("POST /api/v1/services", [401, 403, 403, 201, 201, 403, 201]),
    (
        "PUT /api/v1/services/{slug}",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "DELETE /api/v1/services/{slug}",
        [401, 403, 403, 204, 204, 403, 204],
    ),
    ("POST /api/v1/teams", [401, 403, 403, 201, 201, 403, 201]),
    (
        "PUT /api/v1/teams/{slug}",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "DELETE /api/v1/teams/{slug}",
        [401, 403, 403, 204, 204, 403, 204],
    ),
    ("POST /api/v1/people", [401, 403, 403, 403, 201, 403, 403]),
    (
        "PUT /api/v1/people/{handle}",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "DELETE /api/v1/people/{handle}",
        [401, 403, 403, 403, 204, 403, 403],
    ),
    ("POST /api/v1/import", [401, 403, 403, 403, 200, 403, 403]),
    ("POST /api/v1/tokens", [401, 201, 201, 201, 201, 403, 403]),
    (
        "DELETE /api/v1/tokens/{id}",
        [401, 200, 200, 200, 200, 403, 403],
    ),
    ("POST /api/v1/accounts", [401, 403, 403, 403, 201, 403, 403]),
    (
        "PATCH /api/v1/accounts/{handle}",
        [401, 403, 403, 403, 200, 403, 403],
    ),
    (
        "POST /api/v1/schedules/{slug}/feeds",
        [401, 201, 201, 201, 201, 403, 201],
    ),
    (
        "POST /api/v1/people/{handle}/feeds",
        [401, 201, 201, 201, 201, 403, 201],
    ),
    (
        "DELETE /api/v1/feeds/{id}",
        [401, 200, 200, 200, 200, 403, 200],
    ),
    (
        "POST /api/v1/schedules",
        [401, 403, 403, 201, 201, 403, 201],
    ),
    (
        "PUT /api/v1/schedules/{slug}",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "DELETE /api/v1/schedules/{slug}",
        [401, 403, 403, 204, 204, 403, 204],
    ),
    (
        "POST /api/v1/schedules/preview",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    (
        "POST /api/v1/schedules/{slug}/overrides",
        [401, 403, 403, 201, 201, 403, 201],
    ),
    (
        "DELETE /api/v1/schedules/{slug}/overrides/{id}",
        [401, 403, 403, 204, 204, 403, 204],
    ),
    (
        "POST /api/v1/escalation-policies",
        [401, 403, 403, 201, 201, 403, 201],
    ),
    (
        "PUT /api/v1/escalation-policies/{slug}",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "DELETE /api/v1/escalation-policies/{slug}",
        [401, 403, 403, 204, 204, 403, 204],
    ),
    (
        "PUT /api/v1/services/{slug}/escalation-policy",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "POST /api/v1/teams/{slug}/channels",
        [401, 403, 403, 201, 201, 403, 201],
    ),
    (
        "DELETE /api/v1/teams/{slug}/channels/{id}",
        [401, 403, 403, 204, 204, 403, 204],
    ),
    // An admin account linked to no person has nobody to put on call: 422.
    ("POST /api/v1/swaps", [401, 403, 403, 201, 201, 403, 201]),
    (
        "POST /api/v1/swaps/{id}/take",
        [401, 403, 403, 200, 422, 403, 200],
    ),
    (
        "POST /api/v1/swaps/{id}/withdraw",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "POST /api/v1/jobs/{name}/run",
        [401, 403, 403, 403, 202, 403, 403],
    ),
    (
        "PUT /api/v1/rules/{id}",
        [401, 403, 403, 403, 200, 403, 403],
    ),
    (
        "POST /api/v1/rules/{id}/dry-run",
        [401, 200, 200, 200, 200, 200, 200],
    ),
    // ada leads payments, which owns ledger; bob is in another team, vic a viewer.
    (
        "POST /api/v1/exemptions",
        [401, 403, 403, 201, 201, 403, 201],
    ),
    (
        "DELETE /api/v1/exemptions/{id}",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "POST /api/v1/services/{slug}/scorecard/check",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "PUT /api/v1/services/{slug}/runbook",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "POST /api/v1/services/{slug}/runbook/review",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    // Anyone signed in declares; the commander (carol, none of the callers) and the
    // owning team's members change an incident on ledger.
    (
        "POST /api/v1/incidents",
        [401, 201, 201, 201, 201, 403, 201],
    ),
    (
        "PUT /api/v1/incidents/{id}",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    (
        "POST /api/v1/incidents/{id}/timeline",
        [401, 403, 403, 201, 201, 403, 201],
    ),
    // A fix of ledger (payments); the incident's commander is carol.
    ("POST /api/v1/fixes", [401, 403, 403, 201, 201, 403, 201]),
    (
        "PUT /api/v1/fixes/{id}",
        [401, 403, 403, 200, 200, 403, 200],
    ),
    // A lockfile of ledger (payments').
    (
        "POST /api/v1/services/{slug}/lockfiles",
        [401, 403, 403, 201, 201, 403, 201],
    ),
    // An OSV export archive: admins only.
    (
        "POST /api/v1/osv/archives",
        [401, 403, 403, 403, 200, 403, 403],
    ),
    (
        "PUT /api/v1/session/password",
        [401, 204, 204, 204, 204, 403, 403],
    ),
    (
        "DELETE /api/v1/session",
        [401, 204, 204, 204, 204, 400, 400],
    ),
    ("POST /api/v1/session", [200, 200, 200, 200, 200, 200, 200]),
    // GitHub's deliveries prove themselves by their signature, whoever sends them; without a
    // webhook secret (as here) the route does not exist for anyone.
    (
        "POST /api/v1/webhooks/github",
        [404, 404, 404, 404, 404, 404, 404],
    ),
];

struct Caller {
    client: reqwest::Client,
    /// The account and whether the client holds a session (cookie) rather than a token.
    handle: Option<&'static str>,
    session: bool,
}

/// Everything a refused request must not have changed.
async fn snapshot(app: &TestApp) -> String {
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&app.store.pool)
            .await
            .expect("count")
    };
    let feeds = format!(
        " feeds={} revoked_feeds={} exemptions={} revoked_exemptions={} rule_settings={} \
         job_runs={} findings={} incidents={} incident_events={} fixes={}",
        count("select count(*) from calendar_feeds").await,
        count("select count(*) from calendar_feeds where revoked_at is not null").await,
        count("select count(*) from exemptions").await,
        count("select count(*) from exemptions where revoked_at is not null").await,
        count("select coalesce(max(version), 0) from rule_settings").await,
        count("select count(*) from job_runs").await,
        count("select count(*) from findings").await,
        count("select count(*) from incidents").await,
        count("select count(*) from incident_events").await,
        count("select count(*) from fixes").await,
    );
    format!(
        "audit={} tokens={} revoked={} sessions={} accounts={} members={} inactive={} \
         overrides={} swaps={} open={}\n{}\n{}\n{}",
        count("select count(*) from audit_events").await,
        count("select count(*) from api_tokens").await,
        count("select count(*) from api_tokens where revoked_at is not null").await,
        count("select count(*) from sessions").await,
        count("select count(*) from accounts").await,
        count("select count(*) from accounts where role = 'member'").await,
        count("select count(*) from accounts where active = 0").await,
        count("select count(*) from schedule_overrides").await,
        count("select count(*) from swap_requests").await,
        count("select count(*) from swap_requests where state = 'open'").await,
        app.get("/api/v1/schedules").await.text,
        // Policies with the services that point to them.
        app.get("/api/v1/escalation-policies").await.text,
        app.get("/api/v1/export").await.text,
    ) + &feeds
        + &app.get("/api/v1/services/ledger/runbook").await.text
        + &app.get("/api/v1/incidents/1").await.text
        + &app.get("/api/v1/fixes/1").await.text
}

async fn version(app: &TestApp, path: &str) -> Value {
    let r = app.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.body["version"].clone()
}

/// The concrete request of a row for a caller: path, content type and body.
async fn request(app: &TestApp, route: &str, caller: &Caller) -> (String, &'static str, Vec<u8>) {
    let json_body = |v: Value| ("application/json", v.to_string().into_bytes());
    let (path, (content_type, body)) = match route {
        "POST /api/v1/services" => (
            "/api/v1/services".to_string(),
            json_body(service("matrix-svc", &["payments"], 3, &[])),
        ),
        "PUT /api/v1/services/{slug}" => {
            let mut body = service("ledger", &["payments"], 2, &[]);
            body["version"] = version(app, "/api/v1/services/ledger").await;
            ("/api/v1/services/ledger".into(), json_body(body))
        }
        "DELETE /api/v1/services/{slug}" => (
            "/api/v1/services/status-page".into(),
            json_body(json!(null)),
        ),
        "POST /api/v1/teams" => (
            "/api/v1/teams".into(),
            json_body(json!({"slug": "matrix-team", "name": "Matrix", "parent": "payments"})),
        ),
        "PUT /api/v1/teams/{slug}" => {
            let team = app.get("/api/v1/teams/payments").await.body;
            let body = json!({"slug": "payments", "name": "Payments", "parent": "platform",
                "members": team["members"], "version": team["version"]});
            ("/api/v1/teams/payments".into(), json_body(body))
        }
        "DELETE /api/v1/teams/{slug}" => ("/api/v1/teams/scratch".into(), json_body(json!(null))),
        "POST /api/v1/people" => (
            "/api/v1/people".into(),
            json_body(json!({"handle": "matrix-person", "name": "M", "timeZone": "UTC"})),
        ),
        "PUT /api/v1/people/{handle}" => {
            let body = json!({"handle": "ada", "name": "Ada L.", "timeZone": "Europe/London",
                "version": version(app, "/api/v1/people/ada").await});
            ("/api/v1/people/ada".into(), json_body(body))
        }
        "DELETE /api/v1/people/{handle}" => ("/api/v1/people/carol".into(), json_body(json!(null))),
        "POST /api/v1/import" => (
            "/api/v1/import".into(),
            (
                "application/yaml",
                "apiVersion: backstage.io/v1alpha1\nkind: Component\n\
                 metadata: { name: matrix-imported }\n\
                 spec: { type: service, lifecycle: production, owner: payments }\n"
                    .as_bytes()
                    .to_vec(),
            ),
        ),
        "POST /api/v1/tokens" => (
            "/api/v1/tokens".into(),
            json_body(json!({"name": "matrix", "scope": "read"})),
        ),
        "DELETE /api/v1/tokens/{id}" => {
            // A token of the caller's own (or of ada's, for callers without an account).
            let handle = caller.handle.unwrap_or("ada");
            let token = make_token(&app.store, handle, Role::Viewer, Scope::Read, None).await;
            let id: i64 = sqlx::query_scalar("select id from api_tokens where token_hash = $1")
                .bind(steward_server::auth::token_hash(&token))
                .fetch_one(&app.store.pool)
                .await
                .expect("token id");
            (format!("/api/v1/tokens/{id}"), json_body(json!(null)))
        }
        "PUT /api/v1/session/password" => (
            "/api/v1/session/password".into(),
            json_body(json!({"current": PASSWORD, "new": PASSWORD})),
        ),
        "DELETE /api/v1/session" => ("/api/v1/session".into(), json_body(json!(null))),
        "POST /api/v1/session" => (
            "/api/v1/session".into(),
            json_body(json!({"handle": caller.handle.unwrap_or("ada"), "password": PASSWORD})),
        ),
        "POST /api/v1/accounts" => (
            "/api/v1/accounts".into(),
            json_body(json!({"handle": "matrix-account", "role": "viewer"})),
        ),
        "PATCH /api/v1/accounts/{handle}" => (
            "/api/v1/accounts/matrix-target".into(),
            json_body(json!({"role": "member", "active": false})),
        ),
        "POST /api/v1/schedules/{slug}/feeds" => (
            "/api/v1/schedules/payments-oncall/feeds".into(),
            json_body(json!(null)),
        ),
        "POST /api/v1/people/{handle}/feeds" => {
            ("/api/v1/people/ada/feeds".into(), json_body(json!(null)))
        }
        "DELETE /api/v1/feeds/{id}" => {
            // A feed of the caller's own (or of ada's, for callers without an account).
            let id: i64 = sqlx::query_scalar(
                "insert into calendar_feeds (token_hash, schedule_id, account_id, created_at) \
                 values ($1, (select id from schedules where slug = 'payments-oncall'), \
                 (select id from accounts where handle = $2), '2026-03-01T00:00:00Z') \
                 returning id",
            )
            .bind(steward_server::auth::token_hash(
                &steward_server::auth::generate_feed_secret(),
            ))
            .bind(caller.handle.unwrap_or("ada"))
            .fetch_one(&app.store.pool)
            .await
            .expect("feed");
            (format!("/api/v1/feeds/{id}"), json_body(json!(null)))
        }
        "POST /api/v1/schedules" => (
            "/api/v1/schedules".into(),
            json_body(on_call_schedule("matrix-oncall")),
        ),
        "PUT /api/v1/schedules/{slug}" => {
            let mut body = app.get("/api/v1/schedules/payments-oncall").await.body;
            body["name"] = json!("Payments on call (renamed)");
            ("/api/v1/schedules/payments-oncall".into(), json_body(body))
        }
        "DELETE /api/v1/schedules/{slug}" => (
            "/api/v1/schedules/scratch-oncall".into(),
            json_body(json!(null)),
        ),
        "POST /api/v1/schedules/preview" => (
            "/api/v1/schedules/preview".into(),
            json_body(on_call_schedule("payments-oncall")),
        ),
        "POST /api/v1/schedules/{slug}/overrides" => (
            "/api/v1/schedules/payments-oncall/overrides".into(),
            json_body(json!({"person": "ada", "start": "2026-03-08T15:00:00Z",
                "end": "2026-03-08T17:00:00Z"})),
        ),
        "DELETE /api/v1/schedules/{slug}/overrides/{id}" => {
            let r = app
                .post(
                    "/api/v1/schedules/payments-oncall/overrides",
                    &json!({"person": "grace", "start": "2026-03-09T15:00:00Z",
                        "end": "2026-03-09T17:00:00Z"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
            let id = r.body["id"].as_i64().expect("id");
            (
                format!("/api/v1/schedules/payments-oncall/overrides/{id}"),
                json_body(json!(null)),
            )
        }
        "POST /api/v1/escalation-policies" => (
            "/api/v1/escalation-policies".into(),
            json_body(escalation_policy("matrix-escalation")),
        ),
        "PUT /api/v1/escalation-policies/{slug}" => {
            let mut body = app
                .get("/api/v1/escalation-policies/payments-escalation")
                .await
                .body;
            body["name"] = json!("Payments escalation (renamed)");
            (
                "/api/v1/escalation-policies/payments-escalation".into(),
                json_body(body),
            )
        }
        "DELETE /api/v1/escalation-policies/{slug}" => (
            "/api/v1/escalation-policies/scratch-escalation".into(),
            json_body(json!(null)),
        ),
        "PUT /api/v1/services/{slug}/escalation-policy" => (
            "/api/v1/services/ledger/escalation-policy".into(),
            json_body(json!({"policy": "payments-escalation"})),
        ),
        "POST /api/v1/swaps" => {
            let (start, end) = on_call_hour(app, "ada").await;
            let body = json!({"schedule": "payments-oncall", "person": "ada",
                "start": start, "end": end});
            ("/api/v1/swaps".into(), json_body(body))
        }
        "POST /api/v1/swaps/{id}/take" | "POST /api/v1/swaps/{id}/withdraw" => {
            let (start, end) = on_call_hour(app, "grace").await;
            let body = json!({"schedule": "payments-oncall", "person": "grace",
                "start": start, "end": end});
            let r = app.post("/api/v1/swaps", &body).await;
            assert_eq!(r.status, 201, "{}", r.text);
            let id = r.body["id"].as_i64().expect("id");
            let action = route.rsplit('/').next().expect("action");
            (
                format!("/api/v1/swaps/{id}/{action}"),
                json_body(json!(null)),
            )
        }
        "POST /api/v1/jobs/{name}/run" => {
            // The previous caller's run must have finished, or this one would be refused.
            wait_for_jobs(app).await;
            (
                "/api/v1/jobs/session-cleanup/run".into(),
                json_body(json!(null)),
            )
        }
        "PUT /api/v1/rules/{id}" => {
            let mut body = app.get("/api/v1/rules/catalog.description").await.body;
            body["weight"] = json!(5);
            ("/api/v1/rules/catalog.description".into(), json_body(body))
        }
        "POST /api/v1/rules/{id}/dry-run" => {
            let body = app.get("/api/v1/rules/catalog.description").await.body;
            (
                "/api/v1/rules/catalog.description/dry-run".into(),
                json_body(body),
            )
        }
        "POST /api/v1/exemptions" => (
            "/api/v1/exemptions".into(),
            json_body(json!({"service": "ledger", "rule": "catalog.repository",
                "reason": "Moving to the monorepo",
                "expiresAt": (chrono::Utc::now() + chrono::Duration::days(30))
                    .format("%Y-%m-%dT%H:%M:%SZ").to_string()})),
        ),
        "DELETE /api/v1/exemptions/{id}" => {
            let id: i64 = sqlx::query_scalar(
                "insert into exemptions (service_id, rule_id, reason, approved_by, expires_at, \
                 created_at) values ((select id from services where slug = 'ledger'), \
                 'catalog.repository', 'matrix', 'root', '2999-01-01T00:00:00Z', \
                 '2026-03-01T00:00:00Z') returning id",
            )
            .fetch_one(&app.store.pool)
            .await
            .expect("exemption");
            (format!("/api/v1/exemptions/{id}"), json_body(json!(null)))
        }
        "POST /api/v1/services/{slug}/scorecard/check" => (
            "/api/v1/services/ledger/scorecard/check".into(),
            json_body(json!(null)),
        ),
        "POST /api/v1/teams/{slug}/channels" => (
            "/api/v1/teams/payments/channels".into(),
            json_body(json!({"kind": "email", "name": "Payments", "target": "pay@example.com"})),
        ),
        "DELETE /api/v1/teams/{slug}/channels/{id}" => {
            let id: i64 = sqlx::query_scalar(
                "insert into notification_channels (team_id, kind, name, target, created_at, \
                 updated_at) values ((select id from teams where slug = 'payments'), 'email', \
                 'Matrix', 'pay@example.com', '2026-03-01T00:00:00Z', '2026-03-01T00:00:00Z') \
                 returning id",
            )
            .fetch_one(&app.store.pool)
            .await
            .expect("channel");
            (
                format!("/api/v1/teams/payments/channels/{id}"),
                json_body(json!(null)),
            )
        }
        "PUT /api/v1/services/{slug}/runbook" => {
            // Each save must change something: the body names the version it makes.
            let version = version(app, "/api/v1/services/ledger/runbook").await;
            let next = version.as_i64().unwrap_or(0) + 1;
            (
                "/api/v1/services/ledger/runbook".into(),
                json_body(json!({"body": format!("Matrix version {next}"), "version": version})),
            )
        }
        "POST /api/v1/services/{slug}/runbook/review" => (
            "/api/v1/services/ledger/runbook/review".into(),
            json_body(json!(null)),
        ),
        "POST /api/v1/incidents" => (
            "/api/v1/incidents".into(),
            json_body(matrix_incident("Declared by the matrix")),
        ),
        "PUT /api/v1/incidents/{id}" => {
            let version = version(app, "/api/v1/incidents/1").await;
            let mut body = matrix_incident(&format!("Matrix incident, version {version}"));
            body["version"] = version;
            ("/api/v1/incidents/1".into(), json_body(body))
        }
        "POST /api/v1/fixes" => ("/api/v1/fixes".into(), json_body(matrix_fix("Declared"))),
        "PUT /api/v1/fixes/{id}" => {
            let version = version(app, "/api/v1/fixes/1").await;
            let mut body = matrix_fix(&format!("Matrix fix, version {version}"));
            body["version"] = version;
            ("/api/v1/fixes/1".into(), json_body(body))
        }
        "POST /api/v1/incidents/{id}/timeline" => (
            "/api/v1/incidents/1/timeline".into(),
            json_body(json!({"text": "a note from the matrix"})),
        ),
        "POST /api/v1/services/{slug}/lockfiles" => (
            "/api/v1/services/ledger/lockfiles".into(),
            json_body(json!({"path": "requirements.txt", "content": "requests==2.32.3\n"})),
        ),
        "POST /api/v1/osv/archives" => (
            "/api/v1/osv/archives".into(),
            (
                "application/zip",
                crate::osv::archive(&["GHSA-35jh-r3h4-6jhm"]),
            ),
        ),
        "POST /api/v1/webhooks/github" => (
            "/api/v1/webhooks/github".into(),
            json_body(json!({"action": "closed", "issue": {"number": 1}})),
        ),
        other => panic!("no request for {other}"),
    };
    (path, content_type, body)
}

/// Puts back what an allowed request changed, so that the next caller meets the same state.
async fn restore(app: &TestApp, route: &str, caller: &Caller) {
    let admin = |method: &'static str, path: &'static str, body: Option<Value>| async move {
        let r = app.call(&app.client, method, path, body.as_ref()).await;
        assert!(r.status < 300, "restoring with {method} {path}: {}", r.text);
    };
    match route {
        "POST /api/v1/services" => admin("DELETE", "/api/v1/services/matrix-svc", None).await,
        "DELETE /api/v1/services/{slug}" => {
            let body = service("status-page", &["platform"], 3, &["payments-api"]);
            admin("POST", "/api/v1/services", Some(body)).await
        }
        "POST /api/v1/teams" => admin("DELETE", "/api/v1/teams/matrix-team", None).await,
        "DELETE /api/v1/teams/{slug}" => admin("POST", "/api/v1/teams", Some(scratch())).await,
        "POST /api/v1/people" => admin("DELETE", "/api/v1/people/matrix-person", None).await,
        "DELETE /api/v1/people/{handle}" => admin("POST", "/api/v1/people", Some(carol())).await,
        "POST /api/v1/import" => admin("DELETE", "/api/v1/services/matrix-imported", None).await,
        "DELETE /api/v1/session" if caller.session => {
            let r = app
                .call(
                    &caller.client,
                    "POST",
                    "/api/v1/session",
                    Some(&json!({"handle": caller.handle, "password": PASSWORD})),
                )
                .await;
            assert_eq!(r.status, 200, "signing back in: {}", r.text);
        }
        "POST /api/v1/schedules" => admin("DELETE", "/api/v1/schedules/matrix-oncall", None).await,
        "DELETE /api/v1/schedules/{slug}" => {
            admin(
                "POST",
                "/api/v1/schedules",
                Some(on_call_schedule("scratch-oncall")),
            )
            .await
        }
        "POST /api/v1/swaps" | "POST /api/v1/swaps/{id}/take" => {
            for sql in [
                "delete from swap_requests",
                "delete from schedule_overrides",
            ] {
                sqlx::query(sql)
                    .execute(&app.store.pool)
                    .await
                    .expect("restore swaps");
            }
        }
        "POST /api/v1/schedules/{slug}/overrides"
        | "DELETE /api/v1/schedules/{slug}/overrides/{id}" => {
            sqlx::query("delete from schedule_overrides")
                .execute(&app.store.pool)
                .await
                .expect("restore overrides");
        }
        "POST /api/v1/schedules/{slug}/feeds"
        | "POST /api/v1/people/{handle}/feeds"
        | "DELETE /api/v1/feeds/{id}" => {
            sqlx::query("delete from calendar_feeds")
                .execute(&app.store.pool)
                .await
                .expect("restore feeds");
        }
        "POST /api/v1/teams/{slug}/channels" => {
            sqlx::query("delete from notification_channels")
                .execute(&app.store.pool)
                .await
                .expect("restore channels");
        }
        "POST /api/v1/accounts" => {
            sqlx::query("delete from accounts where handle = 'matrix-account'")
                .execute(&app.store.pool)
                .await
                .expect("restore accounts");
        }
        "POST /api/v1/escalation-policies" => {
            admin(
                "DELETE",
                "/api/v1/escalation-policies/matrix-escalation",
                None,
            )
            .await
        }
        "DELETE /api/v1/escalation-policies/{slug}" => {
            let body = escalation_policy("scratch-escalation");
            admin("POST", "/api/v1/escalation-policies", Some(body)).await
        }
        "PUT /api/v1/services/{slug}/escalation-policy" => {
            let body = json!({"policy": null});
            admin(
                "PUT",
                "/api/v1/services/ledger/escalation-policy",
                Some(body),
            )
            .await
        }
        "POST /api/v1/services/{slug}/lockfiles" => {
            sqlx::query("delete from lockfiles")
                .execute(&app.store.pool)
                .await
                .expect("restore lockfiles");
        }
        "POST /api/v1/exemptions" | "DELETE /api/v1/exemptions/{id}" => {
            sqlx::query("delete from exemptions")
                .execute(&app.store.pool)
                .await
                .expect("restore exemptions");
        }
        "PATCH /api/v1/accounts/{handle}" => {
            let body = json!({"role": "viewer", "active": true});
            admin("PATCH", "/api/v1/accounts/matrix-target", Some(body)).await
        }
        _ => {}
    }
}

/// Waits until no job run is in progress.
async fn wait_for_jobs(app: &TestApp) {
    for _ in 0..400 {
        let running: i64 =
            sqlx::query_scalar("select count(*) from job_runs where outcome = 'running'")
                .fetch_one(&app.store.pool)
                .await
                .expect("runs");
        if running == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("a job run did not finish");
}

fn on_call_schedule(slug: &str) -> Value {
    json!({"slug": slug, "name": "Payments on call", "team": "payments",
        "timeZone": "Europe/Berlin", "layers": [{"name": "Primary", "start": "2026-03-02T09:00",
        "turn": {"unit": "weeks", "length": 1}, "participants": ["ada", "grace"]}]})
}

/// The last hour of `person`'s next turn on `payments-oncall`.
async fn on_call_hour(app: &TestApp, person: &str) -> (String, String) {
    let t = app
        .get("/api/v1/schedules/payments-oncall/timeline")
        .await
        .body;
    let seg = t["final"]
        .as_array()
        .expect("final")
        .iter()
        .find(|s| s["person"] == person)
        .expect("a turn in the next four weeks");
    let end =
        chrono::DateTime::parse_from_rfc3339(seg["end"].as_str().expect("end")).expect("instant");
    let start = end - chrono::Duration::hours(1);
    let fmt = |t: chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    (fmt(start), fmt(end))
}

fn escalation_policy(slug: &str) -> Value {
    json!({"slug": slug, "name": "Payments escalation", "team": "payments", "repeats": 1,
        "levels": [{"delayMinutes": 0, "targets": [{"schedule": "payments-oncall"}]},
            {"delayMinutes": 10, "targets": [{"person": "ada"}]}]})
}

fn scratch() -> Value {
    json!({"slug": "scratch", "name": "Scratch", "parent": "payments",
        "members": [{"person": "ada", "role": "member"}]})
}

fn matrix_incident(title: &str) -> Value {
    json!({"title": title, "severity": "SEV2", "services": ["ledger"], "commander": "carol",
        "detectedAt": "2026-12-01T10:00:00Z"})
}

fn matrix_fix(title: &str) -> Value {
    json!({"tier": "future", "service": "ledger", "title": title, "description": "what happened",
        "whyItMatters": "it will happen again", "direction": "refresh tokens centrally"})
}

fn carol() -> Value {
    json!({"handle": "carol", "name": "Carol", "timeZone": "UTC"})
}

async fn session_caller(app: &TestApp, handle: &'static str, role: Role) -> Caller {
    make_token(&app.store, handle, role, Scope::Read, Some(PASSWORD)).await;
    let client = app.sign_in(handle, PASSWORD).await;
    Caller {
        client,
        handle: Some(handle),
        session: true,
    }
}

async fn every_mutating_route_for_every_caller(app: TestApp) {
    app.seed().await;
    for (path, body) in [
        (
            "/api/v1/people",
            json!({"handle": "bob", "name": "Bob", "timeZone": "UTC"}),
        ),
        ("/api/v1/people", carol()),
        (
            "/api/v1/teams",
            json!({"slug": "search", "name": "Search",
            "members": [{"person": "bob", "role": "member"}]}),
        ),
        ("/api/v1/teams", scratch()),
        ("/api/v1/schedules", on_call_schedule("payments-oncall")),
        ("/api/v1/schedules", on_call_schedule("scratch-oncall")),
        (
            "/api/v1/escalation-policies",
            escalation_policy("payments-escalation"),
        ),
        (
            "/api/v1/escalation-policies",
            escalation_policy("scratch-escalation"),
        ),
    ] {
        let r = app.post(path, &body).await;
        assert_eq!(r.status, 201, "{path}: {}", r.text);
    }
    let r = app
        .put(
            "/api/v1/services/ledger/runbook",
            &json!({"body": "Matrix version 1"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post("/api/v1/incidents", &matrix_incident("Matrix incident"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["id"], 1);
    let r = app.post("/api/v1/fixes", &matrix_fix("Matrix fix")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["id"], 1);
    make_token(&app.store, "matrix-target", Role::Viewer, Scope::Read, None).await;
    let callers = [
        Caller {
            client: browser(),
            handle: None,
            session: false,
        },
        session_caller(&app, "vic", Role::Viewer).await,
        session_caller(&app, "bob", Role::Member).await,
        session_caller(&app, "ada", Role::Member).await,
        session_caller(&app, "root", Role::Admin).await,
        Caller {
            client: client(Some(
                &make_token(&app.store, "ada", Role::Member, Scope::Read, None).await,
            )),
            handle: Some("ada"),
            session: false,
        },
        Caller {
            client: client(Some(
                &make_token(&app.store, "ada", Role::Member, Scope::Write, None).await,
            )),
            handle: Some("ada"),
            session: false,
        },
    ];

    // The matrix covers exactly the mutating operations the OpenAPI document lists.
    let doc = app.get("/api/v1/openapi.json").await.body;
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|m| matches!(m.as_str(), "post" | "put" | "patch" | "delete"))
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let covered: BTreeSet<String> = MATRIX.iter().map(|(r, _)| r.to_string()).collect();
    assert_eq!(
        documented, covered,
        "every documented mutating route needs a row in the matrix (and only those)"
    );

    let mut failures = Vec::new();
    let mut cells = 0;
    for (route, expected) in MATRIX {
        let method = route.split_once(' ').expect("route").0;
        for (i, caller) in callers.iter().enumerate() {
            let (path, content_type, body) = request(&app, route, caller).await;
            let before = snapshot(&app).await;
            let response = caller
                .client
                .request(method.parse().expect("method"), app.url(&path))
                .header("content-type", content_type)
                .body(if method == "DELETE" { Vec::new() } else { body })
                .send()
                .await
                .expect("request");
            let reply: Reply = TestApp::reply(response).await;
            cells += 1;
            if reply.status != expected[i] {
                failures.push(format!(
                    "{route} as {}: {} (expected {}): {}",
                    CALLERS[i], reply.status, expected[i], reply.text
                ));
                continue;
            }
            if reply.status >= 400 {
                assert_eq!(
                    snapshot(&app).await,
                    before,
                    "{route} as {} was refused but changed something",
                    CALLERS[i]
                );
            } else {
                restore(&app, route, caller).await;
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(cells, MATRIX.len() * CALLERS.len());
}
