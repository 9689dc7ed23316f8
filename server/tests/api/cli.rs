//! The `steward` binary: import (with Location targets), dry runs, export, migrate.

use std::process::Command;

fn steward(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["--database-url", db])
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run steward");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn import_follows_locations_dry_run_writes_nothing_and_export_round_trips() {
    let dir = tempfile::tempdir().expect("dir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("teams")).expect("mkdir");
    std::fs::write(
        root.join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: { name: root }\n\
         spec: { targets: [./teams/payments.yaml, ./services.yaml] }\n",
    )
    .expect("write");
    std::fs::write(
        root.join("teams/payments.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: payments }\n\
         spec: { type: team, children: [] }\n",
    )
    .expect("write");
    std::fs::write(
        root.join("services.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: payments-api }\n\
         spec: { type: service, lifecycle: production, owner: payments }\n",
    )
    .expect("write");
    // A nested folder that does not exist yet: it is created.
    let db = format!("sqlite://{}", root.join("data/nested/steward.db").display());
    let entry = root.join("catalog-info.yaml");
    let entry = entry.to_str().expect("path");

    let (code, out, err) = steward(&db, &["import", "--dry-run", entry]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("create  Component payments-api"), "{out}");
    assert!(out.contains("dry run, nothing was written"), "{out}");
    let (_, exported, _) = steward(&db, &["export"]);
    assert!(
        !exported.contains("payments-api"),
        "dry run stored nothing: {exported}"
    );

    let (code, out, err) = steward(&db, &["import", entry]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("applied"), "{out}");
    let (code, exported, _) = steward(&db, &["export"]);
    assert_eq!(code, 0);
    assert!(exported.contains("name: payments-api"), "{exported}");
    assert!(
        exported.contains("owner: group:default/payments"),
        "{exported}"
    );

    // Re-importing the export changes nothing.
    std::fs::write(root.join("export.yaml"), &exported).expect("write");
    let export_path = root.join("export.yaml");
    let (code, out, _) = steward(&db, &["import", export_path.to_str().expect("path")]);
    assert_eq!(code, 0);
    assert!(
        out.contains("0 to create, 0 to update, 2 unchanged, 0 rejected"),
        "{out}"
    );
}

#[test]
fn rejected_imports_exit_non_zero_and_store_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: orphan }\n\
         spec: { type: service, lifecycle: production, owner: nobody }\n",
    )
    .expect("write");
    let db = format!("sqlite://{}", dir.path().join("s.db").display());
    let (code, out, _) = steward(&db, &["import", file.to_str().expect("path")]);
    assert_eq!(code, 1);
    assert!(out.contains("REJECTED  Component orphan"), "{out}");
    assert!(out.contains("nothing was written"), "{out}");
    let (code, _, err) = steward(&db, &["import", "/does/not/exist.yaml"]);
    assert_eq!(code, 1);
    assert!(err.contains("exist.yaml"), "{err}");
    let (code, _, err) = steward("mysql://x", &["migrate"]);
    assert_eq!(code, 1);
    assert!(err.contains("unsupported database URL"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args([
            "--database-url",
            &format!("sqlite://{}/s.db", dir.path().display()),
        ])
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let client = reqwest::Client::new();
    loop {
        let ready = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "server never became ready"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "server ignored SIGTERM"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
