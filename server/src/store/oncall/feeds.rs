//! Calendar feeds: a schedule's or a person's on-call time at a URL that calendar apps poll.
//! Calendar apps cannot sign in, so the secret in the URL is the credential: it is random,
//! shown once, and only its SHA-256 is stored (as for API tokens). A feed stands for the
//! account that made it: it stops answering when revoked or when that account is deactivated.

use crate::domain::authz::{Action, Principal, Role};
use crate::error::{Error, Result};
use crate::store::audit::{self, Actor};
use crate::store::{now, Store};
use sqlx::{AnyConnection, Row};
use steward_app::api::feeds::Feed;

/// What a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    Schedule(&'a str),
    Person(&'a str),
}

impl Subject<'_> {
    fn kind(self) -> &'static str {
        match self {
            Subject::Schedule(_) => "schedule",
            Subject::Person(_) => "person",
        }
    }
}

/// A live feed found by its secret: what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Schedule(String),
    Person(String),
}

const SELECT: &str = "select f.id, f.account_id, a.handle as account, s.slug as schedule, \
     s.name as schedule_name, p.handle as person, p.name as person_name, f.created_at, \
     f.revoked_at from calendar_feeds f join accounts a on a.id = f.account_id \
     left join schedules s on s.id = f.schedule_id left join people p on p.id = f.person_id";

/// A feed row and the id of the account that made it.
fn row(r: &sqlx::any::AnyRow) -> Result<(i64, Feed)> {
    let schedule: Option<String> = r.try_get("schedule")?;
    let person: Option<String> = r.try_get("person")?;
    let name = match (&schedule, r.try_get::<Option<String>, _>("person_name")?) {
        (Some(_), _) => r
            .try_get::<Option<String>, _>("schedule_name")?
            .unwrap_or_default(),
        (None, person_name) => format!("On call: {}", person_name.unwrap_or_default()),
    };
    Ok((
        r.try_get("account_id")?,
        Feed {
            id: r.try_get("id")?,
            kind: if schedule.is_some() {
                "schedule"
            } else {
                "person"
            }
            .into(),
            schedule,
            person,
            name,
            account: r.try_get("account")?,
            created_at: r.try_get("created_at")?,
            revoked_at: r.try_get("revoked_at")?,
        },
    ))
}

async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<(i64, Feed)>> {
    let found = sqlx::query(&format!("{SELECT} where f.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    found.as_ref().map(row).transpose()
}

/// The signed-in principal behind `actor`, once it may manage feeds.
fn subscriber(actor: &Actor) -> Result<&Principal> {
    actor.authorize(&Action::CalendarFeed)?;
    actor
        .principal
        .as_ref()
        .ok_or_else(|| Error::Unauthenticated("a calendar feed belongs to an account".into()))
}

/// Stores a feed of `subject` for the calling account, with the hash of `secret` (which the
/// caller shows once).
pub async fn create_feed(
    store: &Store,
    actor: &Actor,
    subject: Subject<'_>,
    secret: &str,
) -> Result<Feed> {
    let account_id = subscriber(actor)?.account_id;
    let mut tx = store.begin().await?;
    let (schedule_id, person_id, key) = match subject {
        Subject::Schedule(slug) => {
            let (id, _) = super::find(&mut tx, slug).await?;
            (Some(id), None, slug)
        }
        Subject::Person(handle) => {
            let id = crate::store::people::id_by_handle(&mut tx, handle)
                .await?
                .ok_or_else(|| Error::NotFound(format!("person '{handle}'")))?;
            (None, Some(id), handle)
        }
    };
    let id: i64 = sqlx::query_scalar(
        "insert into calendar_feeds (token_hash, schedule_id, person_id, account_id, \
         created_at) values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(crate::auth::token_hash(secret))
    .bind(schedule_id)
    .bind(person_id)
    .bind(account_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let (_, feed) = by_id(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("calendar feed {id}")))?;
    audit::record(
        &mut tx,
        actor,
        "feed.create",
        subject.kind(),
        key,
        None::<&Feed>,
        Some(&feed),
    )
    .await?;
    tx.commit().await?;
    Ok(feed)
}

/// The caller's feeds, newest first, revoked ones included; with `all`, every account's
/// (admins only).
pub async fn list_feeds(store: &Store, actor: &Actor, all: bool) -> Result<Vec<Feed>> {
    let Some(p) = actor.principal.as_ref() else {
        return Err(Error::Unauthenticated(
            "sign in to see your calendar feeds".into(),
        ));
    };
    let rows = if all {
        if p.role != Role::Admin {
            return Err(Error::Forbidden(
                "only admins may list every account's calendar feeds".into(),
            ));
        }
        sqlx::query(&format!("{SELECT} order by f.id desc"))
            .fetch_all(&store.pool)
            .await?
    } else {
        sqlx::query(&format!(
            "{SELECT} where f.account_id = $1 order by f.id desc"
        ))
        .bind(p.account_id)
        .fetch_all(&store.pool)
        .await?
    };
    rows.iter().map(|r| Ok(row(r)?.1)).collect()
}

/// Revokes a feed: its URL answers 404 from now on. Only the account that made it, or an
/// admin, may; to anyone else it does not exist (404). Revoking twice is a no-op that writes
/// no event and answers the feed as it is.
pub async fn revoke_feed(store: &Store, actor: &Actor, id: i64) -> Result<Feed> {
    let p = subscriber(actor)?;
    let mut tx = store.begin().await?;
    let not_found = || Error::NotFound(format!("calendar feed {id}"));
    let (owner, before) = by_id(&mut tx, id).await?.ok_or_else(not_found)?;
    if owner != p.account_id && p.role != Role::Admin {
        return Err(not_found());
    }
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    sqlx::query("update calendar_feeds set revoked_at = $1 where id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let (_, after) = by_id(&mut tx, id).await?.ok_or_else(not_found)?;
    let key = before.schedule.as_deref().or(before.person.as_deref());
    audit::record(
        &mut tx,
        actor,
        "feed.revoke",
        &before.kind,
        key.unwrap_or_default(),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The live feed whose secret is `secret`: one indexed lookup of its hash, whatever the
/// secret (an unknown, revoked or malformed one costs the same and is the same `None`).
pub async fn feed_by_secret(store: &Store, secret: &str) -> Result<Option<Target>> {
    let found = sqlx::query(
        "select s.slug as schedule, p.handle as person from calendar_feeds f \
         join accounts a on a.id = f.account_id \
         left join schedules s on s.id = f.schedule_id \
         left join people p on p.id = f.person_id \
         where f.token_hash = $1 and f.revoked_at is null and a.active = 1",
    )
    .bind(crate::auth::token_hash(secret))
    .fetch_optional(&store.pool)
    .await?;
    let Some(r) = found else { return Ok(None) };
    let schedule: Option<String> = r.try_get("schedule")?;
    let person: Option<String> = r.try_get("person")?;
    Ok(match (schedule, person) {
        (Some(slug), _) => Some(Target::Schedule(slug)),
        (None, Some(handle)) => Some(Target::Person(handle)),
        (None, None) => None,
    })
}
