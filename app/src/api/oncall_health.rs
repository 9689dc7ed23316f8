//! The on-call health report in the `/api/v1` contract: gaps, each person's load split by
//! their own clock, share of the window against the SRE book's 25% line, and how evenly the
//! load is spread. Durations are whole seconds (`…Seconds`, as `gapSeconds` of a timeline);
//! shares and balance scores are fractions between 0 and 1.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// A stretch of the window nobody covers on one schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    pub start: String,
    pub end: String,
    /// `start` and `end` on the schedule's clock, `YYYY-MM-DD HH:MM`.
    pub start_local: String,
    pub end_local: String,
    pub seconds: i64,
}

/// One person's on-call time in the window, split by the hours of their own zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonLoad {
    /// The person's handle.
    pub person: String,
    /// Absent when the handle names nobody in the catalog any more.
    pub name: Option<String>,
    /// The zone the split is made in (the person's own; UTC when unknown).
    pub time_zone: String,
    /// `businessSeconds + offSeconds + sleepSeconds`.
    pub total_seconds: i64,
    /// 08:00–18:00 local, Monday to Friday.
    pub business_seconds: i64,
    /// 18:00–22:00 local on weekdays, 08:00–22:00 at weekends.
    pub off_seconds: i64,
    /// 22:00–08:00 local, any day.
    pub sleep_seconds: i64,
    /// `totalSeconds` over the window's length, 0 to 1.
    pub share: f64,
    /// `share` is above the SRE line (`sreLimit`, 0.25); exactly on the line is not over.
    pub over_limit: bool,
}

/// The health of one schedule over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScheduleHealth {
    pub schedule: String,
    pub schedule_name: String,
    pub team: String,
    /// The schedule's zone: gaps' local times are on this clock.
    pub time_zone: String,
    pub from: String,
    pub to: String,
    pub window_seconds: i64,
    /// The largest share of the time one person should be on call (0.25).
    pub sre_limit: f64,
    /// Uncovered stretches, earliest first.
    pub gaps: Vec<Gap>,
    pub gap_seconds: i64,
    /// Everyone a layer rotates through in the window (even with no time in it) and anyone
    /// else with time on this schedule (overrides); most time first.
    pub people: Vec<PersonLoad>,
    /// For each pair of `people`, the shorter total over the longer, averaged: 1 is perfectly
    /// even; absent with fewer than two people.
    pub balance: Option<f64>,
    /// `gaps` (someone should be on call and nobody is), `over_limit` (someone is over the
    /// SRE line on this schedule alone), `unbalanced` (balance below 0.5: on average one of
    /// two people carries more than twice the other's load).
    pub flags: Vec<String>,
}

/// The health of a team's on-call: each of its schedules, and each person across all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamHealth {
    pub team: String,
    pub from: String,
    pub to: String,
    pub window_seconds: i64,
    pub sre_limit: f64,
    /// The team's own schedules (not its sub-teams'), by name.
    pub schedules: Vec<ScheduleHealth>,
    /// Everyone in any schedule's `people`, with their time across all the team's schedules
    /// as a union: an hour on call on two schedules at once counts once. Most time first.
    pub people: Vec<PersonLoad>,
    /// The balance score over `people`.
    pub balance: Option<f64>,
    /// The schedules' gap time added up (each schedule's gaps are its own).
    pub gap_seconds: i64,
    /// Slugs of the schedules with a gap in the window.
    pub schedules_with_gaps: Vec<String>,
    /// Handles of the people over the SRE line across the team's schedules.
    pub over_limit: Vec<String>,
}
