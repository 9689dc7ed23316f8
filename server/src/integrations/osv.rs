//! OSV (api.osv.dev, or the mirror its base URL points at): which advisories affect the
//! package versions in use. Each version is asked about once for the whole organisation,
//! 1,000 to a `POST /v1/querybatch`, and again after the registries' TTL; each advisory's
//! record (`GET /v1/vulns/{id}`) is fetched once, and again only when OSV says it was
//! modified. Whatever OSV answers (5xx, a timeout, garbage), the last good links stay. An
//! air-gapped install loads OSV's export archives instead ([`load_archive`]): the records
//! are matched against the versions in use here.

use super::registries::{Fault, Registries};
use crate::domain::deps::osv::{self, Hits, Record};
use crate::domain::deps::Ecosystem;
use crate::jobs::Counts;
use crate::store::vulns::Version;
use crate::store::{self, Store};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Queries in one querybatch call (OSV's limit).
const BATCH: usize = 1000;
/// Versions asked about at most per run.
const PER_RUN: i64 = 100_000;
/// Further pages of one query's result followed at most (a package with hundreds of
/// advisories).
const PAGES: usize = 10;
/// The largest answer read.
const MAX_BODY: usize = 32 * 1024 * 1024;

pub struct Osv {
    http: reqwest::Client,
    base: url::Url,
    slots: Semaphore,
}

impl std::fmt::Debug for Osv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Osv")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// A fault as OSV's, for the sync status.
fn describe(f: &Fault) -> String {
    match f {
        Fault::Timeout => "OSV did not answer in time".into(),
        Fault::Unreachable(e) => format!("OSV could not be reached: {e}"),
        Fault::Status(code) => format!("OSV answered {code}"),
        Fault::Garbage(e) => format!("OSV's answer could not be read: {e}"),
        Fault::TooLarge => "OSV's answer is over 32 MB".into(),
        Fault::Limited(secs) => format!("OSV asked Steward to wait {secs} s (429)"),
    }
}

impl Osv {
    pub fn new(http: reqwest::Client, base: url::Url, concurrency: usize) -> Osv {
        Osv {
            http,
            base,
            slots: Semaphore::new(concurrency.max(1)),
        }
    }

    fn url(&self, segments: &[&str]) -> url::Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            for s in segments {
                path.push(s);
            }
        }
        url
    }

    async fn read(&self, request: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), Fault> {
        let _permit = self
            .slots
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let mut response = request.send().await.map_err(super::registries::transport)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        if response.status().is_success() {
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(super::registries::transport)?
            {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(Fault::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok((status, body))
    }

    /// The advisories of each query, in order, each result's further pages followed.
    pub async fn query(&self, queries: &[(Ecosystem, &str, &str)]) -> Result<Vec<Hits>, Fault> {
        let mut results = self
            .batch(&osv::querybatch_body(queries), queries.len())
            .await?;
        for (i, hits) in results.iter_mut().enumerate() {
            let mut pages = 0;
            while let Some(token) = hits.next_page_token.take() {
                pages += 1;
                if pages > PAGES {
                    break;
                }
                let mut body = osv::querybatch_body(&queries[i..=i]);
                body["queries"][0]["page_token"] = serde_json::Value::String(token);
                let mut more = self.batch(&body, 1).await?;
                let next = more.pop().unwrap_or(Hits {
                    ids: Vec::new(),
                    next_page_token: None,
                });
                hits.ids.extend(next.ids);
                hits.next_page_token = next.next_page_token;
            }
        }
        Ok(results)
    }

    async fn batch(&self, body: &serde_json::Value, expected: usize) -> Result<Vec<Hits>, Fault> {
        let request = self.http.post(self.url(&["v1", "querybatch"])).json(body);
        match self.read(request).await? {
            (200, body) => osv::querybatch(&body, expected).map_err(Fault::Garbage),
            (status, _) => Err(Fault::Status(status)),
        }
    }

    /// An advisory's record and its text; `None` when OSV does not have it (404).
    pub async fn vuln(&self, id: &str) -> Result<Option<(Record, String)>, Fault> {
        let request = self.http.get(self.url(&["v1", "vulns", id]));
        match self.read(request).await? {
            (200, body) => {
                let record = osv::record(&body).map_err(Fault::Garbage)?;
                if record.id != id {
                    return Err(Fault::Garbage(format!("asked for {id}, got {}", record.id)));
                }
                let text = String::from_utf8(body)
                    .map_err(|_| Fault::Garbage("the record is not UTF-8".into()))?;
                Ok(Some((record, text)))
            }
            (404, _) => Ok(None),
            (status, _) => Err(Fault::Status(status)),
        }
    }
}

fn later(now: DateTime<Utc>, d: Duration) -> String {
    store::jobs::text(now + chrono::Duration::seconds(d.as_secs() as i64))
}

/// Asks OSV about the versions due, keeps the links it names and the records of advisories
/// new or modified, and adds what it did to `counts`.
pub async fn sync(
    store: &Store,
    registries: &Arc<Registries>,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    let Some(osv) = &registries.osv else {
        return Ok(());
    };
    let ttl = registries.settings.ttl;
    let started = Utc::now();
    let due = store::vulns::due(store, &store::jobs::text(started), PER_RUN).await?;
    let mut named: HashMap<String, Option<String>> = HashMap::new();
    for chunk in due.chunks(BATCH) {
        let queries: Vec<(Ecosystem, &str, &str)> = chunk
            .iter()
            .filter_map(|((e, n, v), _)| Ecosystem::parse(e).map(|e| (e, n.as_str(), v.as_str())))
            .collect();
        let asked: Vec<&(Version, i64)> = chunk
            .iter()
            .filter(|((e, _, _), _)| Ecosystem::parse(e).is_some())
            .collect();
        let now = Utc::now();
        let at = store::jobs::text(now);
        match osv.query(&queries).await {
            Ok(results) => {
                let answers: Vec<(Version, Vec<String>)> = asked
                    .iter()
                    .zip(results)
                    .map(|((version, _), hits)| {
                        let ids = hits
                            .ids
                            .into_iter()
                            .map(|(id, modified)| {
                                named.insert(id.clone(), modified);
                                id
                            })
                            .collect();
                        (version.clone(), ids)
                    })
                    .collect();
                let changed =
                    store::vulns::answered(store, &answers, &at, &later(now, ttl)).await?;
                *counts.entry("osvAsked".into()).or_default() += answers.len() as i64;
                *counts.entry("osvChanged".into()).or_default() += changed.len() as i64;
            }
            Err(fault) => {
                tracing::info!(%fault, versions = chunk.len(), "OSV querybatch failed");
                let backoff = |failures: i64| {
                    let secs = 600u64.saturating_mul(1u64 << failures.clamp(0, 10));
                    later(now, Duration::from_secs(secs).min(ttl))
                };
                store::vulns::failed(store, chunk, &describe(&fault), &at, &backoff).await?;
                *counts.entry("osvFailed".into()).or_default() += chunk.len() as i64;
            }
        }
    }
    let wanted = store::vulns::wanted(store, &named).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for id in wanted {
        let r = Arc::clone(registries);
        tasks.spawn(async move {
            let got = match &r.osv {
                Some(osv) => osv.vuln(&id).await,
                None => Ok(None),
            };
            (id, got)
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let Ok((id, got)) = joined else {
            continue;
        };
        match got {
            Ok(Some((record, text))) => {
                let at = store::jobs::text(Utc::now());
                store::vulns::keep(store, &record, &text, "api", &at).await?;
                *counts.entry("advisoriesRead".into()).or_default() += 1;
            }
            Ok(None) => {
                tracing::info!(advisory = %id, "OSV does not have an advisory it named");
            }
            Err(fault) => {
                tracing::info!(advisory = %id, %fault, "OSV advisory fetch failed");
                *counts.entry("osvFailed".into()).or_default() += 1;
            }
        }
    }
    Ok(())
}

/// The largest file of an archive read (OSV's records are kilobytes).
const MAX_RECORD: u64 = 8 * 1024 * 1024;

/// Reads every OSV record of an export archive (`all.zip` of an ecosystem): the records and
/// the files that are not one. Err when the file is not a zip archive.
pub fn read_archive(path: &std::path::Path) -> Result<(Vec<(Record, String)>, i64), String> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).map_err(|e| format!("the archive could not be read: {e}"))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("not a zip archive: {e}"))?;
    let (mut records, mut skipped) = (Vec::new(), 0);
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("the archive is damaged: {e}"))?;
        if entry.is_dir() {
            continue;
        }
        if !entry.name().ends_with(".json") || entry.size() > MAX_RECORD {
            skipped += 1;
            continue;
        }
        let mut text = String::new();
        if entry
            .by_ref()
            .take(MAX_RECORD)
            .read_to_string(&mut text)
            .is_err()
        {
            skipped += 1;
            continue;
        }
        match osv::record(text.as_bytes()) {
            Ok(record) => records.push((record, text)),
            Err(_) => skipped += 1,
        }
    }
    Ok((records, skipped))
}

/// Loads an OSV export archive (an admin's, for an install that cannot reach OSV): every
/// version in use of the ecosystems it covers is matched against its records (ranges and
/// listed versions), its links replaced by the matches, and the advisories that match kept.
/// An archive that is not one, or holds no record, changes nothing.
pub async fn load_archive(
    store: &Store,
    actor: &crate::store::audit::Actor,
    path: &std::path::Path,
    ttl: Duration,
) -> crate::error::Result<steward_app::api::deps::OsvArchiveLoad> {
    use crate::error::Error;
    actor.authorize(&crate::domain::authz::Action::Administer)?;
    let owned = path.to_path_buf();
    let (records, skipped) = tokio::task::spawn_blocking(move || read_archive(&owned))
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| Error::invalid("archive", e))?;
    if records.is_empty() {
        return Err(Error::invalid(
            "archive",
            format!("the archive holds no OSV record ({skipped} other files)"),
        ));
    }
    let mut ecosystems: Vec<Ecosystem> = records
        .iter()
        .flat_map(|(r, _)| r.affected.iter())
        .filter_map(|a| Ecosystem::parse(&a.ecosystem))
        .collect();
    ecosystems.sort_by_key(|e| e.name());
    ecosystems.dedup();
    let now = Utc::now();
    let at = store::jobs::text(now);
    let mut load = steward_app::api::deps::OsvArchiveLoad {
        ecosystems: ecosystems.iter().map(|e| e.name().to_string()).collect(),
        records: records.len() as i64,
        skipped,
        ..Default::default()
    };
    let mut matched: std::collections::BTreeSet<usize> = Default::default();
    let mut answers: Vec<(Version, Vec<String>)> = Vec::new();
    for eco in &ecosystems {
        // Records by the packages they name, so that each version meets only its own.
        let mut by_package: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (r, _)) in records.iter().enumerate() {
            if r.is_withdrawn() {
                continue;
            }
            for a in &r.affected {
                if Ecosystem::parse(&a.ecosystem) == Some(*eco) {
                    by_package
                        .entry(package_key(*eco, &a.name))
                        .or_default()
                        .push(i);
                }
            }
        }
        for (e, name, version) in store::vulns::in_use(store, eco.name()).await? {
            let mut ids: Vec<String> = Vec::new();
            for &i in by_package
                .get(&package_key(*eco, &name))
                .into_iter()
                .flatten()
            {
                let record = &records[i].0;
                if record.affects(*eco, &name, &version) && !ids.contains(&record.id) {
                    ids.push(record.id.clone());
                    matched.insert(i);
                }
            }
            load.versions += 1;
            load.affected += i64::from(!ids.is_empty());
            answers.push(((e, name, version), ids));
        }
    }
    store::vulns::answered(store, &answers, &at, &later(now, ttl)).await?;
    for &i in &matched {
        let (record, text) = &records[i];
        store::vulns::keep(store, record, text, "archive", &at).await?;
    }
    load.advisories = matched.len() as i64;
    store.forget_snapshot();
    let mut tx = store.begin().await?;
    crate::store::audit::record(
        &mut tx,
        actor,
        "osv.archive.load",
        "osv",
        &load.ecosystems.join(","),
        None::<&steward_app::api::deps::OsvArchiveLoad>,
        Some(&load),
    )
    .await?;
    tx.commit().await?;
    Ok(load)
}

/// A package's name as records and lockfiles are compared (PyPI's normalised).
fn package_key(eco: Ecosystem, name: &str) -> String {
    if eco == Ecosystem::PyPI {
        crate::domain::deps::python_name(name)
    } else {
        name.to_string()
    }
}
