//! What OSV (osv.dev) knows of the packages a repository resolves. OSV is the one advisory
//! source because it already merges GitHub's, PyPA's, RustSec's and Go's databases under one
//! schema, naming ecosystems as [`Ecosystem::name`] does. This module is pure, like the
//! registry readers: the body of a `/v1/querybatch` request, its answer (ids only, one result
//! per query, in order) and the records (`/v1/vulns/{id}` or one file of an export archive),
//! read strictly where a wrong answer would mislead (an answer that does not line up with its
//! queries, a record without an id) and leniently inside a record, where one odd range should
//! not hide the rest of an advisory.
//!
//! The API matches versions itself; records read from an archive were matched by nothing, so
//! [`Record::affects`] evaluates their ranges as the OSV schema's algorithm does, with each
//! ecosystem's own version order. **Severity** is the CVSS v3 base score's band when the
//! record has a v3 vector (computed here: OSV gives vectors, not scores), else GitHub's word.

use super::versions::Version;
use super::{python_name, Ecosystem};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use std::borrow::Cow;
use std::cmp::Ordering;

const SUMMARY_MAX: usize = 300;

/// Severity of an advisory, from its CVSS v3 vector when it has one (base score bands: 9.0+
/// critical, 7.0+ high, 4.0+ medium, below that low), else GitHub's word in
/// `database_specific.severity` (CRITICAL, HIGH, MODERATE, LOW), else unknown. Ordered so
/// that `max()` is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    const ALL: [Severity; 5] = [
        Self::Unknown,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The inverse of [`Severity::as_str`].
    pub fn parse(s: &str) -> Option<Severity> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// CVSS calls 0.0 "none"; it is taken as low here: the advisory still stands, and
    /// "unknown" would say less than is known.
    fn of_score(score: f64) -> Severity {
        match score {
            s if s >= 9.0 => Self::Critical,
            s if s >= 7.0 => Self::High,
            s if s >= 4.0 => Self::Medium,
            _ => Self::Low,
        }
    }

    fn of_word(word: &str) -> Option<Severity> {
        match word.trim().to_ascii_uppercase().as_str() {
            "CRITICAL" => Some(Self::Critical),
            "HIGH" => Some(Self::High),
            "MODERATE" | "MEDIUM" => Some(Self::Medium),
            "LOW" => Some(Self::Low),
            _ => None,
        }
    }
}

/// The eight base metrics and their values, in the specification's order.
const BASE: [(&str, &[&str]); 8] = [
    ("AV", &["N", "A", "L", "P"]),
    ("AC", &["L", "H"]),
    ("PR", &["N", "L", "H"]),
    ("UI", &["N", "R"]),
    ("S", &["U", "C"]),
    ("C", &["H", "L", "N"]),
    ("I", &["H", "L", "N"]),
    ("A", &["H", "L", "N"]),
];

/// Temporal and environmental metrics: allowed, checked, and left out of the base score.
const OTHER: [(&str, &[&str]); 14] = [
    ("E", &["X", "U", "P", "F", "H"]),
    ("RL", &["X", "O", "T", "W", "U"]),
    ("RC", &["X", "U", "R", "C"]),
    ("CR", &["X", "L", "M", "H"]),
    ("IR", &["X", "L", "M", "H"]),
    ("AR", &["X", "L", "M", "H"]),
    ("MAV", &["X", "N", "A", "L", "P"]),
    ("MAC", &["X", "L", "H"]),
    ("MPR", &["X", "N", "L", "H"]),
    ("MUI", &["X", "N", "R"]),
    ("MS", &["X", "U", "C"]),
    ("MC", &["X", "N", "L", "H"]),
    ("MI", &["X", "N", "L", "H"]),
    ("MA", &["X", "N", "L", "H"]),
];

/// CVSS v3.0/v3.1 base score of a vector such as
/// `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` (9.8), rounded with v3.1's integer-based
/// Roundup (v3.0's float Roundup differs only by float noise). `None` for anything that is
/// not a complete, valid v3 vector: v2, v4, a base metric missing, any metric repeated, an
/// unknown metric or value. Temporal and environmental metrics are allowed and ignored.
pub fn cvss3_score(vector: &str) -> Option<f64> {
    let mut parts = vector.trim().split('/');
    if !matches!(parts.next()?, "CVSS:3.0" | "CVSS:3.1") {
        return None;
    }
    let mut base: [Option<&str>; 8] = [None; 8];
    let mut other: Vec<&str> = Vec::new();
    for part in parts {
        let (key, value) = part.split_once(':')?;
        if let Some(i) = BASE.iter().position(|(k, _)| *k == key) {
            if base[i].is_some() || !BASE[i].1.contains(&value) {
                return None;
            }
            base[i] = Some(value);
        } else {
            let (_, values) = OTHER.iter().find(|(k, _)| *k == key)?;
            if other.contains(&key) || !values.contains(&value) {
                return None;
            }
            other.push(key);
        }
    }
    let [Some(av), Some(ac), Some(pr), Some(ui), Some(s), Some(c), Some(i), Some(a)] = base else {
        return None;
    };
    let changed = s == "C";
    let av = match av {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        _ => 0.2,
    };
    let ac = if ac == "L" { 0.77 } else { 0.44 };
    // A changed scope makes a required privilege count for less.
    let pr = match (pr, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        (_, false) => 0.27,
        (_, true) => 0.5,
    };
    let ui = if ui == "N" { 0.85 } else { 0.62 };
    let cia = |v: &str| match v {
        "H" => 0.56,
        "L" => 0.22,
        _ => 0.0,
    };
    let iss: f64 = 1.0 - (1.0 - cia(c)) * (1.0 - cia(i)) * (1.0 - cia(a));
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    if impact <= 0.0 {
        return Some(0.0);
    }
    let exploitability = 8.22 * av * ac * pr * ui;
    let total: f64 = if changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    Some(roundup(total.min(10.0)))
}

/// The smallest one-decimal number not below `x`, computed on integers so that 4.000000001
/// from float noise is 4.0 and not 4.1 (CVSS v3.1 specification, appendix A).
fn roundup(x: f64) -> f64 {
    let int = (x * 100_000.0).round() as i64;
    if int % 10_000 == 0 {
        int as f64 / 100_000.0
    } else {
        (int / 10_000 + 1) as f64 / 10.0
    }
}

/// The body of `POST /v1/querybatch` for these (ecosystem, name, version) queries, in order.
pub fn querybatch_body(queries: &[(Ecosystem, &str, &str)]) -> Value {
    let queries: Vec<Value> = queries
        .iter()
        // Go versions go as lockfiles write them: osv.dev's semver order strips the `v` its
        // Go records leave out (osv/semver_index.py).
        .map(|&(ecosystem, name, version)| {
            json!({
                "package": { "ecosystem": ecosystem.name(), "name": name },
                "version": version,
            })
        })
        .collect();
    json!({ "queries": queries })
}

/// One result of a querybatch answer: the ids (with `modified` when given) and OSV's
/// `next_page_token` when the result was cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hits {
    pub ids: Vec<(String, Option<String>)>,
    pub next_page_token: Option<String>,
}

/// Reads a querybatch answer: `{"results": [{"vulns": [{"id", "modified"}, …]}, {}, …]}`. An
/// error when it is not one, or when it holds another number of results than `expected`:
/// results are matched to queries by position, so a short answer would pin advisories on the
/// wrong packages.
pub fn querybatch(body: &[u8], expected: usize) -> Result<Vec<Hits>, String> {
    #[derive(Deserialize)]
    struct Answer {
        results: Vec<One>,
    }
    #[derive(Deserialize)]
    struct One {
        #[serde(default, deserialize_with = "nullable")]
        vulns: Vec<Hit>,
        #[serde(default)]
        next_page_token: Option<String>,
    }
    #[derive(Deserialize)]
    struct Hit {
        id: String,
        #[serde(default)]
        modified: Option<String>,
    }
    let answer: Answer =
        serde_json::from_slice(body).map_err(|e| format!("not an OSV querybatch answer: {e}"))?;
    if answer.results.len() != expected {
        return Err(format!(
            "OSV answered {} results to {expected} queries",
            answer.results.len()
        ));
    }
    answer
        .results
        .into_iter()
        .map(|one| {
            let ids = one
                .vulns
                .into_iter()
                .map(|hit| {
                    if hit.id.trim().is_empty() {
                        return Err("OSV answered a vulnerability without an id".to_string());
                    }
                    Ok((hit.id, hit.modified.filter(|m| !m.is_empty())))
                })
                .collect::<Result<_, _>>()?;
            Ok(Hits {
                ids,
                next_page_token: one.next_page_token.filter(|t| !t.is_empty()),
            })
        })
        .collect()
}

/// An OSV record (`GET /v1/vulns/{id}`, or one file of an OSV export archive).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub modified: String,
    pub published: Option<String>,
    pub withdrawn: Option<String>,
    /// `summary`, else the first line of prose in `details`, trimmed, at most 300 chars (cut
    /// on a char boundary, with "…"); else the id.
    pub summary: String,
    pub aliases: Vec<String>,
    pub severity: Severity,
    /// The CVSS v3 base score and its vector, from the record's `severity[]`, else an
    /// affected entry's, else RustSec's `database_specific.cvss`.
    pub score: Option<f64>,
    pub vector: Option<String>,
    pub affected: Vec<Affected>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// As OSV writes it ("crates.io", "PyPI", "npm", "Go", or one Steward does not read:
    /// kept, it just never matches).
    pub ecosystem: String,
    pub name: String,
    pub ranges: Vec<Range>,
    pub versions: Vec<String>,
    /// RustSec's `informational` ("unmaintained", "unsound", "notice") of this entry, else of
    /// the record.
    pub informational: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeKind {
    Semver,
    Ecosystem,
    Git,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    fn version(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => v,
        }
    }
}

/// A `null` read as the empty value, as OSV's own tools write some lists.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Reads one record; an error when the body is not an OSV record (not JSON, no id, no
/// `modified`). Unknown fields are ignored; a severity, range or event it cannot read is
/// skipped, not an error.
pub fn record(body: &[u8]) -> Result<Record, String> {
    #[derive(Deserialize)]
    struct Raw {
        id: String,
        modified: String,
        published: Option<String>,
        withdrawn: Option<String>,
        summary: Option<String>,
        details: Option<String>,
        #[serde(default, deserialize_with = "nullable")]
        aliases: Vec<String>,
        #[serde(default, deserialize_with = "nullable")]
        severity: Vec<Value>,
        #[serde(default, deserialize_with = "nullable")]
        affected: Vec<RawAffected>,
        database_specific: Option<Value>,
    }
    #[derive(Deserialize)]
    struct RawAffected {
        package: Option<RawPackage>,
        #[serde(default, deserialize_with = "nullable")]
        ranges: Vec<Value>,
        #[serde(default, deserialize_with = "nullable")]
        versions: Vec<String>,
        #[serde(default, deserialize_with = "nullable")]
        severity: Vec<Value>,
        database_specific: Option<Value>,
    }
    #[derive(Deserialize)]
    struct RawPackage {
        ecosystem: String,
        name: String,
    }
    let raw: Raw = serde_json::from_slice(body).map_err(|e| format!("not an OSV record: {e}"))?;
    if raw.id.trim().is_empty() {
        return Err("the OSV record has no id".into());
    }
    let vector = cvss3_vector(&raw.severity)
        .or_else(|| raw.affected.iter().find_map(|a| cvss3_vector(&a.severity)))
        .or_else(|| {
            raw.affected
                .iter()
                .filter_map(|a| text(&a.database_specific, "cvss"))
                .chain(text(&raw.database_specific, "cvss"))
                .find(|v| cvss3_score(v).is_some())
                .map(String::from)
        });
    let score = vector.as_deref().and_then(cvss3_score);
    let severity = match score {
        Some(s) => Severity::of_score(s),
        None => text(&raw.database_specific, "severity")
            .and_then(Severity::of_word)
            .unwrap_or(Severity::Unknown),
    };
    let informational = text(&raw.database_specific, "informational");
    let affected = raw
        .affected
        .into_iter()
        // An entry without a package names a repository (GIT ranges only): nothing a lockfile
        // resolves can match it.
        .filter_map(|a| {
            let package = a.package?;
            Some(Affected {
                ecosystem: package.ecosystem,
                name: package.name,
                ranges: a.ranges.iter().filter_map(range).collect(),
                versions: a.versions,
                informational: text(&a.database_specific, "informational")
                    .or(informational)
                    .map(String::from),
            })
        })
        .collect();
    Ok(Record {
        summary: summary(&raw.id, raw.summary.as_deref(), raw.details.as_deref()),
        id: raw.id,
        modified: raw.modified,
        published: raw.published.filter(|s| !s.is_empty()),
        withdrawn: raw.withdrawn.filter(|s| !s.is_empty()),
        aliases: raw.aliases,
        severity,
        score,
        vector,
        affected,
    })
}

/// A non-empty text field of a `database_specific` object.
fn text<'a>(object: &'a Option<Value>, key: &str) -> Option<&'a str> {
    object
        .as_ref()?
        .get(key)?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The first CVSS v3 vector that scores among `severity[]` entries (records may also carry
/// v2 or v4 vectors, which are not read).
fn cvss3_vector(entries: &[Value]) -> Option<String> {
    entries
        .iter()
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("CVSS_V3"))
        .filter_map(|e| e.get("score")?.as_str())
        .map(str::trim)
        .find(|v| cvss3_score(v).is_some())
        .map(String::from)
}

fn range(value: &Value) -> Option<Range> {
    let kind = match value.get("type")?.as_str()? {
        "SEMVER" => RangeKind::Semver,
        "ECOSYSTEM" => RangeKind::Ecosystem,
        "GIT" => RangeKind::Git,
        _ => return None,
    };
    let events: Vec<Event> = value
        .get("events")?
        .as_array()?
        .iter()
        .filter_map(event)
        .collect();
    (!events.is_empty()).then_some(Range { kind, events })
}

/// One event holds exactly one of the four kinds; anything else is not read.
fn event(value: &Value) -> Option<Event> {
    let mut found = None;
    for (key, at) in value.as_object()? {
        let make: fn(String) -> Event = match key.as_str() {
            "introduced" => Event::Introduced,
            "fixed" => Event::Fixed,
            "last_affected" => Event::LastAffected,
            "limit" => Event::Limit,
            _ => continue,
        };
        let at = at.as_str().map(str::trim).filter(|s| !s.is_empty())?;
        if found.is_some() {
            return None;
        }
        found = Some(make(at.to_string()));
    }
    found
}

fn summary(id: &str, summary: Option<&str>, details: Option<&str>) -> String {
    let lines = || {
        details
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
    };
    // A Markdown heading ("### Impact") names a section, not the advisory: the first line
    // of prose says more.
    let first = lines()
        .find(|l| !l.starts_with('#'))
        .or_else(|| lines().next().map(|l| l.trim_start_matches('#').trim()));
    let pick = summary
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or(first)
        .unwrap_or(id);
    if pick.chars().count() <= SUMMARY_MAX {
        return pick.to_string();
    }
    let mut cut: String = pick.chars().take(SUMMARY_MAX - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// A version as a record or a lockfile writes it, read in the package's ecosystem. Go's OSV
/// records drop the `v` Go module versions carry; it is put back so that both read alike.
fn read_version(ecosystem: Ecosystem, text: &str) -> Option<Version> {
    let text = text.trim();
    match ecosystem {
        Ecosystem::Go if !text.starts_with('v') => Version::parse(ecosystem, &format!("v{text}")),
        _ => Version::parse(ecosystem, text),
    }
}

/// Whether a `versions` entry names `wanted`: the same text (Go's with or without its `v`),
/// or the same version by the ecosystem's order (PyPI's 2.0 is 2.0.0).
fn listed(ecosystem: Ecosystem, entry: &str, wanted: &str, parsed: Option<&Version>) -> bool {
    let bare = |s: &'_ str| -> String {
        let s = s.trim();
        match ecosystem {
            Ecosystem::Go => s.strip_prefix('v').unwrap_or(s).to_string(),
            _ => s.to_string(),
        }
    };
    bare(entry) == bare(wanted)
        || parsed.is_some_and(|w| {
            read_version(ecosystem, entry).is_some_and(|e| e.compare(w) == Some(Ordering::Equal))
        })
}

/// Where `v` stands in one range, by the OSV schema's algorithm: `None` when it is not
/// affected, else the `fixed` that closes its interval (`None` inside when the interval is
/// open or ends at a `last_affected`). GIT ranges order commits, not versions: never read.
fn interval<'r>(ecosystem: Ecosystem, range: &'r Range, v: &Version) -> Option<Option<&'r str>> {
    if range.kind == RangeKind::Git {
        return None;
    }
    // Every bound must read in the ecosystem: dropping one that does not would widen the
    // range (introduced 0, fixed <unreadable> would be every version), so such a range says
    // nothing. "0" is below every version; a "*" limit is no limit.
    let mut events: Vec<(Option<Version>, &Event)> = Vec::with_capacity(range.events.len());
    for e in &range.events {
        let at = match e {
            Event::Introduced(t) if t == "0" => None,
            Event::Limit(t) if t == "*" => continue,
            _ => Some(read_version(ecosystem, e.version())?),
        };
        events.push((at, e));
    }
    events.sort_by(|(a, _), (b, _)| match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a.compare(b).unwrap_or(Ordering::Equal),
    });
    let vs = |at: &Option<Version>| match at {
        None => Some(Ordering::Greater),
        Some(at) => v.compare(at),
    };
    let at_least =
        |at: &Option<Version>| matches!(vs(at), Some(Ordering::Greater | Ordering::Equal));
    let above = |at: &Option<Version>| vs(at) == Some(Ordering::Greater);
    let (mut affected, mut limited, mut under_limit) = (false, false, false);
    for (at, e) in &events {
        match e {
            Event::Introduced(_) if at_least(at) => affected = true,
            Event::Fixed(_) if at_least(at) => affected = false,
            Event::LastAffected(_) if above(at) => affected = false,
            Event::Limit(_) => {
                limited = true;
                under_limit |= !at_least(at);
            }
            _ => {}
        }
    }
    if !affected || (limited && !under_limit) {
        return None;
    }
    let end = events.iter().find_map(|(at, e)| match e {
        Event::Fixed(t) if !at_least(at) => Some(Some(t.as_str())),
        Event::LastAffected(_) if !above(at) => Some(None),
        _ => None,
    });
    Some(end.flatten())
}

/// A package name as the ecosystem compares it (PyPI's PEP 503 form).
fn package_key(ecosystem: Ecosystem, name: &str) -> Cow<'_, str> {
    match ecosystem {
        Ecosystem::PyPI => Cow::Owned(python_name(name.trim())),
        _ => Cow::Borrowed(name.trim()),
    }
}

impl Record {
    /// The affected entries for this package: same ecosystem, and same name (PyPI names
    /// compared after `python_name` normalisation on both sides).
    pub fn entries<'a>(
        &'a self,
        ecosystem: Ecosystem,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Affected> + 'a {
        let wanted = package_key(ecosystem, name);
        self.affected.iter().filter(move |a| {
            a.ecosystem == ecosystem.name() && package_key(ecosystem, &a.name) == wanted
        })
    }

    /// Whether `version` of the package is affected: listed in an entry's `versions`, or
    /// inside one of its SEMVER/ECOSYSTEM ranges. A version that does not parse is affected by
    /// no range (but can still be listed). For archive imports, where no API did the matching.
    pub fn affects(&self, ecosystem: Ecosystem, name: &str, version: &str) -> bool {
        let parsed = read_version(ecosystem, version);
        self.entries(ecosystem, name).any(|a| {
            a.versions
                .iter()
                .any(|e| listed(ecosystem, e, version, parsed.as_ref()))
                || parsed
                    .as_ref()
                    .is_some_and(|v| a.ranges.iter().any(|r| interval(ecosystem, r, v).is_some()))
        })
    }

    /// The lowest `fixed` above `version` among the package's ranges whose interval holds
    /// `version`, as the record writes it (with the module's `v` for Go). `None` when no fix
    /// is known.
    pub fn fixed_for(&self, ecosystem: Ecosystem, name: &str, version: &str) -> Option<String> {
        let v = read_version(ecosystem, version)?;
        let mut lowest: Option<(Version, &str)> = None;
        for a in self.entries(ecosystem, name) {
            for r in &a.ranges {
                let Some(Some(fixed)) = interval(ecosystem, r, &v) else {
                    continue;
                };
                let Some(at) = read_version(ecosystem, fixed) else {
                    continue;
                };
                if lowest
                    .as_ref()
                    .is_none_or(|(l, _)| at.compare(l) == Some(Ordering::Less))
                {
                    lowest = Some((at, fixed));
                }
            }
        }
        lowest.map(|(_, fixed)| match ecosystem {
            Ecosystem::Go if !fixed.starts_with('v') => format!("v{fixed}"),
            _ => fixed.to_string(),
        })
    }

    /// The RustSec informational kind of the package's entries (or the record's), if any:
    /// such an advisory is decay (an unmaintained crate), not a vulnerability.
    pub fn informational_for(&self, ecosystem: Ecosystem, name: &str) -> Option<String> {
        self.entries(ecosystem, name)
            .find_map(|a| a.informational.clone())
    }

    /// Withdrawn records are no longer advisories.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LODASH_TEMPLATE: &[u8] =
        include_bytes!("../../../tests/api/fixtures/osv/GHSA-35jh-r3h4-6jhm.json");
    const LODASH_POLLUTION: &[u8] =
        include_bytes!("../../../tests/api/fixtures/osv/GHSA-p6mc-m468-83gw.json");
    const REQUESTS_NETRC: &[u8] =
        include_bytes!("../../../tests/api/fixtures/osv/GHSA-9hjg-9r4m-mvj7.json");
    const X_NET_HTML: &[u8] = include_bytes!("../../../tests/api/fixtures/osv/GO-2023-1988.json");
    const PASTE: &[u8] = include_bytes!("../../../tests/api/fixtures/osv/RUSTSEC-2024-0436.json");
    const LEDGER: &[u8] = include_bytes!("../../../tests/api/fixtures/osv/querybatch-ledger.json");

    fn read(body: &[u8]) -> Record {
        record(body).expect("an OSV record")
    }

    /// A record of one package with the given ranges (`[[kind, events…]]`) and listed versions.
    fn package(ecosystem: &str, name: &str, ranges: Value, versions: Value) -> Record {
        let body = json!({
            "id": "TEST-1",
            "modified": "2024-01-01T00:00:00Z",
            "affected": [{
                "package": { "ecosystem": ecosystem, "name": name },
                "ranges": ranges,
                "versions": versions,
            }],
        });
        read(body.to_string().as_bytes())
    }

    #[test]
    fn cvss3_base_scores_match_the_specification() {
        for (vector, score) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H", 7.4),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", 5.3),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.8),
            // A changed scope lowers what a required privilege weighs (0.68, not 0.62).
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            // Temporal and environmental metrics do not move the base score.
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L",
                9.8,
            ),
            // The order of the base metrics is not the score's business.
            ("CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H", 9.8),
        ] {
            assert_eq!(cvss3_score(vector), Some(score), "{vector}");
        }
    }

    #[test]
    fn anything_but_a_complete_v3_vector_has_no_score() {
        for vector in [
            "AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/E:F",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Y",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
            "CVSS:3.1",
            "9.8",
            "",
            "<html>502</html>",
        ] {
            assert_eq!(cvss3_score(vector), None, "{vector}");
        }
    }

    #[test]
    fn severity_names_order_and_fallbacks() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("MODERATE"), None);
        assert_eq!(
            [Severity::Low, Severity::Critical, Severity::Unknown]
                .into_iter()
                .max(),
            Some(Severity::Critical)
        );
        assert_eq!(Severity::of_score(9.0), Severity::Critical);
        assert_eq!(Severity::of_score(6.9), Severity::Medium);
        assert_eq!(Severity::of_score(0.1), Severity::Low);
        assert_eq!(
            Severity::of_score(0.0),
            Severity::Low,
            "CVSS's none is still an advisory"
        );

        let with = |extra: Value| {
            let mut body = json!({"id": "GHSA-xxxx-xxxx-xxxx", "modified": "2024-01-01T00:00:00Z"});
            if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
                b.extend(e.clone());
            }
            read(body.to_string().as_bytes())
        };
        let word = with(json!({"database_specific": {"severity": "MODERATE"}}));
        assert_eq!((word.severity, word.score), (Severity::Medium, None));
        assert_eq!(with(json!({})).severity, Severity::Unknown);
        // A v4 vector is not read; GitHub's word stands in.
        let v4 = with(json!({
            "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],
            "database_specific": {"severity": "CRITICAL"},
        }));
        assert_eq!((v4.severity, v4.vector), (Severity::Critical, None));
        // The vector outranks the word; RustSec's cvss is read when severity[] is empty.
        let rustsec = with(json!({
            "severity": [],
            "affected": [{
                "package": {"ecosystem": "crates.io", "name": "x"},
                "database_specific": {"cvss": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "informational": null},
            }],
            "database_specific": {"severity": "LOW"},
        }));
        assert_eq!(
            (rustsec.severity, rustsec.score),
            (Severity::High, Some(7.5))
        );
        assert_eq!(rustsec.informational_for(Ecosystem::Crates, "x"), None);
    }

    #[test]
    fn the_recorded_records_read_as_osv_wrote_them() {
        let t = read(LODASH_TEMPLATE);
        assert_eq!(t.id, "GHSA-35jh-r3h4-6jhm");
        assert_eq!(t.summary, "Command Injection in lodash");
        assert_eq!(t.aliases, ["CVE-2021-23337"]);
        assert_eq!(t.published.as_deref(), Some("2021-05-06T16:05:51Z"));
        assert_eq!((t.severity, t.score), (Severity::High, Some(7.2)));
        assert_eq!(
            t.vector.as_deref(),
            Some("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H")
        );
        assert_eq!(t.affected.len(), 4);
        assert_eq!(
            t.affected[0].ranges,
            [Range {
                kind: RangeKind::Ecosystem,
                events: vec![
                    Event::Introduced("0".into()),
                    Event::Fixed("4.17.21".into())
                ],
            }]
        );
        assert!(!t.is_withdrawn());

        let p = read(LODASH_POLLUTION);
        assert_eq!((p.severity, p.score), (Severity::High, Some(7.4)));
        assert_eq!(p.affected.len(), 7);

        let r = read(REQUESTS_NETRC);
        assert_eq!((r.severity, r.score), (Severity::Medium, Some(5.3)));
        assert_eq!(
            r.summary,
            "Requests vulnerable to .netrc credentials leak via malicious URLs"
        );

        let g = read(X_NET_HTML);
        assert_eq!((g.severity, g.score), (Severity::Unknown, None));
        assert_eq!(g.affected[0].ecosystem, "Go");
        assert_eq!(g.aliases, ["CVE-2023-3978", "GHSA-2wrh-6pvc-2jm9"]);

        let paste = read(PASTE);
        assert_eq!((paste.severity, paste.score), (Severity::Unknown, None));
        assert_eq!(paste.summary, "paste - no longer maintained");
        assert_eq!(
            paste.affected[0].informational.as_deref(),
            Some("unmaintained")
        );
    }

    #[test]
    fn the_ledger_answer_lines_up_with_its_queries_and_records() {
        let hits = querybatch(LEDGER, 6).expect("a querybatch answer");
        let ids: Vec<Vec<&str>> = hits
            .iter()
            .map(|h| h.ids.iter().map(|(id, _)| id.as_str()).collect())
            .collect();
        assert_eq!(
            ids,
            [
                vec!["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"],
                vec![],
                vec!["GHSA-9hjg-9r4m-mvj7"],
                vec!["GO-2023-1988"],
                vec![],
                vec!["RUSTSEC-2024-0436"],
            ]
        );
        assert!(hits.iter().all(|h| h.next_page_token.is_none()));
        // The answer's `modified` is the record's: a cached record is refetched only when it
        // moved.
        for body in [
            LODASH_TEMPLATE,
            LODASH_POLLUTION,
            REQUESTS_NETRC,
            X_NET_HTML,
            PASTE,
        ] {
            let r = read(body);
            let (_, modified) = hits
                .iter()
                .flat_map(|h| &h.ids)
                .find(|(id, _)| *id == r.id)
                .expect("answered");
            assert_eq!(modified.as_deref(), Some(r.modified.as_str()), "{}", r.id);
        }
        // The recorded answers hold for the queried versions.
        let queried = [
            (Ecosystem::Npm, "lodash", "4.17.15"),
            (Ecosystem::PyPI, "requests", "2.32.0"),
            (Ecosystem::Go, "golang.org/x/net", "v0.10.0"),
            (Ecosystem::Crates, "paste", "1.0.15"),
        ];
        for (body, (e, name, version)) in [
            (LODASH_TEMPLATE, queried[0]),
            (LODASH_POLLUTION, queried[0]),
            (REQUESTS_NETRC, queried[1]),
            (X_NET_HTML, queried[2]),
            (PASTE, queried[3]),
        ] {
            assert!(read(body).affects(e, name, version), "{name} {version}");
        }
    }

    #[test]
    fn a_querybatch_answer_that_does_not_line_up_is_an_error() {
        assert!(querybatch(LEDGER, 5).is_err(), "one result too many");
        assert!(querybatch(LEDGER, 7).is_err(), "one result short");
        for body in [
            &b"<html>502 Bad Gateway</html>"[..],
            b"",
            b"{}",
            b"[]",
            br#"{"code": 3, "message": "Invalid query."}"#,
            br#"{"results": [{"vulns": [{"modified": "2024-01-01T00:00:00Z"}]}]}"#,
            br#"{"results": [{"vulns": [{"id": ""}]}]}"#,
        ] {
            assert!(querybatch(body, 1).is_err(), "{body:?}");
        }
        let cut = br#"{"results": [{"vulns": [{"id": "GHSA-1"}], "next_page_token": "abc"}, {"vulns": null}]}"#;
        assert_eq!(
            querybatch(cut, 2).expect("an answer"),
            [
                Hits {
                    ids: vec![("GHSA-1".into(), None)],
                    next_page_token: Some("abc".into()),
                },
                Hits {
                    ids: vec![],
                    next_page_token: None,
                },
            ]
        );
        assert_eq!(querybatch(br#"{"results": []}"#, 0), Ok(vec![]));
    }

    #[test]
    fn querybatch_body_is_one_query_per_package_in_order() {
        let body = querybatch_body(&[
            (Ecosystem::Npm, "lodash", "4.17.15"),
            (Ecosystem::Go, "golang.org/x/net", "v0.10.0"),
            (Ecosystem::PyPI, "requests", "2.32.0"),
        ]);
        assert_eq!(
            body,
            json!({"queries": [
                {"package": {"ecosystem": "npm", "name": "lodash"}, "version": "4.17.15"},
                {"package": {"ecosystem": "Go", "name": "golang.org/x/net"}, "version": "v0.10.0"},
                {"package": {"ecosystem": "PyPI", "name": "requests"}, "version": "2.32.0"},
            ]})
        );
        assert_eq!(querybatch_body(&[]), json!({"queries": []}));
    }

    #[test]
    fn a_body_that_is_not_a_record_is_an_error_and_odd_parts_are_skipped() {
        for body in [
            &b"<html>404</html>"[..],
            b"",
            b"[]",
            br#"{"code": 5, "message": "Bug not found."}"#,
            br#"{"modified": "2024-01-01T00:00:00Z", "summary": "no id"}"#,
            br#"{"id": "", "modified": "2024-01-01T00:00:00Z"}"#,
            br#"{"id": "GHSA-1"}"#,
        ] {
            assert!(record(body).is_err(), "{body:?}");
        }
        let odd = json!({
            "id": "GHSA-odd",
            "modified": "2024-01-01T00:00:00Z",
            "aliases": null,
            "credits": [{"name": "someone"}],
            "severity": [{"type": "CVSS_V3", "score": 7.5}, {"type": "CVSS_V3"}],
            "affected": [
                {"ranges": [{"type": "GIT", "repo": "https://x", "events": [{"introduced": "0"}]}]},
                {
                    "package": {"ecosystem": "npm", "name": "x"},
                    "ranges": [
                        {"type": "WEIRD", "events": [{"introduced": "0"}]},
                        {"type": "SEMVER", "events": "all"},
                        {"type": "SEMVER", "events": [{"introduced": 0}, {"fixed": "1.0.0", "limit": "2.0.0"}]},
                        {"type": "SEMVER", "events": [{"introduced": "0"}, {"something": "1"}, {"fixed": "1.2.0"}]},
                    ],
                },
                {"package": {"ecosystem": "Debian:12", "name": "x"}},
            ],
        });
        let r = read(odd.to_string().as_bytes());
        assert_eq!(r.severity, Severity::Unknown);
        assert!(r.aliases.is_empty());
        assert_eq!(r.summary, "GHSA-odd", "nothing else to say");
        assert_eq!(r.affected.len(), 2, "the package-less entry is left out");
        assert_eq!(
            r.affected[0].ranges,
            [Range {
                kind: RangeKind::Semver,
                events: vec![Event::Introduced("0".into()), Event::Fixed("1.2.0".into())],
            }]
        );
        assert!(r.affects(Ecosystem::Npm, "x", "1.1.0"));
        assert_eq!(r.entries(Ecosystem::Npm, "x").count(), 1);
    }

    #[test]
    fn the_summary_falls_back_to_the_first_line_of_prose() {
        assert_eq!(
            summary(
                "X",
                None,
                Some("### Impact\n\nDue to a parsing issue, it leaks.\nMore.")
            ),
            "Due to a parsing issue, it leaks."
        );
        assert_eq!(
            summary("X", Some("  "), Some("\n  Only line  \n")),
            "Only line"
        );
        assert_eq!(summary("X", None, Some("## Heading only")), "Heading only");
        assert_eq!(summary("X", None, None), "X");
        let long = "é".repeat(400);
        let cut = summary("X", Some(&long), None);
        assert_eq!(cut.chars().count(), 300);
        assert!(cut.ends_with("é…"));
        assert_eq!(
            summary("X", Some(&"a".repeat(300)), None).chars().count(),
            300
        );
    }

    #[test]
    fn ranges_hold_from_introduced_up_to_fixed() {
        let two_intervals = json!([{"type": "SEMVER", "events": [
            {"introduced": "2.0.0"}, {"fixed": "2.1.1"}, {"introduced": "0"}, {"fixed": "1.2.5"},
        ]}]);
        let two_ranges = json!([
            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.5"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "2.0.0"}, {"fixed": "2.1.1"}]},
        ]);
        for ranges in [two_intervals, two_ranges] {
            let r = package("crates.io", "x", ranges, json!([]));
            let at = |v: &str| {
                (
                    r.affects(Ecosystem::Crates, "x", v),
                    r.fixed_for(Ecosystem::Crates, "x", v),
                )
            };
            assert_eq!(at("1.0.0"), (true, Some("1.2.5".into())));
            assert_eq!(at("1.2.5"), (false, None), "fixed is not affected");
            assert_eq!(at("1.4.0"), (false, None), "between the intervals");
            assert_eq!(at("2.0.0"), (true, Some("2.1.1".into())));
            assert_eq!(at("2.0.3"), (true, Some("2.1.1".into())));
            assert_eq!(at("2.1.1"), (false, None));
            assert_eq!(at("1.0.0-rc.1"), (true, Some("1.2.5".into())));
            assert_eq!(at("latest"), (false, None), "not a version");
            assert!(
                !r.affects(Ecosystem::Npm, "x", "1.0.0"),
                "another ecosystem"
            );
            assert!(
                !r.affects(Ecosystem::Crates, "y", "1.0.0"),
                "another package"
            );
        }
    }

    #[test]
    fn last_affected_limit_git_and_listed_versions() {
        let r = package(
            "npm",
            "x",
            json!([{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.4.0"}]}]),
            json!([]),
        );
        assert!(
            r.affects(Ecosystem::Npm, "x", "1.4.0"),
            "last_affected is affected"
        );
        assert!(!r.affects(Ecosystem::Npm, "x", "1.4.1"));
        assert!(!r.affects(Ecosystem::Npm, "x", "0.9.0"));
        assert_eq!(
            r.fixed_for(Ecosystem::Npm, "x", "1.2.0"),
            None,
            "no fix known"
        );

        let limited = package(
            "npm",
            "x",
            json!([{"type": "SEMVER", "events": [{"introduced": "0"}, {"limit": "2.0.0"}]}]),
            json!([]),
        );
        assert!(limited.affects(Ecosystem::Npm, "x", "1.9.9"));
        assert!(!limited.affects(Ecosystem::Npm, "x", "2.0.0"), "limit caps");

        let git_and_list = package(
            "npm",
            "x",
            json!([
                {"type": "GIT", "repo": "https://github.com/x/x", "events": [{"introduced": "0"}]},
                {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "not-a-version"}]},
            ]),
            json!(["1.0.0", "weird-build"]),
        );
        assert!(git_and_list.affects(Ecosystem::Npm, "x", "1.0.0"), "listed");
        assert!(
            git_and_list.affects(Ecosystem::Npm, "x", "weird-build"),
            "listed, not parsed"
        );
        assert!(
            !git_and_list.affects(Ecosystem::Npm, "x", "1.0.1"),
            "GIT ranges and unreadable bounds say nothing"
        );

        let t = read(LODASH_TEMPLATE);
        assert!(t.affects(Ecosystem::Npm, "lodash.template", "4.5.0"));
        assert_eq!(
            t.fixed_for(Ecosystem::Npm, "lodash.template", "4.5.0"),
            None
        );
        assert!(!t.affects(Ecosystem::Npm, "lodash", "4.17.21"));
        assert_eq!(
            t.fixed_for(Ecosystem::Npm, "lodash", "4.17.15").as_deref(),
            Some("4.17.21")
        );
        let p = read(LODASH_POLLUTION);
        assert!(
            !p.affects(Ecosystem::Npm, "lodash", "3.6.0"),
            "introduced 3.7.0"
        );
        assert_eq!(
            p.fixed_for(Ecosystem::Npm, "lodash-es", "4.17.15")
                .as_deref(),
            Some("4.17.20")
        );
    }

    #[test]
    fn pypi_names_and_versions_compare_as_python_does() {
        let r = read(REQUESTS_NETRC);
        assert!(r.affects(Ecosystem::PyPI, "Requests", "2.32.0"));
        assert!(
            r.affects(Ecosystem::PyPI, "requests", "2.32.4rc1"),
            "a pre-release of the fix"
        );
        assert!(!r.affects(Ecosystem::PyPI, "requests", "2.32.4"));
        assert!(!r.affects(Ecosystem::PyPI, "requests-toolbelt", "0.9.1"));
        assert_eq!(
            r.fixed_for(Ecosystem::PyPI, "REQUESTS", "2.31.0")
                .as_deref(),
            Some("2.32.4")
        );
        let listed = package("PyPI", "Zope.Interface", json!([]), json!(["5.0"]));
        assert!(
            listed.affects(Ecosystem::PyPI, "zope_interface", "5.0.0"),
            "5.0 is 5.0.0"
        );
        assert!(!listed.affects(Ecosystem::PyPI, "zope_interface", "5.0.1"));
    }

    #[test]
    fn go_versions_match_with_or_without_their_v() {
        let g = read(X_NET_HTML);
        assert!(g.affects(Ecosystem::Go, "golang.org/x/net", "v0.10.0"));
        assert!(g.affects(Ecosystem::Go, "golang.org/x/net", "0.10.0"));
        assert!(g.affects(
            Ecosystem::Go,
            "golang.org/x/net",
            "v0.0.0-20230101000000-abcdefabcdef"
        ));
        assert!(!g.affects(Ecosystem::Go, "golang.org/x/net", "v0.13.0"));
        assert_eq!(
            g.fixed_for(Ecosystem::Go, "golang.org/x/net", "v0.10.0")
                .as_deref(),
            Some("v0.13.0"),
            "reads like the module version"
        );
        assert!(!g.affects(Ecosystem::Go, "golang.org/x/text", "v0.10.0"));
        let listed = package("Go", "example.com/m", json!([]), json!(["1.2.3"]));
        assert!(listed.affects(Ecosystem::Go, "example.com/m", "v1.2.3"));
    }

    #[test]
    fn rustsec_informational_is_decay_not_a_vulnerability() {
        let paste = read(PASTE);
        assert_eq!(
            paste
                .informational_for(Ecosystem::Crates, "paste")
                .as_deref(),
            Some("unmaintained")
        );
        // Introduced 0.0.0-0 and no fix: every version, and nothing to move to.
        assert!(paste.affects(Ecosystem::Crates, "paste", "1.0.15"));
        assert!(paste.affects(Ecosystem::Crates, "paste", "0.1.0"));
        assert_eq!(paste.fixed_for(Ecosystem::Crates, "paste", "1.0.15"), None);
        assert_eq!(paste.informational_for(Ecosystem::Crates, "pastey"), None);
        assert_eq!(
            read(LODASH_TEMPLATE).informational_for(Ecosystem::Npm, "lodash"),
            None
        );
        // The record-level word stands for entries that have none.
        let body = json!({
            "id": "RUSTSEC-0000-0000",
            "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "crates.io", "name": "x"}}],
            "database_specific": {"informational": "unsound"},
        });
        assert_eq!(
            read(body.to_string().as_bytes())
                .informational_for(Ecosystem::Crates, "x")
                .as_deref(),
            Some("unsound")
        );
    }

    #[test]
    fn withdrawn_records_are_no_longer_advisories() {
        let body = json!({
            "id": "GHSA-wwww-wwww-wwww",
            "modified": "2024-02-01T00:00:00Z",
            "withdrawn": "2024-02-01T00:00:00Z",
            "summary": "Duplicate advisory",
        });
        let r = read(body.to_string().as_bytes());
        assert!(r.is_withdrawn());
        assert_eq!(r.withdrawn.as_deref(), Some("2024-02-01T00:00:00Z"));
        assert!(!read(PASTE).is_withdrawn());
    }
}
