//! Reads the facts the rules see: the whole catalog in a fixed number of queries (services,
//! owners, dependencies, teams with members, policies, schedules with their overrides), and
//! computes what is derived from it once per pass (dependency cycles, schedule coverage).

use crate::domain::checks::{
    Coverage, MemberFacts, PolicyFacts, ScheduleFacts, ServiceFacts, Snapshot, TeamFacts,
    COVERAGE_DAYS, LOAD_DAYS,
};
use crate::domain::oncall as model;
use crate::error::Result;
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::oncall::EscalationLevel;

/// Changes to the catalog since a snapshot was read show in the audit log, written in the
/// transaction of every change: its newest id, and how many events lie near it (on
/// PostgreSQL a transaction that took an id earlier can commit later; it changes the count).
/// The hour matters too: schedule coverage is computed from the top of the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    last_event: i64,
    recent: i64,
    hour: i64,
}

/// A snapshot with the stamp it was read under.
pub struct Cached {
    stamp: Stamp,
    read_at: std::time::Instant,
    snap: Snapshot,
}

/// A snapshot is read again after this long even when the audit log shows no change, so
/// that a change made outside Steward (by hand in the database) is seen within minutes.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(300);

async fn stamp(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Stamp> {
    let last: Option<i64> = sqlx::query_scalar("select max(id) from audit_events")
        .fetch_one(&mut *conn)
        .await?;
    let last = last.unwrap_or(0);
    let recent: i64 = sqlx::query_scalar("select count(*) from audit_events where id > $1")
        .bind(last - 1000)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Stamp {
        last_event: last,
        recent,
        hour: now.timestamp().div_euclid(3600),
    })
}

/// The snapshot at `now`: the one read last when nothing changed since (three quick
/// queries instead of reading the whole catalog), otherwise read afresh and kept.
pub async fn cached(
    store: &Store,
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<Snapshot> {
    let stamp = stamp(conn, now).await?;
    if let Ok(guard) = store.snapshot.lock() {
        if let Some(c) = guard.as_ref() {
            if c.stamp == stamp && c.read_at.elapsed() < MAX_AGE {
                let mut snap = c.snap.clone();
                snap.now = now;
                return Ok(snap);
            }
        }
    }
    // Read after the stamp: a change committed in between is in the snapshot and moves the
    // stamp, so the next call reads again (never the other way round).
    let snap = load(conn, now).await?;
    if let Ok(mut guard) = store.snapshot.lock() {
        *guard = Some(Cached {
            stamp,
            read_at: std::time::Instant::now(),
            snap: snap.clone(),
        });
    }
    Ok(snap)
}

impl Store {
    /// Forgets the kept snapshot, after the database was changed by hand.
    pub fn forget_snapshot(&self) {
        if let Ok(mut guard) = self.snapshot.lock() {
            *guard = None;
        }
    }
}

pub async fn load(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Snapshot> {
    let rows = sqlx::query(
        "select id, slug, name, description, tier, lifecycle, kind, repository, \
         escalation_policy_id from services order by id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut services = Vec::with_capacity(rows.len());
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    let mut policy_of: Vec<Option<i64>> = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        index.insert(id, services.len());
        policy_of.push(r.try_get("escalation_policy_id")?);
        services.push(ServiceFacts {
            id,
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            tier: r.try_get("tier")?,
            lifecycle: r.try_get("lifecycle")?,
            kind: r.try_get("kind")?,
            repository: r.try_get("repository")?,
            ..ServiceFacts::default()
        });
    }
    for r in sqlx::query(
        "select o.service_id, t.slug from service_owners o join teams t on t.id = o.team_id \
         order by o.service_id, o.position",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        if let Some(i) = index.get(&r.try_get::<i64, _>("service_id")?) {
            services[*i].owners.push(r.try_get("slug")?);
        }
    }
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
    for r in sqlx::query(
        "select d.service_id, d.depends_on_id, s.slug from service_dependencies d \
         join services s on s.id = d.depends_on_id order by d.service_id, s.slug",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let from = index.get(&r.try_get::<i64, _>("service_id")?).copied();
        let to = index.get(&r.try_get::<i64, _>("depends_on_id")?).copied();
        if let (Some(from), Some(to)) = (from, to) {
            services[from].depends_on.push(r.try_get("slug")?);
            edges[from].push(to);
        }
    }
    for (v, cycle) in crate::domain::graph::cycles_through(&edges) {
        let path = cycle.iter().map(|i| services[*i].slug.clone()).collect();
        services[v].cycle = Some(path);
    }
    let policies = policies(conn).await?;
    for (s, policy) in services.iter_mut().zip(&policy_of) {
        s.escalation_policy = policy.and_then(|p| policies.get(&p).cloned());
    }
    let teams = teams(conn).await?;
    let schedules = schedules(conn, now).await?;
    Ok(Snapshot::new(now, services, teams, schedules))
}

async fn policies(conn: &mut AnyConnection) -> Result<HashMap<i64, PolicyFacts>> {
    let mut out = HashMap::new();
    for r in sqlx::query("select id, slug, levels from escalation_policies")
        .fetch_all(&mut *conn)
        .await?
    {
        let levels: String = r.try_get("levels")?;
        let levels: Vec<EscalationLevel> = serde_json::from_str(&levels).unwrap_or_default();
        let mut schedules: Vec<String> = Vec::new();
        for t in levels.iter().flat_map(|l| &l.targets) {
            if let Some(s) = &t.schedule {
                if !schedules.contains(s) {
                    schedules.push(s.clone());
                }
            }
        }
        out.insert(
            r.try_get("id")?,
            PolicyFacts {
                slug: r.try_get("slug")?,
                schedules,
            },
        );
    }
    Ok(out)
}

async fn teams(conn: &mut AnyConnection) -> Result<HashMap<String, TeamFacts>> {
    let mut out: HashMap<String, TeamFacts> = HashMap::new();
    for r in sqlx::query(
        "select t.slug, p.handle, m.role, (case when p.active then 1 else 0 end) as active \
         from teams t left join team_members m on m.team_id = t.id \
         left join people p on p.id = m.person_id order by t.slug, p.handle",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let slug: String = r.try_get("slug")?;
        let team = out.entry(slug.clone()).or_insert_with(|| TeamFacts {
            slug,
            members: Vec::new(),
        });
        if let Some(handle) = r.try_get::<Option<String>, _>("handle")? {
            let role: Option<String> = r.try_get("role")?;
            let active: Option<i64> = r.try_get("active")?;
            team.members.push(MemberFacts {
                handle,
                lead: role.as_deref() == Some("lead"),
                active: active.unwrap_or(0) != 0,
            });
        }
    }
    Ok(out)
}

/// Each schedule's gaps over the coming [`COVERAGE_DAYS`] and each person's share of the next
/// [`LOAD_DAYS`], from the final schedule (overrides applied). The window starts at the top
/// of the current hour so that consecutive passes compute the same coverage.
async fn schedules(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<HashMap<String, ScheduleFacts>> {
    let from = now - Duration::seconds(i64::from(now.timestamp().rem_euclid(3600) as u32));
    let to = from + Duration::days(COVERAGE_DAYS);
    let load_to = from + Duration::days(LOAD_DAYS);
    let mut out = HashMap::new();
    for (slug, m) in crate::store::oncall::models_tolerant(conn, from, to).await? {
        let computed = m.map(|m| {
            let segments = model::final_schedule(&m, from, to);
            let gaps = segments
                .iter()
                .filter(|s| s.person.is_none())
                .map(|s| (s.start, s.end))
                .collect();
            let near: Vec<model::Segment> = segments
                .into_iter()
                .filter(|s| s.start < load_to)
                .map(|mut s| {
                    s.end = s.end.min(load_to);
                    s
                })
                .collect();
            let window = load_to - from;
            let load_bp = model::totals(&near)
                .into_iter()
                .map(|(p, d)| (p, (model::share(d, window) * 10_000.0).round() as i64))
                .collect();
            Coverage { gaps, load_bp }
        });
        out.insert(slug.clone(), ScheduleFacts { slug, computed });
    }
    Ok(out)
}
