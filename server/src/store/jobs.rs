//! Job runs and job leases. A scheduled run is claimed by inserting its `(job, tick)` row: of
//! several replicas firing on one tick, the one whose insert succeeds runs it and the others
//! see a unique violation and stand down. A lease row per job (taken with a conditional
//! upsert, extended while the run makes progress) keeps two runs of one job from overlapping
//! when one outlasts its interval or someone presses "Run now". Both work the same on SQLite
//! and PostgreSQL.

use super::{now, Store};
use crate::error::Result;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use sqlx::Row;
use std::collections::BTreeMap;
use steward_app::api::checks::JobRun;

/// How long a lease lasts without a heartbeat; a replica that died loses it after this.
pub const LEASE_SECS: i64 = 120;

pub fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Inserts the run row for `(job, tick)`; `None` when another replica already has it.
pub async fn claim(
    store: &Store,
    job: &str,
    tick: &str,
    trigger: &str,
    replica: &str,
) -> Result<Option<i64>> {
    let at = now();
    let inserted = sqlx::query(
        "insert into job_runs (job, tick, trigger, replica, started_at, outcome, heartbeat_at) \
         values ($1, $2, $3, $4, $5, 'running', $5) on conflict do nothing returning id",
    )
    .bind(job)
    .bind(tick)
    .bind(trigger)
    .bind(replica)
    .bind(&at)
    .fetch_optional(&store.pool)
    .await?;
    Ok(match inserted {
        Some(r) => Some(r.try_get("id")?),
        None => None,
    })
}

/// Takes the lease of `job` for run `run_id` unless a live one is held. Runs whose replica
/// stopped sending heartbeats are closed as failed first.
pub async fn lease(store: &Store, job: &str, run_id: i64, replica: &str) -> Result<bool> {
    let now_t = Utc::now();
    let expired = text(now_t - Duration::seconds(LEASE_SECS));
    sqlx::query(
        "update job_runs set outcome = 'failed', finished_at = heartbeat_at, \
         error = 'the replica running it stopped before it finished' \
         where job = $1 and outcome = 'running' and heartbeat_at < $2",
    )
    .bind(job)
    .bind(&expired)
    .execute(&store.pool)
    .await?;
    let taken = sqlx::query(
        "insert into job_locks (job, holder, run_id, expires_at) values ($1, $2, $3, $4) \
         on conflict (job) do update set holder = excluded.holder, run_id = excluded.run_id, \
         expires_at = excluded.expires_at where job_locks.expires_at < $5",
    )
    .bind(job)
    .bind(replica)
    .bind(run_id)
    .bind(text(now_t + Duration::seconds(LEASE_SECS)))
    .bind(text(now_t))
    .execute(&store.pool)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Records progress and extends the lease.
pub async fn heartbeat(store: &Store, job: &str, run_id: i64, done: i64, total: i64) -> Result<()> {
    let now_t = Utc::now();
    sqlx::query(
        "update job_runs set progress_done = $1, progress_total = $2, heartbeat_at = $3 \
         where id = $4",
    )
    .bind(done)
    .bind(total)
    .bind(text(now_t))
    .bind(run_id)
    .execute(&store.pool)
    .await?;
    sqlx::query("update job_locks set expires_at = $1 where job = $2 and run_id = $3")
        .bind(text(now_t + Duration::seconds(LEASE_SECS)))
        .bind(job)
        .bind(run_id)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// Closes a run with its outcome and releases the lease it held.
pub async fn finish(
    store: &Store,
    job: &str,
    run_id: i64,
    outcome: &str,
    counts: &BTreeMap<String, i64>,
    error: Option<&str>,
) -> Result<()> {
    let at = now();
    let counts = serde_json::to_string(counts).unwrap_or_else(|_| "{}".into());
    // One transaction: whoever sees the run finished may start the next one at once.
    let mut tx = store.begin().await?;
    sqlx::query(
        "update job_runs set outcome = $1, counts = $2, error = $3, finished_at = $4, \
         heartbeat_at = $4 where id = $5",
    )
    .bind(outcome)
    .bind(counts)
    .bind(error)
    .bind(&at)
    .bind(run_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("delete from job_locks where job = $1 and run_id = $2")
        .bind(job)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

const SELECT: &str = "select id, job, tick, trigger, replica, started_at, finished_at, outcome, \
     progress_done, progress_total, counts, error from job_runs";

fn row_run(r: &sqlx::any::AnyRow) -> Result<JobRun> {
    let counts: String = r.try_get("counts")?;
    Ok(JobRun {
        id: r.try_get("id")?,
        job: r.try_get("job")?,
        tick: r.try_get("tick")?,
        trigger: r.try_get("trigger")?,
        replica: r.try_get("replica")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
        outcome: r.try_get("outcome")?,
        progress_done: r.try_get("progress_done")?,
        progress_total: r.try_get("progress_total")?,
        counts: serde_json::from_str(&counts).unwrap_or_default(),
        error: r.try_get("error")?,
    })
}

pub async fn get(store: &Store, id: i64) -> Result<Option<JobRun>> {
    sqlx::query(&format!("{SELECT} where id = $1"))
        .bind(id)
        .fetch_optional(&store.pool)
        .await?
        .map(|r| row_run(&r))
        .transpose()
}

/// The newest runs, of one job or of all.
pub async fn recent(store: &Store, job: Option<&str>, limit: i64) -> Result<Vec<JobRun>> {
    let rows = match job {
        Some(j) => {
            sqlx::query(&format!(
                "{SELECT} where job = $1 order by started_at desc, id desc limit {limit}"
            ))
            .bind(j)
            .fetch_all(&store.pool)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "{SELECT} order by started_at desc, id desc limit {limit}"
            ))
            .fetch_all(&store.pool)
            .await?
        }
    };
    rows.iter().map(row_run).collect()
}

/// Per job: its newest run, its newest success (started_at), and whether one is running.
#[derive(Debug, Default, Clone)]
pub struct JobState {
    pub last_run: Option<JobRun>,
    pub last_success_at: Option<String>,
    pub running: Option<JobRun>,
    /// The newest tick a run was recorded for (any outcome).
    pub last_tick_started: Option<String>,
    /// When the first run still on record started.
    pub first_run_at: Option<String>,
}

pub async fn state(store: &Store, job: &str) -> Result<JobState> {
    let last_run = recent(store, Some(job), 1).await?.pop();
    let last_success_at: Option<String> = sqlx::query_scalar(
        "select max(started_at) from job_runs where job = $1 and outcome = 'succeeded'",
    )
    .bind(job)
    .fetch_one(&store.pool)
    .await?;
    let first_run_at: Option<String> =
        sqlx::query_scalar("select min(started_at) from job_runs where job = $1")
            .bind(job)
            .fetch_one(&store.pool)
            .await?;
    let running = sqlx::query(&format!(
        "{SELECT} where job = $1 and outcome = 'running' order by started_at desc limit 1"
    ))
    .bind(job)
    .fetch_optional(&store.pool)
    .await?
    .map(|r| row_run(&r))
    .transpose()?;
    Ok(JobState {
        last_tick_started: last_run.as_ref().map(|r| r.started_at.clone()),
        last_run,
        last_success_at,
        running,
        first_run_at,
    })
}

/// Whether a run was recorded for `(job, tick)`.
pub async fn has_tick(store: &Store, job: &str, tick: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("select count(*) from job_runs where job = $1 and tick = $2")
        .bind(job)
        .bind(tick)
        .fetch_one(&store.pool)
        .await?;
    Ok(n > 0)
}

/// Deletes runs older than `before`, keeping each job's newest success (the stale-job check
/// reads it).
pub async fn prune(store: &Store, before: &str) -> Result<u64> {
    Ok(sqlx::query(
        "delete from job_runs where started_at < $1 and outcome <> 'running' and id not in \
         (select max(id) from job_runs where outcome = 'succeeded' group by job)",
    )
    .bind(before)
    .execute(&store.pool)
    .await?
    .rows_affected())
}
