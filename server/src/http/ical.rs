//! `GET /ical/{secret}.ics`: calendar feeds for calendar apps, which cannot sign in — the
//! secret in the URL is the credential, so this route sits outside `/api/v1` and answers
//! without a session or token. Unknown and revoked secrets get the same plain 404.

mod rfc5545;

use super::AppState;
use crate::error::Result;
use crate::store::oncall::{self, FeedCalendar, Stretch, Target};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use rfc5545::Writer;

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/ical/{file}", get(feed))
        .with_state(state)
}

/// The path as logged: a feed's secret stays out of the logs.
pub fn redact(path: &str) -> &str {
    if path.starts_with("/ical/") {
        "/ical/…"
    } else {
        path
    }
}

async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response> {
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let now = Utc::now();
    let (from, to) = oncall::feed_window(now);
    let calendar = match oncall::feed_by_secret(&state.store, secret).await? {
        Some(Target::Schedule(slug)) => {
            oncall::schedule_calendar(&state.store, &slug, from, to).await?
        }
        Some(Target::Person(handle)) => {
            oncall::person_calendar(&state.store, &handle, from, to).await?
        }
        None => None,
    };
    let Some(calendar) = calendar else {
        return Ok((
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "No such calendar feed: it may have been revoked.\n",
        )
            .into_response());
    };
    let body = render(&calendar, now, state.auth.public_origin.as_deref());
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
        (header::CACHE_CONTROL, "private, max-age=300"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_DISPOSITION,
            "inline; filename=\"on-call.ics\"",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(response)
}

/// The UID of a stretch: built from what makes it that stretch (the feed's kind, the
/// schedule, the person, its true start), so it is the same in every export.
fn uid(person_feed: bool, s: &Stretch) -> String {
    let who = s.person.as_deref().unwrap_or("gap");
    let kind = if person_feed { "person" } else { "schedule" };
    format!(
        "{kind}-{}-{who}-{}@steward",
        s.schedule,
        s.start.timestamp()
    )
}

fn summary(person_feed: bool, s: &Stretch) -> String {
    let person = || s.person_name.clone().or_else(|| s.person.clone());
    match (person_feed, person()) {
        (true, _) => format!("On call: {}", s.schedule_name),
        (false, None) => "Gap: nobody on call".into(),
        (false, Some(name)) if s.source == "override" => format!("On call: {name} (override)"),
        (false, Some(name)) => format!("On call: {name}"),
    }
}

fn description(calendar: &FeedCalendar, s: &Stretch) -> String {
    let mut lines = vec![match (&s.person, &s.person_name) {
        (Some(h), name) => format!(
            "{} ({h}) is on call for {}.",
            name.as_deref().unwrap_or(h),
            s.schedule_name
        ),
        (None, _) => format!("Nobody is on call for {}.", s.schedule_name),
    }];
    lines.push(match (s.source, &s.layer, s.override_id) {
        ("layer", Some(layer), _) => format!("From the rotation of layer {layer}."),
        ("override", _, Some(id)) => format!("From override {id}."),
        ("gap", _, _) => "No layer or override covers this time.".into(),
        _ => format!("From: {}.", s.source),
    });
    let mut zones = vec![s.schedule_zone];
    if let Some((_, zone)) = &calendar.person {
        if *zone != s.schedule_zone {
            zones.push(*zone);
        }
    }
    for zone in zones {
        lines.push(format!(
            "{}: {} to {}",
            zone.name(),
            oncall::local_text(zone, s.start),
            oncall::local_text(zone, s.end)
        ));
    }
    lines.join("\n")
}

/// The feed as an RFC 5545 calendar: one VEVENT per stretch, all times in UTC.
fn render(calendar: &FeedCalendar, now: DateTime<Utc>, origin: Option<&str>) -> String {
    let person_feed = calendar.person.is_some();
    let mut w = Writer::default();
    w.begin("VCALENDAR")
        .raw("VERSION", "2.0")
        .raw("PRODID", "-//Steward//On-call//EN")
        .raw("CALSCALE", "GREGORIAN")
        .raw("METHOD", "PUBLISH")
        // RFC 7986's NAME, and the older X-WR-CALNAME that most calendar apps read.
        .text("NAME", &calendar.name)
        .text("X-WR-CALNAME", &calendar.name)
        .raw("REFRESH-INTERVAL;VALUE=DURATION", "PT1H")
        .raw("X-PUBLISHED-TTL", "PT1H");
    for s in &calendar.stretches {
        w.begin("VEVENT")
            .raw("UID", &uid(person_feed, s))
            .utc("DTSTAMP", now)
            .utc("DTSTART", s.start)
            .utc("DTEND", s.end)
            .text("SUMMARY", &summary(person_feed, s))
            .text("DESCRIPTION", &description(calendar, s))
            // Being on call is not being busy: free/busy lookups should not see it.
            .raw("TRANSP", "TRANSPARENT");
        if let Some(origin) = origin {
            w.raw("URL", &format!("{origin}/schedules/{}", s.schedule));
        }
        w.end("VEVENT");
    }
    w.end("VCALENDAR");
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("instant")
            .with_timezone(&Utc)
    }

    fn stretch(person: Option<&str>, start: &str, end: &str, source: &'static str) -> Stretch {
        Stretch {
            schedule: "payments".into(),
            schedule_name: "Payments, nights".into(),
            schedule_zone: chrono_tz::Europe::Berlin,
            person: person.map(String::from),
            person_name: person.map(|p| format!("{p} L.")),
            start: at(start),
            end: at(end),
            source,
            layer: (source == "layer").then(|| "Primary".into()),
            override_id: (source == "override").then_some(7),
        }
    }

    #[test]
    fn a_schedule_feed_renders_stretches_and_gaps() {
        let calendar = FeedCalendar {
            name: "Payments, nights".into(),
            person: None,
            stretches: vec![
                stretch(
                    Some("ada"),
                    "2027-03-22T08:00:00Z",
                    "2027-03-29T07:00:00Z",
                    "layer",
                ),
                stretch(None, "2027-03-29T07:00:00Z", "2027-03-30T07:00:00Z", "gap"),
            ],
        };
        let text = render(
            &calendar,
            at("2027-03-01T12:00:00Z"),
            Some("https://steward.example.com"),
        );
        let lines: Vec<&str> = text.split("\r\n").collect();
        for expected in [
            "X-WR-CALNAME:Payments\\, nights",
            "UID:schedule-payments-ada-1805702400@steward",
            "DTSTAMP:20270301T120000Z",
            "DTSTART:20270322T080000Z",
            "DTEND:20270329T070000Z",
            "SUMMARY:On call: ada L.",
            "UID:schedule-payments-gap-1806303600@steward",
            "SUMMARY:Gap: nobody on call",
            "URL:https://steward.example.com/schedules/payments",
        ] {
            assert!(lines.contains(&expected), "{expected} missing from\n{text}");
        }
        // Berlin's clocks go forward on 2027-03-28: 09:00 CET to 09:00 CEST.
        assert!(text
            .replace("\r\n ", "")
            .contains("Europe/Berlin: 2027-03-22 09:00 to 2027-03-29 09:00"));
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    }

    #[test]
    fn a_person_feed_names_the_schedule_and_both_clocks() {
        let calendar = FeedCalendar {
            name: "On call: ada L.".into(),
            person: Some(("ada".into(), chrono_tz::America::New_York)),
            stretches: vec![stretch(
                Some("ada"),
                "2027-03-22T08:00:00Z",
                "2027-03-23T08:00:00Z",
                "override",
            )],
        };
        let text = render(&calendar, at("2027-03-01T12:00:00Z"), None).replace("\r\n ", "");
        assert!(text.contains("UID:person-payments-ada-1805702400@steward\r\n"));
        assert!(text.contains("SUMMARY:On call: Payments\\, nights\r\n"));
        assert!(text.contains("From override 7."));
        assert!(text.contains("America/New_York: 2027-03-22 04:00 to 2027-03-23 04:00"));
        assert!(!text.contains("URL:"));
    }

    #[test]
    fn secrets_stay_out_of_logged_paths() {
        assert_eq!(redact("/ical/stwcal_abc.ics"), "/ical/…");
        assert_eq!(redact("/api/v1/feeds"), "/api/v1/feeds");
    }
}
