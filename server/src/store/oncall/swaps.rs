//! Swap requests: someone on call offers part of their shift, a teammate takes it, and it
//! becomes an override for the taker over that interval. Offers are checked against the
//! computed schedule (you can only offer time you are on call for); taking is one
//! transaction (state, override, audit), so two people cannot take the same offer.

use super::convert::{instant, interval, note, parse_instant};
use super::shifts::person_segments;
use super::{load, local_text, Which};
use crate::domain::authz::Action;
use crate::error::{Error, Result};
use crate::store::audit::{self, Actor};
use crate::store::{now, Arg, Sql, Store};
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};
use steward_app::api::oncall::{Swap, SwapInput, SwapQuery};

const SELECT: &str = "select w.id, s.slug as schedule, s.name as schedule_name, \
     t.slug as team, s.time_zone, o.handle as offered_by, o.name as offered_by_name, \
     w.start_at, w.end_at, w.note, w.state, k.handle as taken_by, k.name as taken_by_name, \
     w.override_id, w.created_at, w.updated_at from swap_requests w \
     join schedules s on s.id = w.schedule_id join teams t on t.id = s.team_id \
     join people o on o.id = w.offered_by left join people k on k.id = w.taken_by";

fn row(r: &sqlx::any::AnyRow) -> Result<Swap> {
    let zone = super::convert::parse_zone("timeZone", &r.try_get::<String, _>("time_zone")?)?;
    let start: String = r.try_get("start_at")?;
    let end: String = r.try_get("end_at")?;
    let local = |t: &str| -> Result<String> { Ok(local_text(zone, parse_instant("start", t)?)) };
    Ok(Swap {
        id: r.try_get("id")?,
        schedule: r.try_get("schedule")?,
        schedule_name: r.try_get("schedule_name")?,
        team: r.try_get("team")?,
        offered_by: r.try_get("offered_by")?,
        offered_by_name: r.try_get("offered_by_name")?,
        start_local: local(&start)?,
        end_local: local(&end)?,
        start,
        end,
        time_zone: zone.name().into(),
        note: r.try_get("note")?,
        state: r.try_get("state")?,
        taken_by: r.try_get("taken_by")?,
        taken_by_name: r.try_get("taken_by_name")?,
        override_id: r.try_get("override_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

async fn fetch(conn: &mut AnyConnection, id: i64) -> Result<Swap> {
    let r = sqlx::query(&format!("{SELECT} where w.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("swap request {id}")))?;
    row(&r)
}

pub async fn get_swap(store: &Store, id: i64) -> Result<Swap> {
    let mut conn = store.pool.acquire().await?;
    fetch(&mut conn, id).await
}

/// Swap requests, soonest first, filtered.
pub async fn list_swaps(store: &Store, q: &SwapQuery) -> Result<Vec<Swap>> {
    if let Some(state) = q.state.as_deref() {
        if !["open", "taken", "withdrawn"].contains(&state) {
            return Err(Error::invalid(
                "state",
                "state is one of open, taken, withdrawn",
            ));
        }
    }
    let mut sql = Sql::new(SELECT);
    sql.push(" where 1 = 1");
    if let Some(s) = &q.schedule {
        sql.push(" and s.slug = ").bind(Arg::Text(s.clone()));
    }
    if let Some(t) = &q.team {
        sql.push(" and t.slug = ").bind(Arg::Text(t.clone()));
    }
    if let Some(p) = &q.person {
        sql.push(" and (o.handle = ")
            .bind(Arg::Text(p.clone()))
            .push(" or k.handle = ")
            .bind(Arg::Text(p.clone()))
            .push(")");
    }
    if let Some(state) = &q.state {
        sql.push(" and w.state = ").bind(Arg::Text(state.clone()));
    }
    sql.push(" order by w.start_at, w.id limit 500");
    let mut conn = store.pool.acquire().await?;
    sql.query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(row)
        .collect()
}

fn must_be_open(swap: &Swap) -> Result<()> {
    if swap.state == "open" {
        return Ok(());
    }
    Err(Error::conflict(
        "not_open",
        None,
        format!("this swap request is {} already", swap.state),
    ))
}

/// The caller's own person (the one their account is linked to).
fn own_person(actor: &Actor) -> Result<String> {
    actor
        .principal
        .as_ref()
        .and_then(|p| p.person.clone())
        .ok_or_else(|| {
            Error::invalid(
                "person",
                "your account is not linked to a person in the catalog",
            )
        })
}

/// Offers `[start, end)` of the offerer's shift on a schedule.
pub async fn offer(store: &Store, actor: &Actor, input: &SwapInput) -> Result<Swap> {
    let person = match input.person.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => p.to_string(),
        _ => match own_person(actor) {
            Ok(p) => p,
            Err(e) => {
                // Anonymous callers and read tokens hear 401/403 before "not linked".
                actor.authorize(&Action::OfferShift { person: "" })?;
                return Err(e);
            }
        },
    };
    actor.authorize(&Action::OfferShift { person: &person })?;
    let (start, end) = interval("a swap", &input.start, &input.end)?;
    if end <= Utc::now() {
        return Err(Error::invalid("end", "this interval is over already"));
    }
    let note = note(input.note.as_deref())?;
    let mut tx = store.begin().await?;
    let person_id = crate::store::people::id_by_handle(&mut tx, &person)
        .await?
        .ok_or_else(|| Error::invalid("person", format!("there is no person '{person}'")))?;
    let schedule = load(&mut tx, Which::Slug(&input.schedule), start, end)
        .await?
        .pop()
        .ok_or_else(|| {
            Error::invalid(
                "schedule",
                format!("there is no schedule '{}'", input.schedule),
            )
        })?;
    let covered: Duration = person_segments(&schedule, &person, start, end)
        .iter()
        .map(|s| s.end - s.start)
        .sum();
    if covered != end - start {
        return Err(Error::invalid(
            "start",
            format!(
                "{person} is not on call on '{}' for all of this interval; offer only your own \
                 time",
                input.schedule
            ),
        ));
    }
    let stamp = now();
    let id: i64 = sqlx::query_scalar(
        "insert into swap_requests (schedule_id, offered_by, start_at, end_at, note, state, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, 'open', $6, $6) returning id",
    )
    .bind(schedule.id)
    .bind(person_id)
    .bind(instant(start))
    .bind(instant(end))
    .bind(note)
    .bind(&stamp)
    .fetch_one(&mut *tx)
    .await?;
    let created = fetch(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        "swap.offer",
        "schedule",
        &created.schedule,
        None::<&Swap>,
        Some(&created),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// A teammate (a member of the schedule's team, or an admin) takes an open offer: they become
/// an override over its interval.
pub async fn take(store: &Store, actor: &Actor, id: i64) -> Result<Swap> {
    let mut tx = store.begin().await?;
    let before = fetch(&mut tx, id).await?;
    actor.authorize(&Action::WriteOnCall { team: &before.team })?;
    let taker = own_person(actor)?;
    must_be_open(&before)?;
    if taker == before.offered_by {
        return Err(Error::conflict(
            "own_offer",
            None,
            "you cannot take your own offer; withdraw it instead",
        ));
    }
    if parse_instant("end", &before.end)? <= Utc::now() {
        return Err(Error::conflict(
            "expired",
            None,
            "this interval is over already",
        ));
    }
    let taker_id = crate::store::people::id_by_handle(&mut tx, &taker)
        .await?
        .ok_or_else(|| Error::invalid("person", format!("there is no person '{taker}'")))?;
    let schedule_id: i64 =
        sqlx::query_scalar("select schedule_id from swap_requests where id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let stamp = now();
    let override_id: i64 = sqlx::query_scalar(
        "insert into schedule_overrides (schedule_id, person_id, start_at, end_at, note, \
         created_by, created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(schedule_id)
    .bind(taker_id)
    .bind(&before.start)
    .bind(&before.end)
    .bind(format!("swap #{id}: covers {}", before.offered_by))
    .bind(&taker)
    .bind(&stamp)
    .fetch_one(&mut *tx)
    .await?;
    // The state check again in the write: of two concurrent takers, one wins.
    let taken = sqlx::query(
        "update swap_requests set state = 'taken', taken_by = $1, override_id = $2, \
         updated_at = $3 where id = $4 and state = 'open'",
    )
    .bind(taker_id)
    .bind(override_id)
    .bind(&stamp)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() != 1 {
        return Err(Error::conflict(
            "not_open",
            None,
            "this swap request was taken or withdrawn meanwhile",
        ));
    }
    let after = fetch(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        "swap.take",
        "schedule",
        &after.schedule,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The offerer (or a member of the schedule's team, or an admin) withdraws an open offer.
pub async fn withdraw(store: &Store, actor: &Actor, id: i64) -> Result<Swap> {
    let mut tx = store.begin().await?;
    let before = fetch(&mut tx, id).await?;
    if actor
        .authorize(&Action::OfferShift {
            person: &before.offered_by,
        })
        .is_err()
    {
        actor.authorize(&Action::WriteOnCall { team: &before.team })?;
    }
    must_be_open(&before)?;
    sqlx::query("update swap_requests set state = 'withdrawn', updated_at = $1 where id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = fetch(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        "swap.withdraw",
        "schedule",
        &after.schedule,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Taken swaps that touch `[from, to)` and involve `person`, with their override ids.
pub(crate) async fn taken_involving(
    conn: &mut AnyConnection,
    person: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Swap>> {
    let mut sql = Sql::new(SELECT);
    sql.push(" where w.state = 'taken' and (o.handle = ")
        .bind(Arg::Text(person.into()))
        .push(" or k.handle = ")
        .bind(Arg::Text(person.into()))
        .push(") and w.end_at > ")
        .bind(Arg::Text(instant(from)))
        .push(" and w.start_at < ")
        .bind(Arg::Text(instant(to)))
        .push(" order by w.start_at");
    sql.query().fetch_all(conn).await?.iter().map(row).collect()
}
