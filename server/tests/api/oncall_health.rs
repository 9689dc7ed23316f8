//! The on-call health report through the API: load split by each person's own clock across a
//! DST change, gaps of a restricted layer, overrides moving hours and the 25% line, balance,
//! and a team's report counting time on two schedules at once only once.
//!
//! Windows are fixed days of March 2026, so every figure is exact. New York springs forward on
//! Sunday 8 March (EST, UTC-5, before; EDT, UTC-4, after); London stays on GMT (UTC+0) until
//! 29 March. The seed puts ada in Europe/London and grace in America/New_York.

use crate::both;
use crate::helpers::TestApp;
use serde_json::{json, Value};

both!(
    load_is_split_by_each_persons_own_clock_across_dst,
    a_restricted_layer_leaves_known_gaps,
    overrides_move_hours_across_the_sre_line,
    a_team_report_counts_simultaneous_time_once,
    unknown_subjects_and_bad_windows_are_refused,
    the_report_page_renders_server_side,
);

const H: i64 = 3_600;

fn schedule(slug: &str, team: &str, zone: &str, layer: Value) -> Value {
    json!({
        "slug": slug,
        "name": format!("{slug} schedule"),
        "team": team,
        "timeZone": zone,
        "layers": [layer],
    })
}

fn layer(start: &str, unit: &str, participants: &[&str]) -> Value {
    json!({
        "name": "Primary",
        "start": start,
        "turn": {"unit": unit, "length": 1},
        "participants": participants,
    })
}

async fn create(app: &TestApp, body: &Value) {
    let r = app.post("/api/v1/schedules", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn cover(app: &TestApp, schedule: &str, person: &str, start: &str, end: &str) {
    let r = app
        .post(
            &format!("/api/v1/schedules/{schedule}/overrides"),
            &json!({"person": person, "start": start, "end": end}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn add_person(app: &TestApp, handle: &str) {
    let r = app
        .post(
            "/api/v1/people",
            &json!({"handle": handle, "name": handle.to_uppercase(), "timeZone": "UTC"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

/// The line of `person` in a `people` list.
fn line<'a>(people: &'a Value, person: &str) -> &'a Value {
    people
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["person"] == person)
        .unwrap_or_else(|| panic!("{person} missing from {people}"))
}

/// `(total, business, off, sleep)` in hours.
fn split(line: &Value) -> (i64, i64, i64, i64) {
    let h = |k: &str| line[k].as_i64().expect(k) / H;
    (
        h("totalSeconds"),
        h("businessSeconds"),
        h("offSeconds"),
        h("sleepSeconds"),
    )
}

fn handles(people: &Value) -> Vec<&str> {
    people
        .as_array()
        .expect("people")
        .iter()
        .filter_map(|p| p["person"].as_str())
        .collect()
}

fn close(value: &Value, expected: f64) {
    let got = value.as_f64().unwrap_or(f64::NAN);
    assert!((got - expected).abs() < 1e-9, "{got} != {expected}");
}

async fn load_is_split_by_each_persons_own_clock_across_dst(app: TestApp) {
    app.seed().await;
    // Daily turns at 09:00 New York time, ada and grace alternating from Monday 2 March.
    create(
        &app,
        &schedule(
            "primary",
            "payments",
            "America/New_York",
            layer("2026-03-02T09:00", "days", &["ada", "grace"]),
        ),
    )
    .await;
    // Saturday 7 March 09:00 EST (14:00Z) to Monday 9 March 09:00 EDT (13:00Z): 47 hours.
    let r = app
        .get("/api/v1/schedules/primary/health?from=2026-03-07T14:00:00Z&to=2026-03-09T13:00:00Z")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["windowSeconds"], 47 * H);
    assert_eq!(b["timeZone"], "America/New_York");
    assert_eq!(b["gapSeconds"], 0);
    assert_eq!(b["gaps"], json!([]));
    // Grace has Saturday 09:00 EST to Sunday 09:00 EDT, 23 hours, on her New York clock:
    // Saturday 09–22 is off hours at a weekend (13 h), 22:00 EST to 08:00 EDT the short night
    // (03:00Z to 12:00Z, 9 h), Sunday 08–09 off again (1 h).
    let grace = line(&b["people"], "grace");
    assert_eq!(split(grace), (23, 0, 14, 9));
    assert_eq!(grace["timeZone"], "America/New_York");
    assert_eq!(grace["name"], "GRACE");
    // Ada has Sunday 13:00Z to Monday 13:00Z, on her London clock (GMT): Sunday 13–22 off
    // (9 h), 22–08 asleep (10 h), Monday 08–13 business (5 h). By New York's clock the same
    // day would have been 13 h off, 10 h asleep and 1 h of business.
    let ada = line(&b["people"], "ada");
    assert_eq!(split(ada), (24, 5, 9, 10));
    assert_eq!(ada["timeZone"], "Europe/London");
    // Most time first; both hold about half the window, far over the 25% line.
    assert_eq!(handles(&b["people"]), ["ada", "grace"]);
    close(&ada["share"], 24.0 / 47.0);
    assert_eq!(ada["overLimit"], true);
    assert_eq!(grace["overLimit"], true);
    close(&b["balance"], 23.0 / 24.0);
    close(&b["sreLimit"], 0.25);
    assert_eq!(b["flags"], json!(["over_limit"]));
}

async fn a_restricted_layer_leaves_known_gaps(app: TestApp) {
    app.seed().await;
    // Weekly turns, but the layer only speaks on weekdays from 09:00 to 17:00 New York time
    // (14:00–22:00Z in early March). Ada has the first week; grace rotates with no turn in it.
    let mut business = layer("2026-03-02T09:00", "weeks", &["ada", "grace"]);
    business["restrictions"] = json!([{
        "weekdays": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "to": "17:00"
    }]);
    create(
        &app,
        &schedule("daytime", "payments", "America/New_York", business),
    )
    .await;
    // Monday 2 March 00:00 EST to Saturday 7 March 00:00 EST: five days, 120 hours.
    let r = app
        .get("/api/v1/schedules/daytime/health?from=2026-03-02T05:00:00Z&to=2026-03-07T05:00:00Z")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    // Gaps: Monday until 09:00, each evening 17:00 to the next 09:00 (16 h, four times), and
    // Friday 17:00 to midnight: 9 + 4 × 16 + 7 = 80 hours, local times on New York's clock.
    let gaps: Vec<(&str, &str, i64)> = b["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .map(|g| {
            (
                g["startLocal"].as_str().unwrap_or(""),
                g["endLocal"].as_str().unwrap_or(""),
                g["seconds"].as_i64().unwrap_or(0) / H,
            )
        })
        .collect();
    assert_eq!(
        gaps,
        [
            ("2026-03-02 00:00", "2026-03-02 09:00", 9),
            ("2026-03-02 17:00", "2026-03-03 09:00", 16),
            ("2026-03-03 17:00", "2026-03-04 09:00", 16),
            ("2026-03-04 17:00", "2026-03-05 09:00", 16),
            ("2026-03-05 17:00", "2026-03-06 09:00", 16),
            ("2026-03-06 17:00", "2026-03-07 00:00", 7),
        ]
    );
    assert_eq!(b["gaps"][1]["start"], "2026-03-02T22:00:00Z");
    assert_eq!(b["gapSeconds"], 80 * H);
    // New York's working day is a London afternoon and evening: 14–18 business, 18–22 off.
    let ada = line(&b["people"], "ada");
    assert_eq!(split(ada), (40, 20, 20, 0));
    close(&ada["share"], 40.0 / 120.0);
    // Grace is named by the layer, so she counts, with nothing: the balance is 0.
    let grace = line(&b["people"], "grace");
    assert_eq!(split(grace), (0, 0, 0, 0));
    assert_eq!(grace["share"], 0.0);
    assert_eq!(grace["overLimit"], false);
    close(&b["balance"], 0.0);
    assert_eq!(b["flags"], json!(["gaps", "over_limit", "unbalanced"]));
}

async fn overrides_move_hours_across_the_sre_line(app: TestApp) {
    app.seed().await;
    add_person(&app, "bob").await;
    add_person(&app, "cy").await;
    // Four people, weekly turns from Monday 2 March 09:00 UTC; four weeks is one turn each.
    create(
        &app,
        &schedule(
            "weekly",
            "payments",
            "UTC",
            layer("2026-03-02T09:00", "weeks", &["ada", "grace", "bob", "cy"]),
        ),
    )
    .await;
    let window = "from=2026-03-02T09:00:00Z&to=2026-03-30T09:00:00Z";
    let path = format!("/api/v1/schedules/weekly/health?{window}");
    let r = app.get(&path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // 168 of 672 hours each: exactly on the line, which is not over it.
    for person in ["ada", "grace", "bob", "cy"] {
        let p = line(&r.body["people"], person);
        assert_eq!(p["totalSeconds"], 168 * H, "{person}");
        close(&p["share"], 0.25);
        assert_eq!(p["overLimit"], false, "{person}");
    }
    close(&r.body["balance"], 1.0);
    assert_eq!(r.body["flags"], json!([]));

    // Grace takes the first day of ada's week: 144 h for ada, 192 h for grace.
    cover(
        &app,
        "weekly",
        "grace",
        "2026-03-02T09:00:00Z",
        "2026-03-03T09:00:00Z",
    )
    .await;
    let r = app.get(&path).await;
    let people = &r.body["people"];
    assert_eq!(handles(people), ["grace", "bob", "cy", "ada"]);
    assert_eq!(line(people, "ada")["totalSeconds"], 144 * H);
    assert_eq!(line(people, "grace")["totalSeconds"], 192 * H);
    close(&line(people, "grace")["share"], 192.0 / 672.0);
    assert_eq!(line(people, "grace")["overLimit"], true);
    assert_eq!(line(people, "ada")["overLimit"], false);
    // Pairs: ada/grace 144/192 = 3/4, ada/bob and ada/cy 144/168 = 6/7, grace/bob and
    // grace/cy 168/192 = 7/8, bob/cy 1: (3/4 + 12/7 + 7/4 + 1) / 6.
    close(&r.body["balance"], (0.75 + 12.0 / 7.0 + 1.75 + 1.0) / 6.0);
    assert_eq!(r.body["flags"], json!(["over_limit"]));
}

async fn a_team_report_counts_simultaneous_time_once(app: TestApp) {
    app.seed().await;
    // primary: daily at 09:00 New York (14:00Z): ada, grace, ada over the window below.
    create(
        &app,
        &schedule(
            "primary",
            "payments",
            "America/New_York",
            layer("2026-03-02T09:00", "days", &["ada", "grace"]),
        ),
    )
    .await;
    // secondary: grace all week, but ada covers Tuesday 10:00–18:00Z, four hours of which
    // she is on call on primary anyway.
    create(
        &app,
        &schedule(
            "secondary",
            "payments",
            "Europe/London",
            layer("2026-03-02T14:00", "weeks", &["grace"]),
        ),
    )
    .await;
    cover(
        &app,
        "secondary",
        "ada",
        "2026-03-03T10:00:00Z",
        "2026-03-03T18:00:00Z",
    )
    .await;
    // Another team's schedule does not count for payments.
    let mut other = schedule(
        "elsewhere",
        "platform",
        "UTC",
        layer("2026-03-02T00:00", "weeks", &["ada"]),
    );
    other["name"] = json!("a platform schedule");
    create(&app, &other).await;

    // Monday 2 March 14:00Z to Thursday 5 March 14:00Z: 72 hours.
    let window = "from=2026-03-02T14:00:00Z&to=2026-03-05T14:00:00Z";
    let r = app
        .get(&format!("/api/v1/teams/payments/oncall-health?{window}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["team"], "payments");
    assert_eq!(b["windowSeconds"], 72 * H);
    let slugs: Vec<&str> = b["schedules"]
        .as_array()
        .expect("schedules")
        .iter()
        .filter_map(|s| s["schedule"].as_str())
        .collect();
    assert_eq!(slugs, ["primary", "secondary"]);
    // Per schedule: a 2:1 split on primary is a balance of exactly 0.5, not yet unbalanced;
    // on secondary ada's 8 hours against grace's 64 are 0.125.
    let primary = &b["schedules"][0];
    assert_eq!(line(&primary["people"], "ada")["totalSeconds"], 48 * H);
    assert_eq!(line(&primary["people"], "grace")["totalSeconds"], 24 * H);
    close(&primary["balance"], 0.5);
    assert_eq!(primary["flags"], json!(["over_limit"]));
    let secondary = &b["schedules"][1];
    assert_eq!(line(&secondary["people"], "ada")["totalSeconds"], 8 * H);
    assert_eq!(line(&secondary["people"], "grace")["totalSeconds"], 64 * H);
    close(&secondary["balance"], 0.125);
    assert_eq!(secondary["flags"], json!(["over_limit", "unbalanced"]));

    // Across both, ada is on call Monday 14:00 to Tuesday 18:00 (28 h: 48 + 8 would count
    // Tuesday 10–14 twice) and Wednesday 14:00 to Thursday 14:00 (24 h): 52 hours. By her
    // London clock: Monday 14–18 business, 18–22 off, 22–08 asleep, Tuesday 08–18 business;
    // Wednesday 14–18 business, 18–22 off, 22–08 asleep, Thursday 08–14 business.
    let ada = line(&b["people"], "ada");
    assert_eq!(split(ada), (52, 24, 8, 20));
    // Grace: secondary until ada takes over (Monday 09:00 to Tuesday 05:00 EST, 20 h), then
    // primary from Tuesday 09:00 EST and secondary again from 13:00 EST, to Thursday 09:00
    // (48 h): 68 hours, by her New York clock 9 + 9 + 10 + 1 business, 4 + 4 + 4 off and
    // 7 + 10 + 10 asleep.
    let grace = line(&b["people"], "grace");
    assert_eq!(split(grace), (68, 29, 12, 27));
    assert_eq!(handles(&b["people"]), ["grace", "ada"]);
    close(&b["balance"], 52.0 / 68.0);
    assert_eq!(b["overLimit"], json!(["grace", "ada"]));
    assert_eq!(b["gapSeconds"], 0);
    assert_eq!(b["schedulesWithGaps"], json!([]));

    // Before primary's first handoff: primary is all gap, secondary a gap until 14:00Z too.
    let r = app
        .get("/api/v1/teams/payments/oncall-health?from=2026-03-02T00:00:00Z&to=2026-03-02T16:00:00Z")
        .await;
    assert_eq!(r.body["gapSeconds"], 28 * H, "{}", r.text);
    assert_eq!(r.body["schedulesWithGaps"], json!(["primary", "secondary"]));
    // A team's report covers its own schedules, not its sub-teams' (payments is platform's).
    let r = app
        .get(&format!("/api/v1/teams/platform/oncall-health?{window}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(handles(&r.body["people"]), ["ada"]);
    assert_eq!(r.body["balance"], Value::Null);
}

async fn unknown_subjects_and_bad_windows_are_refused(app: TestApp) {
    app.seed().await;
    create(
        &app,
        &schedule(
            "primary",
            "payments",
            "UTC",
            layer("2026-03-02T09:00", "days", &["ada"]),
        ),
    )
    .await;
    for path in [
        "/api/v1/schedules/nope/health",
        "/api/v1/teams/nope/oncall-health",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "not_found");
    }
    for base in [
        "/api/v1/schedules/primary/health",
        "/api/v1/teams/payments/oncall-health",
    ] {
        // The default window: now and the next 30 days.
        let r = app.get(base).await;
        assert_eq!(r.status, 200, "{base}: {}", r.text);
        assert_eq!(r.body["windowSeconds"], 30 * 24 * H);
        for (query, field) in [
            ("from=2026-03-02&to=2026-03-01", "to"),
            ("from=2026-01-01&to=2027-06-01", "to"),
            ("from=soon", "from"),
        ] {
            let r = app.get(&format!("{base}?{query}")).await;
            assert_eq!(r.status, 422, "{base}?{query}: {}", r.text);
            assert_eq!(r.body["error"]["field"], field, "{base}?{query}");
        }
    }
}

async fn the_report_page_renders_server_side(app: TestApp) {
    app.seed().await;
    create(
        &app,
        &schedule(
            "primary",
            "payments",
            "America/New_York",
            layer("2026-03-02T09:00", "days", &["ada", "grace"]),
        ),
    )
    .await;
    // The next 30 days by default: ada and grace alternate, each far over the line.
    let page = app.get("/teams/payments/oncall-health").await;
    assert_eq!(page.status, 200);
    for text in [
        "primary schedule",
        "ADA",
        "GRACE",
        "Europe/London",
        "over 25%",
    ] {
        assert!(page.text.contains(text), "{text} missing");
    }
    let page = app.get("/teams/payments/oncall-health?window=last30").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"window-last30\""));
    // (The page's status follows the API's 404 only when it resolves before the headers are
    // streamed, so the text is what is checked here.)
    let page = app.get("/teams/nope/oncall-health").await;
    assert!(
        page.text.contains("There is no team called"),
        "{}",
        page.text
    );
}
