use crate::both;
use crate::helpers::TestApp;
use serde_json::json;

both!(
    import_dry_run_plans_and_writes_nothing,
    import_is_all_or_nothing,
    export_round_trips_through_import,
    demo_data_loads_once_and_round_trips,
);

const CATALOG: &str = r#"
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: ada
  annotations:
    steward.dev/time-zone: Europe/London
    github.com/user-login: ada-l
spec:
  profile: { displayName: Ada Lovelace, email: ada@example.com }
  memberOf: [payments]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  description: Money in, money out
spec:
  type: team
  profile: { displayName: Payments }
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  title: Payments API
  description: Takes payments
  tags: [pci, rust]
  links: [{ url: "https://grafana.example.com/d/pay", title: Dashboard }]
  annotations:
    steward.dev/tier: "1"
    github.com/project-slug: northwind/payments-api
    pagerduty.com/service-id: P123ABC
spec:
  type: service
  lifecycle: production
  owner: payments
  system: money
  dependsOn: [component:default/ledger, resource:default/payments-db]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ledger }
spec: { type: library, lifecycle: production, owner: group:default/payments }
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: { name: payments-db }
spec: { type: database, owner: payments }
---
apiVersion: example.com/v1
kind: CostCenter
metadata: { name: cc-42 }
spec: { budget: 1000 }
"#;

async fn import_dry_run_plans_and_writes_nothing(app: TestApp) {
    let r = app
        .post("/api/v1/import", &json!({"yaml": CATALOG, "dryRun": true}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["dryRun"], true);
    assert_eq!(r.body["applied"], false);
    assert_eq!(r.body["created"], 6);
    assert_eq!(r.body["rejected"], 0);
    assert_eq!(app.get("/api/v1/services").await.body["total"], 0);
    assert_eq!(app.get("/api/v1/people").await.body["total"], 0);
    // Raw YAML works too, and this time it is applied.
    let r = app
        .post_raw("/api/v1/import", "application/yaml", CATALOG)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["applied"], true);
    let api = app.get("/api/v1/services/payments-api").await;
    assert_eq!(api.body["name"], "Payments API");
    assert_eq!(api.body["tier"], 1);
    assert_eq!(api.body["repository"], "northwind/payments-api");
    assert_eq!(
        api.body["annotations"]["pagerduty.com/service-id"],
        "P123ABC"
    );
    assert_eq!(api.body["dependsOn"][0]["slug"], "ledger");
    assert_eq!(api.body["owners"][0]["slug"], "payments");
    let ada = app.get("/api/v1/people/ada").await;
    assert_eq!(ada.body["timeZone"], "Europe/London");
    assert_eq!(
        ada.body["teams"],
        json!([{"team": "payments", "role": "member"}])
    );
    // The same file again: everything unchanged.
    let r = app
        .post_raw("/api/v1/import?dryRun=true", "application/yaml", CATALOG)
        .await;
    assert_eq!(r.body["unchanged"], 6, "{}", r.text);
}

async fn import_is_all_or_nothing(app: TestApp) {
    let broken = format!(
        "{CATALOG}\n---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{ name: orphan }}\n\
         spec: {{ type: service, lifecycle: production, owner: nobody, dependsOn: [component:ghost] }}\n\
         ---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{ name: Bad_Name }}\n\
         spec: {{ type: service, lifecycle: production, owner: payments }}\n"
    );
    let r = app
        .post_raw("/api/v1/import", "application/yaml", &broken)
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["applied"], false);
    assert_eq!(r.body["rejected"], 2);
    let orphan = r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == "orphan")
        .expect("orphan item")
        .clone();
    assert_eq!(orphan["action"], "rejected");
    let reasons = orphan["reasons"].to_string();
    assert!(
        reasons.contains("nobody") && reasons.contains("ghost"),
        "{reasons}"
    );
    assert_eq!(
        app.get("/api/v1/services").await.body["total"],
        0,
        "nothing stored"
    );
    assert_eq!(
        app.get("/api/v1/teams").await.body["total"],
        0,
        "nothing stored"
    );
    let r = app
        .post_raw("/api/v1/import", "application/yaml", "kind: [unclosed")
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "bad_request");
}

async fn export_round_trips_through_import(app: TestApp) {
    assert_eq!(
        app.post_raw("/api/v1/import", "application/yaml", CATALOG)
            .await
            .status,
        200
    );
    let exported = app.get("/api/v1/export").await;
    assert_eq!(exported.status, 200);
    assert!(
        exported.text.contains("kind: CostCenter"),
        "unknown kinds are kept"
    );
    assert!(
        exported.text.contains("resource:default/payments-db"),
        "{}",
        exported.text
    );
    let r = app
        .post_raw(
            "/api/v1/import?dryRun=true",
            "application/yaml",
            &exported.text,
        )
        .await;
    assert_eq!(r.body["unchanged"], 6, "{}", r.text);
    assert_eq!(r.body["created"], 0);
    assert_eq!(r.body["updated"], 0);
}

async fn demo_data_loads_once_and_round_trips(app: TestApp) {
    let password = Some("demo password 1");
    assert!(
        steward_server::demo_loader::load_if_empty(&app.store, password)
            .await
            .expect("demo loads")
    );
    assert!(
        !steward_server::demo_loader::load_if_empty(&app.store, password)
            .await
            .expect("second call")
    );
    // Demo people sign in as members of their teams.
    let member = app.sign_in("smoreau", "demo password 1").await;
    let me = app.call(&member, "GET", "/api/v1/session", None).await;
    assert_eq!(me.body["role"], "member");
    assert_eq!(me.body["teams"], serde_json::json!(["payments"]));
    let services = app.get("/api/v1/services?limit=1").await;
    assert!(services.body["total"].as_i64().unwrap_or(0) >= 30);
    let exported = app.get("/api/v1/export").await.text;
    let fresh = crate::helpers::spawn_app(crate::helpers::Db::Sqlite)
        .await
        .expect("second app");
    let r = fresh
        .post_raw("/api/v1/import", "application/yaml", &exported)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["rejected"], 0);
    let again = fresh.get("/api/v1/export").await.text;
    assert_eq!(again, exported, "export → import → export is stable");
    let a = app.get("/api/v1/services/payments-api").await.body;
    let b = fresh.get("/api/v1/services/payments-api").await.body;
    for field in [
        "owners",
        "dependsOn",
        "dependedOnBy",
        "links",
        "tags",
        "annotations",
        "tier",
    ] {
        assert_eq!(a[field], b[field], "{field}");
    }
}
