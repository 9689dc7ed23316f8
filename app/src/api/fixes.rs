//! The three fix tiers in the `/api/v1` contract: the short-term (dirty) fix that stopped the
//! bleeding, with an expiry; the proper fix of the root cause, with an owner and a due date,
//! which retires a short-term fix when done; and the future fix, with the context someone
//! needs to act on it months later.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// Body of `POST /fixes` and `PUT /fixes/{id}` (with the `version` read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FixInput {
    /// `short-term`, `proper` or `future`; cannot change once recorded.
    pub tier: String,
    /// The service it is for; on an incident, one of the incident's services.
    pub service: String,
    /// The incident it comes from, if any (a fix may come from a review instead).
    #[serde(default)]
    pub incident: Option<i64>,
    /// What was done (short-term) or is to be done.
    pub title: String,
    /// Short-term: how it was applied. Proper: the plan. Future: what happened.
    #[serde(default)]
    pub description: Option<String>,
    /// A team slug or a person handle (`team:payments`, `person:ada`, or a bare name looked
    /// up as a team, then as a person). Defaults to the service's primary owning team.
    #[serde(default)]
    pub owner: Option<String>,
    /// Short-term: when it was applied (default now) and by whom (default you).
    #[serde(default)]
    pub applied_at: Option<String>,
    #[serde(default)]
    pub applied_by: Option<String>,
    /// Short-term: when it must be gone (default 14 days after it was applied).
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Proper: when it is due (required).
    #[serde(default)]
    pub due_at: Option<String>,
    /// Proper: the short-term fix it retires (on the same incident).
    #[serde(default)]
    pub retires: Option<i64>,
    /// Future: why it matters (required).
    #[serde(default)]
    pub why_it_matters: Option<String>,
    /// Future: a suggested direction (required).
    #[serde(default)]
    pub direction: Option<String>,
    /// `open` (default), `done` or `not-doing` (which needs a `reason`).
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    pub id: i64,
    pub tier: String,
    pub service: String,
    pub incident: Option<i64>,
    pub title: String,
    pub description: Option<String>,
    /// `team:payments` or `person:ada`.
    pub owner: String,
    pub applied_at: Option<String>,
    pub applied_by: Option<String>,
    pub expires_at: Option<String>,
    pub due_at: Option<String>,
    pub retires: Option<i64>,
    /// The proper fix that retired this short-term fix.
    pub retired_by: Option<i64>,
    pub why_it_matters: Option<String>,
    pub direction: Option<String>,
    pub state: String,
    pub reason: Option<String>,
    pub done_at: Option<String>,
    /// A short-term fix past its expiry with no done proper fix: the short term has become
    /// the long term.
    pub expired: bool,
    /// A proper fix past its due date.
    pub overdue: bool,
    /// Days since it was recorded.
    pub age_days: i64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub version: i64,
    /// Its GitHub issue: a future fix of a service with a repository is filed by the
    /// `github-sync` job; until GitHub confirms, `sync` is `pending` with the last error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github: Option<GithubIssue>,
}

/// A future fix's issue on GitHub, as Steward last knew it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GithubIssue {
    /// `pending` (not confirmed by GitHub yet; retried) or `filed`.
    pub sync: String,
    /// `owner/name`.
    pub repository: String,
    pub number: Option<i64>,
    pub url: Option<String>,
    /// `open` or `closed`, as GitHub last said.
    pub state: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<String>,
}

/// Query of `GET /fixes` (and `/fixes.csv`): a team's, a service's, an incident's; of a tier;
/// in a state (`open` by default; `all`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct FixQuery {
    pub team: Option<String>,
    pub service: Option<String>,
    pub incident: Option<i64>,
    pub tier: Option<String>,
    pub state: Option<String>,
}

/// Counts of a backlog by tier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FixCounts {
    pub short_term: i64,
    pub proper: i64,
    pub future: i64,
    pub expired: i64,
    pub overdue: i64,
}

/// `GET /fixes`: the fixes owed, most urgent first — expired dirty fixes, then overdue proper
/// fixes, then the rest by age, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Backlog {
    pub items: Vec<Fix>,
    pub counts: FixCounts,
}
