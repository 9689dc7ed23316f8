//! Accounts and their API tokens.

use super::{now, Store};
use crate::domain::authz::{Principal, Role, Scope};
use crate::domain::catalog::check_slug;
use crate::error::{Error, Result, ResultExt};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub handle: String,
    pub role: Role,
    pub person: Option<String>,
    pub active: bool,
}

/// Creates an account, linked to the catalog person with the same handle when there is one.
pub async fn create(
    store: &Store,
    handle: &str,
    role: Role,
    password_hash: Option<&str>,
) -> Result<Account> {
    check_slug(handle).map_err(|e| Error::invalid("handle", e))?;
    let mut tx = store.pool.begin().await?;
    let person_id = super::people::id_by_handle(&mut tx, handle).await?;
    let now = now();
    sqlx::query(
        "insert into accounts (handle, password_hash, role, person_id, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5)",
    )
    .bind(handle)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(person_id)
    .bind(&now)
    .execute(&mut *tx)
    .await
    .on_unique_violation(|| {
        Error::conflict(
            "already_exists",
            Some("handle"),
            format!("an account '{handle}' already exists"),
        )
    })?;
    let account = find(&mut tx, handle)
        .await?
        .ok_or_else(|| Error::NotFound(format!("account '{handle}'")))?;
    tx.commit().await?;
    Ok(account)
}

async fn find(conn: &mut AnyConnection, handle: &str) -> Result<Option<Account>> {
    let row = sqlx::query(
        "select a.id, a.handle, a.role, p.handle as person, a.active from accounts a \
         left join people p on p.id = a.person_id where a.handle = $1",
    )
    .bind(handle)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let role: String = r.try_get("role")?;
        Ok(Account {
            id: r.try_get("id")?,
            handle: r.try_get("handle")?,
            role: Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("stored role '{role}' is unknown"))?,
            person: r.try_get("person")?,
            active: r.try_get::<i64, _>("active")? != 0,
        })
    })
    .transpose()
}

pub async fn by_handle(store: &Store, handle: &str) -> Result<Option<Account>> {
    let mut conn = store.pool.acquire().await?;
    find(&mut conn, handle).await
}

/// Stores a new token for `account` and returns its id; the caller shows the token once.
pub async fn add_token(
    store: &Store,
    account: &Account,
    name: &str,
    scope: Scope,
    token: &str,
    expires_at: Option<&str>,
) -> Result<i64> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            "give the token a name of 1–100 characters",
        ));
    }
    let id = sqlx::query_scalar(
        "insert into api_tokens (account_id, name, prefix, token_hash, scope, expires_at, \
         created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(account.id)
    .bind(name.trim())
    .bind(&token[..token.len().min(12)])
    .bind(crate::auth::token_hash(token))
    .bind(match scope {
        Scope::Read => "read",
        Scope::Write => "write",
    })
    .bind(expires_at)
    .bind(now())
    .fetch_one(&store.pool)
    .await?;
    Ok(id)
}

/// The principal a bearer token stands for, if the token is known, not revoked, not expired
/// and its account is active. Records the time of use.
pub async fn principal_for_token(store: &Store, token: &str) -> Result<Option<Principal>> {
    let now = now();
    let mut conn = store.pool.acquire().await?;
    let row = sqlx::query(
        "select t.id, t.scope, a.handle from api_tokens t join accounts a on a.id = t.account_id \
         where t.token_hash = $1 and t.revoked_at is null and a.active = 1 \
         and (t.expires_at is null or t.expires_at > $2)",
    )
    .bind(crate::auth::token_hash(token))
    .bind(&now)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let token_id: i64 = row.try_get("id")?;
    let scope = match row.try_get::<String, _>("scope")?.as_str() {
        "write" => Scope::Write,
        _ => Scope::Read,
    };
    let handle: String = row.try_get("handle")?;
    sqlx::query("update api_tokens set last_used_at = $1 where id = $2")
        .bind(&now)
        .bind(token_id)
        .execute(&mut *conn)
        .await?;
    let Some(account) = find(&mut conn, &handle).await? else {
        return Ok(None);
    };
    let mut principal = principal(&mut conn, &account).await?;
    principal.token = Some((token_id, scope));
    Ok(Some(principal))
}

/// The account as a principal, with the teams of its linked person.
pub async fn principal(conn: &mut AnyConnection, account: &Account) -> Result<Principal> {
    let teams: Vec<String> = sqlx::query_scalar(
        "select t.slug from accounts a join team_members m on m.person_id = a.person_id \
         join teams t on t.id = m.team_id where a.id = $1",
    )
    .bind(account.id)
    .fetch_all(conn)
    .await?;
    Ok(Principal {
        account_id: account.id,
        handle: account.handle.clone(),
        role: account.role,
        teams: teams.into_iter().collect(),
        token: None,
    })
}
