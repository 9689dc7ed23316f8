//! Who gets paged, and when, if nobody acknowledges.
//!
//! An escalation policy is an ordered list of levels, each naming schedules or people. The
//! caller resolves schedules (it owns the store), so this module takes a resolver closure and
//! stays pure: the answer is the list of responders of the first pass with the minute, counted
//! from the page, at which each is notified.

use chrono::{DateTime, TimeDelta, Utc};

use super::Handle;

/// More repeats than this is a misconfiguration that pages people all night.
pub const MAX_REPEATS: u32 = 9;

/// Whom a level notifies: whoever is on call in a schedule (by id), or a fixed person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Schedule(i64),
    Person(Handle),
}

/// One level. `delay_minutes` is the wait after the previous level was notified (after the
/// page itself for the first level) before this level is notified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub delay_minutes: u32,
    pub targets: Vec<Target>,
}

/// Levels in order; `repeats` is how many times the whole list runs again if still unacknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub levels: Vec<Level>,
    pub repeats: u32,
}

impl Policy {
    pub fn validate(&self) -> Result<(), String> {
        if self.levels.is_empty() {
            return Err("an escalation policy needs at least one level".into());
        }
        if let Some(i) = self.levels.iter().position(|l| l.targets.is_empty()) {
            return Err(format!("level {} needs at least one target", i + 1));
        }
        if self.repeats > MAX_REPEATS {
            return Err(format!("repeats must be at most {MAX_REPEATS}"));
        }
        Ok(())
    }
}

/// One notification of the first pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Responder {
    /// Index of the level (0 = first).
    pub level: usize,
    /// Minutes from the page to this notification (cumulative over the levels).
    pub delay_minutes: u32,
    /// `None` when the target schedule has nobody on call then.
    pub person: Option<Handle>,
    pub via: Target,
}

/// The first pass of `policy` for a page at `t`, level by level. A schedule target is
/// resolved at the moment its level is notified (`t` plus the cumulative delay), since a
/// handoff may happen while the page escalates.
pub fn responders(
    policy: &Policy,
    t: DateTime<Utc>,
    resolve: impl Fn(i64, DateTime<Utc>) -> Option<Handle>,
) -> Vec<Responder> {
    let mut out = Vec::new();
    let mut delay: u32 = 0;
    for (level, l) in policy.levels.iter().enumerate() {
        delay = delay.saturating_add(l.delay_minutes);
        let when = t
            .checked_add_signed(TimeDelta::minutes(i64::from(delay)))
            .unwrap_or(t);
        for target in &l.targets {
            let person = match target {
                Target::Schedule(id) => resolve(*id, when),
                Target::Person(handle) => Some(handle.clone()),
            };
            out.push(Responder {
                level,
                delay_minutes: delay,
                person,
                via: target.clone(),
            });
        }
    }
    out
}
