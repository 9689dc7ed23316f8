use crate::both;
use crate::helpers::{service, TestApp};
use serde_json::json;

both!(
    create_and_read_with_both_dependency_directions,
    invalid_input_is_rejected_field_by_field_and_stores_nothing,
    duplicate_slug_is_a_conflict,
    stale_version_is_refused_and_changes_nothing,
    delete_refuses_while_depended_on,
    list_filters_sorts_and_paginates,
    cycles_are_allowed_and_reported,
    malformed_bodies_get_clear_errors,
);

async fn create_and_read_with_both_dependency_directions(app: TestApp) {
    app.seed().await;
    let r = app.get("/api/v1/services/payments-api").await;
    assert_eq!(r.status, 200);
    let s = &r.body;
    assert_eq!(s["name"], "The payments-api");
    assert_eq!(
        s["owners"][0],
        json!({"slug": "payments", "name": "PAYMENTS", "primary": true})
    );
    assert_eq!(s["owners"][1]["slug"], "platform");
    assert_eq!(s["owners"][1]["primary"], false);
    assert_eq!(s["dependsOn"][0]["slug"], "ledger");
    assert_eq!(s["dependedOnBy"][0]["slug"], "status-page");
    assert_eq!(s["dependedOnBy"][0]["owners"], json!(["platform"]));
    assert_eq!(s["version"], 1);
    assert!(s.get("dependencyCycle").is_none());
    assert_eq!(
        s["links"][0]["url"],
        "https://wiki.example.com/payments-api"
    );
    let missing = app.get("/api/v1/services/nope").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["code"], "not_found");
}

async fn invalid_input_is_rejected_field_by_field_and_stores_nothing(app: TestApp) {
    app.seed().await;
    let mut bad = service("Bad Slug", &["payments"], 2, &[]);
    let r = app.post("/api/v1/services", &bad).await;
    assert_eq!(r.status, 422);
    // The same snapshot holds on both databases.
    insta::allow_duplicates! {
        insta::assert_json_snapshot!(r.body, @r###"
        {
          "error": {
            "code": "validation",
            "details": [
              {
                "field": "slug",
                "message": "'Bad Slug' is not a valid slug: use 2–63 lowercase letters, digits and single hyphens, starting with a letter"
              }
            ],
            "field": "slug",
            "message": "slug: 'Bad Slug' is not a valid slug: use 2–63 lowercase letters, digits and single hyphens, starting with a letter"
          }
        }
        "###);
    }
    bad = service("new-svc", &["ghosts"], 2, &["missing-svc"]);
    let r = app.post("/api/v1/services", &bad).await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(fields, ["owners.0", "dependsOn.0"]);
    assert_eq!(
        r.body["error"]["details"][0]["message"],
        "there is no team 'ghosts'"
    );
    let mut no_tier = service("new-svc", &["payments"], 9, &[]);
    no_tier["tags"] = json!(["Not A Tag"]);
    let r = app.post("/api/v1/services", &no_tier).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "tier");
    let list = app.get("/api/v1/services").await;
    assert_eq!(list.body["total"], 3, "nothing was stored");
}

async fn duplicate_slug_is_a_conflict(app: TestApp) {
    app.seed().await;
    let r = app
        .post(
            "/api/v1/services",
            &service("ledger", &["platform"], 2, &[]),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["error"]["code"], "already_exists");
    assert_eq!(r.body["error"]["field"], "slug");
    let ledger = app.get("/api/v1/services/ledger").await;
    assert_eq!(
        ledger.body["owners"][0]["slug"], "payments",
        "the original is untouched"
    );
}

async fn stale_version_is_refused_and_changes_nothing(app: TestApp) {
    app.seed().await;
    let mut body = service("ledger", &["payments"], 2, &[]);
    body["name"] = json!("Ledger v2");
    body["version"] = json!(1);
    let r = app.put("/api/v1/services/ledger", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["tier"], 2);
    body["name"] = json!("Ledger v3 from a stale form");
    let r = app.put("/api/v1/services/ledger", &body).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["error"]["code"], "version_conflict");
    let now = app.get("/api/v1/services/ledger").await;
    assert_eq!(now.body["name"], "Ledger v2");
    assert_eq!(now.body["version"], 2);
    // A PUT must carry the version, and cannot rename.
    let mut no_version = service("ledger", &["payments"], 2, &[]);
    let r = app.put("/api/v1/services/ledger", &no_version).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "version");
    no_version["slug"] = json!("ledger-2");
    no_version["version"] = json!(2);
    let r = app.put("/api/v1/services/ledger", &no_version).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "slug");
    let r = app.put("/api/v1/services/ghost", &body).await;
    assert_eq!(r.status, 404);
}

async fn delete_refuses_while_depended_on(app: TestApp) {
    app.seed().await;
    let r = app.delete("/api/v1/services/ledger").await;
    assert_eq!(r.status, 409);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("payments-api"));
    assert_eq!(app.get("/api/v1/services/ledger").await.status, 200);
    assert_eq!(app.delete("/api/v1/services/status-page").await.status, 204);
    assert_eq!(app.get("/api/v1/services/status-page").await.status, 404);
    let api = app.get("/api/v1/services/payments-api").await;
    assert_eq!(api.body["dependedOnBy"], json!([]));
    assert_eq!(app.delete("/api/v1/services/status-page").await.status, 404);
}

async fn list_filters_sorts_and_paginates(app: TestApp) {
    app.seed().await;
    let mut lib = service("money-lib", &["platform"], 4, &[]);
    lib["kind"] = json!("library");
    lib["lifecycle"] = json!("experimental");
    lib["tags"] = json!(["java", "pci"]);
    lib["description"] = json!("Rounding of 100% of amounts");
    assert_eq!(app.post("/api/v1/services", &lib).await.status, 201);
    let slugs = |r: &crate::helpers::Reply| -> Vec<String> {
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["slug"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let r = app.get("/api/v1/services?owner=platform").await;
    assert_eq!(slugs(&r), ["money-lib", "payments-api", "status-page"]);
    assert_eq!(r.body["total"], 3);
    let r = app.get("/api/v1/services?tier=1&sort=-name").await;
    assert_eq!(slugs(&r), ["payments-api", "ledger"]);
    let r = app
        .get("/api/v1/services?kind=library&lifecycle=experimental&tag=pci")
        .await;
    assert_eq!(slugs(&r), ["money-lib"]);
    let r = app.get("/api/v1/services?q=PAYMENTS").await;
    assert_eq!(slugs(&r), ["payments-api"]);
    let r = app.get("/api/v1/services?q=100%25").await;
    assert_eq!(slugs(&r), ["money-lib"], "% is literal, not a wildcard");
    let r = app.get("/api/v1/services?sort=tier&limit=2&offset=1").await;
    assert_eq!(r.body["total"], 4);
    assert_eq!(r.body["limit"], 2);
    assert_eq!(slugs(&r), ["payments-api", "status-page"]);
    assert_eq!(
        r.body["items"][0]["owners"],
        json!(["payments", "platform"])
    );
    for bad in [
        "sort=color",
        "limit=0",
        "limit=501",
        "tier=5",
        "tier=x",
        "lifecycle=dead",
        "offset=-1",
    ] {
        let r = app.get(&format!("/api/v1/services?{bad}")).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "bad_request");
    }
}

async fn cycles_are_allowed_and_reported(app: TestApp) {
    app.seed().await;
    let mut ledger = service("ledger", &["payments"], 1, &["status-page"]);
    ledger["version"] = json!(1);
    let r = app.put("/api/v1/services/ledger", &ledger).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["dependencyCycle"],
        json!(["ledger", "status-page", "payments-api", "ledger"])
    );
    let api = app.get("/api/v1/services/payments-api").await;
    assert_eq!(
        api.body["dependencyCycle"],
        json!(["payments-api", "ledger", "status-page", "payments-api"])
    );
}

async fn malformed_bodies_get_clear_errors(app: TestApp) {
    app.seed().await;
    let r = app
        .post_raw("/api/v1/services", "application/json", "{not json")
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "bad_request");
    let mut wrong = service("x-svc", &["payments"], 1, &[]);
    wrong["lifecycle"] = json!("immortal");
    let r = app.post("/api/v1/services", &wrong).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "lifecycle");
    let r = app
        .post("/api/v1/services", &json!({"slug": "x-svc", "name": "X"}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "owners");
    let r = app.post_raw("/api/v1/services", "text/plain", "{}").await;
    assert_eq!(r.status, 400);
    let huge = format!("{{\"slug\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let r = app
        .post_raw("/api/v1/services", "application/json", &huge)
        .await;
    assert_eq!(r.status, 413, "bodies over 2 MB are refused");
    assert_eq!(r.body["error"]["code"], "too_large");
    assert_eq!(app.get("/api/v1/services").await.body["total"], 3);
}
