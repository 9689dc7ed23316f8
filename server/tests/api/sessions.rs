use crate::both;
use crate::helpers::{browser, client, make_token, service, spawn_app_with, Db, TestApp};
use serde_json::json;
use steward_server::domain::authz::{Role, Scope};

both!(
    sign_in_rotates_the_session_and_sign_out_ends_it,
    sessions_expire_and_are_cleaned_up,
    unknown_handle_and_wrong_password_look_alike_and_are_throttled,
    password_change_ends_other_sessions,
    cross_site_writes_are_refused,
    anonymous_callers_read_nothing_by_default,
    members_write_what_their_teams_own,
    tokens_are_shown_once_listed_and_revoked,
);

const PASSWORD: &str = "correct horse battery";

/// Signs in with a plain client and returns the session cookie's `name=value` and the whole
/// `Set-Cookie` header.
async fn sign_in_raw(app: &TestApp, cookie: Option<&str>) -> (String, String) {
    let mut request = app
        .anon
        .post(app.url("/api/v1/session"))
        .json(&json!({"handle": "ada", "password": PASSWORD}));
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    let r = request.send().await.expect("request");
    assert_eq!(r.status().as_u16(), 200);
    let set = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    let pair = set.split(';').next().expect("pair").to_string();
    (pair, set)
}

async fn me_with_cookie(app: &TestApp, cookie: &str) -> u16 {
    app.anon
        .get(app.url("/api/v1/session"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn session_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from sessions")
        .fetch_one(&app.store.pool)
        .await
        .expect("count")
}

async fn ada(app: &TestApp) {
    app.seed().await;
    make_token(&app.store, "ada", Role::Member, Scope::Read, Some(PASSWORD)).await;
}

async fn sign_in_rotates_the_session_and_sign_out_ends_it(app: TestApp) {
    ada(&app).await;
    assert_eq!(session_rows(&app).await, 0);
    let (first, set) = sign_in_raw(&app, None).await;
    assert!(first.starts_with("steward_session="), "{set}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(set.contains(attribute), "{attribute} missing: {set}");
    }
    assert!(!set.contains("Secure"), "plain http public URL: {set}");
    let r = app
        .anon
        .get(app.url("/api/v1/session"))
        .header("cookie", &first)
        .send()
        .await
        .expect("request");
    let me: serde_json::Value = r.json().await.expect("json");
    assert_eq!(me["handle"], "ada");
    assert_eq!(me["role"], "member");
    assert_eq!(me["person"], "ada");
    assert_eq!(me["teams"], json!(["payments", "platform"]));
    assert_eq!(me["via"], "session");
    // Signing in again while holding a session id gets a new id; the old one is dead.
    let (second, _) = sign_in_raw(&app, Some(&first)).await;
    assert_ne!(first, second);
    assert_eq!(me_with_cookie(&app, &first).await, 401);
    assert_eq!(me_with_cookie(&app, &second).await, 200);
    assert_eq!(session_rows(&app).await, 1);
    // The table holds a hash of the id, never the id itself.
    let id = second.split_once('=').expect("pair").1.to_string();
    let stored: String = sqlx::query_scalar("select id from sessions")
        .fetch_one(&app.store.pool)
        .await
        .expect("row");
    assert_ne!(stored, id);
    // Sign out deletes the session on the server: replaying the cookie does not work.
    let r = app
        .anon
        .delete(app.url("/api/v1/session"))
        .header("cookie", &second)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(me_with_cookie(&app, &second).await, 401);
    assert_eq!(session_rows(&app).await, 0);
}

async fn sessions_expire_and_are_cleaned_up(app: TestApp) {
    ada(&app).await;
    let (cookie, _) = sign_in_raw(&app, None).await;
    assert_eq!(me_with_cookie(&app, &cookie).await, 200);
    // Idle expiry: the row's deadline passes.
    sqlx::query("update sessions set expires_at = expires_at - 100000")
        .execute(&app.store.pool)
        .await
        .expect("update");
    assert_eq!(me_with_cookie(&app, &cookie).await, 401);
    let removed = steward_server::store::sessions::delete_expired(&app.store)
        .await
        .expect("cleanup");
    assert_eq!(removed, 1);
    assert_eq!(session_rows(&app).await, 0);
}

async fn absolute_expiry(db: Db) {
    let Some(app) = spawn_app_with(db, |s| s.session_max = std::time::Duration::from_secs(1)).await
    else {
        return;
    };
    ada(&app).await;
    let (cookie, _) = sign_in_raw(&app, None).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        me_with_cookie(&app, &cookie).await,
        401,
        "past the absolute lifetime"
    );
    assert_eq!(session_rows(&app).await, 0, "and deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_have_an_absolute_lifetime_sqlite() {
    absolute_expiry(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_have_an_absolute_lifetime_postgres() {
    absolute_expiry(Db::Postgres).await;
}

async fn unknown_handle_and_wrong_password_look_alike_and_are_throttled(app: TestApp) {
    ada(&app).await;
    let attempt = |handle: &str, password: &'static str| {
        let handle = handle.to_string();
        let app = &app;
        async move {
            app.call(
                &app.anon,
                "POST",
                "/api/v1/session",
                Some(&json!({"handle": handle, "password": password})),
            )
            .await
        }
    };
    let wrong = attempt("ada", "not the password").await;
    let unknown = attempt("nobody", "not the password").await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.body, unknown.body, "the two refusals must not differ");
    for _ in 0..4 {
        assert_eq!(attempt("ada", "still wrong").await.status, 401);
    }
    // Five failures for ada: the sixth attempt is refused even with the right password.
    let r = app
        .anon
        .post(app.url("/api/v1/session"))
        .json(&json!({"handle": "ada", "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(session_rows(&app).await, 0, "no session was created");
    // Per address: many handles from one address are cut off too.
    for i in 0..24 {
        let handle = format!("guess{i}");
        assert_eq!(attempt(&handle, "x").await.status, 401, "attempt {i}");
    }
    assert_eq!(attempt("grace", "x").await.status, 429);
}

async fn password_change_ends_other_sessions(app: TestApp) {
    ada(&app).await;
    let laptop = app.sign_in("ada", PASSWORD).await;
    let phone = app.sign_in("ada", PASSWORD).await;
    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    let r = app
        .call(
            &laptop,
            "PUT",
            "/api/v1/session/password",
            Some(&change("wrong one!!", "a new long password")),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "current");
    let r = app
        .call(
            &laptop,
            "PUT",
            "/api/v1/session/password",
            Some(&change(PASSWORD, "short")),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "new");
    let r = app
        .call(
            &laptop,
            "PUT",
            "/api/v1/session/password",
            Some(&change(PASSWORD, "a new long password")),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        app.call(&laptop, "GET", "/api/v1/session", None)
            .await
            .status,
        200
    );
    assert_eq!(
        app.call(&phone, "GET", "/api/v1/session", None)
            .await
            .status,
        401
    );
    let old = app
        .call(
            &app.anon,
            "POST",
            "/api/v1/session",
            Some(&json!({"handle": "ada", "password": PASSWORD})),
        )
        .await;
    assert_eq!(old.status, 401);
    app.sign_in("ada", "a new long password").await;
    let log = app
        .get("/api/v1/audit?subjectType=account&subject=ada")
        .await;
    assert!(log.text.contains("account.password"), "{}", log.text);
    assert!(!log.text.contains("argon2"), "no hash in the log");
    // A token cannot change the password.
    let token = make_token(&app.store, "ada", Role::Member, Scope::Write, None).await;
    let r = app
        .call(
            &client(Some(&token)),
            "PUT",
            "/api/v1/session/password",
            Some(&change("a new long password", "another long password")),
        )
        .await;
    assert_eq!(r.status, 403);
}

async fn cross_site_writes_are_refused(app: TestApp) {
    ada(&app).await;
    let session = app.sign_in("ada", PASSWORD).await;
    let body = service("new-thing", &["payments"], 3, &[]);
    for (header, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let r = session
            .post(app.url("/api/v1/services"))
            .header(header, value)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 403, "{header}: {value}");
    }
    assert_eq!(
        app.get("/api/v1/services/new-thing").await.status,
        404,
        "nothing stored"
    );
    // Sign-in itself is protected too (login CSRF).
    let r = browser()
        .post(app.url("/api/v1/session"))
        .header("origin", "https://evil.example")
        .json(&json!({"handle": "ada", "password": PASSWORD}))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 403);
    // Same origin, as the browser sends it from Steward's own page.
    let host = app.address.trim_start_matches("http://").to_string();
    let r = session
        .post(app.url("/api/v1/services"))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .header("host", host)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 201);
    // Bearer tokens carry no ambient authority: the Origin does not matter.
    let r = app
        .client
        .delete(app.url("/api/v1/services/new-thing"))
        .header("origin", "https://elsewhere.example")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 204);
}

async fn anonymous_callers_read_nothing_by_default(app: TestApp) {
    app.seed().await;
    for path in [
        "/api/v1/services",
        "/api/v1/teams/payments",
        "/api/v1/audit",
        "/api/v1/session",
    ] {
        let r = app.call(&app.anon, "GET", path, None).await;
        assert_eq!(r.status, 401, "{path}");
    }
    let r = app
        .call(
            &app.anon,
            "POST",
            "/api/v1/services",
            Some(&service("x", &["payments"], 1, &[])),
        )
        .await;
    assert_eq!(r.status, 401);
    let page = browser()
        .get(app.url("/services/ledger?tab=deps"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 303);
    assert_eq!(
        page.headers()["location"],
        "/sign-in?next=%2Fservices%2Fledger%3Ftab%3Ddeps"
    );
    for open in ["/healthz", "/api/v1/openapi.json"] {
        assert_eq!(
            app.call(&app.anon, "GET", open, None).await.status,
            200,
            "{open}"
        );
    }
    let sign_in = browser()
        .get(app.url("/sign-in"))
        .send()
        .await
        .expect("page");
    assert_ne!(sign_in.status().as_u16(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_reading_can_be_switched_on() {
    let Some(app) = spawn_app_with(Db::Sqlite, |s| s.anonymous_read = true).await else {
        return;
    };
    app.seed().await;
    assert_eq!(
        app.call(&app.anon, "GET", "/api/v1/services", None)
            .await
            .status,
        200
    );
    let r = app
        .call(&app.anon, "DELETE", "/api/v1/services/status-page", None)
        .await;
    assert_eq!(r.status, 401, "writing still needs a sign-in");
    assert_eq!(app.get("/api/v1/services/status-page").await.status, 200);
}

async fn members_write_what_their_teams_own(app: TestApp) {
    ada(&app).await;
    // bob is a member of search only.
    let r = app
        .post(
            "/api/v1/people",
            &json!({"handle": "bob", "name": "Bob", "timeZone": "UTC"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = app
        .post("/api/v1/teams", &json!({"slug": "search", "name": "Search", "members": [{"person": "bob", "role": "member"}]}))
        .await;
    assert_eq!(r.status, 201);
    make_token(&app.store, "bob", Role::Member, Scope::Read, Some(PASSWORD)).await;
    let ada = app.sign_in("ada", PASSWORD).await;
    let bob = app.sign_in("bob", PASSWORD).await;
    let mut ledger = service("ledger", &["payments"], 2, &[]);
    ledger["version"] = json!(1);
    let r = app
        .call(&bob, "PUT", "/api/v1/services/ledger", Some(&ledger))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body["error"]["message"],
        "only members of payments (or an admin) may change this service"
    );
    let r = app
        .call(&ada, "PUT", "/api/v1/services/ledger", Some(&ledger))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Taking a service away from its team needs membership of that team as well.
    let mut moved = service("ledger", &["search"], 2, &[]);
    moved["version"] = json!(2);
    assert_eq!(
        app.call(&bob, "PUT", "/api/v1/services/ledger", Some(&moved))
            .await
            .status,
        403
    );
    assert_eq!(
        app.call(&ada, "PUT", "/api/v1/services/ledger", Some(&moved))
            .await
            .status,
        403
    );
    let stored = app.get("/api/v1/services/ledger").await;
    assert_eq!(stored.body["owners"][0]["slug"], "payments");
    assert_eq!(stored.body["version"], 2);
    // People: your own record, nobody else's; creating people is for admins.
    let me = app.get("/api/v1/people/bob").await;
    let mut mine = json!({"handle": "bob", "name": "Robert", "timeZone": "UTC", "version": me.body["version"]});
    assert_eq!(
        app.call(&ada, "PUT", "/api/v1/people/bob", Some(&mine))
            .await
            .status,
        403
    );
    assert_eq!(
        app.call(&bob, "PUT", "/api/v1/people/bob", Some(&mine))
            .await
            .status,
        200
    );
    mine["handle"] = json!("carol");
    assert_eq!(
        app.call(&bob, "POST", "/api/v1/people", Some(&mine))
            .await
            .status,
        403
    );
    let events = app.get("/api/v1/audit?actor=bob").await;
    assert_eq!(
        events.body["total"], 1,
        "only bob's allowed change: {}",
        events.text
    );
}

async fn tokens_are_shown_once_listed_and_revoked(app: TestApp) {
    ada(&app).await;
    let ada = app.sign_in("ada", PASSWORD).await;
    let r = app
        .call(
            &ada,
            "POST",
            "/api/v1/tokens",
            Some(&json!({"name": "deploys", "scope": "write", "expiresInDays": 30})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.body["token"].as_str().expect("token").to_string();
    assert!(token.starts_with("stw_"));
    let id = r.body["info"]["id"].as_i64().expect("id");
    assert!(r.body["info"]["expiresAt"].as_str().is_some());
    let list = app.call(&ada, "GET", "/api/v1/tokens", None).await;
    assert_eq!(list.status, 200);
    assert!(!list.text.contains(&token), "a list never holds the token");
    assert!(list.text.contains(&token[..12]));
    let bearer = client(Some(&token));
    let me = app.call(&bearer, "GET", "/api/v1/session", None).await;
    assert_eq!(me.body["via"], "token");
    let listed = app.call(&ada, "GET", "/api/v1/tokens", None).await;
    let used = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["id"] == id)
        .expect("listed");
    assert!(
        used["lastUsedAt"].as_str().is_some(),
        "last use is recorded"
    );
    // A token cannot mint tokens; a bad scope is a field error.
    let r = app
        .call(
            &bearer,
            "POST",
            "/api/v1/tokens",
            Some(&json!({"name": "x", "scope": "read"})),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .call(
            &ada,
            "POST",
            "/api/v1/tokens",
            Some(&json!({"name": "x", "scope": "root"})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "scope");
    // Revoke: the token stops working at once; someone else's token is not found.
    let r = app
        .call(&ada, "DELETE", &format!("/api/v1/tokens/{id}"), None)
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["revokedAt"].as_str().is_some());
    assert_eq!(
        app.call(&bearer, "GET", "/api/v1/session", None)
            .await
            .status,
        401
    );
    let r = app.call(&ada, "DELETE", "/api/v1/tokens/1", None).await;
    assert_eq!(r.status, 404, "token 1 is the admin's");
    let log = app
        .get("/api/v1/audit?subject=ada&subjectType=account")
        .await;
    assert_eq!(
        log.body["total"], 4,
        "ada's account and read token, deploys created, deploys revoked: {}",
        log.text
    );
}
