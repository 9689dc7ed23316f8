//! Teams and their members.

use super::audit::{self, Actor};
use super::{like_pattern, now, Arg, Sql, Store};
use crate::domain::authz::Action;
use crate::domain::catalog::validate_team;
use crate::error::{Error, Result, ResultExt};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::{FieldError, Member, Page, SimpleQuery, Team, TeamInput, TeamRole};

pub(crate) async fn id_by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("select id from teams where slug = $1")
        .bind(slug)
        .fetch_optional(conn)
        .await?)
}

/// Loads full teams (members, children) for the given ids, in the given order.
async fn load(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Team>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "select t.id, t.slug, t.name, p.slug as parent, t.description, t.chat_channel, t.email, \
         t.version, t.created_at, t.updated_at from teams t left join teams p on p.id = t.parent_id \
         where t.id in ",
    );
    sql.bind_list(ids);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut by_id: HashMap<i64, Team> = HashMap::new();
    for r in rows {
        by_id.insert(
            r.try_get("id")?,
            Team {
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                parent: r.try_get("parent")?,
                description: r.try_get("description")?,
                chat_channel: r.try_get("chat_channel")?,
                email: r.try_get("email")?,
                members: Vec::new(),
                children: Vec::new(),
                services: Vec::new(),
                version: r.try_get("version")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            },
        );
    }
    let mut sql = Sql::new(
        "select m.team_id, p.handle, p.name, m.role from team_members m \
         join people p on p.id = m.person_id where m.team_id in ",
    );
    sql.bind_list(ids).push(" order by m.role, p.name");
    for r in sql.query().fetch_all(&mut *conn).await? {
        let team_id: i64 = r.try_get("team_id")?;
        let role: String = r.try_get("role")?;
        if let Some(t) = by_id.get_mut(&team_id) {
            t.members.push(Member {
                person: r.try_get("handle")?,
                role: TeamRole::parse(&role).unwrap_or(TeamRole::Member),
                name: r.try_get("name")?,
            });
        }
    }
    let mut sql = Sql::new("select parent_id, slug from teams where parent_id in ");
    sql.bind_list(ids).push(" order by slug");
    for r in sql.query().fetch_all(&mut *conn).await? {
        let parent_id: i64 = r.try_get("parent_id")?;
        if let Some(t) = by_id.get_mut(&parent_id) {
            t.children.push(r.try_get("slug")?);
        }
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

pub async fn list(store: &Store, q: &SimpleQuery) -> Result<Page<Team>> {
    let (limit, offset) = super::services::page_bounds(q.limit, q.offset)?;
    let mut filter = Sql::new(" from teams t where 1 = 1");
    if let Some(text) = q.q.as_deref().filter(|s| !s.is_empty()) {
        let pattern = like_pattern(text);
        filter.push(" and (lower(t.name) like ");
        filter.bind(Arg::Text(pattern.clone()));
        filter.push(" escape '\\' or t.slug like ");
        filter.bind(Arg::Text(pattern));
        filter.push(" escape '\\')");
    }
    if let Some(parent) = q.team.as_deref().filter(|s| !s.is_empty()) {
        filter.push(" and t.parent_id = (select id from teams where slug = ");
        filter.bind(Arg::Text(parent.to_string()));
        filter.push(")");
    }
    let order = match q.sort.as_deref().unwrap_or("name") {
        "name" => "lower(t.name) asc, t.slug asc",
        "-name" => "lower(t.name) desc, t.slug desc",
        "slug" => "t.slug asc",
        "-slug" => "t.slug desc",
        other => {
            return Err(Error::BadRequest {
                message: format!("cannot sort teams by '{other}'; use name or slug"),
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
    let mut page = filter.select("t.id");
    page.push(&format!(" order by {order} limit {limit} offset {offset}"));
    let ids: Vec<i64> = page.scalar().fetch_all(&mut *conn).await?;
    Ok(Page {
        items: load(&mut conn, &ids).await?,
        total,
        limit,
        offset,
    })
}

pub async fn get(store: &Store, slug: &str) -> Result<Team> {
    let mut conn = store.pool.acquire().await?;
    fetch(&mut conn, slug).await
}

/// The Team as the API returns it, read on `conn` (inside a transaction: its own view).
pub(crate) async fn fetch(conn: &mut AnyConnection, slug: &str) -> Result<Team> {
    let id = id_by_slug(&mut *conn, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("team '{slug}'")))?;
    let mut team = load(&mut *conn, &[id])
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("team '{slug}'")))?;
    let service_ids: Vec<i64> = sqlx::query_scalar(
        "select o.service_id from service_owners o join services s on s.id = o.service_id \
         where o.team_id = $1 order by o.position, s.name",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    team.services = super::services::summaries(&mut *conn, &service_ids).await?;
    Ok(team)
}

/// Resolves the parent and members of `input` to ids, reporting unknown ones by field.
async fn resolve(
    conn: &mut AnyConnection,
    input: &TeamInput,
) -> Result<(Option<i64>, Vec<(i64, TeamRole)>)> {
    let mut errors = Vec::new();
    let parent = match &input.parent {
        Some(p) => {
            let id = id_by_slug(conn, p).await?;
            if id.is_none() {
                errors.push(FieldError {
                    field: "parent".into(),
                    message: format!("there is no team '{p}'"),
                });
            }
            id
        }
        None => None,
    };
    let mut members = Vec::new();
    for (i, m) in input.members.iter().enumerate() {
        match super::people::id_by_handle(conn, &m.person).await? {
            Some(id) => members.push((id, m.role)),
            None => errors.push(FieldError {
                field: format!("members.{i}.person"),
                message: format!("there is no person '{}'", m.person),
            }),
        }
    }
    if errors.is_empty() {
        Ok((parent, members))
    } else {
        Err(Error::Validation(errors))
    }
}

/// Writes a validated team: inserts it (`id == None`) or replaces the row with `id`.
/// Returns the team's id. Used by the API, the importer and the demo loader.
pub(crate) async fn write(
    conn: &mut AnyConnection,
    id: Option<i64>,
    input: &TeamInput,
) -> Result<i64> {
    let errors = validate_team(input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors.0));
    }
    let (parent_id, members) = resolve(conn, input).await?;
    let now = now();
    let id = match id {
        None => sqlx::query_scalar(
            "insert into teams (slug, name, parent_id, description, chat_channel, email, \
             created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7) returning id",
        )
        .bind(&input.slug)
        .bind(&input.name)
        .bind(parent_id)
        .bind(&input.description)
        .bind(&input.chat_channel)
        .bind(&input.email)
        .bind(&now)
        .fetch_one(&mut *conn)
        .await
        .on_unique_violation(|| {
            Error::conflict(
                "already_exists",
                Some("slug"),
                format!("a team '{}' already exists", input.slug),
            )
        })?,
        Some(id) => {
            sqlx::query(
                "update teams set name = $1, parent_id = $2, description = $3, chat_channel = $4, \
                 email = $5, updated_at = $6 where id = $7",
            )
            .bind(&input.name)
            .bind(parent_id)
            .bind(&input.description)
            .bind(&input.chat_channel)
            .bind(&input.email)
            .bind(&now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            sqlx::query("delete from team_members where team_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id
        }
    };
    if let Some(parent_id) = parent_id {
        if creates_parent_cycle(conn, id, parent_id).await? {
            return Err(Error::invalid(
                "parent",
                format!(
                    "'{}' is below this team; a team cannot be its own ancestor",
                    input.parent.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    for (person_id, role) in members {
        sqlx::query("insert into team_members (team_id, person_id, role) values ($1, $2, $3)")
            .bind(id)
            .bind(person_id)
            .bind(role.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

/// Team parents must form a tree: walking up from the new parent must not reach the team.
async fn creates_parent_cycle(conn: &mut AnyConnection, id: i64, parent_id: i64) -> Result<bool> {
    let mut cur = Some(parent_id);
    let mut steps = 0;
    while let Some(c) = cur {
        if c == id {
            return Ok(true);
        }
        steps += 1;
        if steps > 1000 {
            return Ok(true);
        }
        cur = sqlx::query_scalar::<_, Option<i64>>("select parent_id from teams where id = $1")
            .bind(c)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    }
    Ok(false)
}

pub async fn create(store: &Store, actor: &Actor, input: &TeamInput) -> Result<Team> {
    actor.authorize(&Action::CreateTeam {
        parent: input.parent.as_deref(),
    })?;
    let mut tx = store.begin().await?;
    if id_by_slug(&mut tx, &input.slug).await?.is_some() {
        return Err(Error::conflict(
            "already_exists",
            Some("slug"),
            format!("a team '{}' already exists", input.slug),
        ));
    }
    write(&mut tx, None, input).await?;
    let after = fetch(&mut tx, &input.slug).await?;
    audit::record(
        &mut tx,
        actor,
        "team.create",
        "team",
        &input.slug,
        None::<&Team>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn update(store: &Store, actor: &Actor, slug: &str, input: &TeamInput) -> Result<Team> {
    let mut tx = store.begin().await?;
    let id = id_by_slug(&mut tx, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("team '{slug}'")))?;
    let before = fetch(&mut tx, slug).await?;
    actor.authorize(&Action::WriteTeam { slug })?;
    if input.parent != before.parent {
        // Moving a team is also creating it under its new parent.
        actor.authorize(&Action::CreateTeam {
            parent: input.parent.as_deref(),
        })?;
    }
    let expected = super::check_put(input.version, &input.slug, slug, "slug")?;
    if !super::bump_version(&mut tx, "teams", id, Some(expected)).await? {
        return Err(Error::stale_version(&format!("team '{slug}'")));
    }
    write(&mut tx, Some(id), input).await?;
    let after = fetch(&mut tx, slug).await?;
    audit::record(
        &mut tx,
        actor,
        "team.update",
        "team",
        slug,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(store: &Store, actor: &Actor, slug: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    let id = id_by_slug(&mut tx, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("team '{slug}'")))?;
    let before = fetch(&mut tx, slug).await?;
    actor.authorize(&Action::WriteTeam { slug })?;
    let owned: Vec<String> = sqlx::query_scalar(
        "select s.slug from service_owners o join services s on s.id = o.service_id \
         where o.team_id = $1 order by s.slug",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    if !owned.is_empty() {
        return Err(Error::conflict(
            "in_use",
            None,
            format!(
                "team '{slug}' still owns {}: {}",
                owned.len(),
                owned.join(", ")
            ),
        ));
    }
    let children: Vec<String> =
        sqlx::query_scalar("select slug from teams where parent_id = $1 order by slug")
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
    if !children.is_empty() {
        return Err(Error::conflict(
            "in_use",
            None,
            format!("team '{slug}' is the parent of {}", children.join(", ")),
        ));
    }
    sqlx::query("delete from teams where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "team.delete",
        "team",
        slug,
        Some(&before),
        None::<&Team>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
