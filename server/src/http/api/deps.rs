//! `/api/v1/services/{slug}/lockfiles` and `/dependencies`: lockfiles pushed from CI, where
//! Steward cannot read the repository itself, and the packages they resolve.

use crate::error::Result;
use crate::http::extract::ApiJson;
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{deps, Store};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use steward_app::api::deps::{
    Dependencies, Freshness, Lockfile, LockfileUpload, OsvArchiveLoad, ServiceDependency,
};
use steward_app::api::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

/// A lockfile of thousands of packages is a few megabytes; anything far larger is refused
/// (413) before it is read.
const LOCKFILE_LIMIT: usize = 20 * 1024 * 1024;

/// OSV's export archive of npm runs to a few hundred megabytes.
const ARCHIVE_LIMIT: usize = 1024 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(load_archive))
        .routes(routes!(push))
        .layer(DefaultBodyLimit::max(LOCKFILE_LIMIT))
        .routes(routes!(dependencies))
        .routes(routes!(organisation))
        .routes(routes!(team))
        .routes(routes!(export_csv))
        .routes(routes!(export_json))
}

/// Push a lockfile of the service (from its CI, with a write token): `Cargo.lock`,
/// `package-lock.json` (v2/v3), `pnpm-lock.yaml`, `yarn.lock` (v1), `poetry.lock`, `uv.lock`,
/// pinned `requirements*.txt` or `go.mod`, told apart by the path's file name. It replaces the
/// copy of the same path once it has parsed; one that does not parse is a field error naming
/// the line, and the copy held stays. An identical copy answers 200 with `unchanged`.
#[utoipa::path(post, path = "/services/{slug}/lockfiles", tag = "dependencies",
    request_body = LockfileUpload,
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 201, body = Lockfile), (status = 200, body = Lockfile),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn push(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<Lockfile>)> {
    deps::authorize_push(&state.store, &actor, &slug).await?;
    let ApiJson(upload) = ApiJson::<LockfileUpload>::from_request(request, &state).await?;
    let lockfile = deps::push(&state.store, &actor, &slug, upload).await?;
    let status = if lockfile.unchanged {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(lockfile)))
}

/// The service's lockfiles and every package they resolve (direct where the file tells), each
/// with its freshness figures from the registry data held, the service's summary and its
/// daily trend.
#[utoipa::path(get, path = "/services/{slug}/dependencies", tag = "dependencies",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = Dependencies), (status = 404, body = ErrorBody)))]
async fn dependencies(
    State(store): State<Store>,
    Path(slug): Path<String>,
) -> Result<Json<Dependencies>> {
    Ok(Json(deps::dependencies(&store, &slug).await?))
}

/// The organisation's dependency freshness: the summary, every service with lockfiles (the
/// most drift first), the worst dependencies and every yanked one, the daily trend, and each
/// registry's sync state.
#[utoipa::path(get, path = "/dependencies", tag = "dependencies",
    responses((status = 200, body = Freshness)))]
async fn organisation(State(store): State<Store>) -> Result<Json<Freshness>> {
    Ok(Json(deps::freshness(&store, None).await?))
}

/// The same report for the services a team owns.
#[utoipa::path(get, path = "/teams/{slug}/dependencies", tag = "dependencies",
    params(("slug" = String, Path, description = "Team slug")),
    responses((status = 200, body = Freshness), (status = 404, body = ErrorBody)))]
async fn team(State(store): State<Store>, Path(slug): Path<String>) -> Result<Json<Freshness>> {
    Ok(Json(deps::freshness(&store, Some(&slug)).await?))
}

/// Every dependency of every service, with its figures, as CSV (one use per line).
#[utoipa::path(get, path = "/dependencies.csv", tag = "dependencies",
    responses((status = 200, content_type = "text/csv", body = String)))]
async fn export_csv(State(store): State<Store>) -> Result<impl IntoResponse> {
    let rows = deps::export(&store).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"dependencies.csv\"",
            ),
        ],
        deps::csv(&rows),
    ))
}

/// Every dependency of every service, with its figures, as JSON.
#[utoipa::path(get, path = "/dependencies.json", tag = "dependencies",
    responses((status = 200, body = Vec<ServiceDependency>)))]
async fn export_json(State(store): State<Store>) -> Result<impl IntoResponse> {
    let rows = deps::export(&store).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"dependencies.json\"",
        )],
        Json(rows),
    ))
}

/// Load an OSV export archive (`all.zip` of an ecosystem, from
/// `https://osv-vulnerabilities.storage.googleapis.com/ECOSYSTEM/all.zip`), for an install
/// that cannot reach OSV (admins): every version in use of the ecosystems it covers is
/// matched against its records, and its advisories become the matches. Load it again to
/// pick up new advisories and packages pushed since. An archive that is not one, or holds no
/// OSV record, is refused and changes nothing.
#[utoipa::path(post, path = "/osv/archives", tag = "dependencies",
    request_body(content = Vec<u8>, content_type = "application/zip"),
    responses((status = 200, body = OsvArchiveLoad), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn load_archive(
    State(state): State<AppState>,
    actor: Actor,
    body: axum::body::Body,
) -> Result<Json<OsvArchiveLoad>> {
    use crate::domain::authz::Action;
    use crate::error::Error;
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    actor.authorize(&Action::Administer)?;
    // The archive goes to a file (a zip is read from its end), removed however this ends.
    struct Removed(std::path::PathBuf);
    impl Drop for Removed {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let path =
        Removed(std::env::temp_dir().join(format!("steward-osv-{}.zip", uuid::Uuid::new_v4())));
    let mut file = tokio::fs::File::create(&path.0)
        .await
        .map_err(|e| Error::Internal(e.into()))?;
    // A raw body is not held to DefaultBodyLimit: counted here.
    let mut stream = body.into_data_stream();
    let mut received = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| Error::bad_request(format!("the archive could not be received: {e}")))?;
        received += chunk.len();
        if received > ARCHIVE_LIMIT {
            return Err(Error::TooLarge("an archive is at most 1 GB".into()));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::Internal(e.into()))?;
    }
    file.flush().await.map_err(|e| Error::Internal(e.into()))?;
    drop(file);
    let ttl = state.jobs.registries.settings.ttl;
    Ok(Json(
        crate::integrations::osv::load_archive(&state.store, &actor, &path.0, ttl).await?,
    ))
}
