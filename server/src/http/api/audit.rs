//! `/api/v1/audit`: who changed what.

use crate::error::Result;
use crate::http::extract::ApiQuery;
use crate::http::AppState;
use crate::store::{audit, Store};
use axum::extract::State;
use axum::Json;
use steward_app::api::{AuditEvent, AuditQuery, ErrorBody, Page};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// The audit log, newest first, filtered by actor, subject and time range.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditEvent>), (status = 400, body = ErrorBody)))]
async fn list(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEvent>>> {
    Ok(Json(audit::list(&store, &q).await?))
}
