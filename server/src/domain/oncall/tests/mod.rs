//! Tests of the on-call engine: fixed DST cases that pin the time rules down, and properties
//! over random schedules in zones chosen for their awkward transitions.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod dst;
mod escalation;
mod gen;
mod health;
mod props;
mod rotation;
mod schedule;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::{Handle, Layer, Schedule, Turn};

fn naive(y: i32, m: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, mi, 0)
        .unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    naive(y, m, d, h, mi).and_utc()
}

fn people(names: &[&str]) -> Vec<Handle> {
    names.iter().map(|n| n.to_string()).collect()
}

fn layer(zone: Tz, start: NaiveDateTime, turn: Turn, names: &[&str]) -> Layer {
    let layer = Layer::new(zone, "primary", start, turn, people(names));
    layer.validate(zone).unwrap();
    layer
}

fn schedule(zone: Tz, layers: Vec<Layer>) -> Schedule {
    Schedule {
        zone,
        layers,
        overrides: Vec::new(),
    }
}

fn hours(d: chrono::TimeDelta) -> f64 {
    d.num_seconds() as f64 / 3600.0
}
