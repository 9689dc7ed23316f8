//! Decay checks through the API: the finding lifecycle (open → resolved → reopened, never
//! duplicated), unknown results, exemptions and their expiry, rule settings with dry runs,
//! jobs run now, and the scorecards.

use crate::both;
use crate::helpers::{run_job, service, TestApp};
use serde_json::{json, Value};

both!(
    a_finding_opens_resolves_and_reopens_without_duplicates,
    a_full_pass_runs_as_a_job_and_scores_every_service,
    a_schedule_that_cannot_be_computed_is_unknown,
    exemptions_waive_a_rule_until_they_expire,
    rules_are_tuned_by_admins_with_a_dry_run_first,
    a_failing_job_is_recorded_and_the_server_goes_on,
    a_job_that_stopped_running_is_a_finding,
    history_is_kept_within_its_retention_limit,
    the_kept_snapshot_is_patched_to_what_a_fresh_read_gives,
    the_trend_chart_draws_every_day_of_history,
);

/// A service of payments with no description (the `catalog.description` rule fails).
async fn undescribed(app: &TestApp, slug: &str) {
    let mut body = service(slug, &["payments"], 1, &[]);
    body["description"] = json!(null);
    let r = app.post("/api/v1/services", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn check(app: &TestApp, slug: &str) -> Value {
    let r = app
        .post(
            &format!("/api/v1/services/{slug}/scorecard/check"),
            &json!(null),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn status_of<'a>(card: &'a Value, rule: &str) -> &'a str {
    card["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["rule"] == rule)
        .and_then(|r| r["status"].as_str())
        .unwrap_or("absent")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.store.pool)
        .await
        .expect("count")
}

async fn describe(app: &TestApp, slug: &str, description: Option<&str>) {
    let mut body = app.get(&format!("/api/v1/services/{slug}")).await.body;
    body["description"] = json!(description);
    body["owners"] = json!(["payments"]);
    let r = app.put(&format!("/api/v1/services/{slug}"), &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn a_finding_opens_resolves_and_reopens_without_duplicates(app: TestApp) {
    app.seed().await;
    undescribed(&app, "vault").await;
    let card = check(&app, "vault").await;
    assert_eq!(status_of(&card, "catalog.description"), "fail");
    let before = card["percent"].as_f64().expect("percent");
    let open = app
        .get("/api/v1/findings?service=vault&rule=catalog.description")
        .await;
    assert_eq!(open.status, 200, "{}", open.text);
    assert_eq!(open.body["total"], 1, "{}", open.text);
    let finding = &open.body["items"][0];
    assert_eq!(finding["state"], "open");
    assert_eq!(finding["result"], "fail");
    assert_eq!(finding["owners"], json!(["payments"]));
    let id = finding["id"].as_i64().expect("id");

    // Checking again changes nothing and duplicates nothing.
    check(&app, "vault").await;
    assert_eq!(
        count(
            &app,
            "select count(*) from findings where rule_id = 'catalog.description'"
        )
        .await,
        1
    );

    describe(&app, "vault", Some("Keeps the secrets of every payment")).await;
    let card = check(&app, "vault").await;
    assert_eq!(status_of(&card, "catalog.description"), "pass");
    assert!(
        card["percent"].as_f64().expect("percent") > before,
        "{card}"
    );
    let resolved = app
        .get("/api/v1/findings?service=vault&rule=catalog.description&state=resolved")
        .await;
    assert_eq!(resolved.body["items"][0]["id"], id, "{}", resolved.text);
    assert!(resolved.body["items"][0]["resolvedAt"].is_string());
    let still_open = app
        .get("/api/v1/findings?service=vault&rule=catalog.description")
        .await;
    assert_eq!(still_open.body["total"], 0);

    describe(&app, "vault", None).await;
    check(&app, "vault").await;
    let again = app
        .get("/api/v1/findings?service=vault&rule=catalog.description")
        .await;
    assert_eq!(again.body["items"][0]["id"], id, "the same row reopens");
    assert_eq!(again.body["items"][0]["reopenedCount"], 1);
    assert_eq!(
        count(
            &app,
            "select count(*) from findings where rule_id = 'catalog.description'"
        )
        .await,
        1
    );
    let events: Vec<String> =
        sqlx::query_scalar("select change from finding_events where finding_id = $1 order by id")
            .bind(id)
            .fetch_all(&app.store.pool)
            .await
            .expect("events");
    assert_eq!(events, ["opened", "resolved", "reopened"]);

    // Bad filters are refused; unknown services have no scorecard.
    assert_eq!(app.get("/api/v1/findings?state=sleeping").await.status, 400);
    assert_eq!(app.get("/api/v1/services/nope/scorecard").await.status, 404);
}

async fn a_full_pass_runs_as_a_job_and_scores_every_service(app: TestApp) {
    app.seed().await;
    undescribed(&app, "vault").await;
    let run = run_job(&app, "checks").await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["counts"]["services"], 4, "{run}");
    assert_eq!(run["counts"]["evaluated"], 4, "{run}");
    assert!(
        run["counts"]["opened"].as_i64().expect("opened") >= 5,
        "{run}"
    );
    // Tier 1 services without an escalation policy fail the pages rule, each once.
    let pages = app
        .get("/api/v1/findings?rule=oncall.escalation-policy")
        .await;
    let mut failing: Vec<&str> = pages.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|f| f["service"].as_str().expect("service"))
        .collect();
    failing.sort_unstable();
    assert_eq!(failing, ["ledger", "payments-api", "vault"]);
    assert_eq!(
        count(&app, "select count(*) from service_scores").await,
        4,
        "every service has a score"
    );

    let org = app.get("/api/v1/scorecards/maintenance").await;
    assert_eq!(org.status, 200, "{}", org.text);
    assert_eq!(org.body["services"], 4);
    let levels = &org.body["levels"];
    let total: i64 = ["none", "bronze", "silver", "gold"]
        .iter()
        .map(|l| levels[l].as_i64().expect("count"))
        .sum();
    assert_eq!(total, 4);
    assert_eq!(org.body["history"].as_array().expect("history").len(), 1);
    let team = app
        .get("/api/v1/scorecards/maintenance?team=payments")
        .await;
    assert_eq!(team.status, 200, "{}", team.text);
    assert_eq!(team.body["team"], "payments");
    let grid = app.get("/api/v1/teams/payments/scorecard").await.body;
    assert_eq!(grid["services"].as_array().expect("services").len(), 3);
    let columns = grid["rules"].as_array().expect("rules").len();
    assert_eq!(
        grid["services"][0]["cells"]
            .as_array()
            .expect("cells")
            .len(),
        columns
    );
    assert!(
        grid["fixFirst"]
            .as_array()
            .expect("fix first")
            .iter()
            .any(|f| f["rule"] == "oncall.escalation-policy"),
        "{grid}"
    );
    assert_eq!(app.get("/api/v1/teams/nobody/scorecard").await.status, 404);
    assert_eq!(
        app.get("/api/v1/scorecards/maintenance?days=0")
            .await
            .status,
        422
    );

    // The next scheduled pass finds nothing changed and evaluates nothing.
    let jobs = app.get("/api/v1/jobs").await;
    assert_eq!(jobs.status, 200, "{}", jobs.text);
    let names: Vec<&str> = jobs.body["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| j["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "checks",
            "deliveries",
            "digest",
            "session-cleanup",
            "history-retention",
            "github-sync",
            "dependencies"
        ]
    );
    let checks = &jobs.body["jobs"][0];
    assert_eq!(checks["intervalSecs"], 900);
    assert_eq!(checks["stale"], false);
    assert!(checks["lastSuccessAt"].is_string());
    assert_eq!(
        app.post("/api/v1/jobs/nightly/run", &json!(null))
            .await
            .status,
        404
    );
}

async fn a_schedule_that_cannot_be_computed_is_unknown(app: TestApp) {
    app.seed().await;
    let schedule = json!({"slug": "payments-oncall", "name": "Payments", "team": "payments",
        "timeZone": "Europe/London", "layers": [{"name": "Primary", "start": "2026-03-02T09:00",
        "turn": {"unit": "weeks", "length": 1}, "participants": ["ada", "grace"]}]});
    assert_eq!(app.post("/api/v1/schedules", &schedule).await.status, 201);
    let policy = json!({"slug": "payments-escalation", "name": "Payments", "team": "payments",
        "levels": [{"delayMinutes": 0, "targets": [{"schedule": "payments-oncall"}]}]});
    assert_eq!(
        app.post("/api/v1/escalation-policies", &policy)
            .await
            .status,
        201
    );
    let r = app
        .put(
            "/api/v1/services/ledger/escalation-policy",
            &json!({"policy": "payments-escalation"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let card = check(&app, "ledger").await;
    assert_eq!(status_of(&card, "oncall.schedule-gaps"), "pass", "{card}");
    assert_eq!(status_of(&card, "oncall.escalation-policy"), "pass");
    // Two people alternating weekly: each is on call half the time, over the 25% line.
    assert_eq!(status_of(&card, "oncall.load"), "fail");

    // Stored layers that no longer parse: the checks cannot tell, and say so.
    sqlx::query("update schedules set layers = 'not json' where slug = 'payments-oncall'")
        .execute(&app.store.pool)
        .await
        .expect("corrupt");
    // A change by hand leaves no audit event: the kept snapshot is forgotten as an operator
    // would by waiting (it is read again within minutes anyway).
    app.store.forget_snapshot();
    let card = check(&app, "ledger").await;
    assert_eq!(
        status_of(&card, "oncall.schedule-gaps"),
        "unknown",
        "{card}"
    );
    let unknown = app
        .get("/api/v1/findings?service=ledger&result=unknown")
        .await;
    assert_eq!(unknown.body["total"], 2, "{}", unknown.text);
    assert_eq!(unknown.body["items"][0]["subject"], "payments-oncall");
}

async fn exemptions_waive_a_rule_until_they_expire(app: TestApp) {
    app.seed().await;
    undescribed(&app, "vault").await;
    check(&app, "vault").await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(7))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let good = json!({"service": "vault", "rule": "catalog.description",
        "reason": "Being rewritten this sprint", "expiresAt": expires});

    // Bad input changes nothing.
    for (body, field) in [
        (
            json!({"service": "vault", "rule": "catalog.nothing", "reason": "x y z", "expiresAt": expires}),
            "rule",
        ),
        (
            json!({"service": "vault", "rule": "catalog.description", "reason": "", "expiresAt": expires}),
            "reason",
        ),
        (
            json!({"service": "vault", "rule": "catalog.description", "reason": "old", "expiresAt": "2020-01-01T00:00:00Z"}),
            "expiresAt",
        ),
        (
            json!({"service": "vault", "rule": "catalog.description", "reason": "long", "expiresAt": "2099-01-01T00:00:00Z"}),
            "expiresAt",
        ),
    ] {
        let r = app.post("/api/v1/exemptions", &body).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let fields: Vec<&str> = r.body["error"]["details"]
            .as_array()
            .map(|d| d.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert!(
            fields.contains(&field) || r.body["error"]["field"] == field,
            "{field}: {}",
            r.text
        );
    }
    assert_eq!(count(&app, "select count(*) from exemptions").await, 0);

    // grace is a member of payments but not its lead: only leads and admins may waive.
    let grace = crate::helpers::client(Some(
        &crate::helpers::make_token(
            &app.store,
            "grace",
            steward_server::domain::authz::Role::Member,
            steward_server::domain::authz::Scope::Write,
            None,
        )
        .await,
    ));
    let r = app
        .call(&grace, "POST", "/api/v1/exemptions", Some(&good))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(count(&app, "select count(*) from exemptions").await, 0);

    let r = app.post("/api/v1/exemptions", &good).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["active"], true);
    let id = r.body["id"].as_i64().expect("id");
    let card = app.get("/api/v1/services/vault/scorecard").await.body;
    assert_eq!(status_of(&card, "catalog.description"), "exempt");
    assert!(
        card["failsSoon"]
            .as_array()
            .expect("fails soon")
            .iter()
            .any(|f| f["rule"] == "catalog.description"),
        "an exemption ending within 14 days fails soon: {card}"
    );
    let listed = app.get("/api/v1/exemptions?service=vault").await;
    assert_eq!(listed.body.as_array().expect("list").len(), 1);
    let audit = app.get("/api/v1/audit?subject=vault").await.body;
    assert!(audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|e| e["action"] == "exemption.create"));

    // Expired: the rule fails again.
    sqlx::query("update exemptions set expires_at = '2026-01-01T00:00:00.000000Z'")
        .execute(&app.store.pool)
        .await
        .expect("expire");
    let card = app.get("/api/v1/services/vault/scorecard").await.body;
    assert_eq!(status_of(&card, "catalog.description"), "fail");
    assert_eq!(
        app.get("/api/v1/exemptions?service=vault").await.body,
        json!([])
    );
    let all = app
        .get("/api/v1/exemptions?service=vault&all=true")
        .await
        .body;
    assert_eq!(all[0]["active"], false);

    let r = app.delete(&format!("/api/v1/exemptions/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["revokedAt"].is_string());
    assert_eq!(app.delete("/api/v1/exemptions/999999").await.status, 404);
}

async fn rules_are_tuned_by_admins_with_a_dry_run_first(app: TestApp) {
    app.seed().await;
    let rule = app.get("/api/v1/rules/catalog.description").await;
    assert_eq!(rule.status, 200, "{}", rule.text);
    assert_eq!(rule.body["customized"], false);
    assert_eq!(rule.body["version"], 0);
    assert_eq!(rule.body["thresholds"]["tier1"], 10);
    let all = app.get("/api/v1/rules").await.body;
    assert!(all.as_array().expect("rules").len() >= 11);

    // Demanding 30 characters: every seeded description ("What ledger does") falls short.
    let mut stricter = rule.body.clone();
    stricter["thresholds"] = json!({"tier1": 30, "tier2": 30, "tier3": 30, "tier4": 30});
    let dry = app
        .post("/api/v1/rules/catalog.description/dry-run", &stricter)
        .await;
    assert_eq!(dry.status, 200, "{}", dry.text);
    assert_eq!(dry.body["failing"], 3, "{}", dry.text);
    assert_eq!(dry.body["newlyFailing"].as_array().expect("newly").len(), 3);
    assert_eq!(dry.body["byTeam"][0]["team"], "payments", "{}", dry.text);
    assert_eq!(
        count(&app, "select count(*) from rule_settings").await,
        0,
        "a dry run stores nothing"
    );

    for (patch, field) in [
        (json!({"weight": 0}), "weight"),
        (json!({"severity": "urgent"}), "severity"),
        (json!({"level": "platinum"}), "level"),
        (json!({"applies": {"tiers": [5]}}), "applies.tiers.0"),
        (json!({"enforcedFrom": "next monday"}), "enforcedFrom"),
    ] {
        let mut body = stricter.clone();
        for (k, v) in patch.as_object().expect("patch") {
            body[k] = v.clone();
        }
        let r = app.put("/api/v1/rules/catalog.description", &body).await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert!(r.text.contains(field), "{field}: {}", r.text);
    }
    let r = app
        .put(
            "/api/v1/rules/ownership.owner",
            &json!({"enabled": true, "severity": "low",
            "level": "bronze", "weight": 1, "thresholds": {"tier1": 1, "tier2": 1, "tier3": 1,
            "tier4": 1}, "version": 0}),
        )
        .await;
    assert_eq!(
        r.status, 422,
        "a rule without thresholds takes none: {}",
        r.text
    );

    let r = app
        .put("/api/v1/rules/catalog.description", &stricter)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["customized"], true);
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["thresholds"]["tier3"], 30);
    let stale = app
        .put("/api/v1/rules/catalog.description", &stricter)
        .await;
    assert_eq!(stale.status, 409, "{}", stale.text);
    let audit = app.get("/api/v1/audit?subject_type=rule").await;
    assert!(audit.text.contains("rule.update"), "{}", audit.text);

    let card = check(&app, "ledger").await;
    assert_eq!(status_of(&card, "catalog.description"), "fail");
    // Disabled, the rule no longer counts and its finding resolves.
    let mut off = r.body.clone();
    off["enabled"] = json!(false);
    let r = app.put("/api/v1/rules/catalog.description", &off).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let card = check(&app, "ledger").await;
    assert_eq!(status_of(&card, "catalog.description"), "disabled");
    let open = app
        .get("/api/v1/findings?service=ledger&rule=catalog.description")
        .await;
    assert_eq!(open.body["total"], 0, "{}", open.text);
    assert_eq!(app.get("/api/v1/rules/nope").await.status, 404);
}

async fn a_failing_job_is_recorded_and_the_server_goes_on(app: TestApp) {
    app.seed().await;
    sqlx::query("drop table check_state")
        .execute(&app.store.pool)
        .await
        .expect("drop");
    let run = run_job(&app, "checks").await;
    assert_eq!(run["outcome"], "failed", "{run}");
    assert!(
        run["error"]
            .as_str()
            .expect("error")
            .contains("checks pass"),
        "{run}"
    );
    assert_eq!(app.get("/healthz").await.status, 200);
    let jobs = app.get("/api/v1/jobs").await.body;
    assert_eq!(jobs["jobs"][0]["lastRun"]["outcome"], "failed");
    assert!(jobs["jobs"][0]["lastSuccessAt"].is_null());
    // The other jobs still run.
    let cleanup = run_job(&app, "session-cleanup").await;
    assert_eq!(cleanup["outcome"], "succeeded", "{cleanup}");
}

async fn a_job_that_stopped_running_is_a_finding(app: TestApp) {
    app.seed().await;
    // The hourly clean-up last succeeded three hours ago: the scheduler stopped.
    let long_ago = (chrono::Utc::now() - chrono::Duration::hours(3))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    sqlx::query(
        "insert into job_runs (job, tick, trigger, replica, started_at, finished_at, outcome, \
         heartbeat_at) values ('session-cleanup', $1, 'schedule', 'gone:1', $1, $1, 'succeeded', $1)",
    )
    .bind(&long_ago)
    .execute(&app.store.pool)
    .await
    .expect("old run");
    let jobs = app.get("/api/v1/jobs").await.body;
    assert_eq!(jobs["jobs"][3]["name"], "session-cleanup");
    assert_eq!(jobs["jobs"][3]["stale"], true, "{jobs}");
    let org = app.get("/api/v1/scorecards/maintenance").await.body;
    assert_eq!(org["staleJobs"], json!(["session-cleanup"]), "{org}");
    // The overview says so at the top, server-rendered.
    let page = app.get("/scorecards").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(r#"id="stale-jobs""#), "{}", page.text);
    assert!(
        page.text.contains("Stopped: session-cleanup."),
        "{}",
        page.text
    );

    let run = run_job(&app, "checks").await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    let stale = app
        .get("/api/v1/findings?rule=operations.job-stale&category=operations")
        .await;
    assert_eq!(stale.body["total"], 1, "{}", stale.text);
    assert_eq!(stale.body["items"][0]["subject"], "session-cleanup");
    assert!(stale.body["items"][0]["service"].is_null());

    // It runs again: the finding resolves at the next pass.
    assert_eq!(
        run_job(&app, "session-cleanup").await["outcome"],
        "succeeded"
    );
    run_job(&app, "checks").await;
    let open = app.get("/api/v1/findings?rule=operations.job-stale").await;
    assert_eq!(open.body["total"], 0, "{}", open.text);
    let org = app.get("/api/v1/scorecards/maintenance").await.body;
    assert_eq!(org["staleJobs"], json!([]));
    assert!(!app
        .get("/scorecards")
        .await
        .text
        .contains(r#"id="stale-jobs""#));
}

/// Days of history draw the trend on the organisation's and a team's scorecard pages, in the
/// server's HTML: one point a day, oldest first, the same days in the table under it.
async fn the_trend_chart_draws_every_day_of_history(app: TestApp) {
    app.seed().await;
    undescribed(&app, "vault").await;
    let today = chrono::Utc::now().date_naive();
    let days: Vec<String> = (1..=9)
        .rev()
        .map(|n| {
            (today - chrono::Duration::days(n))
                .format("%Y-%m-%d")
                .to_string()
        })
        .collect();
    for (n, day) in days.iter().enumerate() {
        for (kind, scope) in [("org", "-"), ("team", "payments")] {
            sqlx::query(
                "insert into scorecard_history (scope_kind, scope, day, level, percent_bp, \
                 services, levels) values ($1, $2, $3, 'bronze', $4, 1, \
                 '{\"none\":0,\"bronze\":1,\"silver\":0,\"gold\":0}')",
            )
            .bind(kind)
            .bind(scope)
            .bind(day)
            .bind(2000 + 500 * n as i64)
            .execute(&app.store.pool)
            .await
            .expect("history");
        }
    }
    assert_eq!(run_job(&app, "checks").await["outcome"], "succeeded");
    let org = app.get("/api/v1/scorecards/maintenance?days=30").await.body;
    let history = org["history"].as_array().expect("history");
    assert_eq!(history.len(), 10, "{org}");
    assert_eq!(history[0]["day"], days[0].as_str());
    assert_eq!(history[0]["percent"], 20.0);
    assert_eq!(history[9]["day"], today.format("%Y-%m-%d").to_string());
    for path in ["/scorecards", "/teams/payments/scorecard"] {
        let page = app.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        // Without the hydration markers (`<!>`) the server writes between nodes.
        let text = page.text.replace("<!>", "");
        let points = text
            .split(r#"<polyline points=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{path}: no trend line in {text}"));
        assert_eq!(points.split(' ').count(), 10, "{path}: {points}");
        // Evenly spaced, left to right; the first day (20 %) low on the plot.
        let xy: Vec<(f64, f64)> = points
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').expect("x,y");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect();
        assert!(xy.windows(2).all(|w| w[1].0 > w[0].0), "{path}: {points}");
        assert!(
            xy[0].1 > xy[8].1,
            "{path}: the score rose over the days: {points}"
        );
        for day in &days {
            assert!(
                text.contains(&format!(r#"<th scope="row">{day}</th>"#)),
                "{path}: {day} is in the table"
            );
        }
        assert!(
            text.contains(&format!("From {} (20.0%)", days[0])),
            "{path}"
        );
    }
}

async fn history_is_kept_within_its_retention_limit(app: TestApp) {
    app.seed().await;
    assert_eq!(run_job(&app, "checks").await["outcome"], "succeeded");
    for day in ["2020-01-01", "2020-01-02"] {
        sqlx::query(
            "insert into scorecard_history (scope_kind, scope, day, level, percent_bp, \
             services, levels) values ('org', '-', $1, 'none', 5000, 3, '{}')",
        )
        .bind(day)
        .execute(&app.store.pool)
        .await
        .expect("old history");
    }
    sqlx::query(
        "insert into job_runs (job, tick, trigger, replica, started_at, finished_at, outcome, \
         heartbeat_at) values ('checks', '2020-01-01T00:00:00Z', 'schedule', 'old:1', \
         '2020-01-01T00:00:00Z', '2020-01-01T00:00:01Z', 'failed', '2020-01-01T00:00:01Z')",
    )
    .execute(&app.store.pool)
    .await
    .expect("old run");
    for day in ["2020-01-01", "2026-12-01"] {
        sqlx::query(
            "insert into dependency_days (service_id, day, packages, direct, outdated, \
             breaking, yanked, missing, unknown, libyear, libyear_direct, computed_at) \
             select id, $1, 10, 2, 3, 0, 0, 0, 0, 4.5, 1.25, $1 from services where slug = 'ledger'",
        )
        .bind(day)
        .execute(&app.store.pool)
        .await
        .expect("old trend point");
    }
    let run = run_job(&app, "history-retention").await;
    assert_eq!(run["outcome"], "succeeded", "{run}");
    assert_eq!(run["counts"]["history"], 2, "{run}");
    assert_eq!(run["counts"]["jobRuns"], 1, "{run}");
    assert_eq!(run["counts"]["dependencyDays"], 1, "{run}");
    assert_eq!(
        count(&app, "select count(*) from dependency_days").await,
        1,
        "the recent trend point stays"
    );
    assert_eq!(
        count(
            &app,
            "select count(*) from scorecard_history where day < '2026-01-01'"
        )
        .await,
        0
    );
    // Today's rows and recent runs stay.
    assert!(count(&app, "select count(*) from scorecard_history").await > 0);
    assert_eq!(
        count(&app, "select count(*) from job_runs where job = 'checks'").await,
        1
    );
}

/// The kept snapshot, brought up to date by patching after edits, equals the snapshot read
/// afresh: services with their owners, dependencies and cycles, and every facts hash.
async fn the_kept_snapshot_is_patched_to_what_a_fresh_read_gives(app: TestApp) {
    use steward_server::domain::checks::facts_hash;
    use steward_server::store::checks::snapshot::{load, with_hashes, Refresh};
    app.seed().await;
    for (slug, deps) in [("cc", vec![]), ("bb", vec!["cc"]), ("aa", vec!["bb"])] {
        let r = app
            .post("/api/v1/services", &service(slug, &["payments"], 2, &deps))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let mut conn = app.store.pool.acquire().await.expect("conn");
    let now = chrono::Utc::now();
    let (first, _) = with_hashes(&app.store, &mut conn, now, 7)
        .await
        .expect("read");
    assert_eq!(app.store.snapshot_refresh(), Some(Refresh::Read));
    assert!(first.services.iter().all(|s| s.cycle.is_none()));
    let (_, _) = with_hashes(&app.store, &mut conn, now, 7)
        .await
        .expect("kept");
    assert_eq!(app.store.snapshot_refresh(), Some(Refresh::Kept));

    // c now depends on a (a cycle a → b → c → a), b is deprecated (a's hash reads its
    // dependencies' lifecycle), a moves to another team, and d is new.
    let mut c = app.get("/api/v1/services/cc").await.body;
    c["dependsOn"] = json!(["aa"]);
    c["owners"] = json!(["payments"]);
    assert_eq!(app.put("/api/v1/services/cc", &c).await.status, 200);
    let mut b = app.get("/api/v1/services/bb").await.body;
    b["lifecycle"] = json!("deprecated");
    b["owners"] = json!(["payments"]);
    b["dependsOn"] = json!(["cc"]);
    assert_eq!(app.put("/api/v1/services/bb", &b).await.status, 200);
    let mut a = app.get("/api/v1/services/aa").await.body;
    a["owners"] = json!(["platform", "payments"]);
    a["dependsOn"] = json!(["bb"]);
    assert_eq!(app.put("/api/v1/services/aa", &a).await.status, 200);
    let r = app
        .post(
            "/api/v1/services",
            &service("dd", &["platform"], 1, &["aa"]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    let (patched, hashes) = with_hashes(&app.store, &mut conn, now, 7)
        .await
        .expect("patch");
    assert_eq!(app.store.snapshot_refresh(), Some(Refresh::Patched));
    let fresh = load(&mut conn, now).await.expect("load");
    assert_eq!(patched.services, fresh.services);
    assert_eq!(patched.by_slug, fresh.by_slug);
    let want: Vec<u64> = fresh
        .services
        .iter()
        .map(|s| facts_hash(&fresh, s, 7))
        .collect();
    assert_eq!(*hashes, want);
    let a = patched.service("aa").expect("aa");
    assert_eq!(a.owners, ["platform", "payments"]);
    assert_eq!(
        a.cycle.as_deref(),
        Some(&["aa", "bb", "cc", "aa"].map(String::from)[..])
    );
    let dd = patched.service("dd").expect("dd");
    assert_eq!(
        (dd.depends_on.as_slice(), dd.cycle.as_ref()),
        (&["aa".to_string()][..], None)
    );

    // A change to a team is not patched: the whole catalog is read.
    let version = app.get("/api/v1/teams/platform").await.body["version"].clone();
    let team = json!({"slug": "platform", "name": "Platform engineering", "version": version,
        "members": []});
    let r = app.put("/api/v1/teams/platform", &team).await;
    assert_eq!(r.status, 200, "{}", r.text);
    with_hashes(&app.store, &mut conn, now, 7)
        .await
        .expect("read");
    assert_eq!(app.store.snapshot_refresh(), Some(Refresh::Read));
    // Other settings hash: the hashes are computed again, the snapshot kept.
    let (_, other) = with_hashes(&app.store, &mut conn, now, 8)
        .await
        .expect("kept");
    assert_eq!(app.store.snapshot_refresh(), Some(Refresh::Kept));
    assert_ne!(*other, want);
}
