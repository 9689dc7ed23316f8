//! Extractors whose rejections speak the API's error format.

use super::AppState;
use crate::error::Error;
use crate::store::accounts;
use crate::store::audit::Actor;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{header, request::Parts};

/// JSON body; malformed JSON is a 400, JSON of the wrong shape a 422 naming the field.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct ApiJson<T>(pub T);

/// Query string; a malformed one is a 400.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct ApiQuery<T>(pub T);

/// The caller of a request: the principal behind a bearer token (if one is sent) and the
/// request id. A token that is unknown, expired or revoked is refused with 401, never
/// silently treated as anonymous.
impl FromRequestParts<AppState> for Actor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let principal = match parts.headers.get(header::AUTHORIZATION) {
            None => None,
            Some(value) => {
                let token = value
                    .to_str()
                    .ok()
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .map(str::trim)
                    .ok_or_else(|| {
                        Error::Unauthenticated(
                            "send the token as Authorization: Bearer TOKEN".into(),
                        )
                    })?;
                let principal = accounts::principal_for_token(&state.store, token)
                    .await?
                    .ok_or_else(|| {
                        Error::Unauthenticated(
                            "the API token is unknown, expired or revoked".into(),
                        )
                    })?;
                Some(principal)
            }
        };
        Ok(Actor {
            principal,
            request_id,
        })
    }
}
