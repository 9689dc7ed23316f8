//! `/api/v1/import` and `/api/v1/export`: the catalog as Backstage YAML.

use crate::domain::backstage;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{catalog, Store};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use steward_app::api::{ErrorBody, ImportReport, ImportRequest};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Large catalogs arrive in one request; the rest of the API keeps axum's 2 MB default.
const IMPORT_LIMIT: usize = 64 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import))
        .layer(DefaultBodyLimit::max(IMPORT_LIMIT))
        .routes(routes!(export))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
struct ImportParams {
    /// With a YAML body: plan only, write nothing.
    #[serde(default)]
    dry_run: bool,
}

/// Import Backstage catalog YAML (multi-document; Component, System, Domain, API, Resource,
/// Group, User; other kinds are kept as given). Send either JSON `{"yaml", "dryRun"}` or the
/// YAML itself (`Content-Type: application/yaml`, `?dryRun=true`). The import is one
/// transaction: if any entity is rejected nothing is stored and the report (422) lists every
/// reason.
#[utoipa::path(post, path = "/import", tag = "catalog", params(ImportParams),
    request_body(content(
        (ImportRequest = "application/json"),
        (String = "application/yaml"))),
    responses((status = 200, body = ImportReport), (status = 400, body = ErrorBody),
        (status = 422, body = ImportReport)))]
async fn import(
    State(store): State<Store>,
    actor: Actor,
    axum::extract::Query(params): axum::extract::Query<ImportParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (yaml, dry_run) = if content_type.starts_with("application/json") {
        let request: ImportRequest = serde_json::from_slice(&body)
            .map_err(|e| Error::bad_request(format!("the body is not an import request: {e}")))?;
        (request.yaml, request.dry_run || params.dry_run)
    } else {
        let text = String::from_utf8(body.to_vec())
            .map_err(|_| Error::bad_request("the YAML body is not UTF-8"))?;
        (text, params.dry_run)
    };
    let documents = backstage::parse(&yaml, "request body").map_err(Error::bad_request)?;
    if documents.is_empty() {
        return Err(Error::bad_request("the body holds no Backstage entities"));
    }
    let report = catalog::import(&store, &actor, &documents, dry_run).await?;
    let status = if report.rejected > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)))
}

/// The whole catalog as Backstage YAML; importing it into an empty Steward recreates it.
#[utoipa::path(get, path = "/export", tag = "catalog",
    responses((status = 200, content_type = "application/yaml", body = String)))]
async fn export(State(store): State<Store>) -> Result<impl IntoResponse> {
    let cat = catalog::snapshot(&store).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/yaml; charset=utf-8")],
        backstage::export(&cat),
    ))
}
