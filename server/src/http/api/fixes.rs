//! `/api/v1/fixes`: the three fix tiers, the backlog and its CSV export.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{fixes, Store};
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use steward_app::api::fixes::{Backlog, Fix, FixInput, FixQuery};
use steward_app::api::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(backlog, create))
        .routes(routes!(export))
        .routes(routes!(read, update))
}

/// The fixes owed (open by default): a team's (owned by it or on its services), a
/// service's, an incident's, of a tier. Expired dirty fixes first, then overdue proper fixes,
/// then the rest oldest first.
#[utoipa::path(get, path = "/fixes", tag = "fixes", params(FixQuery),
    responses((status = 200, body = Backlog), (status = 422, body = ErrorBody)))]
async fn backlog(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<FixQuery>,
) -> Result<Json<Backlog>> {
    Ok(Json(fixes::backlog(&store, &q).await?))
}

/// The same backlog as CSV.
#[utoipa::path(get, path = "/fixes.csv", tag = "fixes", params(FixQuery),
    responses((status = 200, content_type = "text/csv", body = String),
        (status = 422, body = ErrorBody)))]
async fn export(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<FixQuery>,
) -> Result<impl IntoResponse> {
    let body = fixes::csv(&store, &q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"fixes.csv\"",
            ),
        ],
        body,
    ))
}

/// Record a fix: short-term (what stopped the bleeding, with an expiry), proper (owner, due
/// date, the short-term fix it retires) or future (what happened, why it matters, a
/// direction).
#[utoipa::path(post, path = "/fixes", tag = "fixes", request_body = FixInput,
    responses((status = 201, body = Fix), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<FixInput>,
) -> Result<(StatusCode, Json<Fix>)> {
    let fix = fixes::create(&state.store, &actor, input).await?;
    if fix.tier == "future" && fix.state == "open" {
        file_soon(&state).await;
    }
    Ok((StatusCode::CREATED, Json(fix)))
}

/// A future fix is filed on GitHub within seconds, not at the next tick of the sync job.
async fn file_soon(state: &AppState) {
    if state
        .jobs
        .github
        .as_ref()
        .is_some_and(|g| g.settings.file_at_once)
    {
        if let Err(e) = state.jobs.run_now(crate::jobs::JobKind::GithubSync).await {
            tracing::warn!(error = %e, "could not start the GitHub sync");
        }
    }
}

#[utoipa::path(get, path = "/fixes/{id}", tag = "fixes",
    params(("id" = i64, Path, description = "Fix number")),
    responses((status = 200, body = Fix), (status = 404, body = ErrorBody)))]
async fn read(State(store): State<Store>, Path(id): Path<i64>) -> Result<Json<Fix>> {
    Ok(Json(fixes::get(&store, id).await?))
}

/// Replace a fix (with the `version` read). Done or not doing (with a reason) closes it; a
/// proper fix done retires the short-term fix it names.
#[utoipa::path(put, path = "/fixes/{id}", tag = "fixes", request_body = FixInput,
    params(("id" = i64, Path, description = "Fix number")),
    responses((status = 200, body = Fix), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Json<Fix>> {
    fixes::authorize(&state.store, &actor, id).await?;
    let ApiJson(input) = ApiJson::<FixInput>::from_request(request, &state).await?;
    Ok(Json(fixes::update(&state.store, &actor, id, input).await?))
}
