//! The scheduler across replicas and restarts: two `steward serve` processes on one
//! PostgreSQL database run each tick of a one-second job exactly once, and after downtime a
//! missed job runs once at start-up, not once per tick missed.

use crate::helpers::{spawn_app_with, Db};
use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A fresh PostgreSQL database for processes to share; `None` (skip) without a server,
/// except under CI.
async fn shared_postgres() -> Option<(String, String, String)> {
    sqlx::any::install_default_drivers();
    let admin = std::env::var("STEWARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let pool = match sqlx::AnyPool::connect(&admin).await {
        Ok(p) => p,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("PostgreSQL is required under CI=true: {e}")
        }
        Err(_) => return None,
    };
    let name = format!("steward_sched_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("create database {name}"))
        .execute(&pool)
        .await
        .expect("create database");
    let mut url = url::Url::parse(&admin).expect("url");
    url.set_path(&name);
    Some((url.to_string(), admin, name))
}

fn serve(database_url: &str, site: &std::path::Path) -> (Child, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_steward"))
        .arg("serve")
        .env("STEWARD_BIND", format!("127.0.0.1:{port}"))
        .env("STEWARD_DATABASE_URL", database_url)
        .env("STEWARD_SITE_ROOT", site)
        .env("STEWARD_JOBS_SESSION_CLEANUP", "* * * * * *")
        // The other jobs far away, so that only the one-second job runs.
        .env("STEWARD_JOBS_CHECKS", "0 0 0 1 1 *")
        .env("STEWARD_JOBS_HISTORY_RETENTION", "0 0 0 1 1 *")
        .env_remove("STEWARD_DEMO")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start steward");
    (child, port)
}

async fn wait_ready(port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("steward on port {port} did not become ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_run_each_tick_of_a_one_second_job_exactly_once() {
    let Some((url, admin, name)) = shared_postgres().await else {
        eprintln!("skipping: no PostgreSQL");
        return;
    };
    let site = tempfile::tempdir().expect("dir");
    // The first process migrates the database; the second starts on a migrated one.
    let (mut a, port_a) = serve(&url, site.path());
    wait_ready(port_a).await;
    let (mut b, port_b) = serve(&url, site.path());
    wait_ready(port_b).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let _ = a.kill();
    let _ = b.kill();
    let _ = a.wait();
    let _ = b.wait();

    let pool = sqlx::AnyPool::connect(&url).await.expect("connect");
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "select tick, replica, outcome from job_runs where job = 'session-cleanup' order by tick",
    )
    .fetch_all(&pool)
    .await
    .expect("runs");
    pool.close().await;
    let mut per_tick: BTreeMap<&str, usize> = BTreeMap::new();
    for (tick, _, _) in &rows {
        *per_tick.entry(tick.as_str()).or_default() += 1;
    }
    assert!(
        per_tick.values().all(|n| *n == 1),
        "a tick ran twice: {rows:?}"
    );
    // Both replicas were up together for about six seconds: a run for (nearly) every tick.
    let both_up: Vec<&(String, String, String)> = rows
        .iter()
        .filter(|(_, _, outcome)| outcome == "succeeded")
        .collect();
    assert!(both_up.len() >= 5, "too few runs: {rows:?}");
    let replicas: std::collections::BTreeSet<&str> =
        rows.iter().map(|(_, r, _)| r.as_str()).collect();
    assert!(!replicas.is_empty());

    if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
        let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
            .execute(&pool)
            .await;
    }
}

/// Start-up on a database whose last checks run was three hours ago: one catch-up run for
/// the latest missed tick; a second start-up soon after finds it done.
async fn catch_up_once(db: Db) {
    // The checks tick every quarter hour (UTC) and the test takes seconds: a tick falling
    // inside it would rightly be caught up at the third start. Start just after a tick instead.
    let into_quarter = chrono::Utc::now().timestamp().rem_euclid(900);
    if into_quarter > 900 - 60 {
        tokio::time::sleep(Duration::from_secs((900 - into_quarter + 1) as u64)).await;
    }
    let dir = tempfile::tempdir().expect("dir");
    let shared = dir.path().join("shared.db");
    let url = match db {
        Db::Sqlite => format!("sqlite://{}", shared.display()),
        Db::Postgres => match shared_postgres().await {
            Some((url, _, _)) => url,
            None => return,
        },
    };
    let configure = |s: &mut steward_server::configuration::Settings| {
        s.database_url = url.clone();
        s.jobs.scheduler = true;
    };
    let Some(app) = spawn_app_with(db, configure).await else {
        return;
    };
    // The first start catches up too (nothing ever ran): wait for it, then pretend the
    // last run was long ago.
    let runs = |app: &crate::helpers::TestApp| {
        let pool = app.store.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "select trigger, outcome from job_runs where job = 'checks' order by id",
            )
            .fetch_all(&pool)
            .await
            .expect("runs")
        }
    };
    for _ in 0..200 {
        if runs(&app).await.iter().all(|(_, o)| o != "running") && !runs(&app).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first = runs(&app).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].0, "catch-up");
    let three_hours_ago = (chrono::Utc::now() - chrono::Duration::hours(3))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    sqlx::query("update job_runs set tick = $1, started_at = $1, finished_at = $1")
        .bind(&three_hours_ago)
        .execute(&app.store.pool)
        .await
        .expect("backdate");
    drop(app);

    // Twelve ticks of a 15-minute job were missed: one run, for the latest.
    let Some(app) = spawn_app_with(db, configure).await else {
        return;
    };
    for _ in 0..200 {
        if runs(&app).await.len() >= 2 && runs(&app).await.iter().all(|(_, o)| o != "running") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = runs(&app).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[1], ("catch-up".to_string(), "succeeded".to_string()));
    drop(app);

    let Some(app) = spawn_app_with(db, configure).await else {
        return;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs(&app).await.len(), 2, "nothing was missed this time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_job_runs_once_at_start_up_sqlite() {
    catch_up_once(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_job_runs_once_at_start_up_postgres() {
    catch_up_once(Db::Postgres).await;
}
