//! Decay checks: rules are pure functions over a snapshot of facts, so a pass over 10,000
//! services is a loop in memory and each rule is unit-tested without a database.
//!
//! A rule reports, for one service, what fails (one outcome per subject: a team, a schedule, a
//! dependency), what cannot be evaluated (`Unknown`, with the age of the data — never a silent
//! pass), what is not applicable, and what passes now but will not soon. Nothing reported means
//! the rule passes. Areas add their rules to [`registry`]; the engine knows nothing about them.

pub mod assess;
pub mod rules;
pub mod scorecard;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The subject of a rule that has one result per service.
pub const WHOLE: &str = "-";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Bronze,
    Silver,
    Gold,
}

macro_rules! text_enum {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(<$t>::$v),)* _ => None }
            }
        }
    };
}
text_enum!(Severity { Low => "low", Medium => "medium", High => "high", Critical => "critical" });
text_enum!(Level { Bronze => "bronze", Silver => "silver", Gold => "gold" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Ownership,
    OnCall,
    Catalog,
    Operations,
    Dependencies,
}
text_enum!(Category { Ownership => "ownership", OnCall => "on-call", Catalog => "catalog",
    Operations => "operations", Dependencies => "dependencies" });

/// Which services a rule holds to account; empty lists mean all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Applies {
    pub tiers: Vec<i64>,
    pub lifecycles: Vec<String>,
    pub kinds: Vec<String>,
}

impl Applies {
    pub fn covers(&self, s: &ServiceFacts) -> bool {
        (self.tiers.is_empty() || self.tiers.contains(&s.tier))
            && (self.lifecycles.is_empty() || self.lifecycles.contains(&s.lifecycle))
            && (self.kinds.is_empty() || self.kinds.contains(&s.kind))
    }
}

/// A rule's settings: its defaults, or what an admin saved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Settings {
    pub enabled: bool,
    pub severity: Severity,
    pub level: Level,
    pub weight: i64,
    pub applies: Applies,
    /// Tier 1 to 4; meaning and unit are the rule's.
    pub thresholds: Option<[i64; 4]>,
    /// Failures before this instant are reported but not counted.
    pub enforced_from: Option<DateTime<Utc>>,
}

impl Settings {
    /// Defaults of an area's rule that holds production and deprecated services of `tiers`
    /// (all when empty) to account.
    pub fn production(
        severity: Severity,
        level: Level,
        weight: i64,
        tiers: &[i64],
        thresholds: Option<[i64; 4]>,
    ) -> Settings {
        Settings {
            enabled: true,
            severity,
            level,
            weight,
            applies: Applies {
                tiers: tiers.to_vec(),
                lifecycles: vec!["production".into(), "deprecated".into()],
                kinds: Vec::new(),
            },
            thresholds,
            enforced_from: None,
        }
    }

    pub fn threshold(&self, tier: i64) -> Option<i64> {
        let i = usize::try_from(tier.clamp(1, 4) - 1).unwrap_or(3);
        self.thresholds.map(|t| t[i])
    }
}

/// What a rule reports about one subject of one service.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Fail {
        subject: String,
        message: String,
        details: serde_json::Value,
    },
    /// The data the rule needs is missing or too old; `age_secs` is how old it is (`None`:
    /// there is none).
    Unknown {
        subject: String,
        message: String,
        age_secs: Option<i64>,
    },
    /// The rule does not concern this service (a schedule rule for a service that pages
    /// through none): not counted in its scorecard.
    NotApplicable,
    /// Passes now, fails at `at`.
    Soon {
        subject: String,
        at: DateTime<Utc>,
        reason: String,
    },
}

impl Outcome {
    pub fn fail(subject: impl Into<String>, message: impl Into<String>) -> Outcome {
        Outcome::Fail {
            subject: subject.into(),
            message: message.into(),
            details: serde_json::Value::Object(Default::default()),
        }
    }
}

/// What a rule sees when it runs on one service.
pub struct Ctx<'a> {
    pub snapshot: &'a Snapshot,
    pub settings: &'a Settings,
}

impl Ctx<'_> {
    pub fn threshold(&self, s: &ServiceFacts, default: i64) -> i64 {
        self.settings.threshold(s.tier).unwrap_or(default)
    }
}

/// A rule, as registered by the area that owns it.
#[derive(Clone)]
pub struct RuleDef {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub how_to_fix: &'static str,
    pub category: Category,
    pub defaults: fn() -> Settings,
    /// What the thresholds measure, for rules that have them.
    pub threshold_label: Option<&'static str>,
    pub eval: fn(&Ctx<'_>, &ServiceFacts) -> Vec<Outcome>,
}

/// Every rule Steward knows, in display order: the engine's own, then each area's.
pub fn registry() -> &'static [RuleDef] {
    static ALL: std::sync::LazyLock<Vec<RuleDef>> = std::sync::LazyLock::new(|| {
        rules::BUILT_IN
            .iter()
            .chain(crate::domain::runbooks::RULES)
            .chain(crate::domain::fixes::RULES)
            .chain(crate::domain::deps::rules::RULES)
            .cloned()
            .collect()
    });
    &ALL
}

pub fn rule(id: &str) -> Option<&'static RuleDef> {
    registry().iter().find(|r| r.id == id)
}

// ---------------------------------------------------------------------------------------
// The snapshot

/// Everything the rules read, observed at `now`. The facts are shared (`Arc`), so that a
/// kept snapshot is handed to a pass at a new `now` without copying the catalog; change one
/// with `Arc::make_mut`.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub now: DateTime<Utc>,
    pub services: Arc<Vec<ServiceFacts>>,
    /// By slug.
    pub teams: Arc<HashMap<String, TeamFacts>>,
    /// By slug.
    pub schedules: Arc<HashMap<String, ScheduleFacts>>,
    /// Index of `services` by slug.
    pub by_slug: Arc<HashMap<String, usize>>,
}

impl Snapshot {
    pub fn new(
        now: DateTime<Utc>,
        services: Vec<ServiceFacts>,
        teams: HashMap<String, TeamFacts>,
        schedules: HashMap<String, ScheduleFacts>,
    ) -> Snapshot {
        let by_slug = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.slug.clone(), i))
            .collect();
        Snapshot {
            now,
            services: Arc::new(services),
            teams: Arc::new(teams),
            schedules: Arc::new(schedules),
            by_slug: Arc::new(by_slug),
        }
    }

    pub fn service(&self, slug: &str) -> Option<&ServiceFacts> {
        self.by_slug.get(slug).map(|i| &self.services[*i])
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ServiceFacts {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub tier: i64,
    pub lifecycle: String,
    pub kind: String,
    pub repository: Option<String>,
    /// Team slugs, primary first; a name that resolves to no team is still listed.
    pub owners: Vec<String>,
    pub depends_on: Vec<String>,
    pub escalation_policy: Option<PolicyFacts>,
    /// The shortest dependency cycle through this service, if it is on one.
    pub cycle: Option<Vec<String>>,
    /// Its runbook, if it has one.
    pub runbook: Option<RunbookFacts>,
    /// Its open fixes.
    pub fixes: Vec<crate::domain::fixes::FixFacts>,
    /// Resolved SEV1–2 incidents on it with no fix recorded, with whole days since.
    pub unfixed_incidents: Vec<(crate::domain::fixes::UnfixedIncident, i64)>,
    /// Its dependencies' freshness, when it has lockfiles.
    pub deps: Option<crate::domain::deps::rules::DepsFacts>,
}

/// What the rules read of a runbook.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RunbookFacts {
    /// The last review (a save counts as one).
    pub reviewed_at: DateTime<Utc>,
    /// Whole days from the last review to the top of the hour the snapshot was read in. It
    /// is part of the facts (and so of their hash) so that an incremental pass sees a review
    /// fall due without anything in the catalog changing.
    pub age_days: i64,
    /// How many failure modes the current version lists.
    pub failure_modes: usize,
    /// The service's owners, dependencies, repository and tier as the last review saw them.
    pub reviewed: crate::domain::runbooks::ServiceFacts,
    /// Incidents on the service resolved after the last review: what they taught may be
    /// missing from it.
    pub incidents_since: Vec<crate::domain::runbooks::ResolvedIncident>,
}

impl RunbookFacts {
    /// Whole days from `reviewed_at` to the top of the hour of `now`.
    pub fn age_days(reviewed_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
        let hour = now.timestamp().div_euclid(3600) * 3600;
        (hour - reviewed_at.timestamp()).div_euclid(86_400)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyFacts {
    pub slug: String,
    /// The schedules its levels page through.
    pub schedules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TeamFacts {
    pub slug: String,
    pub members: Vec<MemberFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberFacts {
    pub handle: String,
    pub lead: bool,
    pub active: bool,
}

/// A schedule's coverage and load ahead of `now`, computed when the snapshot was taken. An
/// `Err` is a schedule that could not be computed (its rules report unknown).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScheduleFacts {
    pub slug: String,
    pub computed: Result<Coverage, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Coverage {
    /// Gaps from `now` up to [`COVERAGE_DAYS`] ahead, in order.
    pub gaps: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Each person's share of the next [`LOAD_DAYS`] in basis points (2500 = 25 %).
    pub load_bp: Vec<(String, i64)>,
}

/// How far ahead gaps are computed: the largest gap threshold plus the "fails soon" horizon.
pub const COVERAGE_DAYS: i64 = 60;
/// The window the load share is measured over.
pub const LOAD_DAYS: i64 = 30;
/// "Fails soon" looks this far ahead.
pub const SOON_DAYS: i64 = 14;

// ---------------------------------------------------------------------------------------
// Evaluation

/// A rule's verdict for one service, after settings and panics are accounted for.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Disabled,
    NotApplicable,
    /// The rule panicked on this service; the pass goes on.
    Error(String),
    /// Pass when empty of failures and unknowns.
    Outcomes(Vec<Outcome>),
}

/// Runs one rule on one service. A panic in the rule is caught and reported as an error for
/// this service only.
pub fn evaluate(def: &RuleDef, settings: &Settings, snap: &Snapshot, s: &ServiceFacts) -> Verdict {
    if !settings.enabled {
        return Verdict::Disabled;
    }
    if !settings.applies.covers(s) {
        return Verdict::NotApplicable;
    }
    let ctx = Ctx {
        snapshot: snap,
        settings,
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (def.eval)(&ctx, s))) {
        Ok(outcomes) if outcomes.contains(&Outcome::NotApplicable) => Verdict::NotApplicable,
        Ok(outcomes) => Verdict::Outcomes(outcomes),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the rule failed".into());
            Verdict::Error(text)
        }
    }
}

/// A stable hash of everything the rules read about `s` (its own facts, its owning teams,
/// the lifecycles of its dependencies, the schedules it pages through) and of the settings:
/// when it is unchanged since the last pass, so are the service's results.
pub fn facts_hash(snap: &Snapshot, s: &ServiceFacts, settings_hash: u64) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    settings_hash.hash(&mut h);
    s.hash(&mut h);
    for o in &s.owners {
        snap.teams.get(o).hash(&mut h);
    }
    for d in &s.depends_on {
        snap.service(d).map(|d| d.lifecycle.as_str()).hash(&mut h);
    }
    if let Some(p) = &s.escalation_policy {
        for sched in &p.schedules {
            snap.schedules.get(sched).hash(&mut h);
        }
    }
    h.finish()
}

/// A stable hash of every rule's settings.
pub fn settings_hash(settings: &[(&'static RuleDef, Settings)]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    for (def, s) in settings {
        def.id.hash(&mut h);
        s.hash(&mut h);
    }
    h.finish()
}
