//! Runbooks in the `/api/v1` contract: one per service, markdown with structured failure
//! modes and links, every save a numbered version, reviews that record who looked and when,
//! and the signals that a runbook may no longer be true (overdue, suspect).

use super::Link;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// One way the service fails, and what to do about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FailureMode {
    /// What people see: the alert, the error, the complaint.
    pub symptom: String,
    /// How to confirm that this is the failure (a query, a dashboard, a command).
    #[serde(default)]
    pub confirm: String,
    /// What stops the bleeding.
    #[serde(default)]
    pub mitigation: String,
    /// Whom to call when the mitigation does not work: a person, team or schedule.
    #[serde(default)]
    pub escalate_to: String,
}

/// Body of `PUT /services/{slug}/runbook`: the whole runbook. Saving an unchanged runbook is
/// refused (409 `unchanged`): to record that it is still right, mark it reviewed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunbookInput {
    /// Markdown, at most 256 KB. Raw HTML is not rendered.
    pub body: String,
    #[serde(default)]
    pub failure_modes: Vec<FailureMode>,
    /// Dashboards, logs, … (http and https URLs only).
    #[serde(default)]
    pub links: Vec<Link>,
    /// Why this version was written (optional).
    #[serde(default)]
    pub note: Option<String>,
    /// The version that was read; absent (or 0) for the first save. A stale one is a 409.
    #[serde(default)]
    pub version: Option<i64>,
}

/// A service's runbook as it stands, with its review state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Runbook {
    pub service: String,
    /// The number of the latest version; send it back with the next save.
    pub version: i64,
    pub body: String,
    /// The body rendered to sanitised HTML (no scripts, raw HTML or `javascript:` links).
    pub html: String,
    pub failure_modes: Vec<FailureMode>,
    pub links: Vec<Link>,
    pub updated_at: String,
    pub updated_by: String,
    /// The last review; saving a version counts as one.
    pub reviewed_at: String,
    pub reviewed_by: String,
    /// Days between reviews for the service's tier (a setting).
    pub review_interval_days: i64,
    pub review_due_at: String,
    /// The review is due and has not happened.
    pub overdue: bool,
    /// The service changed since the last review, so the runbook may describe a service that
    /// no longer exists.
    pub suspect: bool,
    /// What changed: `owners changed: payments → payments, platform`.
    pub suspect_reasons: Vec<String>,
    pub created_at: String,
}

/// A version in a runbook's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunbookVersionSummary {
    pub number: i64,
    pub author: String,
    pub created_at: String,
    pub note: Option<String>,
}

/// One saved version, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunbookVersion {
    pub number: i64,
    pub author: String,
    pub created_at: String,
    pub note: Option<String>,
    pub body: String,
    pub html: String,
    pub failure_modes: Vec<FailureMode>,
    pub links: Vec<Link>,
}

/// Query of `GET /services/{slug}/runbook/diff`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct RunbookDiffQuery {
    /// The older version's number.
    pub from: i64,
    /// The newer version's number.
    pub to: i64,
}

/// One line of a difference: `equal`, `insert` (only in `to`) or `delete` (only in `from`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DiffLine {
    pub tag: String,
    pub text: String,
}

/// The line differences between two versions: of the markdown, and of the failure modes and
/// links written out as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunbookDiff {
    pub from: i64,
    pub to: i64,
    pub body: Vec<DiffLine>,
    pub failure_modes: Vec<DiffLine>,
    pub links: Vec<DiffLine>,
}

/// The API path of a service's runbook (`/services/{slug}/runbook`), with `rest` appended.
pub fn path(slug: &str, rest: &str) -> String {
    format!("/services/{}/runbook{rest}", urlencoding::encode(slug))
}
