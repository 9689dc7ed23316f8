//! On-call scheduling: who is on call at an instant, as a pure function of a schedule.
//!
//! A schedule is a stack of layers (rotations of people with a turn length, a handoff wall
//! time and optional weekday/time restrictions) under a list of overrides. Everything a
//! person writes is a *local wall-clock rule* in the schedule's IANA zone ("Monday 09:00
//! Europe/Berlin"), never a count of seconds, so a daily turn lasts 23 h or 25 h on DST days.
//! Local times are turned into instants once, in [`local`], by the RFC 5545 rules; the rest of
//! the module works on UTC instants. No I/O, no clock: the caller passes `now`.

mod escalation;
mod health;
mod layer;
mod local;
mod restriction;
mod rotation;
mod schedule;

#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

pub use escalation::{responders, Level, Policy, Responder, Target, MAX_REPEATS};
pub use health::{
    balance, gaps, load, participants, share, totals, union, Duration, Load, SRE_LIMIT,
};
pub use layer::{layer_segments, turn_spans, TurnSpan};
pub use local::{to_local, to_utc};
pub use rotation::change_participants;
pub use schedule::{final_schedule, on_call_at};

/// A person's handle.
pub type Handle = String;

/// The length of one turn, in local wall-clock units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Turn {
    Hours(u32),
    Days(u32),
    Weeks(u32),
}

impl Turn {
    /// Seconds of *naive* local time per turn. Naive time has no DST, so adding 86 400 s is
    /// adding one calendar day; the 23 h/25 h days appear only when mapped to UTC.
    fn naive_seconds(self) -> i64 {
        match self {
            Turn::Hours(n) => i64::from(n) * 3_600,
            Turn::Days(n) => i64::from(n) * 86_400,
            Turn::Weeks(n) => i64::from(n) * 7 * 86_400,
        }
    }

    /// N >= 1 and at most a year: longer turns are typos, not rotations.
    pub fn validate(self) -> Result<(), String> {
        let (n, max, unit) = match self {
            Turn::Hours(n) => (n, 8_760, "hours"),
            Turn::Days(n) => (n, 365, "days"),
            Turn::Weeks(n) => (n, 52, "weeks"),
        };
        if n == 0 || n > max {
            return Err(format!("turn must be between 1 and {max} {unit}, got {n}"));
        }
        Ok(())
    }
}

/// The layer is active on each listed weekday from `from` (local) to `to`; `to <= from` runs
/// past midnight into the next day, `to == from` means 24 hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub weekdays: Vec<Weekday>,
    pub from: NaiveTime,
    pub to: NaiveTime,
}

/// Who rotates from instant `from` on. Turn k (counted from the layer start) goes to
/// `participants[(k + shift).rem_euclid(len)]`; no participants means the layer covers nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub from: DateTime<Utc>,
    pub participants: Vec<Handle>,
    pub shift: i64,
}

/// One rotation layer. `start` is the local wall time of the first handoff in the schedule
/// zone; `rotations` are sorted by `from` and a turn uses the last one whose `from` is at or
/// before the turn's start. Changing who rotates appends a rotation, so the past stays put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub name: String,
    pub start: NaiveDateTime,
    pub end: Option<DateTime<Utc>>,
    pub turn: Turn,
    pub rotations: Vec<Rotation>,
    pub restrictions: Vec<Restriction>,
}

impl Layer {
    /// A plain layer: one rotation from the first handoff, always active, no end.
    pub fn new(
        zone: Tz,
        name: impl Into<String>,
        start: NaiveDateTime,
        turn: Turn,
        participants: Vec<Handle>,
    ) -> Self {
        Layer {
            name: name.into(),
            start,
            end: None,
            turn,
            rotations: vec![Rotation {
                from: to_utc(zone, start),
                participants,
                shift: 0,
            }],
            restrictions: Vec::new(),
        }
    }

    /// The instant of the first handoff. This is also where the first rotation must start.
    pub fn start_instant(&self, zone: Tz) -> DateTime<Utc> {
        layer::Clock::new(zone, self).at(0)
    }

    /// Checks what the engine relies on. It takes the zone because the first rotation must
    /// start at the layer's first handoff, an instant only the zone can give.
    pub fn validate(&self, zone: Tz) -> Result<(), String> {
        self.turn.validate()?;
        let first = self.rotations.first().ok_or("a layer needs a rotation")?;
        let start = self.start_instant(zone);
        if first.from != start {
            return Err(format!(
                "the first rotation must start at the layer start {start}, not {}",
                first.from
            ));
        }
        if self.rotations.windows(2).any(|w| w[0].from >= w[1].from) {
            return Err("rotations must be sorted by start, without duplicates".into());
        }
        if self.end.is_some_and(|end| end <= start) {
            return Err("a layer must end after it starts".into());
        }
        if self.restrictions.iter().any(|r| r.weekdays.is_empty()) {
            return Err("a restriction needs at least one weekday".into());
        }
        Ok(())
    }
}

/// Someone covering `[start, end)` above all layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub person: Handle,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Override {
    pub fn new(person: Handle, start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, String> {
        let o = Override { person, start, end };
        o.validate()?;
        Ok(o)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.start >= self.end {
            return Err("an override must end after it starts".into());
        }
        Ok(())
    }
}

/// A team's on-call calendar. Layer index 0 is the lowest; a later override wins over an
/// earlier one where they overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub zone: Tz,
    pub layers: Vec<Layer>,
    pub overrides: Vec<Override>,
}

impl Schedule {
    pub fn validate(&self) -> Result<(), String> {
        for (i, layer) in self.layers.iter().enumerate() {
            layer
                .validate(self.zone)
                .map_err(|e| format!("layer {i} ({}): {e}", layer.name))?;
        }
        for (i, o) in self.overrides.iter().enumerate() {
            o.validate().map_err(|e| format!("override {i}: {e}"))?;
        }
        Ok(())
    }
}

/// Where a piece of the final schedule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Layer(usize),
    Override(usize),
    Gap,
}

/// `[start, end)` covered by `person` (`None` = nobody, a gap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub person: Option<Handle>,
    pub source: Source,
}

/// Appends `[start, end)` to `out`, extending the last segment instead when it ends at `start`
/// with the same person and source, so that lists stay maximal.
fn push_merged(
    out: &mut Vec<Segment>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    person: Option<&Handle>,
    source: Source,
) {
    if start >= end {
        return;
    }
    if let Some(last) = out.last_mut() {
        if last.end == start && last.source == source && last.person.as_ref() == person {
            last.end = end;
            return;
        }
    }
    out.push(Segment {
        start,
        end,
        person: person.cloned(),
        source,
    });
}
