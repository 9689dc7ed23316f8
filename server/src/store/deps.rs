//! A service's lockfiles and the packages they resolve. A lockfile is parsed before anything
//! is written: one that does not parse, or of a format Steward does not read, is refused with
//! the file and line named, and the snapshot already held stays as it was.

use super::audit::{self, Actor};
use super::checks::findings::owners_of;
use super::{now, services, Store};
use crate::domain::authz::Action;
use crate::domain::deps::{self, Package};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use steward_app::api::deps::{Dependencies, Dependency, Lockfile, LockfileUpload};

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

/// A service's lockfiles and every package they resolve, by ecosystem and name.
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
    let items = sqlx::query(
        "select p.ecosystem, p.name, p.version, p.direct, l.path from lockfile_packages p \
         join lockfiles l on l.id = p.lockfile_id where l.service_id = $1 \
         order by p.ecosystem, p.name, p.version, l.path",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Dependency {
            ecosystem: r.try_get("ecosystem")?,
            name: r.try_get("name")?,
            version: r.try_get("version")?,
            direct: r.try_get::<Option<i64>, _>("direct")?.map(|d| d == 1),
            lockfile: r.try_get("path")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Dependencies { lockfiles, items })
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
