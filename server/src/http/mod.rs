//! The HTTP surface: `/api/v1` (with its OpenAPI document), operations endpoints, and the
//! server-rendered UI, which reads its data through the same API router in-process.

mod api;
pub mod auth;
pub mod error;
mod extract;
mod github;
mod health;
mod ical;
pub mod metrics;

use crate::error::Error;
use crate::store::sessions::DbSessionStore;
use crate::store::Store;
use axum::extract::FromRef;
use axum::http::{header, Request};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::OnceLock;
use steward_app::api::client::InProcessApi;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub store: Store,
    pub metrics: metrics::Metrics,
    pub auth: std::sync::Arc<auth::AuthConfig>,
    pub jobs: std::sync::Arc<crate::jobs::Runner>,
    /// Whether this replica runs the scheduler (it shows next ticks only then).
    pub scheduler_running: bool,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Steward API", description = "Production ownership: the service catalog, \
        who owns what and how services depend on each other."),
    tags((name = "services"), (name = "teams"), (name = "people"), (name = "catalog",
        description = "Backstage import and export"), (name = "audit"),
        (name = "session", description = "Signing in, who you are, API tokens"),
        (name = "accounts", description = "User management, for admins"),
        (name = "on-call", description = "Schedules, overrides and who is on call"),
        (name = "checks", description = "Scheduled jobs, decay rules, findings, exemptions \
            and maintenance scorecards"),
        (name = "notifications", description = "Where a team's notifications go and how \
            their delivery went"),
        (name = "incidents", description = "Incidents with one accountable commander, \
            their timeline and response-time metrics"),
        (name = "fixes", description = "Short-term, proper and future fixes, and the \
            backlog of what is owed"),
        (name = "dependencies", description = "Lockfiles pushed from CI and the packages \
            they resolve"),
        (name = "runbooks", description = "A service's runbook: versions, differences, \
            reviews, and whether it is overdue or suspect"),
        (name = "operations"))
)]
struct ApiDoc;

static OPENAPI_JSON: OnceLock<String> = OnceLock::new();

/// The OpenAPI 3.1 document of this API, generated from the handlers.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, content_type = "application/json", body = Object)))]
async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON.get().cloned().unwrap_or_default(),
    )
}

async fn api_not_found() -> Error {
    Error::NotFound("this API route".into())
}

/// The API and operations routes, with state applied; also what the UI calls during SSR.
pub fn api_router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (router, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api::router().routes(routes!(openapi_json)))
        .merge(health::router())
        .split_for_parts();
    let router = router
        .route("/api/v1/{*rest}", any(api_not_found))
        .with_state(state);
    (router, openapi)
}

/// The whole application: API, operations endpoints, UI pages and static files.
pub fn app(state: AppState, leptos_options: LeptosOptions) -> Router {
    let metrics = state.metrics.clone();
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.store.clone()))
        .with_name("steward_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.auth.secure_cookies)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            state.auth.session_idle_secs,
        )));
    let authenticate = axum::middleware::from_fn_with_state(state.clone(), auth::authenticate);
    let github = github::routes(state.clone());
    let ical = ical::routes(state.clone());
    let (api, openapi) = api_router(state);
    let _ = OPENAPI_JSON.set(openapi.to_pretty_json().unwrap_or_default());
    let in_process = InProcessApi(api.clone());
    let routes = generate_route_list(steward_app::App);
    let site: Router = Router::new()
        .leptos_routes_with_context(
            &leptos_options,
            routes,
            move || provide_context(in_process.clone()),
            {
                let options = leptos_options.clone();
                move || steward_app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(steward_app::shell))
        .with_state(leptos_options);
    api.merge(github)
        .merge(ical)
        .merge(site)
        .layer(authenticate)
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %ical::redact(request.uri().path()),
                        request_id = %request_id,
                    )
                })
                .on_response(
                    |response: &axum::response::Response,
                     latency: std::time::Duration,
                     _: &tracing::Span| {
                        if let Some(detail) =
                            response.extensions().get::<error::InternalErrorDetail>()
                        {
                            tracing::error!(error = %detail.0, "request failed");
                        }
                        tracing::debug!(status = response.status().as_u16(), ?latency, "answered");
                    },
                ),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
