//! The layer fields people type as text — participants, restrictions, the end instant — to and
//! from the API's structured spec. Parsing is lenient and never rejects: what it cannot read
//! goes to the API as written, so that the API's field error (`layers.0.restrictions.1.weekdays`)
//! points at the part that is wrong, and validation stays in one place.

use crate::api::oncall::RestrictionSpec;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Handles in rotation order, separated by commas and/or white space.
pub fn parse_participants(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

pub fn format_participants(participants: &[String]) -> String {
    participants.join(", ")
}

/// A weekday's index (`mon` = 0), read as the API reads it: by its first three letters.
fn day(text: &str) -> Option<usize> {
    let t = text.trim().to_lowercase();
    DAYS.iter().position(|d| t.starts_with(d))
}

/// `mon-fri`, `sat,sun`, `mon,wed-fri` or `fri-mon` (wrapping over the weekend).
fn parse_days(text: &str) -> Option<Vec<String>> {
    let mut days: Vec<usize> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let mut d = a;
                loop {
                    days.push(d);
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days.push(day(item)?),
        }
    }
    if days.is_empty() {
        return None;
    }
    days.sort_unstable();
    days.dedup();
    Some(days.into_iter().map(|d| DAYS[d].to_string()).collect())
}

/// `HH:MM-HH:MM` as written; whatever is not of that shape goes on as `from`.
fn parse_times(text: &str) -> (String, String) {
    match text.split_once('-') {
        Some((from, to)) => (from.trim().to_string(), to.trim().to_string()),
        None => (text.trim().to_string(), String::new()),
    }
}

/// `mon-fri 09:00-17:00; sat,sun 10:00-14:00`. Blank means no restriction (always). In each
/// part the times start at the first word that starts with a digit. A part without days means
/// every day; without times, the whole day (`00:00-00:00`, which the API reads as round the
/// clock). Days that do not parse are sent as written, as one weekday, and times as written,
/// for the API to reject by field.
pub fn parse_restrictions(text: &str) -> Vec<RestrictionSpec> {
    text.split([';', '\n'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let words: Vec<&str> = part.split_whitespace().collect();
            let split = words
                .iter()
                .position(|w| w.starts_with(|c: char| c.is_ascii_digit()))
                .unwrap_or(words.len());
            let (days, times) = (words[..split].join(" "), words[split..].join(" "));
            let weekdays = if days.is_empty() {
                DAYS.iter().map(|d| d.to_string()).collect()
            } else {
                parse_days(&days).unwrap_or_else(|| vec![days.clone()])
            };
            let (from, to) = if times.is_empty() {
                ("00:00".to_string(), "00:00".to_string())
            } else {
                parse_times(&times)
            };
            RestrictionSpec { weekdays, from, to }
        })
        .collect()
}

/// Weekdays as the shortest text: runs of three or more become ranges (`mon-fri`).
fn format_days(weekdays: &[String]) -> String {
    let mut idx: Vec<usize> = weekdays.iter().filter_map(|d| day(d)).collect();
    idx.sort_unstable();
    idx.dedup();
    if idx.len() != weekdays.len() {
        // Unreadable or repeated days: shown as stored, for the person to correct.
        return weekdays.join(",");
    }
    if idx.len() == 7 {
        return String::new();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && idx[j + 1] == idx[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}-{}", DAYS[idx[i]], DAYS[idx[j]]));
        } else {
            parts.extend(idx[i..=j].iter().map(|d| DAYS[*d].to_string()));
        }
        i = j + 1;
    }
    parts.join(",")
}

pub fn format_restrictions(restrictions: &[RestrictionSpec]) -> String {
    restrictions
        .iter()
        .map(|r| {
            let days = format_days(&r.weekdays);
            let times = if r.from == "00:00" && r.to == "00:00" {
                String::new()
            } else {
                format!("{}-{}", r.from, r.to)
            };
            match (days.is_empty(), times.is_empty()) {
                (true, true) => "mon-sun".to_string(),
                (true, false) => times,
                (false, true) => days,
                (false, false) => format!("{days} {times}"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of a `datetime-local` control (`YYYY-MM-DDTHH:MM`, read as UTC) as an RFC 3339
/// instant; blank is no end. Anything else is sent as written for the API to judge.
pub fn end_instant(text: &str) -> Option<String> {
    let t = text.trim();
    match t.len() {
        0 => None,
        16 => Some(format!("{t}:00Z")),
        19 if !t.ends_with('Z') => Some(format!("{t}Z")),
        _ => Some(t.to_string()),
    }
}

/// An RFC 3339 instant as a `datetime-local` value (UTC, to the minute).
pub fn end_local(instant: &str) -> String {
    instant.get(..16).unwrap_or(instant).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(days: &[&str], from: &str, to: &str) -> RestrictionSpec {
        RestrictionSpec {
            weekdays: days.iter().map(|d| d.to_string()).collect(),
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn participants_split_on_commas_and_spaces_in_order() {
        assert_eq!(
            parse_participants(" ada, grace  linus,\nken ,"),
            vec!["ada", "grace", "linus", "ken"]
        );
        assert!(parse_participants("  ").is_empty());
        let list = parse_participants("b a c");
        assert_eq!(parse_participants(&format_participants(&list)), list);
    }

    #[test]
    fn restrictions_read_day_ranges_lists_and_times() {
        assert_eq!(
            parse_restrictions("mon-fri 09:00-17:00; sat,sun 10:00-14:00"),
            vec![
                spec(&["mon", "tue", "wed", "thu", "fri"], "09:00", "17:00"),
                spec(&["sat", "sun"], "10:00", "14:00"),
            ]
        );
        // Wrapping ranges, capitals and spaces around dashes.
        assert_eq!(
            parse_restrictions("Fri - Mon 18:00 - 08:00"),
            vec![spec(&["mon", "fri", "sat", "sun"], "18:00", "08:00")]
        );
        assert!(parse_restrictions("  ;\n ").is_empty());
    }

    #[test]
    fn restrictions_without_days_or_times_mean_every_day_or_all_day() {
        assert_eq!(
            parse_restrictions("09:00-17:00"),
            vec![spec(&DAYS, "09:00", "17:00")]
        );
        assert_eq!(
            parse_restrictions("sat, sun"),
            vec![spec(&["sat", "sun"], "00:00", "00:00")]
        );
    }

    #[test]
    fn unreadable_parts_go_to_the_api_as_written() {
        assert_eq!(
            parse_restrictions("weekdays 09:00-17:00"),
            vec![spec(&["weekdays"], "09:00", "17:00")]
        );
        assert_eq!(
            parse_restrictions("mon-xyz; tue 9am"),
            vec![
                spec(&["mon-xyz"], "00:00", "00:00"),
                spec(&["tue"], "9am", "")
            ]
        );
    }

    #[test]
    fn restrictions_round_trip_through_text() {
        let specs = vec![
            spec(&["mon", "tue", "wed", "thu", "fri"], "09:00", "17:00"),
            spec(&["sat", "sun"], "00:00", "00:00"),
            spec(&["mon", "wed", "thu", "fri"], "22:00", "06:00"),
            spec(&DAYS, "12:00", "13:00"),
        ];
        let text = format_restrictions(&specs);
        assert_eq!(
            text,
            "mon-fri 09:00-17:00; sat,sun; mon,wed-fri 22:00-06:00; 12:00-13:00"
        );
        assert_eq!(parse_restrictions(&text), specs);
    }

    #[test]
    fn the_end_is_a_utc_instant() {
        assert_eq!(end_instant(""), None);
        assert_eq!(
            end_instant("2026-03-08T09:00").as_deref(),
            Some("2026-03-08T09:00:00Z")
        );
        assert_eq!(
            end_instant("2026-03-08T09:00:30").as_deref(),
            Some("2026-03-08T09:00:30Z")
        );
        assert_eq!(end_instant("soon").as_deref(), Some("soon"));
        assert_eq!(end_local("2026-03-08T09:00:00Z"), "2026-03-08T09:00");
    }
}
