//! Properties of the final schedule over random schedules, windows and zones.

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;

use super::super::{
    balance, change_participants, final_schedule, layer_segments, load, on_call_at, push_merged,
    totals, turn_spans, Segment, Source,
};
use super::gen::{build_override, case, group, inside, override_spec, zone, PEOPLE};

fn tiles(segs: &[Segment], from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), TestCaseError> {
    prop_assert_eq!(segs.first().map(|s| s.start), Some(from));
    prop_assert_eq!(segs.last().map(|s| s.end), Some(to));
    for s in segs {
        prop_assert!(s.start < s.end, "empty segment {:?}", s);
        prop_assert_eq!(s.person.is_none(), s.source == Source::Gap);
    }
    for w in segs.windows(2) {
        prop_assert_eq!(w[0].end, w[1].start);
        prop_assert!(
            (&w[0].person, w[0].source) != (&w[1].person, w[1].source),
            "not maximal"
        );
    }
    Ok(())
}

/// Walks two tilings of the same window together: each stretch with the segment of each.
fn side_by_side<'a>(
    a: &'a [Segment],
    b: &'a [Segment],
) -> Vec<(DateTime<Utc>, DateTime<Utc>, &'a Segment, &'a Segment)> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        out.push((start, end, &a[i], &b[j]));
        i += usize::from(a[i].end == end);
        j += usize::from(b[j].end == end);
    }
    out
}

/// At least 256 cases; `PROPTEST_CASES` raises it for a longer run.
fn config() -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig::with_cases(default.cases.max(256))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn final_schedule_tiles_the_window_and_is_deterministic(c in case()) {
        prop_assert!(c.schedule.validate().is_ok(), "{:?}", c.schedule.validate());
        let segs = final_schedule(&c.schedule, c.from, c.to);
        tiles(&segs, c.from, c.to)?;
        prop_assert_eq!(&segs, &final_schedule(&c.schedule, c.from, c.to));
    }

    #[test]
    fn point_queries_agree(c in case(), fractions in prop::collection::vec(0.0f64..1.0, 8)) {
        let segs = final_schedule(&c.schedule, c.from, c.to);
        let expect = |s: &Segment| s.person.clone().map(|p| (p, s.source));
        let step = (segs.len() / 150).max(1);
        for s in segs.iter().step_by(step) {
            prop_assert_eq!(on_call_at(&c.schedule, s.start), expect(s));
            prop_assert_eq!(on_call_at(&c.schedule, s.end - TimeDelta::seconds(1)), expect(s));
        }
        for f in fractions {
            let t = inside(c.from, c.to, f);
            let s = segs.iter().find(|s| s.start <= t && t < s.end).unwrap();
            prop_assert_eq!(on_call_at(&c.schedule, t), expect(s));
        }
    }

    #[test]
    fn an_override_changes_only_its_own_interval(c in case(), extra in override_spec()) {
        let before = final_schedule(&c.schedule, c.from, c.to);
        let o = build_override(c.from, &extra);
        let mut with = c.schedule.clone();
        with.overrides.push(o.clone());
        let after = final_schedule(&with, c.from, c.to);
        tiles(&after, c.from, c.to)?;
        for (start, end, old, new) in side_by_side(&before, &after) {
            if end <= o.start || start >= o.end {
                prop_assert_eq!((&old.person, old.source), (&new.person, new.source));
            } else {
                prop_assert!(start >= o.start && end <= o.end, "stretch straddles the override");
                prop_assert_eq!(new.person.as_ref(), Some(&o.person));
                prop_assert_eq!(new.source, Source::Override(with.overrides.len() - 1));
            }
        }
    }

    #[test]
    fn computing_in_pieces_equals_computing_whole(c in case(), cuts in prop::collection::vec(0.0f64..1.0, 1..=3)) {
        let mut points: Vec<_> = cuts.iter().map(|f| inside(c.from, c.to, *f)).collect();
        points.extend([c.from, c.to]);
        points.sort();
        points.dedup();
        let mut joined = Vec::new();
        for w in points.windows(2) {
            for s in final_schedule(&c.schedule, w[0], w[1]) {
                push_merged(&mut joined, s.start, s.end, s.person.as_ref(), s.source);
            }
        }
        prop_assert_eq!(joined, final_schedule(&c.schedule, c.from, c.to));
    }

    #[test]
    fn layer_handoffs_strictly_increase(c in case()) {
        let zone = c.schedule.zone;
        for (i, layer) in c.schedule.layers.iter().enumerate() {
            let spans = turn_spans(zone, layer, c.from, c.to);
            for s in &spans {
                prop_assert!(s.start < s.end && s.index >= 0);
            }
            for w in spans.windows(2) {
                prop_assert!(w[0].end == w[1].start && w[0].index < w[1].index);
            }
            let segs = layer_segments(zone, layer, i, c.from, c.to);
            for s in &segs {
                prop_assert!(c.from <= s.start && s.start < s.end && s.end <= c.to);
            }
            for w in segs.windows(2) {
                prop_assert!(w[0].end <= w[1].start);
            }
        }
    }

    #[test]
    fn load_parts_sum_to_the_total(c in case(), person_zone in zone()) {
        let segs = final_schedule(&c.schedule, c.from, c.to);
        let all = totals(&segs);
        for who in PEOPLE {
            let total = all.iter().find(|(p, _)| p == who).map_or(TimeDelta::zero(), |t| t.1);
            let l = load(&segs, who, person_zone);
            prop_assert_eq!(l.business + l.off + l.sleep, total);
            prop_assert!(l.business >= TimeDelta::zero() && l.off >= TimeDelta::zero() && l.sleep >= TimeDelta::zero());
        }
    }

    #[test]
    fn balance_stays_within_zero_and_one(seconds in prop::collection::vec(0i64..1_000_000, 0..=6)) {
        let totals: Vec<_> = seconds.iter().map(|s| TimeDelta::seconds(*s)).collect();
        match balance(&totals) {
            None => prop_assert!(totals.len() < 2),
            Some(b) => prop_assert!((0.0..=1.0).contains(&b), "{}", b),
        }
    }

    #[test]
    fn changing_participants_keeps_the_past(c in case(), new in group(), f in 0.0f64..1.0) {
        let zone = c.schedule.zone;
        let now = inside(c.from, c.to, f);
        let mut changed = c.schedule.clone();
        changed.layers[0] = change_participants(zone, &c.schedule.layers[0], new.clone(), now);
        prop_assert!(changed.validate().is_ok(), "{:?}", changed.validate());
        let cutoff = changed.layers[0].rotations.last().unwrap().from;
        prop_assert!(cutoff > now || cutoff == changed.layers[0].start_instant(zone));
        if c.from < cutoff {
            let end = cutoff.min(c.to);
            prop_assert_eq!(final_schedule(&c.schedule, c.from, end), final_schedule(&changed, c.from, end));
        }
        // The first turn from the cutoff goes to its old holder when they stay.
        let old = turn_spans(zone, &c.schedule.layers[0], cutoff, cutoff + TimeDelta::seconds(1));
        let got = turn_spans(zone, &changed.layers[0], cutoff, cutoff + TimeDelta::seconds(1));
        if let (Some(old), Some(got)) = (old.first(), got.first()) {
            if old.person.as_ref().is_some_and(|p| new.contains(p)) {
                prop_assert_eq!(&got.person, &old.person);
            }
        }
    }
}
