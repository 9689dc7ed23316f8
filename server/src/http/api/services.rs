//! `/api/v1/services`.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{services, Store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::{ErrorBody, Page, Service, ServiceInput, ServiceListItem, ServiceQuery};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
}

/// List services, filtered, sorted and paginated.
#[utoipa::path(get, path = "/services", tag = "services", params(ServiceQuery),
    responses((status = 200, body = Page<ServiceListItem>), (status = 400, body = ErrorBody)))]
async fn list(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<ServiceQuery>,
) -> Result<Json<Page<ServiceListItem>>> {
    Ok(Json(services::list(&store, &q).await?))
}

/// Register a service.
#[utoipa::path(post, path = "/services", tag = "services", request_body = ServiceInput,
    responses((status = 201, body = Service), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(store): State<Store>,
    actor: Actor,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Result<(StatusCode, Json<Service>)> {
    Ok((
        StatusCode::CREATED,
        Json(services::create(&store, &actor, &input).await?),
    ))
}

/// A service with its owners and its dependencies in both directions.
#[utoipa::path(get, path = "/services/{slug}", tag = "services",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = Service), (status = 404, body = ErrorBody)))]
async fn read(State(store): State<Store>, Path(slug): Path<String>) -> Result<Json<Service>> {
    Ok(Json(services::get(&store, &slug).await?))
}

/// Replace a service. The body carries the `version` that was read; a stale one is a 409.
#[utoipa::path(put, path = "/services/{slug}", tag = "services", request_body = ServiceInput,
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = Service), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn replace(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Result<Json<Service>> {
    Ok(Json(services::update(&store, &actor, &slug, &input).await?))
}

/// Delete a service that nothing depends on.
#[utoipa::path(delete, path = "/services/{slug}", tag = "services",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<StatusCode> {
    services::delete(&store, &actor, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
