//! The three fix tiers as pure rules (seed 000: "the key is not letting the short term become
//! the long term"): what each tier must say, the defaults, and the decay rules over a
//! service's open fixes and its resolved incidents.

use super::catalog::Errors;
use super::checks::{
    self as checks, Applies, Category, Ctx, Level, Outcome, RuleDef, Settings, Severity, SOON_DAYS,
};
use chrono::{DateTime, Duration, SecondsFormat, Timelike, Utc};
use steward_app::api::fixes::FixInput;

pub const TIERS: [&str; 3] = ["short-term", "proper", "future"];
pub const STATES: [&str; 3] = ["open", "done", "not-doing"];
/// A short-term fix expires this long after it was applied unless told otherwise.
pub const DEFAULT_EXPIRY_DAYS: i64 = 14;
/// A future fix on a service with a repository should be a GitHub issue after this long.
pub const ISSUE_AFTER_DAYS: i64 = 7;
const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 20_000;

pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse(field: &str, text: &str, errors: &mut Errors) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(text.trim()) {
        Ok(t) => t.with_timezone(&Utc).with_nanosecond(0),
        Err(_) => {
            errors.add(
                field,
                format!("'{text}' is not an RFC 3339 instant (2026-03-08T09:00:00Z)"),
            );
            None
        }
    }
}

/// Trims text and drops empty optional fields.
pub fn normalize(input: &mut FixInput) {
    input.tier = input.tier.trim().to_ascii_lowercase();
    input.service = input.service.trim().to_string();
    input.title = input.title.trim().to_string();
    for v in [
        &mut input.description,
        &mut input.owner,
        &mut input.applied_at,
        &mut input.applied_by,
        &mut input.expires_at,
        &mut input.due_at,
        &mut input.why_it_matters,
        &mut input.direction,
        &mut input.state,
        &mut input.reason,
    ] {
        *v = v
            .take()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
    }
}

/// A checked input: its times parsed, defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub tier: &'static str,
    pub state: &'static str,
    pub applied_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Every problem of `input` that needs nothing but the input; `new` is a first save (an
/// expiry or due date in the past is refused then, and when it changes).
pub fn check(
    input: &FixInput,
    now: DateTime<Utc>,
    unchanged_times: (Option<&str>, Option<&str>),
) -> Result<Checked, Errors> {
    let mut errors = Errors::default();
    let tier = TIERS.iter().copied().find(|t| *t == input.tier);
    if tier.is_none() {
        errors.add("tier", "must be short-term, proper or future");
    }
    if input.service.is_empty() {
        errors.add("service", "name the service the fix is for");
    }
    if input.title.is_empty() {
        errors.add("title", "must not be empty: say what the fix is");
    } else if input.title.chars().count() > MAX_TITLE {
        errors.add("title", format!("must be at most {MAX_TITLE} characters"));
    }
    for (name, v) in [
        ("description", &input.description),
        ("whyItMatters", &input.why_it_matters),
        ("direction", &input.direction),
        ("reason", &input.reason),
    ] {
        if v.as_ref().is_some_and(|v| v.chars().count() > MAX_TEXT) {
            errors.add(name, format!("must be at most {MAX_TEXT} characters"));
        }
    }
    let state = match input.state.as_deref() {
        None => Some("open"),
        Some(s) => STATES.iter().copied().find(|k| *k == s),
    };
    match state {
        None => errors.add("state", "must be open, done or not-doing"),
        Some("not-doing") if input.reason.is_none() => {
            errors.add("reason", "say why it will not be done")
        }
        _ => {}
    }
    let now = now.with_nanosecond(0).unwrap_or(now);
    let when = |field: &str, v: &Option<String>, errors: &mut Errors| {
        v.as_deref().and_then(|t| parse(field, t, errors))
    };
    let mut applied_at = when("appliedAt", &input.applied_at, &mut errors);
    let mut expires_at = when("expiresAt", &input.expires_at, &mut errors);
    let due_at = when("dueAt", &input.due_at, &mut errors);
    let open = state == Some("open");
    // A date in the past is refused when it is set, not when an old one is sent back.
    let fresh = |v: &Option<String>, old: Option<&str>| v.as_deref() != old;
    match tier {
        Some("short-term") => {
            if applied_at.is_some_and(|a| a > now + Duration::minutes(5)) {
                errors.add("appliedAt", "must not be in the future");
            }
            let applied = *applied_at.get_or_insert(now);
            let expiry = *expires_at.get_or_insert(applied + Duration::days(DEFAULT_EXPIRY_DAYS));
            if open
                && expiry <= now
                && input.expires_at.is_some()
                && fresh(&input.expires_at, unchanged_times.0)
            {
                errors.add(
                    "expiresAt",
                    "must be in the future: a dirty fix gets a date by which it is gone",
                );
            } else if expiry <= applied {
                errors.add("expiresAt", "must be after appliedAt");
            }
            if input.due_at.is_some() {
                errors.add("dueAt", "is for proper fixes");
            }
            if input.retires.is_some() {
                errors.add("retires", "is for proper fixes");
            }
        }
        Some("proper") => {
            match due_at {
                None if input.due_at.is_none() => {
                    errors.add("dueAt", "a proper fix needs a due date")
                }
                Some(d) if open && d <= now && fresh(&input.due_at, unchanged_times.1) => {
                    errors.add("dueAt", "must be in the future")
                }
                _ => {}
            }
            for (name, v) in [
                ("appliedAt", &input.applied_at),
                ("expiresAt", &input.expires_at),
            ] {
                if v.is_some() {
                    errors.add(name, "is for short-term fixes");
                }
            }
        }
        Some("future") => {
            if input.description.is_none() {
                errors.add(
                    "description",
                    "say what happened: someone will read this months from now",
                );
            }
            if input.why_it_matters.is_none() {
                errors.add("whyItMatters", "say why it matters");
            }
            if input.direction.is_none() {
                errors.add("direction", "suggest a direction");
            }
            for (name, v) in [
                ("appliedAt", &input.applied_at),
                ("expiresAt", &input.expires_at),
                ("dueAt", &input.due_at),
            ] {
                if v.is_some() {
                    errors.add(name, "is not for future fixes");
                }
            }
            if input.retires.is_some() {
                errors.add("retires", "is for proper fixes");
            }
        }
        _ => {}
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Checked {
        tier: tier.unwrap_or("future"),
        state: state.unwrap_or("open"),
        applied_at,
        expires_at,
        due_at,
    })
}

// ---------------------------------------------------------------------------------------
// Rules for the decay checks

/// Where an open fix stands against its date, computed when the snapshot is read (so the
/// facts hash moves only when it crosses a line, not every hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    Fine,
    /// Within the "fails soon" horizon of its date.
    Soon,
    /// Past it.
    Late,
}

impl Phase {
    pub fn of(date: DateTime<Utc>, now: DateTime<Utc>) -> Phase {
        if date <= now {
            Phase::Late
        } else if date <= now + Duration::days(SOON_DAYS) {
            Phase::Soon
        } else {
            Phase::Fine
        }
    }
}

/// An open fix of a service, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FixFacts {
    pub id: i64,
    pub tier: &'static str,
    pub title: String,
    /// The expiry (short-term), due date (proper), or the day a GitHub issue is expected
    /// (future).
    pub date: DateTime<Utc>,
    pub phase: Phase,
    pub has_issue: bool,
}

/// A resolved SEV1–2 incident on a service with no fix recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnfixedIncident {
    pub id: i64,
    pub severity: i64,
    pub resolved_at: DateTime<Utc>,
}

fn rule_settings(severity: Severity, level: Level, weight: i64) -> Settings {
    Settings {
        enabled: true,
        severity,
        level,
        weight,
        applies: Applies::default(),
        thresholds: None,
        enforced_from: None,
    }
}

pub static RULES: &[RuleDef] = &[
    RuleDef {
        id: "fix.short-term-expired",
        title: "No dirty fix past its expiry",
        description: "Every short-term fix is retired by a proper fix before it expires: \
            the short term must not become the long term.",
        how_to_fix: "Finish the proper fix that retires it, or give the short-term fix a new \
            expiry with the reason it still stands.",
        category: Category::Operations,
        defaults: || rule_settings(Severity::High, Level::Bronze, 8),
        threshold_label: None,
        eval: short_term_expired,
    },
    RuleDef {
        id: "fix.proper-overdue",
        title: "No proper fix overdue",
        description: "Proper fixes of root causes are done by their due date.",
        how_to_fix: "Finish it, or agree a new due date with its owner.",
        category: Category::Operations,
        defaults: || rule_settings(Severity::Medium, Level::Silver, 5),
        threshold_label: None,
        eval: proper_overdue,
    },
    RuleDef {
        id: "fix.future-filed",
        title: "Future fixes are filed",
        description: "A future fix on a service with a repository is a GitHub issue within \
            7 days, where the people who will do it look.",
        how_to_fix: "File it on GitHub from the fix (Steward writes the issue with its \
            context).",
        category: Category::Operations,
        defaults: || rule_settings(Severity::Low, Level::Gold, 2),
        threshold_label: None,
        eval: future_filed,
    },
    RuleDef {
        id: "incident.fix-recorded",
        title: "Serious incidents have fixes",
        description: "A resolved SEV1 or SEV2 incident has at least one fix recorded (short \
            term, proper or future) within a few days.",
        how_to_fix: "Record what stopped the bleeding, the proper fix and what the incident \
            revealed, on the incident.",
        category: Category::Operations,
        defaults: || Settings {
            thresholds: Some([3, 3, 3, 3]),
            ..rule_settings(Severity::High, Level::Silver, 6)
        },
        threshold_label: Some("days after resolution"),
        eval: incident_fixed,
    },
];

fn open_of<'a>(s: &'a checks::ServiceFacts, tier: &'a str) -> impl Iterator<Item = &'a FixFacts> {
    s.fixes.iter().filter(move |f| f.tier == tier)
}

fn dated(
    s: &checks::ServiceFacts,
    tier: &str,
    late: impl Fn(&FixFacts) -> String,
    soon: impl Fn(&FixFacts) -> String,
) -> Vec<Outcome> {
    open_of(s, tier)
        .filter_map(|f| match f.phase {
            Phase::Late => Some(Outcome::Fail {
                subject: f.id.to_string(),
                message: late(f),
                details: serde_json::json!({"fix": f.id, "date": instant(f.date)}),
            }),
            Phase::Soon => Some(Outcome::Soon {
                subject: f.id.to_string(),
                at: f.date,
                reason: soon(f),
            }),
            Phase::Fine => None,
        })
        .collect()
}

fn short_term_expired(_: &Ctx<'_>, s: &checks::ServiceFacts) -> Vec<Outcome> {
    dated(
        s,
        "short-term",
        |f| {
            format!(
                "short-term fix {} “{}” expired on {} and no proper fix has retired it",
                f.id,
                f.title,
                f.date.format("%Y-%m-%d")
            )
        },
        |f| {
            format!(
                "short-term fix {} expires on {}",
                f.id,
                f.date.format("%Y-%m-%d")
            )
        },
    )
}

fn proper_overdue(_: &Ctx<'_>, s: &checks::ServiceFacts) -> Vec<Outcome> {
    dated(
        s,
        "proper",
        |f| {
            format!(
                "proper fix {} “{}” was due on {}",
                f.id,
                f.title,
                f.date.format("%Y-%m-%d")
            )
        },
        |f| {
            format!(
                "proper fix {} is due on {}",
                f.id,
                f.date.format("%Y-%m-%d")
            )
        },
    )
}

fn future_filed(_: &Ctx<'_>, s: &checks::ServiceFacts) -> Vec<Outcome> {
    if s.repository.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return vec![Outcome::NotApplicable];
    }
    open_of(s, "future")
        .filter(|f| !f.has_issue && f.phase == Phase::Late)
        .map(|f| {
            Outcome::fail(
                f.id.to_string(),
                format!(
                    "future fix {} “{}” has no GitHub issue {ISSUE_AFTER_DAYS} days after it \
                     was recorded",
                    f.id, f.title
                ),
            )
        })
        .collect()
}

fn incident_fixed(ctx: &Ctx<'_>, s: &checks::ServiceFacts) -> Vec<Outcome> {
    let days = ctx.threshold(s, 3);
    s.unfixed_incidents
        .iter()
        .map(|(i, age_days)| {
            if *age_days >= days {
                Outcome::fail(
                    i.id.to_string(),
                    format!(
                        "incident {} (SEV{}) was resolved on {} and has no fix recorded",
                        i.id,
                        i.severity,
                        i.resolved_at.format("%Y-%m-%d")
                    ),
                )
            } else {
                Outcome::Soon {
                    subject: i.id.to_string(),
                    at: i.resolved_at + Duration::days(days),
                    reason: format!("incident {} has no fix recorded yet", i.id),
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
