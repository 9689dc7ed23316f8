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

/// One resolved package of a service, from one of its lockfiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// As OSV names it: `crates.io`, `npm`, `PyPI`, `Go`.
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// `None` when the lockfile does not say.
    pub direct: Option<bool>,
    pub lockfile: String,
}

/// `GET /services/{slug}/dependencies`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Dependencies {
    pub lockfiles: Vec<Lockfile>,
    pub items: Vec<Dependency>,
}
