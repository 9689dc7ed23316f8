//! `/api/v1/services/{slug}/runbook`: a service's runbook, its versions and their
//! differences, and reviews.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{runbooks, Store};
use axum::extract::{FromRequest, Path, Request, State};
use axum::Json;
use steward_app::api::runbooks::{
    Runbook, RunbookDiff, RunbookDiffQuery, RunbookInput, RunbookVersion, RunbookVersionSummary,
};
use steward_app::api::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read, save))
        .routes(routes!(versions))
        .routes(routes!(version))
        .routes(routes!(diff))
        .routes(routes!(review))
}

/// The runbook, rendered, with when it was last reviewed, when the next review is due and
/// whether the service changed since (`suspect`).
#[utoipa::path(get, path = "/services/{slug}/runbook", tag = "runbooks",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = Runbook), (status = 404, body = ErrorBody)))]
async fn read(State(store): State<Store>, Path(slug): Path<String>) -> Result<Json<Runbook>> {
    Ok(Json(runbooks::get(&store, &slug).await?))
}

/// Save the runbook as a new version (which also counts as a review). The body carries the
/// `version` that was read (none for the first save); a stale one is a 409, and so is a save
/// that changes nothing (`unchanged`: mark it reviewed instead).
#[utoipa::path(put, path = "/services/{slug}/runbook", tag = "runbooks",
    request_body = RunbookInput,
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = Runbook), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn save(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    request: Request,
) -> Result<Json<Runbook>> {
    // Who may write is known from the URL: refuse before reading a body of up to 2 MB.
    runbooks::authorize_write(&state.store, &actor, &slug).await?;
    let ApiJson(input) = ApiJson::<RunbookInput>::from_request(request, &state).await?;
    Ok(Json(
        runbooks::save(&state.store, &actor, &slug, input).await?,
    ))
}

/// Every saved version, newest first.
#[utoipa::path(get, path = "/services/{slug}/runbook/versions", tag = "runbooks",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = Vec<RunbookVersionSummary>), (status = 404, body = ErrorBody)))]
async fn versions(
    State(store): State<Store>,
    Path(slug): Path<String>,
) -> Result<Json<Vec<RunbookVersionSummary>>> {
    Ok(Json(runbooks::versions(&store, &slug).await?))
}

/// One saved version, whole and rendered.
#[utoipa::path(get, path = "/services/{slug}/runbook/versions/{number}", tag = "runbooks",
    params(("slug" = String, Path, description = "Service slug"),
        ("number" = i64, Path, description = "Version number")),
    responses((status = 200, body = RunbookVersion), (status = 404, body = ErrorBody)))]
async fn version(
    State(store): State<Store>,
    Path((slug, number)): Path<(String, i64)>,
) -> Result<Json<RunbookVersion>> {
    Ok(Json(runbooks::version(&store, &slug, number).await?))
}

/// The line differences between two versions: the markdown, the failure modes and the links.
#[utoipa::path(get, path = "/services/{slug}/runbook/diff", tag = "runbooks",
    params(("slug" = String, Path, description = "Service slug"), RunbookDiffQuery),
    responses((status = 200, body = RunbookDiff), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn diff(
    State(store): State<Store>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<RunbookDiffQuery>,
) -> Result<Json<RunbookDiff>> {
    Ok(Json(runbooks::diff(&store, &slug, q.from, q.to).await?))
}

/// Mark the runbook reviewed: records who and when (and the service as it is now, which
/// clears `suspect`) without a new version.
#[utoipa::path(post, path = "/services/{slug}/runbook/review", tag = "runbooks",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = Runbook), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
async fn review(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<Runbook>> {
    Ok(Json(runbooks::review(&store, &actor, &slug).await?))
}
