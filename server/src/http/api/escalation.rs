//! `/api/v1/escalation-policies`: who a page reaches, level by level; a service points to one
//! (`PUT /services/{slug}/escalation-policy`) and `GET /services/{slug}/oncall` walks it.

use crate::error::Result;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::oncall::escalation;
use crate::store::Store;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use steward_app::api::oncall::{
    EscalationPolicy, EscalationPolicyInput, ServiceEscalationInput, ServiceOnCall,
};
use steward_app::api::ErrorBody;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, replace, remove))
        .routes(routes!(set_service_policy))
        .routes(routes!(service_on_call))
}

#[derive(Debug, Deserialize, IntoParams)]
struct PolicyFilter {
    /// Only this team's policies.
    team: Option<String>,
}

/// List escalation policies, by name.
#[utoipa::path(get, path = "/escalation-policies", tag = "on-call", params(PolicyFilter),
    responses((status = 200, body = Vec<EscalationPolicy>)))]
async fn list(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<PolicyFilter>,
) -> Result<Json<Vec<EscalationPolicy>>> {
    Ok(Json(escalation::list(&store, q.team.as_deref()).await?))
}

/// Create an escalation policy (members of the owning team, admins).
#[utoipa::path(post, path = "/escalation-policies", tag = "on-call",
    request_body = EscalationPolicyInput,
    responses((status = 201, body = EscalationPolicy), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    State(store): State<Store>,
    actor: Actor,
    ApiJson(input): ApiJson<EscalationPolicyInput>,
) -> Result<(StatusCode, Json<EscalationPolicy>)> {
    Ok((
        StatusCode::CREATED,
        Json(escalation::create(&store, &actor, &input).await?),
    ))
}

/// An escalation policy with its levels and the services that point to it.
#[utoipa::path(get, path = "/escalation-policies/{slug}", tag = "on-call",
    params(("slug" = String, Path, description = "Policy slug")),
    responses((status = 200, body = EscalationPolicy), (status = 404, body = ErrorBody)))]
async fn read(
    State(store): State<Store>,
    Path(slug): Path<String>,
) -> Result<Json<EscalationPolicy>> {
    Ok(Json(escalation::get(&store, &slug).await?))
}

/// Replace an escalation policy (send the `version` you read).
#[utoipa::path(put, path = "/escalation-policies/{slug}", tag = "on-call",
    request_body = EscalationPolicyInput,
    params(("slug" = String, Path, description = "Policy slug")),
    responses((status = 200, body = EscalationPolicy), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn replace(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<EscalationPolicyInput>,
) -> Result<Json<EscalationPolicy>> {
    Ok(Json(
        escalation::update(&store, &actor, &slug, &input).await?,
    ))
}

/// Delete an escalation policy no service points to (409 `in_use` otherwise).
#[utoipa::path(delete, path = "/escalation-policies/{slug}", tag = "on-call",
    params(("slug" = String, Path, description = "Policy slug")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<StatusCode> {
    escalation::delete(&store, &actor, &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Point a service to an escalation policy, or to none (`{"policy": null}`). Whoever may edit
/// the service may choose its policy. Answers who a page reaches now.
#[utoipa::path(put, path = "/services/{slug}/escalation-policy", tag = "on-call",
    request_body = ServiceEscalationInput,
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = ServiceOnCall), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn set_service_policy(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ServiceEscalationInput>,
) -> Result<Json<ServiceOnCall>> {
    Ok(Json(
        escalation::set_service_policy(&store, &actor, &slug, &input).await?,
    ))
}

/// Who a page for a service reaches now: its escalation policy walked level by level (a
/// schedule target resolved at the minute its level is notified), and who is on call on each
/// schedule of its owning teams, primary owner's first.
#[utoipa::path(get, path = "/services/{slug}/oncall", tag = "on-call",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = ServiceOnCall), (status = 404, body = ErrorBody)))]
async fn service_on_call(
    State(store): State<Store>,
    Path(slug): Path<String>,
) -> Result<Json<ServiceOnCall>> {
    Ok(Json(
        escalation::service_on_call(&store, &slug, Utc::now()).await?,
    ))
}
