//! `/api/v1/accounts`: user management, for admins. Passwords chosen here are generated and
//! shown once; an account's own password changes go through `/session/password`.

use super::session::MIN_PASSWORD_CHARS;
use crate::auth;
use crate::domain::authz::{Action, Role};
use crate::error::{Error, Result};
use crate::http::extract::ApiJson;
use crate::http::AppState;
use crate::store::accounts::{self, Change};
use crate::store::audit::Actor;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::{AccountInfo, AccountInput, AccountPatch, ErrorBody, IssuedAccount};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update))
}

fn role(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| Error::invalid("role", "choose admin, member or viewer"))
}

/// Every account with its role and whether it is active (admins only).
#[utoipa::path(get, path = "/accounts", tag = "accounts",
    responses((status = 200, body = Vec<AccountInfo>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, actor: Actor) -> Result<Json<Vec<AccountInfo>>> {
    Ok(Json(accounts::list(&state.store, &actor).await?))
}

/// Create an account (admins only). It is linked to the catalog person with the same handle.
/// Without a password, one is generated and returned this once.
#[utoipa::path(post, path = "/accounts", tag = "accounts", request_body = AccountInput,
    responses((status = 201, body = IssuedAccount), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<(StatusCode, Json<IssuedAccount>)> {
    // Refuse before spending an argon2 hash on a caller who may not do this.
    actor.authorize(&Action::Administer)?;
    let role = role(&input.role)?;
    let (password, generated) = match input.password {
        Some(p) if p.chars().count() < MIN_PASSWORD_CHARS => {
            return Err(Error::invalid(
                "password",
                format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
            ))
        }
        Some(p) => (p, false),
        None => (auth::generate_password(), true),
    };
    let hash = auth::hash_password(password.clone()).await?;
    let account = accounts::create(&state.store, &actor, &input.handle, role, Some(&hash)).await?;
    let info = accounts::info(&state.store, &account.handle)
        .await?
        .ok_or_else(|| Error::NotFound(format!("account '{}'", account.handle)))?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedAccount {
            account: info,
            password: generated.then_some(password),
        }),
    ))
}

/// Change an account's role or active flag, or reset its password (admins only). The last
/// active admin cannot be demoted or deactivated.
#[utoipa::path(patch, path = "/accounts/{handle}", tag = "accounts", request_body = AccountPatch,
    params(("handle" = String, Path, description = "Account handle")),
    responses((status = 200, body = IssuedAccount), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(handle): Path<String>,
    ApiJson(patch): ApiJson<AccountPatch>,
) -> Result<Json<IssuedAccount>> {
    actor.authorize(&Action::Administer)?;
    let role = patch.role.as_deref().map(role).transpose()?;
    let password = patch.reset_password.then(auth::generate_password);
    let hash = match &password {
        Some(p) => Some(auth::hash_password(p.clone()).await?),
        None => None,
    };
    let change = Change {
        role,
        active: patch.active,
        password_hash: hash.as_deref(),
    };
    let account = accounts::update(&state.store, &actor, &handle, change).await?;
    Ok(Json(IssuedAccount { account, password }))
}
