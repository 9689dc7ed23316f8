//! Future fixes on GitHub in the `/api/v1` contract: what an admin sees of issue filing
//! (`GET /integrations/github`): GitHub's rate-limit budget, the fixes still waiting to be
//! filed and why, and each repository's poll.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GithubStatus {
    /// A token is set: future fixes are filed.
    pub configured: bool,
    /// A webhook secret is set: `POST /webhooks/github` accepts signed deliveries.
    pub webhook: bool,
    pub labels: Vec<String>,
    /// No call to GitHub before this instant (a Retry-After, or a spent budget).
    pub blocked_until: Option<String>,
    pub budget: Vec<Budget>,
    pub pending: Vec<PendingIssue>,
    pub repositories: Vec<RepositoryPoll>,
}

/// One rate-limit resource (`core`, `search`…) as GitHub's headers last said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Budget {
    pub resource: String,
    pub limit: Option<i64>,
    pub remaining: Option<i64>,
    pub resets_at: Option<String>,
    pub blocked_until: Option<String>,
    pub observed_at: String,
}

/// A future fix not filed yet: every attempt is kept, and retried with backoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PendingIssue {
    pub fix: i64,
    pub title: String,
    pub service: String,
    pub repository: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RepositoryPoll {
    pub repository: String,
    /// Filed issues in it.
    pub issues: i64,
    pub polled_at: Option<String>,
    /// GitHub's status on the last poll (304: nothing changed).
    pub last_status: Option<i64>,
}

/// What `POST /webhooks/github` did with a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookReply {
    pub delivery: String,
    /// `changed` (a fix took the issue's state), `unchanged`, `unknown-issue` (no fix has
    /// it), `ignored` (an event or action that says nothing of state), `duplicate` (this
    /// delivery was handled before).
    pub outcome: String,
}
