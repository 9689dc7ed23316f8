//! Random schedules for the properties, in zones picked for their transitions: a 30-minute
//! shift (Lord Howe), a skipped day (Apia 2011), a half-hour offset (Kolkata, St John's).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::super::{
    to_local, to_utc, Handle, Layer, Override, Restriction, Rotation, Schedule, Turn,
};

pub(super) const ZONES: [Tz; 7] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::Berlin,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Pacific::Apia,
    chrono_tz::Asia::Kolkata,
    chrono_tz::UTC,
    chrono_tz::America::St_Johns,
];

pub(super) const PEOPLE: [&str; 5] = ["ann", "bob", "cy", "dee", "eve"];

pub(super) fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(ZONES.to_vec())
}

pub(super) fn person() -> impl Strategy<Value = Handle> {
    prop::sample::select(PEOPLE.to_vec()).prop_map(str::to_string)
}

pub(super) fn group() -> impl Strategy<Value = Vec<Handle>> {
    prop::sample::subsequence(PEOPLE.to_vec(), 0..=5)
        .prop_shuffle()
        .prop_map(|v| v.into_iter().map(str::to_string).collect())
}

/// A window `[from, to)` of an hour to 40 days, often around DST dates, sometimes over Apia's
/// skipped day.
pub(super) fn window() -> impl Strategy<Value = (DateTime<Utc>, DateTime<Utc>)> {
    let month = prop_oneof![
        1u32..=12,
        prop::sample::select(vec![3u32, 4, 9, 10, 11, 12])
    ];
    let start = prop_oneof![
        6 => (2011i32..=2030, month, 1u32..=28, 0u32..24 * 4).prop_map(|(y, m, d, q)| {
            day(y, m, d).and_utc() + TimeDelta::minutes(i64::from(q) * 15)
        }),
        1 => (0i64..96).prop_map(|h| day(2011, 12, 27).and_utc() + TimeDelta::hours(h)),
    ];
    (start, 60i64..=40 * 1440)
        .prop_map(|(from, minutes)| (from, from + TimeDelta::minutes(minutes)))
}

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_time(NaiveTime::MIN)
}

fn quarter() -> impl Strategy<Value = NaiveTime> {
    let hour = prop_oneof![0u32..24, prop::sample::select(vec![0u32, 1, 2, 3])];
    (hour, 0u32..4).prop_map(|(h, q)| NaiveTime::from_hms_opt(h, q * 15, 0).unwrap())
}

fn turn() -> impl Strategy<Value = Turn> {
    prop_oneof![
        (1u32..=36).prop_map(Turn::Hours),
        (1u32..=10).prop_map(Turn::Days),
        (1u32..=3).prop_map(Turn::Weeks),
    ]
}

fn restriction() -> impl Strategy<Value = Restriction> {
    use Weekday::*;
    let days = prop::sample::subsequence(vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun], 1..=7);
    (days, quarter(), quarter()).prop_map(|(weekdays, from, to)| Restriction { weekdays, from, to })
}

/// A layer, relative to a window start: `days_before` (negative: starts in the future),
/// handoff wall time, turn, rotations (hours after the previous one, people, shift),
/// restrictions, end (hours after the start).
#[derive(Debug, Clone)]
pub(super) struct LayerSpec {
    days_before: i64,
    handoff: NaiveTime,
    turn: Turn,
    eras: Vec<(i64, Vec<Handle>, i64)>,
    restrictions: Vec<Restriction>,
    end_hours: Option<i64>,
}

fn layer_spec() -> impl Strategy<Value = LayerSpec> {
    let days_before = prop_oneof![6 => 0i64..400, 1 => -15i64..0];
    let era = (1i64..=2000, group(), -5i64..=5);
    let restrictions = prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(restriction(), 1..=2)
    ];
    let end = prop::option::weighted(0.25, 1i64..=12_000);
    (
        days_before,
        quarter(),
        turn(),
        prop::collection::vec(era, 1..=3),
        restrictions,
        end,
    )
        .prop_map(
            |(days_before, handoff, turn, eras, restrictions, end_hours)| LayerSpec {
                days_before,
                handoff,
                turn,
                eras,
                restrictions,
                end_hours,
            },
        )
}

pub(super) fn build_layer(zone: Tz, from: DateTime<Utc>, spec: &LayerSpec) -> Layer {
    let date = to_local(zone, from).date() - TimeDelta::days(spec.days_before);
    let start = date.and_time(spec.handoff);
    let mut layer = Layer::new(zone, "random", start, spec.turn, Vec::new());
    let first = layer.start_instant(zone);
    let mut at = first;
    layer.rotations = spec
        .eras
        .iter()
        .enumerate()
        .map(|(i, (hours, participants, shift))| {
            if i > 0 {
                at += TimeDelta::hours(*hours);
            }
            Rotation {
                from: at,
                participants: participants.clone(),
                shift: *shift,
            }
        })
        .collect();
    layer.restrictions = spec.restrictions.clone();
    layer.end = spec.end_hours.map(|h| first + TimeDelta::hours(h));
    layer
}

/// An override relative to the window start: minutes offset, minutes long, person.
pub(super) fn override_spec() -> impl Strategy<Value = (i64, i64, Handle)> {
    (-1440i64..=40 * 1440, 15i64..=7 * 1440, person())
}

pub(super) fn build_override(from: DateTime<Utc>, spec: &(i64, i64, Handle)) -> Override {
    let start = from + TimeDelta::minutes(spec.0);
    Override {
        person: spec.2.clone(),
        start,
        end: start + TimeDelta::minutes(spec.1),
    }
}

/// A random schedule and a window to compute it over.
#[derive(Debug, Clone)]
pub(super) struct Case {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub schedule: Schedule,
}

pub(super) fn case() -> impl Strategy<Value = Case> {
    let layers = prop::collection::vec(layer_spec(), 1..=4);
    let overrides = prop::collection::vec(override_spec(), 0..=6);
    (zone(), window(), layers, overrides).prop_map(|(zone, (from, to), layers, overrides)| Case {
        from,
        to,
        schedule: Schedule {
            zone,
            layers: layers.iter().map(|l| build_layer(zone, from, l)).collect(),
            overrides: overrides.iter().map(|o| build_override(from, o)).collect(),
        },
    })
}

/// An instant at fraction `f` of `[from, to)`, on a whole second.
pub(super) fn inside(from: DateTime<Utc>, to: DateTime<Utc>, f: f64) -> DateTime<Utc> {
    let seconds = ((to - from).num_seconds() as f64 * f) as i64;
    from + TimeDelta::seconds(seconds)
}

/// A check that `to_utc` is used by the generator the same way as by the engine.
#[test]
fn generated_layers_start_at_their_first_handoff() {
    let zone = chrono_tz::America::New_York;
    let from = day(2026, 3, 10).and_utc() + TimeDelta::hours(12);
    let spec = LayerSpec {
        days_before: 2,
        handoff: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        turn: Turn::Days(1),
        eras: vec![(1, vec!["ann".into()], 0)],
        restrictions: Vec::new(),
        end_hours: None,
    };
    let layer = build_layer(zone, from, &spec);
    assert_eq!(
        layer.rotations[0].from,
        to_utc(zone, day(2026, 3, 8) + TimeDelta::minutes(150))
    );
    layer.validate(zone).unwrap();
}
