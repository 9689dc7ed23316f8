//! Local wall-clock time to UTC, by RFC 5545 §3.3.5.
//!
//! Handoffs, restrictions and the load split are local wall-clock rules, so every edge has to
//! become an instant, and two kinds of local time need a rule: one that never happens (the
//! spring-forward gap) and one that happens twice (fall back). RFC 5545 answers both and so
//! does [`to_utc`]: a skipped time is read with the UTC offset in force *before* the gap
//! (02:30 in New York on the spring day is 07:30Z, i.e. 03:30 EDT), a repeated time means its
//! first occurrence. Nothing here assumes a gap is one hour: Lord Howe moves by 30 minutes and
//! Apia skipped all of 2011-12-30.

use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// Offsets in the tz database stay within ±16 h of UTC, so the transition that skips a local
/// time lies less than this far from that local time read as if it were UTC.
const SEARCH_SPAN: TimeDelta = TimeDelta::hours(30);

/// The instant of a local wall time in `zone` (RFC 5545: gap → offset before the gap,
/// repeated → first occurrence).
pub fn to_utc(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    to_utc_flagged(zone, local).0
}

/// [`to_utc`], also telling whether `local` fell in a gap. Only such times can map past a
/// later local time, which the layer boundaries have to correct.
pub(super) fn to_utc_flagged(zone: Tz, local: NaiveDateTime) -> (DateTime<Utc>, bool) {
    match zone.from_local_datetime(&local).earliest() {
        Some(t) => (t.with_timezone(&Utc), false),
        None => (in_gap(zone, local), true),
    }
}

/// The wall clock of `zone` at instant `t` (saturating at the ends of the calendar, where
/// chrono's own conversion would panic).
pub fn to_local(zone: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    let utc = t.naive_utc();
    let offset = zone.offset_from_utc_datetime(&utc).fix();
    utc.checked_add_offset(offset)
        .unwrap_or(if offset.local_minus_utc() > 0 {
            NaiveDateTime::MAX
        } else {
            NaiveDateTime::MIN
        })
}

/// A nonexistent `local`, read with the offset in force just before its gap.
///
/// The offset is found by bisection on the UTC line rather than by looking "an hour earlier":
/// the wall clock at `lo` stays before `local` and at `hi` after it, and since no instant shows
/// `local` the two close in on the transition that jumps over it, whatever its size. The
/// offset at `lo`, one second before that transition, is the offset before the gap.
fn in_gap(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let as_utc = local.and_utc();
    let (Some(mut lo), Some(mut hi)) = (
        as_utc.checked_sub_signed(SEARCH_SPAN),
        as_utc.checked_add_signed(SEARCH_SPAN),
    ) else {
        return as_utc;
    };
    while hi - lo > TimeDelta::seconds(1) {
        let mid = lo + (hi - lo) / 2;
        if to_local(zone, mid) < local {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let before = zone.offset_from_utc_datetime(&lo.naive_utc()).fix();
    local
        .checked_sub_signed(TimeDelta::seconds(i64::from(before.local_minus_utc())))
        .map_or(as_utc, |utc| utc.and_utc())
}
