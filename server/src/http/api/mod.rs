//! `/api/v1`: one module per resource, each exposing its routes with their OpenAPI paths.

mod accounts;
mod audit;
mod catalog;
mod channels;
mod checks;
mod deps;
mod escalation;
mod feeds;
mod fixes;
mod github;
mod incidents;
mod oncall;
mod oncall_health;
mod people;
mod runbooks;
mod services;
mod session;
mod teams;
mod tokens;

use super::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(services::router())
        .merge(teams::router())
        .merge(people::router())
        .merge(catalog::router())
        .merge(audit::router())
        .merge(session::router())
        .merge(tokens::router())
        .merge(accounts::router())
        .merge(feeds::router())
        .merge(oncall::router())
        .merge(escalation::router())
        .merge(oncall_health::router())
        .merge(checks::router())
        .merge(channels::router())
        .merge(runbooks::router())
        .merge(incidents::router())
        .merge(fixes::router())
        .merge(github::router())
        .merge(deps::router())
}
