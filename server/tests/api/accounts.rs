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

#[tokio::test]
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
