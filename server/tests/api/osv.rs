//! Vulnerabilities from OSV, faked on 127.0.0.1 beside the registries: `querybatch` answers
//! from a table of the real advisories of the versions ledger uses, and each advisory's
//! record is a recorded one (`fixtures/osv`). Checked: severities and fixed versions on the
//! Dependencies tab and in the reports, the findings (critical on tier 1), an advisory fetched
//! once, and an OSV that fails or answers garbage leaving the last good answer in place.

use crate::helpers::{run_job, Db, TestApp};
use crate::registries::{app_and, deps, expire, fake_registries_and, item, push, sync};
use crate::upstream::{Fault, Upstream};
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/fixtures/osv");

fn record(id: &str) -> Option<Value> {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{id}.json")).ok()?;
    Some(serde_json::from_str(&text).expect("fixture"))
}

/// The advisories OSV holds for each version the tests use.
fn affecting(ecosystem: &str, name: &str, version: &str) -> &'static [&'static str] {
    match (ecosystem, name, version) {
        ("npm", "lodash", "4.17.15") => &["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"],
        ("PyPI", "requests", "2.32.0") => &["GHSA-9hjg-9r4m-mvj7"],
        ("Go", "golang.org/x/net", "v0.10.0") => &["GO-2023-1988"],
        ("crates.io", "paste", "1.0.15") => &["RUSTSEC-2024-0436"],
        _ => &[],
    }
}

async fn querybatch(Json(body): Json<Value>) -> Response {
    let Some(queries) = body["queries"].as_array() else {
        return (StatusCode::BAD_REQUEST, "no queries").into_response();
    };
    let results: Vec<Value> = queries
        .iter()
        .map(|q| {
            let ids = affecting(
                q["package"]["ecosystem"].as_str().unwrap_or_default(),
                q["package"]["name"].as_str().unwrap_or_default(),
                q["version"].as_str().unwrap_or_default(),
            );
            if ids.is_empty() {
                return json!({});
            }
            let vulns: Vec<Value> = ids
                .iter()
                .map(|id| {
                    let modified = record(id).map(|r| r["modified"].clone());
                    json!({"id": id, "modified": modified})
                })
                .collect();
            json!({ "vulns": vulns })
        })
        .collect();
    Json(json!({ "results": results })).into_response()
}

async fn vuln(Path(id): Path<String>) -> Response {
    match record(&id) {
        Some(r) => Json(r).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"code": 5, "message": "Bug not found."})),
        )
            .into_response(),
    }
}

async fn fakes() -> Upstream {
    fake_registries_and(
        Router::new()
            .route("/osv/v1/querybatch", post(querybatch))
            .route("/osv/v1/vulns/{id}", get(vuln)),
    )
    .await
}

async fn app(db: Db, fakes: &Upstream) -> Option<TestApp> {
    let osv = format!("{}/osv", fakes.url);
    let app = app_and(db, fakes, move |s| {
        s.registries.osv_url = Some(osv.parse().expect("url"));
    })
    .await?;
    push(&app, "status-page", "Cargo.lock", PASTE_LOCK).await;
    Some(app)
}

const PASTE_LOCK: &str = r#"version = 3

[[package]]
name = "status-page"
version = "0.3.0"
dependencies = [
 "paste",
]

[[package]]
name = "paste"
version = "1.0.15"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "57c0d7b74b563b49d38dae00a0c37d4d6de9b432382b2892f0574ddcae73fd0a"
"#;

fn ids(d: &Value) -> Vec<&str> {
    d["advisories"]
        .as_array()
        .expect("advisories")
        .iter()
        .map(|a| a["id"].as_str().expect("id"))
        .collect()
}

async fn findings(app: &TestApp, service: &str, rule: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/findings?service={service}&rule={rule}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().expect("items").clone()
}

crate::both_db!(
    advisories_come_from_osv_with_severity_and_fix,
    osv_faults_keep_the_last_good_answer,
    an_osv_archive_stands_in_for_the_api,
);

async fn advisories_come_from_osv_with_severity_and_fix(db: Db) {
    let fakes = fakes().await;
    let Some(app) = app(db, &fakes).await else {
        return;
    };
    let counts = sync(&app).await;
    assert_eq!(
        counts["osvAsked"], 7,
        "six versions of ledger, one of status-page: {counts}"
    );
    assert_eq!(counts["advisoriesRead"], 5, "{counts}");
    assert_eq!(
        fakes.count("POST", "/osv/v1/querybatch"),
        1,
        "one call for all"
    );

    let d = deps(&app).await;
    let lodash = item(&d, "lodash");
    assert_eq!(
        ids(lodash),
        ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"],
        "{lodash}"
    );
    let injection = &lodash["advisories"][0];
    assert_eq!(injection["severity"], "high");
    assert_eq!(injection["score"], 7.2);
    assert_eq!(injection["fixed"], "4.17.21");
    assert!(injection["aliases"]
        .as_array()
        .expect("aliases")
        .contains(&json!("CVE-2021-23337")));
    assert_eq!(
        injection["url"],
        "https://osv.dev/vulnerability/GHSA-35jh-r3h4-6jhm"
    );
    assert_eq!(lodash["advisories"][1]["fixed"], "4.17.19");
    let requests = item(&d, "requests");
    assert_eq!(requests["advisories"][0]["severity"], "medium");
    assert_eq!(requests["advisories"][0]["fixed"], "2.32.4");
    // Go advisories carry no CVSS; the fixed version reads like the module's.
    let net = item(&d, "golang.org/x/net");
    assert_eq!(net["advisories"][0]["fixed"], "v0.13.0", "{net}");
    assert!(ids(item(&d, "serde")).is_empty());
    assert_eq!(d["summary"]["vulnerable"], 3, "{}", d["summary"]);

    let status = app.get("/api/v1/services/status-page/dependencies").await;
    let paste = item(&status.body, "paste");
    assert_eq!(paste["advisories"][0]["informational"], "unmaintained");
    assert_eq!(
        status.body["summary"]["vulnerable"], 0,
        "a notice is no vulnerability"
    );
    assert_eq!(status.body["summary"]["unmaintained"], 1);

    let org = app.get("/api/v1/dependencies").await;
    assert_eq!(
        org.body["summary"]["vulnerable"], 3,
        "{}",
        org.body["summary"]
    );
    assert_eq!(org.body["trend"][0]["unmaintained"], 1);
    let csv = app.get("/api/v1/dependencies.json").await;
    let with: Vec<&Value> = csv
        .body
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| !r["advisories"].as_array().expect("list").is_empty())
        .collect();
    assert_eq!(with.len(), 4, "lodash, requests, x/net, paste");

    // The findings: ledger is tier 1, so its high lodash advisories are critical.
    assert_eq!(run_job(&app, "checks").await["outcome"], "succeeded");
    let vulnerable = findings(&app, "ledger", "deps.vulnerable").await;
    let subjects: Vec<&str> = vulnerable
        .iter()
        .map(|f| f["subject"].as_str().expect("subject"))
        .collect();
    assert_eq!(
        subjects.len(),
        3,
        "lodash, requests and x/net have fixes: {vulnerable:?}"
    );
    let lodash = vulnerable
        .iter()
        .find(|f| f["subject"] == "npm:lodash")
        .expect("lodash finding");
    assert_eq!(lodash["severity"], "critical", "{lodash}");
    assert_eq!(lodash["details"]["fixIn"], "4.17.21");
    let requests = vulnerable
        .iter()
        .find(|f| f["subject"] == "PyPI:requests")
        .expect("requests finding");
    assert_eq!(
        requests["severity"], "high",
        "medium stays at the rule's severity"
    );
    let unmaintained = findings(&app, "status-page", "deps.unmaintained").await;
    assert_eq!(unmaintained.len(), 1, "{unmaintained:?}");
    assert_eq!(unmaintained[0]["subject"], "crates.io:paste");

    // Nothing due: OSV is not asked again, and records are not fetched twice.
    let asked = fakes.seen().len();
    sync(&app).await;
    assert_eq!(fakes.seen().len(), asked);
    expire_osv(&app).await;
    let counts = sync(&app).await;
    assert_eq!(counts["osvAsked"], 7, "{counts}");
    assert!(
        counts.get("advisoriesRead").is_none(),
        "unmodified: {counts}"
    );
}

async fn expire_osv(app: &TestApp) {
    sqlx::query("update osv_checks set next_at = ''")
        .execute(&app.store.pool)
        .await
        .expect("expire");
}

async fn osv_faults_keep_the_last_good_answer(db: Db) {
    let fakes = fakes().await;
    let Some(app) = app(db, &fakes).await else {
        return;
    };
    sync(&app).await;
    let good = deps(&app).await;
    assert_eq!(ids(item(&good, "lodash")).len(), 2);
    for fault in [
        Fault::Status(503, vec![], "upstream connect error"),
        Fault::Garbage,
    ] {
        expire(&app).await;
        expire_osv(&app).await;
        fakes.fail("POST", "/osv/v1/querybatch", fault, 1);
        let counts = sync(&app).await;
        assert_eq!(counts["osvFailed"], 7, "{counts}");
        let after = deps(&app).await;
        assert_eq!(
            ids(item(&after, "lodash")),
            ids(item(&good, "lodash")),
            "the last good answer stays"
        );
        assert_eq!(after["summary"]["vulnerable"], 3);
    }
    let error: Option<String> =
        sqlx::query_scalar("select error from osv_checks where name = 'lodash'")
            .fetch_one(&app.store.pool)
            .await
            .expect("check");
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.starts_with("OSV's answer could not be read")),
        "{error:?}"
    );
    // An answer that no longer names an advisory (OSV withdrew the match) clears it.
    expire_osv(&app).await;
    sqlx::query("delete from package_vulnerabilities where vulnerability_id = 'GO-2023-1988'")
        .execute(&app.store.pool)
        .await
        .expect("forget");
    let counts = sync(&app).await;
    assert_eq!(counts["osvChanged"], 1, "x/net linked again: {counts}");
    assert_eq!(
        ids(item(&deps(&app).await, "golang.org/x/net")),
        ["GO-2023-1988"]
    );
}

/// An OSV export archive of these recorded advisories (deflated, as OSV ships them), with a
/// file that is not a record.
pub(crate) fn archive(ids: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for id in ids {
        zip.start_file(format!("{id}.json"), options)
            .expect("entry");
        let text = std::fs::read(format!("{FIXTURES}/{id}.json")).expect("fixture");
        zip.write_all(&text).expect("write");
    }
    zip.start_file("README.txt", options).expect("entry");
    zip.write_all(b"not a record").expect("write");
    zip.finish().expect("zip").into_inner()
}

async fn load(app: &TestApp, body: Vec<u8>) -> crate::helpers::Reply {
    TestApp::reply(
        app.client
            .post(app.url("/api/v1/osv/archives"))
            .header("content-type", "application/zip")
            .body(body)
            .send()
            .await
            .expect("request"),
    )
    .await
}

async fn an_osv_archive_stands_in_for_the_api(db: Db) {
    // An air-gapped install: OSV's URL is empty, nothing asks it.
    let fakes = fakes().await;
    let Some(app) = app_and(db, &fakes, |s| s.registries.osv_url = None).await else {
        return;
    };
    sync(&app).await;
    assert_eq!(fakes.count("POST", "/osv/"), 0);
    // Nothing checked against OSV yet: unknown, never a pass.
    assert_eq!(run_job(&app, "checks").await["outcome"], "succeeded");
    let unknown = findings(&app, "ledger", "deps.vulnerable").await;
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!(unknown[0]["result"], "unknown");

    // Garbage is refused and changes nothing.
    let r = load(&app, b"PK\x03\x04 not really a zip".to_vec()).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("not a zip archive"), "{}", r.text);
    let r = load(&app, archive(&[])).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("no OSV record"), "{}", r.text);
    let token = crate::helpers::make_token(
        &app.store,
        "ada",
        steward_server::domain::authz::Role::Member,
        steward_server::domain::authz::Scope::Write,
        None,
    )
    .await;
    let r = TestApp::reply(
        crate::helpers::client(Some(&token))
            .post(app.url("/api/v1/osv/archives"))
            .body(archive(&["GHSA-35jh-r3h4-6jhm"]))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r.status, 403, "admins only: {}", r.text);
    assert!(ids(item(&deps(&app).await, "lodash")).is_empty());

    let r = load(
        &app,
        archive(&[
            "GHSA-35jh-r3h4-6jhm",
            "GHSA-p6mc-m468-83gw",
            "GHSA-9hjg-9r4m-mvj7",
        ]),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["records"], 3);
    assert_eq!(r.body["skipped"], 1, "the README");
    assert_eq!(r.body["ecosystems"], json!(["PyPI", "npm"]));
    // npm: lodash, @types/node, @northwind/internal-ui; PyPI: requests.
    assert_eq!(r.body["versions"], 4, "{}", r.text);
    assert_eq!(r.body["affected"], 2);
    assert_eq!(r.body["advisories"], 3);
    let d = deps(&app).await;
    let lodash = item(&d, "lodash");
    assert_eq!(
        ids(lodash),
        ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"],
        "matched by the archive's ranges"
    );
    assert_eq!(lodash["advisories"][0]["fixed"], "4.17.21");
    assert_eq!(item(&d, "requests")["advisories"][0]["fixed"], "2.32.4");
    assert_eq!(d["summary"]["vulnerable"], 2);
    let audit = app.get("/api/v1/audit?subjectType=osv").await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    let loads: Vec<&Value> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "osv.archive.load")
        .collect();
    assert_eq!(
        loads.len(),
        1,
        "refused loads are not recorded: {}",
        audit.text
    );
    assert_eq!(loads[0]["after"]["advisories"], 3);

    // A newer archive without the prototype-pollution record: lodash keeps only the other.
    let r = load(&app, archive(&["GHSA-35jh-r3h4-6jhm"])).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        ids(item(&deps(&app).await, "lodash")),
        ["GHSA-35jh-r3h4-6jhm"]
    );
    // PyPI was not in it: requests keeps its advisory.
    assert_eq!(
        ids(item(&deps(&app).await, "requests")),
        ["GHSA-9hjg-9r4m-mvj7"]
    );
}
