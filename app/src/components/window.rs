//! Days for timeline windows (`?from=YYYY-MM-DD`), and "today". Dates are UTC days: the API
//! takes them as UTC midnights, and the timeline itself draws the schedule's local days.

use super::timeline::{epoch, rfc3339};

/// Seconds since 1970 by the clock of whichever side renders (the server, or the browser).
pub fn now_secs() -> i64 {
    #[cfg(feature = "ssr")]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
            .unwrap_or(0)
    }
    #[cfg(not(feature = "ssr"))]
    {
        (leptos::web_sys::js_sys::Date::now() / 1000.0) as i64
    }
}

/// Today's UTC date, `YYYY-MM-DD`.
pub fn today() -> String {
    day_of(now_secs())
}

fn day_of(secs: i64) -> String {
    let instant = rfc3339(secs - secs.rem_euclid(86_400));
    instant.get(..10).unwrap_or(&instant).to_string()
}

/// Whether `text` is a `YYYY-MM-DD` date.
pub fn is_day(text: &str) -> bool {
    epoch(&format!("{text}T00:00:00Z")).is_some_and(|s| day_of(s) == text)
}

/// `day` moved by `n` days (`None` when `day` is not a date).
pub fn add_days(day: &str, n: i64) -> Option<String> {
    let secs = epoch(&format!("{day}T00:00:00Z"))?;
    Some(day_of(secs + n * 86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_move_across_months_and_years() {
        assert_eq!(add_days("2026-02-27", 2).as_deref(), Some("2026-03-01"));
        assert_eq!(add_days("2026-01-03", -7).as_deref(), Some("2025-12-27"));
        assert_eq!(add_days("soon", 1), None);
        assert!(is_day("2024-02-29"));
        assert!(!is_day("2026-02-30"));
        assert!(!is_day("2026-3-1"));
        assert!(is_day(&today()));
    }
}
