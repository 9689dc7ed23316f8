//! Runbooks: the current state of each service's runbook, its numbered versions, and its
//! reviews. Each save and each review stores the service's facts (owners, dependencies,
//! repository, tier) as they were, so a later change to the service makes the runbook
//! suspect until someone looks at it again.

use super::audit::{self, Actor};
use super::{checks, now, services, Store};
use crate::domain::authz::Action;
use crate::domain::runbooks::{self as rules, ServiceFacts};
use crate::error::{Error, Result, ResultExt};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use steward_app::api::runbooks::{
    FailureMode, Runbook, RunbookDiff, RunbookInput, RunbookVersion, RunbookVersionSummary,
};
use steward_app::api::Link;

/// Why a runbook (a row with `reviewed_facts`) is suspect, given its service's facts now.
/// (The decay checks compare the same facts in their snapshot.)
fn suspect_reasons(row: &AnyRow, now: Option<&ServiceFacts>) -> Result<Vec<String>> {
    let reviewed: ServiceFacts = json(row, "reviewed_facts")?;
    Ok(now
        .map(|now| rules::suspect_reasons(&reviewed, now))
        .unwrap_or_default())
}

fn json<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> Result<T> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("stored {column} is not valid JSON: {e}").into())
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.into()))
}

fn instant(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| anyhow::anyhow!("stored instant '{text}' is invalid: {e}").into())
}

fn stored(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The facts of service `id` that a runbook depends on, as they are now.
async fn current_facts(conn: &mut AnyConnection, id: i64) -> Result<ServiceFacts> {
    let owners: Vec<String> = sqlx::query_scalar(
        "select t.slug from service_owners o join teams t on t.id = o.team_id \
         where o.service_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let dependencies: Vec<String> = sqlx::query_scalar(
        "select s.slug from service_dependencies d join services s on s.id = d.depends_on_id \
         where d.service_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let r = sqlx::query("select tier, repository from services where id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(ServiceFacts::new(
        owners,
        dependencies,
        r.try_get("repository")?,
        r.try_get("tier")?,
    ))
}

/// Days between reviews for tiers 1 to 4: the thresholds of the rule `runbook.review`, as
/// admins saved them or by default.
async fn review_days(conn: &mut AnyConnection) -> Result<[i64; 4]> {
    Ok(checks::rules::settings_of(conn, rules::REVIEW_RULE)
        .await?
        .thresholds
        .unwrap_or(rules::REVIEW_DAYS))
}

/// The service's id and facts, or 404.
async fn service(conn: &mut AnyConnection, slug: &str) -> Result<(i64, ServiceFacts)> {
    let id = services::id_by_slug(conn, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    Ok((id, current_facts(conn, id).await?))
}

/// Whether `actor` may save or review the runbook of `slug` (404 for an unknown service):
/// checked before a request body is read, and again inside the transaction that writes.
pub async fn authorize_write(store: &Store, actor: &Actor, slug: &str) -> Result<()> {
    let mut conn = store.pool.acquire().await?;
    let (_, facts) = service(&mut conn, slug).await?;
    actor.authorize(&Action::WriteRunbook {
        owners: &facts.owners,
    })
}

fn not_found(slug: &str) -> Error {
    Error::NotFound(format!("a runbook for service '{slug}'"))
}

/// Renders on the blocking pool: a large runbook takes milliseconds of CPU.
async fn render(body: String) -> Result<String> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        rules::render(&body)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))
}

const SELECT: &str = "select r.id, r.version, r.body, r.failure_modes, r.links, r.reviewed_at, \
     r.reviewed_by, r.reviewed_facts, r.created_at, r.updated_at, s.tier, v.author \
     from runbooks r join services s on s.id = r.service_id \
     join runbook_versions v on v.runbook_id = r.id and v.number = r.version";

/// The runbook of service `id` as the API shows it, read on `conn`.
async fn load(
    conn: &mut AnyConnection,
    id: i64,
    slug: &str,
    facts: &ServiceFacts,
) -> Result<Option<Runbook>> {
    let Some(r) = sqlx::query(&format!("{SELECT} where r.service_id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let reviewed_at: String = r.try_get("reviewed_at")?;
    let interval = rules::review_interval(&review_days(conn).await?, r.try_get("tier")?);
    let (due, overdue) = rules::review_due(instant(&reviewed_at)?, interval, Utc::now());
    let mut reasons = suspect_reasons(&r, Some(facts))?;
    let resolved = crate::store::incidents::resolved_on(conn, Some(&[id]))
        .await?
        .remove(&id)
        .unwrap_or_default();
    reasons.extend(rules::incident_reasons(instant(&reviewed_at)?, &resolved));
    let body: String = r.try_get("body")?;
    Ok(Some(Runbook {
        service: slug.to_string(),
        version: r.try_get("version")?,
        html: render(body.clone()).await?,
        body,
        failure_modes: json(&r, "failure_modes")?,
        links: json(&r, "links")?,
        updated_at: r.try_get("updated_at")?,
        updated_by: r.try_get("author")?,
        reviewed_at,
        reviewed_by: r.try_get("reviewed_by")?,
        review_interval_days: interval,
        review_due_at: stored(due),
        overdue,
        suspect: !reasons.is_empty(),
        suspect_reasons: reasons,
        created_at: r.try_get("created_at")?,
    }))
}

pub async fn get(store: &Store, slug: &str) -> Result<Runbook> {
    let mut conn = store.pool.acquire().await?;
    let (id, facts) = service(&mut conn, slug).await?;
    load(&mut conn, id, slug, &facts)
        .await?
        .ok_or_else(|| not_found(slug))
}

/// What the audit log keeps of a version: the content itself is in `runbook_versions`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Audited<'a> {
    version: i64,
    note: Option<&'a str>,
    failure_modes: usize,
    links: usize,
    body_bytes: usize,
}

/// Saves `input` as the next version. The first save carries no version (or 0); later ones
/// the version they read (409 when stale). An unchanged runbook is refused (409 `unchanged`)
/// rather than recorded as a version that changes nothing.
pub async fn save(
    store: &Store,
    actor: &Actor,
    slug: &str,
    mut input: RunbookInput,
) -> Result<Runbook> {
    let mut tx = store.begin().await?;
    let (service_id, facts) = service(&mut tx, slug).await?;
    actor.authorize(&Action::WriteRunbook {
        owners: &facts.owners,
    })?;
    rules::normalize(&mut input);
    let errors = rules::validate(&input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors.0));
    }
    let existing = sqlx::query(
        "select id, version, body, failure_modes, links from runbooks where service_id = $1",
    )
    .bind(service_id)
    .fetch_optional(&mut *tx)
    .await?;
    let stale = || Error::stale_version(&format!("the runbook of '{slug}'"));
    let (modes, links) = (to_json(&input.failure_modes)?, to_json(&input.links)?);
    let (now, author) = (now(), actor.kind_and_name().1);
    let reviewed_facts = to_json(&facts)?;
    let (runbook_id, number, before) = match existing {
        None => {
            if input.version.is_some_and(|v| v != 0) {
                return Err(stale());
            }
            let id: i64 = sqlx::query_scalar(
                "insert into runbooks (service_id, version, body, failure_modes, links, \
                 reviewed_at, reviewed_by, reviewed_facts, created_at, updated_at) \
                 values ($1, 1, $2, $3, $4, $5, $6, $7, $5, $5) returning id",
            )
            .bind(service_id)
            .bind(&input.body)
            .bind(&modes)
            .bind(&links)
            .bind(&now)
            .bind(&author)
            .bind(&reviewed_facts)
            .fetch_one(&mut *tx)
            .await
            .on_unique_violation(stale)?;
            (id, 1, None)
        }
        Some(row) => {
            let current: i64 = row.try_get("version")?;
            let expected = input.version.ok_or_else(|| {
                Error::invalid("version", "a save must carry the version it read")
            })?;
            if expected != current {
                return Err(stale());
            }
            let old_modes: Vec<FailureMode> = json(&row, "failure_modes")?;
            let old_links: Vec<Link> = json(&row, "links")?;
            let old_body: String = row.try_get("body")?;
            if old_body == input.body
                && old_modes == input.failure_modes
                && old_links == input.links
            {
                return Err(Error::conflict(
                    "unchanged",
                    None,
                    format!(
                        "nothing changed since version {current}; to record that the runbook \
                         is still right, mark it reviewed"
                    ),
                ));
            }
            let id: i64 = row.try_get("id")?;
            let updated = sqlx::query(
                "update runbooks set version = version + 1, body = $1, failure_modes = $2, \
                 links = $3, reviewed_at = $4, reviewed_by = $5, reviewed_facts = $6, \
                 updated_at = $4 where id = $7 and version = $8",
            )
            .bind(&input.body)
            .bind(&modes)
            .bind(&links)
            .bind(&now)
            .bind(&author)
            .bind(&reviewed_facts)
            .bind(id)
            .bind(current)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() != 1 {
                return Err(stale());
            }
            let before = Audited {
                version: current,
                note: None,
                failure_modes: old_modes.len(),
                links: old_links.len(),
                body_bytes: old_body.len(),
            };
            (id, current + 1, Some(before))
        }
    };
    sqlx::query(
        "insert into runbook_versions (runbook_id, number, body, failure_modes, links, note, \
         author, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(runbook_id)
    .bind(number)
    .bind(&input.body)
    .bind(&modes)
    .bind(&links)
    .bind(&input.note)
    .bind(&author)
    .bind(&now)
    .execute(&mut *tx)
    .await
    .on_unique_violation(stale)?;
    let after = Audited {
        version: number,
        note: input.note.as_deref(),
        failure_modes: input.failure_modes.len(),
        links: input.links.len(),
        body_bytes: input.body.len(),
    };
    audit::record(
        &mut tx,
        actor,
        "runbook.save",
        "runbook",
        slug,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    let saved = load(&mut tx, service_id, slug, &facts)
        .await?
        .ok_or_else(|| not_found(slug))?;
    tx.commit().await?;
    Ok(saved)
}

/// Records that `actor` reviewed the runbook now, against the service as it is now; the
/// content and its version do not change.
pub async fn review(store: &Store, actor: &Actor, slug: &str) -> Result<Runbook> {
    let mut tx = store.begin().await?;
    let (service_id, facts) = service(&mut tx, slug).await?;
    actor.authorize(&Action::WriteRunbook {
        owners: &facts.owners,
    })?;
    let before = load(&mut tx, service_id, slug, &facts)
        .await?
        .ok_or_else(|| not_found(slug))?;
    sqlx::query(
        "update runbooks set reviewed_at = $1, reviewed_by = $2, reviewed_facts = $3 \
         where service_id = $4",
    )
    .bind(now())
    .bind(actor.kind_and_name().1)
    .bind(to_json(&facts)?)
    .bind(service_id)
    .execute(&mut *tx)
    .await?;
    let after = load(&mut tx, service_id, slug, &facts)
        .await?
        .ok_or_else(|| not_found(slug))?;
    let reviewed = |r: &Runbook| {
        serde_json::json!({"version": r.version, "reviewedAt": r.reviewed_at,
            "reviewedBy": r.reviewed_by, "suspectReasons": r.suspect_reasons})
    };
    audit::record(
        &mut tx,
        actor,
        "runbook.review",
        "runbook",
        slug,
        Some(&reviewed(&before)),
        Some(&reviewed(&after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The runbook's id, or 404 naming the service or the runbook.
async fn runbook_id(conn: &mut AnyConnection, slug: &str) -> Result<i64> {
    let service_id = services::id_by_slug(conn, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    sqlx::query_scalar("select id from runbooks where service_id = $1")
        .bind(service_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| not_found(slug))
}

/// Every version, newest first.
pub async fn versions(store: &Store, slug: &str) -> Result<Vec<RunbookVersionSummary>> {
    let mut conn = store.pool.acquire().await?;
    let id = runbook_id(&mut conn, slug).await?;
    let rows = sqlx::query(
        "select number, author, created_at, note from runbook_versions where runbook_id = $1 \
         order by number desc",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RunbookVersionSummary {
                number: r.try_get("number")?,
                author: r.try_get("author")?,
                created_at: r.try_get("created_at")?,
                note: r.try_get("note")?,
            })
        })
        .collect()
}

/// A version without its HTML (which the diff does not need).
async fn fetch_version(
    conn: &mut AnyConnection,
    slug: &str,
    number: i64,
) -> Result<RunbookVersion> {
    let id = runbook_id(conn, slug).await?;
    let r = sqlx::query(
        "select number, author, created_at, note, body, failure_modes, links \
         from runbook_versions where runbook_id = $1 and number = $2",
    )
    .bind(id)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::NotFound(format!("version {number} of the runbook of '{slug}'")))?;
    Ok(RunbookVersion {
        number: r.try_get("number")?,
        author: r.try_get("author")?,
        created_at: r.try_get("created_at")?,
        note: r.try_get("note")?,
        html: String::new(),
        body: r.try_get("body")?,
        failure_modes: json(&r, "failure_modes")?,
        links: json(&r, "links")?,
    })
}

pub async fn version(store: &Store, slug: &str, number: i64) -> Result<RunbookVersion> {
    let mut conn = store.pool.acquire().await?;
    let mut v = fetch_version(&mut conn, slug, number).await?;
    v.html = render(v.body.clone()).await?;
    Ok(v)
}

/// The line differences from version `from` to version `to`.
pub async fn diff(store: &Store, slug: &str, from: i64, to: i64) -> Result<RunbookDiff> {
    let mut conn = store.pool.acquire().await?;
    let old = fetch_version(&mut conn, slug, from).await?;
    let new = fetch_version(&mut conn, slug, to).await?;
    Ok(RunbookDiff {
        from,
        to,
        body: rules::diff_lines(&old.body, &new.body),
        failure_modes: rules::diff_lines(
            &rules::failure_modes_text(&old.failure_modes),
            &rules::failure_modes_text(&new.failure_modes),
        ),
        links: rules::diff_lines(
            &rules::links_text(&old.links),
            &rules::links_text(&new.links),
        ),
    })
}
