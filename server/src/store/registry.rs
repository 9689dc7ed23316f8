//! What the registries said of each package in use: one row per (ecosystem, name) for the
//! whole organisation, with its releases. A good answer replaces the releases; a fault only
//! records itself, so the last good data stays and shows its age. Every change of what a
//! package's registry said refigures the uses of that package in the same transaction.

use super::deps::{refigure, Refigure};
use super::Store;
use crate::domain::deps::registry::{summarize, Release};
use crate::domain::deps::Ecosystem;
use crate::error::Result;
use sqlx::Row;
use steward_app::api::deps::RegistryStatus;

/// A package to look up.
#[derive(Debug, Clone)]
pub struct Due {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub etag: Option<String>,
    pub failures: i64,
}

/// Adds every package some lockfile holds and the registries table does not yet know; they
/// are due at once.
pub async fn enroll(store: &Store) -> Result<u64> {
    Ok(sqlx::query(
        "insert into registry_packages (ecosystem, name, next_at) \
         select distinct p.ecosystem, p.name, '' from lockfile_packages p \
         where not exists (select 1 from registry_packages r \
         where r.ecosystem = p.ecosystem and r.name = p.name) \
         on conflict do nothing",
    )
    .execute(&store.pool)
    .await?
    .rows_affected())
}

/// Packages still in use whose answer is older than its TTL (never looked up first).
pub async fn due(store: &Store, now: &str, limit: i64) -> Result<Vec<Due>> {
    let rows = sqlx::query(
        "select r.ecosystem, r.name, r.etag, r.failures from registry_packages r \
         where r.next_at <= $1 and exists (select 1 from lockfile_packages p \
         where p.ecosystem = r.ecosystem and p.name = r.name) \
         order by case when r.fetched_at is null then 0 else 1 end, r.next_at, \
         r.ecosystem, r.name limit $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let ecosystem: String = r.try_get("ecosystem")?;
        let Some(ecosystem) = Ecosystem::parse(&ecosystem) else {
            continue;
        };
        out.push(Due {
            ecosystem,
            name: r.try_get("name")?,
            etag: r.try_get("etag")?,
            failures: r.try_get("failures")?,
        });
    }
    Ok(out)
}

/// A good answer with its releases: they replace the ones kept.
pub async fn changed(
    store: &Store,
    d: &Due,
    releases: &[Release],
    etag: Option<&str>,
    now: &str,
    next_at: &str,
) -> Result<()> {
    let summary = summarize(d.ecosystem, releases);
    let eco = d.ecosystem.name();
    let mut tx = store.begin().await?;
    // The Go proxy lists versions without dates; the dates already looked up are kept.
    let kept: std::collections::HashMap<String, String> = if d.ecosystem == Ecosystem::Go {
        sqlx::query(
            "select version, published from registry_releases where ecosystem = $1 \
             and name = $2 and published is not null",
        )
        .bind(eco)
        .bind(&d.name)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("version")?, r.try_get("published")?)))
        .collect::<Result<_>>()?
    } else {
        Default::default()
    };
    sqlx::query("delete from registry_releases where ecosystem = $1 and name = $2")
        .bind(eco)
        .bind(&d.name)
        .execute(&mut *tx)
        .await?;
    for chunk in releases.chunks(150) {
        let mut sql = String::from(
            "insert into registry_releases (ecosystem, name, version, published, yanked) values ",
        );
        for i in 0..chunk.len() {
            let n = i * 3;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, $2, ${}, ${}, ${})", n + 3, n + 4, n + 5));
        }
        sql.push_str(" on conflict do nothing");
        let mut q = sqlx::query(&sql).bind(eco).bind(&d.name);
        for r in chunk {
            let published = r
                .published
                .clone()
                .or_else(|| kept.get(&r.version).cloned());
            q = q.bind(&r.version).bind(published).bind(i64::from(r.yanked));
        }
        q.execute(&mut *tx).await?;
    }
    let latest_at = summary
        .latest_at
        .clone()
        .or_else(|| summary.latest.as_ref().and_then(|l| kept.get(l).cloned()));
    let last_release_at = summary.last_release_at.clone().or(latest_at.clone());
    sqlx::query(
        "update registry_packages set status = 'found', etag = $3, latest = $4, \
         latest_at = $5, last_release_at = $6, releases = $7, fetched_at = $8, \
         checked_at = $8, error = null, failures = 0, next_at = $9 \
         where ecosystem = $1 and name = $2",
    )
    .bind(eco)
    .bind(&d.name)
    .bind(etag)
    .bind(&summary.latest)
    .bind(latest_at)
    .bind(last_release_at)
    .bind(releases.len() as i64)
    .bind(now)
    .bind(next_at)
    .execute(&mut *tx)
    .await?;
    refigure(&mut tx, Refigure::Package(eco, &d.name)).await?;
    tx.commit().await?;
    Ok(())
}

/// A 304: what is kept is still the registry's.
pub async fn unchanged(store: &Store, d: &Due, now: &str, next_at: &str) -> Result<()> {
    sqlx::query(
        "update registry_packages set fetched_at = $3, checked_at = $3, error = null, \
         failures = 0, next_at = $4 where ecosystem = $1 and name = $2",
    )
    .bind(d.ecosystem.name())
    .bind(&d.name)
    .bind(now)
    .bind(next_at)
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// A 404: not in the registry. Releases seen before are kept (a registry that loses a
/// package does not erase what it said of it).
pub async fn missing(store: &Store, d: &Due, now: &str, next_at: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query(
        "update registry_packages set status = 'missing', etag = null, fetched_at = $3, \
         checked_at = $3, error = null, failures = 0, next_at = $4 \
         where ecosystem = $1 and name = $2",
    )
    .bind(d.ecosystem.name())
    .bind(&d.name)
    .bind(now)
    .bind(next_at)
    .execute(&mut *tx)
    .await?;
    refigure(&mut tx, Refigure::Package(d.ecosystem.name(), &d.name)).await?;
    tx.commit().await?;
    Ok(())
}

/// A fault: recorded, nothing else changes. `counted`: a fault of the package's lookup
/// (it backs off further each time), not a registry's request to wait.
pub async fn failed(
    store: &Store,
    d: &Due,
    error: &str,
    now: &str,
    next_at: &str,
    counted: bool,
) -> Result<()> {
    sqlx::query(
        "update registry_packages set checked_at = $3, error = $4, \
         failures = failures + $6, next_at = $5 where ecosystem = $1 and name = $2",
    )
    .bind(d.ecosystem.name())
    .bind(&d.name)
    .bind(now)
    .bind(error)
    .bind(next_at)
    .bind(i64::from(counted))
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// Go versions whose date is wanted and not known: the ones in use, and each latest.
pub async fn go_undated(store: &Store, limit: i64) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "select distinct rr.name, rr.version from registry_releases rr \
         join registry_packages rp on rp.ecosystem = rr.ecosystem and rp.name = rr.name \
         where rr.ecosystem = 'Go' and rr.published is null and (rr.version = rp.latest \
         or exists (select 1 from lockfile_packages p where p.ecosystem = 'Go' \
         and p.name = rr.name and p.version = rr.version)) \
         order by rr.name, rr.version limit $1",
    )
    .bind(limit)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("name")?, r.try_get("version")?)))
        .collect()
}

/// The date the Go proxy gave for `module`@`version`.
pub async fn go_dated(store: &Store, module: &str, version: &str, at: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query(
        "update registry_releases set published = $3 where ecosystem = 'Go' and name = $1 \
         and version = $2",
    )
    .bind(module)
    .bind(version)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "update registry_packages set latest_at = $3, last_release_at = $3 \
         where ecosystem = 'Go' and name = $1 and latest = $2",
    )
    .bind(module)
    .bind(version)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    refigure(&mut tx, Refigure::Package("Go", module)).await?;
    tx.commit().await?;
    Ok(())
}

/// Each registry's state: packages known, found, missing, failing, not looked up yet, and the
/// oldest good answer in use.
pub async fn status(store: &Store) -> Result<Vec<RegistryStatus>> {
    let rows = sqlx::query(
        "select ecosystem, count(*) as packages, \
         cast(sum(case when status = 'found' then 1 else 0 end) as bigint) as found, \
         cast(sum(case when status = 'missing' then 1 else 0 end) as bigint) as missing, \
         cast(sum(case when error is not null then 1 else 0 end) as bigint) as failing, \
         cast(sum(case when fetched_at is null then 1 else 0 end) as bigint) as pending, \
         min(fetched_at) as oldest, max(checked_at) as last_checked \
         from registry_packages group by ecosystem order by ecosystem",
    )
    .fetch_all(&store.pool)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let int = |k: &str| -> Result<i64> { Ok(r.try_get::<Option<i64>, _>(k)?.unwrap_or(0)) };
        let ecosystem: String = r.try_get("ecosystem")?;
        let last_error: Option<String> = sqlx::query_scalar(
            "select error from registry_packages where ecosystem = $1 and error is not null \
             order by checked_at desc limit 1",
        )
        .bind(&ecosystem)
        .fetch_optional(&store.pool)
        .await?
        .flatten();
        out.push(RegistryStatus {
            packages: int("packages")?,
            found: int("found")?,
            missing: int("missing")?,
            failing: int("failing")?,
            pending: int("pending")?,
            oldest_answer: r.try_get("oldest")?,
            last_checked: r.try_get("last_checked")?,
            last_error,
            ecosystem,
        });
    }
    Ok(out)
}
