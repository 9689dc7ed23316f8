//! `/api/v1/people`.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{people, Store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::{ErrorBody, Page, Person, PersonInput, SimpleQuery};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
}

/// List people.
#[utoipa::path(get, path = "/people", tag = "people", params(SimpleQuery),
    responses((status = 200, body = Page<Person>), (status = 400, body = ErrorBody)))]
async fn list(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<SimpleQuery>,
) -> Result<Json<Page<Person>>> {
    Ok(Json(people::list(&store, &q).await?))
}

/// Add a person.
#[utoipa::path(post, path = "/people", tag = "people", request_body = PersonInput,
    responses((status = 201, body = Person), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(store): State<Store>,
    actor: Actor,
    ApiJson(input): ApiJson<PersonInput>,
) -> Result<(StatusCode, Json<Person>)> {
    Ok((
        StatusCode::CREATED,
        Json(people::create(&store, &actor, &input).await?),
    ))
}

/// A person with their teams.
#[utoipa::path(get, path = "/people/{handle}", tag = "people",
    params(("handle" = String, Path, description = "Handle of the person")),
    responses((status = 200, body = Person), (status = 404, body = ErrorBody)))]
async fn read(State(store): State<Store>, Path(handle): Path<String>) -> Result<Json<Person>> {
    Ok(Json(people::get(&store, &handle).await?))
}

/// Replace a person. The body carries the `version` that was read; a stale one is a 409.
#[utoipa::path(put, path = "/people/{handle}", tag = "people", request_body = PersonInput,
    params(("handle" = String, Path, description = "Handle of the person")),
    responses((status = 200, body = Person), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn replace(
    State(store): State<Store>,
    actor: Actor,
    Path(handle): Path<String>,
    ApiJson(input): ApiJson<PersonInput>,
) -> Result<Json<Person>> {
    Ok(Json(people::update(&store, &actor, &handle, &input).await?))
}

/// Delete a person (and their team memberships).
#[utoipa::path(delete, path = "/people/{handle}", tag = "people",
    params(("handle" = String, Path, description = "Handle of the person")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(store): State<Store>,
    actor: Actor,
    Path(handle): Path<String>,
) -> Result<StatusCode> {
    people::delete(&store, &actor, &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}
