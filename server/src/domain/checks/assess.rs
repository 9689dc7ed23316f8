//! One service assessed against every rule: the findings it should have open, the status of
//! each rule for its scorecard (exemptions and grace periods applied), and what fails soon.
//! The pass, the dry run and the live service scorecard all use this one function.

use super::scorecard::{self, Line, Score, Status};
use super::{
    evaluate, Outcome, RuleDef, ServiceFacts, Settings, Severity, Snapshot, Verdict, SOON_DAYS,
    WHOLE,
};
use chrono::{DateTime, Duration, Utc};

/// A finding the service should have open.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub rule: &'static str,
    pub subject: String,
    /// `fail`, `unknown` or `error`.
    pub result: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub details: serde_json::Value,
    pub age_secs: Option<i64>,
    pub enforced: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Soon {
    pub rule: &'static str,
    pub subject: String,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// An exemption in force for one rule of the service.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    pub rule: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub wanted: Vec<Wanted>,
    /// Each rule's status, in registry order.
    pub statuses: Vec<(&'static str, Status)>,
    pub soon: Vec<Soon>,
    pub score: Score,
}

/// A failure's severity: the rule's, or higher when the rule says this one is worse
/// (`details.severity`, e.g. a critical vulnerability on a tier-1 service).
fn escalated(rule: Severity, details: &serde_json::Value) -> &'static str {
    details
        .get("severity")
        .and_then(|v| v.as_str())
        .and_then(Severity::parse)
        .map_or(rule, |s| s.max(rule))
        .as_str()
}

pub fn assess(
    rules: &[(&'static RuleDef, Settings)],
    snap: &Snapshot,
    s: &ServiceFacts,
    waivers: &[Waiver],
) -> Assessment {
    let now = snap.now;
    let soon_until = now + Duration::days(SOON_DAYS);
    let mut wanted = Vec::new();
    let mut statuses = Vec::new();
    let mut soon = Vec::new();
    let mut lines = Vec::new();
    for (def, settings) in rules {
        let enforced = settings.enforced_from.is_none_or(|t| now >= t);
        let waiver = waivers
            .iter()
            .filter(|w| w.rule == def.id && w.expires_at > now)
            .map(|w| w.expires_at)
            .max();
        let severity = settings.severity.as_str();
        let status = match evaluate(def, settings, snap, s) {
            Verdict::Disabled => Status::Disabled,
            Verdict::NotApplicable => Status::NotApplicable,
            Verdict::Error(e) => {
                wanted.push(Wanted {
                    rule: def.id,
                    subject: WHOLE.into(),
                    result: "error",
                    severity,
                    message: format!("the rule could not be evaluated: {e}"),
                    details: serde_json::json!({}),
                    age_secs: None,
                    enforced,
                });
                Status::Error
            }
            Verdict::Outcomes(outcomes) => {
                let (mut fails, mut unknowns) = (0, 0);
                for o in outcomes {
                    match o {
                        Outcome::Fail {
                            subject,
                            message,
                            details,
                        } => {
                            fails += 1;
                            wanted.push(Wanted {
                                rule: def.id,
                                subject,
                                result: "fail",
                                severity: escalated(settings.severity, &details),
                                message,
                                details,
                                age_secs: None,
                                enforced,
                            });
                        }
                        Outcome::Unknown {
                            subject,
                            message,
                            age_secs,
                        } => {
                            unknowns += 1;
                            wanted.push(Wanted {
                                rule: def.id,
                                subject,
                                result: "unknown",
                                severity,
                                message,
                                details: serde_json::json!({}),
                                age_secs,
                                enforced,
                            });
                        }
                        Outcome::Soon {
                            subject,
                            at,
                            reason,
                        } if at <= soon_until => soon.push(Soon {
                            rule: def.id,
                            subject,
                            at,
                            reason,
                        }),
                        Outcome::Soon { .. } | Outcome::NotApplicable => {}
                    }
                }
                match (fails + unknowns, waiver) {
                    (0, _) => Status::Pass,
                    (_, Some(until)) => {
                        if until <= soon_until {
                            soon.push(Soon {
                                rule: def.id,
                                subject: WHOLE.into(),
                                at: until,
                                reason: "its exemption expires".into(),
                            });
                        }
                        Status::Exempt
                    }
                    _ if !enforced => {
                        if let Some(from) = settings.enforced_from.filter(|f| *f <= soon_until) {
                            soon.push(Soon {
                                rule: def.id,
                                subject: WHOLE.into(),
                                at: from,
                                reason: "the rule's grace period ends".into(),
                            });
                        }
                        Status::Grace
                    }
                    _ if fails > 0 => Status::Fail,
                    _ => Status::Unknown,
                }
            }
        };
        statuses.push((def.id, status));
        lines.push(Line {
            rule: def.id,
            level: settings.level,
            weight: settings.weight,
            status,
        });
    }
    soon.sort_by_key(|x| x.at);
    Assessment {
        wanted,
        statuses,
        soon,
        score: scorecard::score(&lines),
    }
}
