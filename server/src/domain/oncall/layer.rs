//! One layer on its own: its turns, cut down to its restrictions and its lifetime.
//!
//! Handoff k is the naive local time `start + k·turn` mapped with [`to_utc`]. Computing it
//! for any k directly is what lets a window years after the layer start cost only the turns
//! inside it: the first turn is found from the window's wall clock by arithmetic, then
//! nudged by a step or two.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::local::{to_local, to_utc_flagged};
use super::restriction::active_windows;
use super::{push_merged, Handle, Layer, Segment, Source};

/// A handoff that falls in a DST gap moves forward by the gap and may land on or past later
/// handoffs (an hourly 02:30 handoff meets 03:30; Hours turns across Apia's skipped day). Gaps
/// are at most about a day, so later handoffs within three local days are all that can matter.
const GAP_LOOKAHEAD_SECS: i64 = 3 * 86_400;

/// Local wall times beyond this year are not scheduled (they would only come from absurd
/// inputs); the layer simply covers nothing there.
const LAST_YEAR: i32 = 9_000;

/// Where layers stop covering: the start of [`LAST_YEAR`] (UTC is close enough here).
fn horizon() -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(LAST_YEAR, 1, 1).map_or(DateTime::<Utc>::MAX_UTC, |d| {
        d.and_time(NaiveTime::MIN).and_utc()
    })
}

/// One non-empty turn of a layer, unclipped: handoff instants `[start, end)` and the person
/// (`None` when the rotation of that era is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnSpan {
    pub index: i64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub person: Option<Handle>,
}

/// Handoff arithmetic for one layer in one zone.
pub(super) struct Clock<'a> {
    zone: Tz,
    layer: &'a Layer,
    step: i64,
}

impl<'a> Clock<'a> {
    pub(super) fn new(zone: Tz, layer: &'a Layer) -> Self {
        Clock {
            zone,
            layer,
            step: layer.turn.naive_seconds().max(1),
        }
    }

    fn local(&self, k: i64) -> Option<NaiveDateTime> {
        let delta = TimeDelta::try_seconds(k.checked_mul(self.step)?)?;
        let local = self.layer.start.checked_add_signed(delta)?;
        (chrono::Datelike::year(&local) <= LAST_YEAR).then_some(local)
    }

    /// Handoff k as an instant: the mapped local time, or, for a time in a gap, the earliest
    /// of it and the later handoffs it overtook. Never decreases in k; equal neighbours mean
    /// an empty turn. `MAX_UTC` past the supported calendar.
    pub(super) fn at(&self, k: i64) -> DateTime<Utc> {
        let Some(local) = self.local(k) else {
            return DateTime::<Utc>::MAX_UTC;
        };
        let (mut at, in_gap) = to_utc_flagged(self.zone, local);
        if in_gap {
            let horizon = local + TimeDelta::seconds(GAP_LOOKAHEAD_SECS);
            let mut j = k + 1;
            while let Some(later) = self.local(j).filter(|l| *l < horizon) {
                at = at.min(to_utc_flagged(self.zone, later).0);
                j += 1;
            }
        }
        at
    }

    /// The turn holding instant `t`: the largest k >= 0 with `at(k) <= t` (0 before the start).
    pub(super) fn turn_at(&self, t: DateTime<Utc>) -> i64 {
        let wall = (to_local(self.zone, t) - self.layer.start).num_seconds();
        let last = (horizon().naive_utc() - self.layer.start).num_seconds();
        let mut k = wall.min(last).div_euclid(self.step).max(0);
        // The wall-clock estimate is off by at most the UTC offset change between the two
        // times, i.e. a turn or two (more only for hourly turns around a skipped day).
        while k > 0 && self.at(k) > t {
            k -= 1;
        }
        // `MAX_UTC` marks the end of the supported calendar: no turn starts there.
        loop {
            let next = self.at(k + 1);
            if next > t || next == DateTime::<Utc>::MAX_UTC {
                return k;
            }
            k += 1;
        }
    }

    /// The rotation in force for a turn starting at `start`. Turns before the first rotation's
    /// `from` (invalid data) fall back to the first rotation.
    fn person(&self, k: i64, start: DateTime<Utc>) -> Option<&'a Handle> {
        let rotations = &self.layer.rotations;
        let era = rotations
            .partition_point(|r| r.from <= start)
            .saturating_sub(1);
        let rotation = rotations.get(era)?;
        rotation
            .participants
            .get(slot(k, rotation.shift, rotation.participants.len())?)
    }

    /// Non-empty turns meeting `[lo, hi)` that start before the layer's end.
    pub(super) fn spans(&self, lo: DateTime<Utc>, hi: DateTime<Utc>) -> Vec<TurnSpan> {
        let hi = hi.min(self.layer.end.unwrap_or(DateTime::<Utc>::MAX_UTC));
        let mut out = Vec::new();
        let mut k = self.turn_at(lo);
        let mut start = self.at(k);
        while start < hi {
            let end = self.at(k + 1);
            if end > start {
                out.push(TurnSpan {
                    index: k,
                    start,
                    end,
                    person: self.person(k, start).cloned(),
                });
            }
            k += 1;
            start = end;
        }
        out
    }
}

/// Index of turn k's person among `len` participants.
pub(super) fn slot(k: i64, shift: i64, len: usize) -> Option<usize> {
    let len = i128::try_from(len).ok().filter(|l| *l > 0)?;
    usize::try_from((i128::from(k) + i128::from(shift)).rem_euclid(len)).ok()
}

/// The layer's turns meeting `[from, to)` (not clipped to the window; turns starting at or
/// after the layer's end are left out). Handoffs strictly increase.
pub fn turn_spans(
    zone: Tz,
    layer: &Layer,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<TurnSpan> {
    if from >= to {
        return Vec::new();
    }
    Clock::new(zone, layer).spans(from, to)
}

/// The layer's own coverage within `[from, to)`: turns intersected with its restrictions and
/// its lifetime, sorted and maximal. Uncovered time is absent, not a gap segment.
pub fn layer_segments(
    zone: Tz,
    layer: &Layer,
    index: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Segment> {
    let clock = Clock::new(zone, layer);
    let lo = from.max(clock.at(0));
    let hi = to
        .min(layer.end.unwrap_or(DateTime::<Utc>::MAX_UTC))
        .min(horizon());
    if lo >= hi || layer.rotations.is_empty() {
        return Vec::new();
    }
    let windows = if layer.restrictions.is_empty() {
        vec![(lo, hi)]
    } else {
        active_windows(zone, &layer.restrictions, lo, hi)
    };
    let mut out = Vec::new();
    let mut w = 0;
    for span in clock.spans(lo, hi) {
        let Some(person) = span.person.as_ref() else {
            continue;
        };
        let (a, b) = (span.start.max(lo), span.end.min(hi));
        while windows.get(w).is_some_and(|win| win.1 <= a) {
            w += 1;
        }
        for win in windows[w..].iter().take_while(|win| win.0 < b) {
            push_merged(
                &mut out,
                a.max(win.0),
                b.min(win.1),
                Some(person),
                Source::Layer(index),
            );
        }
    }
    out
}
