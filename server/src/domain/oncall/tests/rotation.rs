//! Changing who rotates keeps the current turn, the past, and the next person when possible.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Berlin;

use super::super::{change_participants, final_schedule, turn_spans, Layer, Turn};
use super::{layer, naive, people, schedule, utc};

fn team() -> Layer {
    // Daily 09:00 Berlin (07:00Z in June): ann 1st, bob 2nd, cy 3rd, dee 4th, ann 5th, ...
    layer(
        Berlin,
        naive(2026, 6, 1, 9, 0),
        Turn::Days(1),
        &["ann", "bob", "cy", "dee"],
    )
}

/// Wednesday 3 June 12:00 Berlin, during cy's turn; the next handoff is Thursday 07:00Z.
fn now() -> DateTime<Utc> {
    utc(2026, 6, 3, 10, 0)
}

/// Who holds the turns from Wednesday on.
fn from_wednesday(l: &Layer, days: i64) -> Vec<String> {
    let from = utc(2026, 6, 3, 7, 0);
    turn_spans(Berlin, l, from, from + chrono::TimeDelta::days(days))
        .into_iter()
        .map(|s| s.person.unwrap_or_default())
        .collect()
}

fn changed(new: &[&str]) -> Layer {
    let old = team();
    let new = change_participants(Berlin, &old, people(new), now());
    new.validate(Berlin).unwrap();
    assert_eq!(new.rotations.len(), 2);
    assert_eq!(new.rotations[1].from, utc(2026, 6, 4, 7, 0));
    let past = |l: &Layer| {
        final_schedule(
            &schedule(Berlin, vec![l.clone()]),
            utc(2026, 5, 1, 0, 0),
            utc(2026, 6, 4, 7, 0),
        )
    };
    assert_eq!(past(&old), past(&new));
    new
}

#[test]
fn removing_someone_else_keeps_the_current_turn_and_the_order() {
    assert_eq!(
        from_wednesday(&changed(&["ann", "cy", "dee"]), 5),
        ["cy", "dee", "ann", "cy", "dee"]
    );
}

#[test]
fn removing_the_next_person_passes_the_turn_to_the_one_after() {
    assert_eq!(
        from_wednesday(&changed(&["ann", "bob", "cy"]), 5),
        ["cy", "ann", "bob", "cy", "ann"]
    );
}

#[test]
fn removing_the_current_person_keeps_their_turn() {
    assert_eq!(
        from_wednesday(&changed(&["ann", "bob", "dee"]), 4),
        ["cy", "dee", "ann", "bob"]
    );
}

#[test]
fn adding_someone_puts_them_at_their_place_in_the_new_list() {
    assert_eq!(
        from_wednesday(&changed(&["ann", "bob", "eve", "cy", "dee"]), 7),
        ["cy", "dee", "ann", "bob", "eve", "cy", "dee"]
    );
}

#[test]
fn nobody_left_from_the_old_order_starts_with_the_first_new_person() {
    assert_eq!(
        from_wednesday(&changed(&["xi", "yu"]), 4),
        ["cy", "xi", "yu", "xi"]
    );
}

#[test]
fn emptying_the_rotation_leaves_a_gap_from_the_next_handoff() {
    let l = changed(&[]);
    assert_eq!(from_wednesday(&l, 3), ["cy", "", ""]);
}

#[test]
fn a_layer_not_started_yet_gets_the_new_list_from_its_start() {
    let old = layer(
        Berlin,
        naive(2026, 7, 1, 9, 0),
        Turn::Days(1),
        &["ann", "bob", "cy"],
    );
    let new = change_participants(Berlin, &old, people(&["dee", "bob", "ann"]), now());
    new.validate(Berlin).unwrap();
    assert_eq!(new.rotations.len(), 1);
    let from = utc(2026, 7, 1, 7, 0);
    let got: Vec<_> = turn_spans(Berlin, &new, from, from + chrono::TimeDelta::days(4))
        .into_iter()
        .map(|s| s.person.unwrap())
        .collect();
    assert_eq!(got, ["ann", "dee", "bob", "ann"]);
}

#[test]
fn a_second_change_supersedes_a_planned_one() {
    let once = changed(&["ann", "cy", "dee"]);
    let twice = change_participants(
        Berlin,
        &once,
        people(&["ann", "bob", "cy", "dee", "eve"]),
        now(),
    );
    twice.validate(Berlin).unwrap();
    assert_eq!(twice.rotations.len(), 2);
    assert_eq!(
        from_wednesday(&twice, 6),
        ["cy", "dee", "eve", "ann", "bob", "cy"]
    );
}
