//! Decay checks in the `/api/v1` contract: scheduled jobs and their runs, rules (checks) and
//! their settings, findings, exemptions and the maintenance scorecards. Percentages are 0–100
//! with one decimal; instants are RFC 3339 UTC.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// A job the scheduler runs, with its last runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// `checks`, `session-cleanup`, `deliveries`, `digest`, `history-retention`.
    pub name: String,
    pub title: String,
    pub description: String,
    /// Six-field cron expression (with seconds), in UTC.
    pub schedule: String,
    /// Seconds between two ticks of the schedule (the shortest gap, for irregular ones).
    pub interval_secs: i64,
    /// When the schedule next fires (absent when the scheduler is off on this replica).
    pub next_tick: Option<String>,
    pub last_run: Option<JobRun>,
    pub last_success_at: Option<String>,
    /// The last success is older than twice the interval (or there was none for that long):
    /// the job has stopped running and what it keeps fresh is decaying unseen.
    pub stale: bool,
    /// The run in progress, if one is.
    pub running: Option<JobRun>,
}

/// One run of a job. Outcomes: `running`, `succeeded`, `failed`, `skipped` (another run of
/// the job still held its lease).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    /// The scheduled instant this run is for; `manual:…` for "Run now".
    pub tick: String,
    /// `schedule`, `catch-up` (missed while Steward was down) or `manual`.
    pub trigger: String,
    /// The replica (host and process) that ran it.
    pub replica: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: String,
    pub progress_done: i64,
    pub progress_total: i64,
    /// What the run did, by name (`evaluated`, `opened`, `resolved`, `sent`, …).
    pub counts: BTreeMap<String, i64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobList {
    pub jobs: Vec<Job>,
    /// The most recent runs of every job, newest first.
    pub recent: Vec<JobRun>,
}

/// Which services a rule holds to account. Empty lists mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuleApplies {
    #[serde(default)]
    pub tiers: Vec<i64>,
    #[serde(default)]
    pub lifecycles: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<String>,
}

/// A rule's threshold for each tier (its meaning and unit are the rule's `thresholdLabel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TierThresholds {
    pub tier1: i64,
    pub tier2: i64,
    pub tier3: i64,
    pub tier4: i64,
}

impl TierThresholds {
    pub fn for_tier(&self, tier: i64) -> i64 {
        match tier {
            1 => self.tier1,
            2 => self.tier2,
            3 => self.tier3,
            _ => self.tier4,
        }
    }
}

/// A rule (a check) with its effective settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub description: String,
    /// What to do about a failure.
    pub how_to_fix: String,
    /// `ownership`, `on-call`, `catalog`, `operations`.
    pub category: String,
    /// `low`, `medium`, `high`, `critical`.
    pub severity: String,
    /// The scorecard level the rule belongs to: `bronze`, `silver`, `gold`.
    pub level: String,
    /// Its weight in the scorecard percentage (1–100).
    pub weight: i64,
    pub enabled: bool,
    pub applies: RuleApplies,
    pub thresholds: Option<TierThresholds>,
    /// What the thresholds measure (`days ahead`, `percent of the window`).
    pub threshold_label: Option<String>,
    /// Failures before this instant are shown but not counted (a grace period).
    pub enforced_from: Option<String>,
    /// False while the rule runs with its built-in defaults.
    pub customized: bool,
    pub version: i64,
    /// Services with an open, counted finding of this rule.
    pub failing: i64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

/// New settings for a rule (`PUT /rules/{id}`, with the `version` read) or a trial of them
/// (`POST /rules/{id}/dry-run`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuleInput {
    pub enabled: bool,
    pub severity: String,
    pub level: String,
    pub weight: i64,
    #[serde(default)]
    pub applies: RuleApplies,
    #[serde(default)]
    pub thresholds: Option<TierThresholds>,
    #[serde(default)]
    pub enforced_from: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
}

/// What a rule with the given settings would report over every service now. Nothing is
/// stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DryRun {
    pub rule: String,
    pub evaluated: i64,
    pub failing: i64,
    pub unknown: i64,
    pub passing: i64,
    pub not_applicable: i64,
    /// Failing services per owning team (primary owner), most first.
    pub by_team: Vec<DryRunTeam>,
    /// Services that would fail and do not now, and the other way round.
    pub newly_failing: Vec<String>,
    pub newly_passing: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DryRunTeam {
    pub team: String,
    pub failing: i64,
    pub services: Vec<String>,
}

/// One finding: a rule failing (or not evaluable) for one subject of one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub id: i64,
    /// Absent for findings about Steward itself (a job that stopped).
    pub service: Option<String>,
    pub service_name: Option<String>,
    /// The service's owning teams, primary first.
    pub owners: Vec<String>,
    pub rule: String,
    pub rule_title: String,
    pub category: String,
    /// What within the service the finding is about (a team, a schedule, a dependency), or
    /// `-` when the rule has one subject per service.
    pub subject: String,
    /// `open` or `resolved`.
    pub state: String,
    /// `fail`, `unknown` (missing or stale data: could not be evaluated) or `error` (the rule
    /// itself failed on this service).
    pub result: String,
    pub severity: String,
    pub message: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub details: serde_json::Value,
    /// For `unknown`: how old the data the rule needed was (absent: there was none).
    pub data_age_secs: Option<i64>,
    /// False while the rule's grace period lasts.
    pub enforced: bool,
    /// The active exemption covering it, if any.
    pub exemption: Option<Exemption>,
    pub first_seen_at: String,
    pub last_seen_at: String,
    pub resolved_at: Option<String>,
    pub reopened_count: i64,
}

/// Query of `GET /findings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct FindingQuery {
    /// Services owned by this team (any owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// `open` (default), `resolved` or `all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// `fail`, `unknown` or `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

/// A rule waived for one service until `expiresAt`, with the reason and who approved it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Exemption {
    pub id: i64,
    pub service: String,
    pub rule: String,
    pub reason: String,
    pub approved_by: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub created_at: String,
    /// Not revoked and not expired.
    pub active: bool,
}

/// `POST /exemptions`: granted by an admin or a lead of the service's owning team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ExemptionInput {
    pub service: String,
    pub rule: String,
    pub reason: String,
    /// RFC 3339 instant in the future, at most a year ahead.
    pub expires_at: String,
}

/// Query of `GET /exemptions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct ExemptionQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Services owned by this team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Also revoked and expired ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<bool>,
}

/// Number of services at each level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LevelCounts {
    pub none: i64,
    pub bronze: i64,
    pub silver: i64,
    pub gold: i64,
}

/// One day of a scorecard's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HistoryPoint {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub percent: f64,
    pub level: String,
    pub levels: LevelCounts,
}

/// Something that passes now but will not soon: a threshold crossed within 14 days, an
/// exemption or a grace period ending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FailsSoon {
    pub service: String,
    pub rule: String,
    pub rule_title: String,
    pub subject: String,
    /// When it starts failing.
    pub at: String,
    pub reason: String,
}

/// How one rule stands for one service. Status: `pass`, `fail`, `unknown`, `error`,
/// `exempt`, `grace` (failing, not yet enforced), `not-applicable`, `disabled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuleStatus {
    pub rule: String,
    pub title: String,
    pub category: String,
    pub level: String,
    pub weight: i64,
    pub severity: String,
    pub status: String,
    pub how_to_fix: String,
    /// The open findings behind a non-passing status.
    pub findings: Vec<Finding>,
    pub exemption: Option<Exemption>,
}

/// A service's maintenance scorecard: the cumulative level and the weighted percentage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceScorecard {
    pub service: String,
    pub name: String,
    pub tier: i64,
    /// `none`, `bronze`, `silver`, `gold`.
    pub level: String,
    pub percent: f64,
    /// Applicable rules passing (exempt and grace count as passing) and applicable in all.
    pub passing: i64,
    pub applicable: i64,
    pub rules: Vec<RuleStatus>,
    /// The next level and the rules to fix to reach it.
    pub next_level: Option<String>,
    pub to_next_level: Vec<String>,
    pub fails_soon: Vec<FailsSoon>,
    pub history: Vec<HistoryPoint>,
    /// When the checks last evaluated this service (absent: never yet).
    pub evaluated_at: Option<String>,
}

/// One service's line of a team scorecard: its status per rule, in the order of `rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceScoreRow {
    pub service: String,
    pub name: String,
    pub tier: i64,
    pub level: String,
    pub percent: f64,
    pub cells: Vec<String>,
}

/// A rule's column in a team grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RuleColumn {
    pub rule: String,
    pub title: String,
    pub level: String,
    pub weight: i64,
}

/// What to fix first in a team: rules by how much the team's score gains if fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FixFirst {
    pub rule: String,
    pub title: String,
    pub level: String,
    pub services: Vec<String>,
    /// Percentage points the team's average gains when every listed service passes.
    pub gain: f64,
    pub how_to_fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamScorecard {
    pub team: String,
    pub name: String,
    pub percent: f64,
    pub levels: LevelCounts,
    pub rules: Vec<RuleColumn>,
    pub services: Vec<ServiceScoreRow>,
    pub fix_first: Vec<FixFirst>,
    pub fails_soon: Vec<FailsSoon>,
    pub history: Vec<HistoryPoint>,
}

/// A team's line in the organisation's ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamScoreRow {
    pub team: String,
    pub name: String,
    pub percent: f64,
    pub services: i64,
    pub levels: LevelCounts,
}

/// The organisation's maintenance scorecard (`GET /scorecards/maintenance`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrgScorecard {
    pub percent: f64,
    pub services: i64,
    pub levels: LevelCounts,
    /// Teams by percentage, lowest first (who needs help first).
    pub teams: Vec<TeamScoreRow>,
    pub history: Vec<HistoryPoint>,
    pub open_findings: i64,
    pub unknown_findings: i64,
    pub fails_soon: i64,
    /// Jobs that stopped running (see `GET /jobs`).
    pub stale_jobs: Vec<String>,
}

/// Query of `GET /scorecards/maintenance`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct ScorecardQuery {
    /// A team's scorecard instead of the organisation's (answers a `TeamScorecard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Days of history (default 90, at most 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
}

/// `GET /scorecards/maintenance`: the organisation's scorecard, or with `?team=` that team's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(untagged)]
pub enum MaintenanceScorecard {
    Team(TeamScorecard),
    Org(OrgScorecard),
}
