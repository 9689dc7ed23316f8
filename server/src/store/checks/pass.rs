//! A checks pass: take the snapshot, assess the services whose facts changed (all of them on a
//! full pass), and bring the findings, the scores and today's history in line, in one
//! transaction. Findings are keyed by (service, rule, subject): a failure that was resolved
//! and comes back reopens its row, so nothing is ever duplicated.

use super::snapshot;
use crate::domain::checks::assess::{assess, Assessment, Waiver};
use crate::domain::checks::scorecard::level_name;
use crate::domain::checks::{settings_hash, RuleDef, Settings, Snapshot, WHOLE};
use crate::error::Result;
use crate::jobs::Progress;
use crate::store::jobs::text;
use crate::store::{now as now_text, Sql, Store};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// The rule id of findings about Steward itself: a job that stopped running.
pub const JOB_STALE: &str = "operations.job-stale";

/// Which services a pass assesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every service ("Run now", the first pass).
    Full,
    /// Services whose facts changed since the last pass, and those whose exemption or grace
    /// period ended since.
    Changed,
    /// One service ("Check now" on its page).
    Service(&'a str),
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub services: i64,
    pub evaluated: i64,
    pub opened: i64,
    pub reopened: i64,
    pub resolved: i64,
    pub changed: i64,
    pub unknown: i64,
    pub errors: i64,
    /// Findings opened (or reopened) on tier 1–2 services: their owners are told at once.
    pub notify: Vec<(i64, Key, bool)>,
    /// How long each phase took (read, choose, assess, write), for the logs and the bench.
    pub phases: Vec<(&'static str, std::time::Duration)>,
}

impl Report {
    pub fn counts(&self) -> BTreeMap<String, i64> {
        BTreeMap::from([
            ("services".into(), self.services),
            ("evaluated".into(), self.evaluated),
            ("opened".into(), self.opened),
            ("reopened".into(), self.reopened),
            ("resolved".into(), self.resolved),
            ("changed".into(), self.changed),
            ("unknown".into(), self.unknown),
            ("errors".into(), self.errors),
        ])
    }
}

/// A stale job as the pass records it: name, last success, interval in seconds.
pub type StaleJob = (String, Option<String>, i64);

/// An existing finding, as far as reconciling needs it.
struct Existing {
    id: i64,
    open: bool,
    result: String,
    severity: String,
    message: String,
    details: String,
    enforced: bool,
    age: Option<i64>,
}

/// (service id, rule, subject).
pub type Key = (Option<i64>, String, String);

impl Existing {
    fn from_row(r: &sqlx::any::AnyRow) -> Result<Existing> {
        Ok(Existing {
            id: r.try_get("id")?,
            open: r.try_get::<String, _>("state")? == "open",
            result: r.try_get("result")?,
            severity: r.try_get("severity")?,
            message: r.try_get("message")?,
            details: r.try_get("details")?,
            enforced: r.try_get::<i64, _>("enforced")? != 0,
            age: r.try_get("data_age_secs")?,
        })
    }
}

pub async fn run(
    store: &Store,
    scope: Scope<'_>,
    stale_jobs: &[StaleJob],
    progress: Option<&Progress>,
) -> Result<Report> {
    let now = Utc::now();
    let mut clock = std::time::Instant::now();
    let mut phases = Vec::with_capacity(4);
    let mut lap = |name: &'static str| {
        phases.push((name, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    let mut conn = store.pool.acquire().await?;
    let rules = super::rules::effective(&mut conn).await?;
    let shash = settings_hash(&rules);
    let (snap, hashes) = snapshot::with_hashes(store, &mut conn, now, shash).await?;
    lap("read");
    let total = snap.services.len() as i64;
    if let Some(p) = progress {
        p.report(0, total).await;
    }
    // Reading and assessing happen before the write transaction, so that progress can be
    // recorded meanwhile (SQLite has one writer at a time).
    let waivers = waivers(&mut conn, now).await?;
    let stored = recorded(store, &mut conn).await?;
    let (chosen, rehashed) = choose(
        &mut conn, &snap, &hashes, &stored, &rules, &waivers, scope, now,
    )
    .await?;
    drop(conn);
    lap("choose");
    let mut report = Report {
        services: total,
        evaluated: chosen.len() as i64,
        ..Report::default()
    };
    let mut assessed: Vec<(usize, Assessment)> = Vec::with_capacity(chosen.len());
    for (n, (i, _)) in chosen.iter().enumerate() {
        let s = &snap.services[*i];
        let w = waivers.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        assessed.push((*i, assess(&rules, &snap, s, w)));
        if n % 2000 == 1999 {
            if let Some(p) = progress {
                p.report(n as i64 / 2, total).await;
            }
        }
    }
    if let Some(p) = progress {
        p.report(total / 2, total).await;
    }
    lap("assess");
    let mut tx = store.begin().await?;
    let at = now_text();
    record_hashes(&mut tx, &snap, &rehashed, &at).await?;
    let ids: Vec<i64> = chosen.iter().map(|(i, _)| snap.services[*i].id).collect();
    let existing = existing(&mut tx, scope, &ids).await?;
    let mut wanted: HashMap<Key, (i64, &crate::domain::checks::assess::Wanted)> = HashMap::new();
    for (i, a) in &assessed {
        let s = &snap.services[*i];
        for w in &a.wanted {
            wanted.insert(
                (Some(s.id), w.rule.to_string(), w.subject.clone()),
                (s.tier, w),
            );
        }
    }
    reconcile(&mut tx, &existing, &wanted, &at, &mut report).await?;
    enqueue_notifications(&mut tx, &snap, &wanted, &report.notify).await?;
    if !matches!(scope, Scope::Service(_)) {
        stale_findings(&mut tx, stale_jobs, &at, &mut report).await?;
    }
    write_scores(&mut tx, &snap, &assessed, &at, now).await?;
    tx.commit().await?;
    remember_hashes(store, &snap, &rehashed, &at);
    lap("write");
    report.phases = phases;
    tracing::debug!(phases = ?report.phases, evaluated = report.evaluated, "checks pass");
    if let Some(p) = progress {
        p.report(total, total).await;
    }
    Ok(report)
}

/// Outbox rows for the findings that must be sent at once, in the pass's transaction: a
/// finding and its notification are stored together or not at all.
async fn enqueue_notifications(
    conn: &mut AnyConnection,
    snap: &Snapshot,
    wanted: &HashMap<Key, (i64, &crate::domain::checks::assess::Wanted)>,
    notify: &[(i64, Key, bool)],
) -> Result<()> {
    if notify.is_empty() {
        return Ok(());
    }
    let by_id: HashMap<i64, usize> = snap
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, i))
        .collect();
    for (id, key, reopened) in notify {
        let (Some(service), Some((_, w))) = (
            key.0
                .and_then(|sid| by_id.get(&sid))
                .map(|i| &snap.services[*i]),
            wanted.get(key),
        ) else {
            continue;
        };
        let def = crate::domain::checks::rule(w.rule);
        crate::store::outbox::enqueue_finding_opened(
            conn,
            &crate::store::outbox::OpenedFinding {
                finding_id: *id,
                service: service.slug.clone(),
                service_name: service.name.clone(),
                tier: service.tier,
                teams: service.owners.clone(),
                rule: w.rule.to_string(),
                rule_title: def.map_or(w.rule, |d| d.title).to_string(),
                severity: w.severity.to_string(),
                message: w.message.clone(),
                how_to_fix: def.map_or("", |d| d.how_to_fix).to_string(),
                subject: w.subject.clone(),
                reopened: *reopened,
            },
        )
        .await?;
    }
    Ok(())
}

/// Active exemptions by service id.
async fn waivers(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Vec<Waiver>>> {
    let mut out: HashMap<i64, Vec<Waiver>> = HashMap::new();
    for r in sqlx::query(
        "select service_id, rule_id, expires_at from exemptions \
         where revoked_at is null and expires_at > $1",
    )
    .bind(text(now))
    .fetch_all(conn)
    .await?
    {
        let expires: String = r.try_get("expires_at")?;
        if let Ok(t) = DateTime::parse_from_rfc3339(&expires) {
            out.entry(r.try_get("service_id")?)
                .or_default()
                .push(Waiver {
                    rule: r.try_get("rule_id")?,
                    expires_at: t.with_timezone(&Utc),
                });
        }
    }
    Ok(out)
}

/// The facts hashes stored in `check_state`, as this process last read or wrote them, with
/// what tells whether the table changed since (another replica's pass): its row count and
/// newest `evaluated_at`.
pub struct Recorded {
    count: i64,
    newest: Option<String>,
    hashes: Arc<HashMap<i64, u64>>,
}

/// The stored facts hashes by service id: the kept ones when the table shows no change.
async fn recorded(store: &Store, conn: &mut AnyConnection) -> Result<Arc<HashMap<i64, u64>>> {
    let row = sqlx::query("select count(*) as n, max(evaluated_at) as newest from check_state")
        .fetch_one(&mut *conn)
        .await?;
    let (count, newest): (i64, Option<String>) = (row.try_get("n")?, row.try_get("newest")?);
    if let Ok(guard) = store.recorded.lock() {
        if let Some(r) = guard
            .as_ref()
            .filter(|r| r.count == count && r.newest == newest)
        {
            return Ok(r.hashes.clone());
        }
    }
    let mut hashes: HashMap<i64, u64> = HashMap::with_capacity(count.max(0) as usize);
    for r in sqlx::query("select service_id, facts_hash from check_state")
        .fetch_all(&mut *conn)
        .await?
    {
        let h: String = r.try_get("facts_hash")?;
        // A hash that does not parse matches nothing, so that service is assessed again.
        if let Ok(h) = h.parse() {
            hashes.insert(r.try_get("service_id")?, h);
        }
    }
    let hashes = Arc::new(hashes);
    if let Ok(mut guard) = store.recorded.lock() {
        *guard = Some(Recorded {
            count,
            newest,
            hashes: hashes.clone(),
        });
    }
    Ok(hashes)
}

/// After a pass committed: the kept hashes as the pass left the table (when they were in
/// line with it before; otherwise the next pass reads them).
fn remember_hashes(store: &Store, snap: &Snapshot, rehashed: &[(usize, u64)], at: &str) {
    if rehashed.is_empty() {
        return;
    }
    if let Ok(mut guard) = store.recorded.lock() {
        if let Some(r) = guard.as_mut() {
            let hashes = Arc::make_mut(&mut r.hashes);
            for (i, h) in rehashed {
                hashes.insert(snap.services[*i].id, *h);
            }
            r.count = hashes.len() as i64;
            r.newest = Some(at.to_string());
        }
    }
}

/// The services to assess with their facts hash, and the hashes that changed (to record).
#[allow(clippy::too_many_arguments)]
async fn choose(
    conn: &mut AnyConnection,
    snap: &Snapshot,
    hashes: &[u64],
    stored: &HashMap<i64, u64>,
    rules: &[(&'static RuleDef, Settings)],
    waivers: &HashMap<i64, Vec<Waiver>>,
    scope: Scope<'_>,
    now: DateTime<Utc>,
) -> Result<(Vec<(usize, u64)>, Vec<(usize, u64)>)> {
    if let Scope::Service(slug) = scope {
        let chosen: Vec<(usize, u64)> = snap
            .by_slug
            .get(slug)
            .map(|i| (*i, hashes[*i]))
            .into_iter()
            .collect();
        return Ok((chosen.clone(), chosen));
    }
    let changed: Vec<(usize, u64)> = hashes
        .iter()
        .enumerate()
        .filter(|(i, h)| stored.get(&snap.services[*i].id) != Some(*h))
        .map(|(i, h)| (i, *h))
        .collect();
    if scope == Scope::Full {
        return Ok((hashes.iter().copied().enumerate().collect(), changed));
    }
    // Exemptions and grace periods that ended since the last pass change a status without
    // changing a fact.
    let since = last_pass(conn).await?.unwrap_or_default();
    let ended = ended_since(conn, &since, now).await?;
    let grace_ended = rules
        .iter()
        .any(|(_, s)| s.enforced_from.is_some_and(|t| text(t) > since && t <= now));
    if grace_ended {
        return Ok((hashes.iter().copied().enumerate().collect(), changed));
    }
    let mut chosen = changed.clone();
    for (i, s) in snap.services.iter().enumerate() {
        let expired = ended.contains(&s.id)
            || waivers
                .get(&s.id)
                .is_some_and(|w| w.iter().any(|w| w.expires_at <= now));
        if expired && stored.get(&s.id) == Some(&hashes[i]) {
            chosen.push((i, hashes[i]));
        }
    }
    chosen.sort_unstable_by_key(|(i, _)| *i);
    Ok((chosen, changed))
}

/// Stores the facts hash of each service in `chosen`.
async fn record_hashes(
    conn: &mut AnyConnection,
    snap: &Snapshot,
    chosen: &[(usize, u64)],
    at: &str,
) -> Result<()> {
    for (i, h) in chosen {
        sqlx::query(
            "insert into check_state (service_id, facts_hash, evaluated_at) values ($1, $2, $3) \
             on conflict (service_id) do update set facts_hash = excluded.facts_hash, \
             evaluated_at = excluded.evaluated_at",
        )
        .bind(snap.services[*i].id)
        .bind(h.to_string())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// When the last pass over all services ran: the newest successful checks run, or the
/// newest hash recorded.
pub(crate) async fn last_pass(conn: &mut AnyConnection) -> Result<Option<String>> {
    let run: Option<String> = sqlx::query_scalar(
        "select max(started_at) from job_runs where job = 'checks' and outcome = 'succeeded'",
    )
    .fetch_one(&mut *conn)
    .await?;
    let hashed: Option<String> = sqlx::query_scalar("select max(evaluated_at) from check_state")
        .fetch_one(&mut *conn)
        .await?;
    Ok(run.max(hashed))
}

/// Services whose exemption expired or was revoked since `since`.
async fn ended_since(
    conn: &mut AnyConnection,
    since: &str,
    now: DateTime<Utc>,
) -> Result<HashSet<i64>> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "select distinct service_id from exemptions where (expires_at > $1 and expires_at <= $2) \
         or (revoked_at is not null and revoked_at > $1)",
    )
    .bind(since)
    .bind(text(now))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The findings of the assessed services (of every service on a full pass).
async fn existing(
    conn: &mut AnyConnection,
    scope: Scope<'_>,
    ids: &[i64],
) -> Result<HashMap<Key, Existing>> {
    const COLUMNS: &str = "select id, service_id, rule_id, subject, state, result, severity, \
         message, details, enforced, data_age_secs from findings";
    let mut rows = Vec::new();
    match scope {
        Scope::Full => {
            rows = sqlx::query(&format!("{COLUMNS} where service_id is not null"))
                .fetch_all(&mut *conn)
                .await?;
        }
        _ => {
            for chunk in ids.chunks(500) {
                let mut sql = Sql::new(&format!("{COLUMNS} where service_id in "));
                sql.bind_list(chunk);
                rows.extend(sql.query().fetch_all(&mut *conn).await?);
            }
        }
    }
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        out.insert(
            (
                r.try_get("service_id")?,
                r.try_get("rule_id")?,
                r.try_get("subject")?,
            ),
            Existing::from_row(&r)?,
        );
    }
    Ok(out)
}

async fn event(
    conn: &mut AnyConnection,
    id: i64,
    at: &str,
    change: &str,
    result: &str,
) -> Result<()> {
    sqlx::query(
        "insert into finding_events (finding_id, at, change, result) values ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(at)
    .bind(change)
    .bind(result)
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens, reopens, updates and resolves findings so that the open ones are exactly `wanted`.
async fn reconcile(
    conn: &mut AnyConnection,
    existing: &HashMap<Key, Existing>,
    wanted: &HashMap<Key, (i64, &crate::domain::checks::assess::Wanted)>,
    at: &str,
    report: &mut Report,
) -> Result<()> {
    for (key, (tier, w)) in wanted {
        let details = w.details.to_string();
        if w.result == "unknown" {
            report.unknown += 1;
        }
        if w.result == "error" {
            report.errors += 1;
        }
        match existing.get(key) {
            None => {
                let id: i64 = sqlx::query_scalar(
                    "insert into findings (service_id, rule_id, subject, state, result, severity, \
                     message, details, data_age_secs, enforced, first_seen_at, last_seen_at, \
                     updated_at) values ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $10, $10) \
                     returning id",
                )
                .bind(key.0)
                .bind(&key.1)
                .bind(&key.2)
                .bind(w.result)
                .bind(w.severity)
                .bind(&w.message)
                .bind(&details)
                .bind(w.age_secs)
                .bind(i64::from(w.enforced))
                .bind(at)
                .fetch_one(&mut *conn)
                .await?;
                event(conn, id, at, "opened", w.result).await?;
                report.opened += 1;
                if *tier <= 2 && w.enforced && w.result == "fail" {
                    report.notify.push((id, key.clone(), false));
                }
            }
            Some(e) => {
                let same = e.open
                    && e.result == w.result
                    && e.severity == w.severity
                    && e.message == w.message
                    && e.details == details
                    && e.enforced == w.enforced
                    && e.age == w.age_secs;
                if same {
                    continue;
                }
                sqlx::query(
                    "update findings set state = 'open', result = $1, severity = $2, message = $3, \
                     details = $4, data_age_secs = $5, enforced = $6, last_seen_at = $7, \
                     updated_at = $7, resolved_at = null, \
                     reopened_count = reopened_count + $8 where id = $9",
                )
                .bind(w.result)
                .bind(w.severity)
                .bind(&w.message)
                .bind(&details)
                .bind(w.age_secs)
                .bind(i64::from(w.enforced))
                .bind(at)
                .bind(i64::from(!e.open))
                .bind(e.id)
                .execute(&mut *conn)
                .await?;
                if e.open {
                    if e.result != w.result {
                        event(conn, e.id, at, "changed", w.result).await?;
                    }
                    report.changed += 1;
                } else {
                    event(conn, e.id, at, "reopened", w.result).await?;
                    report.reopened += 1;
                    if *tier <= 2 && w.enforced && w.result == "fail" {
                        report.notify.push((e.id, key.clone(), true));
                    }
                }
            }
        }
    }
    for (key, e) in existing {
        if e.open && key.0.is_some() && !wanted.contains_key(key) {
            sqlx::query(
                "update findings set state = 'resolved', resolved_at = $1, last_seen_at = $1, \
                 updated_at = $1 where id = $2",
            )
            .bind(at)
            .bind(e.id)
            .execute(&mut *conn)
            .await?;
            event(conn, e.id, at, "resolved", &e.result).await?;
            report.resolved += 1;
        }
    }
    // Findings still failing were seen now.
    let open_ids: Vec<i64> = wanted
        .keys()
        .filter_map(|k| existing.get(k).map(|e| e.id))
        .collect();
    for chunk in open_ids.chunks(500) {
        let mut sql = Sql::new("update findings set last_seen_at = ");
        sql.bind(crate::store::Arg::Text(at.to_string()))
            .push(" where id in ")
            .bind_list(chunk);
        sql.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// One finding per job that stopped running (no service), resolved when it runs again.
async fn stale_findings(
    conn: &mut AnyConnection,
    stale: &[StaleJob],
    at: &str,
    report: &mut Report,
) -> Result<()> {
    let rows = sqlx::query(
        "select id, subject, state, result, severity, message, details, enforced, data_age_secs \
         from findings where service_id is null and rule_id = $1",
    )
    .bind(JOB_STALE)
    .fetch_all(&mut *conn)
    .await?;
    let mut existing = HashMap::new();
    for r in rows {
        existing.insert(
            (
                None,
                JOB_STALE.to_string(),
                r.try_get::<String, _>("subject")?,
            ),
            Existing::from_row(&r)?,
        );
    }
    let wanted_rows: Vec<(Key, crate::domain::checks::assess::Wanted)> = stale
        .iter()
        .map(|(job, last, interval)| {
            let message = match last {
                Some(t) => format!(
                    "job '{job}' last succeeded at {t}, more than twice its interval \
                     ({interval} s) ago"
                ),
                None => format!("job '{job}' has not succeeded for more than twice its interval"),
            };
            (
                (None, JOB_STALE.to_string(), job.clone()),
                crate::domain::checks::assess::Wanted {
                    rule: JOB_STALE,
                    subject: job.clone(),
                    result: "fail",
                    severity: "high",
                    message,
                    details: serde_json::json!({"job": job, "lastSuccessAt": last,
                        "intervalSecs": interval}),
                    age_secs: None,
                    enforced: true,
                },
            )
        })
        .collect();
    let wanted: HashMap<Key, (i64, &crate::domain::checks::assess::Wanted)> = wanted_rows
        .iter()
        .map(|(k, w)| (k.clone(), (9, w)))
        .collect();
    let mut local = Report::default();
    reconcile(conn, &existing, &wanted, at, &mut local).await?;
    // `reconcile` resolves only service findings; resolve jobs that recovered here.
    for (key, e) in &existing {
        if e.open && !wanted.contains_key(key) {
            sqlx::query(
                "update findings set state = 'resolved', resolved_at = $1, updated_at = $1 \
                 where id = $2",
            )
            .bind(at)
            .bind(e.id)
            .execute(&mut *conn)
            .await?;
            event(conn, e.id, at, "resolved", &e.result).await?;
            local.resolved += 1;
        }
    }
    report.opened += local.opened;
    report.reopened += local.reopened;
    report.resolved += local.resolved;
    Ok(())
}

/// Upserts the assessed services' scores, a history row for each whose score changed, and
/// today's rows for every team and the organisation.
async fn write_scores(
    conn: &mut AnyConnection,
    snap: &Snapshot,
    assessed: &[(usize, Assessment)],
    at: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let day = now.format("%Y-%m-%d").to_string();
    // The assessed services' stored scores, to skip rewriting those that did not change.
    let mut scores: HashMap<i64, (String, i64)> = HashMap::new();
    let mut rest: HashMap<i64, (String, String, String)> = HashMap::new();
    let ids: Vec<i64> = assessed.iter().map(|(i, _)| snap.services[*i].id).collect();
    for chunk in ids.chunks(500) {
        let mut sql = Sql::new(
            "select service_id, level, percent, statuses, fails_soon, to_next \
             from service_scores where service_id in ",
        );
        sql.bind_list(chunk);
        for r in sql.query().fetch_all(&mut *conn).await? {
            scores.insert(
                r.try_get("service_id")?,
                (r.try_get("level")?, r.try_get("percent")?),
            );
            rest.insert(
                r.try_get("service_id")?,
                (
                    r.try_get("statuses")?,
                    r.try_get("fails_soon")?,
                    r.try_get("to_next")?,
                ),
            );
        }
    }
    for (i, a) in assessed {
        let s = &snap.services[*i];
        let level = level_name(a.score.level).to_string();
        let statuses: BTreeMap<&str, &str> =
            a.statuses.iter().map(|(r, st)| (*r, st.as_str())).collect();
        let statuses = serde_json::to_string(&statuses).unwrap_or_default();
        let soon: Vec<serde_json::Value> = a
            .soon
            .iter()
            .map(|x| {
                serde_json::json!({"rule": x.rule, "subject": x.subject,
                "at": text(x.at), "reason": x.reason})
            })
            .collect();
        let soon = serde_json::Value::Array(soon).to_string();
        let to_next = serde_json::to_string(&a.score.to_next).unwrap_or_default();
        let changed = scores.get(&s.id) != Some(&(level.clone(), a.score.percent_bp));
        let same_rest = rest.get(&s.id) == Some(&(statuses.clone(), soon.clone(), to_next.clone()));
        if !changed && same_rest {
            continue;
        }
        sqlx::query(
            "insert into service_scores (service_id, level, percent, passing, applicable, \
             statuses, fails_soon, to_next, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             on conflict (service_id) do update set level = excluded.level, \
             percent = excluded.percent, passing = excluded.passing, \
             applicable = excluded.applicable, statuses = excluded.statuses, \
             fails_soon = excluded.fails_soon, to_next = excluded.to_next, \
             updated_at = excluded.updated_at",
        )
        .bind(s.id)
        .bind(&level)
        .bind(a.score.percent_bp)
        .bind(a.score.passing)
        .bind(a.score.applicable)
        .bind(statuses)
        .bind(soon)
        .bind(to_next)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        if changed {
            let mut levels = super::scores::Tally::default();
            levels.add(&level, a.score.percent_bp);
            history(conn, "service", &s.slug, &day, &levels).await?;
        }
    }
    // Teams (every service a team owns, as any owner) and the organisation, added up by the
    // database from the scores as they now stand (a few hundred rows rather than every score).
    let teams = add_up(
        conn,
        "select t.slug as scope, s.level, count(*) as n, cast(sum(s.percent) as bigint) as bp \
         from service_scores s join service_owners o on o.service_id = s.service_id \
         join teams t on t.id = o.team_id group by t.slug, s.level",
    )
    .await?;
    let org = add_up(
        conn,
        "select '' as scope, s.level, count(*) as n, cast(sum(s.percent) as bigint) as bp \
         from service_scores s join services v on v.id = s.service_id group by s.level",
    )
    .await?
    .remove("")
    .unwrap_or_default();
    // Today's rows are rewritten only where the figures moved.
    let mut today: HashMap<(String, String), (i64, i64, String)> = HashMap::new();
    for r in sqlx::query(
        "select scope_kind, scope, percent_bp, services, levels from scorecard_history \
         where day = $1 and scope_kind in ('team', 'org')",
    )
    .bind(&day)
    .fetch_all(&mut *conn)
    .await?
    {
        today.insert(
            (r.try_get("scope_kind")?, r.try_get("scope")?),
            (
                r.try_get("percent_bp")?,
                r.try_get("services")?,
                r.try_get("levels")?,
            ),
        );
    }
    let rows = teams
        .iter()
        .map(|(team, tally)| ("team", team.as_str(), tally))
        .chain(std::iter::once(("org", WHOLE, &org)));
    for (kind, scope, tally) in rows {
        let now_row = (tally.average_bp(), tally.services, tally.levels_json());
        if today.get(&(kind.to_string(), scope.to_string())) != Some(&now_row) {
            history(conn, kind, scope, &day, tally).await?;
        }
    }
    Ok(())
}

/// Tallies by `scope` from rows of (scope, level, n: services, bp: their percentages added).
async fn add_up(
    conn: &mut AnyConnection,
    sql: &str,
) -> Result<BTreeMap<String, super::scores::Tally>> {
    let mut out: BTreeMap<String, super::scores::Tally> = BTreeMap::new();
    for r in sqlx::query(sql).fetch_all(conn).await? {
        out.entry(r.try_get("scope")?).or_default().add_many(
            &r.try_get::<String, _>("level")?,
            r.try_get("n")?,
            r.try_get("bp")?,
        );
    }
    Ok(out)
}

async fn history(
    conn: &mut AnyConnection,
    kind: &str,
    scope: &str,
    day: &str,
    t: &super::scores::Tally,
) -> Result<()> {
    sqlx::query(
        "insert into scorecard_history (scope_kind, scope, day, level, percent_bp, services, \
         levels) values ($1, $2, $3, $4, $5, $6, $7) on conflict (scope_kind, scope, day) do \
         update set level = excluded.level, percent_bp = excluded.percent_bp, \
         services = excluded.services, levels = excluded.levels",
    )
    .bind(kind)
    .bind(scope)
    .bind(day)
    .bind(t.lowest())
    .bind(t.average_bp())
    .bind(t.services)
    .bind(t.levels_json())
    .execute(conn)
    .await?;
    Ok(())
}
