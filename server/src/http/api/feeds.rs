//! Calendar feeds: make a subscribable iCalendar URL of a schedule or of a person's shifts,
//! list your feeds, revoke one. The feeds themselves are served at `/ical/{secret}.ics`
//! (see `http::ical`).

use crate::error::Result;
use crate::http::extract::ApiQuery;
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::oncall::{self, Subject};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::feeds::{CreatedFeed, Feed, FeedQuery};
use steward_app::api::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(schedule_feed))
        .routes(routes!(person_feed))
        .routes(routes!(list))
        .routes(routes!(revoke))
}

async fn create(
    state: &AppState,
    actor: &Actor,
    subject: Subject<'_>,
) -> Result<(StatusCode, Json<CreatedFeed>)> {
    let secret = crate::auth::generate_feed_secret();
    let feed = oncall::create_feed(&state.store, actor, subject, &secret).await?;
    let path = format!("/ical/{secret}.ics");
    let url = state
        .auth
        .public_origin
        .as_ref()
        .map(|origin| format!("{origin}{path}"));
    Ok((StatusCode::CREATED, Json(CreatedFeed { path, url, feed })))
}

/// Make a calendar feed of a schedule: its final schedule (overrides applied, gaps shown)
/// from 14 days back to 180 days ahead, for any signed-in account. The answer holds the
/// feed's URL: it is shown this once and its secret stored only as a hash.
#[utoipa::path(post, path = "/schedules/{slug}/feeds", tag = "on-call",
    params(("slug" = String, Path, description = "Schedule slug")),
    responses((status = 201, body = CreatedFeed), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn schedule_feed(
    State(state): State<AppState>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<(StatusCode, Json<CreatedFeed>)> {
    create(&state, &actor, Subject::Schedule(&slug)).await
}

/// Make a calendar feed of a person's shifts on every schedule, from 14 days back to 180
/// days ahead. The answer holds the feed's URL, shown this once.
#[utoipa::path(post, path = "/people/{handle}/feeds", tag = "on-call",
    params(("handle" = String, Path, description = "Person handle")),
    responses((status = 201, body = CreatedFeed), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn person_feed(
    State(state): State<AppState>,
    actor: Actor,
    Path(handle): Path<String>,
) -> Result<(StatusCode, Json<CreatedFeed>)> {
    create(&state, &actor, Subject::Person(&handle)).await
}

/// Your calendar feeds, newest first, revoked ones included (never their URLs); admins may
/// ask for every account's with `?all=true`.
#[utoipa::path(get, path = "/feeds", tag = "on-call", params(FeedQuery),
    responses((status = 200, body = Vec<Feed>), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    actor: Actor,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> Result<Json<Vec<Feed>>> {
    Ok(Json(
        oncall::list_feeds(&state.store, &actor, q.all.unwrap_or(false)).await?,
    ))
}

/// Revoke a calendar feed (yours, or any as an admin): its URL answers 404 from now on.
/// Revoking a revoked feed changes nothing and answers it as it is.
#[utoipa::path(delete, path = "/feeds/{id}", tag = "on-call",
    params(("id" = i64, Path, description = "Feed id")),
    responses((status = 200, body = Feed), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<Feed>> {
    Ok(Json(oncall::revoke_feed(&state.store, &actor, id).await?))
}
