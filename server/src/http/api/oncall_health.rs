//! The on-call health report: gaps, load by each person's own clock, share against the SRE
//! book's 25% line and a balance score, for a schedule and for a team's schedules together.

use crate::error::Result;
use crate::http::extract::ApiQuery;
use crate::http::AppState;
use crate::store::{oncall, Store};
use axum::extract::{Path, State};
use axum::Json;
use steward_app::api::oncall::WindowQuery;
use steward_app::api::oncall_health::{ScheduleHealth, TeamHealth};
use steward_app::api::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The default window: now and the next 30 days.
const DEFAULT_DAYS: i64 = 30;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule_health))
        .routes(routes!(team_health))
}

/// A schedule's health over a window (default: now and the next 30 days; at most 400 days):
/// its gaps with local times on the schedule's clock; for each person rotating in the window
/// (even with no turn in it) and anyone else with time on it, on-call time split into business
/// hours (08–18 Monday to Friday), off hours and sleep hours (22–08) by the person's own zone,
/// and their share of the window against the SRE line of 25%; the balance score (for each pair
/// of people, the shorter time over the longer, averaged; 1 is even); and flags (`gaps`,
/// `over_limit`, `unbalanced` below 0.5).
#[utoipa::path(get, path = "/schedules/{slug}/health", tag = "on-call",
    params(("slug" = String, Path, description = "Schedule slug"), WindowQuery),
    responses((status = 200, body = ScheduleHealth), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn schedule_health(
    State(store): State<Store>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> Result<Json<ScheduleHealth>> {
    let (from, to) = oncall::window(q.from.as_deref(), q.to.as_deref(), DEFAULT_DAYS)?;
    Ok(Json(
        oncall::schedule_health(&store, &slug, from, to).await?,
    ))
}

/// A team's on-call health over a window (default: now and the next 30 days; at most 400
/// days): the health of each of the team's own schedules (sub-teams have their own report),
/// and each person across all of them, their time taken as a union (an hour on call on two
/// schedules at once counts once), with the balance score between them, the schedules with
/// gaps and the people over the SRE line.
#[utoipa::path(get, path = "/teams/{slug}/oncall-health", tag = "on-call",
    params(("slug" = String, Path, description = "Team slug"), WindowQuery),
    responses((status = 200, body = TeamHealth), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn team_health(
    State(store): State<Store>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<WindowQuery>,
) -> Result<Json<TeamHealth>> {
    let (from, to) = oncall::window(q.from.as_deref(), q.to.as_deref(), DEFAULT_DAYS)?;
    Ok(Json(oncall::team_health(&store, &slug, from, to).await?))
}
