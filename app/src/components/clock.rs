//! Instants as people read and type them. The API writes instants as RFC 3339 UTC and, next to
//! them, the same instant on a local clock (`2026-03-08 10:00` in `Europe/Paris`). The browser
//! has no zone database of ours, so a local time typed into a form is converted back with the
//! offset the API's own pair shows (local minus UTC at that instant).

use super::timeline::{epoch, rfc3339};

/// `2026-03-08T09:00:00Z` → `2026-03-08 09:00 UTC`.
pub fn utc(instant: &str) -> String {
    format!(
        "{} UTC",
        instant.get(..16).unwrap_or(instant).replace('T', " ")
    )
}

/// `2026-03-02 09:00 → 2026-03-09 09:00 (Europe/Paris)`.
pub fn interval(start_local: &str, end_local: &str, zone: &str) -> String {
    format!("{start_local} → {end_local} ({zone})")
}

/// Seconds since 1970 of a local `YYYY-MM-DD HH:MM` (or `YYYY-MM-DDTHH:MM`) read as if UTC.
fn wall(local: &str) -> Option<i64> {
    let text = local.trim().get(..16)?.replace(' ', "T");
    epoch(&format!("{text}:00Z"))
}

/// A local `YYYY-MM-DD HH:MM` as the value of a `datetime-local` input.
pub fn input_value(local: &str) -> String {
    local.get(..16).unwrap_or(local).replace(' ', "T")
}

/// The zone's offset from UTC in seconds at `instant`, from the API's pair (`instant`,
/// `local`). Local times are written to the minute, so the instant's seconds are dropped.
pub fn offset(instant: &str, local: &str) -> Option<i64> {
    let minute = format!("{}:00Z", instant.get(..16)?);
    Some(wall(local)? - epoch(&minute)?)
}

/// A `datetime-local` value on a clock `offset` seconds ahead of UTC, as an RFC 3339 instant;
/// the text as typed when it is not a date and time (the API then says what is wrong).
pub fn to_instant(value: &str, offset: i64) -> String {
    match wall(value) {
        Some(secs) => rfc3339(secs - offset),
        None => value.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_go_back_to_utc_with_the_offset_of_the_pair() {
        assert_eq!(utc("2026-03-08T09:00:00Z"), "2026-03-08 09:00 UTC");
        let paris = offset("2026-03-08T09:00:00Z", "2026-03-08 10:00").expect("offset");
        assert_eq!(paris, 3_600);
        assert_eq!(
            offset("2026-03-08T09:00:42Z", "2026-03-08 10:00"),
            Some(3_600)
        );
        assert_eq!(
            interval("2026-03-08 10:00", "2026-03-09 10:00", "Europe/Paris"),
            "2026-03-08 10:00 → 2026-03-09 10:00 (Europe/Paris)"
        );
        assert_eq!(input_value("2026-03-08 10:00"), "2026-03-08T10:00");
        assert_eq!(
            to_instant("2026-03-08T12:30", paris),
            "2026-03-08T11:30:00Z"
        );
        let tokyo = offset("2026-03-08T20:00:00Z", "2026-03-09 05:00").expect("offset");
        assert_eq!(
            to_instant("2026-03-09T05:00", tokyo),
            "2026-03-08T20:00:00Z"
        );
        assert_eq!(to_instant("soon", 0), "soon");
        assert_eq!(offset("soon", "2026-03-08 10:00"), None);
    }
}
