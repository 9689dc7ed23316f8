//! The first pass of an escalation policy.

use chrono::TimeDelta;

use super::super::{responders, Level, Policy, Responder, Target};
use super::utc;

fn policy() -> Policy {
    Policy {
        levels: vec![
            Level {
                delay_minutes: 0,
                targets: vec![Target::Schedule(1)],
            },
            Level {
                delay_minutes: 15,
                targets: vec![Target::Person("bob".into()), Target::Schedule(2)],
            },
            Level {
                delay_minutes: 30,
                targets: vec![Target::Schedule(1)],
            },
        ],
        repeats: 2,
    }
}

#[test]
fn levels_in_order_with_cumulative_delay_resolved_when_notified() {
    let page = utc(2026, 6, 1, 8, 40);
    let handoff = page + TimeDelta::minutes(30);
    let resolve = |id: i64, t| match id {
        1 if t < handoff => Some("ann".to_string()),
        1 => Some("cy".to_string()),
        _ => None,
    };
    let r = |level, delay_minutes, person: Option<&str>, via| Responder {
        level,
        delay_minutes,
        person: person.map(str::to_string),
        via,
    };
    assert_eq!(
        responders(&policy(), page, resolve),
        [
            r(0, 0, Some("ann"), Target::Schedule(1)),
            r(1, 15, Some("bob"), Target::Person("bob".into())),
            r(1, 15, None, Target::Schedule(2)),
            r(2, 45, Some("cy"), Target::Schedule(1)),
        ]
    );
}

#[test]
fn validation() {
    assert!(policy().validate().is_ok());
    let mut p = policy();
    p.repeats = 10;
    assert!(p.validate().is_err());
    let mut p = policy();
    p.levels[1].targets.clear();
    assert!(p.validate().is_err());
    p.levels.clear();
    assert!(p.validate().is_err());
}
