//! Freshness figures of one dependency, from what the registry said of its package:
//!
//! - **libyear drift**: the latest stable's release date minus the date of the version in
//!   use, in years of 365.25 days; never negative (a back-ported patch released after the
//!   latest does not make a dependency "ahead"), and 0 when the version in use is the latest
//!   or newer.
//! - **pulse**: days since the package's newest release of any kind; a long pulse means
//!   nobody ships it any more, however current the version in use.
//! - **behind**: libyear's version-number delta ([`Behind`]), and whether the latest is a
//!   breaking move (caret rules, [`Version::breaking_to`]).
//! - **yanked**: the version in use was yanked (or unpublished) since it was locked.
//!
//! What is not known stays unknown: a package not looked up yet, one the registry does not
//! have (a private package: "not found in registry", never "up to date"), a version the
//! registry does not list or date.

use super::versions::{Behind, Version};
use super::Ecosystem;
use chrono::{DateTime, Utc};

const DAYS_PER_YEAR: f64 = 365.25;

/// What Steward knows of a package in its registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Not looked up yet.
    Pending,
    /// The registry answered 404.
    Missing,
    Found,
}

/// The registry's facts a dependency's figures come from.
#[derive(Debug, Clone, Copy)]
pub struct Known<'a> {
    pub lookup: Lookup,
    pub latest: Option<&'a str>,
    pub latest_at: Option<&'a str>,
    pub last_release_at: Option<&'a str>,
    /// The release date of the version in use, when the registry lists it.
    pub used_at: Option<&'a str>,
    pub used_yanked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The latest stable, or newer.
    Current,
    Outdated,
    /// Not found in the registry.
    Missing,
    /// Not looked up yet, no stable release, or a version that cannot be read.
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Current => "current",
            State::Outdated => "outdated",
            State::Missing => "missing",
            State::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub state: State,
    /// Years; `None` when either date is unknown.
    pub libyear: Option<f64>,
    pub pulse_days: Option<i64>,
    pub behind: Behind,
    pub breaking: bool,
    pub yanked: bool,
}

fn at(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Days since `last_release_at` (the package's newest release), never negative.
pub fn pulse_days(last_release_at: Option<&str>, now: DateTime<Utc>) -> Option<i64> {
    at(last_release_at).map(|t| (now - t).num_days().max(0))
}

pub fn figures(ecosystem: Ecosystem, used: &str, known: &Known, now: DateTime<Utc>) -> Figures {
    let mut f = Figures {
        state: State::Unknown,
        libyear: None,
        pulse_days: pulse_days(known.last_release_at, now),
        behind: Behind::default(),
        breaking: false,
        yanked: known.used_yanked,
    };
    match known.lookup {
        Lookup::Pending => return f,
        Lookup::Missing => {
            f.state = State::Missing;
            return f;
        }
        Lookup::Found => {}
    }
    let (Some(latest_text), Some(in_use)) = (known.latest, Version::parse(ecosystem, used)) else {
        return f;
    };
    let Some(latest) = Version::parse(ecosystem, latest_text) else {
        return f;
    };
    let older = in_use.compare(&latest) == Some(std::cmp::Ordering::Less);
    f.state = if older {
        State::Outdated
    } else {
        State::Current
    };
    f.behind = in_use.behind(&latest);
    f.breaking = in_use.breaking_to(&latest);
    f.libyear = if older {
        match (at(known.used_at), at(known.latest_at)) {
            (Some(u), Some(l)) => {
                Some(((l - u).num_seconds().max(0) as f64) / 86_400.0 / DAYS_PER_YEAR)
            }
            _ => None,
        }
    } else {
        Some(0.0)
    };
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0)
            .single()
            .expect("instant")
    }

    fn found<'a>(latest: &'a str, latest_at: &'a str, used_at: Option<&'a str>) -> Known<'a> {
        Known {
            lookup: Lookup::Found,
            latest: Some(latest),
            latest_at: Some(latest_at),
            last_release_at: Some(latest_at),
            used_at,
            used_yanked: false,
        }
    }

    #[test]
    fn libyear_is_the_gap_between_release_dates() {
        // lodash 4.17.15 (2019-07-19 02:28:46) against 4.17.21 (2021-02-20 15:42:16): by
        // hand 582 days 13:13:30 = 582.551 days, / 365.25 = 1.5949 years.
        let k = found(
            "4.17.21",
            "2021-02-20T15:42:16Z",
            Some("2019-07-19T02:28:46Z"),
        );
        let f = figures(Ecosystem::Npm, "4.17.15", &k, now());
        assert_eq!(f.state, State::Outdated);
        let years = f.libyear.expect("dated");
        assert!((years - 1.5949).abs() < 0.0001, "{years}");
        assert_eq!(f.behind.patches, 6);
        assert!(!f.breaking);
        // 2021-02-20 15:42 to 2026-12-03 12:00: 2111 whole days.
        assert_eq!(f.pulse_days, Some(2111));
    }

    #[test]
    fn never_negative_and_zero_when_current() {
        // A 1.x patch released after 2.0.0 is still behind, with no drift.
        let k = found(
            "2.0.0",
            "2024-01-01T00:00:00Z",
            Some("2024-06-01T00:00:00Z"),
        );
        let f = figures(Ecosystem::Crates, "1.9.9", &k, now());
        assert_eq!(
            (f.state, f.libyear, f.breaking),
            (State::Outdated, Some(0.0), true)
        );
        let f = figures(Ecosystem::Crates, "2.0.0", &k, now());
        assert_eq!((f.state, f.libyear), (State::Current, Some(0.0)));
        let f = figures(Ecosystem::Crates, "2.1.0-beta.1", &k, now());
        assert_eq!(
            (f.state, f.libyear),
            (State::Current, Some(0.0)),
            "ahead is current"
        );
    }

    #[test]
    fn what_is_not_known_stays_unknown() {
        let pending = Known {
            lookup: Lookup::Pending,
            latest: None,
            latest_at: None,
            last_release_at: None,
            used_at: None,
            used_yanked: false,
        };
        let f = figures(Ecosystem::PyPI, "2.31.0", &pending, now());
        assert_eq!((f.state, f.libyear), (State::Unknown, None));
        let missing = Known {
            lookup: Lookup::Missing,
            ..pending
        };
        assert_eq!(
            figures(Ecosystem::Npm, "1.0.0", &missing, now()).state,
            State::Missing
        );
        // Listed but not dated (the used version is unknown to the registry): behind is
        // known, drift is not.
        let k = found("2.32.3", "2024-05-29T15:37:47Z", None);
        let f = figures(Ecosystem::PyPI, "2.28.1", &k, now());
        assert_eq!(
            (f.state, f.libyear, f.behind.minors),
            (State::Outdated, None, 4)
        );
        let f = figures(Ecosystem::PyPI, "not-a-version", &k, now());
        assert_eq!(f.state, State::Unknown);
    }

    #[test]
    fn a_yanked_version_in_use_is_flagged() {
        let k = Known {
            used_yanked: true,
            ..found(
                "2.32.3",
                "2024-05-29T15:37:47Z",
                Some("2024-05-20T15:37:47Z"),
            )
        };
        let f = figures(Ecosystem::PyPI, "2.32.0", &k, now());
        assert!(f.yanked);
        assert_eq!(f.state, State::Outdated);
    }
}
