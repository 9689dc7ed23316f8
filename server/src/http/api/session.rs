//! `/api/v1/session`: sign in and out with a password, see who you are, change your password.

use crate::auth;
use crate::domain::authz::Principal;
use crate::error::{Error, Result};
use crate::http::auth::{
    client_address, now_unix, session_error, Caller, Via, SEEN_AT, SIGNED_IN_AT,
};
use crate::http::extract::ApiJson;
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{accounts, sessions};
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::{AuthMethods, ErrorBody, Me, PasswordChange, SignIn};
use tower_sessions::Session;
use utoipa_axum::{router::OpenApiRouter, routes};

/// Failed sign-ins counted over this window…
const WINDOW_SECS: i64 = 15 * 60;
/// …per account (guessing one password) and per client address (trying many accounts).
const ACCOUNT_LIMIT: i64 = 5;
const ADDRESS_LIMIT: i64 = 30;
pub const MIN_PASSWORD_CHARS: usize = 12;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, me, sign_out))
        .routes(routes!(change_password))
        .routes(routes!(methods))
}

/// How one may sign in here: always with a password, with GitHub when it is configured.
#[utoipa::path(get, path = "/auth/methods", tag = "session",
    responses((status = 200, body = AuthMethods)))]
async fn methods(State(state): State<AppState>) -> Json<AuthMethods> {
    Json(AuthMethods {
        password: true,
        github: state.auth.github.is_some(),
    })
}

pub fn me_of(principal: &Principal, via: Via) -> Me {
    Me {
        handle: principal.handle.clone(),
        role: principal.role.as_str().into(),
        person: principal.person.clone(),
        teams: principal.teams.iter().cloned().collect(),
        via: match via {
            Via::Token => "token",
            _ => "session",
        }
        .into(),
    }
}

async fn throttled(state: &AppState, keys: &[(String, i64)]) -> Result<()> {
    for (key, limit) in keys {
        let (count, oldest) = sessions::failures(&state.store, key, WINDOW_SECS).await?;
        if count >= *limit {
            let retry_after = (oldest.unwrap_or(0) + WINDOW_SECS - now_unix()).max(1) as u64;
            return Err(Error::TooManyRequests {
                message: format!(
                    "too many failed sign-ins; try again in {} minute(s)",
                    retry_after.div_ceil(60)
                ),
                retry_after,
            });
        }
    }
    Ok(())
}

/// Sign in. The session id changes here, so an id planted before sign-in is worthless.
/// An unknown handle and a wrong password get the same answer.
#[utoipa::path(post, path = "/session", tag = "session", request_body = SignIn,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
async fn sign_in(
    State(state): State<AppState>,
    session: Session,
    parts: Parts,
    ApiJson(input): ApiJson<SignIn>,
) -> Result<Json<Me>> {
    let handle = input.handle.trim().to_ascii_lowercase();
    let account_key = format!("account:{handle}");
    let address_key = format!("address:{}", client_address(&parts, &state.auth));
    throttled(
        &state,
        &[
            (account_key.clone(), ACCOUNT_LIMIT),
            (address_key.clone(), ADDRESS_LIMIT),
        ],
    )
    .await?;
    let Some(account) = accounts::check_password(&state.store, &handle, &input.password).await?
    else {
        sessions::record_failure(&state.store, &[account_key, address_key]).await?;
        tracing::info!(handle = %handle, "sign-in refused");
        return Err(Error::Unauthenticated(
            "the handle or the password is wrong".into(),
        ));
    };
    sessions::clear_failures(&state.store, &account_key).await?;
    let principal = accounts::principal_by_id(&state.store, account.id)
        .await?
        .ok_or_else(|| Error::Unauthenticated("the handle or the password is wrong".into()))?;
    session.cycle_id().await.map_err(session_error)?;
    let now = now_unix();
    session
        .insert(sessions::ACCOUNT_KEY, account.id)
        .await
        .map_err(session_error)?;
    session
        .insert(SIGNED_IN_AT, now)
        .await
        .map_err(session_error)?;
    session.insert(SEEN_AT, now).await.map_err(session_error)?;
    tracing::info!(handle = %account.handle, "signed in");
    Ok(Json(me_of(&principal, Via::Session)))
}

/// The caller: the account behind the session or token.
#[utoipa::path(get, path = "/session", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(caller: Caller) -> Result<Json<Me>> {
    match &caller.principal {
        Some(p) => Ok(Json(me_of(p, caller.via))),
        None => Err(Error::Unauthenticated("not signed in".into())),
    }
}

/// Sign out: the session is deleted on the server, not only forgotten by the browser.
#[utoipa::path(delete, path = "/session", tag = "session",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn sign_out(session: Session, caller: Caller) -> Result<StatusCode> {
    if caller.via != Via::Session {
        return Err(Error::bad_request(
            "this request is not signed in with a session; revoke a token instead",
        ));
    }
    session.flush().await.map_err(session_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change your password. Every other session of the account ends.
#[utoipa::path(put, path = "/session/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    session: Session,
    actor: Actor,
    caller: Caller,
    ApiJson(input): ApiJson<PasswordChange>,
) -> Result<StatusCode> {
    let Some(principal) = caller.principal.as_ref() else {
        return Err(Error::Unauthenticated("not signed in".into()));
    };
    if caller.via != Via::Session {
        return Err(Error::Forbidden(
            "passwords are changed from a signed-in browser, not with an API token".into(),
        ));
    }
    if input.new.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(
            "new",
            format!("the new password must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let Some(account) =
        accounts::check_password(&state.store, &principal.handle, &input.current).await?
    else {
        return Err(Error::invalid("current", "the current password is wrong"));
    };
    let hash = auth::hash_password(input.new).await?;
    accounts::set_password(&state.store, &actor, &account, &hash).await?;
    session.cycle_id().await.map_err(session_error)?;
    sessions::end_for_account(&state.store, account.id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
