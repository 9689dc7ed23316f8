//! Dependency rules of the decay engine (seed 001: "the cost of deferring updates compounds
//! nonlinearly"). Each reads a service's [`DepsFacts`], computed from its lockfiles and the
//! registry data held; a service without lockfiles is not concerned, and one whose packages
//! were never looked up is unknown, never a pass.

use crate::domain::checks::{
    Category, Ctx, Level, Outcome, RuleDef, ServiceFacts, Settings, Severity, WHOLE,
};
use chrono::{DateTime, Duration, Utc};

/// A direct dependency whose latest release is a breaking move away.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BehindFacts {
    /// `ecosystem:name`, the finding's subject.
    pub subject: String,
    pub version: String,
    pub latest: String,
    pub majors: i64,
}

/// What the dependency rules read of one service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DepsFacts {
    /// When its newest lockfile was received, and whole days since (to the top of the hour,
    /// so that an incremental pass sees it age).
    pub synced_at: DateTime<Utc>,
    pub synced_days: i64,
    pub packages: i64,
    /// Packages not looked up in their registries yet.
    pub pending: i64,
    /// Versions OSV has not answered for yet (nor an OSV archive matched).
    pub osv_unchecked: i64,
    /// Libyear drift of the direct dependencies, in hundredths of a year.
    pub libyear_direct_centi: i64,
    pub breaking: Vec<BehindFacts>,
    /// `(subject, version)` of each yanked version in use.
    pub yanked: Vec<(String, String)>,
    /// `(subject, days since its newest release)` of each direct dependency.
    pub pulse: Vec<(String, i64)>,
    /// Each version in use with open advisories that have a fix.
    pub vulnerable: Vec<VulnerableFacts>,
    /// `(subject, version, advisory id)` of each version RustSec lists as unmaintained.
    pub unmaintained: Vec<(String, String, String)>,
}

/// A version in use with open advisories a newer version fixes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VulnerableFacts {
    pub subject: String,
    pub version: String,
    /// `(id, severity, fixed in)`, the worst first.
    pub advisories: Vec<(String, String, String)>,
}

/// The subject of a package's findings.
pub fn subject(ecosystem: &str, name: &str) -> String {
    format!("{ecosystem}:{name}")
}

/// Years of drift of the direct dependencies, by tier.
pub const LIBYEAR: [i64; 4] = [5, 10, 15, 25];
/// Days without a release before a direct dependency counts as abandoned.
pub const ABANDONED_DAYS: [i64; 4] = [730, 730, 1095, 1095];
/// Days a lockfile may go without a sync.
pub const SYNC_DAYS: [i64; 4] = [30, 30, 60, 90];

pub static RULES: &[RuleDef] = &[
    RuleDef {
        id: "deps.libyear",
        title: "Direct dependencies within their libyear limit",
        description: "The libyear drift of the service's direct dependencies (for each, the \
             latest stable's release date minus the release date of the version in use) stays \
             under the limit of its tier.",
        how_to_fix: "Update the dependencies with the most drift first (sort the Dependencies \
             tab by drift); each update takes its years off the sum.",
        category: Category::Dependencies,
        defaults: || Settings::production(Severity::Medium, Level::Silver, 4, &[], Some(LIBYEAR)),
        threshold_label: Some("years of drift at most"),
        eval: libyear,
    },
    RuleDef {
        id: "deps.breaking-behind",
        title: "No direct dependency a major version behind",
        description: "Each direct dependency is on the latest stable's major version (below \
             1.0: its minor), so that a security fix never waits on a migration.",
        how_to_fix: "Plan the migration to the new major: read its changelog, update, and run \
             the tests.",
        category: Category::Dependencies,
        defaults: || Settings::production(Severity::Low, Level::Gold, 2, &[], None),
        threshold_label: None,
        eval: breaking,
    },
    RuleDef {
        id: "deps.yanked",
        title: "No yanked version in use",
        description: "No dependency is locked to a version its registry has since yanked or \
             unpublished (usually for a serious bug or a security problem).",
        how_to_fix: "Update the package to a version that is not yanked and push the new \
             lockfile.",
        category: Category::Dependencies,
        defaults: || Settings::production(Severity::High, Level::Bronze, 6, &[], None),
        threshold_label: None,
        eval: yanked,
    },
    RuleDef {
        id: "deps.abandoned",
        title: "No abandoned direct dependency",
        description: "Each direct dependency has had a release within the limit of the \
             service's tier; one that has not may no longer get fixes. A package that is \
             finished rather than abandoned can be exempted.",
        how_to_fix: "Look for a maintained fork or replacement, or exempt the package with \
             the reason it is safe.",
        category: Category::Dependencies,
        defaults: || {
            Settings::production(Severity::Medium, Level::Gold, 2, &[], Some(ABANDONED_DAYS))
        },
        threshold_label: Some("days since the last release at most"),
        eval: abandoned,
    },
    RuleDef {
        id: "deps.lockfile-synced",
        title: "Lockfiles synced recently",
        description: "Steward received the service's lockfiles (from CI or its repository) \
             within the limit of its tier, so that its figures describe what runs.",
        how_to_fix: "Run `steward deps push SERVICE FILE…` in the service's CI, or check \
             why its repository's sync fails.",
        category: Category::Dependencies,
        defaults: || Settings::production(Severity::Medium, Level::Bronze, 3, &[], Some(SYNC_DAYS)),
        threshold_label: Some("days between syncs at most"),
        eval: synced,
    },
    RuleDef {
        id: "deps.vulnerable",
        title: "No vulnerability with a fix left open",
        description: "No dependency is locked to a version with a known vulnerability (OSV) \
             that a newer version fixes. A high or critical one on a tier 1 or 2 service is a \
             critical finding.",
        how_to_fix: "Update the package to the fixed version the finding names (or later) \
             and push the new lockfile; the advisory says what is at stake.",
        category: Category::Dependencies,
        defaults: || Settings::production(Severity::High, Level::Bronze, 8, &[], None),
        threshold_label: None,
        eval: vulnerable,
    },
    RuleDef {
        id: "deps.unmaintained",
        title: "No unmaintained dependency",
        description: "No dependency is one the RustSec advisory database lists as \
             unmaintained: nobody will fix its next vulnerability.",
        how_to_fix: "Move to the replacement the advisory suggests, or exempt the package \
             with the reason it is safe.",
        category: Category::Dependencies,
        defaults: || Settings::production(Severity::Medium, Level::Silver, 2, &[], None),
        threshold_label: None,
        eval: unmaintained,
    },
];

fn tier_default(table: &[i64; 4], tier: i64) -> i64 {
    table[usize::try_from(tier.clamp(1, 4) - 1).unwrap_or(3)]
}

/// The facts, or why the rule cannot judge: no lockfiles (not concerned), nothing looked up.
fn looked_up(s: &ServiceFacts) -> Result<&DepsFacts, Vec<Outcome>> {
    match &s.deps {
        None => Err(vec![Outcome::NotApplicable]),
        Some(d) if d.packages > 0 && d.pending == d.packages => Err(vec![Outcome::Unknown {
            subject: WHOLE.into(),
            message: "no package of the service has been looked up in its registry yet".into(),
            age_secs: None,
        }]),
        Some(d) => Ok(d),
    }
}

fn libyear(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let d = match looked_up(s) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let limit = ctx.threshold(s, tier_default(&LIBYEAR, s.tier));
    if d.libyear_direct_centi > limit * 100 {
        vec![Outcome::Fail {
            subject: WHOLE.into(),
            message: format!(
                "direct dependencies are {:.2} libyears behind (limit {limit})",
                d.libyear_direct_centi as f64 / 100.0
            ),
            details: serde_json::json!({
                "libyear": d.libyear_direct_centi as f64 / 100.0, "limit": limit }),
        }]
    } else {
        Vec::new()
    }
}

fn breaking(_: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let d = match looked_up(s) {
        Ok(d) => d,
        Err(o) => return o,
    };
    d.breaking
        .iter()
        .map(|b| Outcome::Fail {
            subject: b.subject.clone(),
            message: format!(
                "{} is at {}; the latest is {}",
                b.subject, b.version, b.latest
            ),
            details: serde_json::json!({ "version": b.version, "latest": b.latest,
                "majorsBehind": b.majors }),
        })
        .collect()
}

fn yanked(_: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let d = match looked_up(s) {
        Ok(d) => d,
        Err(o) => return o,
    };
    d.yanked
        .iter()
        .map(|(subject, version)| Outcome::Fail {
            subject: subject.clone(),
            message: format!("{subject} {version} is in use and was yanked from its registry"),
            details: serde_json::json!({ "version": version }),
        })
        .collect()
}

fn abandoned(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let d = match looked_up(s) {
        Ok(d) => d,
        Err(o) => return o,
    };
    let limit = ctx.threshold(s, tier_default(&ABANDONED_DAYS, s.tier));
    d.pulse
        .iter()
        .filter(|(_, days)| *days > limit)
        .map(|(subject, days)| Outcome::Fail {
            subject: subject.clone(),
            message: format!("{subject} has had no release for {days} days (limit {limit})"),
            details: serde_json::json!({ "daysSinceRelease": days, "limit": limit }),
        })
        .collect()
}

/// The facts, or why an advisory rule cannot judge: no lockfiles (not concerned), no version
/// checked against OSV yet (unknown, never a pass).
fn checked(s: &ServiceFacts) -> Result<&DepsFacts, Vec<Outcome>> {
    match &s.deps {
        None => Err(vec![Outcome::NotApplicable]),
        Some(d) if d.packages > 0 && d.osv_unchecked >= d.packages => Err(vec![Outcome::Unknown {
            subject: WHOLE.into(),
            message: "no version of the service has been checked against OSV yet (nor \
                          an OSV archive loaded)"
                .into(),
            age_secs: None,
        }]),
        Some(d) => Ok(d),
    }
}

fn vulnerable(_: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let d = match checked(s) {
        Ok(d) => d,
        Err(o) => return o,
    };
    d.vulnerable
        .iter()
        .map(|v| {
            let worst = v
                .advisories
                .iter()
                .filter_map(|(_, severity, _)| Severity::parse(severity))
                .max();
            // The version that clears every fixable advisory at once.
            let fix_in = v
                .advisories
                .iter()
                .map(|(_, _, fixed)| fixed.as_str())
                .max_by(|a, b| newest(&v.subject, a, b))
                .unwrap_or_default();
            let listed: Vec<String> = v
                .advisories
                .iter()
                .map(|(id, severity, fixed)| format!("{id} ({severity}, fixed in {fixed})"))
                .collect();
            let mut details = serde_json::json!({
                "version": v.version,
                "fixIn": fix_in,
                "advisories": v.advisories.iter().map(|(id, severity, fixed)| serde_json::json!({
                    "id": id, "severity": severity, "fixed": fixed })).collect::<Vec<_>>(),
            });
            if s.tier <= 2 && worst >= Some(Severity::High) {
                details["severity"] = "critical".into();
            }
            Outcome::Fail {
                subject: v.subject.clone(),
                message: format!(
                    "{} {} has {}: update to {fix_in} or later",
                    v.subject,
                    v.version,
                    listed.join(", ")
                ),
                details,
            }
        })
        .collect()
}

/// Orders two fixed versions of the package `subject` names (by its ecosystem's rules; as
/// text when either does not read).
fn newest(subject: &str, a: &str, b: &str) -> std::cmp::Ordering {
    use super::versions::Version;
    let eco = subject
        .split_once(':')
        .and_then(|(e, _)| super::Ecosystem::parse(e));
    match eco.and_then(|e| Some((Version::parse(e, a)?, Version::parse(e, b)?))) {
        Some((x, y)) => x.compare(&y).unwrap_or_else(|| a.cmp(b)),
        None => a.cmp(b),
    }
}

fn unmaintained(_: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let d = match checked(s) {
        Ok(d) => d,
        Err(o) => return o,
    };
    d.unmaintained
        .iter()
        .map(|(subject, version, id)| Outcome::Fail {
            subject: subject.clone(),
            message: format!("{subject} {version} is unmaintained ({id})"),
            details: serde_json::json!({ "version": version, "advisory": id }),
        })
        .collect()
}

fn synced(ctx: &Ctx<'_>, s: &ServiceFacts) -> Vec<Outcome> {
    let Some(d) = &s.deps else {
        return vec![Outcome::NotApplicable];
    };
    let limit = ctx.threshold(s, tier_default(&SYNC_DAYS, s.tier));
    if d.synced_days > limit {
        vec![Outcome::Fail {
            subject: WHOLE.into(),
            message: format!(
                "the newest lockfile was received {} days ago (limit {limit})",
                d.synced_days
            ),
            details: serde_json::json!({ "days": d.synced_days, "limit": limit }),
        }]
    } else if d.synced_days + crate::domain::checks::SOON_DAYS > limit {
        vec![Outcome::Soon {
            subject: WHOLE.into(),
            at: d.synced_at + Duration::days(limit + 1),
            reason: "the lockfiles will be older than the limit".into(),
        }]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::checks::{rule, Snapshot};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0)
            .single()
            .expect("instant")
    }

    fn facts() -> DepsFacts {
        DepsFacts {
            synced_at: now() - Duration::days(3),
            synced_days: 3,
            packages: 120,
            pending: 0,
            osv_unchecked: 0,
            libyear_direct_centi: 1250,
            breaking: vec![BehindFacts {
                subject: "npm:@types/node".into(),
                version: "18.0.0".into(),
                latest: "22.10.1".into(),
                majors: 4,
            }],
            yanked: vec![("PyPI:requests".into(), "2.32.0".into())],
            pulse: vec![("npm:left-pad".into(), 2400), ("npm:lodash".into(), 700)],
            vulnerable: Vec::new(),
            unmaintained: Vec::new(),
        }
    }

    fn run(id: &str, tier: i64, deps: Option<DepsFacts>) -> Vec<Outcome> {
        let def = rule(id).expect("registered");
        let settings = (def.defaults)();
        let snapshot = Snapshot::default();
        let ctx = Ctx {
            snapshot: &snapshot,
            settings: &settings,
        };
        let s = ServiceFacts {
            slug: "ledger".into(),
            tier,
            lifecycle: "production".into(),
            deps,
            ..ServiceFacts::default()
        };
        (def.eval)(&ctx, &s)
    }

    fn subjects(o: &[Outcome]) -> Vec<&str> {
        o.iter()
            .filter_map(|o| match o {
                Outcome::Fail { subject, .. } => Some(subject.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn libyear_limits_follow_the_tier() {
        // 12.5 years: over tier 1's 5 and tier 2's 10, under tier 3's 15.
        assert_eq!(subjects(&run("deps.libyear", 1, Some(facts()))), [WHOLE]);
        assert_eq!(subjects(&run("deps.libyear", 2, Some(facts()))), [WHOLE]);
        assert!(run("deps.libyear", 3, Some(facts())).is_empty());
        assert_eq!(run("deps.libyear", 1, None), vec![Outcome::NotApplicable]);
        let pending = DepsFacts {
            pending: 120,
            ..facts()
        };
        assert!(matches!(
            run("deps.libyear", 1, Some(pending))[..],
            [Outcome::Unknown { .. }]
        ));
    }

    #[test]
    fn advisories_unchecked_are_unknown() {
        let unchecked = DepsFacts {
            osv_unchecked: 120,
            ..facts()
        };
        for rule in ["deps.vulnerable", "deps.unmaintained"] {
            assert!(
                matches!(
                    run(rule, 1, Some(unchecked.clone()))[..],
                    [Outcome::Unknown { .. }]
                ),
                "{rule}"
            );
            assert!(run(rule, 1, Some(facts())).is_empty(), "{rule}");
            assert_eq!(run(rule, 1, None), vec![Outcome::NotApplicable]);
        }
    }

    #[test]
    fn one_finding_per_package() {
        assert_eq!(
            subjects(&run("deps.breaking-behind", 2, Some(facts()))),
            ["npm:@types/node"]
        );
        assert_eq!(
            subjects(&run("deps.yanked", 4, Some(facts()))),
            ["PyPI:requests"]
        );
        // 2400 days is over every tier's limit; 700 is under all of them.
        assert_eq!(
            subjects(&run("deps.abandoned", 1, Some(facts()))),
            ["npm:left-pad"]
        );
    }

    #[test]
    fn lockfiles_age_into_a_finding_and_warn_before() {
        assert!(run("deps.lockfile-synced", 3, Some(facts())).is_empty());
        // Tier 1 allows 30 days, tier 3 allows 60: 50 days fails one and soon the other.
        let old = DepsFacts {
            synced_days: 50,
            synced_at: now() - Duration::days(50),
            ..facts()
        };
        assert_eq!(
            subjects(&run("deps.lockfile-synced", 1, Some(old.clone()))),
            [WHOLE]
        );
        assert!(matches!(
            run("deps.lockfile-synced", 3, Some(old))[..],
            [Outcome::Soon { .. }]
        ));
        assert_eq!(
            run("deps.lockfile-synced", 1, None),
            vec![Outcome::NotApplicable]
        );
    }
}
