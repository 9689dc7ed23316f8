//! Notifications: channels through the API, and the outbox delivered to real servers on
//! 127.0.0.1 inside the test — a webhook that fails twice then accepts, one that hangs, a
//! Slack-compatible one, and a small SMTP server — with the production client code.

use crate::both;
use crate::helpers::{run_job, TestApp};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use steward_server::configuration::Settings;
use steward_server::integrations::notify::digest::FailsSoon;
use steward_server::integrations::notify::{self, deliver_due, sign, Notifier};
use steward_server::store::outbox::{enqueue_finding_opened, OpenedFinding};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

both!(
    a_failing_webhook_is_retried_with_backoff_and_delivered_once,
    a_hanging_webhook_costs_one_attempt_and_blocks_nothing,
    concurrent_passes_never_send_a_row_twice,
    channels_are_validated_and_secrets_shown_once,
    the_weekly_digest_tells_what_changed,
    a_tier_one_finding_reaches_its_team_through_the_jobs,
);

/// One request a fake receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: String,
    answered: u16,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn got(&self, path: &str) -> Vec<Received> {
        let got = self.got.lock().expect("lock");
        got.iter().filter(|r| r.path == path).cloned().collect()
    }
}

async fn record(r: &Receiver, path: &str, headers: HeaderMap, body: String) -> StatusCode {
    let mut got = r.got.lock().expect("lock");
    let earlier = got.iter().filter(|g| g.path == path).count();
    // `/flaky` fails twice, then accepts.
    let status = if path == "/flaky" && earlier < 2 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    got.push(Received {
        path: path.into(),
        headers,
        body,
        answered: status.as_u16(),
    });
    status
}

/// Starts the fake webhook receiver; answers its base URL.
async fn receiver() -> (String, Receiver) {
    let r = Receiver::default();
    let app = axum::Router::new()
        .route(
            "/flaky",
            post(
                |State(r): State<Receiver>, h: HeaderMap, b: String| async move {
                    record(&r, "/flaky", h, b).await
                },
            ),
        )
        .route(
            "/ok",
            post(
                |State(r): State<Receiver>, h: HeaderMap, b: String| async move {
                    record(&r, "/ok", h, b).await
                },
            ),
        )
        .route(
            "/hang",
            post(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(120)).await;
                StatusCode::OK
            }),
        )
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, r)
}

/// A minimal SMTP server: accepts every message and keeps its DATA.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let mails = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 fake ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            mails
                                .lock()
                                .expect("lock")
                                .push(data.take().unwrap_or_default());
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 fake\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(answer).await;
                }
            });
        }
    });
    (port, mails)
}

fn notifier(timeout_secs: u64, smtp_port: Option<u16>) -> Notifier {
    let settings = Settings {
        smtp_url: smtp_port.map(|p| format!("smtp://127.0.0.1:{p}")),
        smtp_from: smtp_port.map(|_| "Steward <steward@example.com>".to_string()),
        ..Settings::default()
    };
    Notifier::new(&settings)
        .expect("notifier")
        .with_timeout(std::time::Duration::from_secs(timeout_secs))
        .expect("timeout")
}

fn opened(id: i64, service: &str, teams: &[&str]) -> OpenedFinding {
    OpenedFinding {
        finding_id: id,
        service: service.into(),
        service_name: format!("The {service}"),
        tier: 1,
        teams: teams.iter().map(|t| t.to_string()).collect(),
        rule: "escalation-policy".into(),
        rule_title: "Has an escalation policy".into(),
        severity: "high".into(),
        message: format!("{service} has no escalation policy"),
        how_to_fix: "Choose one on the service page.".into(),
        subject: "-".into(),
        reopened: false,
    }
}

async fn channel(app: &TestApp, team: &str, kind: &str, target: &str) -> Value {
    let r = app
        .post(
            &format!("/api/v1/teams/{team}/channels"),
            &json!({"kind": kind, "name": format!("{team} {kind}"), "target": target}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

async fn enqueue(app: &TestApp, f: &OpenedFinding) -> u64 {
    let mut conn = app.store.pool.acquire().await.expect("connection");
    enqueue_finding_opened(&mut conn, f).await.expect("enqueue")
}

async fn pass(app: &TestApp, replica: &str, n: &Notifier) -> BTreeMap<String, i64> {
    deliver_due(&app.store, replica, n)
        .await
        .expect("delivery pass")
}

fn counts(claimed: i64, sent: i64, retried: i64, failed: i64) -> BTreeMap<String, i64> {
    BTreeMap::from([
        ("claimed".to_string(), claimed),
        ("sent".to_string(), sent),
        ("retried".to_string(), retried),
        ("failed".to_string(), failed),
    ])
}

/// Makes every pending row due now, instead of waiting out its backoff.
async fn make_due(app: &TestApp) {
    sqlx::query(
        "update outbox set next_attempt_at = '2000-01-01T00:00:00.000000Z' \
         where state = 'pending'",
    )
    .execute(&app.store.pool)
    .await
    .expect("make due");
}

async fn a_failing_webhook_is_retried_with_backoff_and_delivered_once(app: TestApp) {
    app.seed().await;
    let (base, fake) = receiver().await;
    let created = channel(&app, "payments", "webhook", &format!("{base}/flaky")).await;
    let secret = created["secret"].as_str().expect("secret").to_string();
    channel(&app, "platform", "slack", &format!("{base}/ok")).await;
    let n = notifier(5, None);

    // payments-api is owned by payments and platform: one row per channel of each.
    assert_eq!(
        enqueue(&app, &opened(7, "payments-api", &["payments", "platform"])).await,
        2
    );
    assert_eq!(pass(&app, "a", &n).await, counts(2, 1, 1, 0));
    let (attempts, error, next): (i64, String, String) = sqlx::query_as(
        "select attempts, last_error, next_attempt_at from outbox where state = 'pending'",
    )
    .fetch_one(&app.store.pool)
    .await
    .expect("pending row");
    assert_eq!((attempts, error.as_str()), (1, "HTTP 500"));
    let next = DateTime::parse_from_rfc3339(&next).expect("instant");
    assert!(next > Utc::now() + Duration::seconds(20), "backs off ~30 s");
    // Not due yet: nothing is sent.
    assert_eq!(pass(&app, "a", &n).await, counts(0, 0, 0, 0));

    make_due(&app).await;
    assert_eq!(pass(&app, "a", &n).await, counts(1, 0, 1, 0));
    let next: String =
        sqlx::query_scalar("select next_attempt_at from outbox where state = 'pending'")
            .fetch_one(&app.store.pool)
            .await
            .expect("pending row");
    let next = DateTime::parse_from_rfc3339(&next).expect("instant");
    assert!(next > Utc::now() + Duration::seconds(100), "then ~2 min");
    make_due(&app).await;
    assert_eq!(pass(&app, "a", &n).await, counts(1, 1, 0, 0));
    make_due(&app).await;
    assert_eq!(pass(&app, "a", &n).await, counts(0, 0, 0, 0));

    // Three requests, one accepted, all the same delivery, each validly signed.
    let got = fake.got("/flaky");
    let answers: Vec<u16> = got.iter().map(|g| g.answered).collect();
    assert_eq!(answers, [500, 500, 200]);
    let ids: BTreeSet<&str> = got
        .iter()
        .map(|g| g.headers["steward-delivery"].to_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 1);
    for g in &got {
        let expected = format!("sha256={}", sign(&secret, g.body.as_bytes()));
        assert_eq!(g.headers["steward-signature"], expected.as_str());
        assert_eq!(g.headers["steward-event"], "finding-opened");
        assert_eq!(g.headers["content-type"], "application/json");
    }
    // Checked independently of Steward's own `sign`.
    {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(got[2].body.as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            got[2].headers["steward-signature"],
            format!("sha256={hex}").as_str()
        );
    }
    let body: Value = serde_json::from_str(&got[2].body).expect("json body");
    assert_eq!(body["findingId"], 7);
    assert_eq!(body["teams"], json!(["payments", "platform"]));
    let slack = fake.got("/ok");
    assert_eq!(slack.len(), 1);
    let text: Value = serde_json::from_str(&slack[0].body).expect("slack body");
    assert!(
        text["text"]
            .as_str()
            .expect("text")
            .contains("*New finding* on *The payments-api*"),
        "{text}"
    );

    let r = app.get("/api/v1/teams/payments/deliveries").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = &r.body[0];
    assert_eq!(
        (
            d["state"].as_str(),
            d["attempts"].as_i64(),
            d["kind"].as_str()
        ),
        (Some("sent"), Some(3), Some("finding-opened"))
    );
    assert_eq!(d["channelKind"], "webhook");
    assert!(d["sentAt"].is_string());
    assert_eq!(
        d["subject"],
        "[Steward] The payments-api (tier 1): Has an escalation policy"
    );
    let r = app
        .get("/api/v1/teams/payments/deliveries?state=bogus")
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = app.get("/api/v1/teams/nobody/deliveries").await;
    assert_eq!(r.status, 404, "{}", r.text);
}

async fn a_hanging_webhook_costs_one_attempt_and_blocks_nothing(app: TestApp) {
    app.seed().await;
    let (base, fake) = receiver().await;
    channel(&app, "payments", "webhook", &format!("{base}/hang")).await;
    channel(&app, "payments", "slack", &format!("{base}/ok")).await;
    assert_eq!(enqueue(&app, &opened(1, "ledger", &["payments"])).await, 2);
    let started = std::time::Instant::now();
    assert_eq!(
        pass(&app, "a", &notifier(1, None)).await,
        counts(2, 1, 1, 0)
    );
    // A bound on the timeout, not a benchmark: the hang lasts two minutes.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(fake.got("/ok").len(), 1);
    let error: String = sqlx::query_scalar("select last_error from outbox where state = 'pending'")
        .fetch_one(&app.store.pool)
        .await
        .expect("pending row");
    assert_eq!(error, "no answer within 1 s");

    // After the last attempt it is given up.
    sqlx::query("update outbox set attempts = 7 where state = 'pending'")
        .execute(&app.store.pool)
        .await
        .expect("attempts");
    make_due(&app).await;
    assert_eq!(
        pass(&app, "a", &notifier(1, None)).await,
        counts(1, 0, 0, 1)
    );
    let r = app
        .get("/api/v1/teams/payments/deliveries?state=failed")
        .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.text);
    assert_eq!(r.body[0]["attempts"], 8);
}

async fn concurrent_passes_never_send_a_row_twice(app: TestApp) {
    app.seed().await;
    let (base, fake) = receiver().await;
    channel(&app, "payments", "webhook", &format!("{base}/ok")).await;
    for id in 1..=30 {
        enqueue(&app, &opened(id, "ledger", &["payments"])).await;
    }
    // A row leased by a replica that is still sending is left alone; one whose lease ran
    // out (the replica died mid-send) is taken over.
    sqlx::query(
        "update outbox set claimed_by = 'alive', claimed_until = '2999-01-01T00:00:00.000000Z' \
         where id = 1",
    )
    .execute(&app.store.pool)
    .await
    .expect("live lease");
    sqlx::query(
        "update outbox set claimed_by = 'dead', claimed_until = '2000-01-01T00:00:00.000000Z' \
         where id = 2",
    )
    .execute(&app.store.pool)
    .await
    .expect("expired lease");
    let n = notifier(5, None);
    let (a, b) = tokio::join!(pass(&app, "a", &n), pass(&app, "b", &n));
    assert_eq!(a["claimed"] + b["claimed"], 29, "{a:?} {b:?}");
    assert_eq!(a["sent"] + b["sent"], 29, "{a:?} {b:?}");
    let got = fake.got("/ok");
    let ids: BTreeSet<String> = got
        .iter()
        .map(|g| {
            g.headers["steward-delivery"]
                .to_str()
                .expect("id")
                .to_string()
        })
        .collect();
    assert_eq!((got.len(), ids.len()), (29, 29), "each row sent once");
    assert!(ids.contains("2") && !ids.contains("1"));
}

async fn channels_are_validated_and_secrets_shown_once(app: TestApp) {
    app.seed().await;
    let audit_before = app.get("/api/v1/audit").await.body["total"].clone();
    let r = app
        .post(
            "/api/v1/teams/payments/channels",
            &json!({"kind": "webhook", "name": "", "target": "ftp://example.com/x"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    insta::allow_duplicates! {
        insta::assert_json_snapshot!(r.body, @r#"
        {
          "error": {
            "code": "validation",
            "details": [
              {
                "field": "name",
                "message": "must be 1–100 characters"
              },
              {
                "field": "target",
                "message": "must be an http(s) URL with a host"
              }
            ],
            "field": "name",
            "message": "name: must be 1–100 characters (and 1 more)"
          }
        }
        "#);
    }
    for body in [
        json!({"kind": "email", "name": "Team", "target": "not-an-address"}),
        json!({"kind": "pager", "name": "Team", "target": "x"}),
        json!({"kind": "slack", "name": "n".repeat(101), "target": "https://hooks.example.com/x"}),
    ] {
        let r = app.post("/api/v1/teams/payments/channels", &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
    }
    let r = app
        .post(
            "/api/v1/teams/nobody/channels",
            &json!({"kind": "email", "name": "Team", "target": "team@example.com"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let stored: i64 = sqlx::query_scalar("select count(*) from notification_channels")
        .fetch_one(&app.store.pool)
        .await
        .expect("count");
    assert_eq!(stored, 0, "nothing stored on bad input");
    assert_eq!(app.get("/api/v1/audit").await.body["total"], audit_before);

    let slack_url = "https://hooks.slack.com/services/T0001/B0002/s3cr3tSlackToken";
    let slack = channel(&app, "payments", "slack", slack_url).await;
    assert!(slack.get("secret").is_none());
    assert_eq!(slack["channel"]["target"], "https://hooks.slack.com/…");
    let hook = channel(
        &app,
        "payments",
        "webhook",
        "https://hooks.example.com/in?token=abc123",
    )
    .await;
    let secret = hook["secret"].as_str().expect("secret shown once");
    assert_eq!(secret.len(), 64);
    assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(hook["channel"]["signed"], true);
    channel(&app, "payments", "email", "payments@example.com").await;

    let list = app.get("/api/v1/teams/payments/channels").await;
    assert_eq!(list.status, 200, "{}", list.text);
    let kinds: Vec<&str> = list
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["slack", "webhook", "email"]);
    assert_eq!(list.body[1]["target"], "https://hooks.example.com/in");
    assert_eq!(list.body[2]["target"], "payments@example.com");
    let audit = app.get("/api/v1/audit?subject=payments").await;
    assert!(audit.text.contains("channel.create"), "{}", audit.text);
    for text in [&list.text, &audit.text] {
        assert!(!text.contains(secret), "the secret is shown only once");
        assert!(
            !text.contains("s3cr3tSlackToken"),
            "the Slack URL is a secret"
        );
        assert!(!text.contains("abc123"), "tokens in queries are not shown");
    }

    let id = hook["channel"]["id"].as_i64().expect("id");
    let r = app
        .delete(&format!("/api/v1/teams/platform/channels/{id}"))
        .await;
    assert_eq!(r.status, 404, "another team's channel: {}", r.text);
    let r = app
        .delete(&format!("/api/v1/teams/payments/channels/{id}"))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app
        .delete(&format!("/api/v1/teams/payments/channels/{id}"))
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let list = app.get("/api/v1/teams/payments/channels").await;
    assert_eq!(list.body.as_array().map(Vec::len), Some(2));
}

/// Inserts a finding of `service` with its events (`(days before now, change)`).
async fn finding(
    app: &TestApp,
    now: DateTime<Utc>,
    service: &str,
    rule: &str,
    severity: &str,
    state: &str,
    events: &[(i64, &str)],
) {
    let at = |days: i64| {
        (now - Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    };
    let first = at(events[0].0);
    let id: i64 = sqlx::query_scalar(
        "insert into findings (service_id, rule_id, subject, state, result, severity, message, \
         first_seen_at, last_seen_at, reopened_count, updated_at) values \
         ((select id from services where slug = $1), $2, '-', $3, 'fail', $4, $5, $6, $6, $7, $6) \
         returning id",
    )
    .bind(service)
    .bind(rule)
    .bind(state)
    .bind(severity)
    .bind(format!("{service} fails {rule}"))
    .bind(&first)
    .bind(events.iter().filter(|e| e.1 == "reopened").count() as i64)
    .fetch_one(&app.store.pool)
    .await
    .expect("finding");
    for (days, change) in events {
        sqlx::query(
            "insert into finding_events (finding_id, at, change, result) values ($1, $2, $3, 'fail')",
        )
        .bind(id)
        .bind(at(*days))
        .bind(*change)
        .execute(&app.store.pool)
        .await
        .expect("event");
    }
}

async fn history(app: &TestApp, kind: &str, scope: &str, day: &str, level: &str) {
    sqlx::query(
        "insert into scorecard_history (scope_kind, scope, day, level, percent_bp, services, levels) \
         values ($1, $2, $3, $4, 5000, 1, '{}')",
    )
    .bind(kind)
    .bind(scope)
    .bind(day)
    .bind(level)
    .execute(&app.store.pool)
    .await
    .expect("history");
}

async fn exemption(app: &TestApp, service: &str, rule: &str, expires: &str, revoked: bool) {
    sqlx::query(
        "insert into exemptions (service_id, rule_id, reason, approved_by, expires_at, revoked_at, \
         created_at) values ((select id from services where slug = $1), $2, 'migrating', 'ada', \
         $3, $4, '2026-11-01T00:00:00.000000Z')",
    )
    .bind(service)
    .bind(rule)
    .bind(expires)
    .bind(revoked.then_some("2026-11-20T00:00:00.000000Z"))
    .execute(&app.store.pool)
    .await
    .expect("exemption");
}

async fn the_weekly_digest_tells_what_changed(app: TestApp) {
    app.seed().await;
    let now: DateTime<Utc> = "2026-11-30T08:00:00Z".parse().expect("now");
    // payments owns ledger and payments-api; status-page is platform's only.
    finding(
        &app,
        now,
        "ledger",
        "has-runbook",
        "medium",
        "open",
        &[(2, "opened")],
    )
    .await;
    finding(
        &app,
        now,
        "payments-api",
        "team-lead",
        "high",
        "open",
        &[(20, "opened"), (10, "resolved"), (1, "reopened")],
    )
    .await;
    finding(
        &app,
        now,
        "ledger",
        "repository",
        "low",
        "resolved",
        &[(12, "opened"), (3, "resolved")],
    )
    .await;
    finding(
        &app,
        now,
        "ledger",
        "escalation-policy",
        "critical",
        "open",
        &[(30, "opened")],
    )
    .await;
    finding(
        &app,
        now,
        "payments-api",
        "old-fixed",
        "low",
        "resolved",
        &[(40, "opened"), (9, "resolved")],
    )
    .await;
    finding(
        &app,
        now,
        "status-page",
        "has-runbook",
        "high",
        "open",
        &[(1, "opened")],
    )
    .await;
    history(&app, "team", "payments", "2026-11-20", "bronze").await;
    history(&app, "team", "payments", "2026-11-30", "silver").await;
    history(&app, "service", "ledger", "2026-11-01", "gold").await;
    history(&app, "service", "ledger", "2026-11-28", "silver").await;
    history(&app, "service", "payments-api", "2026-11-01", "bronze").await;
    history(&app, "service", "status-page", "2026-11-01", "gold").await;
    history(&app, "service", "status-page", "2026-11-29", "none").await;
    exemption(
        &app,
        "ledger",
        "escalation-policy",
        "2026-12-05T00:00:00.000000Z",
        false,
    )
    .await;
    exemption(
        &app,
        "ledger",
        "repository",
        "2026-12-04T00:00:00.000000Z",
        true,
    )
    .await;
    exemption(
        &app,
        "payments-api",
        "team-lead",
        "2027-01-30T00:00:00.000000Z",
        false,
    )
    .await;

    let (base, fake) = receiver().await;
    channel(&app, "payments", "webhook", &format!("{base}/ok")).await;
    channel(&app, "payments", "email", "payments@example.com").await;
    let want = |teams, enqueued, skipped| {
        BTreeMap::from([
            ("teams".to_string(), teams),
            ("enqueued".to_string(), enqueued),
            ("skipped".to_string(), skipped),
        ])
    };
    // The checks engine may add what it sees about to fail.
    let soon = FailsSoon {
        service: "payments-api".into(),
        service_name: "The payments-api".into(),
        rule: "schedule-gaps".into(),
        what: "nobody is on call from then".into(),
        at: "2026-12-10".into(),
    };
    let extra = BTreeMap::from([("payments".to_string(), vec![soon])]);
    let weekly = notify::enqueue_weekly_with(&app.store, now, &extra)
        .await
        .expect("digest");
    assert_eq!(weekly, want(1, 2, 0), "only payments has channels");
    let again = notify::enqueue_weekly(&app.store, now)
        .await
        .expect("digest");
    assert_eq!(
        again,
        want(1, 0, 1),
        "a second run on the day queues nothing"
    );

    let (port, mails) = smtp_server().await;
    assert_eq!(
        pass(&app, "a", &notifier(5, Some(port))).await,
        counts(2, 2, 0, 0)
    );
    let got = fake.got("/ok");
    assert_eq!(got[0].headers["steward-event"], "digest");
    let mut digest: Value = serde_json::from_str(&got[0].body).expect("json");
    for list in ["new", "fixed", "worst"] {
        for f in digest[list].as_array_mut().expect("list") {
            f["findingId"] = json!("[id]");
        }
    }
    insta::allow_duplicates! {
        insta::assert_json_snapshot!(digest, @r#"
        {
          "failsSoon": [
            {
              "at": "2026-12-05",
              "rule": "escalation-policy",
              "service": "ledger",
              "serviceName": "The ledger",
              "what": "its exemption expires"
            },
            {
              "at": "2026-12-10",
              "rule": "schedule-gaps",
              "service": "payments-api",
              "serviceName": "The payments-api",
              "what": "nobody is on call from then"
            }
          ],
          "fixed": [
            {
              "at": "2026-11-27T08:00:00.000000Z",
              "findingId": "[id]",
              "message": "ledger fails repository",
              "reopened": false,
              "rule": "repository",
              "service": "ledger",
              "serviceName": "The ledger",
              "severity": "low",
              "tier": 1
            }
          ],
          "fixedTotal": 1,
          "from": "2026-11-23",
          "levelChanges": [
            {
              "after": "silver",
              "before": "bronze",
              "name": "Team PAYMENTS",
              "scope": "payments",
              "scopeKind": "team"
            },
            {
              "after": "silver",
              "before": "gold",
              "name": "The ledger",
              "scope": "ledger",
              "scopeKind": "service"
            }
          ],
          "new": [
            {
              "at": "2026-11-29T08:00:00.000000Z",
              "findingId": "[id]",
              "message": "payments-api fails team-lead",
              "reopened": true,
              "rule": "team-lead",
              "service": "payments-api",
              "serviceName": "The payments-api",
              "severity": "high",
              "tier": 1
            },
            {
              "at": "2026-11-28T08:00:00.000000Z",
              "findingId": "[id]",
              "message": "ledger fails has-runbook",
              "reopened": false,
              "rule": "has-runbook",
              "service": "ledger",
              "serviceName": "The ledger",
              "severity": "medium",
              "tier": 1
            }
          ],
          "newTotal": 2,
          "stillOpen": 3,
          "team": "payments",
          "teamName": "PAYMENTS",
          "to": "2026-11-30",
          "worst": [
            {
              "at": "2026-10-31T08:00:00.000000Z",
              "findingId": "[id]",
              "message": "ledger fails escalation-policy",
              "reopened": false,
              "rule": "escalation-policy",
              "service": "ledger",
              "serviceName": "The ledger",
              "severity": "critical",
              "tier": 1
            },
            {
              "at": "2026-11-10T08:00:00.000000Z",
              "findingId": "[id]",
              "message": "payments-api fails team-lead",
              "reopened": true,
              "rule": "team-lead",
              "service": "payments-api",
              "serviceName": "The payments-api",
              "severity": "high",
              "tier": 1
            },
            {
              "at": "2026-11-28T08:00:00.000000Z",
              "findingId": "[id]",
              "message": "ledger fails has-runbook",
              "reopened": false,
              "rule": "has-runbook",
              "service": "ledger",
              "serviceName": "The ledger",
              "severity": "medium",
              "tier": 1
            }
          ]
        }
        "#);
    }
    let mails = mails.lock().expect("lock").clone();
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert!(
        mail.contains("Subject: [Steward] Weekly digest for PAYMENTS, 2026-11-30"),
        "{mail}"
    );
    assert!(mail.contains("To: payments@example.com"), "{mail}");
    assert!(mail.contains("NEW FINDINGS (2)"), "{mail}");
    assert!(mail.contains("- Team PAYMENTS: bronze -> silver"), "{mail}");
}

/// The whole way: a checks pass opens findings on a tier 1 and a tier 3 service; only the
/// tier 1 ones are queued (with the finding, in its transaction), the deliveries job sends
/// them to the team's webhook, and a second pass queues nothing more.
async fn a_tier_one_finding_reaches_its_team_through_the_jobs(app: TestApp) {
    app.seed().await;
    let (base, got) = receiver().await;
    channel(&app, "platform", "webhook", &format!("{base}/ok")).await;
    let mut urgent = crate::helpers::service("gateway", &["platform"], 1, &[]);
    urgent["description"] = json!(null);
    let mut minor = crate::helpers::service("intranet", &["platform"], 3, &[]);
    minor["description"] = json!(null);
    for body in [urgent, minor] {
        assert_eq!(app.post("/api/v1/services", &body).await.status, 201);
    }
    assert_eq!(run_job(&app, "checks").await["outcome"], "succeeded");
    let payloads: Vec<String> =
        sqlx::query_scalar("select payload from outbox where kind = 'finding-opened'")
            .fetch_all(&app.store.pool)
            .await
            .expect("outbox");
    assert!(!payloads.is_empty());
    assert!(
        payloads.iter().any(|p| p.contains("gateway")),
        "{payloads:?}"
    );
    assert!(
        !payloads
            .iter()
            .any(|p| p.contains("intranet") || p.contains("status-page")),
        "tier 3 findings wait for the digest: {payloads:?}"
    );
    let run = run_job(&app, "deliveries").await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["counts"]["sent"], payloads.len() as i64, "{run}");
    let received = got.got("/ok");
    assert_eq!(received.len(), payloads.len());
    assert!(received
        .iter()
        .all(|r| r.headers["steward-event"] == "finding-opened"));
    assert!(received.iter().any(|r| r.body.contains("gateway")));

    assert_eq!(run_job(&app, "checks").await["outcome"], "succeeded");
    let again: i64 = sqlx::query_scalar("select count(*) from outbox")
        .fetch_one(&app.store.pool)
        .await
        .expect("count");
    assert_eq!(again, payloads.len() as i64, "an open finding is sent once");
}
