//! Liveness, readiness and metrics endpoints for load balancers and Prometheus.

use super::metrics::Metrics;
use super::AppState;
use crate::store::Store;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200)))]
async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// The database is reachable and every migration is applied.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200), (status = 503)))]
async fn readyz(State(store): State<Store>) -> impl IntoResponse {
    match store.ready().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": reason })),
        ),
    }
}

/// Prometheus text format: request counts and latency histograms by route and status.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics(State(metrics): State<Metrics>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
}
