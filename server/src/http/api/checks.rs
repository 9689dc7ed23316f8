//! `/api/v1` for the decay checks: jobs, rules, findings, exemptions and scorecards.

use crate::domain::authz::Action;
use crate::error::{Error, Result};
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::AppState;
use crate::jobs::{self, JobKind, Runner, Started};
use crate::store::audit::Actor;
use crate::store::checks::{self, findings, pass, rules, scores};
use crate::store::Store;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;
use steward_app::api::checks::{
    DryRun, Exemption, ExemptionInput, ExemptionQuery, Finding, FindingQuery, JobList, JobRun,
    MaintenanceScorecard, Rule, RuleInput, ScorecardQuery, ServiceScorecard, TeamScorecard,
};
use steward_app::api::{ErrorBody, Page};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs))
        .routes(routes!(run_job))
        .routes(routes!(job_run))
        .routes(routes!(list_rules))
        .routes(routes!(read_rule, update_rule))
        .routes(routes!(dry_run))
        .routes(routes!(list_findings))
        .routes(routes!(list_exemptions, grant_exemption))
        .routes(routes!(revoke_exemption))
        .routes(routes!(maintenance))
        .routes(routes!(team_scorecard))
        .routes(routes!(service_scorecard))
        .routes(routes!(check_service))
}

/// The scheduled jobs: schedule, next tick, last run and success, whether stale, and the
/// recent runs of all.
#[utoipa::path(get, path = "/jobs", tag = "checks",
    responses((status = 200, body = JobList)))]
async fn list_jobs(State(state): State<AppState>) -> Result<Json<JobList>> {
    Ok(Json(state.jobs.list(state.scheduler_running).await?))
}

/// Run a job now (admins). Answers 202 with the run, whose progress `GET /jobs/runs/{id}`
/// shows; 409 `already_running` when a run of the job is in progress.
#[utoipa::path(post, path = "/jobs/{name}/run", tag = "checks",
    params(("name" = String, Path, description = "Job name")),
    responses((status = 202, body = JobRun), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
async fn run_job(
    State(runner): State<Arc<Runner>>,
    actor: Actor,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<JobRun>)> {
    let kind = JobKind::parse(&name).ok_or_else(|| Error::NotFound(format!("job '{name}'")))?;
    actor.authorize(&Action::Administer)?;
    match runner.run_now(kind).await? {
        Started::Running(id) => Ok((
            StatusCode::ACCEPTED,
            Json(jobs::run_of(&runner.store, id).await?),
        )),
        Started::Busy(_) | Started::TakenElsewhere => Err(Error::conflict(
            "already_running",
            None,
            format!("a run of '{name}' is in progress; wait for it to finish"),
        )),
    }
}

/// One run of a job, with its progress while it runs.
#[utoipa::path(get, path = "/jobs/runs/{id}", tag = "checks",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, body = JobRun), (status = 404, body = ErrorBody)))]
async fn job_run(State(store): State<Store>, Path(id): Path<i64>) -> Result<Json<JobRun>> {
    Ok(Json(jobs::run_of(&store, id).await?))
}

/// Every rule with the settings it runs with and how many services fail it.
#[utoipa::path(get, path = "/rules", tag = "checks",
    responses((status = 200, body = Vec<Rule>)))]
async fn list_rules(State(store): State<Store>) -> Result<Json<Vec<Rule>>> {
    Ok(Json(rules::list(&store).await?))
}

#[utoipa::path(get, path = "/rules/{id}", tag = "checks",
    params(("id" = String, Path, description = "Rule id")),
    responses((status = 200, body = Rule), (status = 404, body = ErrorBody)))]
async fn read_rule(State(store): State<Store>, Path(id): Path<String>) -> Result<Json<Rule>> {
    Ok(Json(rules::get(&store, &id).await?))
}

/// Change a rule's settings (admins): send the `version` read (0 for a rule on its
/// defaults). Audited; the next pass applies it.
#[utoipa::path(put, path = "/rules/{id}", tag = "checks", request_body = RuleInput,
    params(("id" = String, Path, description = "Rule id")),
    responses((status = 200, body = Rule), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_rule(
    State(store): State<Store>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<Json<Rule>> {
    Ok(Json(rules::update(&store, &actor, &id, &input).await?))
}

/// What a rule with these settings would report over every service now, per team, beside
/// what it reports today. Nothing is stored.
#[utoipa::path(post, path = "/rules/{id}/dry-run", tag = "checks", request_body = RuleInput,
    params(("id" = String, Path, description = "Rule id")),
    responses((status = 200, body = DryRun), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn dry_run(
    State(store): State<Store>,
    actor: Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RuleInput>,
) -> Result<Json<DryRun>> {
    if actor.principal.is_none() {
        return Err(crate::domain::authz::Denied::Unauthenticated.into());
    }
    Ok(Json(checks::dry_run(&store, &id, &input).await?))
}

/// Findings, open ones by default, newest change first.
#[utoipa::path(get, path = "/findings", tag = "checks", params(FindingQuery),
    responses((status = 200, body = Page<Finding>), (status = 400, body = ErrorBody)))]
async fn list_findings(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<FindingQuery>,
) -> Result<Json<Page<Finding>>> {
    Ok(Json(findings::list(&store, &q).await?))
}

/// Exemptions in force (`all=true`: also revoked and expired ones).
#[utoipa::path(get, path = "/exemptions", tag = "checks", params(ExemptionQuery),
    responses((status = 200, body = Vec<Exemption>)))]
async fn list_exemptions(
    State(store): State<Store>,
    ApiQuery(q): ApiQuery<ExemptionQuery>,
) -> Result<Json<Vec<Exemption>>> {
    Ok(Json(findings::exemptions(&store, &q).await?))
}

/// Waive a rule for a service until a date (admins and leads of an owning team). The
/// service's scorecard counts it at once.
#[utoipa::path(post, path = "/exemptions", tag = "checks", request_body = ExemptionInput,
    responses((status = 201, body = Exemption), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn grant_exemption(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<ExemptionInput>,
) -> Result<(StatusCode, Json<Exemption>)> {
    let e = findings::grant(&state.store, &actor, &input).await?;
    rescore(&state.store, &e.service).await;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Revoke an exemption (admins and leads of an owning team); revoking twice changes nothing.
#[utoipa::path(delete, path = "/exemptions/{id}", tag = "checks",
    params(("id" = i64, Path, description = "Exemption id")),
    responses((status = 200, body = Exemption), (status = 404, body = ErrorBody)))]
async fn revoke_exemption(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> Result<Json<Exemption>> {
    let e = findings::revoke(&state.store, &actor, id).await?;
    rescore(&state.store, &e.service).await;
    Ok(Json(e))
}

/// Re-evaluates one service after a change that affects only its score. A failure here is
/// logged: the next pass catches up.
async fn rescore(store: &Store, slug: &str) {
    if let Err(e) = pass::run(store, pass::Scope::Service(slug), &[], None).await {
        tracing::warn!(service = slug, error = %e, "could not re-score the service");
    }
}

/// The organisation's maintenance scorecard, or with `team` that team's.
#[utoipa::path(get, path = "/scorecards/maintenance", tag = "checks", params(ScorecardQuery),
    responses((status = 200, body = MaintenanceScorecard), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn maintenance(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ScorecardQuery>,
) -> Result<Json<MaintenanceScorecard>> {
    if let Some(team) = q.team.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Json(MaintenanceScorecard::Team(
            scores::team(&state.store, team, q.days).await?,
        )));
    }
    let stale = state
        .jobs
        .stale_jobs()
        .await?
        .into_iter()
        .map(|(name, _, _)| name)
        .collect();
    Ok(Json(MaintenanceScorecard::Org(
        scores::org(&state.store, q.days, stale).await?,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
struct Days {
    /// Days of history (default 90, at most 400).
    days: Option<i64>,
}

/// A team's maintenance scorecard: its services × rules, what to fix first, fails soon.
#[utoipa::path(get, path = "/teams/{slug}/scorecard", tag = "checks", params(Days,
        ("slug" = String, Path, description = "Team slug")),
    responses((status = 200, body = TeamScorecard), (status = 404, body = ErrorBody)))]
async fn team_scorecard(
    State(store): State<Store>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<Days>,
) -> Result<Json<TeamScorecard>> {
    Ok(Json(scores::team(&store, &slug, q.days).await?))
}

/// A service's maintenance scorecard, computed now.
#[utoipa::path(get, path = "/services/{slug}/scorecard", tag = "checks", params(Days,
        ("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = ServiceScorecard), (status = 404, body = ErrorBody)))]
async fn service_scorecard(
    State(store): State<Store>,
    Path(slug): Path<String>,
    ApiQuery(q): ApiQuery<Days>,
) -> Result<Json<ServiceScorecard>> {
    Ok(Json(scores::service(&store, &slug, q.days).await?))
}

/// Check one service now (whoever may edit it): its findings and score are brought up to
/// date at once instead of at the next pass.
#[utoipa::path(post, path = "/services/{slug}/scorecard/check", tag = "checks",
    params(("slug" = String, Path, description = "Service slug")),
    responses((status = 200, body = ServiceScorecard), (status = 404, body = ErrorBody)))]
async fn check_service(
    State(store): State<Store>,
    actor: Actor,
    Path(slug): Path<String>,
) -> Result<Json<ServiceScorecard>> {
    let service = crate::store::services::get(&store, &slug).await?;
    actor.authorize(&Action::WriteService {
        owners: &crate::store::services::owner_slugs(&service),
    })?;
    pass::run(&store, pass::Scope::Service(&slug), &[], None).await?;
    Ok(Json(scores::service(&store, &slug, None).await?))
}
