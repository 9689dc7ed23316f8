//! `make bench`: loads 10,000 services (with owners and dependencies) into a real `steward`
//! on a temporary SQLite file and measures import time, latency and throughput at 16
//! concurrent connections, and the server's peak RSS. Also compares the sqlx `Any` driver
//! with the native SQLite driver on the catalog's list query (the README explains why the
//! store uses `Any`). On-call: one year of final schedule for 5 layers and 50 overrides (the
//! pure computation), and "on call now" for every service of the catalog through the API.
//!
//! Usage: bench PATH/TO/steward

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVICES: usize = 10_000;
const TEAMS: usize = 100;
const PEOPLE: usize = 400;
const CONCURRENCY: usize = 16;
const DURATION: Duration = Duration::from_secs(10);

/// A deterministic catalog: teams with members, services with 1–2 owners and up to 3
/// dependencies on services with a smaller index (plus a few edges back, making cycles).
fn catalog_yaml() -> String {
    let mut out = String::new();
    let mut push = |doc: String| {
        out.push_str("---\n");
        out.push_str(&doc);
    };
    for p in 0..PEOPLE {
        push(format!(
            "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: person-{p}\n  \
             annotations:\n    steward.dev/time-zone: Europe/Berlin\nspec:\n  profile:\n    \
             displayName: Person {p}\n  memberOf: [team-{}]\n",
            p % TEAMS
        ));
    }
    for t in 0..TEAMS {
        push(format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{t}\n\
             spec:\n  type: team\n  profile:\n    displayName: Team {t}\n  children: []\n"
        ));
    }
    let mut seed: u64 = 42;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for s in 0..SERVICES {
        let mut deps: Vec<usize> = Vec::new();
        if s > 0 {
            for _ in 0..(next() % 4) {
                let d = next() % s;
                if !deps.contains(&d) {
                    deps.push(d);
                }
            }
        }
        if s % 500 == 499 && s + 1 < SERVICES {
            deps.push(s + 1); // a forward edge: some cycles, as in real catalogs
        }
        let deps: Vec<String> = deps.iter().map(|d| format!("component:svc-{d}")).collect();
        let co_owner = if s % 7 == 0 {
            format!("\n    steward.dev/co-owners: team-{}", (s + 1) % TEAMS)
        } else {
            String::new()
        };
        push(format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{s}\n  \
             title: Service {s}\n  description: Handles part {s} of the business\n  \
             tags: [tag-{}, rust]\n  links:\n    - url: https://wiki.example.com/svc-{s}\n      \
             title: Runbook\n  annotations:\n    steward.dev/tier: \"{}\"{co_owner}\nspec:\n  \
             type: service\n  lifecycle: production\n  owner: team-{}\n  dependsOn: [{}]\n",
            s % 20,
            s % 4 + 1,
            s % TEAMS,
            deps.join(", ")
        ));
    }
    out
}

/// The server process, stopped however the benchmark ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn peak_rss_kib(child: &Child) -> u64 {
    std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

struct Load {
    p50: Duration,
    p99: Duration,
    rps: f64,
    errors: usize,
}

async fn load(client: &reqwest::Client, urls: Vec<String>) -> Load {
    let deadline = Instant::now() + DURATION;
    let urls = std::sync::Arc::new(urls);
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let client = client.clone();
        let urls = urls.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut i = worker;
            while Instant::now() < deadline {
                let url = &urls[i % urls.len()];
                i += CONCURRENCY;
                let start = Instant::now();
                match client.get(url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(start.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("worker");
        all.extend(l);
        errors += e;
    }
    all.sort();
    let pick = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Load {
        p50: pick(0.50),
        p99: pick(0.99),
        rps: all.len() as f64 / DURATION.as_secs_f64(),
        errors,
    }
}

fn report(name: &str, l: &Load) {
    println!(
        "{name:<40} p50 {:>7.2} ms   p99 {:>7.2} ms   {:>8.0} req/s   errors {}",
        l.p50.as_secs_f64() * 1e3,
        l.p99.as_secs_f64() * 1e3,
        l.rps,
        l.errors
    );
}

/// The list query through `Any` and through the native SQLite driver, same SQL.
async fn driver_comparison(db: &std::path::Path) {
    use sqlx::Row;
    let url = format!("sqlite://{}", db.display());
    let sql = "select s.id, s.slug, s.name, s.tier, s.lifecycle from services s \
               where s.id in (select o.service_id from service_owners o \
               where o.team_id = (select t.id from teams t where t.slug = $1)) \
               order by lower(s.name), s.slug limit 50";
    const N: u32 = 300;
    sqlx::any::install_default_drivers();
    let any = sqlx::AnyPool::connect(&url).await.expect("any pool");
    let native = sqlx::SqlitePool::connect(&url).await.expect("sqlite pool");
    let start = Instant::now();
    for i in 0..N {
        let rows = sqlx::query(sql)
            .bind(format!("team-{}", i % 100))
            .fetch_all(&any)
            .await
            .expect("any query");
        let _: i64 = rows[0].get(0);
    }
    let any_time = start.elapsed() / N;
    let start = Instant::now();
    for i in 0..N {
        let rows = sqlx::query(sql)
            .bind(format!("team-{}", i % 100))
            .fetch_all(&native)
            .await
            .expect("native query");
        let _: i64 = rows[0].get(0);
    }
    let native_time = start.elapsed() / N;
    println!(
        "list query, sqlx Any vs native SQLite:   {:.3} ms vs {:.3} ms per query",
        any_time.as_secs_f64() * 1e3,
        native_time.as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    let binary = std::env::args()
        .nth(1)
        .expect("usage: bench PATH/TO/steward");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let token = bootstrap_token(&binary, &db);
    let child = Command::new(&binary)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--database-url", &format!("sqlite://{}", db.display())])
        .env("RUST_LOG", "warn")
        // OSV is a fake in this process: nothing here asks the real one.
        .env("STEWARD_OSV_URL", fake_osv().await)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start steward");
    let child = Server(child);
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .default_headers(headers)
        .build()
        .expect("client");
    let ready_by = Instant::now() + Duration::from_secs(60);
    while client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status().is_success())
        .ok()
        != Some(true)
    {
        assert!(Instant::now() < ready_by, "steward did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let yaml = catalog_yaml();
    println!(
        "catalog: {SERVICES} services, {TEAMS} teams, {PEOPLE} people ({:.1} MB of YAML)",
        yaml.len() as f64 / 1e6
    );
    let start = Instant::now();
    let response = client
        .post(format!("{base}/api/v1/import"))
        .header("content-type", "application/yaml")
        .body(yaml)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .expect("import");
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert!(
        status.is_success(),
        "import failed: {status} {}",
        &body[..body.len().min(500)]
    );
    println!(
        "import of {SERVICES} services (POST /api/v1/import): {:.2} s",
        start.elapsed().as_secs_f64()
    );
    // `STEWARD_BENCH_ONLY=checks`: the checks passes alone, for work on the engine.
    if std::env::var("STEWARD_BENCH_ONLY").as_deref() == Ok("incidents") {
        incidents(&client, &base, &db).await;
        drop(child);
        return;
    }
    if std::env::var("STEWARD_BENCH_ONLY").as_deref() == Ok("deps") {
        dependencies(&client, &base, &db, &child).await;
        drop(child);
        return;
    }
    if std::env::var("STEWARD_BENCH_ONLY").as_deref() == Ok("checks") {
        checks_via_api(&client, &base).await;
        checks_passes(&client, &base, &db).await;
        drop(child);
        return;
    }
    let list = load(&client, vec![format!("{base}/api/v1/services?limit=50")]).await;
    report("GET /api/v1/services?limit=50", &list);
    let filtered: Vec<String> = (0..100)
        .map(|t| format!("{base}/api/v1/services?limit=50&owner=team-{t}&sort=tier"))
        .collect();
    report(
        "GET /api/v1/services?owner=…&sort=tier",
        &load(&client, filtered).await,
    );
    let api_pages: Vec<String> = (0..SERVICES)
        .step_by(7)
        .map(|s| format!("{base}/api/v1/services/svc-{s}"))
        .collect();
    report(
        "GET /api/v1/services/{slug}",
        &load(&client, api_pages).await,
    );
    let pages: Vec<String> = (0..SERVICES)
        .step_by(7)
        .map(|s| format!("{base}/services/svc-{s}"))
        .collect();
    report(
        "GET /services/{slug} (SSR page)",
        &load(&client, pages).await,
    );
    on_call_now(&client, &base).await;
    incidents(&client, &base, &db).await;
    dependencies(&client, &base, &db, &child).await;
    checks_via_api(&client, &base).await;
    println!(
        "server peak RSS: {:.1} MiB",
        peak_rss_kib(&child.0) as f64 / 1024.0
    );
    checks_passes(&client, &base, &db).await;
    drop(child);
    driver_comparison(&db).await;
    let start = Instant::now();
    for _ in 0..10 {
        steward_server::auth::hash_password("correct horse battery staple".into())
            .await
            .expect("hash");
    }
    println!(
        "argon2id password hash (19 MiB, t=2, p=1):  {:.1} ms",
        start.elapsed().as_secs_f64() * 100.0
    );
    final_schedule_year();
}

/// "Run now" of the checks job through the API: a full pass over every service and rule,
/// timed by the run's own record.
async fn checks_via_api(client: &reqwest::Client, base: &str) {
    let (secs, run) = run_job(client, base, "checks").await;
    println!(
        "checks job, full pass via Run now ({} rules × {} services): {secs:.2} s, {} findings opened ({})",
        steward_server::domain::checks::registry().len(),
        run["counts"]["evaluated"],
        run["counts"]["opened"],
        run["outcome"],
    );
}

/// The pass itself on the benchmark's database (the server idle beside it): a full pass when
/// findings exist already, a pass with nothing changed, and one after a service was edited.
async fn checks_passes(client: &reqwest::Client, base: &str, db: &std::path::Path) {
    use steward_server::store::checks::pass::{run, Scope};
    let store = steward_server::store::Store::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("connect");
    let start = Instant::now();
    let full = run(&store, Scope::Full, &[], None)
        .await
        .expect("full pass");
    println!(
        "checks pass, full (findings in place): {:.0} ms ({} evaluated, {} changed)",
        start.elapsed().as_secs_f64() * 1e3,
        full.evaluated,
        full.opened + full.resolved + full.changed
    );
    let start = Instant::now();
    let idle = run(&store, Scope::Changed, &[], None)
        .await
        .expect("incremental pass");
    println!(
        "checks pass, incremental with nothing changed: {:.1} ms ({} evaluated)",
        start.elapsed().as_secs_f64() * 1e3,
        idle.evaluated
    );
    // One edit as a user makes it: read, change the description, write back with the version.
    let url = format!("{base}/api/v1/services/svc-4242");
    let mut service: serde_json::Value = client
        .get(&url)
        .send()
        .await
        .expect("read svc-4242")
        .json()
        .await
        .expect("service");
    let mut input = serde_json::Map::new();
    for key in [
        "slug",
        "name",
        "owners",
        "tier",
        "lifecycle",
        "kind",
        "system",
        "repository",
        "links",
        "tags",
        "dependsOn",
        "annotations",
        "version",
    ] {
        if let Some(v) = service.get_mut(key).map(serde_json::Value::take) {
            input.insert(key.to_string(), v);
        }
    }
    // Owners and dependencies are read as objects and written as slugs.
    for key in ["owners", "dependsOn"] {
        if let Some(serde_json::Value::Array(items)) = input.get_mut(key) {
            for item in items.iter_mut() {
                *item = item["slug"].take();
            }
        }
    }
    let edit = client
        .put(&url)
        .json(&input)
        .send()
        .await
        .expect("edit svc-4242");
    let status = edit.status();
    let body = edit.text().await.unwrap_or_default();
    assert!(status.is_success(), "edit: {status} {body}");
    let start = Instant::now();
    let one = run(&store, Scope::Changed, &[], None)
        .await
        .expect("incremental pass");
    println!(
        "checks pass, incremental after one service changed: {:.1} ms ({} evaluated, {} opened)",
        start.elapsed().as_secs_f64() * 1e3,
        one.evaluated,
        one.opened
    );
    for (name, report) in [("full", &full), ("unchanged", &idle), ("one edit", &one)] {
        let phases: Vec<String> = report
            .phases
            .iter()
            .map(|(phase, d)| format!("{phase} {:.1} ms", d.as_secs_f64() * 1e3))
            .collect();
        println!("  {name} pass phases: {}", phases.join(", "));
    }
    store.pool.close().await;
}

/// An admin account and a write token for the benchmark, made with the command line on the
/// database before the server starts (the way automation bootstraps).
fn bootstrap_token(binary: &str, db: &std::path::Path) -> String {
    use std::io::Write;
    let url = format!("sqlite://{}", db.display());
    let mut add = Command::new(binary)
        .args([
            "--database-url",
            &url,
            "user",
            "add",
            "bench",
            "--role",
            "admin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("steward user add");
    add.stdin
        .take()
        .expect("stdin")
        .write_all(b"a long benchmark password\n")
        .expect("password");
    assert!(
        add.wait().expect("user add").success(),
        "steward user add failed"
    );
    let out = Command::new(binary)
        .args([
            "--database-url",
            &url,
            "token",
            "create",
            "bench",
            "--scope",
            "write",
        ])
        .output()
        .expect("steward token create");
    assert!(out.status.success(), "steward token create failed");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One schedule and one escalation policy per team (a weekly primary and a daily
/// business-hours layer; the policy pages the schedule, then the team's first person), every
/// service pointing to its primary owner's policy; then "on call now" for every service, each
/// request walking the service's policy and its owners' schedules.
async fn on_call_now(client: &reqwest::Client, base: &str) {
    for t in 0..TEAMS {
        let people: Vec<String> = (0..PEOPLE)
            .filter(|p| p % TEAMS == t)
            .map(|p| format!("person-{p}"))
            .collect();
        let body = serde_json::json!({
            "slug": format!("team-{t}-oncall"), "name": format!("Team {t} on call"),
            "team": format!("team-{t}"), "timeZone": "Europe/Berlin",
            "layers": [
                {"name": "Primary", "start": "2026-01-05T09:00", "turn": {"unit": "weeks", "length": 1},
                 "participants": people},
                {"name": "Office hours", "start": "2026-01-05T09:00", "turn": {"unit": "days", "length": 1},
                 "participants": people,
                 "restrictions": [{"weekdays": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"}]}
            ]
        });
        let r = client
            .post(format!("{base}/api/v1/schedules"))
            .json(&body)
            .send()
            .await
            .expect("schedule");
        assert!(r.status().is_success(), "schedule: {}", r.status());
        let policy = serde_json::json!({
            "slug": format!("team-{t}-escalation"), "name": format!("Team {t} escalation"),
            "team": format!("team-{t}"), "repeats": 2,
            "levels": [
                {"delayMinutes": 0, "targets": [{"schedule": format!("team-{t}-oncall")}]},
                {"delayMinutes": 15, "targets": [{"person": people[0]}]}
            ]
        });
        let r = client
            .post(format!("{base}/api/v1/escalation-policies"))
            .json(&policy)
            .send()
            .await
            .expect("policy");
        assert!(r.status().is_success(), "policy: {}", r.status());
    }
    let start = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..CONCURRENCY {
        let (client, base) = (client.clone(), base.to_string());
        workers.push(tokio::spawn(async move {
            for s in (worker..SERVICES).step_by(CONCURRENCY) {
                let body = serde_json::json!({"policy": format!("team-{}-escalation", s % TEAMS)});
                let r = client
                    .put(format!("{base}/api/v1/services/svc-{s}/escalation-policy"))
                    .json(&body)
                    .send()
                    .await
                    .expect("point");
                assert!(r.status().is_success(), "point: {}", r.status());
            }
        }));
    }
    for w in workers {
        w.await.expect("worker");
    }
    println!(
        "pointed {SERVICES} services to escalation policies: {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let urls: Vec<String> = (0..SERVICES)
        .map(|s| format!("{base}/api/v1/services/svc-{s}/oncall"))
        .collect();
    let start = Instant::now();
    let results = futures_all(client, &urls).await;
    println!(
        "on call now for all {SERVICES} services ({TEAMS} schedules, {CONCURRENCY} at a time): {:.2} s ({} errors)",
        start.elapsed().as_secs_f64(),
        results
    );
    report(
        "GET /api/v1/services/{slug}/oncall",
        &load(client, urls).await,
    );
}

/// Fetches every URL once, `CONCURRENCY` at a time; returns the number of failures.
async fn futures_all(client: &reqwest::Client, urls: &[String]) -> usize {
    let urls = std::sync::Arc::new(urls.to_vec());
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let (client, urls) = (client.clone(), urls.clone());
        tasks.push(tokio::spawn(async move {
            let mut errors = 0;
            for url in urls.iter().skip(worker).step_by(CONCURRENCY) {
                match client.get(url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
            }
            errors
        }));
    }
    let mut errors = 0;
    for t in tasks {
        errors += t.await.expect("worker");
    }
    errors
}

/// One year of final schedule for 5 layers and 50 overrides, the pure computation.
fn final_schedule_year() {
    use chrono::{NaiveDate, TimeZone, Utc, Weekday};
    use steward_server::domain::oncall::{
        final_schedule, Layer, Override, Restriction, Schedule, Turn,
    };
    let zone: chrono_tz::Tz = "Europe/Berlin".parse().expect("zone");
    let at = |d: u32, h: u32| {
        NaiveDate::from_ymd_opt(2026, 1, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("date")
    };
    let people = |n: usize, tag: &str| (0..n).map(|i| format!("{tag}-{i}")).collect::<Vec<_>>();
    let weekdays = vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let time = |h: u32| chrono::NaiveTime::from_hms_opt(h, 0, 0).expect("time");
    let mut layers = vec![
        Layer::new(zone, "weekly", at(5, 9), Turn::Weeks(1), people(6, "w")),
        Layer::new(zone, "daily", at(5, 9), Turn::Days(1), people(5, "d")),
        Layer::new(zone, "business", at(5, 9), Turn::Days(1), people(4, "b")),
        Layer::new(zone, "nights", at(5, 22), Turn::Days(1), people(3, "n")),
        Layer::new(zone, "weekend", at(3, 8), Turn::Weeks(1), people(2, "e")),
    ];
    layers[2].restrictions = vec![Restriction {
        weekdays: weekdays.clone(),
        from: time(9),
        to: time(17),
    }];
    layers[3].restrictions = vec![Restriction {
        weekdays,
        from: time(22),
        to: time(6),
    }];
    layers[4].restrictions = vec![Restriction {
        weekdays: vec![Weekday::Sat, Weekday::Sun],
        from: time(8),
        to: time(20),
    }];
    let from = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("from");
    let to = Utc
        .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
        .single()
        .expect("to");
    let overrides = (0..50)
        .map(|i| Override {
            person: format!("o-{i}"),
            start: from + chrono::Duration::hours(i * 170 + 3),
            end: from + chrono::Duration::hours(i * 170 + 30),
        })
        .collect();
    let schedule = Schedule {
        zone,
        layers,
        overrides,
    };
    const RUNS: u32 = 200;
    let start = Instant::now();
    let mut segments = 0;
    for _ in 0..RUNS {
        segments = final_schedule(&schedule, from, to).len();
    }
    println!(
        "final schedule, 1 year, 5 layers + 50 overrides: {:.2} ms ({segments} segments)",
        start.elapsed().as_secs_f64() * 1e3 / f64::from(RUNS)
    );
}

/// 10,000 incidents over two years, written straight into the database: one to three
/// services each (a few services have many), severities weighted to SEV3–4, response times
/// spread over orders of magnitude, some milestones unknown. Then the metrics, org-wide and
/// per team and service, and a runbook page with a long body and several failure modes.
async fn incidents(client: &reqwest::Client, base: &str, db: &std::path::Path) {
    use sqlx::Row;
    const INCIDENTS: i64 = 10_000;
    let url = format!("sqlite://{}", db.display());
    let pool = sqlx::SqlitePool::connect(&url).await.expect("pool");
    let ids: Vec<(i64, String)> = sqlx::query("select id, slug from services order by id")
        .fetch_all(&pool)
        .await
        .expect("services")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let at = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .expect("instant")
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let start_of = 1_733_000_000_i64; // late 2024
    let start = Instant::now();
    let mut tx = pool.begin().await.expect("tx");
    for n in 0..INCIDENTS {
        let detected = start_of + (n * 6_300) + (next() % 3_600) as i64;
        // Minutes to hours, a long tail: 2^(0..14) seconds times a factor.
        let span =
            |next: &mut dyn FnMut() -> u64| (1_i64 << (next() % 14)) * (1 + (next() % 9) as i64);
        let started = (next() % 4 != 0).then(|| detected - span(&mut next));
        let acked = detected + span(&mut next);
        let mitigated = (next() % 10 != 0).then(|| acked + span(&mut next));
        let resolved = mitigated
            .filter(|_| next() % 20 != 0)
            .map(|m| m + span(&mut next) * 4);
        let severity = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4][(next() % 10) as usize];
        let id: i64 = sqlx::query_scalar(
            "insert into incidents (title, severity, status, commander, started_at, detected_at, \
             acknowledged_at, mitigated_at, resolved_at, declared_at, declared_by, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $6, 'bench', $6) returning id",
        )
        .bind(format!("Incident {n}: elevated error rate"))
        .bind(severity)
        .bind(if resolved.is_some() {
            "resolved"
        } else {
            "mitigated"
        })
        .bind(format!("person-{}", next() % PEOPLE as u64))
        .bind(started.map(at))
        .bind(at(detected))
        .bind(at(acked))
        .bind(mitigated.map(at))
        .bind(resolved.map(at))
        .fetch_one(&mut *tx)
        .await
        .expect("incident");
        let count = 1 + next() % 3;
        for p in 0..count {
            // A quarter of incidents hit the first 50 services: real incidents cluster.
            let i = if next() % 4 == 0 {
                next() % 50
            } else {
                next() % ids.len() as u64
            } as usize;
            let _ = sqlx::query(
                "insert into incident_services (incident_id, position, service_id, slug) \
                 values ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(p as i64)
            .bind(ids[i].0)
            .bind(&ids[i].1)
            .execute(&mut *tx)
            .await;
        }
    }
    tx.commit().await.expect("commit");
    println!(
        "incidents: {INCIDENTS} written in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let time = |path: String| {
        let client = client.clone();
        async move {
            let mut best = Duration::MAX;
            for _ in 0..5 {
                let start = Instant::now();
                let r = client.get(&path).send().await.expect("metrics");
                assert!(r.status().is_success(), "{path}: {}", r.status());
                let _ = r.bytes().await;
                best = best.min(start.elapsed());
            }
            best
        }
    };
    for (name, path) in [
        ("all 10,000", "/api/v1/incidents/metrics".to_string()),
        (
            "one team",
            "/api/v1/incidents/metrics?team=team-3".to_string(),
        ),
        (
            "one busy service",
            "/api/v1/incidents/metrics?service=svc-7".to_string(),
        ),
        (
            "a year, SEV1",
            "/api/v1/incidents/metrics?severity=SEV1&from=2025-01-01&to=2026-01-01".to_string(),
        ),
    ] {
        let t = time(format!("{base}{path}")).await;
        println!(
            "incident metrics, median and p90 ({name:<16}): {:>7.2} ms (best of 5)",
            t.as_secs_f64() * 1e3
        );
    }
    // A runbook as teams write them: sections, lists, code, a table, eight failure modes.
    let mut body = String::from("# svc-7\n\n");
    for section in 0..40 {
        body.push_str(&format!(
            "## Section {section}\n\nWhen **latency** rises above the SLO, check the \
             [dashboard](https://grafana.example.com/d/svc-7) first.\n\n- drain the node\n- \
             `kubectl rollout restart deploy/svc-7`\n- page the database on call\n\n```sh\n\
             curl -s https://svc-7.internal/healthz | jq .\n```\n\n| step | owner |\n|---|---|\n\
             | rollback | on call |\n\n"
        ));
    }
    let modes: Vec<serde_json::Value> = (0..8)
        .map(|i| {
            serde_json::json!({"symptom": format!("Symptom {i}: 5xx above 2%"),
                "confirm": "Grafana: error rate by route", "mitigation": "Roll back the last deploy",
                "escalateTo": "team-7 on call"})
        })
        .collect();
    let r = client
        .put(format!("{base}/api/v1/services/svc-7/runbook"))
        .json(&serde_json::json!({"body": body, "failureModes": modes}))
        .send()
        .await
        .expect("runbook");
    assert!(r.status().is_success(), "runbook save: {}", r.status());
    report(
        &format!("GET /services/svc-7/runbook ({} KB)", body.len() / 1024),
        &load(client, vec![format!("{base}/services/svc-7/runbook")]).await,
    );
    report(
        "GET /api/v1/services/svc-7/runbook",
        &load(
            client,
            vec![format!("{base}/api/v1/services/svc-7/runbook")],
        )
        .await,
    );
}

/// Runs job `name` through "Run now" and waits for its record: (seconds, the run).
async fn run_job(client: &reqwest::Client, base: &str, name: &str) -> (f64, serde_json::Value) {
    let run: serde_json::Value = client
        .post(format!("{base}/api/v1/jobs/{name}/run"))
        .send()
        .await
        .expect("run now")
        .json()
        .await
        .expect("run");
    let id = run["id"].as_i64().expect("run id");
    loop {
        let run: serde_json::Value = client
            .get(format!("{base}/api/v1/jobs/runs/{id}"))
            .send()
            .await
            .expect("run")
            .json()
            .await
            .expect("run");
        if run["finishedAt"].is_string() {
            let at = |k: &str| {
                chrono::DateTime::parse_from_rfc3339(run[k].as_str().expect("instant"))
                    .expect("instant")
            };
            let secs = (at("finishedAt") - at("startedAt")).num_milliseconds() as f64 / 1e3;
            return (secs, run);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fake OSV on 127.0.0.1: one version in 30 has an advisory of its package (fixed in a
/// later major), whose record names that package; records in OSV's shape.
async fn fake_osv() -> String {
    use axum::extract::{Path, State};
    use axum::routing::{get, post};
    use axum::Json;
    use serde_json::{json, Value};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    type Named = Arc<Mutex<HashMap<String, (String, String)>>>;
    fn hash(text: &str) -> u64 {
        text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    }
    async fn querybatch(State(named): State<Named>, Json(body): Json<Value>) -> Json<Value> {
        let mut results = Vec::new();
        for q in body["queries"].as_array().into_iter().flatten() {
            let eco = q["package"]["ecosystem"].as_str().unwrap_or_default();
            let name = q["package"]["name"].as_str().unwrap_or_default();
            let version = q["version"].as_str().unwrap_or_default();
            if hash(&format!("{eco}/{name}@{version}")).is_multiple_of(30) {
                let id = format!(
                    "GHSA-{:04x}-{:04x}-bnch",
                    hash(name) % 0xffff,
                    hash(eco) % 0xffff
                );
                named
                    .lock()
                    .expect("lock")
                    .insert(id.clone(), (eco.to_string(), name.to_string()));
                results.push(json!({"vulns": [{"id": id, "modified": "2026-06-01T00:00:00Z"}]}));
            } else {
                results.push(json!({}));
            }
        }
        Json(json!({ "results": results }))
    }
    async fn vuln(State(named): State<Named>, Path(id): Path<String>) -> Json<Value> {
        let (eco, name) = named
            .lock()
            .expect("lock")
            .get(&id)
            .cloned()
            .unwrap_or_default();
        Json(json!({
            "schema_version": "1.6.0", "id": id, "modified": "2026-06-01T00:00:00Z",
            "published": "2026-05-01T00:00:00Z", "aliases": [format!("CVE-2026-{}", hash(&id) % 90000)],
            "summary": format!("Uncontrolled recursion in {name}"),
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
            "affected": [{"package": {"ecosystem": eco, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99.0.0"}]}]}],
            "database_specific": {"severity": "HIGH", "github_reviewed": true}
        }))
    }
    let named: Named = Default::default();
    let app = axum::Router::new()
        .route("/v1/querybatch", post(querybatch))
        .route("/v1/vulns/{id}", get(vuln))
        .with_state(named);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Dependency freshness: 1,000 services × 300 locked packages drawn from an organisation's
/// universe of 12,000 (a few very common, a long tail: as real lockfiles overlap), each with
/// 40 releases over six years in the registry cache. The figures are recomputed from that
/// cache by a run of the `dependencies` job with nothing due at the registries.
async fn dependencies(client: &reqwest::Client, base: &str, db: &std::path::Path, child: &Server) {
    use sqlx::Row;
    const WITH: usize = 1_000;
    const PER: usize = 300;
    const UNIVERSE: u64 = 12_000;
    const RELEASES: u64 = 40;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("pool");
    let ids: Vec<i64> = sqlx::query("select id from services order by id limit $1")
        .bind(WITH as i64)
        .fetch_all(&pool)
        .await
        .expect("services")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let package = |i: u64| -> (&'static str, String) {
        match i % 10 {
            0..=5 if i.is_multiple_of(5) => ("npm", format!("@northwind-{}/ui.kit-{i}", i % 37)),
            0..=5 => ("npm", format!("left.pad-{i}")),
            6 | 7 => ("crates.io", format!("tokio_util-{i}")),
            8 => ("PyPI", format!("zope-interface-{i}")),
            _ => ("Go", format!("github.com/northwind-{}/go.kit{i}", i % 53)),
        }
    };
    let version = |eco: &str, r: u64| {
        let (major, minor, patch) = (1 + r / 16, (r / 4) % 4, r % 4);
        if eco == "Go" {
            format!("v{major}.{minor}.{patch}")
        } else {
            format!("{major}.{minor}.{patch}")
        }
    };
    let day = |d: i64| {
        chrono::DateTime::from_timestamp(1_600_000_000 + d * 86_400, 0)
            .expect("instant")
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let start = Instant::now();
    let mut tx = pool.begin().await.expect("tx");
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    for i in 0..UNIVERSE {
        let (eco, name) = package(i);
        let first = (next() % 800) as i64;
        let gap = 1 + (next() % 50) as i64;
        let missing = i.is_multiple_of(41);
        let latest = RELEASES - 1;
        sqlx::query(
            "insert into registry_packages (ecosystem, name, status, etag, latest, latest_at, \
             last_release_at, releases, fetched_at, checked_at, next_at) \
             values ($1, $2, $3, 'W/\"1\"', $4, $5, $5, $6, $7, $7, '9999')",
        )
        .bind(eco)
        .bind(&name)
        .bind(if missing { "missing" } else { "found" })
        .bind(version(eco, latest))
        .bind(day(first + latest as i64 * gap))
        .bind(RELEASES as i64)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .expect("package");
        let mut sql = String::from(
            "insert into registry_releases (ecosystem, name, version, published, yanked) values ",
        );
        for r in 0..RELEASES {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "('{eco}', '{name}', '{}', '{}', {})",
                version(eco, r),
                day(first + r as i64 * gap),
                i64::from(next().is_multiple_of(100))
            ));
        }
        sqlx::query(&sql).execute(&mut *tx).await.expect("releases");
    }
    for (n, id) in ids.iter().enumerate() {
        let lock: i64 = sqlx::query_scalar(
            "insert into lockfiles (service_id, path, format, source, sha256, packages, \
             received_at, received_by) values ($1, 'package-lock.json', 'package-lock', 'push', \
             $2, $3, $4, 'bench') returning id",
        )
        .bind(id)
        .bind(format!("{n:064x}"))
        .bind(PER as i64)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .expect("lockfile");
        let mut rows = Vec::with_capacity(PER);
        let mut seen = std::collections::HashSet::new();
        while rows.len() < PER {
            // Quadratic skew: low indices (the common packages) come up far more often.
            let u = next() % UNIVERSE;
            let i = u * u / UNIVERSE;
            if !seen.insert(i) {
                continue;
            }
            let (eco, name) = package(i);
            let r = next() % RELEASES;
            rows.push(format!(
                "({lock}, '{eco}', '{name}', '{}', {})",
                version(eco, r),
                i64::from(rows.len() < 30)
            ));
        }
        sqlx::query(&format!(
            "insert into lockfile_packages (lockfile_id, ecosystem, name, version, direct) values {}",
            rows.join(", ")
        ))
        .execute(&mut *tx)
        .await
        .expect("packages");
    }
    tx.commit().await.expect("commit");
    println!(
        "dependencies: {WITH} services × {PER} packages of {UNIVERSE} × {RELEASES} releases written in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    // The rows were written without figures, as after an upgrade: the first run computes
    // every use's figures from the registry cache, the next ones add up what is stored.
    let (secs, run) = run_job(client, base, "dependencies").await;
    println!(
        "dependencies job, first run: figures of {} package versions computed from the registry cache, {} services added up: {secs:.2} s ({}); server peak RSS since start {:.1} MiB",
        run["counts"]["figured"],
        run["counts"]["services"],
        run["outcome"],
        peak_rss_kib(&child.0) as f64 / 1024.0
    );
    // Every version in use due at OSV, as after an upgrade (a push enrols its own).
    sqlx::query(
        "insert into osv_checks (ecosystem, name, version, attempted_at, next_at) \
         select distinct ecosystem, name, version, '', '' from lockfile_packages \
         where true on conflict do nothing",
    )
    .execute(&pool)
    .await
    .expect("enrol");
    // A run asks about 100,000 versions at most: as many runs as it takes.
    let (mut secs, mut asked, mut changed, mut read, mut runs) = (0.0, 0, 0, 0, 0);
    loop {
        let (s, run) = run_job(client, base, "dependencies").await;
        assert_eq!(run["outcome"], "succeeded", "{run}");
        let n = run["counts"]["osvAsked"].as_i64().unwrap_or(0);
        secs += s;
        runs += 1;
        asked += n;
        changed += run["counts"]["osvChanged"].as_i64().unwrap_or(0);
        read += run["counts"]["advisoriesRead"].as_i64().unwrap_or(0);
        if n < 100_000 {
            break;
        }
    }
    println!(
        "dependencies job, OSV asked about every version in use ({asked} versions in {runs} runs, {changed} with advisories, {read} records read): {secs:.2} s in all; server peak RSS since start {:.1} MiB",
        peak_rss_kib(&child.0) as f64 / 1024.0
    );
    let mut runs: Vec<f64> = Vec::new();
    for _ in 0..5 {
        let (secs, run) = run_job(client, base, "dependencies").await;
        assert_eq!(run["outcome"], "succeeded", "{run}");
        runs.push(secs);
    }
    runs.sort_by(f64::total_cmp);
    println!(
        "dependencies job, figures of {} services × {PER} uses recomputed from what is stored (nothing due): median of 5 runs {:.2} s (min {:.2}, max {:.2}); server peak RSS since start {:.1} MiB",
        WITH,
        runs[2],
        runs[0],
        runs[4],
        peak_rss_kib(&child.0) as f64 / 1024.0
    );
    let pages: Vec<String> = ids
        .iter()
        .take(200)
        .map(|_| {
            format!(
                "{base}/api/v1/services/svc-{}/dependencies",
                next() % WITH as u64
            )
        })
        .collect();
    report(
        "GET /api/v1/services/{slug}/dependencies",
        &load(client, pages).await,
    );
    let start = Instant::now();
    let org = client
        .get(format!("{base}/api/v1/dependencies"))
        .send()
        .await
        .expect("org");
    assert!(org.status().is_success());
    let _ = org.bytes().await;
    println!(
        "GET /api/v1/dependencies (the organisation, {} uses): {:.0} ms",
        WITH * PER,
        start.elapsed().as_secs_f64() * 1e3
    );
}
