//! Incidents in the `/api/v1` contract: one accountable commander (the "shot maker"), the
//! investigators, the affected services with who was on call for each when it was declared,
//! milestones in order, a timeline of notes and hand-overs, and response-time metrics as
//! median and p90.

use super::oncall::ServiceOnCall;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// The milestones of an incident, RFC 3339. Each is optional except `detectedAt`; those given
/// must be in the order started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Milestones {
    /// When the impact began (often learnt later).
    #[serde(default)]
    pub started_at: Option<String>,
    /// When someone or something noticed; defaults to the declaration.
    #[serde(default)]
    pub detected_at: Option<String>,
    /// When a responder took it on.
    #[serde(default)]
    pub acknowledged_at: Option<String>,
    /// When the bleeding stopped (the short-term fix).
    #[serde(default)]
    pub mitigated_at: Option<String>,
    #[serde(default)]
    pub resolved_at: Option<String>,
}

/// Body of `POST /incidents` (declare) and `PUT /incidents/{id}` (the whole incident, with
/// the `version` read). Changing `commander` records a hand-over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncidentInput {
    pub title: String,
    /// `SEV1` (worst) to `SEV4`.
    pub severity: String,
    /// Slugs of the affected services, at least one.
    pub services: Vec<String>,
    /// `investigating` (the default), `identified`, `mitigated` or `resolved`.
    #[serde(default)]
    pub status: Option<String>,
    /// The handle of the one person accountable for the final call.
    pub commander: String,
    /// Handles of the people diagnosing it.
    #[serde(default)]
    pub investigators: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default, flatten)]
    pub milestones: Milestones,
    /// The version read; required on `PUT`.
    #[serde(default)]
    pub version: Option<i64>,
}

/// An affected service, with who a page reached when the incident was declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AffectedService {
    pub slug: String,
    pub name: String,
    pub tier: i64,
    /// Its owning teams' slugs.
    pub owners: Vec<String>,
    /// The escalation walk at the moment of declaration (kept as it was then); absent for a
    /// service added later, or when it could not be computed.
    pub on_call_at_declaration: Option<ServiceOnCall>,
}

/// A commander hand-over: when, from whom, to whom, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Handover {
    pub at: String,
    pub from: String,
    pub to: String,
    pub by: String,
}

/// One line of the timeline: `declared`, `note`, `handover`, `status`, `milestone` or
/// `update`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub id: i64,
    pub kind: String,
    pub at: String,
    pub author: String,
    pub text: String,
}

/// Response times of one incident in seconds, where both ends are known: detect (started →
/// detected), acknowledge (detected → acknowledged), mitigate and resolve (from the start
/// of the impact: started, or detected when the start is unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResponseTimes {
    pub detect_secs: Option<i64>,
    pub acknowledge_secs: Option<i64>,
    pub mitigate_secs: Option<i64>,
    pub resolve_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub commander: String,
    pub commander_name: Option<String>,
    pub investigators: Vec<String>,
    pub summary: Option<String>,
    pub services: Vec<AffectedService>,
    #[serde(flatten)]
    pub milestones: Milestones,
    pub times: ResponseTimes,
    pub handovers: Vec<Handover>,
    pub declared_at: String,
    pub declared_by: String,
    pub updated_at: String,
    pub version: i64,
}

/// A line of the incident list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncidentSummary {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub commander: String,
    pub services: Vec<String>,
    pub detected_at: String,
    pub resolved_at: Option<String>,
}

/// Query of `GET /incidents` and `GET /incidents/metrics`: incidents detected in
/// [`from`, `to`), of a service, of a team's services, of a severity, open or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct IncidentQuery {
    pub service: Option<String>,
    pub team: Option<String>,
    /// `SEV1` … `SEV4`.
    pub severity: Option<String>,
    /// `open` (not resolved) or a status.
    pub status: Option<String>,
    /// RFC 3339 or a date (`2026-11-01`).
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Body of `POST /incidents/{id}/timeline`: a note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NoteInput {
    pub text: String,
}

/// The median and 90th percentile of one response time over `count` incidents that have it
/// (linear interpolation between ranks); absent when none has.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Spread {
    pub count: i64,
    pub median_secs: Option<f64>,
    pub p90_secs: Option<f64>,
}

/// `GET /incidents/metrics`: response times over the incidents the query selects. Never a
/// mean: one long incident would hide how the usual one goes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncidentMetrics {
    pub incidents: i64,
    pub detect: Spread,
    pub acknowledge: Spread,
    pub mitigate: Spread,
    pub resolve: Spread,
}
