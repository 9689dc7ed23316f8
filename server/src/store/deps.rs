//! A service's lockfiles and the packages they resolve. A lockfile is parsed before anything
//! is written: one that does not parse, or of a format Steward does not read, is refused with
//! the file and line named, and the snapshot already held stays as it was.

use super::audit::{self, Actor};
use super::checks::findings::owners_of;
use super::{now, services, Store};
use crate::domain::authz::Action;
use crate::domain::deps::figures::{figures, pulse_days, Known, Lookup};
use crate::domain::deps::rules::DepsFacts;
use crate::domain::deps::Ecosystem;
use crate::domain::deps::{self, Package};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use steward_app::api::deps::{
    Dependencies, Dependency, Freshness, FreshnessDay, FreshnessSummary, Lockfile, LockfileUpload,
    ServiceDependency, ServiceFreshness,
};

/// The longest path kept for a lockfile.
const MAX_PATH: usize = 400;

async fn service(conn: &mut AnyConnection, slug: &str) -> Result<(i64, Vec<String>)> {
    let id = services::id_by_slug(conn, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    let owners = owners_of(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    Ok((id, owners))
}

/// Whether `actor` may push lockfiles of `slug` (404 for an unknown service): checked before
/// the body is read, and again inside the transaction that writes.
pub async fn authorize_push(store: &Store, actor: &Actor, slug: &str) -> Result<()> {
    let mut conn = store.pool.acquire().await?;
    let (_, owners) = service(&mut conn, slug).await?;
    actor.authorize(&Action::WriteService { owners: &owners })
}

/// The path as kept: forward slashes, no leading `./` or `/`, nothing that climbs out.
fn clean_path(path: &str) -> Result<String> {
    let p = path.trim().replace('\\', "/");
    let p = p
        .trim_start_matches("./")
        .trim_start_matches('/')
        .to_string();
    if p.is_empty() || p.len() > MAX_PATH || p.split('/').any(|s| s == ".." || s.is_empty()) {
        return Err(Error::invalid(
            "path",
            format!("'{path}' is not a path in a repository (e.g. web/package-lock.json)"),
        ));
    }
    if p.chars().any(char::is_control) {
        return Err(Error::invalid("path", "a path has no control characters"));
    }
    Ok(p)
}

fn lockfile(r: &sqlx::any::AnyRow) -> Result<Lockfile> {
    Ok(Lockfile {
        path: r.try_get("path")?,
        format: r.try_get("format")?,
        source: r.try_get("source")?,
        sha256: r.try_get("sha256")?,
        packages: r.try_get("packages")?,
        direct: r.try_get("direct")?,
        received_at: r.try_get("received_at")?,
        received_by: r.try_get("received_by")?,
        unchanged: false,
    })
}

const LOCKFILES: &str = "select l.path, l.format, l.source, l.sha256, l.packages, \
     l.received_at, l.received_by, (select count(*) from lockfile_packages p \
     where p.lockfile_id = l.id and p.direct = 1) as direct from lockfiles l";

/// Receives a lockfile of `slug` from CI: parsed, then stored in place of the copy of the
/// same path (an identical copy changes nothing).
pub async fn push(
    store: &Store,
    actor: &Actor,
    slug: &str,
    upload: LockfileUpload,
) -> Result<Lockfile> {
    let path = clean_path(&upload.path)?;
    let format = deps::detect(&path).ok_or_else(|| {
        Error::invalid(
            "path",
            format!(
                "Steward does not read '{path}': send Cargo.lock, package-lock.json, \
                 pnpm-lock.yaml, yarn.lock, poetry.lock, uv.lock, requirements*.txt or go.mod"
            ),
        )
    })?;
    // Parsing is CPU work of milliseconds for thousands of packages: off the async threads.
    let (text, for_parse) = (upload.content, path.clone());
    let (packages, text) =
        tokio::task::spawn_blocking(move || (deps::parse(&for_parse, &text), text))
            .await
            .map_err(|e| Error::Internal(e.into()))?;
    let packages = packages.map_err(|e| Error::invalid("content", e.to_string()))?;
    let sha = crate::auth::hex(&Sha256::digest(text.as_bytes()));
    let mut tx = store.begin().await?;
    let (service_id, owners) = service(&mut tx, slug).await?;
    actor.authorize(&Action::WriteService { owners: &owners })?;
    let existing = sqlx::query(&format!(
        "{LOCKFILES} where l.service_id = $1 and l.path = $2"
    ))
    .bind(service_id)
    .bind(&path)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(r) = &existing {
        let mut before = lockfile(r)?;
        if before.sha256 == sha {
            before.unchanged = true;
            return Ok(before);
        }
    }
    let before = existing.as_ref().map(lockfile).transpose()?;
    sqlx::query("delete from lockfiles where service_id = $1 and path = $2")
        .bind(service_id)
        .bind(&path)
        .execute(&mut *tx)
        .await?;
    let (at, by) = (now(), actor.kind_and_name().1);
    let id: i64 = sqlx::query_scalar(
        "insert into lockfiles (service_id, path, format, source, sha256, packages, \
         received_at, received_by) values ($1, $2, $3, 'push', $4, $5, $6, $7) returning id",
    )
    .bind(service_id)
    .bind(&path)
    .bind(format.name())
    .bind(&sha)
    .bind(packages.len() as i64)
    .bind(&at)
    .bind(&by)
    .fetch_one(&mut *tx)
    .await?;
    insert_packages(&mut tx, id, &packages).await?;
    refigure(&mut tx, Refigure::Lockfile(id)).await?;
    super::vulns::enroll(&mut tx, id).await?;
    let after = lockfile(
        &sqlx::query(&format!("{LOCKFILES} where l.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?,
    )?;
    audit::record(
        &mut tx,
        actor,
        "lockfile.push",
        "service",
        slug,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Packages in batches: thousands of rows in few statements.
async fn insert_packages(conn: &mut AnyConnection, id: i64, packages: &[Package]) -> Result<()> {
    for chunk in packages.chunks(200) {
        let mut sql = String::from(
            "insert into lockfile_packages (lockfile_id, ecosystem, name, version, direct) values ",
        );
        for (i, _) in chunk.iter().enumerate() {
            let n = i * 4;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, ${}, ${}, ${}, ${})",
                n + 2,
                n + 3,
                n + 4,
                n + 5
            ));
        }
        sql.push_str(" on conflict do nothing");
        let mut q = sqlx::query(&sql).bind(id);
        for p in chunk {
            q = q
                .bind(p.ecosystem.name())
                .bind(&p.name)
                .bind(&p.version)
                .bind(p.direct.map(i64::from));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which uses get their figures computed afresh from the registry and advisory data held.
#[derive(Debug, Clone, Copy)]
pub enum Refigure<'a> {
    /// Every use of one package (ecosystem, name): its registry answer changed.
    Package(&'a str, &'a str),
    /// Every use of these versions (ecosystem, name, version): their advisories changed.
    Versions(&'a [(String, String, String)]),
    /// The uses of a lockfile as it arrives.
    Lockfile(i64),
    /// Uses not computed yet (rows from before figures were kept, or after the way they are
    /// computed changed), a batch at a time.
    Unfigured,
}

/// Distinct versions figured per statement when catching up on unfigured uses.
const REFIGURE_BATCH: usize = 5000;

/// Open advisories of the version `v` names (withdrawn ones and RustSec's informational
/// notices aside), and its unmaintained notices.
const ADVISORIES_OF_V: &str = "(select count(*) from package_vulnerabilities pv \
     left join vulnerabilities vr on vr.id = pv.vulnerability_id \
     where pv.ecosystem = v.ecosystem and pv.name = v.name and pv.version = v.version \
     and pv.informational is null and vr.withdrawn is null) as vulnerable, \
     (select count(*) from package_vulnerabilities pv where pv.ecosystem = v.ecosystem \
     and pv.name = v.name and pv.version = v.version \
     and pv.informational = 'unmaintained') as unmaintained";

/// One distinct (ecosystem, name, version) with its figures, as stored.
struct Figured {
    ecosystem: String,
    name: String,
    version: String,
    state: &'static str,
    libyear: Option<f64>,
    behind: [i64; 3],
    breaking: bool,
    yanked: bool,
    released_at: Option<String>,
    vulnerable: i64,
    unmaintained: i64,
}

fn figure(r: &sqlx::any::AnyRow) -> Result<Figured> {
    let ecosystem: String = r.try_get("ecosystem")?;
    let version: String = r.try_get("version")?;
    let status: Option<String> = r.try_get("status")?;
    let latest: Option<String> = r.try_get("latest")?;
    let latest_at: Option<String> = r.try_get("latest_at")?;
    let released_at: Option<String> = r.try_get("published")?;
    let known = Known {
        lookup: match status.as_deref() {
            Some("found") => Lookup::Found,
            Some("missing") => Lookup::Missing,
            _ => Lookup::Pending,
        },
        latest: latest.as_deref(),
        latest_at: latest_at.as_deref(),
        // Pulse moves with the clock: read from registry_packages, never stored.
        last_release_at: None,
        used_at: released_at.as_deref(),
        used_yanked: r.try_get::<Option<i64>, _>("yanked")?.unwrap_or(0) == 1,
    };
    // An ecosystem Steward no longer reads stays unknown (and counts as figured).
    let f = match Ecosystem::parse(&ecosystem) {
        Some(eco) => figures(eco, &version, &known, Utc::now()),
        None => figures(
            Ecosystem::Npm,
            "",
            &Known {
                lookup: Lookup::Pending,
                ..known
            },
            Utc::now(),
        ),
    };
    Ok(Figured {
        name: r.try_get("name")?,
        ecosystem,
        version,
        state: f.state.as_str(),
        libyear: f.libyear,
        behind: [
            f.behind.majors as i64,
            f.behind.minors as i64,
            f.behind.patches as i64,
        ],
        breaking: f.breaking,
        yanked: f.yanked,
        released_at,
        vulnerable: r.try_get("vulnerable")?,
        unmaintained: r.try_get("unmaintained")?,
    })
}

/// Computes the figures of the uses `which` names from the data held, and stores them on
/// every use of the same package version (`Lockfile`: on that lockfile's only). Returns the
/// distinct versions figured.
pub async fn refigure(conn: &mut AnyConnection, which: Refigure<'_>) -> Result<u64> {
    if let Refigure::Versions(all) = which {
        let mut total = 0;
        for chunk in all.chunks(300) {
            total += refigure_some(conn, which, chunk).await?.0;
        }
        return Ok(total);
    }
    // `Unfigured`: one batch (`refigure_unfigured` takes them all).
    Ok(refigure_some(conn, which, &[]).await?.0)
}

/// One pass over what `which` names: (versions figured, rows updated).
async fn refigure_some(
    conn: &mut AnyConnection,
    which: Refigure<'_>,
    versions: &[(String, String, String)],
) -> Result<(u64, u64)> {
    let (filter, tail) = match which {
        Refigure::Package(..) => ("ecosystem = $1 and name = $2".to_string(), String::new()),
        Refigure::Versions(_) => {
            let rows: Vec<String> = (0..versions.len())
                .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
                .collect();
            (
                format!("(ecosystem, name, version) in (values {})", rows.join(", ")),
                String::new(),
            )
        }
        Refigure::Lockfile(_) => ("lockfile_id = $1".to_string(), String::new()),
        Refigure::Unfigured => (
            "figured = 0".to_string(),
            format!(" order by ecosystem, name, version limit {REFIGURE_BATCH}"),
        ),
    };
    let sql = format!(
        "select v.ecosystem, v.name, v.version, rp.status, rp.latest, rp.latest_at, \
         rr.published, rr.yanked, {ADVISORIES_OF_V} from (select distinct ecosystem, name, \
         version from lockfile_packages where {filter}{tail}) v \
         left join registry_packages rp on rp.ecosystem = v.ecosystem and rp.name = v.name \
         left join registry_releases rr on rr.ecosystem = v.ecosystem and rr.name = v.name \
         and rr.version = v.version"
    );
    let mut q = sqlx::query(&sql);
    q = match which {
        Refigure::Package(eco, name) => q.bind(eco).bind(name),
        Refigure::Versions(_) => {
            for (e, n, v) in versions {
                q = q.bind(e).bind(n).bind(v);
            }
            q
        }
        Refigure::Lockfile(id) => q.bind(id),
        Refigure::Unfigured => q,
    };
    let rows = q.fetch_all(&mut *conn).await?;
    let figured = rows.iter().map(figure).collect::<Result<Vec<_>>>()?;
    let mut updated = 0;
    for chunk in figured.chunks(100) {
        updated += store_figures(conn, chunk, which).await?;
    }
    Ok((figured.len() as u64, updated))
}

/// Computes the figures of every use not figured yet, [`REFIGURE_BATCH`] versions to a
/// transaction (one commit for thousands of row updates, other writers between batches).
/// Returns the versions figured.
pub async fn refigure_unfigured(store: &Store) -> Result<u64> {
    let mut total = 0;
    let sqlite = store.backend == super::Backend::Sqlite;
    loop {
        let mut tx = store.begin().await?;
        if sqlite && total == 0 {
            // The uses of one version lie all over the table: 64 MB of page cache for the
            // pass (SQLite's default is 2 MB), given back when it ends.
            sqlx::query("pragma cache_size = -65536")
                .execute(&mut *tx)
                .await?;
        }
        let (figured, updated) = refigure_some(&mut tx, Refigure::Unfigured, &[]).await?;
        let last = (figured as usize) < REFIGURE_BATCH || updated == 0;
        if sqlite && last {
            sqlx::query("pragma cache_size = -2000")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        total += figured;
        if last {
            return Ok(total);
        }
    }
}

/// One statement for a chunk of versions: `update … from (values …)` reads the same on both
/// databases (their VALUES columns are both named column1, column2, …).
async fn store_figures(
    conn: &mut AnyConnection,
    chunk: &[Figured],
    which: Refigure<'_>,
) -> Result<u64> {
    const COLUMNS: usize = 13;
    let mut sql = String::from(
        "update lockfile_packages set figured = 1, state = v.column4, libyear = v.column5, \
         majors = v.column6, minors = v.column7, patches = v.column8, breaking = v.column9, \
         yanked = v.column10, released_at = v.column11, vulnerable = v.column12, \
         unmaintained = v.column13 from (values ",
    );
    for i in 0..chunk.len() {
        let n = i * COLUMNS;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(cast(${} as text), cast(${} as text), cast(${} as text), cast(${} as text), \
             cast(cast(${} as text) as double precision), cast(${} as bigint), \
             cast(${} as bigint), \
             cast(${} as bigint), cast(${} as bigint), cast(${} as bigint), cast(${} as text), \
             cast(${} as bigint), cast(${} as bigint))",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8,
            n + 9,
            n + 10,
            n + 11,
            n + 12,
            n + 13
        ));
    }
    sql.push_str(
        ") as v where lockfile_packages.ecosystem = v.column1 \
         and lockfile_packages.name = v.column2 and lockfile_packages.version = v.column3",
    );
    if let Refigure::Lockfile(_) = which {
        sql.push_str(&format!(
            " and lockfile_packages.lockfile_id = ${}",
            chunk.len() * COLUMNS + 1
        ));
    }
    let mut q = sqlx::query(&sql);
    for f in chunk {
        q = q
            .bind(&f.ecosystem)
            .bind(&f.name)
            .bind(&f.version)
            .bind(f.state)
            // As text: the Any driver sends a null f64 to PostgreSQL as a float4.
            .bind(f.libyear.map(|y| y.to_string()))
            .bind(f.behind[0])
            .bind(f.behind[1])
            .bind(f.behind[2])
            .bind(i64::from(f.breaking))
            .bind(i64::from(f.yanked))
            .bind(&f.released_at)
            .bind(f.vulnerable)
            .bind(f.unmaintained);
    }
    if let Refigure::Lockfile(id) = which {
        q = q.bind(id);
    }
    Ok(q.execute(&mut *conn).await?.rows_affected())
}

/// Every package use with its stored figures and what its registry said: one row per
/// lockfile entry, merged per (service, package, version) by [`uses`].
const USES: &str = "select l.service_id, l.path, p.ecosystem, p.name, p.version, p.direct, \
     p.state, p.libyear, p.majors, p.minors, p.patches, p.breaking, p.yanked, p.released_at, \
     rp.latest, rp.latest_at, rp.last_release_at, rp.fetched_at, rp.error \
     from lockfile_packages p join lockfiles l on l.id = p.lockfile_id \
     left join registry_packages rp on rp.ecosystem = p.ecosystem and rp.name = p.name";

/// The order that brings the entries of one (service, package, version) together, the first
/// lockfile by path first.
const BY_SERVICE: &str = "l.service_id, p.ecosystem, p.name, p.version, l.path";

/// Reads the uses in `scope` that match `filter`, in `order` (which must keep the entries of
/// one service's package version together), and merges a package version that several
/// lockfiles of one service hold (direct when any says so).
async fn uses(
    conn: &mut AnyConnection,
    scope: Scope,
    filter: &str,
    order: &str,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, Dependency)>> {
    merged(&use_rows(conn, scope, filter, order).await?, now)
}

async fn use_rows(
    conn: &mut AnyConnection,
    scope: Scope,
    filter: &str,
    order: &str,
) -> Result<Vec<sqlx::any::AnyRow>> {
    let (clause, id) = scope.clause("l.service_id");
    let sql = format!("{USES} where {clause} and {filter} order by {order}");
    let mut q = sqlx::query(&sql);
    if let Some(id) = id {
        q = q.bind(id);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

fn merged(rows: &[sqlx::any::AnyRow], now: DateTime<Utc>) -> Result<Vec<(i64, Dependency)>> {
    let mut out: Vec<(i64, Dependency)> = Vec::with_capacity(rows.len());
    for r in rows {
        let service_id: i64 = r.try_get("service_id")?;
        let ecosystem: String = r.try_get("ecosystem")?;
        let name: String = r.try_get("name")?;
        let version: String = r.try_get("version")?;
        let direct = r.try_get::<Option<i64>, _>("direct")?.map(|d| d == 1);
        if let Some((sid, last)) = out.last_mut() {
            if *sid == service_id
                && last.ecosystem == ecosystem
                && last.name == name
                && last.version == version
            {
                last.direct = match (last.direct, direct) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (a, b) => a.or(b),
                };
                continue;
            }
        }
        let last_release_at: Option<String> = r.try_get("last_release_at")?;
        out.push((
            service_id,
            Dependency {
                state: r.try_get("state")?,
                libyear: r.try_get("libyear")?,
                pulse_days: pulse_days(last_release_at.as_deref(), now),
                majors_behind: r.try_get("majors")?,
                minors_behind: r.try_get("minors")?,
                patches_behind: r.try_get("patches")?,
                breaking: r.try_get::<i64, _>("breaking")? == 1,
                yanked: r.try_get::<i64, _>("yanked")? == 1,
                registry_answered_at: r.try_get("fetched_at")?,
                registry_error: r.try_get("error")?,
                advisories: Vec::new(),
                lockfile: r.try_get("path")?,
                latest: r.try_get("latest")?,
                released_at: r.try_get("released_at")?,
                latest_at: r.try_get("latest_at")?,
                ecosystem,
                name,
                version,
                direct,
            },
        ));
    }
    Ok(out)
}

/// Puts each dependency's advisories on it (by version, 300 to a query).
async fn attach(conn: &mut AnyConnection, deps: &mut [(i64, Dependency)]) -> Result<()> {
    if deps.is_empty() {
        return Ok(());
    }
    let mut versions: Vec<super::vulns::Version> = deps
        .iter()
        .map(|(_, d)| (d.ecosystem.clone(), d.name.clone(), d.version.clone()))
        .collect();
    versions.sort();
    versions.dedup();
    let found = super::vulns::advisories(conn, &versions).await?;
    for (_, d) in deps.iter_mut() {
        let key = (d.ecosystem.clone(), d.name.clone(), d.version.clone());
        if let Some(list) = found.get(&key) {
            d.advisories = list.clone();
        }
    }
    Ok(())
}

/// Each service's summary, added up by the database from the stored figures. A package
/// version that several lockfiles of one service hold counts once (direct when any says so);
/// a service with one lockfile, the common case, skips that grouping.
async fn summaries(conn: &mut AnyConnection, scope: Scope) -> Result<Vec<(i64, FreshnessSummary)>> {
    let (clause, id) = scope.clause("l.service_id");
    let others = "select 1 from lockfiles o where o.service_id = l.service_id and o.id <> l.id";
    let sql = format!(
        "select u.service_id, count(*) as packages, \
         cast(sum(case when u.direct = 1 then 1 else 0 end) as bigint) as direct, \
         cast(sum(case when u.state = 'outdated' then 1 else 0 end) as bigint) as outdated, \
         cast(sum(case when u.direct = 1 and u.breaking = 1 then 1 else 0 end) as bigint) \
         as breaking, cast(sum(u.yanked) as bigint) as yanked, \
         cast(sum(case when u.state = 'missing' then 1 else 0 end) as bigint) as missing, \
         cast(sum(case when u.state = 'unknown' then 1 else 0 end) as bigint) as unknown, \
         sum(coalesce(u.libyear, 0.0)) as libyear, \
         sum(case when u.direct = 1 then coalesce(u.libyear, 0.0) else 0.0 end) \
         as libyear_direct, \
         cast(sum(case when u.vulnerable > 0 then 1 else 0 end) as bigint) as vulnerable, \
         cast(sum(case when u.unmaintained > 0 then 1 else 0 end) as bigint) as unmaintained \
         from (select l.service_id, p.direct, p.state, p.breaking, p.yanked, p.libyear, \
         p.vulnerable, p.unmaintained \
         from lockfile_packages p join lockfiles l on l.id = p.lockfile_id \
         where {clause} and not exists ({others}) \
         union all \
         select l.service_id, max(p.direct) as direct, max(p.state) as state, \
         max(p.breaking) as breaking, max(p.yanked) as yanked, max(p.libyear) as libyear, \
         max(p.vulnerable) as vulnerable, max(p.unmaintained) as unmaintained \
         from lockfile_packages p join lockfiles l on l.id = p.lockfile_id \
         where {clause} and exists ({others}) \
         group by l.service_id, p.ecosystem, p.name, p.version) u \
         group by u.service_id order by u.service_id"
    );
    let mut q = sqlx::query(&sql);
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("service_id")?, summary_of(r)?)))
        .collect()
}

/// A summary as the database added it up (columns named as its fields).
fn summary_of(r: &sqlx::any::AnyRow) -> Result<FreshnessSummary> {
    Ok(FreshnessSummary {
        packages: r.try_get("packages")?,
        direct: r.try_get("direct")?,
        outdated: r.try_get("outdated")?,
        breaking: r.try_get("breaking")?,
        yanked: r.try_get("yanked")?,
        missing: r.try_get("missing")?,
        unknown: r.try_get("unknown")?,
        libyear: r.try_get("libyear")?,
        libyear_direct: r.try_get("libyear_direct")?,
        vulnerable: r.try_get("vulnerable")?,
        unmaintained: r.try_get("unmaintained")?,
    })
}

/// Adds one dependency to a summary.
pub fn count(s: &mut FreshnessSummary, d: &Dependency) {
    let direct = d.direct == Some(true);
    s.packages += 1;
    s.direct += i64::from(direct);
    match d.state.as_str() {
        "outdated" => s.outdated += 1,
        "missing" => s.missing += 1,
        "unknown" => s.unknown += 1,
        _ => {}
    }
    s.breaking += i64::from(direct && d.breaking);
    s.yanked += i64::from(d.yanked);
    s.vulnerable += i64::from(d.advisories.iter().any(|a| a.informational.is_none()));
    s.unmaintained += i64::from(
        d.advisories
            .iter()
            .any(|a| a.informational.as_deref() == Some("unmaintained")),
    );
    let years = d.libyear.unwrap_or(0.0);
    s.libyear += years;
    if direct {
        s.libyear_direct += years;
    }
}

/// Adds one summary to another.
fn add(total: &mut FreshnessSummary, s: &FreshnessSummary) {
    total.packages += s.packages;
    total.direct += s.direct;
    total.outdated += s.outdated;
    total.breaking += s.breaking;
    total.yanked += s.yanked;
    total.missing += s.missing;
    total.unknown += s.unknown;
    total.libyear += s.libyear;
    total.libyear_direct += s.libyear_direct;
    total.vulnerable += s.vulnerable;
    total.unmaintained += s.unmaintained;
}

/// Figures kept to two decimals, so that sums read the same on both databases.
fn rounded(mut s: FreshnessSummary) -> FreshnessSummary {
    s.libyear = (s.libyear * 100.0).round() / 100.0;
    s.libyear_direct = (s.libyear_direct * 100.0).round() / 100.0;
    s
}

/// A service's lockfiles and every package they resolve, by ecosystem and name, with their
/// figures, the service's summary and its daily trend.
pub async fn dependencies(store: &Store, slug: &str) -> Result<Dependencies> {
    let mut conn = store.pool.acquire().await?;
    let id = services::id_by_slug(&mut conn, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    let lockfiles = sqlx::query(&format!(
        "{LOCKFILES} where l.service_id = $1 order by l.path"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(lockfile)
    .collect::<Result<Vec<_>>>()?;
    let mut all = uses(
        &mut conn,
        Scope::Service(id),
        "1 = 1",
        BY_SERVICE,
        Utc::now(),
    )
    .await?;
    attach(&mut conn, &mut all).await?;
    let items: Vec<Dependency> = all.into_iter().map(|(_, d)| d).collect();
    let mut summary = FreshnessSummary::default();
    for d in &items {
        count(&mut summary, d);
    }
    let data_as_of = items
        .iter()
        .filter_map(|d| d.registry_answered_at.clone())
        .min();
    Ok(Dependencies {
        lockfiles,
        summary: rounded(summary),
        data_as_of,
        items,
        trend: trend_of(&mut conn, Scope::Service(id)).await?,
    })
}

/// Computes the figures of uses not figured yet, then adds up every service's figures and
/// keeps them as today's point of its trend. Returns the versions figured and the services
/// counted.
pub async fn recompute(store: &Store, now: DateTime<Utc>) -> Result<(u64, i64)> {
    let figured = refigure_unfigured(store).await?;
    let mut conn = store.pool.acquire().await?;
    let per = summaries(&mut conn, Scope::All).await?;
    drop(conn);
    let day = now.format("%Y-%m-%d").to_string();
    let at = super::jobs::text(now);
    let mut tx = store.begin().await?;
    for chunk in per.chunks(50) {
        let mut text = String::from(
            "insert into dependency_days (service_id, day, computed_at, packages, direct, \
             outdated, breaking, yanked, missing, unknown, libyear, libyear_direct, vulnerable, \
             unmaintained) values ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                text.push_str(", ");
            }
            let row: Vec<String> = (1..=14).map(|k| format!("${}", i * 14 + k)).collect();
            text.push_str(&format!("({})", row.join(", ")));
        }
        text.push_str(
            " on conflict (service_id, day) do update set packages = excluded.packages, \
             direct = excluded.direct, outdated = excluded.outdated, \
             breaking = excluded.breaking, yanked = excluded.yanked, \
             missing = excluded.missing, unknown = excluded.unknown, \
             libyear = excluded.libyear, libyear_direct = excluded.libyear_direct, \
             vulnerable = excluded.vulnerable, unmaintained = excluded.unmaintained, \
             computed_at = excluded.computed_at",
        );
        let mut q = sqlx::query(&text);
        for (sid, s) in chunk {
            let s = rounded(s.clone());
            q = q
                .bind(*sid)
                .bind(&day)
                .bind(&at)
                .bind(s.packages)
                .bind(s.direct)
                .bind(s.outdated)
                .bind(s.breaking)
                .bind(s.yanked)
                .bind(s.missing)
                .bind(s.unknown)
                .bind(s.libyear)
                .bind(s.libyear_direct)
                .bind(s.vulnerable)
                .bind(s.unmaintained);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok((figured, per.len() as i64))
}

/// What the dependency rules read of each service with lockfiles (of `ids` only, when
/// given), from the stored figures.
pub async fn facts(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    ids: Option<&[i64]>,
) -> Result<std::collections::HashMap<i64, DepsFacts>> {
    let mut synced: std::collections::HashMap<i64, String> = Default::default();
    for r in
        sqlx::query("select service_id, max(received_at) as at from lockfiles group by service_id")
            .fetch_all(&mut *conn)
            .await?
    {
        synced.insert(r.try_get("service_id")?, r.try_get("at")?);
    }
    let mut out: std::collections::HashMap<i64, DepsFacts> = Default::default();
    match ids {
        None => facts_in(conn, Scope::All, now, &synced, &mut out).await?,
        Some(ids) => {
            for id in ids {
                facts_in(conn, Scope::Service(*id), now, &synced, &mut out).await?;
            }
        }
    }
    Ok(out)
}

async fn facts_in(
    conn: &mut AnyConnection,
    scope: Scope,
    now: DateTime<Utc>,
    synced: &std::collections::HashMap<i64, String>,
    out: &mut std::collections::HashMap<i64, DepsFacts>,
) -> Result<()> {
    use crate::domain::checks::RunbookFacts;
    use crate::domain::deps::rules::{subject, BehindFacts, VulnerableFacts};
    for (sid, s) in summaries(conn, scope).await? {
        let Some(at) = synced.get(&sid) else {
            continue;
        };
        let synced_at = DateTime::parse_from_rfc3339(at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        out.insert(
            sid,
            DepsFacts {
                synced_at,
                synced_days: RunbookFacts::age_days(synced_at, now),
                packages: s.packages,
                pending: 0,
                osv_unchecked: 0,
                libyear_direct_centi: 0,
                breaking: Vec::new(),
                yanked: Vec::new(),
                pulse: Vec::new(),
                vulnerable: Vec::new(),
                unmaintained: Vec::new(),
            },
        );
    }
    let (clause, id) = scope.clause("l.service_id");
    // Versions whose package the registry has not answered for yet, and versions OSV has
    // not answered for (nor an archive matched), each counted once.
    let sql = format!(
        "select u.service_id, cast(sum(u.pending) as bigint) as pending, \
         cast(sum(u.unchecked) as bigint) as unchecked from (select distinct l.service_id, \
         p.ecosystem, p.name, p.version, \
         case when rp.fetched_at is null then 1 else 0 end as pending, \
         case when c.checked_at is null then 1 else 0 end as unchecked \
         from lockfile_packages p join lockfiles l on l.id = p.lockfile_id \
         left join registry_packages rp on rp.ecosystem = p.ecosystem and rp.name = p.name \
         left join osv_checks c on c.ecosystem = p.ecosystem and c.name = p.name \
         and c.version = p.version \
         where {clause} and (rp.fetched_at is null or c.checked_at is null)) u \
         group by u.service_id"
    );
    let mut q = sqlx::query(&sql);
    if let Some(id) = id {
        q = q.bind(id);
    }
    for r in q.fetch_all(&mut *conn).await? {
        if let Some(f) = out.get_mut(&r.try_get::<i64, _>("service_id")?) {
            f.pending = r.try_get("pending")?;
            f.osv_unchecked = r.try_get("unchecked")?;
        }
    }
    for (sid, d) in uses(conn, scope, "p.yanked = 1", BY_SERVICE, now).await? {
        if let Some(f) = out.get_mut(&sid) {
            f.yanked
                .push((subject(&d.ecosystem, &d.name), d.version.clone()));
        }
    }
    // Versions with advisories: few, read with them.
    let mut flagged = uses(
        conn,
        scope,
        "(p.vulnerable > 0 or p.unmaintained > 0)",
        BY_SERVICE,
        now,
    )
    .await?;
    attach(conn, &mut flagged).await?;
    for (sid, d) in flagged {
        let Some(f) = out.get_mut(&sid) else {
            continue;
        };
        let key = subject(&d.ecosystem, &d.name);
        let fixable: Vec<(String, String, String)> = d
            .advisories
            .iter()
            .filter(|a| a.informational.is_none())
            .filter_map(|a| {
                a.fixed
                    .clone()
                    .map(|fixed| (a.id.clone(), a.severity.clone(), fixed))
            })
            .collect();
        if !fixable.is_empty() {
            f.vulnerable.push(VulnerableFacts {
                subject: key.clone(),
                version: d.version.clone(),
                advisories: fixable,
            });
        }
        for a in &d.advisories {
            if a.informational.as_deref() == Some("unmaintained") {
                f.unmaintained
                    .push((key.clone(), d.version.clone(), a.id.clone()));
            }
        }
    }
    // Direct uses: merged, a version some lockfile says is direct is direct.
    for (sid, d) in uses(conn, scope, "p.direct = 1", BY_SERVICE, now).await? {
        let Some(f) = out.get_mut(&sid) else {
            continue;
        };
        let key = subject(&d.ecosystem, &d.name);
        f.libyear_direct_centi += (d.libyear.unwrap_or(0.0) * 100.0).round() as i64;
        if d.breaking {
            if let Some(latest) = &d.latest {
                f.breaking.push(BehindFacts {
                    subject: key.clone(),
                    version: d.version.clone(),
                    latest: latest.clone(),
                    majors: d.majors_behind,
                });
            }
        }
        if let Some(days) = d.pulse_days {
            f.pulse.push((key, days));
        }
    }
    Ok(())
}

/// Deletes trend points older than `before` (RFC 3339; its day counts).
pub async fn prune(store: &Store, before: &str) -> Result<u64> {
    let day = before.get(..10).unwrap_or(before);
    Ok(sqlx::query("delete from dependency_days where day < $1")
        .bind(day)
        .execute(&store.pool)
        .await?
        .rows_affected())
}

/// Whose figures a report covers.
#[derive(Debug, Clone, Copy)]
enum Scope {
    Service(i64),
    /// The services a team owns.
    Team(i64),
    All,
}

impl Scope {
    /// The condition on `column` (a service id), and its bind.
    fn clause(self, column: &str) -> (String, Option<i64>) {
        match self {
            Scope::Service(id) => (format!("{column} = $1"), Some(id)),
            Scope::Team(id) => (
                format!(
                    "{column} in (select o.service_id from service_owners o \
                     where o.team_id = $1)"
                ),
                Some(id),
            ),
            Scope::All => ("1 = 1".into(), None),
        }
    }
}

/// Days of trend a report shows.
const TREND_DAYS: i64 = 400;

async fn trend_of(conn: &mut AnyConnection, scope: Scope) -> Result<Vec<FreshnessDay>> {
    let (clause, id) = scope.clause("d.service_id");
    let since = (Utc::now() - chrono::Duration::days(TREND_DAYS))
        .format("%Y-%m-%d")
        .to_string();
    let sql = format!(
        "select d.day, cast(sum(d.packages) as bigint) as packages, \
         cast(sum(d.direct) as bigint) as direct, cast(sum(d.outdated) as bigint) as outdated, \
         cast(sum(d.breaking) as bigint) as breaking, cast(sum(d.yanked) as bigint) as yanked, \
         cast(sum(d.missing) as bigint) as missing, cast(sum(d.unknown) as bigint) as unknown, \
         sum(d.libyear) as libyear, sum(d.libyear_direct) as libyear_direct, \
         cast(sum(d.vulnerable) as bigint) as vulnerable, \
         cast(sum(d.unmaintained) as bigint) as unmaintained \
         from dependency_days d where {clause} and d.day >= ${} group by d.day order by d.day",
        if id.is_some() { 2 } else { 1 }
    );
    let mut q = sqlx::query(&sql);
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.bind(since)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok(FreshnessDay {
                day: r.try_get("day")?,
                summary: rounded(summary_of(r)?),
            })
        })
        .collect()
}

/// The services in scope, by id: slug and name.
async fn services_in(
    conn: &mut AnyConnection,
    scope: Scope,
) -> Result<std::collections::HashMap<i64, (String, String)>> {
    let (sql, id) = match scope {
        Scope::Team(id) => (
            "select s.id, s.slug, s.name from services s join service_owners o \
             on o.service_id = s.id where o.team_id = $1",
            Some(id),
        ),
        Scope::Service(id) => (
            "select s.id, s.slug, s.name from services s where s.id = $1",
            Some(id),
        ),
        Scope::All => ("select s.id, s.slug, s.name from services s", None),
    };
    let mut q = sqlx::query(sql);
    if let Some(id) = id {
        q = q.bind(id);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, (r.try_get("slug")?, r.try_get("name")?))))
        .collect()
}

/// Dependencies the report names at most, beyond the yanked ones.
const WORST: usize = 20;

/// The freshness of a team's services (`team`), or of the whole organisation.
pub async fn freshness(store: &Store, team: Option<&str>) -> Result<Freshness> {
    let mut conn = store.pool.acquire().await?;
    let scope = match team {
        Some(slug) => Scope::Team(
            super::teams::id_by_slug(&mut conn, slug)
                .await?
                .ok_or_else(|| Error::NotFound(format!("team '{slug}'")))?,
        ),
        None => Scope::All,
    };
    let names = services_in(&mut conn, scope).await?;
    let now = Utc::now();
    let mut summary = FreshnessSummary::default();
    let mut per: std::collections::BTreeMap<i64, FreshnessSummary> = Default::default();
    for (sid, s) in summaries(&mut conn, scope).await? {
        if names.contains_key(&sid) {
            add(&mut summary, &s);
            per.insert(sid, s);
        }
    }
    let mut yanked = uses(&mut conn, scope, "p.yanked = 1", BY_SERVICE, now).await?;
    // The most drifted: asked for more until WORST distinct ones are in (the entries of a
    // version several lockfiles hold merge into one).
    let mut limit = WORST * 2;
    let mut worst = loop {
        let order = format!("p.libyear desc, {BY_SERVICE} limit {limit}");
        let rows = use_rows(&mut conn, scope, "p.yanked = 0 and p.libyear > 0", &order).await?;
        let found = merged(&rows, now)?;
        if found.len() >= WORST || rows.len() < limit {
            break found;
        }
        limit *= 4;
    };
    yanked.retain(|(sid, _)| names.contains_key(sid));
    worst.retain(|(sid, _)| names.contains_key(sid));
    attach(&mut conn, &mut yanked).await?;
    attach(&mut conn, &mut worst).await?;
    worst.truncate(WORST);
    yanked.extend(worst);
    let slug = |id: &i64| names.get(id).map(|(s, _)| s.clone()).unwrap_or_default();
    let mut services: Vec<ServiceFreshness> = per
        .into_iter()
        .map(|(id, s)| ServiceFreshness {
            slug: slug(&id),
            name: names.get(&id).map(|(_, n)| n.clone()).unwrap_or_default(),
            summary: rounded(s),
        })
        .collect();
    services.sort_by(|a, b| {
        b.summary
            .libyear
            .total_cmp(&a.summary.libyear)
            .then_with(|| a.slug.cmp(&b.slug))
    });
    Ok(Freshness {
        summary: rounded(summary),
        services,
        worst: yanked
            .into_iter()
            .map(|(id, dependency)| ServiceDependency {
                service: slug(&id),
                dependency,
            })
            .collect(),
        trend: trend_of(&mut conn, scope).await?,
        registries: super::registry::status(store).await?,
    })
}

/// Every dependency of every service, by service slug, for export.
pub async fn export(store: &Store) -> Result<Vec<ServiceDependency>> {
    let mut conn = store.pool.acquire().await?;
    let names = services_in(&mut conn, Scope::All).await?;
    let mut all = uses(&mut conn, Scope::All, "1 = 1", BY_SERVICE, Utc::now()).await?;
    attach(&mut conn, &mut all).await?;
    let mut out: Vec<ServiceDependency> = all
        .into_iter()
        .filter_map(|(id, dependency)| {
            names.get(&id).map(|(slug, _)| ServiceDependency {
                service: slug.clone(),
                dependency,
            })
        })
        .collect();
    out.sort_by(|a, b| a.service.cmp(&b.service));
    Ok(out)
}

/// The export as CSV, one dependency use per line.
pub fn csv(rows: &[ServiceDependency]) -> String {
    use super::fixes::push_csv_row;
    let mut out = String::from(
        "service,ecosystem,package,version,direct,lockfile,state,latest,released_at,latest_at,\
         libyear,pulse_days,majors_behind,minors_behind,patches_behind,breaking,yanked,\
         registry_answered_at\n",
    );
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    for r in rows {
        let d = &r.dependency;
        let cells = [
            r.service.clone(),
            d.ecosystem.clone(),
            d.name.clone(),
            d.version.clone(),
            d.direct.map(|b| b.to_string()).unwrap_or_default(),
            d.lockfile.clone(),
            d.state.clone(),
            opt(&d.latest),
            opt(&d.released_at),
            opt(&d.latest_at),
            d.libyear.map(|y| format!("{y:.2}")).unwrap_or_default(),
            d.pulse_days.map(|p| p.to_string()).unwrap_or_default(),
            d.majors_behind.to_string(),
            d.minors_behind.to_string(),
            d.patches_behind.to_string(),
            d.breaking.to_string(),
            d.yanked.to_string(),
            opt(&d.registry_answered_at),
        ];
        push_csv_row(&mut out, &cells);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_repository() {
        assert_eq!(
            clean_path("./web/package-lock.json").expect("ok"),
            "web/package-lock.json"
        );
        assert_eq!(
            clean_path("\\svc\\Cargo.lock").expect("ok"),
            "svc/Cargo.lock"
        );
        for bad in [
            "",
            "../Cargo.lock",
            "a//Cargo.lock",
            "a/../../Cargo.lock",
            "a\u{7}/go.mod",
        ] {
            assert!(clean_path(bad).is_err(), "{bad:?}");
        }
        assert!(clean_path(&"a/".repeat(300)).is_err());
    }
}
