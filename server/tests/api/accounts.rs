//! Accounts and tokens as the command line creates them (the bootstrap path for automation).

use std::io::Write;
use std::process::{Command, Stdio};
use steward_server::domain::authz::{Role, Scope};
use steward_server::store::{accounts, Store};

fn steward_with_stdin(db: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["--database-url", db])
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_and_token_create_bootstrap_automation() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}/s.db", dir.path().display());
    let (code, out, err) = steward_with_stdin(
        &db,
        &["user", "add", "ada", "--role", "admin"],
        "a long passphrase\n",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("created admin account 'ada'"), "{out}");
    assert!(
        !out.contains("passphrase"),
        "a piped password is never echoed"
    );

    let (code, _, err) = steward_with_stdin(&db, &["user", "add", "ada"], "another long one\n");
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = steward_with_stdin(&db, &["user", "add", "bob"], "short\n");
    assert_eq!(code, 1);
    assert!(err.contains("at least 12"), "{err}");
    let (code, _, err) =
        steward_with_stdin(&db, &["user", "add", "Bad Handle"], "a long passphrase\n");
    assert_eq!(code, 1);
    assert!(err.contains("handle"), "{err}");

    let (code, token, err) = steward_with_stdin(
        &db,
        &[
            "token",
            "create",
            "ada",
            "--scope",
            "write",
            "--expires",
            "30d",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_string();
    assert!(token.starts_with("stw_"), "{token}");
    let (code, _, err) =
        steward_with_stdin(&db, &["token", "create", "nobody", "--scope", "read"], "");
    assert_eq!(code, 1);
    assert!(err.contains("no account 'nobody'"), "{err}");
    let (code, _, _) = steward_with_stdin(
        &db,
        &[
            "token",
            "create",
            "ada",
            "--scope",
            "read",
            "--expires",
            "soon",
        ],
        "",
    );
    assert_eq!(code, 1);

    let store = Store::connect(&db).await.expect("connect");
    let stored: Vec<String> = sqlx::query_scalar("select token_hash from api_tokens")
        .fetch_all(&store.pool)
        .await
        .expect("query");
    assert_eq!(stored.len(), 1, "refused commands stored nothing");
    assert_ne!(stored[0], token, "only a hash is stored");
    let hash: String =
        sqlx::query_scalar("select password_hash from accounts where handle = 'ada'")
            .fetch_one(&store.pool)
            .await
            .expect("query");
    assert!(hash.starts_with("$argon2id$"));
    let principal = accounts::principal_for_token(&store, &token)
        .await
        .expect("lookup")
        .expect("token is valid");
    assert_eq!(principal.handle, "ada");
    assert_eq!(principal.role, Role::Admin);
    assert!(matches!(principal.token, Some((_, Scope::Write))));
    assert!(accounts::principal_for_token(&store, "stw_wrong")
        .await
        .expect("lookup")
        .is_none());
}

// User management through `/api/v1/accounts`.

mod management {
    use crate::both;
    use crate::helpers::{client, make_token, TestApp};
    use serde_json::json;
    use steward_server::domain::authz::{Role, Scope};

    both!(
        admins_add_accounts_with_a_password_shown_once,
        roles_and_deactivation_take_effect_at_once,
    );

    async fn admins_add_accounts_with_a_password_shown_once(app: TestApp) {
        app.seed().await;
        let r = app
            .post(
                "/api/v1/accounts",
                &json!({"handle": "ada", "role": "member"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.body["account"]["person"], "ada", "linked by handle");
        assert_eq!(r.body["account"]["role"], "member");
        assert_eq!(r.body["account"]["password"], true);
        let password = r.body["password"].as_str().expect("generated").to_string();
        assert!(password.len() >= 16);
        let ada = app.sign_in("ada", &password).await;
        let me = app.call(&ada, "GET", "/api/v1/session", None).await;
        assert_eq!(me.body["teams"], json!(["payments", "platform"]));

        // A chosen password is not echoed; bad input changes nothing.
        let r = app
            .post(
                "/api/v1/accounts",
                &json!({"handle": "vic", "role": "viewer", "password": "twelve chars!"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.body["password"].is_null());
        assert!(!r.text.contains("twelve chars!"));
        let before = app.get("/api/v1/accounts").await.body;
        for (body, status, field) in [
            (json!({"handle": "ada", "role": "member"}), 409, "handle"),
            (json!({"handle": "x", "role": "owner"}), 422, "role"),
            (
                json!({"handle": "x", "role": "viewer", "password": "short"}),
                422,
                "password",
            ),
            (
                json!({"handle": "Not A Slug", "role": "viewer"}),
                422,
                "handle",
            ),
        ] {
            let r = app.post("/api/v1/accounts", &body).await;
            assert_eq!(r.status, status, "{body}: {}", r.text);
            assert_eq!(r.body["error"]["field"], field, "{}", r.text);
        }
        assert_eq!(app.get("/api/v1/accounts").await.body, before);
        let list = before.as_array().expect("list");
        let handles: Vec<&str> = list.iter().filter_map(|a| a["handle"].as_str()).collect();
        assert_eq!(handles, ["ada", "admin", "vic"]);
        let audit = app
            .get("/api/v1/audit?subjectType=account&subject=vic")
            .await;
        assert_eq!(audit.body["items"][0]["action"], "account.create");
        assert!(!audit.text.contains("argon2"), "no hash in the audit log");
        // Members may not list or manage accounts.
        assert_eq!(
            app.call(&ada, "GET", "/api/v1/accounts", None).await.status,
            403
        );
    }

    async fn roles_and_deactivation_take_effect_at_once(app: TestApp) {
        app.seed().await;
        let password = "a member password";
        let token = make_token(
            &app.store,
            "ada",
            Role::Member,
            Scope::Write,
            Some(password),
        )
        .await;
        let ada = app.sign_in("ada", password).await;
        let tok = client(Some(&token));
        let person = json!({"handle": "zed", "name": "Zed", "timeZone": "UTC"});
        assert_eq!(
            app.call(&ada, "POST", "/api/v1/people", Some(&person))
                .await
                .status,
            403
        );

        // Promoted: the same session and token may now do admin things.
        let r = app
            .call(
                &app.client,
                "PATCH",
                "/api/v1/accounts/ada",
                Some(&json!({"role": "admin"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["account"]["role"], "admin");
        assert!(r.body["password"].is_null());
        assert_eq!(
            app.call(&ada, "POST", "/api/v1/people", Some(&person))
                .await
                .status,
            201
        );

        // The last active admin cannot step down: make "admin" a member first, then try ada.
        let r = app
            .call(
                &ada,
                "PATCH",
                "/api/v1/accounts/admin",
                Some(&json!({"role": "member"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let r = app
            .call(
                &ada,
                "PATCH",
                "/api/v1/accounts/ada",
                Some(&json!({"active": false})),
            )
            .await;
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(r.body["error"]["code"], "last_admin");
        let r = app
            .call(
                &ada,
                "PATCH",
                "/api/v1/accounts/nobody",
                Some(&json!({"active": false})),
            )
            .await;
        assert_eq!(r.status, 404);
        let r = app
            .call(
                &ada,
                "PATCH",
                "/api/v1/accounts/admin",
                Some(&json!({"role": "root"})),
            )
            .await;
        assert_eq!(r.status, 422);
        let r = app
            .call(
                &ada,
                "PATCH",
                "/api/v1/accounts/admin",
                Some(&json!({"role": "admin"})),
            )
            .await;
        assert_eq!(r.status, 200);

        // A password reset hands out a new password once and ends the account's sessions.
        let r = app
            .call(
                &app.client,
                "PATCH",
                "/api/v1/accounts/ada",
                Some(&json!({"resetPassword": true})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let fresh = r.body["password"]
            .as_str()
            .expect("new password")
            .to_string();
        assert_eq!(
            app.call(&ada, "GET", "/api/v1/session", None).await.status,
            401
        );
        let r = app
            .anon
            .post(app.url("/api/v1/session"))
            .json(&json!({"handle": "ada", "password": password}))
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status().as_u16(), 401, "the old password is gone");
        let ada = app.sign_in("ada", &fresh).await;

        // Deactivated: the session and the token stop working at once.
        let r = app
            .call(
                &app.client,
                "PATCH",
                "/api/v1/accounts/ada",
                Some(&json!({"active": false})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["account"]["active"], false);
        assert_eq!(
            app.call(&ada, "GET", "/api/v1/session", None).await.status,
            401
        );
        assert_eq!(
            app.call(&tok, "GET", "/api/v1/services", None).await.status,
            401
        );
        let events = app
            .get("/api/v1/audit?subjectType=account&subject=ada")
            .await;
        let actions: Vec<&str> = events.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(
            actions[..3],
            ["account.update", "account.password_reset", "account.update"]
        );
        assert_eq!(events.body["items"][0]["before"]["active"], true);
        assert_eq!(events.body["items"][0]["after"]["active"], false);
    }
}
