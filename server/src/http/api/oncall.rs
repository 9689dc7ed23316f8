//! `/api/v1/schedules` and who is on call: schedules with their layers, the computed
//! timeline, a preview before saving, overrides, and "on call now" for teams and services.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{oncall, services, Store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use steward_app::api::oncall::{
    OnCall, Override, OverrideInput, Preview, Schedule, ScheduleInput, Shift, Timeline, WindowQuery,
};
use steward_app::api::ErrorBody;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
        .routes(routes!(preview))
        .routes(routes!(timeline))
        .routes(routes!(overrides, add_override))
        .routes(routes!(remove_override))
        .routes(routes!(team_on_call))
        .routes(routes!(service_on_call))
        .routes(routes!(all_on_call))
        .routes(routes!(person_shifts))
}

#[derive(Debug, Deserialize, IntoParams)]
struct ScheduleFilter {
    /// Only this team's schedules.
    team: Option<String>,
}

/// List schedules, by name.
#[utoipa::path(get, path = "/schedules", tag = "on-call", params(ScheduleFilter),
    responses((status = 200, body = Vec<Schedule>)))]
async fn list(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<ScheduleFilter>,
) -> Result<Json<Vec<Schedule>>> {
    Ok(Json(oncall::list(&store, q.team.as_deref()).await?))
}

/// Create a schedule (members of the owning team, admins).
#[utoipa::path(post, path = "/schedules", tag = "on-call", request_body = ScheduleInput,
    responses((status = 201, body = Schedule), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(store): State<Store>,
    actor: Actor,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> Result<(StatusCode, Json<Schedule>)> {
    Ok((
        StatusCode::CREATED,
        Json(oncall::create(&store, &actor, &input).await?),
    ))
}

/// A schedule with its layers and their rotation history.
#[utoipa::path(get, path = "/schedules/{slug}", tag = "on-call",
    params(("slug" = String, Path, description = "Schedule slug")),
    responses((status = 200, body = Schedule), (status = 404, body = ErrorBody)))]
async fn read(State(store): State<Store>, Path(slug): Path<String>) -> Result<Json<Schedule>> {
    Ok(Json(oncall::get(&store, &slug).await?))
}

/// Replace a schedule. A changed participant list of a layer applies from its next handoff.
#[utoipa::path(put, path = "/schedules/{slug}", tag = "on-call", request_body = ScheduleInput,
    params(("slug" = String, Path, description = "Schedule slug")),
    responses((status = 200, body = Schedule), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn replace(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> Result<Json<Schedule>> {
    Ok(Json(oncall::update(&store, &actor, &slug, &input).await?))
}

/// Delete a schedule and its overrides.
#[utoipa::path(delete, path = "/schedules/{slug}", tag = "on-call",
    params(("slug" = String, Path, description = "Schedule slug")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<StatusCode> {
    oncall::delete(&store, &actor, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a schedule would look like if saved as given (new or changed), beside how it is now;
/// nothing is stored. Default window: now and the next 28 days.
#[utoipa::path(post, path = "/schedules/preview", tag = "on-call", request_body = ScheduleInput,
    params(WindowQuery),
    responses((status = 200, body = Preview), (status = 422, body = ErrorBody)))]
async fn preview(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<WindowQuery>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> Result<Json<Preview>> {
    let (from, to) = oncall::window(q.from.as_deref(), q.to.as_deref(), 28)?;
    Ok(Json(oncall::preview(&store, &input, from, to).await?))
}

/// The computed schedule over a window: one row per layer and the final row (overrides
/// applied, gaps marked). Default window: now and the next 28 days; at most 400 days.
#[utoipa::path(get, path = "/schedules/{slug}/timeline", tag = "on-call",
    params(("slug" = String, Path, description = "Schedule slug"), WindowQuery),
    responses((status = 200, body = Timeline), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn timeline(
    State(store): State<Store>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> Result<Json<Timeline>> {
    let (from, to) = oncall::window(q.from.as_deref(), q.to.as_deref(), 28)?;
    Ok(Json(oncall::timeline(&store, &slug, from, to).await?))
}

/// The overrides that touch a window (default: now and the next 28 days).
#[utoipa::path(get, path = "/schedules/{slug}/overrides", tag = "on-call",
    params(("slug" = String, Path, description = "Schedule slug"), WindowQuery),
    responses((status = 200, body = Vec<Override>), (status = 404, body = ErrorBody)))]
async fn overrides(
    State(store): State<Store>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> Result<Json<Vec<Override>>> {
    let (from, to) = oncall::window(q.from.as_deref(), q.to.as_deref(), 28)?;
    Ok(Json(oncall::list_overrides(&store, &slug, from, to).await?))
}

/// Put someone on call over an interval, above every layer.
#[utoipa::path(post, path = "/schedules/{slug}/overrides", tag = "on-call",
    request_body = OverrideInput,
    params(("slug" = String, Path, description = "Schedule slug")),
    responses((status = 201, body = Override), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add_override(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<OverrideInput>,
) -> Result<(StatusCode, Json<Override>)> {
    Ok((
        StatusCode::CREATED,
        Json(oncall::add_override(&store, &actor, &slug, &input).await?),
    ))
}

/// Remove an override.
#[utoipa::path(delete, path = "/schedules/{slug}/overrides/{id}", tag = "on-call",
    params(("slug" = String, Path, description = "Schedule slug"),
        ("id" = i64, Path, description = "Override id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove_override(
    State(store): State<Store>,
    actor: Actor,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<StatusCode> {
    oncall::delete_override(&store, &actor, &slug, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is on call now on each of a team's schedules.
#[utoipa::path(get, path = "/teams/{slug}/oncall", tag = "on-call",
    params(("slug" = String, Path, description = "Team slug")),
    responses((status = 200, body = Vec<OnCall>), (status = 404, body = ErrorBody)))]
async fn team_on_call(
    State(store): State<Store>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<OnCall>>> {
    crate::store::teams::get(&store, &slug).await?;
    Ok(Json(
        oncall::on_call(&store, Some(&[slug]), Utc::now()).await?,
    ))
}

/// Who is on call now for a service: the schedules of its owning teams, primary owner first.
#[utoipa::path(get, path = "/services/{slug}/oncall", tag = "on-call",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = Vec<OnCall>), (status = 404, body = ErrorBody)))]
async fn service_on_call(
    State(store): State<Store>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<OnCall>>> {
    let service = services::get(&store, &slug).await?;
    let owners: Vec<String> = service.owners.into_iter().map(|o| o.slug).collect();
    Ok(Json(
        oncall::on_call(&store, Some(&owners), Utc::now()).await?,
    ))
}

/// Who is on call now on every schedule.
#[utoipa::path(get, path = "/oncall", tag = "on-call",
    responses((status = 200, body = Vec<OnCall>)))]
async fn all_on_call(State(store): State<Store>) -> Result<Json<Vec<OnCall>>> {
    Ok(Json(oncall::on_call(&store, None, Utc::now()).await?))
}

/// A person's shifts on every schedule over a window (default: now and the next 28 days; at
/// most 400 days), earliest first, with local times on the person's own clock.
#[utoipa::path(get, path = "/people/{handle}/shifts", tag = "on-call",
    params(("handle" = String, Path, description = "Person handle"), WindowQuery),
    responses((status = 200, body = Vec<Shift>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn person_shifts(
    State(store): State<Store>,
    Path(handle): Path<String>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> Result<Json<Vec<Shift>>> {
    let (from, to) = oncall::window(q.from.as_deref(), q.to.as_deref(), 28)?;
    Ok(Json(oncall::shifts(&store, &handle, from, to).await?))
}
