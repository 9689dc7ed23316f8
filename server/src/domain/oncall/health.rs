//! Is the schedule humane? Gaps, how much of each person's time is at night or off hours,
//! and how evenly the load is spread.
//!
//! A schedule can be complete and still burn people out: the same person always on weekend
//! nights, or one person holding half the time. These measures judge a person's hours by
//! *their own* time zone (a Berlin night is a Seattle afternoon), and the SRE guidance that
//! nobody should be on call for more than a quarter of the time is [`SRE_LIMIT`].

use chrono::{DateTime, Datelike, Days, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

use super::local::{to_local, to_utc};
use super::{Handle, Schedule, Segment};

/// Time is a [`TimeDelta`] (chrono's signed duration), as instants subtract to it.
pub type Duration = TimeDelta;

/// Largest share of the time one person should be on call.
pub const SRE_LIMIT: f64 = 0.25;

/// A person's on-call time split by their local clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    /// 08:00–18:00, Monday to Friday.
    pub business: Duration,
    /// 18:00–22:00 on weekdays, 08:00–22:00 at weekends.
    pub off: Duration,
    /// 22:00–08:00, any day.
    pub sleep: Duration,
}

impl Load {
    pub fn total(&self) -> Duration {
        self.business + self.off + self.sleep
    }
}

#[derive(Clone, Copy)]
enum Part {
    Business,
    Off,
    Sleep,
}

/// The uncovered stretches (segments without a person), adjacent ones joined.
pub fn gaps(segments: &[Segment]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for seg in segments.iter().filter(|s| s.person.is_none()) {
        match out.last_mut() {
            Some(last) if last.1 == seg.start => last.1 = seg.end,
            _ => out.push((seg.start, seg.end)),
        }
    }
    out
}

/// Total on-call time per person, in order of first appearance.
pub fn totals(segments: &[Segment]) -> Vec<(Handle, Duration)> {
    let mut out: Vec<(Handle, Duration)> = Vec::new();
    for seg in segments {
        let Some(person) = &seg.person else { continue };
        let length = seg.end - seg.start;
        match out.iter_mut().find(|(p, _)| p == person) {
            Some((_, total)) => *total += length,
            None => out.push((person.clone(), length)),
        }
    }
    out
}

/// `person`'s time in `segments`, split at the local hours of `person_zone` (mapped with
/// [`to_utc`], so DST days split correctly). The parts sum exactly to the person's total.
pub fn load(segments: &[Segment], person: &str, person_zone: Tz) -> Load {
    let mut load = Load::default();
    for seg in segments
        .iter()
        .filter(|s| s.person.as_deref() == Some(person))
    {
        for (start, end, part) in parts(person_zone, seg.start, seg.end) {
            let length = end - start;
            match part {
                Part::Business => load.business += length,
                Part::Off => load.off += length,
                Part::Sleep => load.sleep += length,
            }
        }
    }
    load
}

/// `[from, to)` cut at the local 08:00, 18:00 and 22:00 of each day. The edges are made
/// non-decreasing (each is the earliest of itself and the later ones, as for handoffs) so the
/// pieces tile the interval exactly even around a skipped day.
fn parts(
    zone: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, Part)> {
    let first = to_local(zone, from).date();
    let first = first.checked_sub_days(Days::new(2)).unwrap_or(first);
    let last = to_local(zone, to).date();
    let last = last.checked_add_days(Days::new(2)).unwrap_or(last);
    let mut edges = Vec::new();
    let mut day = Some(first);
    while let Some(d) = day.filter(|d| *d <= last) {
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let morning = if weekend { Part::Off } else { Part::Business };
        for (hour, part) in [(8, morning), (18, Part::Off), (22, Part::Sleep)] {
            let time = NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN);
            edges.push((to_utc(zone, d.and_time(time)), part));
        }
        day = d.succ_opt();
    }
    for i in (0..edges.len().saturating_sub(1)).rev() {
        edges[i].0 = edges[i].0.min(edges[i + 1].0);
    }
    let mut out = Vec::new();
    for (i, &(start, part)) in edges.iter().enumerate() {
        let end = edges.get(i + 1).map_or(to, |e| e.0);
        let (a, b) = (start.max(from), end.min(to));
        if a < b {
            out.push((a, b, part));
        }
    }
    out
}

/// `person`'s time across several final schedules as one list: their pieces sorted and joined
/// where they overlap or touch, so that an hour on call on two schedules at once counts once.
/// Each joined piece keeps the source of its earliest part (only the person and the instants
/// matter to [`load`] and [`totals`]).
pub fn union<'a>(person: &str, schedules: impl IntoIterator<Item = &'a [Segment]>) -> Vec<Segment> {
    let mut pieces: Vec<&Segment> = schedules
        .into_iter()
        .flatten()
        .filter(|s| s.person.as_deref() == Some(person) && s.start < s.end)
        .collect();
    pieces.sort_by_key(|s| (s.start, s.end));
    let mut out: Vec<Segment> = Vec::new();
    for piece in pieces {
        match out.last_mut() {
            Some(last) if piece.start <= last.end => last.end = last.end.max(piece.end),
            _ => out.push(piece.clone()),
        }
    }
    out
}

/// Who a schedule expects to rotate in `[from, to)`: the participants of every rotation in
/// effect at some instant of the window, on layers running then (started, not yet ended), in
/// order of first mention. Restrictions are ignored: a person rotating through a layer that
/// happens to be silent in the window still takes part.
pub fn participants(s: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Handle> {
    let mut out: Vec<Handle> = Vec::new();
    for layer in &s.layers {
        let start = layer.start_instant(s.zone).max(from);
        let end = layer.end.map_or(to, |e| e.min(to));
        for (i, rotation) in layer.rotations.iter().enumerate() {
            let until = layer
                .rotations
                .get(i + 1)
                .map_or(end, |next| next.from.min(end));
            if rotation.from.max(start) >= until {
                continue;
            }
            for p in &rotation.participants {
                if !out.contains(p) {
                    out.push(p.clone());
                }
            }
        }
    }
    out
}

/// How evenly time is spread: for each pair of people the shorter total over the longer
/// (1.0 when both are zero), averaged. 1.0 is perfectly even; `None` for fewer than two.
pub fn balance(totals: &[Duration]) -> Option<f64> {
    if totals.len() < 2 {
        return None;
    }
    let (mut sum, mut pairs) = (0.0, 0u64);
    for (i, a) in totals.iter().enumerate() {
        for b in &totals[i + 1..] {
            let (a, b) = (seconds(*a), seconds(*b));
            let (short, long) = (a.min(b), a.max(b));
            sum += if long == 0.0 { 1.0 } else { short / long };
            pairs += 1;
        }
    }
    Some(sum / pairs as f64)
}

/// The fraction of `window` spent on call (0.0 for an empty window).
pub fn share(total: Duration, window: Duration) -> f64 {
    let window = seconds(window);
    if window == 0.0 {
        0.0
    } else {
        seconds(total) / window
    }
}

/// Seconds as a float, negatives counted as zero.
fn seconds(d: Duration) -> f64 {
    d.num_milliseconds().max(0) as f64 / 1000.0
}
