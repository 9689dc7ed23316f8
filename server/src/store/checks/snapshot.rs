//! Reads the facts the rules see: the whole catalog in a fixed number of queries (services,
//! owners, dependencies, teams with members, policies, schedules with their overrides), and
//! computes what is derived from it (dependency cycles, schedule coverage, facts hashes).
//! The snapshot is kept between passes: when the audit log shows that only a few services
//! were created or edited since, only those are read again and what depends on them
//! recomputed, which keeps an incremental pass after one edit in milliseconds.

use crate::domain::checks::{
    facts_hash, Coverage, MemberFacts, PolicyFacts, RunbookFacts, ScheduleFacts, ServiceFacts,
    Snapshot, TeamFacts, COVERAGE_DAYS, LOAD_DAYS,
};
use crate::domain::oncall as model;
use crate::error::Result;
use crate::store::{Arg, Sql, Store};
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
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

/// How far back [`Stamp::recent`] counts.
const NEAR: i64 = 1000;

/// A snapshot with the stamp it was read under, and what patching it needs: each service's
/// dependencies as indices, its policy id, the policies, and the facts hashes once computed.
pub struct Cached {
    stamp: Stamp,
    read_at: std::time::Instant,
    snap: Snapshot,
    edges: Vec<Vec<usize>>,
    policy_of: Vec<Option<i64>>,
    policies: HashMap<i64, PolicyFacts>,
    /// Facts hashes by service index, under the settings hash they were computed with.
    hashes: Option<(u64, Arc<Vec<u64>>)>,
    /// How it was last brought up to date: kept as it was, patched, or read.
    refresh: Refresh,
}

/// How the kept snapshot was last brought up to date (for the logs and the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Nothing had changed.
    Kept,
    /// Only some services were read again.
    Patched,
    /// The whole catalog was read.
    Read,
}

/// A snapshot is read again after this long even when the audit log shows no change, so
/// that a change made outside Steward (by hand in the database) is seen within minutes.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(300);

/// More changes than this since the kept snapshot and it is read afresh rather than patched.
const MAX_PATCH: usize = 100;

/// Audit actions that change nothing a rule reads (rules and exemptions are read by the pass
/// itself, beside the snapshot).
const UNSEEN: &[&str] = &[
    "token.",
    "feed.",
    "channel.",
    "exemption.",
    "rule.",
    "account.password",
    "incident.note",
];

/// Audit actions on an incident (the subject) that a patch of its services covers.
const INCIDENT: &[&str] = &["incident.declare", "incident.update"];

/// Audit actions on a fix (the subject): a patch of its service and of its incident's
/// services (whose "no fix recorded" it may settle) covers them.
const FIX: &[&str] = &["fix.create", "fix.update", "fix.github"];

async fn incident_services(conn: &mut AnyConnection, id: i64) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("select slug from incident_services where incident_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// The services a change to fix `id` may concern, now and before the change.
async fn fix_services(
    conn: &mut AnyConnection,
    id: i64,
    before: Option<&serde_json::Value>,
) -> Result<Vec<String>> {
    let mut slugs = Vec::new();
    let mut incidents = Vec::new();
    if let Some(r) = sqlx::query("select service_slug, incident_id from fixes where id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    {
        slugs.push(r.try_get::<String, _>("service_slug")?);
        incidents.extend(r.try_get::<Option<i64>, _>("incident_id")?);
    }
    if let Some(b) = before {
        slugs.extend(b["service"].as_str().map(String::from));
        incidents.extend(b["incident"].as_i64());
    }
    for i in incidents {
        slugs.extend(incident_services(conn, i).await?);
    }
    Ok(slugs)
}

/// Audit actions on one service (the subject) that a patch of that service covers.
const ONE_SERVICE: &[&str] = &[
    "service.create",
    "service.update",
    "service.escalation_policy",
    "runbook.save",
    "runbook.review",
    "lockfile.push",
];

async fn stamp(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Stamp> {
    let last: Option<i64> = sqlx::query_scalar("select max(id) from audit_events")
        .fetch_one(&mut *conn)
        .await?;
    let last = last.unwrap_or(0);
    let recent: i64 = sqlx::query_scalar("select count(*) from audit_events where id > $1")
        .bind(last - NEAR)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Stamp {
        last_event: last,
        recent,
        hour: now.timestamp().div_euclid(3600),
    })
}

/// The snapshot at `now`: the one read last when nothing changed since (three quick
/// queries instead of reading the whole catalog), patched when only a few services changed,
/// otherwise read afresh; kept for the next call.
pub async fn cached(
    store: &Store,
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<Snapshot> {
    Ok(kept(store, conn, now, None).await?.0)
}

/// [`cached`], with every service's [`facts_hash`] under `settings_hash` (by index), which
/// is kept too and recomputed only for the services a patch changed.
pub async fn with_hashes(
    store: &Store,
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    settings_hash: u64,
) -> Result<(Snapshot, Arc<Vec<u64>>)> {
    let (snap, hashes) = kept(store, conn, now, Some(settings_hash)).await?;
    Ok((snap, hashes.unwrap_or_default()))
}

async fn kept(
    store: &Store,
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    settings_hash: Option<u64>,
) -> Result<(Snapshot, Option<Arc<Vec<u64>>>)> {
    let stamp = stamp(conn, now).await?;
    // Taken out while it is brought up to date (a concurrent caller reads afresh meanwhile).
    let old = store.snapshot.lock().ok().and_then(|mut g| g.take());
    let old = old.filter(|c| c.read_at.elapsed() < MAX_AGE && c.stamp.hour == stamp.hour);
    // Read after the stamp: a change committed in between is in the snapshot and moves the
    // stamp, so the next call looks again (never the other way round).
    let mut c = match old {
        Some(mut c) if c.stamp == stamp => {
            c.refresh = Refresh::Kept;
            c
        }
        Some(c) => match patch(conn, c, stamp).await? {
            Some(c) => c,
            None => read(conn, now, stamp).await?,
        },
        None => read(conn, now, stamp).await?,
    };
    c.snap.now = now;
    let hashes = settings_hash.map(|sh| match &c.hashes {
        Some((h, v)) if *h == sh => v.clone(),
        _ => {
            let v: Arc<Vec<u64>> = Arc::new(
                c.snap
                    .services
                    .iter()
                    .map(|s| facts_hash(&c.snap, s, sh))
                    .collect(),
            );
            c.hashes = Some((sh, v.clone()));
            v
        }
    });
    let snap = c.snap.clone();
    if let Ok(mut guard) = store.snapshot.lock() {
        *guard = Some(c);
    }
    Ok((snap, hashes))
}

impl Store {
    /// Forgets the kept snapshot, after the database was changed by hand.
    pub fn forget_snapshot(&self) {
        if let Ok(mut guard) = self.snapshot.lock() {
            *guard = None;
        }
    }

    /// How the kept snapshot was last brought up to date, if one is kept.
    pub fn snapshot_refresh(&self) -> Option<Refresh> {
        self.snapshot.lock().ok()?.as_ref().map(|c| c.refresh)
    }
}

/// The whole catalog as the rules see it, read afresh.
pub async fn load(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<Snapshot> {
    Ok(read(
        conn,
        now,
        Stamp {
            last_event: 0,
            recent: 0,
            hour: 0,
        },
    )
    .await?
    .snap)
}

const SERVICE_COLUMNS: &str = "select id, slug, name, description, tier, lifecycle, kind, \
     repository, escalation_policy_id from services";

fn service_row(r: &sqlx::any::AnyRow) -> Result<(ServiceFacts, Option<i64>)> {
    Ok((
        ServiceFacts {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            tier: r.try_get("tier")?,
            lifecycle: r.try_get("lifecycle")?,
            kind: r.try_get("kind")?,
            repository: r.try_get("repository")?,
            ..ServiceFacts::default()
        },
        r.try_get("escalation_policy_id")?,
    ))
}

async fn read(conn: &mut AnyConnection, now: DateTime<Utc>, stamp: Stamp) -> Result<Cached> {
    let rows = sqlx::query(&format!("{SERVICE_COLUMNS} order by id"))
        .fetch_all(&mut *conn)
        .await?;
    let mut services = Vec::with_capacity(rows.len());
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    let mut policy_of: Vec<Option<i64>> = Vec::with_capacity(rows.len());
    for r in &rows {
        let (s, policy) = service_row(r)?;
        index.insert(s.id, services.len());
        policy_of.push(policy);
        services.push(s);
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
    for (v, path) in cycles(&services, &edges) {
        services[v].cycle = Some(path);
    }
    for (id, runbook) in runbooks(conn, now, None).await? {
        if let Some(i) = index.get(&id) {
            services[*i].runbook = Some(runbook);
        }
    }
    let (fixes, unfixed) = crate::store::fixes::facts(conn, now, None).await?;
    for (id, f) in fixes {
        if let Some(i) = index.get(&id) {
            services[*i].fixes = f;
        }
    }
    for (id, d) in crate::store::deps::facts(conn, now, None).await? {
        if let Some(i) = index.get(&id) {
            services[*i].deps = Some(d);
        }
    }
    for (id, u) in unfixed {
        if let Some(i) = index.get(&id) {
            services[*i].unfixed_incidents = u;
        }
    }
    let policies = policies(conn).await?;
    for (s, policy) in services.iter_mut().zip(&policy_of) {
        s.escalation_policy = policy.and_then(|p| policies.get(&p).cloned());
    }
    let teams = teams(conn).await?;
    let schedules = schedules(conn, now).await?;
    Ok(Cached {
        stamp,
        read_at: std::time::Instant::now(),
        snap: Snapshot::new(now, services, teams, schedules),
        edges,
        policy_of,
        policies,
        hashes: None,
        refresh: Refresh::Read,
    })
}

/// Every service on a dependency cycle, with the slugs of one cycle through it.
fn cycles(services: &[ServiceFacts], edges: &[Vec<usize>]) -> Vec<(usize, Vec<String>)> {
    let mut out: Vec<(usize, Vec<String>)> = crate::domain::graph::cycles_through(edges)
        .into_iter()
        .map(|(v, cycle)| (v, cycle.iter().map(|i| services[*i].slug.clone()).collect()))
        .collect();
    out.sort_unstable_by_key(|(v, _)| *v);
    out
}

/// Brings `c` up to `stamp` by reading again only the services the audit log says changed
/// since, and recomputing what depends on them (cycles, hashes). `None` when the changes are
/// of another kind, too many, or cannot be placed (a deletion, an event committed late):
/// then the caller reads everything.
async fn patch(conn: &mut AnyConnection, mut c: Cached, stamp: Stamp) -> Result<Option<Cached>> {
    // An event that committed late among those the kept stamp counted.
    let counted: i64 =
        sqlx::query_scalar("select count(*) from audit_events where id > $1 and id <= $2")
            .bind(c.stamp.last_event - NEAR)
            .bind(c.stamp.last_event)
            .fetch_one(&mut *conn)
            .await?;
    if counted != c.stamp.recent || stamp.last_event < c.stamp.last_event {
        return Ok(None);
    }
    let events = sqlx::query(
        "select action, subject, before from audit_events where id > $1 and id <= $2 order by id",
    )
    .bind(c.stamp.last_event)
    .bind(stamp.last_event)
    .fetch_all(&mut *conn)
    .await?;
    if events.len() > MAX_PATCH {
        return Ok(None);
    }
    let mut slugs: Vec<String> = Vec::new();
    for e in &events {
        let action: String = e.try_get("action")?;
        if ONE_SERVICE.contains(&action.as_str()) {
            let subject: String = e.try_get("subject")?;
            if !slugs.contains(&subject) {
                slugs.push(subject);
            }
        } else if INCIDENT.contains(&action.as_str()) || FIX.contains(&action.as_str()) {
            let subject: String = e.try_get("subject")?;
            let before: Option<String> = e.try_get("before")?;
            let before = before.and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok());
            let id = subject.parse::<i64>().unwrap_or(-1);
            let named = if action.starts_with("fix.") {
                fix_services(conn, id, before.as_ref()).await?
            } else {
                // The services it names now, and those it named before the change.
                let mut named = incident_services(conn, id).await?;
                if let Some(b) = &before {
                    for s in b["services"].as_array().into_iter().flatten() {
                        named.extend(s["slug"].as_str().map(String::from));
                    }
                }
                named
            };
            for slug in named {
                // A service deleted since cannot be patched: the full read handles it.
                if !slugs.contains(&slug) {
                    slugs.push(slug);
                }
            }
        } else if !UNSEEN.iter().any(|p| action.starts_with(p)) {
            return Ok(None);
        }
    }
    if !slugs.is_empty() && !patch_services(conn, &mut c, &slugs).await? {
        return Ok(None);
    }
    c.stamp = stamp;
    c.refresh = Refresh::Patched;
    Ok(Some(c))
}

/// Reads the services `slugs` again into `c`; false when one cannot be placed.
async fn patch_services(
    conn: &mut AnyConnection,
    c: &mut Cached,
    slugs: &[String],
) -> Result<bool> {
    let mut sql = Sql::new(&format!("{SERVICE_COLUMNS} where slug in ("));
    for (n, slug) in slugs.iter().enumerate() {
        if n > 0 {
            sql.push(", ");
        }
        sql.bind(Arg::Text(slug.clone()));
    }
    sql.push(") order by id");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    if rows.len() != slugs.len() {
        return Ok(false); // deleted since
    }
    let mut fresh: Vec<(ServiceFacts, Option<i64>)> = Vec::with_capacity(rows.len());
    for r in &rows {
        fresh.push(service_row(r)?);
    }
    let ids: Vec<i64> = fresh.iter().map(|(s, _)| s.id).collect();
    let mut owners: HashMap<i64, Vec<String>> = HashMap::new();
    let mut sql = Sql::new(
        "select o.service_id, t.slug from service_owners o join teams t on t.id = o.team_id \
         where o.service_id in ",
    );
    sql.bind_list(&ids)
        .push(" order by o.service_id, o.position");
    for r in sql.query().fetch_all(&mut *conn).await? {
        owners
            .entry(r.try_get("service_id")?)
            .or_default()
            .push(r.try_get("slug")?);
    }
    let mut deps: HashMap<i64, Vec<String>> = HashMap::new();
    let mut sql = Sql::new(
        "select d.service_id, s.slug from service_dependencies d \
         join services s on s.id = d.depends_on_id where d.service_id in ",
    );
    sql.bind_list(&ids).push(" order by d.service_id, s.slug");
    for r in sql.query().fetch_all(&mut *conn).await? {
        deps.entry(r.try_get("service_id")?)
            .or_default()
            .push(r.try_get("slug")?);
    }
    let mut runbooks = runbooks(conn, c.snap.now, Some(&ids)).await?;
    let (mut fixes, mut unfixed) = crate::store::fixes::facts(conn, c.snap.now, Some(&ids)).await?;
    let mut dep_facts = crate::store::deps::facts(conn, c.snap.now, Some(&ids)).await?;
    let services = Arc::make_mut(&mut c.snap.services);
    let by_slug = Arc::make_mut(&mut c.snap.by_slug);
    // Place each: the same id under the same slug, or a new service after the last.
    let mut touched: Vec<usize> = Vec::with_capacity(fresh.len());
    for (mut s, policy) in fresh {
        let i = match by_slug.get(&s.slug) {
            Some(&i) if services[i].id == s.id => i,
            Some(_) => return Ok(false),
            None if services.last().is_none_or(|l| l.id < s.id) => {
                by_slug.insert(s.slug.clone(), services.len());
                services.push(ServiceFacts::default());
                c.edges.push(Vec::new());
                c.policy_of.push(None);
                services.len() - 1
            }
            None => return Ok(false),
        };
        s.escalation_policy = match policy {
            None => None,
            Some(p) => match c.policies.get(&p) {
                Some(p) => Some(p.clone()),
                None => return Ok(false),
            },
        };
        s.owners = owners.remove(&s.id).unwrap_or_default();
        s.depends_on = deps.remove(&s.id).unwrap_or_default();
        s.runbook = runbooks.remove(&s.id);
        s.fixes = fixes.remove(&s.id).unwrap_or_default();
        s.unfixed_incidents = unfixed.remove(&s.id).unwrap_or_default();
        s.deps = dep_facts.remove(&s.id);
        s.cycle = services[i].cycle.take();
        services[i] = s;
        c.policy_of[i] = policy;
        touched.push(i);
    }
    // Dependencies as indices; a dependency on a service the snapshot lacks cannot be placed.
    let mut graph_changed = false;
    for &i in &touched {
        let mut to = Vec::with_capacity(services[i].depends_on.len());
        for d in &services[i].depends_on {
            match by_slug.get(d) {
                Some(&j) => to.push(j),
                None => return Ok(false),
            }
        }
        if c.edges[i] != to {
            c.edges[i] = to;
            graph_changed = true;
        }
    }
    // What a changed service's hash reads of others: their dependencies' lifecycle.
    let mut dirty: HashSet<usize> = touched.iter().copied().collect();
    for (j, to) in c.edges.iter().enumerate() {
        if to.iter().any(|t| touched.contains(t)) {
            dirty.insert(j);
        }
    }
    if graph_changed {
        let mut now_on: Vec<Option<Vec<String>>> = vec![None; services.len()];
        for (v, path) in cycles(services, &c.edges) {
            now_on[v] = Some(path);
        }
        for (i, path) in now_on.into_iter().enumerate() {
            if services[i].cycle != path {
                services[i].cycle = path;
                dirty.insert(i);
            }
        }
    }
    if let Some((sh, hashes)) = &mut c.hashes {
        let hashes = Arc::make_mut(hashes);
        hashes.resize(c.snap.services.len(), 0);
        for i in dirty {
            hashes[i] = facts_hash(&c.snap, &c.snap.services[i], *sh);
        }
    }
    Ok(true)
}

/// The runbooks of every service (`ids` is `None`) or of the services `ids`, by service id.
async fn runbooks(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, RunbookFacts>> {
    let mut sql =
        Sql::new("select service_id, reviewed_at, reviewed_facts, failure_modes from runbooks");
    if let Some(ids) = ids {
        sql.push(" where service_id in ").bind_list(ids);
    }
    let mut incidents = crate::store::incidents::resolved_on(conn, ids).await?;
    let mut out = HashMap::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let reviewed_at: String = r.try_get("reviewed_at")?;
        let reviewed_at = DateTime::parse_from_rfc3339(&reviewed_at)
            .map_err(|e| anyhow::anyhow!("a runbook's reviewed_at '{reviewed_at}': {e}"))?
            .with_timezone(&Utc);
        let reviewed = serde_json::from_str(&r.try_get::<String, _>("reviewed_facts")?)
            .map_err(|e| anyhow::anyhow!("a runbook's reviewed_facts: {e}"))?;
        let modes: Vec<serde::de::IgnoredAny> =
            serde_json::from_str(&r.try_get::<String, _>("failure_modes")?)
                .map_err(|e| anyhow::anyhow!("a runbook's failure_modes: {e}"))?;
        let id: i64 = r.try_get("service_id")?;
        let mut since = incidents.remove(&id).unwrap_or_default();
        since.retain(|i| i.resolved_at > reviewed_at);
        since.sort_by_key(|i| (i.resolved_at, i.id));
        out.insert(
            id,
            RunbookFacts {
                reviewed_at,
                age_days: RunbookFacts::age_days(reviewed_at, now),
                failure_modes: modes.len(),
                reviewed,
                incidents_since: since,
            },
        );
    }
    Ok(out)
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
