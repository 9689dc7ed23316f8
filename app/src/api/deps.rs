//! Dependencies in the `/api/v1` contract: the lockfiles a service's CI pushes
//! (`POST /services/{slug}/lockfiles`) and the packages they resolve.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::ToSchema;

/// Body of `POST /services/{slug}/lockfiles`: the file as it is in the repository.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LockfileUpload {
    /// Its path in the repository (`Cargo.lock`, `web/package-lock.json`); the file name
    /// says the format.
    pub path: String,
    pub content: String,
}

/// A lockfile as Steward last received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Lockfile {
    pub path: String,
    /// `cargo-lock`, `package-lock`, `pnpm-lock`, `yarn-lock`, `poetry-lock`, `uv-lock`,
    /// `requirements`, `go-mod`.
    pub format: String,
    /// `push` (from CI) or `github`.
    pub source: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub packages: i64,
    /// Of those, the ones the project asks for itself (when the file tells).
    pub direct: i64,
    pub received_at: String,
    pub received_by: String,
    /// The same content as the snapshot already held: nothing changed.
    #[serde(default)]
    pub unchanged: bool,
}

/// One resolved package of a service, with its freshness figures (see the README's
/// "Dependency freshness" for how each is defined).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// As OSV names it: `crates.io`, `npm`, `PyPI`, `Go`.
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// `None` when the lockfile does not say.
    pub direct: Option<bool>,
    /// The lockfile it was found in (the first by path, when several hold it).
    pub lockfile: String,
    /// `current`, `outdated`, `missing` (not found in the registry: a private package, or
    /// none of that name) or `unknown` (not looked up yet, no stable release, or a version the
    /// registry's scheme does not read).
    pub state: String,
    /// The latest stable release: highest, not yanked, not a pre-release.
    pub latest: Option<String>,
    /// When the version in use was released.
    pub released_at: Option<String>,
    pub latest_at: Option<String>,
    /// Libyear drift: latest's release date minus the version in use's, in years (never
    /// negative); `None` when a date is unknown.
    pub libyear: Option<f64>,
    /// Days since the package's newest release of any kind.
    pub pulse_days: Option<i64>,
    pub majors_behind: i64,
    pub minors_behind: i64,
    pub patches_behind: i64,
    /// Moving to the latest may break callers (a new major; below 1.0, a new minor).
    pub breaking: bool,
    /// The version in use was yanked (or unpublished) since.
    pub yanked: bool,
    /// When the registry last answered for this package, and its last fault since, if any
    /// (the figures then come from the answer before).
    pub registry_answered_at: Option<String>,
    pub registry_error: Option<String>,
    /// Open advisories affecting the version in use (OSV), the worst first; RustSec's
    /// informational notices (an unmaintained crate) among them carry `informational`.
    #[serde(default)]
    pub advisories: Vec<Advisory>,
}

/// An advisory affecting a version in use, as OSV records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Advisory {
    /// OSV's id (`GHSA-…`, `RUSTSEC-…`, `PYSEC-…`, `GO-…`).
    pub id: String,
    /// CVE and other names of the same advisory.
    pub aliases: Vec<String>,
    /// `None` until its record has been read.
    pub summary: Option<String>,
    /// `critical`, `high`, `medium`, `low` (from the CVSS v3 base score, else the
    /// advisory database's own word) or `unknown`.
    pub severity: String,
    /// CVSS v3 base score, when the advisory has a vector.
    pub score: Option<f64>,
    /// The lowest version above the one in use that fixes it, when one is known.
    pub fixed: Option<String>,
    /// `unmaintained`, `unsound` or `notice`: a RustSec notice rather than a vulnerability.
    pub informational: Option<String>,
    /// The advisory on osv.dev.
    pub url: String,
}

/// A set of dependencies reduced to counts (a service's, a team's, the organisation's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FreshnessSummary {
    pub packages: i64,
    pub direct: i64,
    pub outdated: i64,
    /// Direct dependencies whose latest is a breaking move away.
    pub breaking: i64,
    pub yanked: i64,
    pub missing: i64,
    pub unknown: i64,
    /// Libyear drift summed over every dependency, and over the direct ones.
    pub libyear: f64,
    pub libyear_direct: f64,
    /// Dependencies with at least one open advisory (RustSec notices aside).
    #[serde(default)]
    pub vulnerable: i64,
    /// Dependencies RustSec lists as unmaintained.
    #[serde(default)]
    pub unmaintained: i64,
}

/// `GET /services/{slug}/dependencies`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Dependencies {
    pub lockfiles: Vec<Lockfile>,
    pub summary: FreshnessSummary,
    /// The oldest registry answer the figures rest on (`None` before the first lookup).
    pub data_as_of: Option<String>,
    pub items: Vec<Dependency>,
    pub trend: Vec<FreshnessDay>,
}

/// One day of a trend: the figures as last computed that day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FreshnessDay {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    #[serde(flatten)]
    pub summary: FreshnessSummary,
}

/// A registry as the dependency sync sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegistryStatus {
    pub ecosystem: String,
    /// Packages in use from this registry.
    pub packages: i64,
    pub found: i64,
    /// Not found in the registry.
    pub missing: i64,
    /// Whose last lookup failed (their last good answer is still used).
    pub failing: i64,
    /// Not looked up yet.
    pub pending: i64,
    pub oldest_answer: Option<String>,
    pub last_checked: Option<String>,
    pub last_error: Option<String>,
}

/// A service in a freshness report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceFreshness {
    pub slug: String,
    pub name: String,
    pub summary: FreshnessSummary,
}

/// A dependency of one service, in a report across services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceDependency {
    pub service: String,
    #[serde(flatten)]
    pub dependency: Dependency,
}

/// `GET /dependencies` (the organisation) and `GET /teams/{slug}/dependencies`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Freshness {
    pub summary: FreshnessSummary,
    /// Services, the most drift first.
    pub services: Vec<ServiceFreshness>,
    /// The dependencies with the most drift (at most 20), and every yanked one.
    pub worst: Vec<ServiceDependency>,
    /// One point a day, oldest first.
    pub trend: Vec<FreshnessDay>,
    pub registries: Vec<RegistryStatus>,
}

/// What `POST /osv/archives` did with an OSV export archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OsvArchiveLoad {
    /// The ecosystems its records cover (of those Steward reads).
    pub ecosystems: Vec<String>,
    /// Records read, and files skipped (not JSON, not an OSV record).
    pub records: i64,
    pub skipped: i64,
    /// Versions in use of those ecosystems, matched against every record.
    pub versions: i64,
    /// Of those, the ones some advisory affects.
    pub affected: i64,
    /// Advisories kept: the ones affecting a version in use.
    pub advisories: i64,
}
