//! Extractors whose rejections speak the API's error format.

use super::auth::Caller;
use crate::error::Error;
use crate::store::audit::Actor;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;

/// JSON body; malformed JSON is a 400, JSON of the wrong shape a 422 naming the field.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct ApiJson<T>(pub T);

/// Query string; a malformed one is a 400.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct ApiQuery<T>(pub T);

/// The caller, as resolved by the `authenticate` middleware (anonymous when it did not run).
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        Ok(parts
            .extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(Caller::anonymous))
    }
}

/// Who is making a change: the resolved caller and the request id, for the store's
/// authorization check and audit event.
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let caller = Caller::from_request_parts(parts, state).await?;
        Ok(Actor {
            principal: caller.principal,
            request_id,
            system: false,
        })
    }
}
