use crate::both;
use crate::helpers::TestApp;
use serde_json::json;

both!(people_crud_and_validation);

async fn people_crud_and_validation(app: TestApp) {
    app.seed().await;
    let r = app
        .post(
            "/api/v1/people",
            &json!({"handle": "linus", "name": "Linus", "timeZone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "timeZone");
    let r = app
        .post(
            "/api/v1/people",
            &json!({"handle": "linus", "name": "Linus", "timeZone": "Europe/Helsinki",
            "githubLogin": "torvalds", "email": "linus@example.com"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["timeZone"], "Europe/Helsinki");
    let r = app
        .post("/api/v1/people", &json!({"handle": "other", "name": "Other", "timeZone": "UTC", "githubLogin": "Torvalds"}))
        .await;
    assert_eq!(
        r.status, 409,
        "GitHub logins are unique, case-insensitively"
    );
    assert_eq!(r.body["error"]["field"], "githubLogin");
    let r = app
        .put(
            "/api/v1/people/linus",
            &json!({"handle": "linus", "name": "Linus T.", "timeZone": "America/Los_Angeles",
            "active": false, "version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["githubLogin"], json!(null));
    let ada = app.get("/api/v1/people/ada").await;
    assert_eq!(
        ada.body["teams"],
        json!([{"team": "payments", "role": "lead"}, {"team": "platform", "role": "lead"}])
    );
    let r = app.get("/api/v1/people?team=payments&sort=-handle").await;
    assert_eq!(r.body["items"][0]["handle"], "grace");
    assert_eq!(r.body["total"], 2);
    assert_eq!(app.delete("/api/v1/people/grace").await.status, 204);
    let team = app.get("/api/v1/teams/payments").await;
    assert_eq!(team.body["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.get("/api/v1/people?q=linus").await.body["total"], 1);
}
