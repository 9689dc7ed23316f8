//! Runbooks as pure rules: what a valid runbook is, how its markdown becomes HTML that is
//! safe to put in a page, what differs between two versions, when a review is due, and why a
//! runbook is suspect (the service it describes changed after it was last reviewed).

use super::catalog::{check_link, Errors};
use super::checks::{
    self as checks, Category, Ctx, Level, Outcome, RuleDef, Settings, Severity, SOON_DAYS, WHOLE,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use steward_app::api::runbooks::{DiffLine, FailureMode, RunbookInput};
use steward_app::api::Link;

/// The markdown body's limit, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
const MAX_ITEMS: usize = 100;
const MAX_FIELD_CHARS: usize = 4000;
const MAX_NOTE_CHARS: usize = 500;

/// Line endings as `\n` (browsers send form text with `\r\n`) and item fields trimmed, so
/// that saving what was read compares equal to it.
pub fn normalize(input: &mut RunbookInput) {
    input.body = input.body.replace("\r\n", "\n");
    for m in &mut input.failure_modes {
        for field in [
            &mut m.symptom,
            &mut m.confirm,
            &mut m.mitigation,
            &mut m.escalate_to,
        ] {
            *field = field.replace("\r\n", "\n").trim().to_string();
        }
    }
    for l in &mut input.links {
        l.title = l.title.trim().to_string();
        l.url = l.url.trim().to_string();
    }
    input.note = input
        .note
        .take()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
}

/// Every problem of a runbook, field by field (`failureModes.0.symptom`, `links.1.url`).
pub fn validate(input: &RunbookInput) -> Errors {
    let mut errors = Errors::default();
    if input.body.len() > MAX_BODY_BYTES {
        errors.add(
            "body",
            format!(
                "is {} KB; a runbook may be at most {} KB",
                input.body.len().div_ceil(1024),
                MAX_BODY_BYTES / 1024
            ),
        );
    }
    if input.failure_modes.len() > MAX_ITEMS {
        errors.add("failureModes", format!("at most {MAX_ITEMS} failure modes"));
    }
    for (i, m) in input.failure_modes.iter().enumerate() {
        if m.symptom.trim().is_empty() {
            errors.add(
                format!("failureModes.{i}.symptom"),
                "must not be empty: say what people see when this happens",
            );
        }
        for (name, value) in [
            ("symptom", &m.symptom),
            ("confirm", &m.confirm),
            ("mitigation", &m.mitigation),
            ("escalateTo", &m.escalate_to),
        ] {
            if value.chars().count() > MAX_FIELD_CHARS {
                errors.add(
                    format!("failureModes.{i}.{name}"),
                    format!("must be at most {MAX_FIELD_CHARS} characters"),
                );
            }
        }
    }
    if input.links.len() > MAX_ITEMS {
        errors.add("links", format!("at most {MAX_ITEMS} links"));
    }
    for (i, link) in input.links.iter().enumerate() {
        check_link(&mut errors, i, link);
    }
    if input
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        errors.add(
            "note",
            format!("must be at most {MAX_NOTE_CHARS} characters"),
        );
    }
    errors
}

/// Markdown to HTML that cannot run anything: raw HTML in the markdown is shown as text, and
/// the result goes through ammonia's allow-list (no scripts, event handlers, `style`, or
/// `javascript:`/`data:` URLs; links get `rel="noopener noreferrer"`).
pub fn render(markdown: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser};
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into())
        .clean(&html)
        .to_string()
}

/// The failure modes as text, for a line diff: one block per mode.
pub fn failure_modes_text(modes: &[FailureMode]) -> String {
    let mut out = String::new();
    for (i, m) in modes.iter().enumerate() {
        out.push_str(&format!("{}. Symptom: {}\n", i + 1, m.symptom));
        for (label, value) in [
            ("Confirm", &m.confirm),
            ("Mitigation", &m.mitigation),
            ("Escalate to", &m.escalate_to),
        ] {
            for (j, line) in value.lines().enumerate() {
                let label = if j == 0 { label } else { "" };
                out.push_str(&format!("   {label:<11} {line}\n"));
            }
        }
    }
    out
}

/// The links as text, one per line.
pub fn links_text(links: &[Link]) -> String {
    links
        .iter()
        .map(|l| format!("{} <{}>\n", l.title, l.url))
        .collect()
}

/// The line difference from `old` to `new`.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    use similar::{ChangeTag, TextDiff};
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            tag: match c.tag() {
                ChangeTag::Equal => "equal",
                ChangeTag::Insert => "insert",
                ChangeTag::Delete => "delete",
            }
            .into(),
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

/// Review intervals in days, for tiers 1 to 4.
pub fn review_interval(days_by_tier: &[i64; 4], tier: i64) -> i64 {
    let i = usize::try_from(tier.clamp(1, 4) - 1).unwrap_or(3);
    days_by_tier[i]
}

/// When the next review is due, and whether that moment has passed.
pub fn review_due(
    reviewed_at: DateTime<Utc>,
    interval_days: i64,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, bool) {
    let due = reviewed_at + Duration::days(interval_days);
    (due, now > due)
}

/// The facts about a service a runbook depends on; stored at each save and review, and
/// compared with the service as it is now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ServiceFacts {
    /// Owning team slugs, sorted.
    pub owners: Vec<String>,
    /// Slugs of the services it depends on, sorted.
    pub dependencies: Vec<String>,
    pub repository: Option<String>,
    pub tier: i64,
}

impl ServiceFacts {
    pub fn new(
        mut owners: Vec<String>,
        mut dependencies: Vec<String>,
        repository: Option<String>,
        tier: i64,
    ) -> Self {
        owners.sort();
        owners.dedup();
        dependencies.sort();
        dependencies.dedup();
        ServiceFacts {
            owners,
            dependencies,
            repository,
            tier,
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

/// What changed between the service as last reviewed and as it is now, in words:
/// `owners changed: payments → payments, platform`. Empty when nothing did.
pub fn suspect_reasons(reviewed: &ServiceFacts, now: &ServiceFacts) -> Vec<String> {
    let mut reasons = Vec::new();
    if reviewed.owners != now.owners {
        reasons.push(format!(
            "owners changed: {} → {}",
            list(&reviewed.owners),
            list(&now.owners)
        ));
    }
    if reviewed.dependencies != now.dependencies {
        reasons.push(format!(
            "dependencies changed: {} → {}",
            list(&reviewed.dependencies),
            list(&now.dependencies)
        ));
    }
    if reviewed.repository != now.repository {
        let show = |r: &Option<String>| r.clone().unwrap_or_else(|| "(none)".into());
        reasons.push(format!(
            "repository changed: {} → {}",
            show(&reviewed.repository),
            show(&now.repository)
        ));
    }
    if reviewed.tier != now.tier {
        reasons.push(format!("tier changed: {} → {}", reviewed.tier, now.tier));
    }
    reasons
}

// ---------------------------------------------------------------------------------------
// Rules for the decay checks

/// The review interval's defaults, tiers 1 to 4; admins change them on the rule
/// `runbook.review`, whose thresholds they are.
pub const REVIEW_DAYS: [i64; 4] = [90, 180, 365, 365];
/// The rule whose thresholds are the review intervals.
pub const REVIEW_RULE: &str = "runbook.review";

/// Services in production (or on their way out) of `tiers` (all when empty): experimental
/// services are not held to them.
pub static RULES: &[RuleDef] = &[
    RuleDef {
        id: "runbook.exists",
        title: "Has a runbook",
        description: "Tier 1 and 2 services have a runbook: what fails, how to confirm it,             what to do and whom to call.",
        how_to_fix: "Open the service's runbook and write its top failure modes.",
        category: Category::Operations,
        defaults: || Settings::production(Severity::High, Level::Bronze, 8, &[1, 2], None),
        threshold_label: None,
        eval: has_runbook,
    },
    RuleDef {
        id: REVIEW_RULE,
        title: "Runbook reviewed recently",
        description: "Someone read the runbook within the review interval of the service's             tier and saved it or marked it reviewed.",
        how_to_fix: "Read the runbook against the service as it runs today; correct it, or             mark it reviewed.",
        category: Category::Operations,
        defaults: || Settings::production(Severity::Medium, Level::Silver, 4, &[], Some(REVIEW_DAYS)),
        threshold_label: Some("days between reviews"),
        eval: reviewed_recently,
    },
    RuleDef {
        id: "runbook.suspect",
        title: "Runbook reviewed since the service changed",
        description: "The service's owners, dependencies, repository and tier are what they             were when the runbook was last reviewed.",
        how_to_fix: "Check the runbook against what changed (shown on the finding) and save             it or mark it reviewed.",
        category: Category::Operations,
        defaults: || Settings::production(Severity::Medium, Level::Silver, 4, &[], None),
        threshold_label: None,
        eval: not_suspect,
    },
    RuleDef {
        id: "runbook.failure-modes",
        title: "Runbook lists the top failure modes",
        description: "A tier 1 runbook names at least three ways the service fails, each             with what to do.",
        how_to_fix: "Add the failure modes you have seen in incidents: symptom, how to             confirm, mitigation, whom to escalate to.",
        category: Category::Operations,
        defaults: || Settings::production(Severity::Medium, Level::Gold, 3, &[1], Some([3, 3, 3, 3])),
        threshold_label: Some("failure modes at least"),
        eval: failure_modes,
    },
];

fn has_runbook(_: &Ctx<'_>, s: &checks::ServiceFacts) -> Vec<Outcome> {
    match &s.runbook {
        Some(_) => Vec::new(),
        None => vec![Outcome::fail(
            WHOLE,
            format!("a tier {} service has no runbook", s.tier),
        )],
    }
}

fn reviewed_recently(ctx: &Ctx<'_>, s: &checks::ServiceFacts) -> Vec<Outcome> {
    let Some(r) = &s.runbook else {
        return vec![Outcome::NotApplicable];
    };
    let days = ctx.threshold(s, review_interval(&REVIEW_DAYS, s.tier));
    let due = r.reviewed_at + Duration::days(days);
    if r.age_days >= days {
        vec![Outcome::Fail {
            subject: WHOLE.into(),
            message: format!(
                "last reviewed {} days ago (on {}); tier {} runbooks are reviewed every {days} days",
                r.age_days,
                r.reviewed_at.format("%Y-%m-%d"),
                s.tier
            ),
            details: serde_json::json!({"reviewedAt": r.reviewed_at.to_rfc3339(),
                "ageDays": r.age_days, "intervalDays": days, "dueAt": due.to_rfc3339()}),
        }]
    } else if r.age_days >= days - SOON_DAYS {
        vec![Outcome::Soon {
            subject: WHOLE.into(),
            at: due,
            reason: format!("the runbook's review is due on {}", due.format("%Y-%m-%d")),
        }]
    } else {
        Vec::new()
    }
}

fn not_suspect(_: &Ctx<'_>, s: &checks::ServiceFacts) -> Vec<Outcome> {
    let Some(r) = &s.runbook else {
        return vec![Outcome::NotApplicable];
    };
    let now = ServiceFacts::new(
        s.owners.clone(),
        s.depends_on.clone(),
        s.repository.clone(),
        s.tier,
    );
    let mut reasons = suspect_reasons(&r.reviewed, &now);
    reasons.extend(incident_reasons(r.reviewed_at, &r.incidents_since));
    if reasons.is_empty() {
        return Vec::new();
    }
    vec![Outcome::Fail {
        subject: WHOLE.into(),
        message: format!(
            "the service changed since the runbook was last reviewed ({}): {}",
            r.reviewed_at.format("%Y-%m-%d"),
            reasons.join("; ")
        ),
        details: serde_json::json!({"reviewedAt": r.reviewed_at.to_rfc3339(), "reasons": reasons}),
    }]
}

fn failure_modes(ctx: &Ctx<'_>, s: &checks::ServiceFacts) -> Vec<Outcome> {
    let Some(r) = &s.runbook else {
        return vec![Outcome::NotApplicable];
    };
    let min = ctx.threshold(s, 3);
    if (r.failure_modes as i64) < min {
        vec![Outcome::fail(
            WHOLE,
            format!(
                "the runbook lists {} failure mode(s); a tier {} runbook names at least {min}",
                r.failure_modes, s.tier
            ),
        )]
    } else {
        Vec::new()
    }
}

/// An incident on a service, resolved at `resolved_at`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResolvedIncident {
    pub id: i64,
    /// 1 (SEV1) to 4.
    pub severity: i64,
    pub resolved_at: DateTime<Utc>,
}

/// The incidents resolved after `reviewed_at`, in words.
pub fn incident_reasons(reviewed_at: DateTime<Utc>, incidents: &[ResolvedIncident]) -> Vec<String> {
    let mut after: Vec<&ResolvedIncident> = incidents
        .iter()
        .filter(|i| i.resolved_at > reviewed_at)
        .collect();
    after.sort_by_key(|i| (i.resolved_at, i.id));
    after
        .iter()
        .map(|i| {
            format!(
                "incident {} (SEV{}) was resolved on {}, after the last review",
                i.id,
                i.severity,
                i.resolved_at.format("%Y-%m-%d")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
