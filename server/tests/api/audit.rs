use crate::both;
use crate::helpers::{service, TestApp};
use serde_json::json;
use steward_server::domain::authz::{Role, Scope};
use steward_server::store::accounts;
use steward_server::store::audit::Actor;

both!(
    every_change_writes_one_event_and_refusals_write_none,
    imports_are_audited_per_entity,
    token_callers_are_named_and_bad_tokens_refused,
);

async fn events(app: &TestApp, query: &str) -> serde_json::Value {
    let r = app.get(&format!("/api/v1/audit{query}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn every_change_writes_one_event_and_refusals_write_none(app: TestApp) {
    app.seed().await;
    let before = events(&app, "").await["total"].as_i64().unwrap_or(0);
    assert_eq!(
        before, 9,
        "the admin's account and token, 2 people, 2 teams, 3 services"
    );
    let mut body = service("ledger", &["payments"], 2, &[]);
    body["version"] = json!(1);
    assert_eq!(app.put("/api/v1/services/ledger", &body).await.status, 200);
    // Refused: stale version, invalid input, conflict, still depended on.
    assert_eq!(app.put("/api/v1/services/ledger", &body).await.status, 409);
    let bad = service("Bad", &["payments"], 1, &[]);
    assert_eq!(app.post("/api/v1/services", &bad).await.status, 422);
    let dup = service("ledger", &["payments"], 1, &[]);
    assert_eq!(app.post("/api/v1/services", &dup).await.status, 409);
    assert_eq!(app.delete("/api/v1/services/ledger").await.status, 409);
    assert_eq!(app.delete("/api/v1/services/status-page").await.status, 204);
    let log = events(&app, "?subjectType=service").await;
    assert_eq!(log["total"], 5, "3 creates, 1 update, 1 delete: {log}");
    let newest = &log["items"][0];
    assert_eq!(newest["action"], "service.delete");
    assert_eq!(newest["subject"], "status-page");
    assert_eq!(newest["actorKind"], "token");
    assert_eq!(newest["actor"], "admin");
    assert_eq!(newest["before"]["slug"], "status-page");
    assert_eq!(newest["after"], json!(null));
    assert!(newest["requestId"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    let update = &log["items"][1];
    assert_eq!(update["action"], "service.update");
    assert_eq!(update["before"]["tier"], 1);
    assert_eq!(update["after"]["tier"], 2);
    assert_eq!(events(&app, "?subject=ledger").await["total"], 2);
    let r = app.get("/api/v1/audit?since=yesterday").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["field"], "since");
    assert_eq!(
        events(&app, "?until=2000-01-01T00:00:00Z").await["total"],
        0
    );
    let since = events(&app, "?since=2000-01-01T00:00:00%2B02:00").await;
    assert_eq!(since["total"], 11);
}

async fn imports_are_audited_per_entity(app: TestApp) {
    let yaml = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: payments }\n\
                spec: { type: team, children: [] }\n---\napiVersion: backstage.io/v1alpha1\n\
                kind: Component\nmetadata: { name: ledger }\n\
                spec: { type: service, lifecycle: production, owner: payments }\n";
    let r = app
        .post_raw("/api/v1/import?dryRun=true", "application/yaml", yaml)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        events(&app, "").await["total"],
        2,
        "a dry run changes nothing (the two events are the admin's account and token)"
    );
    let r = app
        .post_raw("/api/v1/import", "application/yaml", yaml)
        .await;
    assert_eq!(r.status, 200);
    let log = events(&app, "?actor=admin").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(actions, ["service.create", "team.create"]);
    let r = app
        .post_raw("/api/v1/import", "application/yaml", yaml)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        events(&app, "").await["total"],
        4,
        "unchanged entities write nothing"
    );
}

async fn token_callers_are_named_and_bad_tokens_refused(app: TestApp) {
    app.seed().await;
    let account = accounts::create(&app.store, &Actor::system(), "ada", Role::Admin, None)
        .await
        .expect("account");
    let token = steward_server::auth::generate_token();
    accounts::add_token(
        &app.store,
        &Actor::system(),
        &account,
        "ci",
        Scope::Write,
        &token,
        None,
    )
    .await
    .expect("token");
    let r = app
        .client
        .delete(app.url("/api/v1/services/status-page"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 204);
    let log = events(&app, "?actor=ada").await;
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["actorKind"], "token");
    for bad in ["Bearer stw_nope", "Basic YWRhOnB3", "Bearer "] {
        let r = app
            .client
            .delete(app.url("/api/v1/services/payments-api"))
            .header("authorization", bad)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 401, "{bad}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
    }
    let expired = steward_server::auth::generate_token();
    let long_ago = Some("2001-01-01T00:00:00.000000Z");
    accounts::add_token(
        &app.store,
        &Actor::system(),
        &account,
        "old",
        Scope::Write,
        &expired,
        long_ago,
    )
    .await
    .expect("token");
    let r = app
        .client
        .delete(app.url("/api/v1/services/payments-api"))
        .bearer_auth(&expired)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 401);
    let still = app.get("/api/v1/services/payments-api").await;
    assert_eq!(still.status, 200, "nothing deleted");
}
