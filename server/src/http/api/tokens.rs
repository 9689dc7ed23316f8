//! `/api/v1/tokens`: API tokens of the signed-in account.

use crate::auth;
use crate::domain::authz::{Role, Scope};
use crate::error::{Error, Result};
use crate::http::auth::{Caller, Via};
use crate::http::extract::ApiJson;
use crate::http::AppState;
use crate::store::accounts::{self, Account};
use crate::store::audit::Actor;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::{CreatedToken, ErrorBody, TokenInfo, TokenInput};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
}

/// Tokens are managed from a signed-in browser; a token cannot mint or revoke tokens.
async fn session_account(state: &AppState, caller: &Caller) -> Result<(Account, Role)> {
    let Some(p) = caller.principal.as_ref() else {
        return Err(Error::Unauthenticated("not signed in".into()));
    };
    if caller.via != Via::Session {
        return Err(Error::Forbidden(
            "API tokens are managed from a signed-in browser, not with another token".into(),
        ));
    }
    let account = accounts::by_handle(&state.store, &p.handle)
        .await?
        .ok_or_else(|| Error::Unauthenticated("the account is gone".into()))?;
    Ok((account, p.role))
}

/// Your API tokens, newest first, with when each was last used.
#[utoipa::path(get, path = "/tokens", tag = "session",
    responses((status = 200, body = Vec<TokenInfo>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<TokenInfo>>> {
    let (account, _) = session_account(&state, &caller).await?;
    Ok(Json(accounts::tokens(&state.store, account.id).await?))
}

/// Create a token. The answer holds the token: it is shown this once and stored only as a
/// hash.
#[utoipa::path(post, path = "/tokens", tag = "session", request_body = TokenInput,
    responses((status = 201, body = CreatedToken), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    actor: Actor,
    ApiJson(input): ApiJson<TokenInput>,
) -> Result<(StatusCode, Json<CreatedToken>)> {
    let (account, role) = session_account(&state, &caller).await?;
    let scope = match input.scope.as_str() {
        "read" => Scope::Read,
        "write" if role == Role::Viewer => {
            return Err(Error::invalid(
                "scope",
                "a viewer's token can only read; choose the read scope",
            ))
        }
        "write" => Scope::Write,
        _ => return Err(Error::invalid("scope", "choose read or write")),
    };
    let expires_at = match input.expires_in_days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(
            (chrono::Utc::now() + chrono::Duration::days(i64::from(d)))
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        ),
        Some(_) => {
            return Err(Error::invalid(
                "expiresInDays",
                "a token lives between 1 and 3650 days",
            ))
        }
    };
    let token = auth::generate_token();
    let info = accounts::add_token(
        &state.store,
        &actor,
        &account,
        &input.name,
        scope,
        &token,
        expires_at.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, info })))
}

/// Revoke one of your tokens; it stops working at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "session",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 200, body = TokenInfo), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<TokenInfo>> {
    let (account, _) = session_account(&state, &caller).await?;
    Ok(Json(
        accounts::revoke_token(&state.store, &actor, &account, id).await?,
    ))
}
