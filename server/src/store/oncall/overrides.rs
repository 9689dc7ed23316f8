//! Overrides: someone covers an interval of a schedule above all its layers. A later override
//! wins over an earlier one where they overlap (they are applied in id order).

use super::convert::{instant, interval, note, parse_instant};
use super::find;
use crate::domain::authz::Action;
use crate::domain::oncall as model;
use crate::error::{Error, Result};
use crate::store::audit::{self, Actor};
use crate::store::{now, Arg, Sql, Store};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::oncall::{Override, OverrideInput};

const SELECT: &str =
    "select o.id, o.schedule_id, p.handle as person, o.start_at, o.end_at, o.note, \
     o.created_by, o.created_at from schedule_overrides o join people p on p.id = o.person_id";

fn row(r: &sqlx::any::AnyRow) -> Result<Override> {
    Ok(Override {
        id: r.try_get("id")?,
        person: r.try_get("person")?,
        start: r.try_get("start_at")?,
        end: r.try_get("end_at")?,
        note: r.try_get("note")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The overrides of schedules `ids` that touch `[from, to)`, by schedule, each in the order
/// they apply (id order) with their ids.
#[allow(clippy::type_complexity)]
pub(super) async fn in_window(
    conn: &mut AnyConnection,
    ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<i64, (Vec<i64>, Vec<model::Override>)>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" where o.end_at > ")
        .bind(Arg::Text(instant(from)))
        .push(" and o.start_at < ")
        .bind(Arg::Text(instant(to)))
        .push(" and o.schedule_id in ")
        .bind_list(ids)
        .push(" order by o.id");
    let mut out: HashMap<i64, (Vec<i64>, Vec<model::Override>)> = HashMap::new();
    for r in &sql.query().fetch_all(conn).await? {
        let o = row(r)?;
        let entry = out.entry(r.try_get("schedule_id")?).or_default();
        entry.0.push(o.id);
        entry.1.push(model::Override {
            person: o.person,
            start: parse_instant("start", &o.start)?,
            end: parse_instant("end", &o.end)?,
        });
    }
    Ok(out)
}

/// The overrides of a schedule that touch `[from, to)`, earliest first.
pub async fn list_overrides(
    store: &Store,
    slug: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Override>> {
    let mut conn = store.pool.acquire().await?;
    let (id, _) = find(&mut conn, slug).await?;
    let rows = sqlx::query(&format!(
        "{SELECT} where o.schedule_id = $1 and o.end_at > $2 and o.start_at < $3 \
         order by o.start_at, o.id"
    ))
    .bind(id)
    .bind(instant(from))
    .bind(instant(to))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(row).collect()
}

/// Puts `input.person` on call over `[start, end)` of schedule `slug`.
pub async fn add_override(
    store: &Store,
    actor: &Actor,
    slug: &str,
    input: &OverrideInput,
) -> Result<Override> {
    let mut tx = store.begin().await?;
    let (id, schedule) = find(&mut tx, slug).await?;
    actor.authorize(&Action::WriteOnCall {
        team: &schedule.team,
    })?;
    let (start, end) = interval("an override", &input.start, &input.end)?;
    let note = note(input.note.as_deref())?;
    let person = crate::store::people::id_by_handle(&mut tx, input.person.trim())
        .await?
        .ok_or_else(|| {
            Error::invalid("person", format!("there is no person '{}'", input.person))
        })?;
    let by = actor
        .principal
        .as_ref()
        .map(|p| p.handle.clone())
        .unwrap_or_else(|| "steward".into());
    let new_id: i64 = sqlx::query_scalar(
        "insert into schedule_overrides (schedule_id, person_id, start_at, end_at, note, \
         created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(id)
    .bind(person)
    .bind(instant(start))
    .bind(instant(end))
    .bind(note)
    .bind(&by)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let created = fetch(&mut tx, new_id).await?;
    audit::record(
        &mut tx,
        actor,
        "override.create",
        "schedule",
        slug,
        None::<&Override>,
        Some(&created),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

async fn fetch(conn: &mut AnyConnection, id: i64) -> Result<Override> {
    let r = sqlx::query(&format!("{SELECT} where o.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("override {id}")))?;
    row(&r)
}

pub async fn delete_override(store: &Store, actor: &Actor, slug: &str, id: i64) -> Result<()> {
    let mut tx = store.begin().await?;
    let (schedule_id, schedule) = find(&mut tx, slug).await?;
    actor.authorize(&Action::WriteOnCall {
        team: &schedule.team,
    })?;
    let owner: Option<i64> =
        sqlx::query_scalar("select schedule_id from schedule_overrides where id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if owner != Some(schedule_id) {
        return Err(Error::NotFound(format!(
            "override {id} of schedule '{slug}'"
        )));
    }
    let before = fetch(&mut tx, id).await?;
    sqlx::query("delete from schedule_overrides where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "override.delete",
        "schedule",
        slug,
        Some(&before),
        None::<&Override>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
