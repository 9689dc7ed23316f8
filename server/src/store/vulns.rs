//! What OSV said of the package versions in use: one check per distinct (ecosystem, name,
//! version) for the whole organisation, the advisories it named, and each advisory's record.
//! A good answer replaces the advisories linked to a version; a fault only records itself, so
//! the last good links stay. Every change of a version's links refigures its uses, so that
//! reports count vulnerable uses from stored figures.

use super::deps::{refigure, Refigure};
use super::Store;
use crate::domain::deps::osv::{self, Record};
use crate::domain::deps::Ecosystem;
use crate::error::Result;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeSet, HashMap};
use steward_app::api::deps::Advisory;

/// A package version to ask OSV about.
pub type Version = (String, String, String);

/// Makes the versions of lockfile `id` due for their first question (a version already asked
/// about keeps its answer).
pub async fn enroll(conn: &mut AnyConnection, id: i64) -> Result<()> {
    sqlx::query(
        "insert into osv_checks (ecosystem, name, version, attempted_at, next_at) \
         select distinct ecosystem, name, version, '', '' from lockfile_packages \
         where lockfile_id = $1 on conflict do nothing",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Versions still in use whose answer is older than its TTL (never asked first), with the
/// faults in a row of each.
pub async fn due(store: &Store, now: &str, limit: i64) -> Result<Vec<(Version, i64)>> {
    let rows = sqlx::query(
        "select c.ecosystem, c.name, c.version, c.failures from osv_checks c \
         where c.next_at <= $1 and exists (select 1 from lockfile_packages p \
         where p.ecosystem = c.ecosystem and p.name = c.name and p.version = c.version) \
         order by case when c.checked_at is null then 0 else 1 end, c.next_at, \
         c.ecosystem, c.name, c.version limit $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((version_of(r)?, r.try_get("failures")?)))
        .collect()
}

/// OSV's answer for some versions: the advisory ids each is affected by. Links that changed
/// are replaced (their fixed versions filled from the records held) and those versions'
/// uses refigured. Returns the versions whose links changed.
pub async fn answered(
    store: &Store,
    answers: &[(Version, Vec<String>)],
    now: &str,
    next_at: &str,
) -> Result<Vec<Version>> {
    let mut tx = store.begin().await?;
    let mut changed: Vec<Version> = Vec::new();
    for ((eco, name, version), ids) in answers {
        let held: BTreeSet<String> = sqlx::query_scalar(
            "select vulnerability_id from package_vulnerabilities where ecosystem = $1 \
             and name = $2 and version = $3",
        )
        .bind(eco)
        .bind(name)
        .bind(version)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let wanted: BTreeSet<String> = ids.iter().cloned().collect();
        if held != wanted {
            sqlx::query(
                "delete from package_vulnerabilities where ecosystem = $1 and name = $2 \
                 and version = $3",
            )
            .bind(eco)
            .bind(name)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            for id in &wanted {
                let record = record_of(&mut tx, id).await?;
                let (fixed, informational) = link_facts(record.as_ref(), eco, name, version);
                sqlx::query(
                    "insert into package_vulnerabilities (ecosystem, name, version, \
                     vulnerability_id, fixed, informational) values ($1, $2, $3, $4, $5, $6)",
                )
                .bind(eco)
                .bind(name)
                .bind(version)
                .bind(id)
                .bind(fixed)
                .bind(informational)
                .execute(&mut *tx)
                .await?;
            }
            changed.push((eco.clone(), name.clone(), version.clone()));
        }
        sqlx::query(
            "update osv_checks set checked_at = $4, attempted_at = $4, error = null, \
             failures = 0, next_at = $5 where ecosystem = $1 and name = $2 and version = $3",
        )
        .bind(eco)
        .bind(name)
        .bind(version)
        .bind(now)
        .bind(next_at)
        .execute(&mut *tx)
        .await?;
    }
    refigure(&mut tx, Refigure::Versions(&changed)).await?;
    tx.commit().await?;
    Ok(changed)
}

/// A fault for these versions: recorded, their links stay.
pub async fn failed(
    store: &Store,
    versions: &[(Version, i64)],
    error: &str,
    now: &str,
    next_at: &(dyn Fn(i64) -> String + Sync),
) -> Result<()> {
    let mut tx = store.begin().await?;
    for ((eco, name, version), failures) in versions {
        sqlx::query(
            "update osv_checks set attempted_at = $4, error = $5, failures = failures + 1, \
             next_at = $6 where ecosystem = $1 and name = $2 and version = $3",
        )
        .bind(eco)
        .bind(name)
        .bind(version)
        .bind(now)
        .bind(error)
        .bind(next_at(*failures))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Of the advisories OSV named (id, modified), the ones whose record is not held or older
/// than OSV's, and any linked advisory whose record is still missing.
pub async fn wanted(store: &Store, named: &HashMap<String, Option<String>>) -> Result<Vec<String>> {
    let held: HashMap<String, String> = sqlx::query("select id, modified from vulnerabilities")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("modified")?)))
        .collect::<Result<_>>()?;
    let mut out: BTreeSet<String> = named
        .iter()
        .filter(|(id, modified)| match (held.get(*id), modified) {
            (None, _) => true,
            (Some(have), Some(now)) => newer(now, have),
            (Some(_), None) => false,
        })
        .map(|(id, _)| id.clone())
        .collect();
    let unread: Vec<String> = sqlx::query_scalar(
        "select distinct pv.vulnerability_id from package_vulnerabilities pv \
         where not exists (select 1 from vulnerabilities v where v.id = pv.vulnerability_id)",
    )
    .fetch_all(&store.pool)
    .await?;
    out.extend(unread);
    Ok(out.into_iter().collect())
}

/// Whether OSV's `modified` is later than the one held (both RFC 3339; text order when
/// either does not parse).
fn newer(theirs: &str, ours: &str) -> bool {
    use chrono::DateTime;
    match (
        DateTime::parse_from_rfc3339(theirs),
        DateTime::parse_from_rfc3339(ours),
    ) {
        (Ok(a), Ok(b)) => a > b,
        _ => theirs > ours,
    }
}

async fn record_of(conn: &mut AnyConnection, id: &str) -> Result<Option<Record>> {
    let raw: Option<String> =
        sqlx::query_scalar("select record from vulnerabilities where id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(raw.and_then(|r| osv::record(r.as_bytes()).ok()))
}

/// The fixed version above `version` and RustSec's informational kind, from the record.
fn link_facts(
    record: Option<&Record>,
    eco: &str,
    name: &str,
    version: &str,
) -> (Option<String>, Option<String>) {
    match (record, Ecosystem::parse(eco)) {
        (Some(r), Some(e)) => (r.fixed_for(e, name, version), r.informational_for(e, name)),
        _ => (None, None),
    }
}

/// Keeps an advisory's record (`source`: api or archive) and brings the links to it up to
/// date (fixed versions, informational kind); the uses of versions whose links changed are
/// refigured. Returns the versions linked to it.
pub async fn keep(
    store: &Store,
    record: &Record,
    raw: &str,
    source: &str,
    now: &str,
) -> Result<u64> {
    let mut tx = store.begin().await?;
    sqlx::query(
        "insert into vulnerabilities (id, modified, published, withdrawn, summary, aliases, \
         severity, score, vector, record, source, fetched_at) \
         values ($1, $2, $3, $4, $5, $6, $7, cast(cast($8 as text) as double precision), \
         $9, $10, $11, $12) \
         on conflict (id) do update set modified = excluded.modified, \
         published = excluded.published, withdrawn = excluded.withdrawn, \
         summary = excluded.summary, aliases = excluded.aliases, severity = excluded.severity, \
         score = excluded.score, vector = excluded.vector, record = excluded.record, \
         source = excluded.source, fetched_at = excluded.fetched_at",
    )
    .bind(&record.id)
    .bind(&record.modified)
    .bind(&record.published)
    .bind(&record.withdrawn)
    .bind(&record.summary)
    .bind(record.aliases.join(" "))
    .bind(record.severity.as_str())
    // As text: the Any driver sends a null f64 to PostgreSQL as a float4.
    .bind(record.score.map(|s| s.to_string()))
    .bind(&record.vector)
    .bind(raw)
    .bind(source)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let links = sqlx::query(
        "select ecosystem, name, version, fixed, informational from package_vulnerabilities \
         where vulnerability_id = $1",
    )
    .bind(&record.id)
    .fetch_all(&mut *tx)
    .await?;
    let mut changed: Vec<Version> = Vec::new();
    for r in &links {
        let (eco, name, version) = version_of(r)?;
        let (fixed, informational) = link_facts(Some(record), &eco, &name, &version);
        let had: (Option<String>, Option<String>) =
            (r.try_get("fixed")?, r.try_get("informational")?);
        if had != (fixed.clone(), informational.clone()) {
            sqlx::query(
                "update package_vulnerabilities set fixed = $5, informational = $6 \
                 where ecosystem = $1 and name = $2 and version = $3 and vulnerability_id = $4",
            )
            .bind(&eco)
            .bind(&name)
            .bind(&version)
            .bind(&record.id)
            .bind(fixed)
            .bind(informational)
            .execute(&mut *tx)
            .await?;
        }
        changed.push((eco, name, version));
    }
    // Withdrawal and informational kind both change what counts: refigure every linked use.
    refigure(&mut tx, Refigure::Versions(&changed)).await?;
    tx.commit().await?;
    Ok(links.len() as u64)
}

/// The advisories of these versions (in use), by version; withdrawn ones left out, the worst
/// first.
pub async fn advisories(
    conn: &mut AnyConnection,
    versions: &[Version],
) -> Result<HashMap<Version, Vec<Advisory>>> {
    let columns = "select pv.ecosystem, pv.name, pv.version, pv.vulnerability_id, pv.fixed, \
         pv.informational, vr.summary, vr.severity, vr.score, vr.aliases";
    let joined = "join package_vulnerabilities pv on pv.ecosystem = u.ecosystem \
         and pv.name = u.name and pv.version = u.version \
         left join vulnerabilities vr on vr.id = pv.vulnerability_id \
         where vr.withdrawn is null";
    let mut rows = Vec::new();
    for chunk in versions.chunks(300) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
            .collect();
        let sql = format!(
            "{columns} from (select column1 as ecosystem, column2 as name, \
             column3 as version from (values {}) as v) u {joined}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (e, n, v) in chunk {
            q = q.bind(e).bind(n).bind(v);
        }
        rows.extend(q.fetch_all(&mut *conn).await?);
    }
    let mut out: HashMap<Version, Vec<Advisory>> = HashMap::new();
    for r in rows {
        let id: String = r.try_get("vulnerability_id")?;
        let aliases: Option<String> = r.try_get("aliases")?;
        out.entry(version_of(&r)?).or_default().push(Advisory {
            url: format!("https://osv.dev/vulnerability/{id}"),
            summary: r.try_get("summary")?,
            severity: r
                .try_get::<Option<String>, _>("severity")?
                .unwrap_or_else(|| "unknown".into()),
            score: r.try_get("score")?,
            aliases: aliases
                .map(|a| a.split_whitespace().map(String::from).collect())
                .unwrap_or_default(),
            fixed: r.try_get("fixed")?,
            informational: r.try_get("informational")?,
            id,
        });
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| {
            rank(&b.severity)
                .cmp(&rank(&a.severity))
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    Ok(out)
}

fn rank(severity: &str) -> osv::Severity {
    osv::Severity::parse(severity).unwrap_or(osv::Severity::Unknown)
}

/// Deletes checks of versions no lockfile holds any more.
pub async fn prune(store: &Store) -> Result<u64> {
    let checks = sqlx::query(
        "delete from osv_checks where not exists (select 1 from lockfile_packages p \
         where p.ecosystem = osv_checks.ecosystem and p.name = osv_checks.name \
         and p.version = osv_checks.version)",
    )
    .execute(&store.pool)
    .await?
    .rows_affected();
    sqlx::query(
        "delete from package_vulnerabilities where not exists (select 1 from osv_checks c \
         where c.ecosystem = package_vulnerabilities.ecosystem \
         and c.name = package_vulnerabilities.name \
         and c.version = package_vulnerabilities.version)",
    )
    .execute(&store.pool)
    .await?;
    Ok(checks)
}

/// The versions in use of `ecosystem`.
pub async fn in_use(store: &Store, ecosystem: &str) -> Result<Vec<Version>> {
    let rows = sqlx::query(
        "select distinct ecosystem, name, version from lockfile_packages where ecosystem = $1 \
         order by name, version",
    )
    .bind(ecosystem)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(version_of).collect()
}

/// The (ecosystem, name, version) of a row.
fn version_of(r: &sqlx::any::AnyRow) -> Result<Version> {
    Ok((
        r.try_get("ecosystem")?,
        r.try_get("name")?,
        r.try_get("version")?,
    ))
}
