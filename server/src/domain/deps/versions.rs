//! Version numbers as each ecosystem orders them: semver for crates, npm and Go modules
//! (whose tags are `v` + semver, `+incompatible` for pre-module majors), PEP 440 for Python.
//! Nothing here compares version texts by hand.

use super::Ecosystem;
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Version {
    Semver(semver::Version),
    Pep440(pep440_rs::Version),
}

/// How far a version in use is behind another, counted as libyear's version-number delta: the
/// difference of the first component that differs (2.1.0 → 4.0.3 is two majors, 2.1.0 →
/// 2.4.1 three minors, 2.1.0 → 2.1.7 seven patches).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Behind {
    pub majors: u64,
    pub minors: u64,
    pub patches: u64,
}

impl Version {
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Option<Version> {
        let t = text.trim();
        match ecosystem {
            Ecosystem::PyPI => t.parse::<pep440_rs::Version>().ok().map(Version::Pep440),
            Ecosystem::Go => {
                let t = t.strip_prefix('v')?;
                let t = t.strip_suffix("+incompatible").unwrap_or(t);
                semver::Version::parse(t).ok().map(Version::Semver)
            }
            Ecosystem::Crates => semver::Version::parse(t).ok().map(Version::Semver),
            Ecosystem::Npm => {
                let t = t.strip_prefix('=').unwrap_or(t);
                let t = t.strip_prefix('v').unwrap_or(t);
                semver::Version::parse(t).ok().map(Version::Semver)
            }
        }
    }

    /// An alpha, beta, release candidate or dev build (a Go pseudo-version counts: it is a
    /// semver pre-release). A Python post-release is a release.
    pub fn is_prerelease(&self) -> bool {
        match self {
            Version::Semver(v) => !v.pre.is_empty(),
            Version::Pep440(v) => v.any_prerelease(),
        }
    }

    /// Major, minor and patch (missing Python components are 0).
    pub fn parts(&self) -> (u64, u64, u64) {
        match self {
            Version::Semver(v) => (v.major, v.minor, v.patch),
            Version::Pep440(v) => {
                let r = v.release();
                let at = |i: usize| r.get(i).copied().unwrap_or(0);
                (at(0), at(1), at(2))
            }
        }
    }

    /// Versions of two schemes do not compare (they never meet: one ecosystem, one scheme).
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => Some(a.cmp_precedence(b)),
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// How far `self` is behind `latest` (nothing when it is not older).
    pub fn behind(&self, latest: &Version) -> Behind {
        if self.compare(latest) != Some(Ordering::Less) {
            return Behind::default();
        }
        let ((a, b, c), (x, y, z)) = (self.parts(), latest.parts());
        if x > a {
            Behind {
                majors: x - a,
                ..Behind::default()
            }
        } else if x == a && y > b {
            Behind {
                minors: y - b,
                ..Behind::default()
            }
        } else if x == a && y == b && z > c {
            Behind {
                patches: z - c,
                ..Behind::default()
            }
        } else {
            Behind::default()
        }
    }

    /// Whether moving from `self` to `latest` may break callers: a new major, or, below 1.0,
    /// a new minor (0.0.x: a new patch), as Cargo's and npm's caret ranges read semver.
    /// Python's scheme says nothing of compatibility; a new first component is taken as one.
    pub fn breaking_to(&self, latest: &Version) -> bool {
        if self.compare(latest) != Some(Ordering::Less) {
            return false;
        }
        let ((a, b, c), (x, y, z)) = (self.parts(), latest.parts());
        match self {
            Version::Semver(_) if a == 0 && x == 0 => {
                if b == 0 && y == 0 {
                    z != c
                } else {
                    y != b
                }
            }
            _ => x != a,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(e: Ecosystem, s: &str) -> Version {
        Version::parse(e, s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn each_ecosystem_reads_its_own_numbers() {
        assert!(
            Version::parse(Ecosystem::Go, "1.2.3").is_none(),
            "Go tags start with v"
        );
        assert_eq!(v(Ecosystem::Go, "v2.0.0+incompatible").parts(), (2, 0, 0));
        assert!(v(Ecosystem::Go, "v0.0.0-20240102030405-abcdefabcdef").is_prerelease());
        assert!(v(Ecosystem::Crates, "1.0.0-rc.1").is_prerelease());
        assert!(v(Ecosystem::PyPI, "2.0.0rc1").is_prerelease());
        assert!(v(Ecosystem::PyPI, "2.0.dev3").is_prerelease());
        assert!(!v(Ecosystem::PyPI, "2.0.post1").is_prerelease());
        assert_eq!(v(Ecosystem::PyPI, "2024.8").parts(), (2024, 8, 0));
        assert!(Version::parse(Ecosystem::Crates, "latest").is_none());
    }

    #[test]
    fn order_is_the_scheme_s_not_the_text_s() {
        let c = |a: &str, b: &str| v(Ecosystem::Crates, a).compare(&v(Ecosystem::Crates, b));
        assert_eq!(c("1.10.0", "1.9.9"), Some(Ordering::Greater));
        assert_eq!(c("1.0.0-rc.1", "1.0.0"), Some(Ordering::Less));
        assert_eq!(c("1.0.0+build.5", "1.0.0"), Some(Ordering::Equal));
        let p = |a: &str, b: &str| v(Ecosystem::PyPI, a).compare(&v(Ecosystem::PyPI, b));
        assert_eq!(p("1.0", "1.0.0"), Some(Ordering::Equal));
        assert_eq!(p("1.0.post1", "1.0"), Some(Ordering::Greater));
        assert_eq!(p("1.0rc1", "1.0"), Some(Ordering::Less));
        assert_eq!(p("1.10", "1.9"), Some(Ordering::Greater));
        assert_eq!(
            v(Ecosystem::Crates, "1.0.0").compare(&v(Ecosystem::PyPI, "1.0")),
            None
        );
    }

    #[test]
    fn behind_counts_the_first_component_that_moved() {
        let b = |a: &str, l: &str| v(Ecosystem::Npm, a).behind(&v(Ecosystem::Npm, l));
        let behind = |majors, minors, patches| Behind {
            majors,
            minors,
            patches,
        };
        assert_eq!(b("2.1.0", "4.0.3"), behind(2, 0, 0));
        assert_eq!(b("2.1.0", "2.4.1"), behind(0, 3, 0));
        assert_eq!(b("2.1.0", "2.1.7"), behind(0, 0, 7));
        assert_eq!(b("2.1.0", "2.1.0"), behind(0, 0, 0));
        assert_eq!(b("3.0.0", "2.9.9"), behind(0, 0, 0), "ahead is not behind");
        assert_eq!(b("2.1.0-beta.2", "2.1.0"), behind(0, 0, 0));
    }

    #[test]
    fn breaking_follows_caret_ranges() {
        let k = |a: &str, l: &str| v(Ecosystem::Crates, a).breaking_to(&v(Ecosystem::Crates, l));
        assert!(k("1.9.0", "2.0.0"));
        assert!(!k("1.2.0", "1.9.0"));
        assert!(k("0.7.3", "0.8.0"));
        assert!(!k("0.7.3", "0.7.9"));
        assert!(k("0.0.3", "0.0.4"));
        assert!(k("0.9.0", "1.0.0"));
        assert!(!k("2.0.0", "1.0.0"));
        let p = |a: &str, l: &str| v(Ecosystem::PyPI, a).breaking_to(&v(Ecosystem::PyPI, l));
        assert!(p("1.26.4", "2.0.0"));
        assert!(!p("0.9", "0.10"));
    }
}
