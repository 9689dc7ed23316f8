//! The whole catalog at once: a snapshot for export and import planning, and `apply`, which
//! writes a set of records in one transaction (Backstage import, demo data).

use super::audit::{self, Actor};
use super::{now, Store};
use crate::domain::authz::Action;
pub use crate::domain::records::{Catalog, Changes, Entity, Record};
use crate::error::{Error, Result};
use serde_json::Value;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::{
    ImportAction, ImportReport, Lifecycle, Link, Member, PersonInput, ServiceInput, ServiceKind,
    TeamInput, TeamRole,
};

fn json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::Internal(e.into()))
}

/// Reads the whole catalog in a handful of queries.
pub async fn snapshot(store: &Store) -> Result<Catalog> {
    let mut conn = store.pool.acquire().await?;
    read(&mut conn).await
}

pub(crate) async fn read(conn: &mut AnyConnection) -> Result<Catalog> {
    let mut cat = Catalog::default();
    let mut people_by_id = HashMap::new();
    for r in sqlx::query(
        "select id, handle, name, email, time_zone, github_login, (case when active then 1 else 0 end) as active, extra from people",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let handle: String = r.try_get("handle")?;
        people_by_id.insert(r.try_get::<i64, _>("id")?, handle.clone());
        cat.people.insert(
            handle.clone(),
            Record {
                input: PersonInput {
                    handle,
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    time_zone: r.try_get("time_zone")?,
                    github_login: r.try_get("github_login")?,
                    active: r.try_get::<i64, _>("active")? != 0,
                    version: None,
                },
                extra: json(&r.try_get::<String, _>("extra")?)?,
            },
        );
    }
    let mut teams_by_id = HashMap::new();
    let rows = sqlx::query(
        "select t.id, t.slug, t.name, p.slug as parent, t.description, t.chat_channel, t.email, \
         t.extra from teams t left join teams p on p.id = t.parent_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let slug: String = r.try_get("slug")?;
        teams_by_id.insert(r.try_get::<i64, _>("id")?, slug.clone());
        cat.teams.insert(
            slug.clone(),
            Record {
                input: TeamInput {
                    slug,
                    name: r.try_get("name")?,
                    parent: r.try_get("parent")?,
                    description: r.try_get("description")?,
                    chat_channel: r.try_get("chat_channel")?,
                    email: r.try_get("email")?,
                    members: Vec::new(),
                    version: None,
                },
                extra: json(&r.try_get::<String, _>("extra")?)?,
            },
        );
    }
    for r in sqlx::query("select team_id, person_id, role from team_members")
        .fetch_all(&mut *conn)
        .await?
    {
        let team = &teams_by_id[&r.try_get::<i64, _>("team_id")?];
        let person = people_by_id[&r.try_get::<i64, _>("person_id")?].clone();
        let role: String = r.try_get("role")?;
        if let Some(t) = cat.teams.get_mut(team) {
            t.input.members.push(Member {
                person,
                role: TeamRole::parse(&role).unwrap_or(TeamRole::Member),
                name: None,
            });
        }
    }
    for t in cat.teams.values_mut() {
        t.input.members.sort_by(|a, b| a.person.cmp(&b.person));
    }
    let mut services_by_id = HashMap::new();
    for r in sqlx::query(
        "select id, slug, name, description, tier, lifecycle, kind, system, repository, links, \
         annotations, extra from services",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let slug: String = r.try_get("slug")?;
        services_by_id.insert(r.try_get::<i64, _>("id")?, slug.clone());
        let lifecycle: String = r.try_get("lifecycle")?;
        let kind: String = r.try_get("kind")?;
        let links: Vec<Link> = serde_json::from_str(&r.try_get::<String, _>("links")?)
            .map_err(|e| Error::Internal(e.into()))?;
        cat.services.insert(
            slug.clone(),
            Record {
                input: ServiceInput {
                    slug,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    owners: Vec::new(),
                    tier: r.try_get("tier")?,
                    lifecycle: Lifecycle::parse(&lifecycle).unwrap_or(Lifecycle::Production),
                    kind: ServiceKind::parse(&kind).unwrap_or(ServiceKind::Service),
                    system: r.try_get("system")?,
                    repository: r.try_get("repository")?,
                    links,
                    tags: Vec::new(),
                    depends_on: Vec::new(),
                    annotations: serde_json::from_str(&r.try_get::<String, _>("annotations")?)
                        .map_err(|e| Error::Internal(e.into()))?,
                    version: None,
                },
                extra: json(&r.try_get::<String, _>("extra")?)?,
            },
        );
    }
    for r in
        sqlx::query("select service_id, team_id from service_owners order by service_id, position")
            .fetch_all(&mut *conn)
            .await?
    {
        let s = &services_by_id[&r.try_get::<i64, _>("service_id")?];
        let t = teams_by_id[&r.try_get::<i64, _>("team_id")?].clone();
        if let Some(rec) = cat.services.get_mut(s) {
            rec.input.owners.push(t);
        }
    }
    for r in sqlx::query("select service_id, tag from service_tags order by service_id, tag")
        .fetch_all(&mut *conn)
        .await?
    {
        let s = &services_by_id[&r.try_get::<i64, _>("service_id")?];
        if let Some(rec) = cat.services.get_mut(s) {
            rec.input.tags.push(r.try_get("tag")?);
        }
    }
    for r in sqlx::query("select service_id, depends_on_id from service_dependencies")
        .fetch_all(&mut *conn)
        .await?
    {
        let s = &services_by_id[&r.try_get::<i64, _>("service_id")?];
        let d = services_by_id[&r.try_get::<i64, _>("depends_on_id")?].clone();
        if let Some(rec) = cat.services.get_mut(s) {
            rec.input.depends_on.push(d);
        }
    }
    for rec in cat.services.values_mut() {
        rec.input.depends_on.sort();
    }
    for r in sqlx::query("select kind, namespace, name, body from catalog_entities")
        .fetch_all(&mut *conn)
        .await?
    {
        let e = Entity {
            kind: r.try_get("kind")?,
            namespace: r.try_get("namespace")?,
            name: r.try_get("name")?,
            body: json(&r.try_get::<String, _>("body")?)?,
        };
        cat.entities
            .insert((e.kind.clone(), e.namespace.clone(), e.name.clone()), e);
    }
    Ok(cat)
}

async fn set_extra(conn: &mut AnyConnection, table: &str, id: i64, extra: &Value) -> Result<()> {
    sqlx::query(&format!("update {table} set extra = $1 where id = $2"))
        .bind(extra.to_string())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes `changes` in one transaction: all of it or (on any error) none of it.
pub async fn apply(store: &Store, actor: &Actor, changes: &Changes) -> Result<()> {
    actor.authorize(&Action::Administer)?;
    let mut tx = store.begin().await?;
    let current = read(&mut tx).await?;
    write(&mut tx, changes).await?;
    record_changes(&mut tx, actor, &current, changes).await?;
    tx.commit().await?;
    Ok(())
}

/// Plans a Backstage import against the stored catalog and, unless it is a dry run or
/// anything is rejected, applies it — reading and writing in the same transaction.
pub async fn import(
    store: &Store,
    actor: &Actor,
    documents: &[crate::domain::backstage::Document],
    dry_run: bool,
) -> Result<ImportReport> {
    if !dry_run {
        actor.authorize(&Action::Administer)?;
    }
    let mut tx = store.begin().await?;
    let current = read(&mut tx).await?;
    let plan = crate::domain::backstage::plan(documents, &current);
    let count = |a: ImportAction| plan.items.iter().filter(|i| i.action == a).count() as i64;
    let rejected = count(ImportAction::Rejected);
    let applied = !dry_run && rejected == 0 && !plan.changes.is_empty();
    if applied {
        write(&mut tx, &plan.changes).await?;
        record_changes(&mut tx, actor, &current, &plan.changes).await?;
        tx.commit().await?;
    }
    Ok(ImportReport {
        dry_run,
        applied,
        created: count(ImportAction::Create),
        updated: count(ImportAction::Update),
        unchanged: count(ImportAction::Unchanged),
        rejected,
        items: plan.items,
    })
}

/// One audit event per record written, with the record before and after.
async fn record_changes(
    tx: &mut AnyConnection,
    actor: &Actor,
    current: &Catalog,
    changes: &Changes,
) -> Result<()> {
    fn action(kind: &str, existed: bool) -> String {
        format!("{kind}.{}", if existed { "update" } else { "create" })
    }
    for rec in &changes.people {
        let before = current.people.get(&rec.input.handle).map(|r| &r.input);
        let name = action("person", before.is_some());
        audit::record(
            tx,
            actor,
            &name,
            "person",
            &rec.input.handle,
            before,
            Some(&rec.input),
        )
        .await?;
    }
    for rec in &changes.teams {
        let before = current.teams.get(&rec.input.slug).map(|r| &r.input);
        let name = action("team", before.is_some());
        audit::record(
            tx,
            actor,
            &name,
            "team",
            &rec.input.slug,
            before,
            Some(&rec.input),
        )
        .await?;
    }
    for rec in &changes.services {
        let before = current.services.get(&rec.input.slug).map(|r| &r.input);
        let name = action("service", before.is_some());
        audit::record(
            tx,
            actor,
            &name,
            "service",
            &rec.input.slug,
            before,
            Some(&rec.input),
        )
        .await?;
    }
    for e in &changes.entities {
        let key = (e.kind.clone(), e.namespace.clone(), e.name.clone());
        let before = current.entities.get(&key).map(|b| &b.body);
        let subject = format!("{}:{}/{}", e.kind.to_lowercase(), e.namespace, e.name);
        let name = action("entity", before.is_some());
        audit::record(tx, actor, &name, "entity", &subject, before, Some(&e.body)).await?;
    }
    Ok(())
}

async fn write(tx: &mut AnyConnection, changes: &Changes) -> Result<()> {
    for rec in &changes.people {
        let existing = super::people::id_by_handle(tx, &rec.input.handle).await?;
        let id = super::people::write(tx, existing, &rec.input).await?;
        if existing.is_some() {
            super::bump_version(tx, "people", id, None).await?;
        }
        set_extra(tx, "people", id, &rec.extra).await?;
    }
    // Parents before children; a team whose parent is also in the set waits for it.
    let mut pending: Vec<&Record<TeamInput>> = changes.teams.iter().collect();
    while !pending.is_empty() {
        let (ready, waiting): (Vec<&Record<TeamInput>>, Vec<_>) =
            pending.iter().copied().partition(|t| {
                t.input
                    .parent
                    .as_ref()
                    .is_none_or(|p| !pending.iter().any(|o| &o.input.slug == p))
            });
        if ready.is_empty() {
            return Err(Error::invalid(
                "parent",
                "team parents form a cycle; a team cannot be its own ancestor",
            ));
        }
        for rec in ready {
            let existing = super::teams::id_by_slug(tx, &rec.input.slug).await?;
            let id = super::teams::write(tx, existing, &rec.input).await?;
            if existing.is_some() {
                super::bump_version(tx, "teams", id, None).await?;
            }
            set_extra(tx, "teams", id, &rec.extra).await?;
        }
        pending = waiting;
    }
    // Rows first, relations second: dependencies may point at services created here.
    let mut ids = Vec::with_capacity(changes.services.len());
    for rec in &changes.services {
        let existing = super::services::id_by_slug(tx, &rec.input.slug).await?;
        let id =
            super::services::write_row(tx, existing, &rec.input, &rec.extra.to_string()).await?;
        if existing.is_some() {
            super::bump_version(tx, "services", id, None).await?;
        }
        ids.push(id);
    }
    for (rec, id) in changes.services.iter().zip(ids) {
        super::services::write_relations(tx, id, &rec.input).await?;
    }
    let now = now();
    for e in &changes.entities {
        sqlx::query(
            "insert into catalog_entities (kind, namespace, name, body, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $5) on conflict (kind, namespace, name) \
             do update set body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(&e.kind)
        .bind(&e.namespace)
        .bind(&e.name)
        .bind(e.body.to_string())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
