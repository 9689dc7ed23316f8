//! When a restricted layer is active: the union of its weekday/time windows as instants.
//!
//! Like handoffs, restriction edges are local wall times ("weekdays 09:00–17:00"), mapped one
//! by one with [`to_utc`]; a window that the mapping makes empty (its local hour was skipped)
//! simply does not exist that day.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use super::local::{to_local, to_utc};
use super::Restriction;

/// A window belongs to the local date it starts on and lasts at most 24 h; together with
/// offsets changing by at most about a day, windows meeting `[lo, hi)` start on local dates
/// within these margins of the dates of `lo` and `hi`.
const DAYS_BEFORE: u64 = 4;
const DAYS_AFTER: u64 = 2;

/// Sorted, disjoint, non-touching intervals within `[lo, hi)` where any restriction is active.
pub(super) fn active_windows(
    zone: Tz,
    restrictions: &[Restriction],
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let first = to_local(zone, lo).date();
    let last = to_local(zone, hi).date();
    let first = first
        .checked_sub_days(Days::new(DAYS_BEFORE))
        .unwrap_or(first);
    let last = last.checked_add_days(Days::new(DAYS_AFTER)).unwrap_or(last);
    let mut raw = Vec::new();
    let mut day = Some(first);
    while let Some(d) = day.filter(|d| *d <= last) {
        for r in restrictions
            .iter()
            .filter(|r| r.weekdays.contains(&d.weekday()))
        {
            if let Some((a, b)) = window(zone, r, d) {
                let (a, b) = (a.max(lo), b.min(hi));
                if a < b {
                    raw.push((a, b));
                }
            }
        }
        day = d.succ_opt();
    }
    raw.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(raw.len());
    for (a, b) in raw {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// The window of restriction `r` starting on local date `d`, if the mapping leaves it non-empty.
fn window(zone: Tz, r: &Restriction, d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let end_day = if r.to > r.from { d } else { d.succ_opt()? };
    let a = to_utc(zone, d.and_time(r.from));
    let b = to_utc(zone, end_day.and_time(r.to));
    (a < b).then_some((a, b))
}
