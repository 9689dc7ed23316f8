//! Calendar feeds: made through the API, fetched without signing in, parsed by a real iCalendar
//! parser (python's `icalendar`) and held against the API's own timeline and shifts — the
//! final schedule, overrides applied, across a DST change; stable UIDs; revocation; secrets
//! that are never stored.

use crate::both;
use crate::helpers::{client, make_token, spawn_app_with, Db, TestApp};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};
use steward_server::domain::authz::{Role, Scope};
use steward_server::store::oncall::{feed_window, FEED_BEYOND_DAYS};

both!(
    a_schedule_feed_is_the_final_schedule_across_dst_with_overrides,
    a_persons_feed_spans_their_schedules_and_matches_their_shifts,
    feeds_are_listed_revoked_and_refused,
    long_names_fold_and_survive_a_round_trip,
);

/// The pinned parser; `make tools` installs it.
const ICALENDAR: &str = "icalendar==7.3.2";

/// Parses a feed with python's `icalendar` and answers what it read, as JSON. Every
/// date-time must be UTC; anything else, or a missing parser, fails the test.
fn parse(feed: &str) -> Value {
    const SCRIPT: &str = r#"
import json, sys
from datetime import timezone
try:
    import icalendar
except ImportError:
    sys.exit("MISSING")
# The calendar's names are TEXT (X-WR-CALNAME by custom, NAME by RFC 7986).
for name in ("x-wr-calname", "name"):
    icalendar.Calendar.types_factory.types_map[name] = "text"
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
def utc(component, name):
    dt = component.decoded(name)
    if getattr(dt, "tzinfo", None) is None or dt.utcoffset().total_seconds() != 0:
        sys.exit(f"{name} is not a UTC date-time: {dt!r}")
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
print(json.dumps({
    "name": str(cal.get("X-WR-CALNAME", "")),
    "rfc7986Name": str(cal.get("NAME", "")),
    "version": str(cal.get("VERSION", "")),
    "prodid": str(cal.get("PRODID", "")),
    "method": str(cal.get("METHOD", "")),
    "errors": [str(e) for c in cal.walk() for e in c.errors],
    "events": [{
        "uid": str(e["UID"]),
        "dtstamp": utc(e, "DTSTAMP"),
        "start": utc(e, "DTSTART"),
        "end": utc(e, "DTEND"),
        "summary": str(e["SUMMARY"]),
        "description": str(e.get("DESCRIPTION", "")),
    } for e in cal.walk("VEVENT")],
}))
"#;
    let missing = format!(
        "these tests parse feeds with python3 and its `icalendar` package: run `make tools` \
         or `pip install {ICALENDAR}`"
    );
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{missing} (python3: {e})"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(feed.as_bytes())
        .expect("feed to python");
    let out = child.wait_with_output().expect("python ran");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("MISSING"), "{missing}");
    assert!(out.status.success(), "icalendar refused the feed: {stderr}");
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("JSON from python");
    assert_eq!(parsed["errors"], json!([]), "parse errors");
    assert_eq!(parsed["version"], "2.0");
    assert_eq!(parsed["prodid"], "-//Steward//On-call//EN");
    assert_eq!(parsed["method"], "PUBLISH");
    assert_eq!(parsed["name"], parsed["rfc7986Name"]);
    parsed
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("instant")
        .with_timezone(&Utc)
}

/// A span of time, `[start, end)`.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// The feed's window now, and the wider span it follows stretches over.
fn windows() -> (Span, Span) {
    let (from, to) = feed_window(Utc::now());
    let beyond = Duration::days(FEED_BEYOND_DAYS);
    ((from, to), (from - beyond, to + beyond))
}

/// Fetches a feed with no credentials at all, checks the transport and the text's form (CRLF,
/// folded lines, UTC times) and returns the text.
async fn fetch(app: &TestApp, path: &str) -> String {
    let response = client(None)
        .get(app.url(path))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-type"), "text/calendar; charset=utf-8");
    assert!(header("cache-control").contains("max-age"));
    let body = response.text().await.expect("body");
    assert!(body.starts_with("BEGIN:VCALENDAR\r\n") && body.ends_with("END:VCALENDAR\r\n"));
    for line in body.trim_end_matches("\r\n").split("\r\n") {
        assert!(line.len() <= 75, "an unfolded line: {line}");
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "a bare newline"
        );
        if let Some((name, value)) = line.split_once(':') {
            if ["DTSTART", "DTEND", "DTSTAMP"].contains(&name) {
                assert!(
                    value.len() == 16 && value.ends_with('Z') && value.as_bytes()[8] == b'T',
                    "not a UTC date-time: {line}"
                );
            }
        }
    }
    body
}

/// Events as `(start, end, summary)`, in order.
fn events(parsed: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = parsed["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["start"].as_str().expect("start").to_string(),
                e["end"].as_str().expect("end").to_string(),
                e["summary"].as_str().expect("summary").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn uids(parsed: &Value) -> BTreeSet<String> {
    let all: Vec<String> = parsed["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["uid"].as_str().expect("uid").to_string())
        .collect();
    let set: BTreeSet<String> = all.iter().cloned().collect();
    assert_eq!(set.len(), all.len(), "UIDs are unique");
    set
}

/// A weekly rotation in Sydney, handing off at 09:00, that began 120 days ago and stops 178
/// days ahead: inside the window its turns span more than half a year (Sydney changes its
/// clocks every 182 or 183 days), so they cross a DST change whenever the test runs.
fn sydney(slug: &str, team: &str, participants: &[&str]) -> Value {
    let now = Utc::now();
    let start = (now - Duration::days(120))
        .format("%Y-%m-%dT09:00")
        .to_string();
    json!({
        "slug": slug,
        "name": format!("{slug} on call"),
        "team": team,
        "timeZone": "Australia/Sydney",
        "layers": [{
            "name": "Weekly",
            "start": start,
            "end": text(now + Duration::days(178)),
            "turn": {"unit": "weeks", "length": 1},
            "participants": participants,
        }],
    })
}

async fn add_override(app: &TestApp, slug: &str, person: &str, start: DateTime<Utc>, hours: i64) {
    let r = app
        .post(
            &format!("/api/v1/schedules/{slug}/overrides"),
            &json!({"person": person, "start": text(start),
                "end": text(start + Duration::hours(hours))}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

/// Today's UTC midnight, `days` on.
fn day(days: i64) -> DateTime<Utc> {
    feed_window(Utc::now()).0 + Duration::days(14 + days)
}

async fn audit_total(app: &TestApp) -> i64 {
    app.get("/api/v1/audit?limit=1").await.body["total"]
        .as_i64()
        .expect("total")
}

async fn create_feed(app: &TestApp, caller: &reqwest::Client, path: &str) -> Value {
    let r = app.call(caller, "POST", path, None).await;
    assert_eq!(r.status, 201, "{path}: {}", r.text);
    r.body
}

async fn a_schedule_feed_is_the_final_schedule_across_dst_with_overrides(app: TestApp) {
    app.seed().await;
    let r = app
        .post(
            "/api/v1/schedules",
            &sydney("sydney", "payments", &["ada", "grace"]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    add_override(&app, "sydney", "grace", day(10) + Duration::hours(3), 30).await;
    add_override(&app, "sydney", "ada", day(-3) + Duration::hours(5), 5).await;

    let created = create_feed(&app, &app.client, "/api/v1/schedules/sydney/feeds").await;
    let path = created["path"].as_str().expect("path").to_string();
    assert!(
        path.starts_with("/ical/stwcal_") && path.ends_with(".ics"),
        "{path}"
    );
    assert_eq!(created["url"], Value::Null, "no public URL is configured");
    assert_eq!(created["feed"]["kind"], "schedule");
    assert_eq!(created["feed"]["schedule"], "sydney");
    assert_eq!(created["feed"]["name"], "sydney on call");
    assert_eq!(created["feed"]["account"], "admin");

    let ((from, to), (wide_from, wide_to)) = windows();
    let first = parse(&fetch(&app, &path).await);
    assert_eq!(first["name"], "sydney on call");

    // What the API says: the final row over the wider span, pieces of one person and source
    // joined, every stretch that overlaps the window kept whole.
    let t = app
        .get(&format!(
            "/api/v1/schedules/sydney/timeline?from={}&to={}",
            text(wide_from),
            text(wide_to)
        ))
        .await;
    assert_eq!(t.status, 200, "{}", t.text);
    let mut stretches: Vec<Value> = Vec::new();
    for seg in t.body["final"].as_array().expect("final") {
        let joins = stretches.last().is_some_and(|last: &Value| {
            last["end"] == seg["start"]
                && last["person"] == seg["person"]
                && last["source"] == seg["source"]
                && last.get("overrideId") == seg.get("overrideId")
        });
        if joins {
            let end = seg["end"].clone();
            stretches.last_mut().expect("last")["end"] = end;
        } else {
            stretches.push(seg.clone());
        }
    }
    let expected: Vec<(String, String, String)> = stretches
        .iter()
        .filter(|s| {
            at(s["end"].as_str().expect("end")) > from
                && at(s["start"].as_str().expect("start")) < to
        })
        .map(|s| {
            let summary = match (s["person"].as_str(), s["source"].as_str()) {
                (None, _) => "Gap: nobody on call".to_string(),
                (Some(p), Some("override")) => format!("On call: {} (override)", p.to_uppercase()),
                (Some(p), _) => format!("On call: {}", p.to_uppercase()),
            };
            (
                s["start"].as_str().expect("start").to_string(),
                s["end"].as_str().expect("end").to_string(),
                summary,
            )
        })
        .collect();
    let got = events(&first);
    assert_eq!(got, expected);

    // Both overrides are in it, the gap after the layer ends too.
    let summaries: BTreeSet<&str> = got.iter().map(|e| e.2.as_str()).collect();
    for s in [
        "On call: ADA",
        "On call: GRACE",
        "On call: ADA (override)",
        "On call: GRACE (override)",
        "Gap: nobody on call",
    ] {
        assert!(summaries.contains(s), "{s} missing from {summaries:?}");
    }
    // The stretch under way when the window opens keeps its true start.
    assert!(
        at(&got[0].0) < from,
        "{:?} starts inside the window",
        got[0]
    );
    // Handoffs at 09:00 Sydney time are 23:00 UTC in winter and 22:00 in summer: the
    // feed crosses a DST change and follows the local clock.
    let handoff_hours: BTreeSet<String> = got
        .iter()
        .filter(|e| e.2 == "On call: ADA" || e.2 == "On call: GRACE")
        .map(|e| e.0[11..13].to_string())
        .collect();
    assert!(
        handoff_hours.contains("22") && handoff_hours.contains("23"),
        "{handoff_hours:?}"
    );
    let description = first["events"][0]["description"].as_str().expect("text");
    assert!(description.contains("Australia/Sydney: "), "{description}");

    // Every event has a DTSTAMP; UIDs are the same in the next export.
    for e in first["events"].as_array().expect("events") {
        assert!(e["dtstamp"].as_str().is_some_and(|s| s.ends_with('Z')));
    }
    let second = parse(&fetch(&app, &path).await);
    assert_eq!(uids(&first), uids(&second));

    // The secret is nowhere in the database: not in the feed's row, not in the audit log.
    let secret = path
        .trim_start_matches("/ical/")
        .trim_end_matches(".ics")
        .to_string();
    let stored: Vec<String> = sqlx::query_scalar("select token_hash from calendar_feeds")
        .fetch_all(&app.store.pool)
        .await
        .expect("rows");
    assert_eq!(stored, vec![steward_server::auth::token_hash(&secret)]);
    let audit: Vec<String> = sqlx::query_scalar(
        "select coalesce(after, '') from audit_events where action = 'feed.create'",
    )
    .fetch_all(&app.store.pool)
    .await
    .expect("audit");
    assert_eq!(audit.len(), 1);
    assert!(!audit[0].contains(&secret[7..]), "{}", audit[0]);
}

async fn a_persons_feed_spans_their_schedules_and_matches_their_shifts(app: TestApp) {
    app.seed().await;
    for body in [
        sydney("sydney", "payments", &["ada", "grace"]),
        json!({"slug": "london", "name": "London, nights; weekends", "team": "platform",
            "timeZone": "Europe/London", "layers": [{"name": "Daily",
            "start": (Utc::now() - Duration::days(30)).format("%Y-%m-%dT18:00").to_string(),
            "turn": {"unit": "days", "length": 2}, "participants": ["grace", "ada"]}]}),
    ] {
        let r = app.post("/api/v1/schedules", &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    add_override(&app, "london", "ada", day(20) + Duration::hours(1), 50).await;
    add_override(&app, "sydney", "grace", day(5), 24).await;

    let created = create_feed(&app, &app.client, "/api/v1/people/ada/feeds").await;
    assert_eq!(created["feed"]["kind"], "person");
    assert_eq!(created["feed"]["person"], "ada");
    assert_eq!(created["feed"]["name"], "On call: ADA");
    let path = created["path"].as_str().expect("path");
    let ((from, to), (wide_from, wide_to)) = windows();
    let parsed = parse(&fetch(&app, path).await);
    assert_eq!(parsed["name"], "On call: ADA");

    let shifts = app
        .get(&format!(
            "/api/v1/people/ada/shifts?from={}&to={}",
            text(wide_from),
            text(wide_to)
        ))
        .await;
    assert_eq!(shifts.status, 200, "{}", shifts.text);
    let mut expected: Vec<(String, String, String)> = shifts
        .body
        .as_array()
        .expect("shifts")
        .iter()
        .filter(|s| {
            at(s["end"].as_str().expect("end")) > from
                && at(s["start"].as_str().expect("start")) < to
        })
        .map(|s| {
            (
                s["start"].as_str().expect("start").to_string(),
                s["end"].as_str().expect("end").to_string(),
                format!("On call: {}", s["scheduleName"].as_str().expect("name")),
            )
        })
        .collect();
    expected.sort();
    let got = events(&parsed);
    assert_eq!(got, expected);
    let schedules: BTreeSet<&str> = got.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(
        schedules,
        BTreeSet::from([
            "On call: London, nights; weekends",
            "On call: sydney on call"
        ])
    );
    // Ada keeps Europe/London; the description gives Sydney's clock and hers.
    let sydney_event = parsed["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["summary"] == "On call: sydney on call")
        .expect("a Sydney shift");
    let description = sydney_event["description"].as_str().expect("text");
    assert!(
        description.contains("Australia/Sydney: ") && description.contains("Europe/London: "),
        "{description}"
    );
    assert_eq!(uids(&parsed), uids(&parse(&fetch(&app, path).await)));
}

async fn feeds_are_listed_revoked_and_refused(app: TestApp) {
    app.seed().await;
    let r = app
        .post(
            "/api/v1/schedules",
            &sydney("sydney", "payments", &["ada", "grace"]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ada = client(Some(
        &make_token(&app.store, "ada", Role::Member, Scope::Write, None).await,
    ));
    let vic = client(Some(
        &make_token(&app.store, "vic", Role::Viewer, Scope::Write, None).await,
    ));
    let reader = client(Some(
        &make_token(&app.store, "ada", Role::Member, Scope::Read, None).await,
    ));

    // Who may make one: anyone signed in, viewers too; not a read token, not nobody.
    let mine = create_feed(&app, &ada, "/api/v1/schedules/sydney/feeds").await;
    let admins = create_feed(&app, &app.client, "/api/v1/people/grace/feeds").await;
    let viewers = create_feed(&app, &vic, "/api/v1/people/ada/feeds").await;
    let events_before = audit_total(&app).await;
    for (caller, path, status) in [
        (&app.anon, "/api/v1/schedules/sydney/feeds", 401),
        (&reader, "/api/v1/schedules/sydney/feeds", 403),
        (&ada, "/api/v1/schedules/nope/feeds", 404),
        (&ada, "/api/v1/people/nobody/feeds", 404),
    ] {
        let r = app.call(caller, "POST", path, None).await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
    }
    assert_eq!(
        audit_total(&app).await,
        events_before,
        "refusals change nothing"
    );

    // Everyone lists their own; admins may list all; the list never holds a URL.
    let ids = |r: &Value| -> Vec<i64> {
        r.as_array()
            .expect("feeds")
            .iter()
            .map(|f| f["id"].as_i64().expect("id"))
            .collect()
    };
    let id = |f: &Value| f["feed"]["id"].as_i64().expect("id");
    let listed = app.call(&ada, "GET", "/api/v1/feeds", None).await;
    assert_eq!(ids(&listed.body), vec![id(&mine)]);
    assert!(!listed.text.contains("stwcal_"));
    let listed = app.call(&reader, "GET", "/api/v1/feeds", None).await;
    assert_eq!(
        ids(&listed.body),
        vec![id(&mine)],
        "reading needs no write scope"
    );
    let all = app.get("/api/v1/feeds?all=true").await;
    assert_eq!(ids(&all.body), vec![id(&viewers), id(&admins), id(&mine)]);
    let r = app.call(&ada, "GET", "/api/v1/feeds?all=true", None).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        app.call(&app.anon, "GET", "/api/v1/feeds", None)
            .await
            .status,
        401
    );

    // Someone else's feed is not found; an admin may revoke any.
    let path = |f: &Value| f["path"].as_str().expect("path").to_string();
    fetch(&app, &path(&mine)).await;
    let r = app
        .call(
            &vic,
            "DELETE",
            &format!("/api/v1/feeds/{}", id(&mine)),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = app
        .call(
            &reader,
            "DELETE",
            &format!("/api/v1/feeds/{}", id(&mine)),
            None,
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = app
        .call(
            &ada,
            "DELETE",
            &format!("/api/v1/feeds/{}", id(&mine)),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["revokedAt"].is_string());
    let events_after = audit_total(&app).await;
    assert_eq!(events_after, events_before + 1);
    // Revoking again changes nothing.
    let again = app
        .call(
            &ada,
            "DELETE",
            &format!("/api/v1/feeds/{}", id(&mine)),
            None,
        )
        .await;
    assert_eq!((again.status, &again.body), (200, &r.body));
    assert_eq!(audit_total(&app).await, events_after);
    let r = app.delete(&format!("/api/v1/feeds/{}", id(&viewers))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.delete("/api/v1/feeds/999999").await.status, 404);

    // A revoked feed, an unknown secret and a malformed path get the same plain answer.
    let unknown = format!("/ical/stwcal_{}.ics", "A".repeat(43));
    let mut answers = Vec::new();
    for p in [path(&mine), path(&viewers), unknown, "/ical/nothing".into()] {
        let r = app.call(&app.anon, "GET", &p, None).await;
        answers.push((r.status, r.text));
    }
    assert_eq!(answers[0].0, 404);
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert!(
        !answers[0].1.starts_with('{'),
        "a plain body: {}",
        answers[0].1
    );

    // A feed stands for its account: deactivating the account silences it.
    fetch(&app, &path(&admins)).await;
    let grace_feed = create_feed(&app, &ada, "/api/v1/people/grace/feeds").await;
    fetch(&app, &path(&grace_feed)).await;
    let r = app
        .call(
            &app.client,
            "PATCH",
            "/api/v1/accounts/ada",
            Some(&json!({"active": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.call(&app.anon, "GET", &path(&grace_feed), None).await;
    assert_eq!(r.status, 404);

    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_events where action like 'feed.%' order by id",
    )
    .fetch_all(&app.store.pool)
    .await
    .expect("audit");
    assert_eq!(
        actions,
        [
            "feed.create",
            "feed.create",
            "feed.create",
            "feed.revoke",
            "feed.revoke",
            "feed.create"
        ]
    );
}

async fn long_names_fold_and_survive_a_round_trip(app: TestApp) {
    app.seed().await;
    let name = "Zürich Zahlungsverkehr – Bereitschaft für Überweisungen, Lastschriften; \
                Kartenzahlungen \\ Échéances 🚨 東京 und alles andere, was nachts brennt";
    assert!(name.len() > 150);
    let mut body = sydney("zurich", "payments", &["ada", "grace"]);
    body["name"] = json!(name);
    let r = app.post("/api/v1/schedules", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = create_feed(&app, &app.client, "/api/v1/schedules/zurich/feeds").await;
    let feed = fetch(&app, created["path"].as_str().expect("path")).await;
    assert!(feed.contains("\r\n "), "long lines are folded");
    let parsed = parse(&feed);
    assert_eq!(parsed["name"], name);
    let person_feed = create_feed(&app, &app.client, "/api/v1/people/ada/feeds").await;
    let parsed = parse(&fetch(&app, person_feed["path"].as_str().expect("path")).await);
    let summaries: BTreeSet<&str> = parsed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["summary"].as_str())
        .collect();
    assert_eq!(
        summaries,
        BTreeSet::from([format!("On call: {name}").as_str()])
    );
}

/// With a public URL configured, the answer also holds the whole URL, and events link to the
/// schedule's page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_url_is_absolute_with_a_public_url() {
    let Some(app) = spawn_app_with(Db::Sqlite, |s| {
        s.public_url = Some(url::Url::parse("https://steward.example.com").expect("url"));
    })
    .await
    else {
        return;
    };
    app.seed().await;
    let r = app
        .post(
            "/api/v1/schedules",
            &sydney("sydney", "payments", &["ada", "grace"]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = create_feed(&app, &app.client, "/api/v1/schedules/sydney/feeds").await;
    let path = created["path"].as_str().expect("path");
    assert_eq!(
        created["url"],
        json!(format!("https://steward.example.com{path}"))
    );
    let feed = fetch(&app, path).await;
    assert!(feed.contains("URL:https://steward.example.com/schedules/sydney\r\n"));
}
