//! `/api/v1/teams`.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{teams, Store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::{ErrorBody, Page, SimpleQuery, Team, TeamInput};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
}

/// List teams.
#[utoipa::path(get, path = "/teams", tag = "teams", params(SimpleQuery),
    responses((status = 200, body = Page<Team>), (status = 400, body = ErrorBody)))]
async fn list(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<SimpleQuery>,
) -> Result<Json<Page<Team>>> {
    Ok(Json(teams::list(&store, &q).await?))
}

/// Create a team.
#[utoipa::path(post, path = "/teams", tag = "teams", request_body = TeamInput,
    responses((status = 201, body = Team), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(store): State<Store>,
    actor: Actor,
    ApiJson(input): ApiJson<TeamInput>,
) -> Result<(StatusCode, Json<Team>)> {
    Ok((
        StatusCode::CREATED,
        Json(teams::create(&store, &actor, &input).await?),
    ))
}

/// A team with its members, sub-teams and owned services.
#[utoipa::path(get, path = "/teams/{slug}", tag = "teams",
    params(("slug" = String, Path, description = "Team slug")),
    responses((status = 200, body = Team), (status = 404, body = ErrorBody)))]
async fn read(State(store): State<Store>, Path(slug): Path<String>) -> Result<Json<Team>> {
    Ok(Json(teams::get(&store, &slug).await?))
}

/// Replace a team. The body carries the `version` that was read; a stale one is a 409.
#[utoipa::path(put, path = "/teams/{slug}", tag = "teams", request_body = TeamInput,
    params(("slug" = String, Path, description = "Team slug")),
    responses((status = 200, body = Team), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn replace(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<TeamInput>,
) -> Result<Json<Team>> {
    Ok(Json(teams::update(&store, &actor, &slug, &input).await?))
}

/// Delete a team that owns no service and has no sub-teams.
#[utoipa::path(delete, path = "/teams/{slug}", tag = "teams",
    params(("slug" = String, Path, description = "Team slug")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<StatusCode> {
    teams::delete(&store, &actor, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
