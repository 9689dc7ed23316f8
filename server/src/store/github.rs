//! What Steward keeps of GitHub: each future fix's issue (intent, then the number GitHub
//! gave), the poll's conditional-request state per repository, the webhook deliveries
//! handled, and the rate-limit budget GitHub last reported. State that GitHub sends back
//! (closed, reopened) changes the fix in one transaction with its audit event.

use super::audit::{self, Actor};
use super::fixes::get_on;
use super::{now as now_text, Store};
use crate::error::Result;
use sqlx::{AnyConnection, Row};
use steward_app::api::github::{Budget, GithubStatus, PendingIssue, RepositoryPoll};

/// The audit action of every change GitHub makes to a fix (filed, closed, reopened).
pub const ACTION: &str = "fix.github";

/// A future fix waiting to be filed, with what its issue says.
#[derive(Debug, Clone)]
pub struct Due {
    pub fix_id: i64,
    pub repository: String,
    pub attempts: i64,
    /// When a create was last asked for: the issue may exist since then.
    pub intent_at: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub why_it_matters: Option<String>,
    pub direction: Option<String>,
    pub service: String,
    pub owner: String,
    pub created_by: String,
    pub created_at: String,
    pub incident: Option<(i64, String, i64)>,
}

/// Open future fixes of services with a repository that have no issue yet and are due for
/// an attempt, oldest first.
pub async fn due(store: &Store, now: &str, limit: i64) -> Result<Vec<Due>> {
    let rows = sqlx::query(
        "select f.id, coalesce(g.repository, s.repository) as repository, \
         coalesce(g.attempts, 0) as attempts, g.intent_at, f.title, f.description, \
         f.why_it_matters, f.direction, f.service_slug, f.owner, f.created_by, f.created_at, \
         i.id as incident_id, i.title as incident_title, i.severity \
         from fixes f join services s on s.id = f.service_id \
         left join github_issues g on g.fix_id = f.id \
         left join incidents i on i.id = f.incident_id \
         where f.tier = 'future' and f.state = 'open' \
         and s.repository is not null and s.repository <> '' \
         and (g.fix_id is null or (g.sync = 'pending' and \
         (g.next_attempt_at is null or g.next_attempt_at <= $1))) \
         order by f.id limit $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let incident = match r.try_get::<Option<i64>, _>("incident_id")? {
                Some(id) => Some((id, r.try_get("incident_title")?, r.try_get("severity")?)),
                None => None,
            };
            Ok(Due {
                fix_id: r.try_get("id")?,
                repository: r.try_get("repository")?,
                attempts: r.try_get("attempts")?,
                intent_at: r.try_get("intent_at")?,
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                why_it_matters: r.try_get("why_it_matters")?,
                direction: r.try_get("direction")?,
                service: r.try_get("service_slug")?,
                owner: r.try_get("owner")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                incident,
            })
        })
        .collect()
}

/// Records, before GitHub is asked, that fix `fix_id` is being filed in `repository`.
pub async fn intend(store: &Store, fix_id: i64, repository: &str) -> Result<()> {
    let now = now_text();
    sqlx::query(
        "insert into github_issues (fix_id, repository, sync, attempts, intent_at, created_at, \
         updated_at) values ($1, $2, 'pending', 1, $3, $3, $3) \
         on conflict (fix_id) do update set attempts = github_issues.attempts + 1, \
         intent_at = $3, updated_at = $3",
    )
    .bind(fix_id)
    .bind(repository)
    .bind(&now)
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// An attempt that did not end with an issue: kept pending, retried at `next_attempt_at`.
pub async fn failed(store: &Store, fix_id: i64, error: &str, next_attempt_at: &str) -> Result<()> {
    sqlx::query(
        "update github_issues set last_error = $1, next_attempt_at = $2, updated_at = $3 \
         where fix_id = $4 and sync = 'pending'",
    )
    .bind(error)
    .bind(next_attempt_at)
    .bind(now_text())
    .bind(fix_id)
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// What GitHub says of one issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub number: i64,
    pub url: String,
    /// `open` or `closed`.
    pub state: String,
    /// `completed`, `not_planned`, `reopened`… (closed issues).
    pub state_reason: Option<String>,
    /// RFC 3339, as GitHub writes it.
    pub updated_at: String,
}

/// The issue GitHub made for fix `fix_id` (or that was found by its marker): the fix links
/// to it, with an audit event, and takes its state.
pub async fn filed(store: &Store, fix_id: i64, repository: &str, remote: &Remote) -> Result<()> {
    let mut tx = store.begin().await?;
    let before = get_on(&mut tx, fix_id).await?;
    let now = now_text();
    sqlx::query(
        "update github_issues set sync = 'filed', number = $1, url = $2, remote_state = 'open', \
         remote_updated_at = null, last_error = null, next_attempt_at = null, updated_at = $3 \
         where fix_id = $4",
    )
    .bind(remote.number)
    .bind(&remote.url)
    .bind(&now)
    .bind(fix_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("update fixes set github_issue_url = $1 where id = $2")
        .bind(&remote.url)
        .bind(fix_id)
        .execute(&mut *tx)
        .await?;
    let after = get_on(&mut tx, fix_id).await?;
    audit::record(
        &mut tx,
        &Actor::system(),
        ACTION,
        "fix",
        &fix_id.to_string(),
        Some(&before),
        Some(&after),
    )
    .await?;
    // A found issue may already be closed: take its state as any later news would.
    apply_on(&mut tx, None, remote, repository).await?;
    tx.commit().await?;
    Ok(())
}

/// What applying GitHub's word did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// No filed fix has this issue.
    Unknown,
    /// Older than what is known, or the same state: nothing changed.
    Unchanged,
    /// The fix changed state.
    Changed,
}

/// Applies issue `remote` of `repository` to its fix: closed → done (not planned → not
/// doing), reopened → open. News older than what is known changes nothing. When `delivery`
/// is given (a webhook), it is recorded in the same transaction and a repeat changes
/// nothing (`None` is returned for a repeat).
pub async fn apply(
    store: &Store,
    delivery: Option<(&str, &str, Option<&str>)>,
    request_id: Option<String>,
    remote: &Remote,
    repository: &str,
) -> Result<Option<Applied>> {
    let mut tx = store.begin().await?;
    if let Some((id, event, action)) = delivery {
        if !record_delivery(&mut tx, id, event, action).await? {
            return Ok(None);
        }
    }
    let applied = apply_on(&mut tx, request_id, remote, repository).await?;
    tx.commit().await?;
    Ok(Some(applied))
}

/// Records webhook delivery `id`; false when it was seen before.
async fn record_delivery(
    conn: &mut AnyConnection,
    id: &str,
    event: &str,
    action: Option<&str>,
) -> Result<bool> {
    let done = sqlx::query(
        "insert into github_deliveries (delivery, event, action, received_at) \
         values ($1, $2, $3, $4) on conflict (delivery) do nothing",
    )
    .bind(id)
    .bind(event)
    .bind(action)
    .bind(now_text())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a webhook delivery that carries nothing to apply (a ping, another event);
/// false when it was seen before.
pub async fn delivery(store: &Store, id: &str, event: &str, action: Option<&str>) -> Result<bool> {
    let mut tx = store.begin().await?;
    let fresh = record_delivery(&mut tx, id, event, action).await?;
    tx.commit().await?;
    Ok(fresh)
}

async fn apply_on(
    conn: &mut AnyConnection,
    request_id: Option<String>,
    remote: &Remote,
    repository: &str,
) -> Result<Applied> {
    let Some(row) = sqlx::query(
        "select fix_id, remote_state, remote_updated_at from github_issues \
         where lower(repository) = lower($1) and number = $2 and sync = 'filed'",
    )
    .bind(repository)
    .bind(remote.number)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Applied::Unknown);
    };
    let fix_id: i64 = row.try_get("fix_id")?;
    let known_state: Option<String> = row.try_get("remote_state")?;
    let known_at: Option<String> = row.try_get("remote_updated_at")?;
    if known_at
        .as_deref()
        .is_some_and(|k| instant(k) > instant(&remote.updated_at))
    {
        return Ok(Applied::Unchanged);
    }
    let now = now_text();
    sqlx::query(
        "update github_issues set remote_state = $1, remote_updated_at = $2, updated_at = $3 \
         where fix_id = $4",
    )
    .bind(&remote.state)
    .bind(&remote.updated_at)
    .bind(&now)
    .bind(fix_id)
    .execute(&mut *conn)
    .await?;
    if known_state.as_deref() == Some(remote.state.as_str()) {
        return Ok(Applied::Unchanged);
    }
    let before = get_on(conn, fix_id).await?;
    let (state, reason, done_at) = match (remote.state.as_str(), before.state.as_str()) {
        ("closed", "open") if remote.state_reason.as_deref() == Some("not_planned") => (
            "not-doing",
            Some(format!(
                "closed on GitHub as not planned ({} #{})",
                repository, remote.number
            )),
            Some(now.clone()),
        ),
        ("closed", "open") => ("done", None, Some(now.clone())),
        ("open", "done" | "not-doing") => ("open", None, None),
        _ => return Ok(Applied::Unchanged),
    };
    sqlx::query(
        "update fixes set state = $1, reason = $2, done_at = $3, version = version + 1, \
         updated_at = $4 where id = $5",
    )
    .bind(state)
    .bind(reason)
    .bind(done_at)
    .bind(&now)
    .bind(fix_id)
    .execute(&mut *conn)
    .await?;
    let after = get_on(conn, fix_id).await?;
    let actor = Actor {
        request_id,
        ..Actor::system()
    };
    audit::record(
        conn,
        &actor,
        ACTION,
        "fix",
        &fix_id.to_string(),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(Applied::Changed)
}

/// An RFC 3339 text as a comparable instant (unparseable text is the earliest).
fn instant(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC)
}

/// A repository whose filed issues the poll reads, with its conditional-request state.
#[derive(Debug, Clone)]
pub struct Polled {
    pub repository: String,
    pub etag: Option<String>,
    pub since: Option<String>,
    /// Before the first issue was filed there: where a first poll starts.
    pub first: String,
}

/// The repositories with filed issues.
pub async fn repositories(store: &Store) -> Result<Vec<Polled>> {
    let rows = sqlx::query(
        "select g.repository, g.first, r.etag, r.since from \
         (select repository, min(coalesce(intent_at, created_at)) as first from github_issues \
         where sync = 'filed' group by repository) g \
         left join github_repositories r on r.repository = g.repository order by g.repository",
    )
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Polled {
                repository: r.try_get("repository")?,
                etag: r.try_get("etag")?,
                since: r.try_get("since")?,
                first: {
                    let first: String = r.try_get("first")?;
                    (instant(&first) - chrono::Duration::minutes(5))
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                },
            })
        })
        .collect()
}

/// Records a poll of `repository`: its status, and (on 200) the ETag and `since` to ask
/// with next time.
pub async fn polled(
    store: &Store,
    repository: &str,
    status: u16,
    etag: Option<&str>,
    since: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "insert into github_repositories (repository, etag, since, polled_at, last_status) \
         values ($1, $2, $3, $4, $5) on conflict (repository) do update set \
         etag = coalesce($2, github_repositories.etag), \
         since = coalesce($3, github_repositories.since), polled_at = $4, last_status = $5",
    )
    .bind(repository)
    .bind(etag)
    .bind(since)
    .bind(now_text())
    .bind(i64::from(status))
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// What GitHub's rate-limit headers said of one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub resource: String,
    pub quota: Option<i64>,
    pub remaining: Option<i64>,
    pub reset_at: Option<String>,
    /// Retry-After (or a secondary limit): no call before this.
    pub blocked_until: Option<String>,
}

pub async fn observe(store: &Store, o: &Observed) -> Result<()> {
    sqlx::query(
        "insert into github_budget (resource, quota, remaining, reset_at, blocked_until, \
         observed_at) values ($1, $2, $3, $4, $5, $6) on conflict (resource) do update set \
         quota = coalesce($2, github_budget.quota), \
         remaining = coalesce($3, github_budget.remaining), \
         reset_at = coalesce($4, github_budget.reset_at), blocked_until = $5, observed_at = $6",
    )
    .bind(&o.resource)
    .bind(o.quota)
    .bind(o.remaining)
    .bind(&o.reset_at)
    .bind(&o.blocked_until)
    .bind(now_text())
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// The latest instant before which GitHub asked not to be called, if it is after `now`:
/// a Retry-After, or a spent budget until its reset.
pub async fn blocked_until(store: &Store, now: &str) -> Result<Option<String>> {
    let rows = sqlx::query("select remaining, reset_at, blocked_until from github_budget")
        .fetch_all(&store.pool)
        .await?;
    let mut until: Option<String> = None;
    for r in rows {
        let remaining: Option<i64> = r.try_get("remaining")?;
        let reset_at: Option<String> = r.try_get("reset_at")?;
        let blocked: Option<String> = r.try_get("blocked_until")?;
        let spent = match (remaining, reset_at) {
            (Some(0), Some(reset)) => Some(reset),
            _ => None,
        };
        for t in [blocked, spent].into_iter().flatten() {
            if instant(&t) > instant(now)
                && until.as_deref().is_none_or(|u| instant(&t) > instant(u))
            {
                until = Some(t);
            }
        }
    }
    Ok(until)
}

/// Issue filing as an admin sees it: the budget, what waits and why, each repository's poll.
pub async fn status(
    store: &Store,
    configured: bool,
    webhook: bool,
    labels: Vec<String>,
) -> Result<GithubStatus> {
    let now = now_text();
    let budget = sqlx::query(
        "select resource, quota, remaining, reset_at, blocked_until, observed_at \
         from github_budget order by resource",
    )
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Budget {
            resource: r.try_get("resource")?,
            limit: r.try_get("quota")?,
            remaining: r.try_get("remaining")?,
            resets_at: r.try_get("reset_at")?,
            blocked_until: r.try_get("blocked_until")?,
            observed_at: r.try_get("observed_at")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let pending = sqlx::query(
        "select g.fix_id, f.title, f.service_slug, g.repository, g.attempts, g.last_error, \
         g.next_attempt_at from github_issues g join fixes f on f.id = g.fix_id \
         where g.sync = 'pending' order by g.fix_id",
    )
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(PendingIssue {
            fix: r.try_get("fix_id")?,
            title: r.try_get("title")?,
            service: r.try_get("service_slug")?,
            repository: r.try_get("repository")?,
            attempts: r.try_get("attempts")?,
            last_error: r.try_get("last_error")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let repositories = sqlx::query(
        "select g.repository, count(*) as issues, r.polled_at, r.last_status from github_issues g \
         left join github_repositories r on r.repository = g.repository \
         where g.sync = 'filed' group by g.repository, r.polled_at, r.last_status \
         order by g.repository",
    )
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(RepositoryPoll {
            repository: r.try_get("repository")?,
            issues: r.try_get("issues")?,
            polled_at: r.try_get("polled_at")?,
            last_status: r.try_get("last_status")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(GithubStatus {
        configured,
        webhook,
        labels,
        blocked_until: blocked_until(store, &now).await?,
        budget,
        pending,
        repositories,
    })
}
