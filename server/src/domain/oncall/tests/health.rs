//! Load by the person's own clock, gaps, balance and share.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Europe::Berlin;

use super::super::{
    balance, gaps, load, participants, share, totals, union, Load, Rotation, Segment, Source, Turn,
    SRE_LIMIT,
};
use super::{layer, naive, people, schedule, utc};

fn on_call(person: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> Segment {
    Segment {
        start,
        end,
        person: Some(person.to_string()),
        source: Source::Layer(0),
    }
}

fn h(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

#[test]
fn weekend_load_is_split_by_the_local_clock() {
    // Friday 5 June 16:00 to Monday 09:00, Berlin summer time.
    let segs = [on_call(
        "ann",
        utc(2026, 6, 5, 14, 0),
        utc(2026, 6, 8, 7, 0),
    )];
    let got = load(&segs, "ann", Berlin);
    assert_eq!(
        got,
        Load {
            business: h(3),
            off: h(32),
            sleep: h(30)
        }
    );
    assert_eq!(got.total(), h(65));
    assert_eq!(load(&segs, "bob", Berlin), Load::default());
}

#[test]
fn short_and_long_nights_follow_dst() {
    // 22:00 EST on 7 March to 08:00 EDT on 8 March is a nine-hour night.
    let spring = [on_call(
        "ann",
        utc(2026, 3, 8, 3, 0),
        utc(2026, 3, 8, 12, 0),
    )];
    assert_eq!(
        load(&spring, "ann", New_York),
        Load {
            sleep: h(9),
            ..Load::default()
        }
    );
    // 22:00 EDT on 31 October to 08:00 EST on 1 November is eleven hours.
    let fall = [on_call(
        "ann",
        utc(2026, 11, 1, 2, 0),
        utc(2026, 11, 1, 13, 0),
    )];
    assert_eq!(
        load(&fall, "ann", New_York),
        Load {
            sleep: h(11),
            ..Load::default()
        }
    );
}

#[test]
fn gaps_and_totals() {
    let gap = |start, end| Segment {
        start,
        end,
        person: None,
        source: Source::Gap,
    };
    let segs = [
        gap(utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 2, 0)),
        on_call("ann", utc(2026, 6, 1, 2, 0), utc(2026, 6, 1, 5, 0)),
        on_call("bob", utc(2026, 6, 1, 5, 0), utc(2026, 6, 1, 6, 0)),
        on_call("ann", utc(2026, 6, 1, 6, 0), utc(2026, 6, 1, 7, 0)),
        gap(utc(2026, 6, 1, 7, 0), utc(2026, 6, 1, 8, 0)),
    ];
    assert_eq!(
        gaps(&segs),
        [
            (utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 2, 0)),
            (utc(2026, 6, 1, 7, 0), utc(2026, 6, 1, 8, 0))
        ]
    );
    assert_eq!(
        totals(&segs),
        [("ann".to_string(), h(4)), ("bob".to_string(), h(1))]
    );
}

#[test]
fn balance_averages_pairwise_ratios() {
    assert_eq!(balance(&[h(10)]), None);
    assert_eq!(balance(&[h(10), h(10)]), Some(1.0));
    assert_eq!(balance(&[h(10), h(5)]), Some(0.5));
    assert_eq!(balance(&[h(0), h(0)]), Some(1.0));
    let three = balance(&[h(0), h(5), h(10)]).unwrap();
    assert!((three - 0.5 / 3.0).abs() < 1e-12);
}

#[test]
fn share_against_the_sre_limit() {
    assert_eq!(share(h(42), h(168)), SRE_LIMIT);
    assert_eq!(share(h(1), TimeDelta::zero()), 0.0);
}

#[test]
fn union_counts_simultaneous_time_once() {
    let a = [
        on_call("ann", utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 6, 0)),
        on_call("bob", utc(2026, 6, 1, 6, 0), utc(2026, 6, 1, 12, 0)),
        on_call("ann", utc(2026, 6, 1, 12, 0), utc(2026, 6, 1, 14, 0)),
    ];
    let b = [
        on_call("ann", utc(2026, 6, 1, 4, 0), utc(2026, 6, 1, 8, 0)),
        on_call("ann", utc(2026, 6, 1, 14, 0), utc(2026, 6, 1, 15, 0)),
    ];
    let merged = union("ann", [a.as_slice(), b.as_slice()]);
    let spans: Vec<_> = merged.iter().map(|s| (s.start, s.end)).collect();
    assert_eq!(
        spans,
        [
            (utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 8, 0)),
            (utc(2026, 6, 1, 12, 0), utc(2026, 6, 1, 15, 0)),
        ]
    );
    assert_eq!(totals(&merged), [("ann".to_string(), h(11))]);
    assert!(union("cy", [a.as_slice()]).is_empty());
}

#[test]
fn participants_are_those_rotating_in_the_window() {
    let mut primary = layer(
        New_York,
        naive(2026, 3, 2, 9, 0),
        Turn::Days(1),
        &["ann", "bob"],
    );
    // From 10 March on, cy and dee rotate instead.
    primary.rotations.push(Rotation {
        from: utc(2026, 3, 10, 13, 0),
        participants: people(&["cy", "dee"]),
        shift: 0,
    });
    let mut ended = layer(New_York, naive(2026, 3, 2, 9, 0), Turn::Days(1), &["eve"]);
    ended.end = Some(utc(2026, 3, 5, 0, 0));
    let later = layer(New_York, naive(2026, 4, 1, 9, 0), Turn::Days(1), &["fay"]);
    let s = schedule(New_York, vec![primary, ended, later]);
    let names = |from, to| participants(&s, from, to);
    assert_eq!(
        names(utc(2026, 3, 6, 0, 0), utc(2026, 3, 9, 0, 0)),
        ["ann", "bob"]
    );
    assert_eq!(
        names(utc(2026, 3, 1, 0, 0), utc(2026, 3, 12, 0, 0)),
        ["ann", "bob", "cy", "dee", "eve"]
    );
    assert_eq!(
        names(utc(2026, 3, 20, 0, 0), utc(2026, 4, 2, 0, 0)),
        ["cy", "dee", "fay"]
    );
}
