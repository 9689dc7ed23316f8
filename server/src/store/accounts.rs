//! Accounts and their API tokens.

use super::audit::{self, Actor};
use super::{now, Store};
use crate::domain::authz::{Action, Principal, Role, Scope};
use crate::domain::catalog::check_slug;
use crate::error::{Error, Result, ResultExt};
use sqlx::{AnyConnection, Row};
use steward_app::api::{AccountInfo, TokenInfo};

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
    actor: &Actor,
    handle: &str,
    role: Role,
    password_hash: Option<&str>,
) -> Result<Account> {
    actor.authorize(&Action::Administer)?;
    check_slug(handle).map_err(|e| Error::invalid("handle", e))?;
    let mut tx = store.begin().await?;
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
    let (account, info) = find_info(&mut tx, handle)
        .await?
        .ok_or_else(|| Error::NotFound(format!("account '{handle}'")))?;
    audit::record(
        &mut tx,
        actor,
        "account.create",
        "account",
        handle,
        None::<&AccountInfo>,
        Some(&info),
    )
    .await?;
    tx.commit().await?;
    Ok(account)
}

/// What an admin may change about an account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct Change<'a> {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub password_hash: Option<&'a str>,
}

/// Changes an account's role, active flag or password (admins only). Deactivating an account
/// or resetting its password ends its sessions; the last active admin cannot be demoted or
/// deactivated, so that someone can always manage accounts.
pub async fn update(
    store: &Store,
    actor: &Actor,
    handle: &str,
    change: Change<'_>,
) -> Result<AccountInfo> {
    actor.authorize(&Action::Administer)?;
    let mut tx = store.begin().await?;
    let (account, before) = find_info(&mut tx, handle)
        .await?
        .ok_or_else(|| Error::NotFound(format!("account '{handle}'")))?;
    let role = change.role.unwrap_or(account.role);
    let active = change.active.unwrap_or(account.active);
    if account.role == Role::Admin && account.active && (role != Role::Admin || !active) {
        let admins: i64 = sqlx::query_scalar(
            "select count(*) from accounts where role = 'admin' and active = 1 and id <> $1",
        )
        .bind(account.id)
        .fetch_one(&mut *tx)
        .await?;
        if admins == 0 {
            return Err(Error::conflict(
                "last_admin",
                None,
                format!("'{handle}' is the last active admin; make another admin first"),
            ));
        }
    }
    sqlx::query(
        "update accounts set role = $1, active = $2, \
         password_hash = coalesce($3, password_hash), updated_at = $4 where id = $5",
    )
    .bind(role.as_str())
    .bind(i64::from(active))
    .bind(change.password_hash)
    .bind(now())
    .bind(account.id)
    .execute(&mut *tx)
    .await?;
    if !active || change.password_hash.is_some() {
        sqlx::query("delete from sessions where account_id = $1")
            .bind(account.id)
            .execute(&mut *tx)
            .await?;
    }
    let (_, after) = find_info(&mut tx, handle)
        .await?
        .ok_or_else(|| Error::NotFound(format!("account '{handle}'")))?;
    audit::record(
        &mut tx,
        actor,
        if change.password_hash.is_some() {
            "account.password_reset"
        } else {
            "account.update"
        },
        "account",
        handle,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Every account, by handle (admins only).
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<AccountInfo>> {
    actor.authorize(&Action::Administer)?;
    let rows = sqlx::query(&format!("{SELECT_ACCOUNT} order by a.handle"))
        .fetch_all(&store.pool)
        .await?;
    rows.iter().map(|r| Ok(info_row(r)?.1)).collect()
}

/// How an admin sees the account `handle`.
pub async fn info(store: &Store, handle: &str) -> Result<Option<AccountInfo>> {
    let mut conn = store.pool.acquire().await?;
    Ok(find_info(&mut conn, handle).await?.map(|(_, info)| info))
}

async fn find_info(
    conn: &mut AnyConnection,
    handle: &str,
) -> Result<Option<(Account, AccountInfo)>> {
    let row = sqlx::query(&format!("{SELECT_ACCOUNT} where a.handle = $1"))
        .bind(handle)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(info_row).transpose()
}

fn info_row(r: &sqlx::any::AnyRow) -> Result<(Account, AccountInfo)> {
    let (account, hash) = account_row(r)?;
    let info = AccountInfo {
        handle: account.handle.clone(),
        role: account.role.as_str().into(),
        person: account.person.clone(),
        active: account.active,
        password: hash.is_some(),
        created_at: r.try_get("created_at")?,
    };
    Ok((account, info))
}

const SELECT_ACCOUNT: &str = "select a.id, a.handle, a.role, p.handle as person, a.active, \
     a.password_hash, a.created_at from accounts a left join people p on p.id = a.person_id";

fn account_row(r: &sqlx::any::AnyRow) -> Result<(Account, Option<String>)> {
    let role: String = r.try_get("role")?;
    Ok((
        Account {
            id: r.try_get("id")?,
            handle: r.try_get("handle")?,
            role: Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("stored role '{role}' is unknown"))?,
            person: r.try_get("person")?,
            active: r.try_get::<i64, _>("active")? != 0,
        },
        r.try_get("password_hash")?,
    ))
}

async fn find(conn: &mut AnyConnection, handle: &str) -> Result<Option<Account>> {
    Ok(find_with_hash(conn, handle).await?.map(|(a, _)| a))
}

async fn find_with_hash(
    conn: &mut AnyConnection,
    handle: &str,
) -> Result<Option<(Account, Option<String>)>> {
    let row = sqlx::query(&format!("{SELECT_ACCOUNT} where a.handle = $1"))
        .bind(handle)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(account_row).transpose()
}

/// The account linked to a catalog person, if any.
pub async fn by_person(store: &Store, person_id: i64) -> Result<Option<Account>> {
    let row = sqlx::query(&format!(
        "{SELECT_ACCOUNT} where a.person_id = $1 order by a.id"
    ))
    .bind(person_id)
    .fetch_optional(&store.pool)
    .await?;
    Ok(row.as_ref().map(account_row).transpose()?.map(|(a, _)| a))
}

/// The principal of an active account, by id (a session holds the id).
pub async fn principal_by_id(store: &Store, id: i64) -> Result<Option<Principal>> {
    let mut conn = store.pool.acquire().await?;
    let row = sqlx::query(&format!("{SELECT_ACCOUNT} where a.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    match row.as_ref().map(account_row).transpose()? {
        Some((account, _)) if account.active => Ok(Some(principal(&mut conn, &account).await?)),
        _ => Ok(None),
    }
}

/// A PHC string for a password nobody has, verified when the handle is unknown so that an
/// unknown handle and a wrong password take the same time.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Checks a handle and password. `None` for an unknown handle, a wrong password, an account
/// without a password or a deactivated one — the caller cannot tell which.
pub async fn check_password(
    store: &Store,
    handle: &str,
    password: &str,
) -> Result<Option<Account>> {
    let found = {
        let mut conn = store.pool.acquire().await?;
        find_with_hash(&mut conn, handle).await?
    };
    let (account, stored) = match found {
        Some((account, Some(hash))) if account.active => (Some(account), hash),
        _ => {
            let dummy = match DUMMY_HASH.get() {
                Some(h) => h.clone(),
                None => {
                    let h = crate::auth::hash_password(crate::auth::generate_password()).await?;
                    DUMMY_HASH.get_or_init(|| h).clone()
                }
            };
            (None, dummy)
        }
    };
    let ok = crate::auth::verify_password(password.to_string(), stored).await?;
    Ok(account.filter(|_| ok))
}

/// Replaces an account's password hash (the event names the change, never the hash).
pub async fn set_password(
    store: &Store,
    actor: &Actor,
    account: &Account,
    hash: &str,
) -> Result<()> {
    let mut tx = store.begin().await?;
    sqlx::query("update accounts set password_hash = $1, updated_at = $2 where id = $3")
        .bind(hash)
        .bind(now())
        .bind(account.id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "account.password",
        "account",
        &account.handle,
        None::<&()>,
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn by_handle(store: &Store, handle: &str) -> Result<Option<Account>> {
    let mut conn = store.pool.acquire().await?;
    find(&mut conn, handle).await
}

/// Stores a new token for `account` and returns how it is listed; the caller shows the
/// token itself once.
pub async fn add_token(
    store: &Store,
    actor: &Actor,
    account: &Account,
    name: &str,
    scope: Scope,
    token: &str,
    expires_at: Option<&str>,
) -> Result<TokenInfo> {
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid(
            "name",
            "give the token a name of 1–100 characters",
        ));
    }
    let mut tx = store.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "insert into api_tokens (account_id, name, prefix, token_hash, scope, expires_at, \
         created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id",
    )
    .bind(account.id)
    .bind(name.trim())
    .bind(&token[..token.len().min(12)])
    .bind(crate::auth::token_hash(token))
    .bind(scope_str(scope))
    .bind(expires_at)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let info = token_by_id(&mut tx, account.id, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("token {id}")))?;
    audit::record(
        &mut tx,
        actor,
        "token.create",
        "account",
        &account.handle,
        None::<&TokenInfo>,
        Some(&info),
    )
    .await?;
    tx.commit().await?;
    Ok(info)
}

fn scope_str(scope: Scope) -> &'static str {
    match scope {
        Scope::Read => "read",
        Scope::Write => "write",
    }
}

const SELECT_TOKEN: &str = "select id, name, prefix, scope, created_at, expires_at, \
     last_used_at, revoked_at from api_tokens";

fn token_row(r: &sqlx::any::AnyRow) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        scope: r.try_get("scope")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

async fn token_by_id(
    conn: &mut AnyConnection,
    account_id: i64,
    id: i64,
) -> Result<Option<TokenInfo>> {
    let row = sqlx::query(&format!("{SELECT_TOKEN} where id = $1 and account_id = $2"))
        .bind(id)
        .bind(account_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(token_row).transpose()
}

/// An account's tokens, newest first, revoked ones included.
pub async fn tokens(store: &Store, account_id: i64) -> Result<Vec<TokenInfo>> {
    let rows = sqlx::query(&format!(
        "{SELECT_TOKEN} where account_id = $1 order by id desc"
    ))
    .bind(account_id)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(token_row).collect()
}

/// Revokes one of an account's tokens. Revoking twice is a no-op that writes no event.
pub async fn revoke_token(
    store: &Store,
    actor: &Actor,
    account: &Account,
    id: i64,
) -> Result<TokenInfo> {
    let mut tx = store.begin().await?;
    let before = token_by_id(&mut tx, account.id, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("token {id}")))?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    sqlx::query("update api_tokens set revoked_at = $1 where id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let after = token_by_id(&mut tx, account.id, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("token {id}")))?;
    audit::record(
        &mut tx,
        actor,
        "token.revoke",
        "account",
        &account.handle,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
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
        person: account.person.clone(),
        teams: teams.into_iter().collect(),
        token: None,
    })
}
