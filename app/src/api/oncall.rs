//! The on-call part of the `/api/v1` contract: schedules with their layers, overrides, the
//! computed timeline and who is on call. Instants are RFC 3339 UTC; a layer's `start` is a
//! local wall-clock time in the schedule's zone, because handoffs follow the local clock.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// How long one turn lasts, in local wall-clock units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TurnSpec {
    /// `hours`, `days` or `weeks`.
    pub unit: String,
    pub length: u32,
}

/// The layer speaks only on these weekdays, from `from` to `to` local time (`to` at or before
/// `from` runs past midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestrictionSpec {
    /// `mon` … `sun`.
    pub weekdays: Vec<String>,
    /// `HH:MM`.
    pub from: String,
    /// `HH:MM`.
    pub to: String,
}

/// Who rotated from an instant on (history kept so that past turns stay as they were).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RotationSpec {
    pub from: String,
    pub participants: Vec<String>,
    pub shift: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LayerSpec {
    pub name: String,
    /// Local time of the first handoff in the schedule's zone, `YYYY-MM-DDTHH:MM`; its time of
    /// day is the handoff time, and for weekly turns its weekday the handoff day.
    pub start: String,
    /// RFC 3339 instant after which the layer is silent.
    #[serde(default)]
    pub end: Option<String>,
    pub turn: TurnSpec,
    /// Who rotates, in order. Changing the list of a saved layer takes effect at its next
    /// handoff: the current turn stays, and the next goes to whoever would have had it.
    pub participants: Vec<String>,
    #[serde(default)]
    pub restrictions: Vec<RestrictionSpec>,
    /// Who rotated when (filled in answers, ignored in requests).
    #[serde(default)]
    pub rotations: Vec<RotationSpec>,
}

/// Body of `POST /schedules`, `PUT /schedules/{slug}` and `POST /schedules/preview`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScheduleInput {
    pub slug: String,
    pub name: String,
    /// The owning team's slug.
    pub team: String,
    /// IANA zone of the handoffs, e.g. `Europe/Berlin`.
    pub time_zone: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Lowest first: a later layer wins where layers overlap.
    #[serde(default)]
    pub layers: Vec<LayerSpec>,
    /// Required by `PUT`: the version that was read.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub slug: String,
    pub name: String,
    pub team: String,
    pub time_zone: String,
    pub description: Option<String>,
    pub layers: Vec<LayerSpec>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// A piece of a timeline row: a person or a gap over `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    pub start: String,
    pub end: String,
    /// `start` and `end` on the schedule's local clock, `YYYY-MM-DD HH:MM`.
    pub start_local: String,
    pub end_local: String,
    /// The person's handle; absent in a gap.
    pub person: Option<String>,
    /// `layer`, `override` or `gap`.
    pub source: String,
    /// The layer's index (for `layer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    /// The override's id (for `override`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LayerRow {
    pub name: String,
    pub segments: Vec<Segment>,
}

/// A schedule computed over `[from, to)`: one row per layer and the final row, where
/// overrides win over layers and time nobody covers is a gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub layers: Vec<LayerRow>,
    #[serde(rename = "final")]
    pub final_segments: Vec<Segment>,
    /// Seconds of the window nobody covers.
    pub gap_seconds: i64,
    /// Local midnights in the window, to draw day lines.
    pub days: Vec<Tick>,
}

/// A local midnight of the schedule's zone inside a timeline's window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Tick {
    pub at: String,
    /// `Mon 2 Mar`.
    pub label: String,
}

/// `?from=&to=` (RFC 3339, or a `YYYY-MM-DD` day) for timelines; defaults: now and 28 days on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct WindowQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// The answer to `POST /schedules/preview`: the schedule as it would be after saving, and as
/// it is now when it exists, over the same window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    pub proposed: Timeline,
    pub current: Option<Timeline>,
    /// The layers as they would be saved (with the rotation a participant change adds).
    pub layers: Vec<LayerSpec>,
}

/// Body of `POST /schedules/{slug}/overrides`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OverrideInput {
    pub person: String,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Override {
    pub id: i64,
    pub person: String,
    pub start: String,
    pub end: String,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

/// Who is on call on one schedule at an instant, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OnCall {
    pub schedule: String,
    pub schedule_name: String,
    pub team: String,
    /// Absent when nobody is: a gap.
    pub person: Option<String>,
    pub person_name: Option<String>,
    /// When this stretch ends (the next handoff, override edge or gap edge).
    pub until: Option<String>,
    /// `until` on the schedule's clock, `YYYY-MM-DD HH:MM`.
    pub until_local: Option<String>,
    pub time_zone: String,
    /// `layer`, `override` or `gap`.
    pub source: String,
}

/// A stretch of time someone is on call on one schedule (contiguous final segments of the
/// same source joined).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Shift {
    pub schedule: String,
    pub schedule_name: String,
    pub team: String,
    pub start: String,
    pub end: String,
    /// `start` and `end` on the person's own clock, `YYYY-MM-DD HH:MM`.
    pub start_local: String,
    pub end_local: String,
    /// The person's zone.
    pub time_zone: String,
    /// `layer` or `override` (on call), or `given` (a stretch of theirs a teammate took over
    /// through a swap request: not on call).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_id: Option<i64>,
    /// The swap request behind it, and the other person in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap_with: Option<String>,
}

/// Whom a level notifies: whoever is on call in a schedule, or a fixed person (one of the two).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EscalationTarget {
    /// A schedule slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// A person's handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
}

/// One level of an escalation policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EscalationLevel {
    /// Minutes to wait after the previous level was notified (after the page, for the first
    /// level) before this one is: 0–1440, at least 1 after the first level.
    pub delay_minutes: u32,
    pub targets: Vec<EscalationTarget>,
}

/// Body of `POST /escalation-policies` and `PUT /escalation-policies/{slug}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EscalationPolicyInput {
    pub slug: String,
    pub name: String,
    /// The owning team's slug.
    pub team: String,
    pub levels: Vec<EscalationLevel>,
    /// How many times the whole list runs again while nobody acknowledges (0–9).
    #[serde(default)]
    pub repeats: u32,
    /// Required by `PUT`: the version that was read.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EscalationPolicy {
    pub slug: String,
    pub name: String,
    pub team: String,
    pub levels: Vec<EscalationLevel>,
    pub repeats: u32,
    /// Slugs of the services that point to this policy.
    pub services: Vec<String>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `PUT /services/{slug}/escalation-policy`: the policy's slug, or null for none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceEscalationInput {
    pub policy: Option<String>,
}

/// One notification of a policy's first pass for a page now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Responder {
    /// 1 for the first level.
    pub level: usize,
    /// Minutes from the page until this notification.
    pub after_minutes: u32,
    /// Absent when the target schedule has a gap then.
    pub person: Option<String>,
    pub person_name: Option<String>,
    /// The schedule this person was found through (absent for a person target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_name: Option<String>,
    /// For a schedule target: when that person's stretch ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// Who a page for a service reaches now: its escalation policy walked level by level, and
/// who is on call on each schedule of its owning teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceOnCall {
    pub service: String,
    /// The policy's slug and name; absent when the service points to none.
    pub policy: Option<String>,
    pub policy_name: Option<String>,
    pub repeats: u32,
    /// The first pass, in order of notification.
    pub responders: Vec<Responder>,
    /// The owning teams' schedules, primary owner's first.
    pub schedules: Vec<OnCall>,
}

/// Body of `POST /swaps`: part of your own shift on a schedule, offered to your teammates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SwapInput {
    pub schedule: String,
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Whose shift (admins only; default: the caller's own person).
    #[serde(default)]
    pub person: Option<String>,
}

/// A swap request: `offeredBy` is on call over `[start, end)` and asks a teammate to cover;
/// taking it makes the taker an override over that interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Swap {
    pub id: i64,
    pub schedule: String,
    pub schedule_name: String,
    pub team: String,
    pub offered_by: String,
    pub offered_by_name: String,
    pub start: String,
    pub end: String,
    /// `start` and `end` on the schedule's clock, `YYYY-MM-DD HH:MM`.
    pub start_local: String,
    pub end_local: String,
    pub time_zone: String,
    pub note: Option<String>,
    /// `open`, `taken` or `withdrawn`.
    pub state: String,
    pub taken_by: Option<String>,
    pub taken_by_name: Option<String>,
    /// The override taking it created.
    pub override_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /swaps` filters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct SwapQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Swaps of the schedules of this team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Swaps this person offered or took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// `open`, `taken` or `withdrawn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}
