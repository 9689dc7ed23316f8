//! The one error type of the store and the API. Client errors carry what the caller needs to
//! fix the request; internal errors are logged and answered with a generic 500.

use steward_app::api::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Malformed request (unparseable body, bad query parameter).
    #[error("{message}")]
    BadRequest {
        message: String,
        field: Option<String>,
    },
    /// Well-formed but invalid input; every problem, field by field.
    #[error("the request is invalid")]
    Validation(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(String),
    /// Credentials were sent but are not valid (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Signed in, but not allowed to do this (403); the message says who may.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts; try again after `retry_after` seconds (429).
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// The request body is over the size limit.
    #[error("{0}")]
    TooLarge(String),
    /// A conflict with the stored state: duplicate key, stale version, still referenced.
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest {
            message: message.into(),
            field: None,
        }
    }

    pub fn conflict(code: &'static str, field: Option<&str>, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
            field: field.map(str::to_string),
        }
    }

    pub fn stale_version(what: &str) -> Self {
        Error::conflict(
            "version_conflict",
            Some("version"),
            format!("{what} was changed by someone else; reload it and apply your change again"),
        )
    }
}

/// Maps a unique-constraint violation to a conflict. Checked by the database's error kind,
/// never by matching message text.
pub trait ResultExt<T> {
    fn on_unique_violation(self, f: impl FnOnce() -> Error) -> Result<T>;
}

impl<T> ResultExt<T> for std::result::Result<T, sqlx::Error> {
    fn on_unique_violation(self, f: impl FnOnce() -> Error) -> Result<T> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => f(),
            _ => Error::Database(e),
        })
    }
}

impl From<crate::domain::authz::Denied> for Error {
    fn from(denied: crate::domain::authz::Denied) -> Self {
        match denied {
            crate::domain::authz::Denied::Unauthenticated => {
                Error::Unauthenticated("sign in, or send an API token, to change anything".into())
            }
            crate::domain::authz::Denied::Forbidden(reason) => Error::Forbidden(reason),
        }
    }
}
