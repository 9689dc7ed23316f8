//! `/api/v1/incidents`: declare, change, the timeline, and response-time metrics.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{incidents, Store};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::incidents::{
    Incident, IncidentInput, IncidentMetrics, IncidentQuery, IncidentSummary, NoteInput,
    TimelineEntry,
};
use steward_app::api::{ErrorBody, Page};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, declare))
        .routes(routes!(metrics))
        .routes(routes!(read, update))
        .routes(routes!(timeline, note))
}

/// Incidents, newest detection first: of a service, of a team's services, of a severity,
/// open (not resolved) or in a status, detected in [`from`, `to`).
#[utoipa::path(get, path = "/incidents", tag = "incidents", params(IncidentQuery),
    responses((status = 200, body = Page<IncidentSummary>), (status = 400, body = ErrorBody)))]
async fn list(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> Result<Json<Page<IncidentSummary>>> {
    Ok(Json(incidents::list(&store, &q).await?))
}

/// Declare an incident (anyone signed in): its commander, affected services and what is
/// known of its milestones. Who is on call for each service now is kept with it.
#[utoipa::path(post, path = "/incidents", tag = "incidents", request_body = IncidentInput,
    responses((status = 201, body = Incident), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn declare(
    State(store): State<Store>,
    actor: Actor,
    ApiJson(input): ApiJson<IncidentInput>,
) -> Result<(StatusCode, Json<Incident>)> {
    Ok((
        StatusCode::CREATED,
        Json(incidents::declare(&store, &actor, input).await?),
    ))
}

/// Median and p90 (never the mean) of the times to detect, acknowledge, mitigate and resolve
/// over the incidents the query selects.
#[utoipa::path(get, path = "/incidents/metrics", tag = "incidents", params(IncidentQuery),
    responses((status = 200, body = IncidentMetrics), (status = 400, body = ErrorBody)))]
async fn metrics(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> Result<Json<IncidentMetrics>> {
    Ok(Json(incidents::metrics(&store, &q).await?))
}

#[utoipa::path(get, path = "/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident number")),
    responses((status = 200, body = Incident), (status = 404, body = ErrorBody)))]
async fn read(State(store): State<Store>, Path(id): Path<i64>) -> Result<Json<Incident>> {
    Ok(Json(incidents::get(&store, id).await?))
}

/// Replace the incident (with the `version` read). A new commander is recorded as a
/// hand-over, with its time and both names.
#[utoipa::path(put, path = "/incidents/{id}", tag = "incidents", request_body = IncidentInput,
    params(("id" = i64, Path, description = "Incident number")),
    responses((status = 200, body = Incident), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Json<Incident>> {
    incidents::authorize(&state.store, &actor, id).await?;
    let ApiJson(input) = ApiJson::<IncidentInput>::from_request(request, &state).await?;
    Ok(Json(
        incidents::update(&state.store, &actor, id, input).await?,
    ))
}

/// The timeline, oldest first: the declaration, notes, hand-overs, status and milestone
/// changes.
#[utoipa::path(get, path = "/incidents/{id}/timeline", tag = "incidents",
    params(("id" = i64, Path, description = "Incident number")),
    responses((status = 200, body = Vec<TimelineEntry>), (status = 404, body = ErrorBody)))]
async fn timeline(
    State(store): State<Store>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<TimelineEntry>>> {
    Ok(Json(incidents::timeline(&store, id).await?))
}

/// Add a note to the timeline.
#[utoipa::path(post, path = "/incidents/{id}/timeline", tag = "incidents",
    request_body = NoteInput,
    params(("id" = i64, Path, description = "Incident number")),
    responses((status = 201, body = TimelineEntry), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn note(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    request: Request,
) -> Result<(StatusCode, Json<TimelineEntry>)> {
    incidents::authorize(&state.store, &actor, id).await?;
    let ApiJson(input) = ApiJson::<NoteInput>::from_request(request, &state).await?;
    Ok((
        StatusCode::CREATED,
        Json(incidents::note(&state.store, &actor, id, &input).await?),
    ))
}
