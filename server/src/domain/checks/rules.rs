//! The built-in rules: ownership, on-call and catalog hygiene. Each is a plain function of a
//! service's facts; thresholds scale with the tier (seed 003: the rigor of a check follows the
//! blast radius).

use super::{
    Applies, Category, Ctx, Level, Outcome, RuleDef, ServiceFacts, Settings, Severity, SOON_DAYS,
    WHOLE,
};
use chrono::Duration;
use serde_json::json;

fn settings(severity: Severity, level: Level, weight: i64) -> Settings {
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

/// Experimental services are not held to production rules.
fn not_experimental() -> Vec<String> {
    vec!["production".into(), "deprecated".into()]
}

pub static BUILT_IN: &[RuleDef] = &[
    RuleDef {
        id: "ownership.owner",
        title: "Has an owning team",
        description: "The service names at least one owning team, and each owner is a team \
            in the catalog.",
        how_to_fix: "Edit the service and choose its owning team.",
        category: Category::Ownership,
        defaults: || settings(Severity::Critical, Level::Bronze, 10),
        threshold_label: None,
        eval: owner,
    },
    RuleDef {
        id: "ownership.team-members",
        title: "Owning team has members",
        description: "Every owning team has at least one member to call.",
        how_to_fix: "Add the people who run the service to the owning team.",
        category: Category::Ownership,
        defaults: || settings(Severity::High, Level::Bronze, 8),
        threshold_label: None,
        eval: team_members,
    },
    RuleDef {
        id: "ownership.team-lead",
        title: "Owning team has a lead",
        description: "Every owning team has a lead who decides when priorities clash.",
        how_to_fix: "Mark one member of the team as its lead.",
        category: Category::Ownership,
        defaults: || settings(Severity::Medium, Level::Silver, 4),
        threshold_label: None,
        eval: team_lead,
    },
    RuleDef {
        id: "ownership.active-members",
        title: "Owning team has active members",
        description: "Not every member of an owning team has departed.",
        how_to_fix: "Add current people to the team, or move the service to a team that \
            still exists in practice.",
        category: Category::Ownership,
        defaults: || settings(Severity::Critical, Level::Bronze, 8),
        threshold_label: None,
        eval: active_members,
    },
    RuleDef {
        id: "oncall.escalation-policy",
        title: "Pages reach someone",
        description: "Tier 1 and 2 services point to an escalation policy, so that a page \
            reaches a person.",
        how_to_fix: "Choose an escalation policy on the service page (On call).",
        category: Category::OnCall,
        defaults: || Settings {
            applies: Applies {
                tiers: vec![1, 2],
                lifecycles: not_experimental(),
                kinds: Vec::new(),
            },
            ..settings(Severity::Critical, Level::Bronze, 10)
        },
        threshold_label: None,
        eval: escalation_policy,
    },
    RuleDef {
        id: "oncall.schedule-gaps",
        title: "On-call schedules are covered",
        description: "No schedule the service pages through has a gap in the coming days.",
        how_to_fix: "Add an override for the gap, or extend a layer's restrictions so that \
            someone is on call.",
        category: Category::OnCall,
        defaults: || Settings {
            thresholds: Some([14, 14, 7, 7]),
            applies: Applies {
                lifecycles: not_experimental(),
                ..Applies::default()
            },
            ..settings(Severity::High, Level::Silver, 6)
        },
        threshold_label: Some("days ahead"),
        eval: schedule_gaps,
    },
    RuleDef {
        id: "oncall.load",
        title: "On-call load is humane",
        description: "Nobody on the service's schedules is on call for more than a share of \
            the next 30 days (the SRE book's 25% line).",
        how_to_fix: "Add people to the rotation or spread the load with a second layer.",
        category: Category::OnCall,
        defaults: || Settings {
            thresholds: Some([25, 25, 25, 25]),
            ..settings(Severity::Medium, Level::Gold, 4)
        },
        threshold_label: Some("percent of the next 30 days"),
        eval: load,
    },
    RuleDef {
        id: "catalog.repository",
        title: "Has a repository",
        description: "The service names its source repository (owner/name).",
        how_to_fix: "Edit the service and set its repository.",
        category: Category::Catalog,
        defaults: || settings(Severity::Medium, Level::Silver, 4),
        threshold_label: None,
        eval: repository,
    },
    RuleDef {
        id: "catalog.description",
        title: "Has a description",
        description: "The service says what it does, in at least a few words.",
        how_to_fix: "Edit the service and describe what it does and for whom.",
        category: Category::Catalog,
        defaults: || Settings {
            thresholds: Some([10, 10, 10, 10]),
            ..settings(Severity::Low, Level::Bronze, 3)
        },
        threshold_label: Some("characters at least"),
        eval: description,
    },
    RuleDef {
        id: "catalog.deprecated-dependency",
        title: "No deprecated dependencies",
        description: "The service does not depend on a service that is deprecated.",
        how_to_fix: "Move off the deprecated service, or ask its owners for its successor.",
        category: Category::Catalog,
        defaults: || Settings {
            applies: Applies {
                lifecycles: not_experimental(),
                ..Applies::default()
            },
            ..settings(Severity::Medium, Level::Silver, 4)
        },
        threshold_label: None,
        eval: deprecated_dependency,
    },
    RuleDef {
        id: "catalog.dependency-cycle",
        title: "Not part of a dependency cycle",
        description: "The service is on no dependency cycle (services that need each other \
            cannot be started, or recovered, one after the other).",
        how_to_fix: "Break the cycle: remove or invert one of the dependencies shown.",
        category: Category::Catalog,
        defaults: || settings(Severity::Medium, Level::Gold, 3),
        threshold_label: None,
        eval: dependency_cycle,
    },
];

fn owner(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    if s.owners.is_empty() {
        return vec![Outcome::fail(WHOLE, "the service has no owning team")];
    }
    s.owners
        .iter()
        .filter(|o| !ctx.snapshot.teams.contains_key(*o))
        .map(|o| {
            Outcome::fail(
                o.as_str(),
                format!("owner '{o}' is not a team in the catalog"),
            )
        })
        .collect()
}

/// Applies `check` to each owning team that exists.
fn per_team(
    ctx: &Ctx<'_>,
    s: &ServiceFacts,
    check: impl Fn(&super::TeamFacts) -> Option<String>,
) -> Vec<Outcome> {
    s.owners
        .iter()
        .filter_map(|o| ctx.snapshot.teams.get(o))
        .filter_map(|t| check(t).map(|m| Outcome::fail(t.slug.as_str(), m)))
        .collect()
}

fn team_members(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    per_team(ctx, s, |t| {
        t.members
            .is_empty()
            .then(|| format!("team '{}' has no members", t.slug))
    })
}

fn team_lead(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    per_team(ctx, s, |t| {
        (!t.members.iter().any(|m| m.lead && m.active))
            .then(|| format!("team '{}' has no active lead", t.slug))
    })
}

fn active_members(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    per_team(ctx, s, |t| {
        (!t.members.is_empty() && t.members.iter().all(|m| !m.active))
            .then(|| format!("every member of team '{}' has departed", t.slug))
    })
}

fn escalation_policy(_: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    match &s.escalation_policy {
        Some(_) => Vec::new(),
        None => vec![Outcome::fail(
            WHOLE,
            format!(
                "a tier {} service has no escalation policy: a page reaches nobody",
                s.tier
            ),
        )],
    }
}

fn schedule_gaps(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let Some(policy) = &s.escalation_policy else {
        return vec![Outcome::NotApplicable];
    };
    if policy.schedules.is_empty() {
        return vec![Outcome::NotApplicable];
    }
    let now = ctx.snapshot.now;
    let days = ctx.threshold(s, 14);
    let horizon = now + Duration::days(days);
    let soon = horizon + Duration::days(SOON_DAYS);
    let mut out = Vec::new();
    for slug in &policy.schedules {
        let Some(facts) = ctx.snapshot.schedules.get(slug) else {
            out.push(Outcome::Unknown {
                subject: slug.clone(),
                message: format!("schedule '{slug}' could not be read"),
                age_secs: None,
            });
            continue;
        };
        let coverage = match &facts.computed {
            Ok(c) => c,
            Err(e) => {
                out.push(Outcome::Unknown {
                    subject: slug.clone(),
                    message: format!("schedule '{slug}' could not be computed: {e}"),
                    age_secs: None,
                });
                continue;
            }
        };
        let within: Vec<_> = coverage
            .gaps
            .iter()
            .filter(|(start, end)| *start < horizon && *end > now)
            .collect();
        if let Some((start, end)) = within.first() {
            let seconds: i64 = within.iter().map(|(a, b)| (*b - *a).num_seconds()).sum();
            out.push(Outcome::Fail {
                subject: slug.clone(),
                message: format!(
                    "schedule '{slug}' has {} gap(s) in the next {days} days, the first from {}",
                    within.len(),
                    start.format("%Y-%m-%d %H:%M UTC")
                ),
                details: json!({"schedule": slug, "gaps": within.len(), "gapSeconds": seconds,
                    "firstGapStart": start.to_rfc3339(), "firstGapEnd": end.to_rfc3339()}),
            });
        } else if let Some((start, _)) = coverage
            .gaps
            .iter()
            .find(|(start, _)| *start >= horizon && *start < soon)
        {
            out.push(Outcome::Soon {
                subject: slug.clone(),
                at: *start - Duration::days(days),
                reason: format!(
                    "schedule '{slug}' has a gap from {}",
                    start.format("%Y-%m-%d %H:%M UTC")
                ),
            });
        }
    }
    out
}

fn load(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let Some(policy) = &s.escalation_policy else {
        return vec![Outcome::NotApplicable];
    };
    if policy.schedules.is_empty() {
        return vec![Outcome::NotApplicable];
    }
    let limit_bp = ctx.threshold(s, 25) * 100;
    let mut out = Vec::new();
    for slug in &policy.schedules {
        match ctx.snapshot.schedules.get(slug).map(|f| &f.computed) {
            Some(Ok(c)) => {
                for (person, bp) in &c.load_bp {
                    if *bp > limit_bp {
                        out.push(Outcome::Fail {
                            subject: format!("{slug}/{person}"),
                            message: format!(
                                "{person} is on call for {:.1}% of the next 30 days on '{slug}' \
                                 (the line is {}%)",
                                *bp as f64 / 100.0,
                                limit_bp / 100
                            ),
                            details: json!({"schedule": slug, "person": person,
                                "sharePercent": *bp as f64 / 100.0}),
                        });
                    }
                }
            }
            Some(Err(e)) => out.push(Outcome::Unknown {
                subject: slug.clone(),
                message: format!("schedule '{slug}' could not be computed: {e}"),
                age_secs: None,
            }),
            None => out.push(Outcome::Unknown {
                subject: slug.clone(),
                message: format!("schedule '{slug}' could not be read"),
                age_secs: None,
            }),
        }
    }
    out
}

fn repository(_: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    match s.repository.as_deref().map(str::trim) {
        Some(r) if !r.is_empty() => Vec::new(),
        _ => vec![Outcome::fail(WHOLE, "the service names no repository")],
    }
}

fn description(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let min = ctx.threshold(s, 10);
    let len = s
        .description
        .as_deref()
        .map(|d| d.trim().chars().count())
        .unwrap_or(0);
    if len == 0 {
        vec![Outcome::fail(WHOLE, "the service has no description")]
    } else if (len as i64) < min {
        vec![Outcome::fail(
            WHOLE,
            format!("the description has {len} characters; at least {min} say what it does"),
        )]
    } else {
        Vec::new()
    }
}

fn deprecated_dependency(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    s.depends_on
        .iter()
        .filter(|d| {
            ctx.snapshot
                .service(d)
                .is_some_and(|d| d.lifecycle == "deprecated")
        })
        .map(|d| Outcome::fail(d.as_str(), format!("depends on '{d}', which is deprecated")))
        .collect()
}

fn dependency_cycle(_: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    match &s.cycle {
        Some(path) => vec![Outcome::Fail {
            subject: WHOLE.into(),
            message: format!("on a dependency cycle: {}", path.join(" → ")),
            details: json!({"cycle": path}),
        }],
        None => Vec::new(),
    }
}
