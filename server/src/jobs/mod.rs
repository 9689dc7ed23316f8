//! The scheduler: tokio-cron-scheduler fires each job on its cron schedule (in UTC), and the
//! database decides which replica runs the tick (see [`crate::store::jobs`]). Every run is
//! recorded with its outcome and counts; a job that fails is retried at its next tick, and a
//! panic in a job is caught and recorded, never taking the server down. After downtime a
//! missed tick is run once at start-up, not once per tick missed.

use crate::configuration::JobSettings;
use crate::store::{jobs as runs, Store};
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use std::collections::BTreeMap;
use std::sync::Arc;
use steward_app::api::checks::{Job, JobList, JobRun};

/// A cron expression as the scheduler reads it: six fields, seconds first.
pub fn parse_cron(expr: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
        .map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    Checks,
    Deliveries,
    Digest,
    SessionCleanup,
    HistoryRetention,
    GithubSync,
    DepsSync,
}

impl JobKind {
    pub const ALL: [JobKind; 7] = [
        JobKind::Checks,
        JobKind::Deliveries,
        JobKind::Digest,
        JobKind::SessionCleanup,
        JobKind::HistoryRetention,
        JobKind::GithubSync,
        JobKind::DepsSync,
    ];
    pub fn name(self) -> &'static str {
        match self {
            JobKind::Checks => "checks",
            JobKind::Deliveries => "deliveries",
            JobKind::Digest => "digest",
            JobKind::SessionCleanup => "session-cleanup",
            JobKind::HistoryRetention => "history-retention",
            JobKind::GithubSync => "github-sync",
            JobKind::DepsSync => "dependencies",
        }
    }
    fn title(self) -> &'static str {
        match self {
            JobKind::Checks => "Decay checks",
            JobKind::Deliveries => "Notification deliveries",
            JobKind::Digest => "Weekly digest",
            JobKind::SessionCleanup => "Session clean-up",
            JobKind::HistoryRetention => "History retention",
            JobKind::GithubSync => "GitHub issues",
            JobKind::DepsSync => "Dependency freshness",
        }
    }
    fn description(self) -> &'static str {
        match self {
            JobKind::Checks => {
                "Evaluates every rule over the services whose facts changed (Run now: all \
                 services), opens and resolves findings and updates the scorecards."
            }
            JobKind::Deliveries => {
                "Sends the notifications waiting in the outbox to each team's channels, and \
                 retries failed deliveries with backoff."
            }
            JobKind::Digest => {
                "Queues each team's weekly digest: new, fixed and still open findings, level \
                 changes and what fails soon."
            }
            JobKind::SessionCleanup => "Removes expired sessions and old sign-in failures.",
            JobKind::HistoryRetention => {
                "Deletes scorecard history, finding events and job runs older than the \
                 retention limit."
            }
            JobKind::GithubSync => {
                "Files each open future fix as an issue in its service's repository (once, \
                 retrying what GitHub refused), then reads back which issues were closed or \
                 reopened."
            }
            JobKind::DepsSync => {
                "Looks up each package in use in its registry (once for the whole \
                 organisation, again after the TTL, conditionally), then recomputes every \
                 service's freshness figures and today's point of the trend."
            }
        }
    }
    pub fn parse(name: &str) -> Option<JobKind> {
        JobKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A job with its parsed schedule.
pub struct Spec {
    pub kind: JobKind,
    pub expr: String,
    pub cron: Cron,
}

impl Spec {
    /// The shortest gap between ticks over the next few, in seconds.
    pub fn interval_secs(&self, now: DateTime<Utc>) -> i64 {
        let ticks: Vec<DateTime<Utc>> = self.cron.iter_after(now).take(8).collect();
        ticks
            .windows(2)
            .map(|w| (w[1] - w[0]).num_seconds())
            .min()
            .unwrap_or(86_400)
            .max(1)
    }

    /// The tick a firing at `now` is for: the occurrence nearest to `now`, so that a timer
    /// firing a little early or late names the same tick on every replica.
    pub fn tick_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let prev = self.cron.find_previous_occurrence(&now, true).ok();
        let next = self.cron.find_next_occurrence(&now, false).ok();
        match (prev, next) {
            (Some(p), Some(n)) if (n - now) < (now - p) => n,
            (Some(p), _) => p,
            (None, Some(n)) => n,
            (None, None) => now,
        }
    }

    pub fn previous(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_previous_occurrence(&now, true).ok()
    }
}

/// What a job reports when it is done.
pub type Counts = BTreeMap<String, i64>;

/// Runs jobs and records them. One per process; cheap to clone through its `Arc`.
pub struct Runner {
    pub store: Store,
    pub replica: String,
    pub settings: JobSettings,
    pub specs: Vec<Spec>,
    pub notifier: crate::integrations::notify::Notifier,
    /// Issue filing, when a GitHub token is set.
    pub github: Option<crate::integrations::github::Github>,
    /// The package registries of the dependency sync.
    pub registries: Arc<crate::integrations::registries::Registries>,
}

/// A running job's way to report progress (and keep its lease).
#[derive(Clone)]
pub struct Progress {
    store: Store,
    job: &'static str,
    run_id: i64,
}

impl Progress {
    pub async fn report(&self, done: i64, total: i64) {
        if let Err(e) = runs::heartbeat(&self.store, self.job, self.run_id, done, total).await {
            tracing::warn!(error = %e, job = self.job, "could not record progress");
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Schedule,
    CatchUp,
    Manual,
}

impl Trigger {
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::CatchUp => "catch-up",
            Trigger::Manual => "manual",
        }
    }
}

/// What happened when a run was asked for.
#[derive(Debug)]
pub enum Started {
    /// The run is recorded and going (its id).
    Running(i64),
    /// Another replica already took this tick.
    TakenElsewhere,
    /// Another run of the job still holds its lease (the skipped run's id).
    Busy(i64),
}

/// The name of this process among replicas: host and process id.
pub fn replica_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "steward".into());
    format!("{host}:{}", std::process::id())
}

impl Runner {
    pub fn new(store: Store, all: &crate::configuration::Settings) -> anyhow::Result<Runner> {
        let settings = &all.jobs;
        let expr = |k: JobKind| match k {
            JobKind::Checks => settings.checks.clone(),
            JobKind::Deliveries => settings.deliveries.clone(),
            JobKind::Digest => settings.digest.clone(),
            JobKind::SessionCleanup => settings.session_cleanup.clone(),
            JobKind::HistoryRetention => settings.history_retention.clone(),
            JobKind::GithubSync => settings.github_sync.clone(),
            JobKind::DepsSync => settings.deps_sync.clone(),
        };
        let specs = JobKind::ALL
            .into_iter()
            .map(|kind| {
                let expr = expr(kind);
                let cron = parse_cron(&expr)
                    .map_err(|e| anyhow::anyhow!("job {}: '{expr}': {e}", kind.name()))?;
                Ok(Spec { kind, expr, cron })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Runner {
            store,
            replica: replica_name(),
            settings: settings.clone(),
            specs,
            notifier: crate::integrations::notify::Notifier::new(all)?,
            github: all
                .github_issues
                .as_ref()
                .map(|g| crate::integrations::github::Github::new(g, all.public_url.as_ref()))
                .transpose()?,
            registries: Arc::new(crate::integrations::registries::Registries::new(
                &all.registries,
                all.public_url.as_ref(),
            )?),
        })
    }

    pub fn spec(&self, kind: JobKind) -> &Spec {
        self.specs
            .iter()
            .find(|s| s.kind == kind)
            .unwrap_or(&self.specs[0])
    }

    /// Claims `tick` of `kind` and, when this replica gets it, runs the job in the background.
    pub async fn start(
        self: &Arc<Self>,
        kind: JobKind,
        tick: String,
        trigger: Trigger,
    ) -> crate::error::Result<Started> {
        let name = kind.name();
        let Some(run_id) =
            runs::claim(&self.store, name, &tick, trigger.as_str(), &self.replica).await?
        else {
            return Ok(Started::TakenElsewhere);
        };
        if !runs::lease(&self.store, name, run_id, &self.replica).await? {
            runs::finish(
                &self.store,
                name,
                run_id,
                "skipped",
                &Counts::new(),
                Some("another run of this job was still going"),
            )
            .await?;
            return Ok(Started::Busy(run_id));
        }
        let me = Arc::clone(self);
        tokio::spawn(async move { me.execute(kind, run_id, trigger).await });
        Ok(Started::Running(run_id))
    }

    /// Runs the job body in its own task, so that a panic is caught and recorded.
    async fn execute(self: Arc<Self>, kind: JobKind, run_id: i64, trigger: Trigger) {
        let progress = Progress {
            store: self.store.clone(),
            job: kind.name(),
            run_id,
        };
        let me = Arc::clone(&self);
        let span = tracing::info_span!("job", job = kind.name(), run = run_id);
        let body = tokio::spawn(tracing::Instrument::instrument(
            async move { me.body(kind, trigger, progress).await },
            span,
        ));
        let (outcome, counts, error) = match body.await {
            Ok(Ok(counts)) => ("succeeded", counts, None),
            Ok(Err(e)) => {
                tracing::warn!(job = kind.name(), error = %format!("{e:#}"), "job failed");
                ("failed", Counts::new(), Some(format!("{e:#}")))
            }
            Err(join) => {
                tracing::error!(job = kind.name(), error = %join, "job panicked");
                (
                    "failed",
                    Counts::new(),
                    Some("the job panicked".to_string()),
                )
            }
        };
        if let Err(e) = runs::finish(
            &self.store,
            kind.name(),
            run_id,
            outcome,
            &counts,
            error.as_deref(),
        )
        .await
        {
            tracing::error!(job = kind.name(), error = %e, "could not record the end of a run");
        }
    }

    async fn body(
        &self,
        kind: JobKind,
        trigger: Trigger,
        progress: Progress,
    ) -> anyhow::Result<Counts> {
        let mut counts = Counts::new();
        match kind {
            JobKind::Checks => {
                use crate::store::checks::pass::{self, Scope};
                let scope = if trigger == Trigger::Schedule {
                    Scope::Changed
                } else {
                    Scope::Full
                };
                let stale = self.stale_jobs().await?;
                let report = pass::run(&self.store, scope, &stale, Some(&progress))
                    .await
                    .context("the checks pass failed")?;
                counts = report.counts();
            }
            JobKind::Deliveries => {
                counts = crate::integrations::notify::deliver_due(
                    &self.store,
                    &self.replica,
                    &self.notifier,
                )
                .await
                .context("delivering notifications")?;
            }
            JobKind::Digest => {
                counts = crate::integrations::notify::enqueue_weekly_with(
                    &self.store,
                    Utc::now(),
                    &crate::store::checks::scores::fails_soon_by_team(&self.store).await?,
                )
                .await
                .context("queueing the weekly digests")?;
            }
            JobKind::SessionCleanup => {
                let n = crate::store::sessions::delete_expired(&self.store)
                    .await
                    .context("could not remove expired sessions")?;
                counts.insert("sessions".into(), n as i64);
            }
            JobKind::GithubSync => match &self.github {
                Some(gh) => {
                    counts = crate::integrations::github::sync(&self.store, gh)
                        .await
                        .context("the GitHub sync failed")?;
                }
                None => {
                    counts.insert("configured".into(), 0);
                }
            },
            JobKind::DepsSync => {
                counts = crate::integrations::registries::sync(
                    &self.store,
                    &self.registries,
                    Some(&progress),
                )
                .await
                .context("the dependency sync failed")?;
            }
            JobKind::HistoryRetention => {
                let before =
                    runs::text(Utc::now() - Duration::days(self.settings.history_retention_days));
                counts = crate::store::checks::scores::prune(&self.store, &before)
                    .await
                    .context("could not prune history")?;
                counts.insert(
                    "dependencyDays".into(),
                    crate::store::deps::prune(&self.store, &before).await? as i64,
                );
                // Job runs pile up fastest (deliveries run every 30 s): a month is kept.
                let runs_before = runs::text(
                    Utc::now() - Duration::days(self.settings.history_retention_days.min(30)),
                );
                counts.insert(
                    "jobRuns".into(),
                    runs::prune(&self.store, &runs_before).await? as i64,
                );
            }
        }
        Ok(counts)
    }

    /// "Run now": a manual run with its own tick.
    pub async fn run_now(self: &Arc<Self>, kind: JobKind) -> crate::error::Result<Started> {
        let tick = format!("manual:{}", uuid::Uuid::new_v4().simple());
        self.start(kind, tick, Trigger::Manual).await
    }

    /// Runs each job whose latest scheduled tick passed while no replica was running: once,
    /// for that latest tick only.
    pub async fn catch_up(self: &Arc<Self>) -> crate::error::Result<Vec<JobKind>> {
        let now = Utc::now();
        let mut started = Vec::new();
        for spec in &self.specs {
            let Some(last) = spec.previous(now) else {
                continue;
            };
            let state = runs::state(&self.store, spec.kind.name()).await?;
            let last_text = runs::text(last);
            let missed = match &state.last_tick_started {
                None => true,
                Some(started_at) => *started_at < last_text,
            };
            if missed && !runs::has_tick(&self.store, spec.kind.name(), &last_text).await? {
                if let Started::Running(_) =
                    self.start(spec.kind, last_text, Trigger::CatchUp).await?
                {
                    started.push(spec.kind);
                }
            }
        }
        Ok(started)
    }

    /// Starts the cron scheduler (after the catch-up); it runs until the process ends.
    pub async fn schedule(self: &Arc<Self>) -> anyhow::Result<tokio_cron_scheduler::JobScheduler> {
        use tokio_cron_scheduler::{Job as CronJob, JobScheduler};
        if let Err(e) = self.catch_up().await {
            tracing::warn!(error = %e, "could not catch up on missed jobs");
        }
        let scheduler = JobScheduler::new().await.context("scheduler")?;
        for spec in &self.specs {
            let me = Arc::clone(self);
            let kind = spec.kind;
            let job = CronJob::new_async(spec.expr.as_str(), move |_id, _lock| {
                let me = Arc::clone(&me);
                Box::pin(async move {
                    let tick = runs::text(me.spec(kind).tick_at(Utc::now()));
                    match me.start(kind, tick, Trigger::Schedule).await {
                        Ok(started) => tracing::debug!(job = kind.name(), ?started, "tick"),
                        Err(e) => {
                            tracing::warn!(job = kind.name(), error = %e, "could not start a run")
                        }
                    }
                })
            })
            .with_context(|| format!("job {}", kind.name()))?;
            scheduler.add(job).await.context("adding a job")?;
        }
        scheduler.start().await.context("starting the scheduler")?;
        Ok(scheduler)
    }

    /// Every job with its schedule, last runs and whether it is stale.
    pub async fn list(&self, scheduler_running: bool) -> crate::error::Result<JobList> {
        let now = Utc::now();
        let mut jobs = Vec::new();
        for spec in &self.specs {
            let state = runs::state(&self.store, spec.kind.name()).await?;
            jobs.push(self.describe(spec, state, now, scheduler_running));
        }
        Ok(JobList {
            jobs,
            recent: runs::recent(&self.store, None, 50).await?,
        })
    }

    fn describe(
        &self,
        spec: &Spec,
        state: runs::JobState,
        now: DateTime<Utc>,
        scheduler_running: bool,
    ) -> Job {
        let interval = spec.interval_secs(now);
        Job {
            name: spec.kind.name().into(),
            title: spec.kind.title().into(),
            description: spec.kind.description().into(),
            schedule: spec.expr.clone(),
            interval_secs: interval,
            next_tick: scheduler_running
                .then(|| spec.cron.find_next_occurrence(&now, false).ok())
                .flatten()
                .map(runs::text),
            stale: is_stale(
                state.last_success_at.as_deref(),
                state.first_run_at.as_deref(),
                interval,
                now,
            ),
            last_run: state.last_run,
            last_success_at: state.last_success_at,
            running: state.running,
        }
    }

    /// Jobs whose last success is older than twice their interval.
    pub async fn stale_jobs(&self) -> crate::error::Result<Vec<(String, Option<String>, i64)>> {
        let now = Utc::now();
        let mut out = Vec::new();
        for spec in &self.specs {
            let state = runs::state(&self.store, spec.kind.name()).await?;
            let interval = spec.interval_secs(now);
            if is_stale(
                state.last_success_at.as_deref(),
                state.first_run_at.as_deref(),
                interval,
                now,
            ) {
                out.push((
                    spec.kind.name().to_string(),
                    state.last_success_at,
                    interval,
                ));
            }
        }
        Ok(out)
    }
}

/// No success within twice the interval. A job that never succeeded is stale once its first
/// recorded run is that old (a fresh install is not flagged before its first tick).
pub fn is_stale(
    last_success: Option<&str>,
    first_run: Option<&str>,
    interval_secs: i64,
    now: DateTime<Utc>,
) -> bool {
    let parse = |t: Option<&str>| {
        t.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    match parse(last_success).or(parse(first_run)) {
        Some(t) => now - t > Duration::seconds(2 * interval_secs),
        None => false,
    }
}

/// A run as the API shows it after "Run now".
pub async fn run_of(store: &Store, id: i64) -> crate::error::Result<JobRun> {
    runs::get(store, id)
        .await?
        .ok_or_else(|| crate::error::Error::NotFound(format!("job run {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 29, h, m, s)
            .single()
            .expect("instant")
    }

    #[test]
    fn a_tick_is_the_nearest_occurrence_and_the_interval_the_gap() {
        let spec = Spec {
            kind: JobKind::Checks,
            expr: "0 */15 * * * *".into(),
            cron: parse_cron("0 */15 * * * *").expect("cron"),
        };
        assert_eq!(spec.tick_at(at(1, 44, 59)), at(1, 45, 0));
        assert_eq!(spec.tick_at(at(1, 45, 1)), at(1, 45, 0));
        assert_eq!(spec.interval_secs(at(1, 0, 0)), 900);
        // 2026-03-29 is a daylight-saving change in Europe; in UTC the ticks go on evenly.
        assert_eq!(spec.previous(at(2, 7, 0)), Some(at(2, 0, 0)));
        assert!(
            parse_cron("*/15 * * * *").is_err(),
            "five fields are refused"
        );
    }

    #[test]
    fn stale_after_twice_the_interval() {
        let now = at(12, 0, 0);
        assert!(!is_stale(Some("2026-03-29T11:35:00Z"), None, 900, now));
        assert!(is_stale(Some("2026-03-29T11:29:59Z"), None, 900, now));
        assert!(!is_stale(None, None, 900, now));
        // Failing ever since its first run, an hour ago.
        assert!(is_stale(None, Some("2026-03-29T11:00:00Z"), 900, now));
        assert!(!is_stale(None, Some("2026-03-29T11:50:00Z"), 900, now));
    }
}
