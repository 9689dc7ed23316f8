//! Services: owners, tags, links, dependencies in both directions.

use super::audit::{self, Actor};
use super::{like_pattern, now, Arg, Sql, Store};
use crate::domain::authz::Action;
use crate::domain::catalog::validate_service;
use crate::domain::graph::shortest_cycle;
use crate::error::{Error, Result, ResultExt};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};
use steward_app::api::{
    FieldError, Lifecycle, OwnerRef, Page, Service, ServiceInput, ServiceKind, ServiceListItem,
    ServiceQuery, ServiceSummary,
};

/// Validates `limit` (1–500, default 50) and `offset` (≥ 0).
pub(crate) fn page_bounds(limit: Option<i64>, offset: Option<i64>) -> Result<(i64, i64)> {
    let limit = limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Error::BadRequest {
            message: "limit must be between 1 and 500".into(),
            field: Some("limit".into()),
        });
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(Error::BadRequest {
            message: "offset must not be negative".into(),
            field: Some("offset".into()),
        });
    }
    Ok((limit, offset))
}

pub(crate) async fn id_by_slug(conn: &mut AnyConnection, slug: &str) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("select id from services where slug = $1")
            .bind(slug)
            .fetch_optional(conn)
            .await?,
    )
}

fn lifecycle(r: &AnyRow) -> Result<Lifecycle> {
    let s: String = r.try_get("lifecycle")?;
    Lifecycle::parse(&s).ok_or_else(|| anyhow::anyhow!("stored lifecycle '{s}' is unknown").into())
}

fn kind(r: &AnyRow) -> Result<ServiceKind> {
    let s: String = r.try_get("kind")?;
    ServiceKind::parse(&s).ok_or_else(|| anyhow::anyhow!("stored kind '{s}' is unknown").into())
}

/// Owning teams (slug, name) of each service, primary first.
async fn owners_of(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<(String, String)>>> {
    let mut out: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(
        "select o.service_id, t.slug, t.name from service_owners o join teams t on t.id = o.team_id \
         where o.service_id in ",
    );
    sql.bind_list(ids)
        .push(" order by o.service_id, o.position");
    for r in sql.query().fetch_all(conn).await? {
        out.entry(r.try_get("service_id")?)
            .or_default()
            .push((r.try_get("slug")?, r.try_get("name")?));
    }
    Ok(out)
}

async fn tags_of(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new("select service_id, tag from service_tags where service_id in ");
    sql.bind_list(ids).push(" order by service_id, tag");
    for r in sql.query().fetch_all(conn).await? {
        out.entry(r.try_get("service_id")?)
            .or_default()
            .push(r.try_get("tag")?);
    }
    Ok(out)
}

/// Short descriptions of the services with `ids`, in that order.
pub(crate) async fn summaries(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<ServiceSummary>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql =
        Sql::new("select id, slug, name, tier, lifecycle, kind from services where id in ");
    sql.bind_list(ids);
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut owners = owners_of(conn, ids).await?;
    let mut by_id = HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        by_id.insert(
            id,
            ServiceSummary {
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                tier: r.try_get("tier")?,
                lifecycle: lifecycle(&r)?,
                kind: kind(&r)?,
                owners: owners
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(slug, _)| slug)
                    .collect(),
            },
        );
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

fn order_by(sort: Option<&str>) -> Result<&'static str> {
    Ok(match sort.unwrap_or("name") {
        "name" => "lower(s.name) asc, s.slug asc",
        "-name" => "lower(s.name) desc, s.slug desc",
        "slug" => "s.slug asc",
        "-slug" => "s.slug desc",
        "tier" => "s.tier asc, lower(s.name) asc, s.slug asc",
        "-tier" => "s.tier desc, lower(s.name) asc, s.slug asc",
        "lifecycle" => "s.lifecycle asc, lower(s.name) asc, s.slug asc",
        "-lifecycle" => "s.lifecycle desc, lower(s.name) asc, s.slug asc",
        "kind" => "s.kind asc, lower(s.name) asc, s.slug asc",
        "-kind" => "s.kind desc, lower(s.name) asc, s.slug asc",
        "updatedAt" => "s.updated_at asc, s.slug asc",
        "-updatedAt" => "s.updated_at desc, s.slug asc",
        other => {
            return Err(Error::BadRequest {
                message: format!(
                    "cannot sort services by '{other}'; use name, slug, tier, lifecycle, kind or updatedAt (prefix - for descending)"
                ),
                field: Some("sort".into()),
            })
        }
    })
}

fn filter(q: &ServiceQuery) -> Result<Sql> {
    let mut f = Sql::new(" from services s where 1 = 1");
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = like_pattern(text);
        f.push(" and (lower(s.name) like ")
            .bind(Arg::Text(pattern.clone()));
        f.push(" escape '\\' or s.slug like ")
            .bind(Arg::Text(pattern.clone()));
        f.push(" escape '\\' or lower(coalesce(s.description, '')) like ")
            .bind(Arg::Text(pattern));
        f.push(" escape '\\')");
    }
    if let Some(owner) = q.owner.as_deref().filter(|s| !s.is_empty()) {
        // `in (…)` rather than a correlated `exists`: the planner drives it from the index on
        // the owning team instead of probing once per service.
        f.push(
            " and s.id in (select o.service_id from service_owners o \
             where o.team_id = (select t.id from teams t where t.slug = ",
        )
        .bind(Arg::Text(owner.to_string()))
        .push("))");
    }
    if let Some(tier) = q.tier {
        if !(1..=4).contains(&tier) {
            return Err(Error::BadRequest {
                message: "tier must be 1, 2, 3 or 4".into(),
                field: Some("tier".into()),
            });
        }
        f.push(" and s.tier = ").bind(Arg::Int(tier));
    }
    if let Some(l) = q.lifecycle.as_deref().filter(|s| !s.is_empty()) {
        let l = Lifecycle::parse(l).ok_or_else(|| Error::BadRequest {
            message: format!("unknown lifecycle '{l}'; use experimental, production or deprecated"),
            field: Some("lifecycle".into()),
        })?;
        f.push(" and s.lifecycle = ")
            .bind(Arg::Text(l.as_str().into()));
    }
    if let Some(k) = q.kind.as_deref().filter(|s| !s.is_empty()) {
        let k = ServiceKind::parse(k).ok_or_else(|| Error::BadRequest {
            message: format!("unknown kind '{k}'; use service, website, library or job"),
            field: Some("kind".into()),
        })?;
        f.push(" and s.kind = ").bind(Arg::Text(k.as_str().into()));
    }
    if let Some(tag) = q.tag.as_deref().filter(|s| !s.is_empty()) {
        f.push(" and s.id in (select g.service_id from service_tags g where g.tag = ")
            .bind(Arg::Text(tag.to_string()))
            .push(")");
    }
    Ok(f)
}

pub async fn list(store: &Store, q: &ServiceQuery) -> Result<Page<ServiceListItem>> {
    let (limit, offset) = page_bounds(q.limit, q.offset)?;
    let order = order_by(q.sort.as_deref())?;
    let f = filter(q)?;
    let mut conn = store.pool.acquire().await?;
    let total: i64 = f.select("count(*)").scalar().fetch_one(&mut *conn).await?;
    let mut page = f.select(
        "s.id, s.slug, s.name, s.description, s.tier, s.lifecycle, s.kind, s.system, \
         s.version, s.updated_at",
    );
    page.push(&format!(" order by {order} limit {limit} offset {offset}"));
    let rows = page.query().fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut owners = owners_of(&mut conn, &ids).await?;
    let mut tags = tags_of(&mut conn, &ids).await?;
    let mut items = Vec::with_capacity(rows.len());
    for (r, id) in rows.iter().zip(&ids) {
        items.push(ServiceListItem {
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            owners: owners
                .remove(id)
                .unwrap_or_default()
                .into_iter()
                .map(|(slug, _)| slug)
                .collect(),
            tier: r.try_get("tier")?,
            lifecycle: lifecycle(r)?,
            kind: kind(r)?,
            system: r.try_get("system")?,
            tags: tags.remove(id).unwrap_or_default(),
            version: r.try_get("version")?,
            updated_at: r.try_get("updated_at")?,
        });
    }
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

/// Direct dependencies (`forward`) or dependents of the given services.
async fn edges(
    conn: &mut AnyConnection,
    ids: &[i64],
    forward: bool,
) -> Result<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let (from, to) = if forward {
        ("service_id", "depends_on_id")
    } else {
        ("depends_on_id", "service_id")
    };
    let mut sql = Sql::new(&format!(
        "select d.{from} as a, d.{to} as b from service_dependencies d \
         join services s on s.id = d.{to} where d.{from} in "
    ));
    sql.bind_list(ids).push(" order by lower(s.name), s.slug");
    for r in sql.query().fetch_all(conn).await? {
        out.entry(r.try_get("a")?)
            .or_default()
            .push(r.try_get("b")?);
    }
    Ok(out)
}

pub async fn get(store: &Store, slug: &str) -> Result<Service> {
    let mut conn = store.pool.acquire().await?;
    fetch(&mut conn, slug).await
}

/// The Service as the API returns it, read on `conn` (inside a transaction: its own view).
pub(crate) async fn fetch(conn: &mut AnyConnection, slug: &str) -> Result<Service> {
    let row = sqlx::query(
        "select id, slug, name, description, tier, lifecycle, kind, system, repository, links, \
         annotations, version, created_at, updated_at from services where slug = $1",
    )
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    let id: i64 = row.try_get("id")?;
    let owners = owners_of(&mut *conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let tags = tags_of(&mut *conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let depends_on = edges(&mut *conn, &[id], true)
        .await?
        .remove(&id)
        .unwrap_or_default();
    let depended_on_by = edges(&mut *conn, &[id], false)
        .await?
        .remove(&id)
        .unwrap_or_default();
    let cycle = find_cycle(&mut *conn, id).await?;
    let links: String = row.try_get("links")?;
    let annotations: String = row.try_get("annotations")?;
    Ok(Service {
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        owners: owners
            .into_iter()
            .enumerate()
            .map(|(i, (slug, name))| OwnerRef {
                slug,
                name,
                primary: i == 0,
            })
            .collect(),
        tier: row.try_get("tier")?,
        lifecycle: lifecycle(&row)?,
        kind: kind(&row)?,
        system: row.try_get("system")?,
        repository: row.try_get("repository")?,
        links: serde_json::from_str(&links).map_err(anyhow::Error::from)?,
        tags,
        annotations: serde_json::from_str(&annotations).map_err(anyhow::Error::from)?,
        depends_on: summaries(&mut *conn, &depends_on).await?,
        depended_on_by: summaries(&mut *conn, &depended_on_by).await?,
        dependency_cycle: cycle,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The shortest dependency cycle through service `id`, as slugs.
async fn find_cycle(conn: &mut AnyConnection, id: i64) -> Result<Option<Vec<String>>> {
    // Load the part of the graph reachable from `id`, one breadth-first layer per query.
    let mut graph: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut seen = HashSet::from([id]);
    let mut frontier = vec![id];
    while !frontier.is_empty() {
        let layer = edges(conn, &frontier, true).await?;
        frontier = layer
            .values()
            .flatten()
            .copied()
            .filter(|t| seen.insert(*t))
            .collect();
        graph.extend(layer);
    }
    let Some(path) = shortest_cycle(&id, &graph) else {
        return Ok(None);
    };
    let mut sql = Sql::new("select id, slug from services where id in ");
    sql.bind_list(&path);
    let mut slugs = HashMap::new();
    for r in sql.query().fetch_all(conn).await? {
        slugs.insert(r.try_get::<i64, _>("id")?, r.try_get::<String, _>("slug")?);
    }
    Ok(Some(
        path.iter().filter_map(|i| slugs.get(i).cloned()).collect(),
    ))
}

/// Resolves owner and dependency slugs to ids; unknown ones are field errors.
async fn resolve(conn: &mut AnyConnection, input: &ServiceInput) -> Result<(Vec<i64>, Vec<i64>)> {
    let mut errors = Vec::new();
    let mut owners = Vec::new();
    for (i, o) in input.owners.iter().enumerate() {
        match super::teams::id_by_slug(conn, o).await? {
            Some(id) => owners.push(id),
            None => errors.push(FieldError {
                field: format!("owners.{i}"),
                message: format!("there is no team '{o}'"),
            }),
        }
    }
    let mut deps = Vec::new();
    for (i, d) in input.depends_on.iter().enumerate() {
        match id_by_slug(conn, d).await? {
            Some(id) => deps.push(id),
            None => errors.push(FieldError {
                field: format!("dependsOn.{i}"),
                message: format!("there is no service '{d}'"),
            }),
        }
    }
    if errors.is_empty() {
        Ok((owners, deps))
    } else {
        Err(Error::Validation(errors))
    }
}

/// Writes the service's own row (insert when `id` is `None`) without its relations.
/// `extra` holds Backstage fields Steward does not model, kept for export.
pub(crate) async fn write_row(
    conn: &mut AnyConnection,
    id: Option<i64>,
    input: &ServiceInput,
    extra: &str,
) -> Result<i64> {
    let errors = validate_service(input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors.0));
    }
    let links = serde_json::to_string(&input.links).map_err(anyhow::Error::from)?;
    let annotations = serde_json::to_string(&input.annotations).map_err(anyhow::Error::from)?;
    let now = now();
    match id {
        None => sqlx::query_scalar(
            "insert into services (slug, name, description, tier, lifecycle, kind, system, \
             repository, links, annotations, extra, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) returning id",
        )
        .bind(&input.slug)
        .bind(&input.name)
        .bind(&input.description)
        .bind(input.tier)
        .bind(input.lifecycle.as_str())
        .bind(input.kind.as_str())
        .bind(&input.system)
        .bind(&input.repository)
        .bind(&links)
        .bind(&annotations)
        .bind(extra)
        .bind(&now)
        .fetch_one(&mut *conn)
        .await
        .on_unique_violation(|| {
            Error::conflict(
                "already_exists",
                Some("slug"),
                format!("a service '{}' already exists", input.slug),
            )
        }),
        Some(id) => {
            sqlx::query(
                "update services set name = $1, description = $2, tier = $3, lifecycle = $4, \
                 kind = $5, system = $6, repository = $7, links = $8, annotations = $9, \
                 extra = $10, updated_at = $11 where id = $12",
            )
            .bind(&input.name)
            .bind(&input.description)
            .bind(input.tier)
            .bind(input.lifecycle.as_str())
            .bind(input.kind.as_str())
            .bind(&input.system)
            .bind(&input.repository)
            .bind(&links)
            .bind(&annotations)
            .bind(extra)
            .bind(&now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
            Ok(id)
        }
    }
}

/// Replaces the owners, tags and dependencies of service `id`; the services and teams they
/// name must exist (the importer writes every row first, then the relations).
pub(crate) async fn write_relations(
    conn: &mut AnyConnection,
    id: i64,
    input: &ServiceInput,
) -> Result<()> {
    let (owners, deps) = resolve(conn, input).await?;
    insert_relations(conn, id, input, &owners, &deps).await
}

/// Validates a service's own fields and resolves its references, reporting every problem
/// of both kinds at once (so a form shows them all); returns the owner and dependency ids.
async fn check(conn: &mut AnyConnection, input: &ServiceInput) -> Result<(Vec<i64>, Vec<i64>)> {
    let mut errors = validate_service(input).0;
    let resolved = match resolve(conn, input).await {
        Ok(ids) => Some(ids),
        Err(Error::Validation(mut more)) => {
            errors.append(&mut more);
            None
        }
        Err(other) => return Err(other),
    };
    match resolved {
        Some(ids) if errors.is_empty() => Ok(ids),
        _ => Err(Error::Validation(errors)),
    }
}

/// Replaces the owners, tags and dependencies of service `id` with resolved ids.
async fn insert_relations(
    conn: &mut AnyConnection,
    id: i64,
    input: &ServiceInput,
    owners: &[i64],
    deps: &[i64],
) -> Result<()> {
    for table in ["service_owners", "service_tags", "service_dependencies"] {
        sqlx::query(&format!("delete from {table} where service_id = $1"))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    for (position, team_id) in owners.iter().enumerate() {
        sqlx::query(
            "insert into service_owners (service_id, team_id, position) values ($1, $2, $3)",
        )
        .bind(id)
        .bind(*team_id)
        .bind(position as i64)
        .execute(&mut *conn)
        .await?;
    }
    for tag in &input.tags {
        sqlx::query("insert into service_tags (service_id, tag) values ($1, $2)")
            .bind(id)
            .bind(tag)
            .execute(&mut *conn)
            .await?;
    }
    for dep in deps.iter().copied() {
        sqlx::query("insert into service_dependencies (service_id, depends_on_id) values ($1, $2)")
            .bind(id)
            .bind(dep)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn extra_of(conn: &mut AnyConnection, id: i64) -> Result<String> {
    Ok(
        sqlx::query_scalar("select extra from services where id = $1")
            .bind(id)
            .fetch_one(conn)
            .await?,
    )
}

/// The owners of a service as slugs, for the authorization check.
pub(crate) fn owner_slugs(service: &Service) -> Vec<String> {
    service.owners.iter().map(|o| o.slug.clone()).collect()
}

pub async fn create(store: &Store, actor: &Actor, input: &ServiceInput) -> Result<Service> {
    actor.authorize(&Action::WriteService {
        owners: &input.owners,
    })?;
    let mut tx = store.begin().await?;
    if id_by_slug(&mut tx, &input.slug).await?.is_some() {
        return Err(Error::conflict(
            "already_exists",
            Some("slug"),
            format!("a service '{}' already exists", input.slug),
        ));
    }
    let (owners, deps) = check(&mut tx, input).await?;
    let id = write_row(&mut tx, None, input, "{}").await?;
    insert_relations(&mut tx, id, input, &owners, &deps).await?;
    let after = fetch(&mut tx, &input.slug).await?;
    audit::record(
        &mut tx,
        actor,
        "service.create",
        "service",
        &input.slug,
        None::<&Service>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn update(
    store: &Store,
    actor: &Actor,
    slug: &str,
    input: &ServiceInput,
) -> Result<Service> {
    let mut tx = store.begin().await?;
    let id = id_by_slug(&mut tx, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    let before = fetch(&mut tx, slug).await?;
    actor.authorize(&Action::WriteService {
        owners: &owner_slugs(&before),
    })?;
    actor.authorize(&Action::WriteService {
        owners: &input.owners,
    })?;
    let expected = super::check_put(input.version, &input.slug, slug, "slug")?;
    let (owners, deps) = check(&mut tx, input).await?;
    if !super::bump_version(&mut tx, "services", id, Some(expected)).await? {
        return Err(Error::stale_version(&format!("service '{slug}'")));
    }
    let extra = extra_of(&mut tx, id).await?;
    write_row(&mut tx, Some(id), input, &extra).await?;
    insert_relations(&mut tx, id, input, &owners, &deps).await?;
    let after = fetch(&mut tx, slug).await?;
    audit::record(
        &mut tx,
        actor,
        "service.update",
        "service",
        slug,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a service nothing depends on.
pub async fn delete(store: &Store, actor: &Actor, slug: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    let id = id_by_slug(&mut tx, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    let before = fetch(&mut tx, slug).await?;
    actor.authorize(&Action::WriteService {
        owners: &owner_slugs(&before),
    })?;
    let dependents: Vec<String> = sqlx::query_scalar(
        "select s.slug from service_dependencies d join services s on s.id = d.service_id \
         where d.depends_on_id = $1 and d.service_id <> $1 order by s.slug",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    if !dependents.is_empty() {
        return Err(Error::conflict(
            "in_use",
            None,
            format!(
                "service '{slug}' is still depended on by {}; remove those dependencies first",
                dependents.join(", ")
            ),
        ));
    }
    sqlx::query("delete from services where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "service.delete",
        "service",
        slug,
        Some(&before),
        None::<&Service>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
