//! Lockfiles pushed from CI: this repository's own `Cargo.lock` and `package-lock.json` as
//! real inputs, an identical push that changes nothing, and bad uploads (truncated, unknown
//! format, a path out of the repository, too large) refused with the snapshot kept.

use crate::both;
use crate::helpers::TestApp;
use serde_json::{json, Value};

both!(
    lockfiles_pushed_from_ci_become_the_services_dependencies,
    bad_lockfiles_are_refused_and_the_last_good_one_stays,
    the_cli_pushes_lockfiles_with_a_write_token,
);

fn repository_file(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../{name}", env!("CARGO_MANIFEST_DIR"))).expect("file")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.store.pool)
        .await
        .expect("count")
}

async fn push(app: &TestApp, path: &str, content: &str) -> (u16, Value) {
    let r = app
        .post(
            "/api/v1/services/ledger/lockfiles",
            &json!({"path": path, "content": content}),
        )
        .await;
    (r.status, r.body)
}

async fn lockfiles_pushed_from_ci_become_the_services_dependencies(app: TestApp) {
    app.seed().await;
    let cargo = repository_file("Cargo.lock");
    let (status, lock) = push(&app, "Cargo.lock", &cargo).await;
    assert_eq!(status, 201, "{lock}");
    assert_eq!(lock["format"], "cargo-lock");
    assert_eq!(lock["source"], "push");
    assert_eq!(lock["receivedBy"], "admin");
    let packages = lock["packages"].as_i64().expect("count");
    assert!((400..3000).contains(&packages), "{lock}");
    assert!(lock["direct"].as_i64().expect("direct") > 10, "{lock}");
    assert_eq!(lock["sha256"].as_str().expect("sha").len(), 64);

    let (status, web) = push(
        &app,
        "./web/package-lock.json",
        &repository_file("package-lock.json"),
    )
    .await;
    assert_eq!(status, 201, "{web}");
    assert_eq!(web["path"], "web/package-lock.json");

    let deps = app.get("/api/v1/services/ledger/dependencies").await;
    assert_eq!(deps.status, 200, "{}", deps.text);
    let lockfiles: Vec<&str> = deps.body["lockfiles"]
        .as_array()
        .expect("lockfiles")
        .iter()
        .map(|l| l["path"].as_str().expect("path"))
        .collect();
    assert_eq!(lockfiles, ["Cargo.lock", "web/package-lock.json"]);
    let items = deps.body["items"].as_array().expect("items");
    // serde at the version Cargo.lock names, asked for by the workspace itself.
    let serde_version = cargo
        .split("[[package]]")
        .find(|b| b.contains("\nname = \"serde\"\n"))
        .and_then(|b| b.lines().find(|l| l.starts_with("version = ")))
        .map(|l| {
            l.trim_start_matches("version = ")
                .trim_matches('"')
                .to_string()
        })
        .expect("serde in Cargo.lock");
    let serde = items
        .iter()
        .find(|d| d["ecosystem"] == "crates.io" && d["name"] == "serde")
        .expect("serde");
    assert_eq!(serde["version"], serde_version.as_str());
    assert_eq!(serde["direct"], true);
    assert_eq!(serde["lockfile"], "Cargo.lock");
    assert!(items
        .iter()
        .any(|d| d["ecosystem"] == "npm" && d["name"] == "playwright-core" && d["direct"] == true));
    assert!(
        !items.iter().any(|d| d["name"] == "steward-server"),
        "workspace members are not dependencies"
    );
    assert_eq!(
        items.len() as i64,
        packages + web["packages"].as_i64().expect("count")
    );

    // The same file again: nothing changes, nothing is audited.
    let audits = "select count(*) from audit_events where action = 'lockfile.push'";
    assert_eq!(count(&app, audits).await, 2);
    let (status, again) = push(&app, "Cargo.lock", &cargo).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["unchanged"], true);
    assert_eq!(count(&app, audits).await, 2);

    // A newer lockfile replaces the old one whole.
    let (status, small) = push(
        &app,
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"ledger\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n\n\
         [[package]]\nname = \"serde\"\nversion = \"1.0.228\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    )
    .await;
    assert_eq!(status, 201, "{small}");
    assert_eq!(
        (small["packages"].as_i64(), small["direct"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from lockfile_packages p join lockfiles l on l.id = p.lockfile_id \
             where l.path = 'Cargo.lock'"
        )
        .await,
        1
    );
    assert_eq!(
        app.get("/api/v1/services/nope/dependencies").await.status,
        404
    );
}

async fn bad_lockfiles_are_refused_and_the_last_good_one_stays(app: TestApp) {
    app.seed().await;
    let cargo = repository_file("Cargo.lock");
    assert_eq!(push(&app, "Cargo.lock", &cargo).await.0, 201);
    let held = "select sha256 || ':' || packages from lockfiles";
    let before: String = sqlx::query_scalar(held)
        .fetch_one(&app.store.pool)
        .await
        .expect("held");
    let rows = "select count(*) from lockfile_packages";
    let packages = count(&app, rows).await;

    // Truncated in the middle of a package: the file and the line are named.
    let cut = &cargo[..cargo.len() / 2];
    let cut = &cut[..cut.rfind("name = ").expect("a package") + 8];
    let (status, body) = push(&app, "Cargo.lock", cut).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "content");
    let message = body["error"]["details"][0]["message"]
        .as_str()
        .expect("message");
    assert!(message.starts_with("Cargo.lock line "), "{message}");

    // A format Steward does not read, a path out of the repository, a file over the limit.
    let (status, body) = push(&app, "Gemfile.lock", "GEM\n").await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("path")),
        "{body}"
    );
    let (status, body) = push(&app, "../Cargo.lock", &cargo).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("path")),
        "{body}"
    );
    // Refused once 20 MB are in: the server may close the connection while the rest is
    // still being sent, so a cut connection is a refusal too (the snapshot is checked below).
    let huge = "requests==2.32.3\n".repeat(1_300_000);
    let sent = app
        .client
        .post(app.url("/api/v1/services/ledger/lockfiles"))
        .header("connection", "close")
        .json(&serde_json::json!({"path": "requirements.txt", "content": huge}))
        .send()
        .await;
    match sent {
        Ok(r) => assert_eq!(r.status(), 413),
        Err(e) => assert!(e.is_request(), "{e:?}"),
    }
    let r = app
        .post_raw(
            "/api/v1/services/ledger/lockfiles",
            "application/json",
            "{\"path\": ",
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = app
        .post(
            "/api/v1/services/nope/lockfiles",
            &json!({"path": "Cargo.lock", "content": cargo}),
        )
        .await;
    assert_eq!(r.status, 404);

    let after: String = sqlx::query_scalar(held)
        .fetch_one(&app.store.pool)
        .await
        .expect("held");
    assert_eq!(after, before, "the last good lockfile stays");
    assert_eq!(count(&app, rows).await, packages);
    assert_eq!(
        count(
            &app,
            "select count(*) from audit_events where action = 'lockfile.push'"
        )
        .await,
        1
    );
}

async fn the_cli_pushes_lockfiles_with_a_write_token(app: TestApp) {
    use steward_server::domain::authz::{Role, Scope};
    app.seed().await;
    let token =
        crate::helpers::make_token(&app.store, "ada", Role::Member, Scope::Write, None).await;
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("web")).expect("mkdir");
    std::fs::write(dir.path().join("Cargo.lock"), repository_file("Cargo.lock")).expect("write");
    std::fs::write(
        dir.path().join("web/requirements.txt"),
        "requests==2.32.3\nidna==3.10\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("go.mod"),
        "module x\nrequire (\n\tgithub.com/a/b\n)\n",
    )
    .expect("write");
    let run = |files: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_steward"))
            .current_dir(dir.path())
            .args(["deps", "push", "ledger"])
            .args(files)
            .env("STEWARD_URL", &app.address)
            .env("STEWARD_TOKEN", &token)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run steward");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["Cargo.lock", "./web/requirements.txt"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("web/requirements.txt: 2 packages (2 direct)"),
        "{out}"
    );
    assert!(
        out.lines()
            .next()
            .is_some_and(|l| l.starts_with("Cargo.lock: ")),
        "{out}"
    );
    let (code, out, err) = run(&["Cargo.lock", "go.mod"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("Cargo.lock: unchanged"), "{out}");
    assert!(
        err.contains("go.mod: refused (422): go.mod line 3"),
        "{err}"
    );
    assert!(!err.contains(&token) && !out.contains(&token));
    let deps = app.get("/api/v1/services/ledger/dependencies").await.body;
    assert_eq!(
        deps["lockfiles"].as_array().map(Vec::len),
        Some(2),
        "{deps}"
    );
    assert!(deps["lockfiles"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|l| l["receivedBy"] == "ada"));
}
