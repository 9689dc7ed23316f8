//! People: who can own, be on call and be reached.

use super::audit::{self, Actor};
use super::{like_pattern, now, Arg, Sql, Store};
use crate::domain::authz::Action;
use crate::domain::catalog::validate_person;
use crate::error::{Error, Result, ResultExt};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::{Page, Person, PersonInput, PersonTeam, SimpleQuery, TeamRole};

pub(crate) async fn id_by_handle(conn: &mut AnyConnection, handle: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("select id from people where handle = $1")
            .bind(handle)
            .fetch_optional(conn)
            .await?,
    )
}

async fn load(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Person>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "select id, handle, name, email, time_zone, github_login, (case when active then 1 else 0 end) as active, version, created_at, \
         updated_at from people where id in ",
    );
    sql.bind_list(ids);
    let mut by_id: HashMap<i64, Person> = HashMap::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        by_id.insert(
            r.try_get("id")?,
            Person {
                handle: r.try_get("handle")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                time_zone: r.try_get("time_zone")?,
                github_login: r.try_get("github_login")?,
                active: r.try_get::<i64, _>("active")? != 0,
                teams: Vec::new(),
                version: r.try_get("version")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            },
        );
    }
    let mut sql = Sql::new(
        "select m.person_id, t.slug, m.role from team_members m join teams t on t.id = m.team_id \
         where m.person_id in ",
    );
    sql.bind_list(ids).push(" order by t.slug");
    for r in sql.query().fetch_all(&mut *conn).await? {
        let person_id: i64 = r.try_get("person_id")?;
        let role: String = r.try_get("role")?;
        if let Some(p) = by_id.get_mut(&person_id) {
            p.teams.push(PersonTeam {
                team: r.try_get("slug")?,
                role: TeamRole::parse(&role).unwrap_or(TeamRole::Member),
            });
        }
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

pub async fn list(store: &Store, q: &SimpleQuery) -> Result<Page<Person>> {
    let (limit, offset) = super::services::page_bounds(q.limit, q.offset)?;
    let mut filter = Sql::new(" from people p where 1 = 1");
    if let Some(text) = q.q.as_deref().filter(|s| !s.is_empty()) {
        let pattern = like_pattern(text);
        filter.push(" and (lower(p.name) like ");
        filter.bind(Arg::Text(pattern.clone()));
        filter.push(" escape '\\' or p.handle like ");
        filter.bind(Arg::Text(pattern.clone()));
        filter.push(" escape '\\' or lower(coalesce(p.email, '')) like ");
        filter.bind(Arg::Text(pattern));
        filter.push(" escape '\\')");
    }
    if let Some(team) = q.team.as_deref().filter(|s| !s.is_empty()) {
        filter.push(
            " and exists (select 1 from team_members m join teams t on t.id = m.team_id \
             where m.person_id = p.id and t.slug = ",
        );
        filter.bind(Arg::Text(team.to_string()));
        filter.push(")");
    }
    let order = match q.sort.as_deref().unwrap_or("name") {
        "name" => "lower(p.name) asc, p.handle asc",
        "-name" => "lower(p.name) desc, p.handle desc",
        "handle" => "p.handle asc",
        "-handle" => "p.handle desc",
        other => {
            return Err(Error::BadRequest {
                message: format!("cannot sort people by '{other}'; use name or handle"),
                field: Some("sort".into()),
            })
        }
    };
    let mut conn = store.pool.acquire().await?;
    let total: i64 = filter
        .select("count(*)")
        .scalar()
        .fetch_one(&mut *conn)
        .await?;
    let mut page = filter.select("p.id");
    page.push(&format!(" order by {order} limit {limit} offset {offset}"));
    let ids: Vec<i64> = page.scalar().fetch_all(&mut *conn).await?;
    Ok(Page {
        items: load(&mut conn, &ids).await?,
        total,
        limit,
        offset,
    })
}

pub async fn get(store: &Store, handle: &str) -> Result<Person> {
    let mut conn = store.pool.acquire().await?;
    fetch(&mut conn, handle).await
}

/// The Person as the API returns it, read on `conn` (inside a transaction: its own view).
pub(crate) async fn fetch(conn: &mut AnyConnection, handle: &str) -> Result<Person> {
    let id = id_by_handle(&mut *conn, handle)
        .await?
        .ok_or_else(|| Error::NotFound(format!("person '{handle}'")))?;
    load(&mut *conn, &[id])
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("person '{handle}'")))
}

fn github_conflict(input: &PersonInput) -> Error {
    Error::conflict(
        "already_exists",
        Some("githubLogin"),
        format!(
            "GitHub login '{}' already belongs to someone else",
            input.github_login.as_deref().unwrap_or_default()
        ),
    )
}

/// Writes a validated person (insert when `id` is `None`); returns the id.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    id: Option<i64>,
    input: &PersonInput,
) -> Result<i64> {
    let errors = validate_person(input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors.0));
    }
    if let Some(login) = &input.github_login {
        let holder: Option<i64> =
            sqlx::query_scalar("select id from people where lower(github_login) = $1")
                .bind(login.to_lowercase())
                .fetch_optional(&mut *conn)
                .await?;
        if holder.is_some() && holder != id {
            return Err(github_conflict(input));
        }
    }
    let now = now();
    match id {
        None => sqlx::query_scalar(
            "insert into people (handle, name, email, time_zone, github_login, active, \
             created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7) returning id",
        )
        .bind(&input.handle)
        .bind(&input.name)
        .bind(&input.email)
        .bind(&input.time_zone)
        .bind(&input.github_login)
        .bind(input.active)
        .bind(&now)
        .fetch_one(&mut *conn)
        .await
        .on_unique_violation(|| {
            Error::conflict(
                "already_exists",
                Some("handle"),
                format!("a person '{}' already exists", input.handle),
            )
        }),
        Some(id) => {
            sqlx::query(
                "update people set name = $1, email = $2, time_zone = $3, github_login = $4, \
                 active = $5, updated_at = $6 where id = $7",
            )
            .bind(&input.name)
            .bind(&input.email)
            .bind(&input.time_zone)
            .bind(&input.github_login)
            .bind(input.active)
            .bind(&now)
            .bind(id)
            .execute(&mut *conn)
            .await
            .on_unique_violation(|| github_conflict(input))?;
            Ok(id)
        }
    }
}

pub async fn create(store: &Store, actor: &Actor, input: &PersonInput) -> Result<Person> {
    actor.authorize(&Action::Administer)?;
    let mut tx = store.begin().await?;
    if id_by_handle(&mut tx, &input.handle).await?.is_some() {
        return Err(Error::conflict(
            "already_exists",
            Some("handle"),
            format!("a person '{}' already exists", input.handle),
        ));
    }
    write(&mut tx, None, input).await?;
    let after = fetch(&mut tx, &input.handle).await?;
    audit::record(
        &mut tx,
        actor,
        "person.create",
        "person",
        &input.handle,
        None::<&Person>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn update(
    store: &Store,
    actor: &Actor,
    handle: &str,
    input: &PersonInput,
) -> Result<Person> {
    let mut tx = store.begin().await?;
    let id = id_by_handle(&mut tx, handle)
        .await?
        .ok_or_else(|| Error::NotFound(format!("person '{handle}'")))?;
    let before = fetch(&mut tx, handle).await?;
    actor.authorize(&Action::WritePerson { handle })?;
    let expected = super::check_put(input.version, &input.handle, handle, "handle")?;
    if !super::bump_version(&mut tx, "people", id, Some(expected)).await? {
        return Err(Error::stale_version(&format!("person '{handle}'")));
    }
    write(&mut tx, Some(id), input).await?;
    let after = fetch(&mut tx, handle).await?;
    audit::record(
        &mut tx,
        actor,
        "person.update",
        "person",
        handle,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a person and their team memberships.
pub async fn delete(store: &Store, actor: &Actor, handle: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    let before = fetch(&mut tx, handle).await?;
    actor.authorize(&Action::Administer)?;
    sqlx::query("delete from people where handle = $1")
        .bind(handle)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "person.delete",
        "person",
        handle,
        Some(&before),
        None::<&Person>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person with this GitHub login (case-insensitive), as `(id, handle)`.
pub async fn by_github_login(store: &Store, login: &str) -> Result<Option<(i64, String)>> {
    let row = sqlx::query("select id, handle from people where lower(github_login) = $1")
        .bind(login.to_lowercase())
        .fetch_optional(&store.pool)
        .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("handle")?)))
        .transpose()
}
