//! Dependency freshness from the registries: crates.io, npm, PyPI and the Go proxy faked on
//! 127.0.0.1 with recorded documents in each one's real shape (`fixtures/registries`). The
//! figures are checked against values computed by hand, an unchanged package is answered with
//! a 304, a private package shows as "not found in registry", and a registry that fails or
//! answers garbage leaves the last good figures in place.

use crate::helpers::{run_job, spawn_app_with, Db, TestApp};
use crate::upstream::{Fault, Upstream};
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/fixtures/registries");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).expect("fixture")
}

/// A recorded document with its ETag; a request naming that ETag gets 304.
fn document(headers: &HeaderMap, name: &str, content_type: &'static str) -> Response {
    let etag = format!("W/\"{name}-1\"");
    if headers
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag)
    {
        return (StatusCode::NOT_MODIFIED, [("etag", etag)]).into_response();
    }
    (
        StatusCode::OK,
        [("content-type", content_type.to_string()), ("etag", etag)],
        fixture(name),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [("content-type", "application/json")],
        r#"{"error":"Not found"}"#,
    )
        .into_response()
}

async fn crates(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match name.as_str() {
        "serde" => document(&headers, "crates-serde.json", "application/json"),
        _ => not_found(),
    }
}

async fn npm(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match name.as_str() {
        "lodash" => document(&headers, "npm-lodash.json", "application/json"),
        "@types/node" => document(&headers, "npm-types-node.json", "application/json"),
        _ => not_found(),
    }
}

async fn pypi(Path(name): Path<String>, headers: HeaderMap) -> Response {
    match name.as_str() {
        "requests" => document(&headers, "pypi-requests.json", "application/json"),
        _ => not_found(),
    }
}

async fn go(Path(rest): Path<String>, headers: HeaderMap) -> Response {
    match rest.as_str() {
        "golang.org/x/net/@v/list" => document(&headers, "go-x-net.list", "text/plain"),
        "golang.org/x/net/@v/v0.10.0.info" => {
            document(&headers, "go-x-net-v0.10.0.info", "application/json")
        }
        "golang.org/x/net/@v/v0.30.0.info" => {
            document(&headers, "go-x-net-v0.30.0.info", "application/json")
        }
        _ => (StatusCode::GONE, "not found: unknown revision").into_response(),
    }
}

async fn fake_registries() -> Upstream {
    fake_registries_and(Router::new()).await
}

/// The fake registries and `more` (another upstream's routes) on one server.
pub(crate) async fn fake_registries_and(more: Router) -> Upstream {
    Upstream::start(
        more.route("/crates/api/v1/crates/{name}", get(crates))
            .route("/npm/{name}", get(npm))
            .route("/pypi/pypi/{name}/json", get(pypi))
            .route("/go/{*rest}", get(go)),
    )
    .await
}

async fn app(db: Db, registries: &Upstream) -> Option<TestApp> {
    app_and(db, registries, |_| {}).await
}

/// The seeded app with the fake registries, ledger's lockfiles pushed, and `more` settings.
pub(crate) async fn app_and(
    db: Db,
    registries: &Upstream,
    more: impl FnOnce(&mut steward_server::configuration::Settings),
) -> Option<TestApp> {
    let base = registries.url.clone();
    let app = spawn_app_with(db, move |s| {
        let url = |p: &str| format!("{base}/{p}").parse().expect("url");
        s.registries.crates_url = url("crates");
        s.registries.npm_url = url("npm");
        s.registries.pypi_url = url("pypi");
        s.registries.go_url = url("go");
        s.registries.timeout = Duration::from_secs(1);
        s.registries.requests_per_second = 1000.0;
        s.registries.crates_requests_per_second = 1000.0;
        s.public_url = Some("https://steward.example.com".parse().expect("url"));
        more(s);
    })
    .await?;
    app.seed().await;
    for (path, content) in [
        ("web/package-lock.json", PACKAGE_LOCK),
        ("requirements.txt", "requests==2.32.0\n"),
        ("go.mod", GO_MOD),
        ("Cargo.lock", CARGO_LOCK),
    ] {
        let r = app
            .post(
                "/api/v1/services/ledger/lockfiles",
                &json!({"path": path, "content": content}),
            )
            .await;
        assert_eq!(r.status, 201, "{path}: {}", r.text);
    }
    Some(app)
}

const PACKAGE_LOCK: &str = r#"{
  "name": "ledger-web", "version": "1.4.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": { "name": "ledger-web", "version": "1.4.0",
      "dependencies": { "lodash": "^4.17.15", "@northwind/internal-ui": "^2.3.0" },
      "devDependencies": { "@types/node": "^18.0.0" } },
    "node_modules/lodash": { "version": "4.17.15",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz",
      "integrity": "sha512-8xOcRHvCjnocdS5cpwXQXVzmmh5e5+saE2QGoeQmbKmRS6J3VQppPOIt0MnmE+4xlZoumy0GPG0D0MVIQbNA1A==" },
    "node_modules/@types/node": { "version": "18.0.0", "dev": true,
      "resolved": "https://registry.npmjs.org/@types/node/-/node-18.0.0.tgz" },
    "node_modules/@northwind/internal-ui": { "version": "2.3.0",
      "resolved": "https://npm.northwind.internal/@northwind/internal-ui/-/internal-ui-2.3.0.tgz" }
  }
}"#;

const GO_MOD: &str =
    "module github.com/northwind/ledger\n\ngo 1.22\n\nrequire golang.org/x/net v0.10.0\n";

const CARGO_LOCK: &str = r#"# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 3

[[package]]
name = "ledger-core"
version = "0.1.0"
dependencies = [
 "serde",
]

[[package]]
name = "serde"
version = "1.0.150"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "e326c9ec8042f1b5da33252c8a37e9ffbd2c9bef0155215b6e6c80c790e05f91"
"#;

pub(crate) async fn deps(app: &TestApp) -> Value {
    let r = app.get("/api/v1/services/ledger/dependencies").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

pub(crate) fn item<'a>(deps: &'a Value, name: &str) -> &'a Value {
    deps["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {deps}"))
}

pub(crate) fn years(v: &Value) -> f64 {
    v["libyear"]
        .as_f64()
        .unwrap_or_else(|| panic!("libyear of {v}"))
}

pub(crate) async fn sync(app: &TestApp) -> Value {
    let run = run_job(app, "dependencies").await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    run["counts"].clone()
}

/// Makes every package due again, as the TTL would after a day.
pub(crate) async fn expire(app: &TestApp) {
    sqlx::query("update registry_packages set next_at = ''")
        .execute(&app.store.pool)
        .await
        .expect("expire");
}

crate::both_db!(
    figures_come_from_the_registries_and_match_hand_computed_values,
    an_unchanged_package_costs_a_304_and_reports_follow_the_figures,
    a_failing_registry_keeps_the_last_good_figures,
    the_decay_rules_turn_the_figures_into_findings,
    figures_are_kept_per_use_and_follow_each_answer,
    a_registry_that_asks_to_wait_is_left_alone,
);

async fn figures_come_from_the_registries_and_match_hand_computed_values(db: Db) {
    let registries = fake_registries().await;
    let Some(app) = app(db, &registries).await else {
        return;
    };
    let before = deps(&app).await;
    assert_eq!(
        item(&before, "lodash")["state"],
        "unknown",
        "not looked up yet"
    );

    let counts = sync(&app).await;
    assert_eq!(counts["changed"], 5, "{counts}");
    assert_eq!(counts["missing"], 1, "{counts}");
    assert_eq!(counts["goDated"], 2, "{counts}");
    assert_eq!(counts["services"], 1, "{counts}");
    let seen = registries.seen();
    assert!(
        seen.iter().all(|s| s.headers["user-agent"]
            .to_str()
            .expect("ua")
            .starts_with("steward/")),
        "every request says who asks"
    );
    assert_eq!(registries.count("GET", "/npm/@types%2Fnode"), 1);
    assert_eq!(
        registries.count("GET", "/npm/"),
        3,
        "one lookup per package"
    );

    let d = deps(&app).await;
    // lodash 4.17.15 (2019-07-19T02:28:46Z) → 4.17.21 (2021-02-20T15:42:16Z): 582 days
    // 13:13:30 = 582.551 days = 1.5949 years.
    let lodash = item(&d, "lodash");
    assert_eq!(lodash["state"], "outdated");
    assert_eq!(lodash["latest"], "4.17.21");
    assert_eq!(lodash["releasedAt"], "2019-07-19T02:28:46Z");
    assert!((years(lodash) - 1.5949).abs() < 0.0001, "{lodash}");
    assert_eq!(
        (
            lodash["patchesBehind"].as_i64(),
            lodash["breaking"].as_bool()
        ),
        (Some(6), Some(false))
    );
    // @types/node 18.0.0 (2022-06-09T19:02:31Z) → 22.10.1 (2024-11-25T20:02:43Z): 900 days
    // 01:00:12 = 2.4642 years; four majors, breaking.
    let node = item(&d, "@types/node");
    assert!((years(node) - 2.4642).abs() < 0.0001, "{node}");
    assert_eq!(node["majorsBehind"], 4);
    assert_eq!(node["breaking"], true);
    // requests 2.32.0 was yanked; 2.32.3 (not 3.0.0a1, a pre-release) is the latest.
    let requests = item(&d, "requests");
    assert_eq!(
        (requests["yanked"].as_bool(), requests["latest"].as_str()),
        (Some(true), Some("2.32.3"))
    );
    assert_eq!(requests["patchesBehind"], 3);
    // golang.org/x/net v0.10.0 (2023-05-04T15:46:56Z) → v0.30.0 (2024-10-04T16:43:47Z):
    // 519 days 00:56:51 = 1.4211 years; a 0.x minor is breaking.
    let net = item(&d, "golang.org/x/net");
    assert!((years(net) - 1.4211).abs() < 0.0001, "{net}");
    assert_eq!(
        (net["minorsBehind"].as_i64(), net["breaking"].as_bool()),
        (Some(20), Some(true))
    );
    // serde 1.0.150 (2022-12-11T23:07:09Z) → 1.0.215 (2024-11-11T01:20:21Z): 700 days
    // 02:13:12 = 1.9168 years.
    let serde = item(&d, "serde");
    assert!((years(serde) - 1.9168).abs() < 0.0001, "{serde}");
    assert_eq!(serde["direct"], true);
    // A private package: not found in the registry, never "current".
    let private = item(&d, "@northwind/internal-ui");
    assert_eq!(private["state"], "missing");
    assert!(private["libyear"].is_null());

    let s = &d["summary"];
    assert_eq!(s["packages"], 6, "{s}");
    assert_eq!(s["outdated"], 5, "{s}");
    assert_eq!(
        (s["yanked"].as_i64(), s["missing"].as_i64()),
        (Some(1), Some(1))
    );
    let total = 1.5949 + 2.4642 + 1.4211 + 1.9168 + years(requests);
    assert!(
        (s["libyear"].as_f64().expect("sum") - total).abs() < 0.01,
        "{s}"
    );
    assert!(d["dataAsOf"].is_string());
}

async fn an_unchanged_package_costs_a_304_and_reports_follow_the_figures(db: Db) {
    let registries = fake_registries().await;
    let Some(app) = app(db, &registries).await else {
        return;
    };
    sync(&app).await;
    let asked = registries.seen().len();
    // Within the TTL nothing is asked again.
    let counts = sync(&app).await;
    assert!(counts.get("changed").is_none(), "{counts}");
    assert_eq!(registries.seen().len(), asked, "nothing due, nothing asked");
    expire(&app).await;
    let counts = sync(&app).await;
    assert_eq!(counts["unchanged"], 5, "{counts}");
    let again = &registries.seen()[asked..];
    let crates = again
        .iter()
        .find(|s| s.uri.starts_with("/crates/"))
        .expect("crates asked again");
    assert_eq!(crates.headers["if-none-match"], "W/\"crates-serde.json-1\"");
    assert!(
        !again.iter().any(|s| s.uri.ends_with(".info")),
        "Go dates already known are not asked again"
    );
    assert!((years(item(&deps(&app).await, "lodash")) - 1.5949).abs() < 0.0001);

    // The team's and the organisation's reports, and today's point of the trend.
    let team = app.get("/api/v1/teams/payments/dependencies").await;
    assert_eq!(team.status, 200, "{}", team.text);
    let services: Vec<&str> = team.body["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(services, ["ledger"]);
    let trend = team.body["trend"].as_array().expect("trend");
    assert_eq!(trend.len(), 1, "one point a day: {trend:?}");
    assert_eq!(trend[0]["packages"], 6);
    assert_eq!(trend[0]["yanked"], 1);
    assert_eq!(
        team.body["worst"][0]["name"], "requests",
        "yanked first: {}",
        team.body["worst"]
    );
    assert_eq!(
        team.body["worst"][1]["name"], "@types/node",
        "then the most drift"
    );
    let none = app.get("/api/v1/teams/platform/dependencies").await;
    assert_eq!(none.status, 200);
    assert_eq!(none.body["summary"]["packages"], 0);
    assert_eq!(
        app.get("/api/v1/teams/nobody/dependencies").await.status,
        404
    );
    let org = app.get("/api/v1/dependencies").await;
    assert_eq!(org.status, 200, "{}", org.text);
    assert_eq!(org.body["summary"]["packages"], 6);
    let npm = org.body["registries"]
        .as_array()
        .expect("registries")
        .iter()
        .find(|r| r["ecosystem"] == "npm")
        .expect("npm");
    assert_eq!(
        (npm["packages"].as_i64(), npm["missing"].as_i64()),
        (Some(3), Some(1))
    );

    let csv = app.get("/api/v1/dependencies.csv").await;
    assert_eq!(csv.status, 200);
    let mut lines = csv.text.lines();
    assert!(lines
        .next()
        .expect("header")
        .starts_with("service,ecosystem,package,version"));
    let lodash = csv
        .text
        .lines()
        .find(|l| l.contains(",lodash,"))
        .expect("lodash row");
    assert!(
        lodash
            .starts_with("ledger,npm,lodash,4.17.15,true,web/package-lock.json,outdated,4.17.21,"),
        "{lodash}"
    );
    assert!(lodash.contains(",1.59,"), "{lodash}");
    let json = app.get("/api/v1/dependencies.json").await;
    assert_eq!(json.status, 200);
    assert_eq!(json.body.as_array().expect("rows").len(), 6);
}

async fn a_failing_registry_keeps_the_last_good_figures(db: Db) {
    let registries = fake_registries().await;
    let Some(app) = app(db, &registries).await else {
        return;
    };
    sync(&app).await;
    let good = deps(&app).await;
    expire(&app).await;
    registries.fail("GET", "/crates/", Fault::Status(503, vec![], "{}"), 1);
    registries.fail("GET", "/npm/lodash", Fault::Garbage, 1);
    registries.fail("GET", "/pypi/", Fault::Late(Duration::from_secs(3)), 1);
    registries.fail(
        "GET",
        "/npm/@types",
        Fault::Status(200, vec![], r#"{"name": "@types/node"}"#),
        1,
    );
    let counts = sync(&app).await;
    assert_eq!(counts["failed"], 4, "{counts}");
    let d = deps(&app).await;
    for name in ["serde", "lodash", "requests", "@types/node"] {
        let (now, then) = (item(&d, name), item(&good, name));
        assert_eq!(now["latest"], then["latest"], "{name}");
        assert_eq!(now["libyear"], then["libyear"], "{name}");
        assert_eq!(
            now["registryAnsweredAt"], then["registryAnsweredAt"],
            "{name}"
        );
        assert!(now["registryError"].is_string(), "{name}: {now}");
    }
    assert_eq!(
        item(&d, "serde")["registryError"],
        "the registry answered 503"
    );
    assert!(item(&d, "lodash")["registryError"]
        .as_str()
        .expect("error")
        .starts_with("the registry's answer could not be read"));
    assert_eq!(
        item(&d, "requests")["registryError"],
        "the registry did not answer in time"
    );
    assert_eq!(d["summary"], good["summary"]);
    let org = app.get("/api/v1/dependencies").await;
    let failing: i64 = org.body["registries"]
        .as_array()
        .expect("registries")
        .iter()
        .map(|r| r["failing"].as_i64().expect("failing"))
        .sum();
    assert_eq!(failing, 4);
    // The next good answer clears the fault.
    expire(&app).await;
    sync(&app).await;
    assert!(item(&deps(&app).await, "serde")["registryError"].is_null());
}

async fn findings(app: &TestApp, rule: &str) -> Vec<String> {
    let r = app
        .get(&format!("/api/v1/findings?service=ledger&rule={rule}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut subjects: Vec<String> = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["subject"].as_str().expect("subject").to_string())
        .collect();
    subjects.sort();
    subjects
}

async fn the_decay_rules_turn_the_figures_into_findings(db: Db) {
    let registries = fake_registries().await;
    let Some(app) = app(db, &registries).await else {
        return;
    };
    // Lockfiles but no registry answer yet: unknown, never a pass.
    assert_eq!(run_job(&app, "checks").await["outcome"], "succeeded");
    let r = app
        .get("/api/v1/findings?service=ledger&rule=deps.libyear")
        .await;
    assert_eq!(r.body["items"][0]["result"], "unknown", "{}", r.text);
    assert_eq!(
        findings(&app, "deps.yanked").await,
        ["-"],
        "unknown as a whole"
    );
    assert_eq!(
        findings(&app, "deps.lockfile-synced").await,
        Vec::<String>::new(),
        "the lockfiles' age needs no registry"
    );

    sync(&app).await;
    assert_eq!(run_job(&app, "checks").await["outcome"], "succeeded");
    assert_eq!(findings(&app, "deps.yanked").await, ["PyPI:requests"]);
    // @types/node four majors behind; golang.org/x/net at 0.10 with 0.30 out (below 1.0 a
    // minor breaks); lodash and serde within their major.
    assert_eq!(
        findings(&app, "deps.breaking-behind").await,
        ["Go:golang.org/x/net", "npm:@types/node"]
    );
    // Tier 1: at most 5 years; the direct dependencies add up to over 7.
    let r = app
        .get("/api/v1/findings?service=ledger&rule=deps.libyear")
        .await;
    let libyear = &r.body["items"][0];
    assert_eq!(libyear["result"], "fail", "{}", r.text);
    assert!(
        libyear["details"]["libyear"].as_f64().expect("years") > 7.0,
        "{libyear}"
    );
    // lodash's last release was 2021-02-20: over the two years of tier 1.
    assert!(findings(&app, "deps.abandoned")
        .await
        .contains(&"npm:lodash".to_string()));
    // Lockfiles just pushed: synced.
    assert_eq!(
        findings(&app, "deps.lockfile-synced").await,
        Vec::<String>::new()
    );
}

/// A lockfile of lodash 4.17.15 alone, direct.
const LODASH_LOCK: &str = r#"{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3,
  "packages": {
    "": { "name": "app", "version": "1.0.0", "dependencies": { "lodash": "^4.17.15" } },
    "node_modules/lodash": { "version": "4.17.15" }
  }
}"#;

pub(crate) async fn push(app: &TestApp, service: &str, path: &str, content: &str) {
    let r = app
        .post(
            &format!("/api/v1/services/{service}/lockfiles"),
            &json!({"path": path, "content": content}),
        )
        .await;
    assert_eq!(r.status, 201, "{path}: {}", r.text);
}

async fn figures_are_kept_per_use_and_follow_each_answer(db: Db) {
    let registries = fake_registries().await;
    let Some(app) = app(db, &registries).await else {
        return;
    };
    sync(&app).await;
    // Pushed once the registry has answered: figured at once, before any sync.
    push(&app, "ledger", "admin/package-lock.json", LODASH_LOCK).await;
    push(&app, "status-page", "package-lock.json", LODASH_LOCK).await;
    let status = app.get("/api/v1/services/status-page/dependencies").await;
    assert_eq!(status.status, 200, "{}", status.text);
    let lodash = item(&status.body, "lodash");
    assert_eq!(lodash["state"], "outdated", "{lodash}");
    assert!((years(lodash) - 1.5949).abs() < 0.0001, "{lodash}");
    // The same version in two lockfiles of one service counts once, in the service's own
    // summary and in what the database adds up for the trend and the reports.
    let d = deps(&app).await;
    assert_eq!(d["summary"]["packages"], 6, "{}", d["summary"]);
    let counts = sync(&app).await;
    assert_eq!(counts["services"], 2, "{counts}");
    assert!(
        counts.get("figured").is_none(),
        "all figured already: {counts}"
    );
    let org = app.get("/api/v1/dependencies").await;
    assert_eq!(org.status, 200, "{}", org.text);
    assert_eq!(
        org.body["summary"]["packages"], 7,
        "{}",
        org.body["summary"]
    );
    assert_eq!(org.body["trend"][0]["packages"], 7);
    let total = d["summary"]["libyear"].as_f64().expect("ledger") + 1.59;
    assert!(
        (org.body["summary"]["libyear"].as_f64().expect("org") - total).abs() < 0.011,
        "{}",
        org.body["summary"]
    );
    let ledger = org.body["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["slug"] == "ledger")
        .expect("ledger")
        .clone();
    assert_eq!(ledger["summary"], d["summary"], "the same sums both ways");
    let worst: Vec<(&str, &str)> = org.body["worst"]
        .as_array()
        .expect("worst")
        .iter()
        .map(|w| {
            (
                w["service"].as_str().expect("s"),
                w["name"].as_str().expect("n"),
            )
        })
        .collect();
    let twice = worst.iter().filter(|w| **w == ("ledger", "lodash")).count();
    assert_eq!(twice, 1, "one entry for ledger's lodash: {worst:?}");

    // Uses from before figures were kept (or after the way they are computed changes) are
    // caught up by the next run.
    sqlx::query(
        "update lockfile_packages set figured = 0, state = 'unknown', libyear = null, \
         majors = 0, minors = 0, patches = 0, breaking = 0, yanked = 0, released_at = null",
    )
    .execute(&app.store.pool)
    .await
    .expect("forget");
    assert_eq!(item(&deps(&app).await, "lodash")["state"], "unknown");
    let counts = sync(&app).await;
    assert_eq!(counts["figured"], 6, "distinct versions in use: {counts}");
    let again = deps(&app).await;
    assert_eq!(again["summary"], d["summary"]);
    assert!((years(item(&again, "lodash")) - 1.5949).abs() < 0.0001);
    assert_eq!(item(&again, "requests")["yanked"], true);
}

async fn a_registry_that_asks_to_wait_is_left_alone(db: Db) {
    let registries = fake_registries().await;
    // One request at a time, so that the order is known.
    let Some(app) = app_and(db, &registries, |s| s.registries.concurrency = 1).await else {
        return;
    };
    registries.fail(
        "GET",
        "/npm/",
        Fault::Status(
            429,
            vec![("retry-after", "3600".into())],
            "Too Many Requests",
        ),
        1,
    );
    let counts = sync(&app).await;
    // npm's three packages: one asked, answered 429; the other two not asked at all.
    assert_eq!(
        registries.count("GET", "/npm/"),
        1,
        "left alone after its 429"
    );
    assert_eq!(counts["limited"], 3, "{counts}");
    assert!(counts.get("failed").is_none(), "{counts}");
    // The other registries are asked as usual.
    assert_eq!(registries.count("GET", "/crates/"), 1);
    assert_eq!(registries.count("GET", "/pypi/"), 1);
    let d = deps(&app).await;
    let lodash = item(&d, "lodash");
    assert!(
        lodash["registryError"]
            .as_str()
            .is_some_and(|e| e.contains("asked Steward to wait")),
        "{lodash}"
    );
    assert_eq!(item(&d, "serde")["state"], "outdated");
    // Within the pause, a new run still leaves npm alone.
    expire(&app).await;
    sync(&app).await;
    assert_eq!(registries.count("GET", "/npm/"), 1);
}
