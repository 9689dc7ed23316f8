//! The time rules on fixed dates: RFC 5545 gaps and overlaps, 23/25 h days, half-hour and
//! whole-day shifts.

use chrono::{DateTime, Datelike, Offset, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::America::New_York;
use chrono_tz::Australia::Lord_Howe;
use chrono_tz::Europe::Berlin;
use chrono_tz::Pacific::Apia;
use chrono_tz::Tz;

use super::super::{to_local, to_utc, turn_spans, Turn, TurnSpan};
use super::{hours, layer, naive, utc};

/// Offset changes in `year`, found by scanning in 15-minute steps: (first instant with the
/// new offset, offset before, offset after), offsets in minutes.
fn transitions(zone: Tz, year: i32) -> Vec<(DateTime<Utc>, i32, i32)> {
    let offset = |t: DateTime<Utc>| zone.offset_from_utc_datetime(&t.naive_utc()).fix();
    let mut out = Vec::new();
    let mut t = utc(year, 1, 1, 0, 0);
    while t.year() == year {
        let next = t + TimeDelta::minutes(15);
        let (a, b) = (offset(t), offset(next));
        if a != b {
            out.push((next, a.local_minus_utc() / 60, b.local_minus_utc() / 60));
        }
        t = next;
    }
    out
}

fn spans(
    zone: Tz,
    l: &super::super::Layer,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<TurnSpan> {
    let spans = turn_spans(zone, l, from, to);
    assert!(spans
        .windows(2)
        .all(|w| w[0].end == w[1].start && w[0].index < w[1].index));
    assert!(spans.iter().all(|s| s.start < s.end));
    spans
}

#[test]
fn new_york_gap_uses_the_offset_before_it() {
    assert_eq!(
        to_utc(New_York, naive(2026, 3, 8, 2, 30)),
        utc(2026, 3, 8, 7, 30)
    );
    assert_eq!(
        to_utc(New_York, naive(2026, 3, 8, 2, 0)),
        utc(2026, 3, 8, 7, 0)
    );
    assert_eq!(
        to_local(New_York, utc(2026, 3, 8, 7, 30)),
        naive(2026, 3, 8, 3, 30)
    );
}

#[test]
fn new_york_repeated_hour_means_its_first_occurrence() {
    assert_eq!(
        to_utc(New_York, naive(2026, 11, 1, 1, 30)),
        utc(2026, 11, 1, 5, 30)
    );
    assert_eq!(
        to_utc(New_York, naive(2026, 11, 1, 2, 30)),
        utc(2026, 11, 1, 7, 30)
    );
}

#[test]
fn daily_turns_last_23_and_25_hours_on_new_york_dst_days() {
    let l = layer(
        New_York,
        naive(2026, 3, 1, 9, 0),
        Turn::Days(1),
        &["ann", "bob"],
    );
    let spring = spans(New_York, &l, utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 6, 1));
    assert_eq!(
        (spring[0].start, spring[0].end),
        (utc(2026, 3, 7, 14, 0), utc(2026, 3, 8, 13, 0))
    );
    assert_eq!(hours(spring[0].end - spring[0].start), 23.0);
    let l = layer(
        New_York,
        naive(2026, 10, 1, 9, 0),
        Turn::Days(1),
        &["ann", "bob"],
    );
    let fall = spans(New_York, &l, utc(2026, 11, 1, 6, 0), utc(2026, 11, 1, 6, 1));
    assert_eq!(
        (fall[0].start, fall[0].end),
        (utc(2026, 10, 31, 13, 0), utc(2026, 11, 1, 14, 0))
    );
    assert_eq!(hours(fall[0].end - fall[0].start), 25.0);
}

#[test]
fn handoffs_inside_the_gap_move_forward() {
    let l = layer(
        New_York,
        naive(2026, 3, 1, 2, 30),
        Turn::Days(1),
        &["ann", "bob"],
    );
    let s = spans(New_York, &l, utc(2026, 3, 7, 12, 0), utc(2026, 3, 9, 12, 0));
    let starts: Vec<_> = s.iter().map(|s| s.start).collect();
    assert_eq!(
        starts,
        [
            utc(2026, 3, 7, 7, 30),
            utc(2026, 3, 8, 7, 30),
            utc(2026, 3, 9, 6, 30)
        ]
    );
    assert_eq!(hours(s[0].end - s[0].start), 24.0);
    assert_eq!(hours(s[1].end - s[1].start), 23.0);
}

#[test]
fn hourly_turn_swallowed_by_the_gap_is_skipped() {
    let l = layer(
        New_York,
        naive(2026, 3, 8, 0, 30),
        Turn::Hours(1),
        &["ann", "bob", "cy"],
    );
    let s = spans(New_York, &l, utc(2026, 3, 8, 5, 30), utc(2026, 3, 8, 9, 30));
    let got: Vec<_> = s
        .iter()
        .map(|s| (s.index, s.start, s.person.clone().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (0, utc(2026, 3, 8, 5, 30), "ann".to_string()),
            (1, utc(2026, 3, 8, 6, 30), "bob".to_string()),
            (3, utc(2026, 3, 8, 7, 30), "ann".to_string()),
            (4, utc(2026, 3, 8, 8, 30), "bob".to_string()),
        ]
    );
}

#[test]
fn lord_howe_shifts_by_half_an_hour() {
    let tr = transitions(Lord_Howe, 2026);
    assert_eq!(tr.len(), 2);
    let (fall, spring) = (tr[0], tr[1]);
    assert_eq!((fall.1, fall.2, spring.1, spring.2), (660, 630, 630, 660));
    assert_eq!(
        to_local(Lord_Howe, fall.0).date(),
        naive(2026, 4, 5, 0, 0).date()
    );
    let spring_day = to_local(Lord_Howe, spring.0).date();
    assert_eq!(spring_day, naive(2026, 10, 4, 0, 0).date());

    // 02:15 does not exist on the spring day; with +10:30 it is 02:45 +11:00.
    let t = to_utc(Lord_Howe, naive(2026, 10, 4, 2, 15));
    assert_eq!(t, utc(2026, 10, 3, 15, 45));
    assert_eq!(to_local(Lord_Howe, t), naive(2026, 10, 4, 2, 45));
    let l = layer(
        Lord_Howe,
        naive(2026, 10, 1, 2, 15),
        Turn::Days(1),
        &["ann", "bob"],
    );
    let s = spans(
        Lord_Howe,
        &l,
        utc(2026, 10, 3, 16, 0),
        utc(2026, 10, 3, 16, 1),
    );
    assert_eq!(s[0].start, t);
    assert_eq!(hours(s[0].end - s[0].start), 23.5);

    let l = layer(
        Lord_Howe,
        naive(2026, 3, 1, 9, 0),
        Turn::Days(1),
        &["ann", "bob"],
    );
    let s = spans(Lord_Howe, &l, fall.0, fall.0 + TimeDelta::minutes(1));
    assert_eq!(hours(s[0].end - s[0].start), 24.5);
    let s = spans(Lord_Howe, &l, spring.0, spring.0 + TimeDelta::minutes(1));
    assert_eq!(hours(s[0].end - s[0].start), 23.5);
}

#[test]
fn apia_skipped_day_maps_to_the_next_day() {
    // 2011-12-30 did not happen in Apia: 23:59:59 -10:00 on the 29th was followed by
    // 00:00 +14:00 on the 31st. 09:00 on the 30th, read at -10:00, is 09:00 on the 31st.
    let t = to_utc(Apia, naive(2011, 12, 30, 9, 0));
    assert_eq!(t, utc(2011, 12, 30, 19, 0));
    assert_eq!(to_local(Apia, t), naive(2011, 12, 31, 9, 0));
    assert_eq!(to_utc(Apia, naive(2011, 12, 31, 9, 0)), t);
}

#[test]
fn apia_daily_turn_of_the_skipped_day_is_empty() {
    let l = layer(
        Apia,
        naive(2011, 12, 25, 9, 0),
        Turn::Days(1),
        &["ann", "bob", "cy"],
    );
    let s = spans(Apia, &l, utc(2011, 12, 29, 12, 0), utc(2012, 1, 1, 12, 0));
    let got: Vec<_> = s.iter().map(|s| (s.index, s.start, s.end)).collect();
    assert_eq!(
        got,
        [
            (3, utc(2011, 12, 28, 19, 0), utc(2011, 12, 29, 19, 0)),
            (4, utc(2011, 12, 29, 19, 0), utc(2011, 12, 30, 19, 0)),
            (6, utc(2011, 12, 30, 19, 0), utc(2011, 12, 31, 19, 0)),
            (7, utc(2011, 12, 31, 19, 0), utc(2012, 1, 1, 19, 0)),
        ]
    );
    assert_eq!(to_local(Apia, s[1].start), naive(2011, 12, 29, 9, 0));
    assert_eq!(to_local(Apia, s[1].end), naive(2011, 12, 31, 9, 0));
}

#[test]
fn apia_hourly_turns_skip_the_missing_day() {
    let l = layer(
        Apia,
        naive(2011, 12, 29, 20, 0),
        Turn::Hours(1),
        &["ann", "bob"],
    );
    let s = spans(Apia, &l, utc(2011, 12, 30, 6, 0), utc(2011, 12, 30, 12, 0));
    let got: Vec<_> = s.iter().map(|s| (s.index, s.start)).collect();
    // 23:00 on the 29th (09:00Z) is followed by 00:00 on the 31st (10:00Z).
    assert_eq!(
        got,
        [
            (0, utc(2011, 12, 30, 6, 0)),
            (1, utc(2011, 12, 30, 7, 0)),
            (2, utc(2011, 12, 30, 8, 0)),
            (3, utc(2011, 12, 30, 9, 0)),
            (28, utc(2011, 12, 30, 10, 0)),
            (29, utc(2011, 12, 30, 11, 0)),
        ]
    );
    assert!(s.iter().all(|s| hours(s.end - s.start) == 1.0));
}

#[test]
fn berlin_weekly_monday_handoff_follows_the_wall_clock() {
    let l = layer(
        Berlin,
        naive(2026, 1, 5, 9, 0),
        Turn::Weeks(1),
        &["ann", "bob"],
    );
    let s = spans(Berlin, &l, utc(2026, 1, 5, 8, 0), utc(2027, 1, 5, 8, 0));
    assert_eq!(s.len(), 53);
    for span in &s {
        let local = to_local(Berlin, span.start);
        assert_eq!(
            (local.weekday(), local.time()),
            (Weekday::Mon, naive(2026, 1, 1, 9, 0).time())
        );
    }
    let length = |start: DateTime<Utc>| {
        let span = s.iter().find(|x| x.start == start).unwrap();
        hours(span.end - span.start)
    };
    assert_eq!(length(utc(2026, 3, 23, 8, 0)), 167.0);
    assert_eq!(length(utc(2026, 10, 19, 7, 0)), 169.0);
    assert_eq!(length(utc(2026, 6, 1, 7, 0)), 168.0);
}
