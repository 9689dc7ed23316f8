//! Future fixes on GitHub. The `github-sync` job files each open future fix of a service with
//! a repository as an issue there (an askama template writes the body, ending with a marker
//! that names the fix), then reads back what changed with conditional requests; a signed
//! webhook (`http::api::github`) brings the same news sooner.
//!
//! Never lost, never filed twice: the intent is recorded before GitHub is asked, and a retry
//! first looks for the marker among the repository's issues changed since the intent. Every
//! reply's rate-limit headers are kept; a `Retry-After`, a spent budget or a secondary limit
//! stops all calls until GitHub's time, and creates are spaced (`create_gap`). Whatever
//! GitHub answers (5xx, 403, garbage), nothing in Steward is deleted or marked done: the fix
//! stays pending with the reason, and is retried with backoff.

use crate::configuration::GithubIssueSettings;
use crate::jobs::Counts;
use crate::store::github::{self as kept, Due, Observed, Remote};
use crate::store::{now as now_text, Store};
use askama::Template;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

/// Future fixes one run files at most (the rest wait for the next run).
const FILE_BATCH: i64 = 20;
/// Pages of 100 issues one repository's poll reads at most.
const MAX_PAGES: u32 = 10;
/// Pages searched for a marker before a retry files again.
const FIND_PAGES: u32 = 5;
/// A secondary rate limit without a Retry-After: GitHub asks for at least a minute.
const SECONDARY_WAIT_SECS: i64 = 60;

/// The marker that ends the body of fix `id`'s issue.
pub fn marker(id: i64) -> String {
    format!("<!-- steward:fix:{id} -->")
}

mod filters {
    /// Text from a person, made unable to forge a marker (an HTML comment opener).
    #[askama::filter_fn]
    pub fn inert(s: impl std::fmt::Display, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(s.to_string()
            .replace("<!--", "&lt;!--")
            .replace("-->", "--&gt;"))
    }
}

#[derive(Template)]
#[template(path = "github/future_fix.md", escape = "none")]
struct Body<'a> {
    d: &'a Due,
    recorded: String,
    link: Option<String>,
    marker: String,
}

/// The issue's body: context, the incident, the link back and the marker.
pub fn body(d: &Due, public_url: Option<&str>) -> anyhow::Result<String> {
    let recorded = d.created_at.get(..10).unwrap_or(&d.created_at).to_string();
    let link = public_url.map(|base| {
        let base = base.trim_end_matches('/');
        match &d.incident {
            Some((id, _, _)) => format!("{base}/incidents/{id}"),
            None => format!("{base}/services/{}", d.service),
        }
    });
    Ok(Body {
        d,
        recorded,
        link,
        marker: marker(d.fix_id),
    }
    .render()?)
}

/// Why a call brought nothing usable. The message is short, names no secret, and is kept on
/// the fix for admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// GitHub asked not to be called before this instant.
    Blocked(String),
    /// No answer in time (the request may have been done).
    Timeout,
    Unreachable(String),
    /// A status GitHub means (404, 410, 422, 5xx…).
    Status(u16, String),
    /// A success whose body is not what GitHub sends.
    Garbage(String),
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::Blocked(until) => write!(f, "GitHub's rate limit: waiting until {until}"),
            Fault::Timeout => write!(f, "GitHub did not answer in time"),
            Fault::Unreachable(e) => write!(f, "GitHub could not be reached: {e}"),
            Fault::Status(code, message) => write!(f, "GitHub answered {code}: {message}"),
            Fault::Garbage(e) => write!(f, "GitHub's answer could not be read: {e}"),
        }
    }
}

/// One reply, read whole.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The GitHub client of the sync job (and of nothing else).
#[derive(Clone)]
pub struct Github {
    api: octocrab::Octocrab,
    pub settings: GithubIssueSettings,
    public_url: Option<String>,
}

impl std::fmt::Debug for Github {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Github")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct IssueJson {
    number: i64,
    html_url: String,
    state: String,
    state_reason: Option<String>,
    updated_at: String,
    body: Option<String>,
    pull_request: Option<serde_json::Value>,
}

impl IssueJson {
    fn remote(&self) -> Remote {
        Remote {
            number: self.number,
            url: self.html_url.clone(),
            state: self.state.clone(),
            state_reason: self.state_reason.clone(),
            updated_at: self.updated_at.clone(),
        }
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What the rate-limit headers of a reply say, and until when GitHub asks to wait.
fn observed(status: StatusCode, headers: &HeaderMap, now: DateTime<Utc>) -> Observed {
    let number = |name: &str| header(headers, name).and_then(|v| v.trim().parse::<i64>().ok());
    let reset = number("x-ratelimit-reset").and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
    let remaining = number("x-ratelimit-remaining");
    let limited = status == StatusCode::TOO_MANY_REQUESTS
        || (status == StatusCode::FORBIDDEN
            && (remaining == Some(0) || header(headers, "retry-after").is_some()));
    let blocked_until = if let Some(secs) = number("retry-after") {
        Some(now + Duration::seconds(secs.clamp(0, 86_400)))
    } else if limited && remaining == Some(0) {
        reset.or(Some(now + Duration::seconds(SECONDARY_WAIT_SECS)))
    } else if limited {
        Some(now + Duration::seconds(SECONDARY_WAIT_SECS))
    } else {
        None
    };
    Observed {
        resource: header(headers, "x-ratelimit-resource")
            .unwrap_or("core")
            .to_string(),
        quota: number("x-ratelimit-limit"),
        remaining,
        reset_at: reset.map(text),
        blocked_until: blocked_until.map(text),
    }
}

/// GitHub's message of an error reply, shortened.
fn message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct E {
        message: Option<String>,
    }
    let m = serde_json::from_slice::<E>(body)
        .ok()
        .and_then(|e| e.message)
        .unwrap_or_else(|| "no message".into());
    m.chars().take(200).collect()
}

impl Github {
    pub fn new(
        settings: &GithubIssueSettings,
        public_url: Option<&url::Url>,
    ) -> anyhow::Result<Github> {
        let api = octocrab::Octocrab::builder()
            .base_uri(settings.api_url.as_str())?
            .set_connect_timeout(Some(
                settings.timeout.min(std::time::Duration::from_secs(5)),
            ))
            .set_read_timeout(Some(settings.timeout))
            .add_header("x-github-api-version".parse()?, "2022-11-28".to_string())
            .personal_token(settings.token.clone())
            .build()?;
        Ok(Github {
            api,
            settings: settings.clone(),
            public_url: public_url.map(|u| u.to_string()),
        })
    }

    /// One call: refused before it is made while GitHub asked to wait; its rate-limit
    /// headers kept whatever the answer.
    async fn call(
        &self,
        store: &Store,
        post: Option<&serde_json::Value>,
        path: &str,
        etag: Option<&str>,
    ) -> Result<Answer, Fault> {
        if let Some(until) = kept::blocked_until(store, &now_text())
            .await
            .map_err(|e| Fault::Unreachable(format!("budget unknown: {e}")))?
        {
            return Err(Fault::Blocked(until));
        }
        let send = async {
            match post {
                Some(body) => self.api._post(path, Some(body)).await,
                None => {
                    let mut headers = HeaderMap::new();
                    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
                        headers.insert("if-none-match", tag);
                    }
                    self.api._get_with_headers(path, Some(headers)).await
                }
            }
        };
        let limit = self.settings.timeout + std::time::Duration::from_secs(1);
        let response = match tokio::time::timeout(limit, send).await {
            Err(_) => return Err(Fault::Timeout),
            Ok(Err(e)) => {
                // The cause is at the end of the chain (client error → timed out).
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(cause) = source {
                    text = format!("{text}: {cause}");
                    source = cause.source();
                }
                let lower = text.to_ascii_lowercase();
                return Err(
                    if lower.contains("timed out") || lower.contains("timeout") {
                        Fault::Timeout
                    } else {
                        tracing::warn!(error = %text, "GitHub call failed");
                        Fault::Unreachable(text.chars().take(200).collect())
                    },
                );
            }
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let headers = response.headers().clone();
        let read = tokio::time::timeout(limit, self.api.body_to_string(response)).await;
        let body = match read {
            Err(_) => return Err(Fault::Timeout),
            Ok(Err(e)) => return Err(Fault::Garbage(e.to_string().chars().take(200).collect())),
            Ok(Ok(b)) => b.into_bytes(),
        };
        let o = observed(status, &headers, Utc::now());
        if let Err(e) = kept::observe(store, &o).await {
            tracing::warn!(error = %e, "could not keep GitHub's rate-limit budget");
        }
        if let Some(until) = o.blocked_until.clone() {
            return Err(Fault::Blocked(until));
        }
        if status.is_client_error() || status.is_server_error() {
            let said = message(&body);
            // A secondary limit may come as a bare 403 whose message says so.
            if status == StatusCode::FORBIDDEN && said.to_ascii_lowercase().contains("rate limit") {
                let until = text(Utc::now() + Duration::seconds(SECONDARY_WAIT_SECS));
                let o = Observed {
                    blocked_until: Some(until.clone()),
                    ..o
                };
                if let Err(e) = kept::observe(store, &o).await {
                    tracing::warn!(error = %e, "could not keep GitHub's rate-limit budget");
                }
                return Err(Fault::Blocked(until));
            }
            return Err(Fault::Status(status.as_u16(), said));
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Issues of `repository` changed since `since`, page `page` (100 a page).
    async fn list(
        &self,
        store: &Store,
        repository: &str,
        since: &str,
        page: u32,
        sort: &str,
        etag: Option<&str>,
    ) -> Result<(Answer, Vec<IssueJson>), Fault> {
        let path = format!(
            "/repos/{repository}/issues?state=all&since={since}&sort={sort}&direction=asc\
             &per_page=100&page={page}"
        );
        let answer = self.call(store, None, &path, etag).await?;
        if answer.status == StatusCode::NOT_MODIFIED {
            return Ok((answer, Vec::new()));
        }
        let issues: Vec<IssueJson> = serde_json::from_slice(&answer.body)
            .map_err(|e| Fault::Garbage(e.to_string().chars().take(200).collect()))?;
        Ok((answer, issues))
    }

    /// The issue a lost create may have made: the one whose body holds the fix's marker.
    async fn find(&self, store: &Store, d: &Due) -> Result<Option<Remote>, Fault> {
        let Some(intent) = d.intent_at.as_deref() else {
            return Ok(None);
        };
        let from = DateTime::parse_from_rfc3339(intent)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now())
            - Duration::minutes(5);
        let mark = marker(d.fix_id);
        for page in 1..=FIND_PAGES {
            let (_, issues) = self
                .list(store, &d.repository, &text(from), page, "created", None)
                .await?;
            if let Some(found) = issues.iter().find(|i| {
                i.pull_request.is_none() && i.body.as_deref().is_some_and(|b| b.contains(&mark))
            }) {
                return Ok(Some(found.remote()));
            }
            if issues.len() < 100 {
                break;
            }
        }
        Ok(None)
    }

    async fn create(&self, store: &Store, d: &Due) -> Result<Remote, Fault> {
        let body = body(d, self.public_url.as_deref())
            .map_err(|e| Fault::Garbage(format!("could not write the issue: {e}")))?;
        let title: String = d.title.chars().take(250).collect();
        let request = serde_json::json!({
            "title": title,
            "body": body,
            "labels": self.settings.labels,
        });
        let answer = self
            .call(
                store,
                Some(&request),
                &format!("/repos/{}/issues", d.repository),
                None,
            )
            .await?;
        let issue: IssueJson = serde_json::from_slice(&answer.body)
            .map_err(|e| Fault::Garbage(e.to_string().chars().take(200).collect()))?;
        Ok(issue.remote())
    }
}

/// When a fix whose attempt `attempts` failed with `fault` is tried again: GitHub's time
/// when it asked to wait, else 30 s doubling per attempt, at most six hours.
fn next_attempt(fault: &Fault, attempts: i64, now: DateTime<Utc>) -> String {
    if let Fault::Blocked(until) = fault {
        return until.clone();
    }
    let secs = 30i64.saturating_mul(1 << attempts.clamp(1, 20).saturating_sub(1));
    text(now + Duration::seconds(secs.min(6 * 3600)))
}

fn bump(counts: &mut Counts, key: &str) {
    *counts.entry(key.into()).or_insert(0) += 1;
}

/// Files what is due, then reads back what changed. Failures are kept per fix and per
/// repository; the run itself fails only when Steward's own database does.
pub async fn sync(store: &Store, gh: &Github) -> anyhow::Result<Counts> {
    let mut counts = Counts::new();
    file(store, gh, &mut counts).await?;
    poll(store, gh, &mut counts).await?;
    Ok(counts)
}

async fn file(store: &Store, gh: &Github, counts: &mut Counts) -> anyhow::Result<()> {
    let due = kept::due(store, &now_text(), FILE_BATCH).await?;
    let mut created_before = false;
    for d in &due {
        // A retry: the last create may have worked without us hearing it.
        if d.attempts > 0 {
            match gh.find(store, d).await {
                Ok(Some(remote)) => {
                    kept::filed(store, d.fix_id, &d.repository, &remote).await?;
                    bump(counts, "found");
                    continue;
                }
                Ok(None) => {}
                Err(fault) => {
                    if keep_pending(store, d, &fault, d.attempts, counts).await? {
                        break;
                    }
                    continue;
                }
            }
        }
        if created_before {
            tokio::time::sleep(gh.settings.create_gap).await;
        }
        created_before = true;
        kept::intend(store, d.fix_id, &d.repository).await?;
        match gh.create(store, d).await {
            Ok(remote) => {
                kept::filed(store, d.fix_id, &d.repository, &remote).await?;
                bump(counts, "filed");
            }
            Err(fault) => {
                if keep_pending(store, d, &fault, d.attempts + 1, counts).await? {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Keeps fix `d` pending after attempt `attempts` failed with `fault`; true when GitHub asked
/// to wait, so that the run stops calling it.
async fn keep_pending(
    store: &Store,
    d: &Due,
    fault: &Fault,
    attempts: i64,
    counts: &mut Counts,
) -> anyhow::Result<bool> {
    tracing::info!(fix = d.fix_id, repository = %d.repository, %fault, "not filed yet");
    let next = next_attempt(fault, attempts, Utc::now());
    kept::failed(store, d.fix_id, &fault.to_string(), &next).await?;
    bump(counts, "pending");
    Ok(matches!(fault, Fault::Blocked(_)))
}

async fn poll(store: &Store, gh: &Github, counts: &mut Counts) -> anyhow::Result<()> {
    for repo in kept::repositories(store).await? {
        let since = repo.since.clone().unwrap_or_else(|| repo.first.clone());
        let mut newest: Option<String> = None;
        let mut first_etag: Option<String> = None;
        let mut status = 200u16;
        let mut failed = None;
        for page in 1..=MAX_PAGES {
            let etag = (page == 1).then_some(repo.etag.as_deref()).flatten();
            match gh
                .list(store, &repo.repository, &since, page, "updated", etag)
                .await
            {
                Ok((answer, issues)) => {
                    status = answer.status.as_u16();
                    if page == 1 {
                        first_etag = header(&answer.headers, "etag").map(String::from);
                    }
                    if answer.status == StatusCode::NOT_MODIFIED {
                        bump(counts, "notModified");
                        break;
                    }
                    for issue in issues.iter().filter(|i| i.pull_request.is_none()) {
                        let remote = issue.remote();
                        if newest
                            .as_deref()
                            .is_none_or(|n| n < remote.updated_at.as_str())
                        {
                            newest = Some(remote.updated_at.clone());
                        }
                        if kept::apply(store, None, None, &remote, &repo.repository).await?
                            == Some(kept::Applied::Changed)
                        {
                            bump(counts, "changed");
                        }
                    }
                    if issues.len() < 100 {
                        break;
                    }
                }
                Err(fault) => {
                    tracing::info!(repository = %repo.repository, %fault, "poll failed");
                    status = match &fault {
                        Fault::Status(code, _) => *code,
                        _ => 0,
                    };
                    failed = Some(fault);
                    break;
                }
            }
        }
        bump(counts, "polled");
        match failed {
            Some(fault) => {
                bump(counts, "pollErrors");
                kept::polled(store, &repo.repository, status, None, None).await?;
                if matches!(fault, Fault::Blocked(_)) {
                    break;
                }
            }
            // A poll that read pages keeps the first page's tag only when `since` stays:
            // the next identical request then costs a 304.
            None => {
                let etag = if newest.is_none() || newest.as_deref() == Some(since.as_str()) {
                    first_etag.as_deref()
                } else {
                    None
                };
                kept::polled(store, &repo.repository, status, etag, newest.as_deref()).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due() -> Due {
        Due {
            fix_id: 42,
            repository: "northwind/ledger".into(),
            attempts: 0,
            intent_at: None,
            title: "Make the ledger's retries idempotent".into(),
            description: Some("Retries doubled 312 payments <!-- steward:fix:7 -->".into()),
            why_it_matters: Some("Every retry storm can charge twice.".into()),
            direction: Some("Idempotency keys on the write path.".into()),
            service: "ledger".into(),
            owner: "team:payments".into(),
            created_by: "ada.lovelace".into(),
            created_at: "2026-12-01T10:00:00.000000Z".into(),
            incident: Some((7, "Double charges".into(), 1)),
        }
    }

    #[test]
    fn body_carries_context_link_and_one_marker() {
        let b = body(&due(), Some("https://steward.example.com/")).expect("renders");
        insta::assert_snapshot!(b);
        assert_eq!(
            b.matches("<!-- steward:fix:").count(),
            1,
            "a person cannot forge one"
        );
        assert!(b.trim_end().ends_with(&marker(42)));
    }

    #[test]
    fn rate_limit_headers_decide_the_wait() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from_static("5000"));
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("4999"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1796304000"));
        let o = observed(StatusCode::CREATED, &h, now);
        assert_eq!((o.quota, o.remaining), (Some(5000), Some(4999)));
        assert_eq!(o.reset_at.as_deref(), Some("2026-12-03T13:20:00Z"));
        assert_eq!(o.blocked_until, None);
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        let o = observed(StatusCode::FORBIDDEN, &h, now);
        assert_eq!(o.blocked_until.as_deref(), Some("2026-12-03T13:20:00Z"));
        h.insert("retry-after", HeaderValue::from_static("90"));
        let o = observed(StatusCode::TOO_MANY_REQUESTS, &h, now);
        assert_eq!(o.blocked_until.as_deref(), Some("2026-12-03T12:01:30Z"));
        // A secondary limit may say nothing but 403 with a message: a minute, then.
        let bare = HeaderMap::new();
        assert_eq!(
            observed(StatusCode::FORBIDDEN, &bare, now).blocked_until,
            None
        );
        let o = observed(StatusCode::TOO_MANY_REQUESTS, &bare, now);
        assert_eq!(o.blocked_until.as_deref(), Some("2026-12-03T12:01:00Z"));
    }

    #[test]
    fn retries_back_off_to_six_hours() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let t = Fault::Timeout;
        assert_eq!(next_attempt(&t, 1, now), "2026-12-03T12:00:30Z");
        assert_eq!(next_attempt(&t, 3, now), "2026-12-03T12:02:00Z");
        assert_eq!(next_attempt(&t, 30, now), "2026-12-03T18:00:00Z");
        let b = Fault::Blocked("2026-12-03T12:05:00Z".into());
        assert_eq!(next_attempt(&b, 2, now), "2026-12-03T12:05:00Z");
    }
}
