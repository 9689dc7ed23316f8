//! How errors become HTTP responses: 4xx with a JSON body the caller can act on; internal
//! errors become a generic 500 whose detail is logged once by the trace middleware.

use crate::error::Error;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use steward_app::api::{ErrorBody, ErrorDetail, FieldError};

/// The detail of an internal error, attached to the response for the logging middleware.
#[derive(Clone, Debug)]
pub struct InternalErrorDetail(pub String);

fn body(
    status: StatusCode,
    code: &str,
    message: String,
    field: Option<String>,
    details: Vec<FieldError>,
) -> Response {
    (
        status,
        Json(ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                field,
                details,
            },
        }),
    )
        .into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::BadRequest { message, field } => body(
                StatusCode::BAD_REQUEST,
                "bad_request",
                message,
                field,
                vec![],
            ),
            Error::Validation(errors) => {
                let first = errors.first().cloned().unwrap_or(FieldError {
                    field: String::new(),
                    message: "the request is invalid".into(),
                });
                let message = if errors.len() > 1 {
                    format!(
                        "{}: {} (and {} more)",
                        first.field,
                        first.message,
                        errors.len() - 1
                    )
                } else {
                    format!("{}: {}", first.field, first.message)
                };
                body(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    message,
                    Some(first.field),
                    errors,
                )
            }
            Error::NotFound(what) => body(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
                None,
                vec![],
            ),
            Error::Unauthenticated(message) => {
                let mut response = body(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    message,
                    None,
                    vec![],
                );
                response.headers_mut().insert(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Bearer"),
                );
                response
            }
            Error::Forbidden(message) => {
                body(StatusCode::FORBIDDEN, "forbidden", message, None, vec![])
            }
            Error::TooManyRequests {
                message,
                retry_after,
            } => {
                let mut response = body(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    message,
                    None,
                    vec![],
                );
                response.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(retry_after),
                );
                response
            }
            Error::TooLarge(message) => body(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                message,
                None,
                vec![],
            ),
            Error::Conflict {
                code,
                message,
                field,
            } => body(StatusCode::CONFLICT, code, message, field, vec![]),
            Error::Database(e) => internal(format!("database: {e}")),
            Error::Internal(e) => internal(format!("{e:#}")),
        }
    }
}

fn internal(detail: String) -> Response {
    let mut response = body(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on our side; it has been logged".into(),
        None,
        vec![],
    );
    response
        .extensions_mut()
        .insert(InternalErrorDetail(detail));
    response
}

impl From<JsonRejection> for Error {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            // axum reports the JSON path of the offending value: "owners[0]: invalid type…"
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let detail = text
                    .split_once("target type: ")
                    .map(|(_, d)| d.to_string())
                    .unwrap_or(text);
                let (field, message) = match detail.split_once(": ") {
                    Some((path, msg)) if !path.contains(' ') => (camel_path(path), msg.to_string()),
                    _ => (missing_field(&detail).unwrap_or_default(), detail.clone()),
                };
                Error::Validation(vec![FieldError { field, message }])
            }
            JsonRejection::JsonSyntaxError(e) => {
                Error::bad_request(format!("the body is not valid JSON: {}", e.body_text()))
            }
            JsonRejection::MissingJsonContentType(_) => {
                Error::bad_request("send the body as JSON with Content-Type: application/json")
            }
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Error::TooLarge("the request body is too large".into())
            }
            other => Error::bad_request(other.body_text()),
        }
    }
}

impl From<QueryRejection> for Error {
    fn from(rejection: QueryRejection) -> Self {
        Error::bad_request(format!("invalid query: {}", rejection.body_text()))
    }
}

/// `links[0].url` → `links.0.url`.
fn camel_path(path: &str) -> String {
    path.replace('[', ".").replace(']', "")
}

/// "missing field `owners` at line 1 column 20" → "owners".
fn missing_field(message: &str) -> Option<String> {
    let rest = message.split_once("missing field `")?.1;
    Some(rest.split_once('`')?.0.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_missing_fields() {
        assert_eq!(camel_path("links[0].url"), "links.0.url");
        assert_eq!(
            missing_field("missing field `owners` at line 1 column 2").as_deref(),
            Some("owners")
        );
    }
}
