//! Browser sessions in the database, so that several replicas share them. Implements
//! tower-sessions' `SessionStore` over the same pool as everything else; the row key is the
//! SHA-256 of the session id, so a copy of the table does not let anyone take over a session.

use super::Store;
use crate::error::Result;
use async_trait::async_trait;
use sqlx::Row;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// The session key that holds the signed-in account's id.
pub const ACCOUNT_KEY: &str = "account";

#[derive(Clone)]
pub struct DbSessionStore {
    store: Store,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    pub fn new(store: Store) -> Self {
        DbSessionStore { store }
    }
}

fn key(id: &Id) -> String {
    crate::auth::token_hash(&id.to_string())
}

fn backend(e: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn account_of(record: &Record) -> Option<i64> {
    record.data.get(ACCOUNT_KEY).and_then(|v| v.as_i64())
}

fn encode(record: &Record) -> session_store::Result<String> {
    serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = encode(record)?;
        // A collision of 128 random bits is practically impossible; if it happens, draw again.
        loop {
            let inserted = sqlx::query(
                "insert into sessions (id, account_id, data, expires_at) values ($1, $2, $3, $4) \
                 on conflict (id) do nothing",
            )
            .bind(key(&record.id))
            .bind(account_of(record))
            .bind(&data)
            .bind(record.expiry_date.unix_timestamp())
            .execute(&self.store.pool)
            .await
            .map_err(backend)?
            .rows_affected();
            if inserted == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        sqlx::query(
            "insert into sessions (id, account_id, data, expires_at) values ($1, $2, $3, $4) \
             on conflict (id) do update set account_id = excluded.account_id, \
             data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(key(&record.id))
        .bind(account_of(record))
        .bind(encode(record)?)
        .bind(record.expiry_date.unix_timestamp())
        .execute(&self.store.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row =
            sqlx::query("select data, expires_at from sessions where id = $1 and expires_at > $2")
                .bind(key(id))
                .bind(now_unix())
                .fetch_optional(&self.store.pool)
                .await
                .map_err(backend)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let data: String = row.try_get("data").map_err(backend)?;
        let expires: i64 = row.try_get("expires_at").map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data: serde_json::from_str(&data)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
            expiry_date: time::OffsetDateTime::from_unix_timestamp(expires)
                .map_err(|e| session_store::Error::Decode(e.to_string()))?,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("delete from sessions where id = $1")
            .bind(key(id))
            .execute(&self.store.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        delete_expired(&self.store)
            .await
            .map_err(|e| session_store::Error::Backend(e.to_string()))?;
        Ok(())
    }
}

/// Removes expired sessions and sign-in failures older than a day; returns how many sessions
/// went.
pub async fn delete_expired(store: &Store) -> Result<u64> {
    let now = now_unix();
    let gone = sqlx::query("delete from sessions where expires_at <= $1")
        .bind(now)
        .execute(&store.pool)
        .await?
        .rows_affected();
    sqlx::query("delete from sign_in_failures where at < $1")
        .bind(now - 86_400)
        .execute(&store.pool)
        .await?;
    Ok(gone)
}

/// Ends every session of an account except `keep` (the caller's own, after a password change).
pub async fn end_for_account(store: &Store, account_id: i64, keep: Option<&Id>) -> Result<u64> {
    let keep = keep.map(key).unwrap_or_default();
    Ok(
        sqlx::query("delete from sessions where account_id = $1 and id <> $2")
            .bind(account_id)
            .bind(keep)
            .execute(&store.pool)
            .await?
            .rows_affected(),
    )
}

/// Sign-in throttling: failures recorded per key (`account:…`, `address:…`) and counted over
/// a window. Kept in the database so replicas share the count.
pub async fn record_failure(store: &Store, keys: &[String]) -> Result<()> {
    let now = now_unix();
    for k in keys {
        sqlx::query("insert into sign_in_failures (key, at) values ($1, $2)")
            .bind(k)
            .bind(now)
            .execute(&store.pool)
            .await?;
    }
    Ok(())
}

/// For a key: the number of failures since `window_secs` ago and the oldest of them (unix s).
pub async fn failures(store: &Store, key: &str, window_secs: i64) -> Result<(i64, Option<i64>)> {
    let row = sqlx::query(
        "select count(*) as n, min(at) as oldest from sign_in_failures where key = $1 and at > $2",
    )
    .bind(key)
    .bind(now_unix() - window_secs)
    .fetch_one(&store.pool)
    .await?;
    Ok((row.try_get("n")?, row.try_get("oldest")?))
}

/// A successful sign-in clears the account's failures (not the address's).
pub async fn clear_failures(store: &Store, key: &str) -> Result<()> {
    sqlx::query("delete from sign_in_failures where key = $1")
        .bind(key)
        .execute(&store.pool)
        .await?;
    Ok(())
}
