//! The final schedule: layers stacked, overrides on top, gaps where nobody is on call.
//!
//! Each layer's coverage and each override is an interval with a priority (any override above
//! any layer, later overrides above earlier ones, higher layers above lower ones). One sweep
//! over the sorted interval edges keeps the active intervals in a map ordered by priority and
//! hands each stretch between two edges to the top one. The cost is the number of turns and
//! overrides in the window, not its length.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};

use super::layer::layer_segments;
use super::{push_merged, Handle, Schedule, Segment, Source};

/// Priority of an interval: overrides (1) above layers (0), then by index.
type Priority = (u8, usize);

struct Item {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    priority: Priority,
    person: Handle,
    source: Source,
}

/// Who is on call over `[from, to)`: sorted, non-overlapping, maximal segments covering the
/// window exactly (empty when `from >= to`). Each instant goes to the latest override
/// covering it, else the highest layer covering it, else a gap. Invalid overrides
/// (`start >= end`) are ignored.
pub fn final_schedule(s: &Schedule, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Segment> {
    if from >= to {
        return Vec::new();
    }
    let mut items = Vec::new();
    for (i, layer) in s.layers.iter().enumerate() {
        for seg in layer_segments(s.zone, layer, i, from, to) {
            if let Some(person) = seg.person {
                items.push(Item {
                    start: seg.start,
                    end: seg.end,
                    priority: (0, i),
                    person,
                    source: seg.source,
                });
            }
        }
    }
    for (i, o) in s.overrides.iter().enumerate() {
        let (start, end) = (o.start.max(from), o.end.min(to));
        if start < end {
            items.push(Item {
                start,
                end,
                priority: (1, i),
                person: o.person.clone(),
                source: Source::Override(i),
            });
        }
    }
    sweep(&items, from, to)
}

fn sweep(items: &[Item], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Segment> {
    // (instant, starts?, item): at one instant ends sort before starts, so a layer's touching
    // segments, which share a priority, leave the map before the next one enters it.
    let mut events: Vec<(DateTime<Utc>, bool, usize)> = Vec::with_capacity(items.len() * 2);
    for (i, item) in items.iter().enumerate() {
        events.push((item.start, true, i));
        events.push((item.end, false, i));
    }
    events.sort_unstable();
    let mut active: BTreeMap<Priority, usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut cursor = from;
    for (at, starts, i) in events {
        if at > cursor {
            emit(&mut out, items, &active, cursor, at);
            cursor = at;
        }
        if starts {
            active.insert(items[i].priority, i);
        } else {
            active.remove(&items[i].priority);
        }
    }
    emit(&mut out, items, &active, cursor, to);
    out
}

fn emit(
    out: &mut Vec<Segment>,
    items: &[Item],
    active: &BTreeMap<Priority, usize>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) {
    match active.last_key_value() {
        Some((_, &i)) => push_merged(out, start, end, Some(&items[i].person), items[i].source),
        None => push_merged(out, start, end, None, Source::Gap),
    }
}

/// Who is on call at instant `t` and why (`None` in a gap). Evaluates only the nanosecond at
/// `t`, so it costs a handful of turn look-ups, and agrees with [`final_schedule`] by
/// construction.
pub fn on_call_at(s: &Schedule, t: DateTime<Utc>) -> Option<(Handle, Source)> {
    let end = t.checked_add_signed(TimeDelta::nanoseconds(1))?;
    let seg = final_schedule(s, t, end).into_iter().next()?;
    seg.person.map(|p| (p, seg.source))
}
