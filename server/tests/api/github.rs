//! GitHub sign-in, the whole OAuth web flow against a fake GitHub on 127.0.0.1 that serves
//! recorded GitHub responses: the authorize redirect, the code exchange, `/user` and the
//! organization membership, with a member, a denied non-member, a GitHub 5xx, a wrong code,
//! a forged state and a login that maps to nobody.

use crate::helpers::{browser, service, spawn_app_with, Db, TestApp};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use steward_server::configuration::GithubSettings;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/fixtures/github");
const CLIENT_SECRET: &str = "fake-client-secret";
const GOOD_CODE: &str = "code-from-github";

/// How the fake GitHub behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Member,
    NotMember,
    UserFails,
    TokenFails,
}

#[derive(Clone)]
struct Fake {
    mode: Mode,
    /// What the fake was asked, for the assertions (path and body or bearer token).
    seen: Arc<Mutex<Vec<String>>>,
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{name}")).expect("fixture");
    serde_json::from_str(&text).expect("fixture json")
}

async fn access_token(State(fake): State<Fake>, Json(body): Json<Value>) -> Response {
    fake.seen
        .lock()
        .expect("lock")
        .push(format!("token {body}"));
    if fake.mode == Mode::TokenFails {
        return (StatusCode::BAD_GATEWAY, Json(fixture("server_error.json"))).into_response();
    }
    // GitHub answers a bad code with 200 and an error body.
    if body["client_secret"] != CLIENT_SECRET || body["code"] != GOOD_CODE {
        return Json(fixture("bad_verification_code.json")).into_response();
    }
    Json(fixture("access_token.json")).into_response()
}

fn bearer(headers: &HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn user(State(fake): State<Fake>, headers: HeaderMap) -> Response {
    fake.seen
        .lock()
        .expect("lock")
        .push(format!("user {}", bearer(&headers)));
    if fake.mode == Mode::UserFails {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(fixture("server_error.json")),
        )
            .into_response();
    }
    Json(fixture("user.json")).into_response()
}

async fn membership(
    State(fake): State<Fake>,
    axum::extract::Path(org): axum::extract::Path<String>,
) -> Response {
    fake.seen
        .lock()
        .expect("lock")
        .push(format!("membership {org}"));
    match fake.mode {
        Mode::NotMember => (
            StatusCode::NOT_FOUND,
            Json(fixture("membership_not_found.json")),
        )
            .into_response(),
        _ => Json(fixture("membership_active.json")).into_response(),
    }
}

/// Starts the fake GitHub (web and API on one address) and returns its base URL.
async fn fake_github(mode: Mode) -> (String, Fake) {
    let fake = Fake {
        mode,
        seen: Arc::default(),
    };
    let app = Router::new()
        .route("/login/oauth/access_token", post(access_token))
        .route("/user", get(user))
        .route("/user/memberships/orgs/{org}", get(membership))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, fake)
}

async fn app_with_github(db: Db, github: &str, org: Option<&str>) -> Option<TestApp> {
    let settings = GithubSettings {
        client_id: "fake-client-id".into(),
        client_secret: CLIENT_SECRET.into(),
        allowed_org: org.map(String::from),
        web_url: github.parse().expect("url"),
        api_url: github.parse().expect("url"),
    };
    let app = spawn_app_with(db, move |s| s.github = Some(settings)).await?;
    app.seed().await;
    // ada is octocat on GitHub.
    let mut ada = app.get("/api/v1/people/ada").await.body;
    ada["githubLogin"] = json!("octocat");
    let r = app.put("/api/v1/people/ada", &ada).await;
    assert_eq!(r.status, 200, "{}", r.text);
    Some(app)
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().expect("ascii").to_string()
}

/// Runs the browser's side of the flow: start, read GitHub's authorize URL, come back to the
/// callback with `code` (and the state GitHub would echo, unless `state` overrides it).
/// Returns where the callback redirected.
async fn flow(app: &TestApp, b: &reqwest::Client, code: &str, state: Option<&str>) -> String {
    let r = b
        .get(app.url("/auth/github/start?next=/services/ledger"))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status().as_u16(), 303);
    let authorize = url::Url::parse(&location(&r)).expect("authorize url");
    assert_eq!(authorize.path(), "/login/oauth/authorize");
    let query: HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], "fake-client-id");
    assert_eq!(
        query["redirect_uri"],
        app.url("/auth/github/callback"),
        "GitHub sends the browser back here"
    );
    assert!(query["state"].len() >= 32, "an unguessable state");
    let state = state.unwrap_or(&query["state"]).to_string();
    let r = b
        .get(app.url("/auth/github/callback"))
        .query(&[("code", code), ("state", state.as_str())])
        .send()
        .await
        .expect("callback");
    assert_eq!(r.status().as_u16(), 303);
    location(&r)
}

async fn me(app: &TestApp, b: &reqwest::Client) -> (u16, Value) {
    let r = app.call(b, "GET", "/api/v1/session", None).await;
    (r.status, r.body)
}

async fn accounts(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("select handle from accounts order by handle")
        .fetch_all(&app.store.pool)
        .await
        .expect("accounts")
}

crate::both_db!(
    an_org_member_signs_in_and_gets_a_member_account,
    a_denied_org_member_gets_no_session,
    github_errors_and_forgeries_change_nothing,
    github_sign_in_is_off_unless_configured,
);

async fn an_org_member_signs_in_and_gets_a_member_account(db: Db) {
    let (github, fake) = fake_github(Mode::Member).await;
    let Some(app) = app_with_github(db, &github, Some("northwind")).await else {
        return;
    };
    let methods = app.get("/api/v1/auth/methods").await;
    assert_eq!(methods.body, json!({"password": true, "github": true}));
    let before = accounts(&app).await;
    assert!(!before.contains(&"ada".to_string()));

    let b = browser();
    let to = flow(&app, &b, GOOD_CODE, None).await;
    assert_eq!(to, "/services/ledger", "the page asked for before sign-in");
    let (status, who) = me(&app, &b).await;
    assert_eq!(status, 200);
    assert_eq!(who["handle"], "ada");
    assert_eq!(who["role"], "member");
    assert_eq!(who["person"], "ada");
    assert_eq!(who["via"], "session");

    // GitHub was asked with our secret, then with the token it gave.
    let seen = fake.seen.lock().expect("lock").clone();
    assert!(seen[0].contains(CLIENT_SECRET) && seen[0].contains(GOOD_CODE));
    assert_eq!(
        seen[1],
        "user Bearer gho_16C7e42F292c6912E7710c838347Ae178B4a"
    );
    assert_eq!(seen[2], "membership northwind");

    // The new account is audited and is reused on the next sign-in.
    let audit = app
        .get("/api/v1/audit?subjectType=account&subject=ada")
        .await;
    assert_eq!(audit.body["items"][0]["action"], "account.create");
    assert_eq!(audit.body["items"][0]["actor"], "steward");
    let b2 = browser();
    assert_eq!(flow(&app, &b2, GOOD_CODE, None).await, "/services/ledger");
    assert_eq!(me_handle(&app, &b2).await, "ada");
    let after = accounts(&app).await;
    assert_eq!(after.len(), before.len() + 1);

    // The member may now edit what ada's team owns.
    let mut ledger = service("ledger", &["payments"], 1, &[]);
    ledger["version"] = app.get("/api/v1/services/ledger").await.body["version"].clone();
    ledger["description"] = json!("Edited after a GitHub sign-in");
    let r = app
        .call(&b, "PUT", "/api/v1/services/ledger", Some(&ledger))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // A deactivated account cannot come back through GitHub.
    let r = app
        .call(
            &app.client,
            "PATCH",
            "/api/v1/accounts/ada",
            Some(&json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(me(&app, &b).await.0, 401, "deactivation ends the session");
    let b3 = browser();
    assert_eq!(
        flow(&app, &b3, GOOD_CODE, None).await,
        "/sign-in?error=github_inactive"
    );
    assert_eq!(me(&app, &b3).await.0, 401);
}

async fn me_handle(app: &TestApp, b: &reqwest::Client) -> String {
    me(app, b).await.1["handle"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn a_denied_org_member_gets_no_session(db: Db) {
    let (github, fake) = fake_github(Mode::NotMember).await;
    let Some(app) = app_with_github(db, &github, Some("northwind")).await else {
        return;
    };
    let before = accounts(&app).await;
    let b = browser();
    assert_eq!(
        flow(&app, &b, GOOD_CODE, None).await,
        "/sign-in?error=github_org"
    );
    assert_eq!(me(&app, &b).await.0, 401);
    assert_eq!(accounts(&app).await, before, "no account was made");
    assert!(fake
        .seen
        .lock()
        .expect("lock")
        .contains(&"membership northwind".to_string()));
    let audit = app
        .get("/api/v1/audit?subjectType=account&subject=ada")
        .await;
    assert_eq!(audit.body["total"], 0, "{}", audit.text);
}

async fn github_errors_and_forgeries_change_nothing(db: Db) {
    for (mode, code, expected) in [
        (Mode::UserFails, GOOD_CODE, "github_unavailable"),
        (Mode::TokenFails, GOOD_CODE, "github_unavailable"),
        (Mode::Member, "a-stale-code", "github_state"),
    ] {
        let (github, _) = fake_github(mode).await;
        let Some(app) = app_with_github(db, &github, None).await else {
            return;
        };
        let before = accounts(&app).await;
        let b = browser();
        assert_eq!(
            flow(&app, &b, code, None).await,
            format!("/sign-in?error={expected}"),
            "{mode:?}"
        );
        assert_eq!(me(&app, &b).await.0, 401);
        assert_eq!(accounts(&app).await, before);
    }

    let (github, fake) = fake_github(Mode::Member).await;
    let Some(app) = app_with_github(db, &github, None).await else {
        return;
    };
    let before = accounts(&app).await;
    // A forged state: GitHub is never asked.
    let b = browser();
    assert_eq!(
        flow(&app, &b, GOOD_CODE, Some("forged-state")).await,
        "/sign-in?error=github_state"
    );
    assert!(fake.seen.lock().expect("lock").is_empty());
    // A callback without a started flow (no state in the session).
    let r = browser()
        .get(app.url("/auth/github/callback?code=x&state=y"))
        .send()
        .await
        .expect("callback");
    assert_eq!(location(&r), "/sign-in?error=github_state");
    // The person refused on GitHub's page.
    let r = b
        .get(app.url("/auth/github/callback?error=access_denied&state=y"))
        .send()
        .await
        .expect("callback");
    assert_eq!(location(&r), "/sign-in?error=github_cancelled");
    // A GitHub login nobody in the catalog has.
    let mut ada = app.get("/api/v1/people/ada").await.body;
    ada["githubLogin"] = json!("someone-else");
    assert_eq!(app.put("/api/v1/people/ada", &ada).await.status, 200);
    assert_eq!(
        flow(&app, &b, GOOD_CODE, None).await,
        "/sign-in?error=github_no_person"
    );
    assert_eq!(me(&app, &b).await.0, 401);
    assert_eq!(accounts(&app).await, before);
    // Only a path on this site may follow sign-in.
    let mut ada = app.get("/api/v1/people/ada").await.body;
    ada["githubLogin"] = json!("octocat");
    assert_eq!(app.put("/api/v1/people/ada", &ada).await.status, 200);
    let r = b
        .get(app.url("/auth/github/start?next=//evil.example/"))
        .send()
        .await
        .expect("start");
    let state: HashMap<String, String> = url::Url::parse(&location(&r))
        .expect("url")
        .query_pairs()
        .into_owned()
        .collect();
    let r = b
        .get(app.url("/auth/github/callback"))
        .query(&[("code", GOOD_CODE), ("state", state["state"].as_str())])
        .send()
        .await
        .expect("callback");
    assert_eq!(location(&r), "/");
    assert_eq!(me_handle(&app, &b).await, "ada");
}

async fn github_sign_in_is_off_unless_configured(db: Db) {
    let Some(app) = spawn_app_with(db, |_| {}).await else {
        return;
    };
    let methods = app.get("/api/v1/auth/methods").await;
    assert_eq!(methods.body, json!({"password": true, "github": false}));
    let r = browser()
        .get(app.url("/auth/github/start"))
        .send()
        .await
        .expect("start");
    assert_eq!(r.status().as_u16(), 404);
}
