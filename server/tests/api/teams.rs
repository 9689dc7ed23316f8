use crate::both;
use crate::helpers::TestApp;
use serde_json::json;

both!(
    team_page_has_members_children_and_services,
    team_validation_and_conflicts,
    team_update_and_delete_rules,
);

async fn team_page_has_members_children_and_services(app: TestApp) {
    app.seed().await;
    let r = app.get("/api/v1/teams/platform").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["children"], json!(["payments"]));
    assert_eq!(
        r.body["members"][0],
        json!({"person": "ada", "role": "lead", "name": "ADA"})
    );
    let owned: Vec<&str> = r.body["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["slug"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        owned,
        ["status-page", "payments-api"],
        "primary ownership first"
    );
    let r = app.get("/api/v1/teams?team=platform").await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["slug"], "payments");
    assert_eq!(r.body["items"][0]["parent"], "platform");
    let r = app.get("/api/v1/teams?q=PAY").await;
    assert_eq!(r.body["total"], 1);
}

async fn team_validation_and_conflicts(app: TestApp) {
    app.seed().await;
    let r = app
        .post(
            "/api/v1/teams",
            &json!({"slug": "sre", "name": "SRE", "parent": "nobody",
                "email": "not-an-email", "members": [{"person": "zed", "role": "member"}]}),
        )
        .await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(fields, ["email"]);
    let r = app
        .post(
            "/api/v1/teams",
            &json!({"slug": "sre", "name": "SRE", "parent": "nobody",
                "members": [{"person": "zed", "role": "member"}]}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["details"][0]["field"], "parent");
    assert_eq!(r.body["error"]["details"][1]["field"], "members.0.person");
    let r = app
        .post(
            "/api/v1/teams",
            &json!({"slug": "sre", "name": "SRE", "members": [{"person": "ada", "role": "boss"}]}),
        )
        .await;
    assert_eq!(r.status, 422, "unknown role");
    let r = app
        .post(
            "/api/v1/teams",
            &json!({"slug": "platform", "name": "Again"}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(app.get("/api/v1/teams").await.body["total"], 2);
}

async fn team_update_and_delete_rules(app: TestApp) {
    app.seed().await;
    // A parent loop is refused.
    let r = app
        .put(
            "/api/v1/teams/platform",
            &json!({"slug": "platform", "name": "Platform", "parent": "payments", "version": 1}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "parent");
    assert_eq!(
        app.get("/api/v1/teams/platform").await.body["parent"],
        json!(null)
    );
    let r = app
        .put("/api/v1/teams/platform", &json!({"slug": "platform", "name": "Platform Eng", "chatChannel": "#platform", "version": 1, "members": []}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["members"], json!([]));
    assert_eq!(r.body["chatChannel"], "#platform");
    let r = app.delete("/api/v1/teams/payments").await;
    assert_eq!(r.status, 409, "owns services");
    assert_eq!(r.body["error"]["code"], "in_use");
    let r = app.delete("/api/v1/teams/platform").await;
    assert_eq!(r.status, 409, "owns services and has a sub-team");
    assert_eq!(app.delete("/api/v1/teams/ghost").await.status, 404);
}
