//! Changing who rotates without rewriting history or surprising the next person.
//!
//! A team edits its rotation while someone is on call. The edit must not move the current
//! turn, must not change the past (the final schedule is also the record of who was on
//! call), and the next turn should still go to whoever expected it. So the change becomes a
//! new [`Rotation`] from the next handoff on, with its shift picked to keep the old order's
//! next person.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::layer::{slot, Clock};
use super::{Handle, Layer, Rotation};

/// Returns `layer` rotating through `new` from the next handoff after `now`.
///
/// Turns starting before that handoff keep their person. From it on, `new`'s cyclic order
/// applies, starting with the person who would have had the next turn if they are still in
/// `new`, else the next one of the old order still in `new`, else `new[0]`. Rotations already
/// planned from that handoff on are superseded. A layer that has not started yet gets `new`
/// from its start, replacing its rotations.
pub fn change_participants(zone: Tz, layer: &Layer, new: Vec<Handle>, now: DateTime<Utc>) -> Layer {
    let clock = Clock::new(zone, layer);
    let start = clock.at(0);
    let mut out = layer.clone();
    if now < start {
        let shift = pick_shift(layer, &clock, next_turn(&clock, 0), &new);
        out.rotations = vec![Rotation {
            from: start,
            participants: new,
            shift,
        }];
        return out;
    }
    let next = clock.turn_at(now) + 1;
    let handoff = clock.at(next);
    if handoff == DateTime::<Utc>::MAX_UTC {
        return out;
    }
    let shift = pick_shift(layer, &clock, next_turn(&clock, next), &new);
    out.rotations.retain(|r| r.from < handoff);
    out.rotations.push(Rotation {
        from: handoff,
        participants: new,
        shift,
    });
    out
}

/// The first non-empty turn from k on (turns are empty only next to a DST gap, so this looks a
/// bounded few steps ahead).
fn next_turn(clock: &Clock, k: i64) -> i64 {
    let mut k = k;
    let mut start = clock.at(k);
    for _ in 0..1_000 {
        let end = clock.at(k + 1);
        if end > start {
            break;
        }
        k += 1;
        start = end;
    }
    k
}

/// The shift that gives turn `k` to the old rotation's person for it, or the next one of the
/// old order still in `new`, or `new[0]`.
fn pick_shift(layer: &Layer, clock: &Clock, k: i64, new: &[Handle]) -> i64 {
    let Ok(len) = i64::try_from(new.len()) else {
        return 0;
    };
    if len == 0 {
        return 0;
    }
    let turn_start = clock.at(k);
    let era = layer
        .rotations
        .partition_point(|r| r.from <= turn_start)
        .saturating_sub(1);
    let position = layer.rotations.get(era).and_then(|old| {
        let n = old.participants.len();
        (0..n as i64).find_map(|i| {
            let who = &old.participants[slot(k + i, old.shift, n)?];
            new.iter().position(|p| p == who)
        })
    });
    let position = position.and_then(|p| i64::try_from(p).ok()).unwrap_or(0);
    (position - k).rem_euclid(len)
}
