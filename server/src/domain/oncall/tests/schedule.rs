//! Stacking: restrictions, overrides, layer lifetimes.

use chrono::{DateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Europe::Berlin;

use super::super::{
    final_schedule, layer_segments, on_call_at, Override, Restriction, Segment, Source, Turn,
};
use super::{layer, naive, schedule, utc};

fn seg(start: DateTime<Utc>, end: DateTime<Utc>, person: &str, source: Source) -> Segment {
    Segment {
        start,
        end,
        person: Some(person.to_string()),
        source,
    }
}

fn gap(start: DateTime<Utc>, end: DateTime<Utc>) -> Segment {
    Segment {
        start,
        end,
        person: None,
        source: Source::Gap,
    }
}

fn at(h: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, 0, 0).unwrap()
}

/// Nights (24/7 weekly, ann) under business hours (weekdays 09–17 Berlin, bob).
fn business_over_nights() -> super::super::Schedule {
    let nights = layer(Berlin, naive(2026, 6, 1, 9, 0), Turn::Weeks(1), &["ann"]);
    let mut days = layer(Berlin, naive(2026, 6, 1, 9, 0), Turn::Days(1), &["bob"]);
    days.restrictions = vec![Restriction {
        weekdays: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        from: at(9),
        to: at(17),
    }];
    schedule(Berlin, vec![nights, days])
}

#[test]
fn business_hours_layer_leaves_nights_and_weekends_to_the_layer_below() {
    let s = business_over_nights();
    let who = |t| on_call_at(&s, t).map(|(p, _)| p);
    assert_eq!(who(utc(2026, 6, 3, 10, 0)).as_deref(), Some("bob")); // Wed 12:00 CEST
    assert_eq!(who(utc(2026, 6, 3, 18, 0)).as_deref(), Some("ann")); // Wed 20:00
    assert_eq!(who(utc(2026, 6, 6, 10, 0)).as_deref(), Some("ann")); // Sat 12:00

    let week = final_schedule(&s, utc(2026, 6, 1, 7, 0), utc(2026, 6, 8, 7, 0));
    assert_eq!(week.len(), 10); // five business days, each followed by a night of ann
    assert_eq!(
        week[0],
        seg(
            utc(2026, 6, 1, 7, 0),
            utc(2026, 6, 1, 15, 0),
            "bob",
            Source::Layer(1)
        )
    );
    assert_eq!(
        week[1],
        seg(
            utc(2026, 6, 1, 15, 0),
            utc(2026, 6, 2, 7, 0),
            "ann",
            Source::Layer(0)
        )
    );
    assert_eq!(
        week[9],
        seg(
            utc(2026, 6, 5, 15, 0),
            utc(2026, 6, 8, 7, 0),
            "ann",
            Source::Layer(0)
        )
    );
}

#[test]
fn restriction_past_midnight_and_whole_day() {
    let mut l = layer(Berlin, naive(2026, 6, 1, 0, 0), Turn::Weeks(1), &["ann"]);
    l.restrictions = vec![
        Restriction {
            weekdays: vec![Weekday::Fri],
            from: at(22),
            to: at(6),
        },
        Restriction {
            weekdays: vec![Weekday::Sun],
            from: at(12),
            to: at(12),
        },
    ];
    let segs = layer_segments(Berlin, &l, 0, utc(2026, 6, 1, 0, 0), utc(2026, 6, 8, 0, 0));
    let spans: Vec<_> = segs.iter().map(|s| (s.start, s.end)).collect();
    assert_eq!(
        spans,
        [
            // Sunday 31 May 12:00 to Monday 12:00, the window starting before the range.
            (utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 10, 0)),
            (utc(2026, 6, 5, 20, 0), utc(2026, 6, 6, 4, 0)),
            (utc(2026, 6, 7, 10, 0), utc(2026, 6, 8, 0, 0)),
        ]
    );
}

#[test]
fn override_in_the_middle_of_a_turn() {
    let mut s = schedule(
        Berlin,
        vec![layer(
            Berlin,
            naive(2026, 6, 1, 9, 0),
            Turn::Days(1),
            &["ann", "bob"],
        )],
    );
    s.overrides
        .push(Override::new("cy".into(), utc(2026, 6, 1, 10, 0), utc(2026, 6, 1, 12, 0)).unwrap());
    let got = final_schedule(&s, utc(2026, 6, 1, 7, 0), utc(2026, 6, 2, 7, 0));
    assert_eq!(
        got,
        [
            seg(
                utc(2026, 6, 1, 7, 0),
                utc(2026, 6, 1, 10, 0),
                "ann",
                Source::Layer(0)
            ),
            seg(
                utc(2026, 6, 1, 10, 0),
                utc(2026, 6, 1, 12, 0),
                "cy",
                Source::Override(0)
            ),
            seg(
                utc(2026, 6, 1, 12, 0),
                utc(2026, 6, 2, 7, 0),
                "ann",
                Source::Layer(0)
            ),
        ]
    );
}

#[test]
fn later_override_wins_where_overrides_overlap() {
    let base = layer(Berlin, naive(2026, 6, 1, 9, 0), Turn::Days(1), &["ann"]);
    let cy = Override::new("cy".into(), utc(2026, 6, 1, 8, 0), utc(2026, 6, 1, 14, 0)).unwrap();
    let dee = Override::new("dee".into(), utc(2026, 6, 1, 10, 0), utc(2026, 6, 1, 12, 0)).unwrap();
    let (from, to) = (utc(2026, 6, 1, 7, 0), utc(2026, 6, 1, 15, 0));

    let mut s = schedule(Berlin, vec![base.clone()]);
    s.overrides = vec![cy.clone(), dee.clone()];
    assert_eq!(
        final_schedule(&s, from, to),
        [
            seg(from, utc(2026, 6, 1, 8, 0), "ann", Source::Layer(0)),
            seg(
                utc(2026, 6, 1, 8, 0),
                utc(2026, 6, 1, 10, 0),
                "cy",
                Source::Override(0)
            ),
            seg(
                utc(2026, 6, 1, 10, 0),
                utc(2026, 6, 1, 12, 0),
                "dee",
                Source::Override(1)
            ),
            seg(
                utc(2026, 6, 1, 12, 0),
                utc(2026, 6, 1, 14, 0),
                "cy",
                Source::Override(0)
            ),
            seg(utc(2026, 6, 1, 14, 0), to, "ann", Source::Layer(0)),
        ]
    );
    s.overrides = vec![dee, cy];
    assert_eq!(
        final_schedule(&s, from, to)[1],
        seg(
            utc(2026, 6, 1, 8, 0),
            utc(2026, 6, 1, 14, 0),
            "cy",
            Source::Override(1)
        )
    );
}

#[test]
fn layer_with_end_leaves_a_gap_after_it() {
    let mut l = layer(
        Berlin,
        naive(2026, 6, 1, 9, 0),
        Turn::Days(1),
        &["ann", "bob"],
    );
    l.end = Some(utc(2026, 6, 2, 12, 0));
    l.validate(Berlin).unwrap();
    let s = schedule(Berlin, vec![l]);
    let got = final_schedule(&s, utc(2026, 6, 2, 0, 0), utc(2026, 6, 3, 0, 0));
    assert_eq!(
        got,
        [
            seg(
                utc(2026, 6, 2, 0, 0),
                utc(2026, 6, 2, 7, 0),
                "ann",
                Source::Layer(0)
            ),
            seg(
                utc(2026, 6, 2, 7, 0),
                utc(2026, 6, 2, 12, 0),
                "bob",
                Source::Layer(0)
            ),
            gap(utc(2026, 6, 2, 12, 0), utc(2026, 6, 3, 0, 0)),
        ]
    );
}

#[test]
fn layer_starting_in_the_future_leaves_a_gap_before_it() {
    let s = schedule(
        Berlin,
        vec![layer(
            Berlin,
            naive(2026, 6, 10, 9, 0),
            Turn::Days(1),
            &["ann"],
        )],
    );
    let got = final_schedule(&s, utc(2026, 6, 9, 0, 0), utc(2026, 6, 11, 0, 0));
    assert_eq!(
        got,
        [
            gap(utc(2026, 6, 9, 0, 0), utc(2026, 6, 10, 7, 0)),
            seg(
                utc(2026, 6, 10, 7, 0),
                utc(2026, 6, 11, 0, 0),
                "ann",
                Source::Layer(0)
            ),
        ]
    );
    assert_eq!(on_call_at(&s, utc(2026, 6, 10, 6, 59)), None);
}

#[test]
fn empty_rotation_is_a_gap_and_validation_rejects_bad_layers() {
    let mut l = layer(Berlin, naive(2026, 6, 1, 9, 0), Turn::Days(1), &[]);
    assert!(layer_segments(Berlin, &l, 0, utc(2026, 6, 1, 0, 0), utc(2026, 6, 9, 0, 0)).is_empty());
    l.turn = Turn::Days(0);
    assert!(l.validate(Berlin).is_err());
    l.turn = Turn::Weeks(53);
    assert!(l.validate(Berlin).is_err());
    l.turn = Turn::Days(1);
    l.rotations[0].from = utc(2026, 6, 1, 9, 0);
    assert!(l.validate(Berlin).is_err());
    assert!(Override::new("ann".into(), utc(2026, 6, 1, 9, 0), utc(2026, 6, 1, 9, 0)).is_err());
}

#[test]
fn extreme_instants_neither_hang_nor_panic() {
    let s = business_over_nights();
    let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    assert_eq!(on_call_at(&s, max), None);
    assert_eq!(on_call_at(&s, min), None);
    for (from, to) in [(min, utc(1900, 1, 1, 0, 0)), (utc(8999, 6, 1, 0, 0), max)] {
        let all = final_schedule(&s, from, to);
        assert_eq!((all[0].start, all.last().unwrap().end), (from, to));
    }
    let far = super::super::change_participants(Berlin, &s.layers[0], vec![], max);
    assert_eq!(far.rotations, s.layers[0].rotations);
}
