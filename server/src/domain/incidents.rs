//! Incidents as pure rules: what a valid incident is (a title, a severity, affected services,
//! one commander, milestones in order), its response times, and the median and p90 over many.

use super::catalog::Errors;
use chrono::{DateTime, Duration, SecondsFormat, Timelike, Utc};
use steward_app::api::incidents::{IncidentInput, Milestones, ResponseTimes, Spread};

pub const SEVERITIES: [&str; 4] = ["SEV1", "SEV2", "SEV3", "SEV4"];
pub const STATUSES: [&str; 4] = ["investigating", "identified", "mitigated", "resolved"];
const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 20_000;
pub const MAX_NOTE: usize = 10_000;
const MAX_SERVICES: usize = 50;
const MAX_INVESTIGATORS: usize = 50;
/// A milestone may lie this far ahead of the server's clock (clocks differ a little).
const CLOCK_SKEW_SECS: i64 = 300;

/// The milestone fields in the order they must be in, with their API names.
pub const MILESTONES: [&str; 5] = [
    "startedAt",
    "detectedAt",
    "acknowledgedAt",
    "mitigatedAt",
    "resolvedAt",
];

/// The milestones parsed, in [`MILESTONES`] order.
pub type Times = [Option<DateTime<Utc>>; 5];

/// An instant as incidents store it: RFC 3339 UTC to the second (stored text sorts in time
/// order).
pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .and_then(|t| t.with_timezone(&Utc).with_nanosecond(0))
}

fn fields(m: &Milestones) -> [&Option<String>; 5] {
    [
        &m.started_at,
        &m.detected_at,
        &m.acknowledged_at,
        &m.mitigated_at,
        &m.resolved_at,
    ]
}

/// A valid input, ready to store: the severity as 1–4, the status, the milestones parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub severity: i64,
    pub status: &'static str,
    pub times: Times,
}

/// Trims the input and drops empty optional text and duplicate handles and services, so that
/// what a form sends compares equal to what was read.
pub fn normalize(input: &mut IncidentInput) {
    input.title = input.title.trim().to_string();
    input.severity = input.severity.trim().to_ascii_uppercase();
    input.commander = input.commander.trim().to_string();
    let clean = |v: &mut Option<String>| {
        *v = v
            .take()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
    };
    clean(&mut input.summary);
    clean(&mut input.status);
    let m = &mut input.milestones;
    for v in [
        &mut m.started_at,
        &mut m.detected_at,
        &mut m.acknowledged_at,
        &mut m.mitigated_at,
        &mut m.resolved_at,
    ] {
        clean(v);
    }
    for list in [&mut input.services, &mut input.investigators] {
        let mut seen = std::collections::HashSet::new();
        list.retain_mut(|s| {
            *s = s.trim().to_string();
            !s.is_empty() && seen.insert(s.clone())
        });
    }
}

/// Every problem of `input`, field by field; `now` fills in a missing detection (the
/// declaration) and bounds the milestones (none in the future).
pub fn check(input: &IncidentInput, now: DateTime<Utc>) -> Result<Checked, Errors> {
    let mut errors = Errors::default();
    if input.title.is_empty() {
        errors.add(
            "title",
            "must not be empty: say what is broken, as users see it",
        );
    } else if input.title.chars().count() > MAX_TITLE {
        errors.add("title", format!("must be at most {MAX_TITLE} characters"));
    }
    let severity = SEVERITIES
        .iter()
        .position(|s| *s == input.severity)
        .map(|i| i as i64 + 1);
    if severity.is_none() {
        errors.add("severity", "must be one of SEV1, SEV2, SEV3, SEV4");
    }
    if input.services.is_empty() {
        errors.add("services", "name at least one affected service");
    } else if input.services.len() > MAX_SERVICES {
        errors.add("services", format!("at most {MAX_SERVICES} services"));
    }
    if input.commander.is_empty() {
        errors.add(
            "commander",
            "name the one person who makes the final call (the incident commander)",
        );
    }
    if input.investigators.len() > MAX_INVESTIGATORS {
        errors.add(
            "investigators",
            format!("at most {MAX_INVESTIGATORS} people"),
        );
    }
    if input
        .summary
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SUMMARY)
    {
        errors.add(
            "summary",
            format!("must be at most {MAX_SUMMARY} characters"),
        );
    }
    let mut times: Times = [None; 5];
    for (i, (name, value)) in MILESTONES.iter().zip(fields(&input.milestones)).enumerate() {
        let Some(text) = value else { continue };
        match parse(text) {
            None => errors.add(
                *name,
                format!("'{text}' is not an RFC 3339 instant (2026-03-08T09:00:00Z)"),
            ),
            Some(t) if t > now + Duration::seconds(CLOCK_SKEW_SECS) => {
                errors.add(*name, "must not be in the future")
            }
            Some(t) => times[i] = Some(t),
        }
    }
    if input.milestones.detected_at.is_none() {
        times[1] = Some(now.with_nanosecond(0).unwrap_or(now));
    }
    let status = match input.status.as_deref() {
        None if times[4].is_some() => Some("resolved"),
        None => Some("investigating"),
        Some(s) => STATUSES.iter().copied().find(|k| *k == s),
    };
    match status {
        None => errors.add(
            "status",
            "must be one of investigating, identified, mitigated, resolved",
        ),
        Some("resolved") if times[4].is_none() => {
            times[4] = Some(now.with_nanosecond(0).unwrap_or(now));
        }
        Some(s) if s != "resolved" && times[4].is_some() => errors.add(
            "status",
            format!("is '{s}' but the incident has a resolvedAt: clear it to reopen"),
        ),
        _ => {}
    }
    if status == Some("mitigated") && times[3].is_none() {
        times[3] = Some(now.with_nanosecond(0).unwrap_or(now));
    }
    // Each milestone known must not come before any earlier one known.
    for later in 1..5 {
        let Some(t) = times[later] else { continue };
        if let Some(earlier) = (0..later).rev().find(|&e| times[e].is_some()) {
            let e = times[earlier].unwrap_or(t);
            if t < e {
                errors.add(
                    MILESTONES[later],
                    format!(
                        "must not be before {} ({}): milestones go started ≤ detected ≤ \
                         acknowledged ≤ mitigated ≤ resolved",
                        MILESTONES[earlier],
                        instant(e)
                    ),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Checked {
        severity: severity.unwrap_or(4),
        status: status.unwrap_or("investigating"),
        times,
    })
}

/// The response times of one incident, from its milestones.
pub fn response_times(t: &Times) -> ResponseTimes {
    response_secs(t.map(|m| m.map(|m| m.timestamp())))
}

/// The same from the milestones as seconds since 1970 (what the metrics read in bulk).
pub fn response_secs(t: [Option<i64>; 5]) -> ResponseTimes {
    let secs = |a: Option<i64>, b: Option<i64>| a.zip(b).map(|(a, b)| b - a);
    let impact = t[0].or(t[1]);
    ResponseTimes {
        detect_secs: secs(t[0], t[1]),
        acknowledge_secs: secs(t[1], t[2]),
        mitigate_secs: secs(impact, t[3]),
        resolve_secs: secs(impact, t[4]),
    }
}

/// The value at quantile `q` (0–1) of sorted `values`, interpolating linearly between the
/// two nearest ranks (the median of 1, 2, 3, 10 is 2.5).
pub fn quantile(sorted: &[i64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = q.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let (a, b) = (sorted[lo] as f64, sorted[hi] as f64);
    Some(a + (b - a) * (rank - lo as f64))
}

/// Median and p90 of `values` (in any order).
pub fn spread(mut values: Vec<i64>) -> Spread {
    values.sort_unstable();
    Spread {
        count: values.len() as i64,
        median_secs: quantile(&values, 0.5),
        p90_secs: quantile(&values, 0.9),
    }
}

#[cfg(test)]
mod tests;
