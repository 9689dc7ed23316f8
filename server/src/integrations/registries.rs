//! The package registries: crates.io, npm, PyPI and the Go module proxy (or the mirrors their
//! base URLs point at). The `dependencies` job looks each package in use up once for the
//! whole organisation, sends the ETag of the last answer (`If-None-Match`, so an unchanged
//! package costs a 304), keeps each registry to its requests in flight and per second, and
//! says who is asking in its User-Agent. Whatever a registry answers (5xx, a timeout, a body
//! that is not its document), the last good data stays: the package is marked with the fault
//! and its age, and looked up again with backoff. The same run asks OSV about the versions
//! in use ([`super::osv`]).

use crate::configuration::RegistrySettings;
use crate::domain::deps::registry::{self as parse, Release};
use crate::domain::deps::Ecosystem;
use crate::jobs::{Counts, Progress};
use crate::store::{self, Store};
use chrono::{DateTime, Utc};
use reqwest::header::{ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

/// The largest document read (npm's documents of much-published packages run to tens of MB).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// What a lookup brought.
#[derive(Debug)]
pub enum Answer {
    Changed {
        releases: Vec<Release>,
        etag: Option<String>,
    },
    /// 304: the releases kept are still the registry's.
    Unchanged,
    /// 404 (or the Go proxy's 410): a private package, or none of that name.
    Missing,
}

/// Why a lookup brought nothing usable. Short, and without any secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Timeout,
    Unreachable(String),
    Status(u16),
    Garbage(String),
    TooLarge,
    /// 429 (or 503 with Retry-After): the registry asked to be left alone this many seconds.
    Limited(u64),
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Timeout => write!(f, "the registry did not answer in time"),
            Fault::Unreachable(e) => write!(f, "the registry could not be reached: {e}"),
            Fault::Status(code) => write!(f, "the registry answered {code}"),
            Fault::Garbage(e) => write!(f, "the registry's answer could not be read: {e}"),
            Fault::TooLarge => write!(f, "the registry's answer is over 64 MB"),
            Fault::Limited(secs) => write!(
                f,
                "the registry asked Steward to wait (429): left alone for {secs} s"
            ),
        }
    }
}

/// One registry's limits: requests in flight and a minimum gap between two starts.
struct Pacer {
    slots: Semaphore,
    gap: Duration,
    next: Mutex<Instant>,
    /// Until when the registry asked to be left alone (its last 429's Retry-After).
    paused: std::sync::Mutex<Option<Instant>>,
}

/// The longest pause a Retry-After gets (a registry's hours-long answer is taken as this).
const MAX_PAUSE: Duration = Duration::from_secs(3600);
/// The pause of a 429 without a readable Retry-After.
const DEFAULT_PAUSE: Duration = Duration::from_secs(60);

impl Pacer {
    fn new(concurrency: usize, rps: f64) -> Pacer {
        Pacer {
            slots: Semaphore::new(concurrency),
            gap: Duration::from_secs_f64(1.0 / rps),
            next: Mutex::new(Instant::now()),
            paused: std::sync::Mutex::new(None),
        }
    }

    /// Seconds the registry still asked to be left alone, if any.
    fn paused_for(&self) -> Option<u64> {
        let until = (*self
            .paused
            .lock()
            .expect("the pause lock is never poisoned"))?;
        let left = until.checked_duration_since(Instant::now())?;
        Some(left.as_secs().max(1))
    }

    fn pause(&self, d: Duration) {
        let until = Instant::now() + d.min(MAX_PAUSE);
        let mut paused = self
            .paused
            .lock()
            .expect("the pause lock is never poisoned");
        *paused = Some(paused.map_or(until, |p| p.max(until)));
    }

    async fn wait(&self) -> tokio::sync::SemaphorePermit<'_> {
        let permit = self
            .slots
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let at = {
            let mut next = self.next.lock().await;
            let at = (*next).max(Instant::now());
            *next = at + self.gap;
            at
        };
        tokio::time::sleep_until(at).await;
        permit
    }
}

pub struct Registries {
    http: reqwest::Client,
    pub settings: RegistrySettings,
    pacers: [Pacer; 4],
    /// OSV, unless its URL is set empty (an air-gapped install loads export archives).
    pub osv: Option<super::osv::Osv>,
}

impl std::fmt::Debug for Registries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registries")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn index(e: Ecosystem) -> usize {
    match e {
        Ecosystem::Crates => 0,
        Ecosystem::Npm => 1,
        Ecosystem::PyPI => 2,
        Ecosystem::Go => 3,
    }
}

impl Registries {
    pub fn new(settings: &RegistrySettings, public_url: Option<&url::Url>) -> anyhow::Result<Self> {
        let agent = match public_url {
            Some(u) => format!(
                "steward/{} (dependency freshness; +{})",
                env!("CARGO_PKG_VERSION"),
                u.as_str().trim_end_matches('/')
            ),
            None => format!(
                "steward/{} (dependency freshness)",
                env!("CARGO_PKG_VERSION")
            ),
        };
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(agent)
            .build()?;
        let pacer = |rps| Pacer::new(settings.concurrency, rps);
        let osv = settings
            .osv_url
            .clone()
            .map(|u| super::osv::Osv::new(http.clone(), u, settings.concurrency));
        Ok(Registries {
            osv,
            http,
            settings: settings.clone(),
            pacers: [
                pacer(settings.crates_requests_per_second),
                pacer(settings.requests_per_second),
                pacer(settings.requests_per_second),
                pacer(settings.requests_per_second),
            ],
        })
    }

    /// The document of `name`: each part a path segment, percent-encoded (npm's scoped
    /// `@scope/name` is one segment, `@scope%2Fname`).
    pub fn url(&self, ecosystem: Ecosystem, name: &str) -> url::Url {
        let (base, segments): (&url::Url, Vec<String>) = match ecosystem {
            Ecosystem::Crates => (
                &self.settings.crates_url,
                vec!["api".into(), "v1".into(), "crates".into(), name.into()],
            ),
            Ecosystem::Npm => (&self.settings.npm_url, vec![name.into()]),
            Ecosystem::PyPI => (
                &self.settings.pypi_url,
                vec!["pypi".into(), name.into(), "json".into()],
            ),
            Ecosystem::Go => {
                let mut s: Vec<String> = parse::go_escape(name)
                    .split('/')
                    .map(String::from)
                    .collect();
                s.extend(["@v".to_string(), "list".to_string()]);
                (&self.settings.go_url, s)
            }
        };
        with_segments(base, &segments)
    }

    async fn get(
        &self,
        ecosystem: Ecosystem,
        url: url::Url,
        etag: Option<&str>,
    ) -> Result<(StatusCode, Option<String>, Vec<u8>), Fault> {
        let pacer = &self.pacers[index(ecosystem)];
        if let Some(secs) = pacer.paused_for() {
            return Err(Fault::Limited(secs));
        }
        let _permit = pacer.wait().await;
        // Asked to wait while this one waited its turn: it waits too.
        if let Some(secs) = pacer.paused_for() {
            return Err(Fault::Limited(secs));
        }
        let mut request = self.http.get(url).header(
            reqwest::header::ACCEPT,
            "application/json, text/plain;q=0.9",
        );
        if let Some(tag) = etag {
            request = request.header(IF_NONE_MATCH, tag);
        }
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        // Some(None): a Retry-After that reads as neither seconds nor a date.
        let wait = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(retry_after);
        if status == StatusCode::TOO_MANY_REQUESTS
            || (status == StatusCode::SERVICE_UNAVAILABLE && wait.is_some())
        {
            let d = wait.flatten().unwrap_or(DEFAULT_PAUSE).min(MAX_PAUSE);
            pacer.pause(d);
            tracing::info!(
                ecosystem = ecosystem.name(),
                secs = d.as_secs(),
                "registry asked to wait"
            );
            return Err(Fault::Limited(d.as_secs().max(1)));
        }
        let tag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let mut body = Vec::new();
        if status.is_success() {
            while let Some(chunk) = response.chunk().await.map_err(transport)? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(Fault::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok((status, tag, body))
    }

    /// Looks `name` up, conditionally when `etag` is the last answer's.
    pub async fn lookup(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        etag: Option<&str>,
    ) -> Result<Answer, Fault> {
        let (status, tag, body) = self.get(ecosystem, self.url(ecosystem, name), etag).await?;
        match status {
            StatusCode::NOT_MODIFIED if etag.is_some() => Ok(Answer::Unchanged),
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(Answer::Missing),
            s if s == StatusCode::OK => {
                let releases = match ecosystem {
                    Ecosystem::Crates => parse::crates(&body),
                    Ecosystem::Npm => parse::npm(&body),
                    Ecosystem::PyPI => parse::pypi(&body),
                    Ecosystem::Go => parse::go_list(&body),
                }
                .map_err(Fault::Garbage)?;
                Ok(Answer::Changed {
                    releases,
                    etag: tag,
                })
            }
            s => Err(Fault::Status(s.as_u16())),
        }
    }

    /// The release date of Go module `module` at `version` (`@v/VERSION.info`); `None` when
    /// the proxy does not know the version.
    pub async fn go_date(&self, module: &str, version: &str) -> Result<Option<String>, Fault> {
        let mut segments: Vec<String> = parse::go_escape(module)
            .split('/')
            .map(String::from)
            .collect();
        segments.push("@v".into());
        segments.push(format!("{}.info", parse::go_escape(version)));
        let url = with_segments(&self.settings.go_url, &segments);
        let (status, _, body) = self.get(Ecosystem::Go, url, None).await?;
        match status {
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
            StatusCode::OK => {
                let (v, at) = parse::go_info(&body).map_err(Fault::Garbage)?;
                if v != version {
                    return Err(Fault::Garbage(format!("asked for {version}, got {v}")));
                }
                Ok(Some(at))
            }
            s => Err(Fault::Status(s.as_u16())),
        }
    }
}

/// A Retry-After value: seconds, or an HTTP date; `None` when it reads as neither.
fn retry_after(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v.trim()).ok()?;
    (at.with_timezone(&Utc) - Utc::now()).to_std().ok()
}

/// Backoff after `failures` faults in a row: 10 minutes, doubling, at most the TTL.
fn backoff(failures: i64, ttl: Duration) -> Duration {
    let secs = 600u64.saturating_mul(1u64 << failures.clamp(0, 10));
    Duration::from_secs(secs).min(ttl)
}

fn later(now: DateTime<Utc>, d: Duration) -> String {
    store::jobs::text(now + chrono::Duration::seconds(d.as_secs() as i64))
}

/// Go versions dated at most per run (each is one request to the proxy).
const GO_DATES: i64 = 2000;

/// One run of the `dependencies` job: enrols packages new to the organisation, looks up the
/// due ones (each registry to its limits, all four at once), dates the Go versions that
/// matter, then recomputes every service's figures as today's point of its trend.
pub async fn sync(
    store: &Store,
    registries: &Arc<Registries>,
    progress: Option<&Progress>,
) -> anyhow::Result<Counts> {
    let started = Utc::now();
    let mut counts = Counts::new();
    counts.insert(
        "enrolled".into(),
        store::registry::enroll(store).await? as i64,
    );
    let due = store::registry::due(
        store,
        &store::jobs::text(started),
        registries.settings.batch as i64,
    )
    .await?;
    let total = due.len() as i64;
    let mut tasks = tokio::task::JoinSet::new();
    for d in due {
        let r = Arc::clone(registries);
        tasks.spawn(async move {
            let answer = r.lookup(d.ecosystem, &d.name, d.etag.as_deref()).await;
            (d, answer)
        });
    }
    let ttl = registries.settings.ttl;
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        let Ok((d, answer)) = joined else {
            continue;
        };
        let now = Utc::now();
        let at = store::jobs::text(now);
        let key = match answer {
            Ok(Answer::Changed { releases, etag }) => {
                store::registry::changed(
                    store,
                    &d,
                    &releases,
                    etag.as_deref(),
                    &at,
                    &later(now, ttl),
                )
                .await?;
                "changed"
            }
            Ok(Answer::Unchanged) => {
                store::registry::unchanged(store, &d, &at, &later(now, ttl)).await?;
                "unchanged"
            }
            Ok(Answer::Missing) => {
                store::registry::missing(store, &d, &at, &later(now, ttl)).await?;
                "missing"
            }
            Err(Fault::Limited(secs)) => {
                // Not the package's fault: due again once the registry's pause is over.
                let next = later(now, Duration::from_secs(secs).min(ttl));
                let fault = Fault::Limited(secs).to_string();
                store::registry::failed(store, &d, &fault, &at, &next, false).await?;
                "limited"
            }
            Err(fault) => {
                tracing::info!(ecosystem = d.ecosystem.name(), package = %d.name, %fault, "registry lookup failed");
                let next = later(now, backoff(d.failures, ttl));
                store::registry::failed(store, &d, &fault.to_string(), &at, &next, true).await?;
                "failed"
            }
        };
        *counts.entry(key.into()).or_default() += 1;
        done += 1;
        if let Some(p) = progress {
            if done % 50 == 0 {
                p.report(done, total).await;
            }
        }
    }
    let undated = store::registry::go_undated(store, GO_DATES).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for (module, version) in undated {
        let r = Arc::clone(registries);
        tasks.spawn(async move {
            let at = r.go_date(&module, &version).await;
            (module, version, at)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok((module, version, at)) = joined else {
            continue;
        };
        match at {
            Ok(Some(at)) => {
                store::registry::go_dated(store, &module, &version, &at).await?;
                *counts.entry("goDated".into()).or_default() += 1;
            }
            Ok(None) => {}
            Err(fault) => {
                tracing::info!(module = %module, version = %version, %fault, "Go proxy date lookup failed");
                *counts.entry("failed".into()).or_default() += 1;
            }
        }
    }
    if registries.osv.is_some() {
        super::osv::sync(store, registries, &mut counts).await?;
    }
    let (figured, services) = store::deps::recompute(store, Utc::now()).await?;
    if figured > 0 {
        counts.insert("figured".into(), figured as i64);
    }
    counts.insert("services".into(), services);
    // Registry news is no catalog change the audit log shows: the checks read afresh (other
    // replicas within the snapshot's maximum age).
    if [
        "changed",
        "missing",
        "goDated",
        "osvChanged",
        "advisoriesRead",
    ]
    .iter()
    .any(|k| counts.get(*k).is_some_and(|n| *n > 0))
    {
        store.forget_snapshot();
    }
    Ok(counts)
}

fn with_segments(base: &url::Url, segments: &[String]) -> url::Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        for s in segments {
            path.push(s);
        }
    }
    url
}

pub(crate) fn transport(e: reqwest::Error) -> Fault {
    if e.is_timeout() {
        Fault::Timeout
    } else if e.is_decode() || e.is_body() {
        Fault::Garbage("the body was cut off".into())
    } else {
        // reqwest's text names the URL, never a credential (registry URLs hold none).
        let text = e.to_string();
        Fault::Unreachable(text.chars().take(200).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_escape_each_part_and_keep_the_mirror_s_path() {
        let s = RegistrySettings {
            npm_url: url::Url::parse("https://artifactory.example.com/api/npm/npm-remote/")
                .expect("url"),
            ..RegistrySettings::default()
        };
        let r = Registries::new(&s, None).expect("client");
        assert_eq!(
            r.url(Ecosystem::Npm, "@types/node").as_str(),
            "https://artifactory.example.com/api/npm/npm-remote/@types%2Fnode"
        );
        assert_eq!(
            r.url(Ecosystem::Crates, "serde_json").as_str(),
            "https://crates.io/api/v1/crates/serde_json"
        );
        assert_eq!(
            r.url(Ecosystem::PyPI, "zope-interface").as_str(),
            "https://pypi.org/pypi/zope-interface/json"
        );
        assert_eq!(
            r.url(Ecosystem::Go, "github.com/BurntSushi/toml").as_str(),
            "https://proxy.golang.org/github.com/!burnt!sushi/toml/@v/list"
        );
        assert_eq!(
            r.url(Ecosystem::Npm, "../../admin").as_str(),
            "https://artifactory.example.com/api/npm/npm-remote/..%2F..%2Fadmin"
        );
    }
}
