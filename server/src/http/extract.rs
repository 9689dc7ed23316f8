//! Extractors whose rejections speak the API's error format.

use crate::error::Error;
use axum::extract::{FromRequest, FromRequestParts};

/// JSON body; malformed JSON is a 400, JSON of the wrong shape a 422 naming the field.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct ApiJson<T>(pub T);

/// Query string; a malformed one is a 400.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct ApiQuery<T>(pub T);
