//! What the registries say of a package, read from each one's own document: crates.io's
//! `/api/v1/crates/NAME`, npm's package document (its `versions` and `time`), PyPI's
//! `/pypi/NAME/json` and the Go module proxy's `@v/list` and `@v/VERSION.info`. Each reader is
//! pure and strict: a body that is not the registry's shape is an error, never an empty list
//! (an empty list would read as "no releases" and hide a broken mirror).
//!
//! **Latest stable**, the version a dependency is measured against, is the highest version by
//! the ecosystem's order that is neither yanked nor a pre-release. It is the highest, not the
//! newest: a 1.x patch published after 2.0 does not become "latest". Where this differs from
//! other tools: cargo-libyear uses crates.io's `max_stable_version`, which is the same rule;
//! Renovate and `npm outdated` follow npm's `latest` dist-tag, which a maintainer can point at
//! a lower version (Steward ignores dist-tags, so a package whose tag lags shows as behind).
//! **Pulse** is measured from the newest release of any kind that is not yanked.

use super::versions::Version;
use super::Ecosystem;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// One version a registry lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: String,
    /// RFC 3339, UTC, to the second; `None` when the registry gives no date (Go's list).
    pub published: Option<String>,
    /// Yanked (crates.io, PyPI) or unpublished (npm): still in some lockfile, no longer
    /// offered.
    pub yanked: bool,
}

/// A package's releases reduced to what the figures need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub latest: Option<String>,
    pub latest_at: Option<String>,
    /// The newest release date of any version not yanked.
    pub last_release_at: Option<String>,
}

fn instant(text: &str) -> Result<String, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| {
            t.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        })
        .map_err(|_| {
            format!(
                "'{}' is not a date",
                text.chars().take(40).collect::<String>()
            )
        })
}

fn json<'a, T: Deserialize<'a>>(registry: &str, body: &'a [u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("not {registry}'s package document: {e}"))
}

/// crates.io: `{"crate": {…}, "versions": [{"num", "created_at", "yanked"}, …]}`.
pub fn crates(body: &[u8]) -> Result<Vec<Release>, String> {
    #[derive(Deserialize)]
    struct Doc {
        #[serde(rename = "crate")]
        _krate: serde_json::Value,
        versions: Vec<V>,
    }
    #[derive(Deserialize)]
    struct V {
        num: String,
        created_at: String,
        yanked: bool,
    }
    let doc: Doc = json("crates.io", body)?;
    if doc.versions.is_empty() {
        return Err("crates.io's document lists no versions".into());
    }
    doc.versions
        .into_iter()
        .map(|v| {
            Ok(Release {
                published: Some(instant(&v.created_at)?),
                version: v.num,
                yanked: v.yanked,
            })
        })
        .collect()
}

struct NpmDoc {
    versions: HashMap<String, serde_json::Value>,
    time: HashMap<String, serde_json::Value>,
}

/// npm: `{"name", "versions": {V: {…}}, "time": {"created", "modified", V: date}}`. A version
/// the `time` map names but `versions` no longer holds was unpublished.
pub fn npm(body: &[u8]) -> Result<Vec<Release>, String> {
    #[derive(Deserialize)]
    struct Doc {
        #[serde(rename = "name")]
        _name: String,
        versions: Option<HashMap<String, serde_json::Value>>,
        #[serde(default)]
        time: HashMap<String, serde_json::Value>,
    }
    let doc: Doc = json("npm", body)?;
    // A document without versions is a broken mirror, unless npm says the whole package was
    // unpublished.
    let versions = match doc.versions {
        Some(v) if !v.is_empty() => v,
        _ if doc.time.contains_key("unpublished") => HashMap::new(),
        _ => return Err("npm's package document lists no versions".into()),
    };
    let doc = NpmDoc {
        versions,
        time: doc.time,
    };
    let mut out = Vec::with_capacity(doc.time.len());
    for (version, at) in &doc.time {
        if matches!(version.as_str(), "created" | "modified" | "unpublished") {
            continue;
        }
        let at = at
            .as_str()
            .ok_or_else(|| format!("the date of {version} is not a text"))?;
        out.push(Release {
            version: version.clone(),
            published: Some(instant(at)?),
            yanked: !doc.versions.contains_key(version),
        });
    }
    for version in doc.versions.keys() {
        if !doc.time.contains_key(version) {
            out.push(Release {
                version: version.clone(),
                published: None,
                yanked: false,
            });
        }
    }
    out.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(out)
}

/// PyPI: `{"info": {…}, "releases": {V: [file, …]}}`. A release's date is its first upload; it
/// is yanked when every file is. A release without files cannot be installed and is left out.
pub fn pypi(body: &[u8]) -> Result<Vec<Release>, String> {
    #[derive(Deserialize)]
    struct Doc {
        #[serde(rename = "info")]
        _info: serde_json::Value,
        releases: HashMap<String, Vec<File>>,
    }
    #[derive(Deserialize)]
    struct File {
        upload_time_iso_8601: String,
        #[serde(default)]
        yanked: bool,
    }
    let doc: Doc = json("PyPI", body)?;
    if doc.releases.is_empty() {
        return Err("PyPI's document lists no releases".into());
    }
    let mut out = Vec::with_capacity(doc.releases.len());
    for (version, files) in doc.releases {
        let mut first: Option<String> = None;
        for f in &files {
            let at = instant(&f.upload_time_iso_8601)?;
            if first.as_ref().is_none_or(|t| at < *t) {
                first = Some(at);
            }
        }
        if files.is_empty() {
            continue;
        }
        out.push(Release {
            version,
            published: first,
            yanked: files.iter().all(|f| f.yanked),
        });
    }
    out.sort_by(|a, b| a.version.cmp(&b.version));
    Ok(out)
}

/// The Go proxy's `@v/list`: one tagged version per line (pseudo-versions are not listed).
pub fn go_list(body: &[u8]) -> Result<Vec<Release>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the version list is not text".to_string())?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if Version::parse(Ecosystem::Go, l).is_none() {
                return Err(format!(
                    "'{}' in the version list is not a Go version",
                    l.chars().take(40).collect::<String>()
                ));
            }
            Ok(Release {
                version: l.to_string(),
                published: None,
                yanked: false,
            })
        })
        .collect()
}

/// The Go proxy's `@v/VERSION.info`: `{"Version", "Time"}`; the date of that version.
pub fn go_info(body: &[u8]) -> Result<(String, String), String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Info {
        version: String,
        time: String,
    }
    let info: Info = json("the Go proxy", body)?;
    Ok((info.version, instant(&info.time)?))
}

/// Latest stable and pulse, as the module text defines them.
pub fn summarize(ecosystem: Ecosystem, releases: &[Release]) -> Summary {
    let mut latest: Option<(Version, &Release)> = None;
    let mut last_release_at: Option<&str> = None;
    for r in releases.iter().filter(|r| !r.yanked) {
        if let Some(at) = r.published.as_deref() {
            if last_release_at.is_none_or(|t| at > t) {
                last_release_at = Some(at);
            }
        }
        let Some(v) = Version::parse(ecosystem, &r.version) else {
            continue;
        };
        if v.is_prerelease() {
            continue;
        }
        let higher = latest
            .as_ref()
            .is_none_or(|(l, _)| v.compare(l) == Some(std::cmp::Ordering::Greater));
        if higher {
            latest = Some((v, r));
        }
    }
    let latest_at = latest.as_ref().and_then(|(_, r)| r.published.clone());
    Summary {
        latest: latest.map(|(_, r)| r.version.clone()),
        latest_at: latest_at.clone(),
        // The Go proxy dates one version at a time: its pulse is the latest's date.
        last_release_at: last_release_at.map(String::from).or(latest_at),
    }
}

/// The Go proxy's escaping of module paths and versions: each capital letter becomes `!`
/// and its lower case (`github.com/Azure/x` → `github.com/!azure/x`).
pub fn go_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/api/fixtures/registries/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn find<'a>(releases: &'a [Release], v: &str) -> &'a Release {
        releases
            .iter()
            .find(|r| r.version == v)
            .unwrap_or_else(|| panic!("{v} listed"))
    }

    #[test]
    fn crates_io_versions_dates_and_yanks() {
        let r = crates(&fixture("crates-serde.json")).expect("parses");
        assert_eq!(r.len(), 5);
        assert_eq!(
            find(&r, "1.0.150").published.as_deref(),
            Some("2022-12-11T23:07:09Z")
        );
        assert!(find(&r, "0.1.0").yanked);
        let s = summarize(Ecosystem::Crates, &r);
        assert_eq!(s.latest.as_deref(), Some("1.0.215"));
        assert_eq!(s.latest_at.as_deref(), Some("2024-11-11T01:20:21Z"));
    }

    #[test]
    fn npm_time_map_and_unpublished_versions() {
        let r = npm(&fixture("npm-lodash.json")).expect("parses");
        assert!(find(&r, "4.17.16").yanked, "in time, not in versions");
        assert!(!find(&r, "4.17.15").yanked);
        assert!(!r
            .iter()
            .any(|x| x.version == "created" || x.version == "modified"));
        let s = summarize(Ecosystem::Npm, &r);
        assert_eq!(s.latest.as_deref(), Some("4.17.21"));
        assert_eq!(s.last_release_at.as_deref(), Some("2021-02-20T15:42:16Z"));
        // Highest, not newest: 22.10.1 is the latest though 18.19.64 came out the same month.
        let s = summarize(
            Ecosystem::Npm,
            &npm(&fixture("npm-types-node.json")).expect("ok"),
        );
        assert_eq!(s.latest.as_deref(), Some("22.10.1"));
    }

    #[test]
    fn pypi_first_upload_all_files_yanked_and_no_pre_releases() {
        let r = pypi(&fixture("pypi-requests.json")).expect("parses");
        assert_eq!(
            find(&r, "2.28.1").published.as_deref(),
            Some("2022-06-29T15:11:57Z")
        );
        assert!(find(&r, "2.32.0").yanked);
        assert!(!r.iter().any(|x| x.version == "0.0.1"), "no files");
        let s = summarize(Ecosystem::PyPI, &r);
        assert_eq!(
            s.latest.as_deref(),
            Some("2.32.3"),
            "3.0.0a1 is a pre-release"
        );
        assert_eq!(
            s.last_release_at.as_deref(),
            Some("2024-09-01T10:00:00Z"),
            "pulse counts pre-releases"
        );
    }

    #[test]
    fn go_proxy_list_and_info() {
        let r = go_list(&fixture("go-x-net.list")).expect("parses");
        assert_eq!(r.len(), 4);
        let s = summarize(Ecosystem::Go, &r);
        assert_eq!((s.latest.as_deref(), s.latest_at), (Some("v0.30.0"), None));
        let (v, at) = go_info(&fixture("go-x-net-v0.30.0.info")).expect("parses");
        assert_eq!(
            (v.as_str(), at.as_str()),
            ("v0.30.0", "2024-10-04T16:43:47Z")
        );
        assert_eq!(
            go_escape("github.com/BurntSushi/toml"),
            "github.com/!burnt!sushi/toml"
        );
    }

    #[test]
    fn garbage_is_an_error_not_an_empty_list() {
        for body in [&b"<html>502 Bad Gateway</html>"[..], b"{}", b"[]", b""] {
            assert!(crates(body).is_err(), "{body:?}");
            assert!(npm(body).is_err(), "{body:?}");
            assert!(pypi(body).is_err(), "{body:?}");
            assert!(go_info(body).is_err(), "{body:?}");
        }
        assert!(go_list(b"<html>oops</html>").is_err());
        // A document that lost its versions would erase what is known: refused.
        assert!(npm(br#"{"name": "lodash"}"#).is_err());
        assert!(npm(br#"{"name": "lodash", "versions": {}}"#).is_err());
        let gone = br#"{"name": "left-pad", "time": {"unpublished": {"time": "2016-03-23T00:00:00.000Z"}}}"#;
        assert_eq!(npm(gone).expect("unpublished"), vec![]);
        assert!(crates(br#"{"crate": {}, "versions": []}"#).is_err());
        assert!(pypi(br#"{"info": {}, "releases": {}}"#).is_err());
        let bad_date = br#"{"crate": {}, "versions": [{"num": "1.0.0", "created_at": "yesterday", "yanked": false}]}"#;
        assert!(crates(bad_date).is_err());
    }
}
