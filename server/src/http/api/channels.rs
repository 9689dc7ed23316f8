//! `/api/v1/teams/{slug}/channels` and `/deliveries`: where a team's notifications go and
//! how their delivery went.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::{channels, outbox, Store};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use steward_app::api::notify::{Channel, ChannelInput, CreatedChannel, Delivery, DeliveryQuery};
use steward_app::api::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(remove))
        .routes(routes!(deliveries))
}

/// A team's notification channels (Slack URLs without their path, no secrets).
#[utoipa::path(get, path = "/teams/{slug}/channels", tag = "notifications",
    params(("slug" = String, Path, description = "Team slug")),
    responses((status = 200, body = Vec<Channel>), (status = 404, body = ErrorBody)))]
async fn list(State(store): State<Store>, Path(slug): Path<String>) -> Result<Json<Vec<Channel>>> {
    Ok(Json(channels::list(&store, &slug).await?))
}

/// Add a channel (members of the team, admins). A generic webhook's signing key is in this
/// answer and never again.
#[utoipa::path(post, path = "/teams/{slug}/channels", tag = "notifications",
    request_body = ChannelInput,
    params(("slug" = String, Path, description = "Team slug")),
    responses((status = 201, body = CreatedChannel), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ChannelInput>,
) -> Result<(StatusCode, Json<CreatedChannel>)> {
    Ok((
        StatusCode::CREATED,
        Json(channels::create(&store, &actor, &slug, &input).await?),
    ))
}

/// Remove a channel, with its deliveries not yet sent (members of the team, admins).
#[utoipa::path(delete, path = "/teams/{slug}/channels/{id}", tag = "notifications",
    params(("slug" = String, Path, description = "Team slug"),
        ("id" = i64, Path, description = "Channel id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn remove(
    State(store): State<Store>,
    actor: Actor,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<StatusCode> {
    channels::delete(&store, &actor, &slug, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What was sent to a team's channels, newest first: state, attempts, the last error.
#[utoipa::path(get, path = "/teams/{slug}/deliveries", tag = "notifications",
    params(("slug" = String, Path, description = "Team slug"), DeliveryQuery),
    responses((status = 200, body = Vec<Delivery>), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn deliveries(
    State(store): State<Store>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> Result<Json<Vec<Delivery>>> {
    Ok(Json(outbox::deliveries(&store, &slug, &q).await?))
}
