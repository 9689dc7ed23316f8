//! Incidents: declared by anyone signed in, changed by the people in them and the teams that
//! own the affected services. Each declaration keeps who was on call for every affected
//! service at that moment; a change of commander is a hand-over on the timeline; the metrics
//! are medians and 90th percentiles over whatever the query selects.

use super::audit::{self, Actor};
use super::checks::findings::owners_of;
use super::oncall::escalation;
use super::{Arg, Backend, Sql, Store};
use crate::domain::authz::Action;
use crate::domain::incidents::{self as rules, instant, Times, MILESTONES, SEVERITIES};
use crate::domain::runbooks::ResolvedIncident;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::incidents::{
    AffectedService, Handover, Incident, IncidentInput, IncidentMetrics, IncidentQuery,
    IncidentSummary, Milestones, NoteInput, TimelineEntry,
};
use steward_app::api::{FieldError, Page};

const MAX_LIMIT: i64 = 500;

fn severity_name(n: i64) -> String {
    SEVERITIES
        .get(usize::try_from(n - 1).unwrap_or(3))
        .unwrap_or(&"SEV4")
        .to_string()
}

fn parse(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| anyhow::anyhow!("stored instant '{text}' is invalid: {e}").into())
}

/// A service named by an incident: its id, slug and owning teams.
struct Named {
    id: i64,
    slug: String,
    owners: Vec<String>,
}

/// The services `slugs`, in that order; an unknown one is a field error `services.N`.
async fn services(conn: &mut AnyConnection, slugs: &[String]) -> Result<Vec<Named>> {
    let mut sql = Sql::new("select id, slug from services where slug in ");
    sql.bind_texts(slugs);
    let mut found: HashMap<String, Named> = HashMap::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let n = Named {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            owners: Vec::new(),
        };
        found.insert(n.slug.clone(), n);
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(slugs.len());
    for (i, slug) in slugs.iter().enumerate() {
        match found.remove(slug) {
            Some(n) => out.push(n),
            None => errors.push(FieldError {
                field: format!("services.{i}"),
                message: format!("there is no service '{slug}'"),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let owners = owners_of(conn, &out.iter().map(|n| n.id).collect::<Vec<_>>()).await?;
    for n in &mut out {
        n.owners = owners.get(&n.id).cloned().unwrap_or_default();
    }
    Ok(out)
}

/// The commander and investigators must be people in the catalog.
async fn check_people(conn: &mut AnyConnection, input: &IncidentInput) -> Result<()> {
    let mut handles = vec![input.commander.clone()];
    handles.extend(input.investigators.iter().cloned());
    let mut sql = Sql::new("select handle from people where handle in ");
    sql.bind_texts(&handles);
    let known: Vec<String> = sql.scalar().fetch_all(&mut *conn).await?;
    let mut errors = Vec::new();
    if !known.contains(&input.commander) {
        errors.push(FieldError {
            field: "commander".into(),
            message: format!("there is no person '{}' in the catalog", input.commander),
        });
    }
    for (i, h) in input.investigators.iter().enumerate() {
        if !known.contains(h) {
            errors.push(FieldError {
                field: format!("investigators.{i}"),
                message: format!("there is no person '{h}' in the catalog"),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

fn checked(input: &mut IncidentInput, now: DateTime<Utc>) -> Result<rules::Checked> {
    rules::normalize(input);
    rules::check(input, now).map_err(|e| Error::Validation(e.0))
}

fn people(input_commander: &str, investigators: &[String]) -> Vec<String> {
    let mut p = vec![input_commander.to_string()];
    p.extend(investigators.iter().cloned());
    p
}

/// Declares an incident. Who is on call for each affected service is looked up now and kept.
pub async fn declare(store: &Store, actor: &Actor, mut input: IncidentInput) -> Result<Incident> {
    actor.authorize(&Action::DeclareIncident)?;
    let now = Utc::now();
    let c = checked(&mut input, now)?;
    // The escalation walk reads schedules on its own connections: before the transaction.
    let mut on_call = Vec::with_capacity(input.services.len());
    for slug in &input.services {
        let walk = escalation::service_on_call(store, slug, now).await;
        on_call.push(match walk {
            Ok(w) => serde_json::to_string(&w).ok(),
            Err(Error::NotFound(_)) => None, // refused below with its field
            Err(e) => {
                tracing::warn!(service = %slug, error = %e, "on call at declaration");
                None
            }
        });
    }
    let mut tx = store.begin().await?;
    let named = services(&mut tx, &input.services).await?;
    check_people(&mut tx, &input).await?;
    let author = actor.kind_and_name().1;
    let t = c.times.map(|t| t.map(instant));
    let id: i64 = sqlx::query_scalar(
        "insert into incidents (title, severity, status, commander, summary, started_at, \
         detected_at, acknowledged_at, mitigated_at, resolved_at, declared_at, declared_by, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11) returning id",
    )
    .bind(&input.title)
    .bind(c.severity)
    .bind(c.status)
    .bind(&input.commander)
    .bind(&input.summary)
    .bind(&t[0])
    .bind(&t[1])
    .bind(&t[2])
    .bind(&t[3])
    .bind(&t[4])
    .bind(instant(now))
    .bind(&author)
    .fetch_one(&mut *tx)
    .await?;
    link_services(&mut tx, id, named.iter().zip(on_call)).await?;
    set_investigators(&mut tx, id, &input.investigators).await?;
    event(
        &mut tx,
        id,
        "declared",
        &author,
        &format!(
            "{} declared, {} commanding",
            severity_name(c.severity),
            input.commander
        ),
        serde_json::json!({}),
    )
    .await?;
    let after = get_on(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        "incident.declare",
        "incident",
        &id.to_string(),
        None::<&Incident>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Names the services of incident `id`, in order, each with its escalation walk (JSON).
async fn link_services<'a>(
    conn: &mut AnyConnection,
    id: i64,
    services: impl Iterator<Item = (&'a Named, Option<String>)>,
) -> Result<()> {
    for (i, (n, walk)) in services.enumerate() {
        sqlx::query(
            "insert into incident_services (incident_id, position, service_id, slug, on_call) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(n.id)
        .bind(&n.slug)
        .bind(walk)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn set_investigators(conn: &mut AnyConnection, id: i64, handles: &[String]) -> Result<()> {
    sqlx::query("delete from incident_investigators where incident_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for h in handles {
        sqlx::query("insert into incident_investigators (incident_id, handle) values ($1, $2)")
            .bind(id)
            .bind(h)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn event(
    conn: &mut AnyConnection,
    id: i64,
    kind: &str,
    author: &str,
    text: &str,
    details: serde_json::Value,
) -> Result<TimelineEntry> {
    let at = crate::store::now();
    let event_id: i64 = sqlx::query_scalar(
        "insert into incident_events (incident_id, kind, at, author, text, details) \
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(id)
    .bind(kind)
    .bind(&at)
    .bind(author)
    .bind(text)
    .bind(details.to_string())
    .fetch_one(&mut *conn)
    .await?;
    Ok(TimelineEntry {
        id: event_id,
        kind: kind.into(),
        at,
        author: author.into(),
        text: text.into(),
    })
}

fn not_found(id: i64) -> Error {
    Error::NotFound(format!("incident {id}"))
}

/// The owners of the incident's services now, and its commander and investigators: who may
/// change it.
async fn writers(conn: &mut AnyConnection, id: i64) -> Result<(Vec<String>, Vec<String>)> {
    let row = sqlx::query("select commander from incidents where id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(id))?;
    let commander: String = row.try_get("commander")?;
    let investigators: Vec<String> =
        sqlx::query_scalar("select handle from incident_investigators where incident_id = $1")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let owners: Vec<String> = sqlx::query_scalar(
        "select distinct t.slug from incident_services i \
         join service_owners o on o.service_id = i.service_id \
         join teams t on t.id = o.team_id where i.incident_id = $1 order by t.slug",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok((owners, people(&commander, &investigators)))
}

async fn authorize_write(conn: &mut AnyConnection, actor: &Actor, id: i64) -> Result<()> {
    let (owners, people) = writers(conn, id).await?;
    actor.authorize(&Action::WriteIncident {
        owners: &owners,
        people: &people,
    })
}

/// Checks, before a body is read, that `actor` may change incident `id` (404 when unknown).
pub async fn authorize(store: &Store, actor: &Actor, id: i64) -> Result<()> {
    let mut conn = store.pool.acquire().await?;
    authorize_write(&mut conn, actor, id).await
}

/// Replaces the incident with `input` (carrying the version read). A new commander is a
/// hand-over; a new status and new milestones go on the timeline too.
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: i64,
    mut input: IncidentInput,
) -> Result<Incident> {
    let now = Utc::now();
    let c = checked(&mut input, now)?;
    let expected = input
        .version
        .ok_or_else(|| Error::invalid("version", "send the version you read"))?;
    let mut tx = store.begin().await?;
    authorize_write(&mut tx, actor, id).await?;
    let before = get_on(&mut tx, id).await?;
    if before.version != expected {
        return Err(Error::stale_version(&format!("incident {id}")));
    }
    let named = services(&mut tx, &input.services).await?;
    check_people(&mut tx, &input).await?;
    // Whoever changes it must be allowed with the services it will have too.
    let mut owners: Vec<String> = named.iter().flat_map(|n| n.owners.clone()).collect();
    owners.sort();
    owners.dedup();
    actor.authorize(&Action::WriteIncident {
        owners: &owners,
        people: &people(&before.commander, &before.investigators),
    })?;
    let author = actor.kind_and_name().1;
    let t = c.times.map(|t| t.map(instant));
    let updated = sqlx::query(
        "update incidents set title = $1, severity = $2, status = $3, commander = $4, \
         summary = $5, started_at = $6, detected_at = $7, acknowledged_at = $8, \
         mitigated_at = $9, resolved_at = $10, version = version + 1, updated_at = $11 \
         where id = $12 and version = $13",
    )
    .bind(&input.title)
    .bind(c.severity)
    .bind(c.status)
    .bind(&input.commander)
    .bind(&input.summary)
    .bind(&t[0])
    .bind(&t[1])
    .bind(&t[2])
    .bind(&t[3])
    .bind(&t[4])
    .bind(instant(now))
    .bind(id)
    .bind(expected)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(Error::stale_version(&format!("incident {id}")));
    }
    // Services: keep the walk recorded at declaration for those that stay.
    let kept: HashMap<&str, Option<String>> = {
        let rows =
            sqlx::query("select slug, on_call from incident_services where incident_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        let mut m = HashMap::new();
        for r in &rows {
            let slug: String = r.try_get("slug")?;
            let walk: Option<String> = r.try_get("on_call")?;
            if let Some(n) = named.iter().find(|n| n.slug == slug) {
                m.insert(n.slug.as_str(), walk);
            }
        }
        m
    };
    sqlx::query("delete from incident_services where incident_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let walks: Vec<Option<String>> = named
        .iter()
        .map(|n| kept.get(n.slug.as_str()).cloned().flatten())
        .collect();
    link_services(&mut tx, id, named.iter().zip(walks)).await?;
    set_investigators(&mut tx, id, &input.investigators).await?;
    if before.commander != input.commander {
        event(
            &mut tx,
            id,
            "handover",
            &author,
            &format!(
                "command handed over: {} → {}",
                before.commander, input.commander
            ),
            serde_json::json!({"from": before.commander, "to": input.commander}),
        )
        .await?;
    }
    if before.status != c.status {
        event(
            &mut tx,
            id,
            "status",
            &author,
            &format!("status: {} → {}", before.status, c.status),
            serde_json::json!({"from": before.status, "to": c.status}),
        )
        .await?;
    }
    let old = fields(&before.milestones);
    for (i, name) in MILESTONES.iter().enumerate() {
        if old[i] != t[i] {
            let text = match &t[i] {
                Some(v) => format!("{name} set to {v}"),
                None => format!("{name} cleared"),
            };
            event(
                &mut tx,
                id,
                "milestone",
                &author,
                &text,
                serde_json::json!({"field": name, "from": old[i], "to": t[i]}),
            )
            .await?;
        }
    }
    let after = get_on(&mut tx, id).await?;
    audit::record(
        &mut tx,
        actor,
        "incident.update",
        "incident",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

fn fields(m: &Milestones) -> [Option<String>; 5] {
    [
        m.started_at.clone(),
        m.detected_at.clone(),
        m.acknowledged_at.clone(),
        m.mitigated_at.clone(),
        m.resolved_at.clone(),
    ]
}

/// Adds a note to the timeline.
pub async fn note(
    store: &Store,
    actor: &Actor,
    id: i64,
    input: &NoteInput,
) -> Result<TimelineEntry> {
    let text = input.text.trim();
    if text.is_empty() {
        return Err(Error::invalid("text", "must not be empty"));
    }
    if text.chars().count() > rules::MAX_NOTE {
        return Err(Error::invalid(
            "text",
            format!("must be at most {} characters", rules::MAX_NOTE),
        ));
    }
    let mut tx = store.begin().await?;
    authorize_write(&mut tx, actor, id).await?;
    let author = actor.kind_and_name().1;
    let entry = event(&mut tx, id, "note", &author, text, serde_json::json!({})).await?;
    audit::record(
        &mut tx,
        actor,
        "incident.note",
        "incident",
        &id.to_string(),
        None::<&TimelineEntry>,
        Some(&entry),
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

/// The timeline, oldest first.
pub async fn timeline(store: &Store, id: i64) -> Result<Vec<TimelineEntry>> {
    let mut conn = store.pool.acquire().await?;
    writers(&mut conn, id).await?; // 404 for an unknown incident
    let rows = sqlx::query(
        "select id, kind, at, author, text from incident_events where incident_id = $1 \
         order by id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TimelineEntry {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                at: r.try_get("at")?,
                author: r.try_get("author")?,
                text: r.try_get("text")?,
            })
        })
        .collect()
}

pub async fn get(store: &Store, id: i64) -> Result<Incident> {
    let mut conn = store.pool.acquire().await?;
    get_on(&mut conn, id).await
}

const COLUMNS: &str = "i.id, i.title, i.severity, i.status, i.commander, i.summary, \
     i.started_at, i.detected_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, \
     i.declared_at, i.declared_by, i.updated_at, i.version";

fn milestones(r: &AnyRow) -> Result<Milestones> {
    Ok(Milestones {
        started_at: r.try_get("started_at")?,
        detected_at: r.try_get("detected_at")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        mitigated_at: r.try_get("mitigated_at")?,
        resolved_at: r.try_get("resolved_at")?,
    })
}

fn times(m: &Milestones) -> Result<Times> {
    let mut t: Times = [None; 5];
    for (slot, v) in t.iter_mut().zip(fields(m)) {
        *slot = v.as_deref().map(parse).transpose()?;
    }
    Ok(t)
}

async fn get_on(conn: &mut AnyConnection, id: i64) -> Result<Incident> {
    let r = sqlx::query(&format!(
        "select {COLUMNS}, p.name as commander_name from incidents i \
         left join people p on p.handle = i.commander where i.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found(id))?;
    let m = milestones(&r)?;
    let rows = sqlx::query(
        "select x.slug as at_slug, x.on_call, s.id, s.slug, s.name, s.tier \
         from incident_services x left join services s on s.id = x.service_id \
         where x.incident_id = $1 order by x.position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.try_get::<Option<i64>, _>("id").ok().flatten())
        .collect();
    let owners = owners_of(conn, &ids).await?;
    let mut services = Vec::with_capacity(rows.len());
    for s in &rows {
        let sid: Option<i64> = s.try_get("id")?;
        let walk: Option<String> = s.try_get("on_call")?;
        let at_slug: String = s.try_get("at_slug")?;
        services.push(AffectedService {
            slug: s
                .try_get::<Option<String>, _>("slug")?
                .unwrap_or(at_slug.clone()),
            name: s.try_get::<Option<String>, _>("name")?.unwrap_or(at_slug),
            tier: s.try_get::<Option<i64>, _>("tier")?.unwrap_or(0),
            owners: sid
                .and_then(|i| owners.get(&i).cloned())
                .unwrap_or_default(),
            on_call_at_declaration: walk.and_then(|w| serde_json::from_str(&w).ok()),
        });
    }
    let investigators: Vec<String> = sqlx::query_scalar(
        "select handle from incident_investigators where incident_id = $1 order by handle",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut handovers = Vec::new();
    for h in sqlx::query(
        "select at, author, details from incident_events where incident_id = $1 \
         and kind = 'handover' order by id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    {
        let details: serde_json::Value =
            serde_json::from_str(&h.try_get::<String, _>("details")?).unwrap_or_default();
        let text = |k: &str| details[k].as_str().unwrap_or_default().to_string();
        handovers.push(Handover {
            at: h.try_get("at")?,
            from: text("from"),
            to: text("to"),
            by: h.try_get("author")?,
        });
    }
    Ok(Incident {
        id,
        title: r.try_get("title")?,
        severity: severity_name(r.try_get("severity")?),
        status: r.try_get("status")?,
        commander: r.try_get("commander")?,
        commander_name: r.try_get("commander_name")?,
        investigators,
        summary: r.try_get("summary")?,
        services,
        times: rules::response_times(&times(&m)?),
        milestones: m,
        handovers,
        declared_at: r.try_get("declared_at")?,
        declared_by: r.try_get("declared_by")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// The `where` clause (from `from incidents i`) of a query.
fn filter(q: &IncidentQuery) -> Result<Sql> {
    let mut sql = Sql::new(" from incidents i where 1 = 1");
    if let Some(s) = q.service.as_deref().filter(|s| !s.is_empty()) {
        sql.push(
            " and i.id in (select x.incident_id from incident_services x \
             join services s on s.id = x.service_id where s.slug = ",
        )
        .bind(Arg::Text(s.into()))
        .push(")");
    }
    if let Some(t) = q.team.as_deref().filter(|s| !s.is_empty()) {
        sql.push(
            " and i.id in (select x.incident_id from incident_services x \
             join service_owners o on o.service_id = x.service_id \
             join teams t on t.id = o.team_id where t.slug = ",
        )
        .bind(Arg::Text(t.into()))
        .push(")");
    }
    if let Some(s) = q.severity.as_deref().filter(|s| !s.is_empty()) {
        let s = s.trim().to_ascii_uppercase();
        let n = SEVERITIES
            .iter()
            .position(|k| *k == s)
            .ok_or_else(|| Error::invalid("severity", "must be one of SEV1, SEV2, SEV3, SEV4"))?;
        sql.push(" and i.severity = ").bind(Arg::Int(n as i64 + 1));
    }
    match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => {}
        Some("open") => {
            sql.push(" and i.resolved_at is null");
        }
        Some(s) if rules::STATUSES.contains(&s) => {
            sql.push(" and i.status = ").bind(Arg::Text(s.into()));
        }
        Some(_) => {
            return Err(Error::invalid(
                "status",
                "must be open, investigating, identified, mitigated or resolved",
            ))
        }
    }
    for (field, value, op) in [("from", &q.from, " >= "), ("to", &q.to, " < ")] {
        if let Some(v) = value.as_deref().filter(|s| !s.is_empty()) {
            let t = crate::store::oncall::convert::parse_instant(field, v)?;
            sql.push(" and i.detected_at")
                .push(op)
                .bind(Arg::Text(instant(t)));
        }
    }
    Ok(sql)
}

/// Incidents, newest detection first.
pub async fn list(store: &Store, q: &IncidentQuery) -> Result<Page<IncidentSummary>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(Error::invalid("offset", "must not be negative"));
    }
    let f = filter(q)?;
    let mut conn = store.pool.acquire().await?;
    let total: i64 = f.select("count(*)").scalar().fetch_one(&mut *conn).await?;
    let mut page =
        f.select("i.id, i.title, i.severity, i.status, i.commander, i.detected_at, i.resolved_at");
    page.push(" order by i.detected_at desc, i.id desc limit ")
        .bind(Arg::Int(limit))
        .push(" offset ")
        .bind(Arg::Int(offset));
    let rows = page.query().fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.try_get("id").ok()).collect();
    let mut slugs: HashMap<i64, Vec<String>> = HashMap::new();
    if !ids.is_empty() {
        let mut sql =
            Sql::new("select incident_id, slug from incident_services where incident_id in ");
        sql.bind_list(&ids).push(" order by incident_id, position");
        for r in sql.query().fetch_all(&mut *conn).await? {
            slugs
                .entry(r.try_get("incident_id")?)
                .or_default()
                .push(r.try_get("slug")?);
        }
    }
    let items = rows
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            Ok(IncidentSummary {
                id,
                title: r.try_get("title")?,
                severity: severity_name(r.try_get("severity")?),
                status: r.try_get("status")?,
                commander: r.try_get("commander")?,
                services: slugs.remove(&id).unwrap_or_default(),
                detected_at: r.try_get("detected_at")?,
                resolved_at: r.try_get("resolved_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

/// Median and p90 of each response time over the incidents `q` selects (paging ignored).
pub async fn metrics(store: &Store, q: &IncidentQuery) -> Result<IncidentMetrics> {
    let f = filter(q)?;
    let mut conn = store.pool.acquire().await?;
    // The database turns each milestone into seconds since 1970: 10,000 incidents are then
    // 50,000 integers to read, not 50,000 texts to allocate and parse.
    let epoch = |c: &str| match store.backend {
        Backend::Sqlite => format!("cast(strftime('%s', i.{c}) as integer) as {c}"),
        Backend::Postgres => {
            format!("cast(extract(epoch from cast(i.{c} as timestamptz)) as bigint) as {c}")
        }
    };
    const AT: [&str; 5] = [
        "started_at",
        "detected_at",
        "acknowledged_at",
        "mitigated_at",
        "resolved_at",
    ];
    let columns = AT.map(epoch).join(", ");
    let rows = f.select(&columns).query().fetch_all(&mut *conn).await?;
    let mut spans: [Vec<i64>; 4] = Default::default();
    for r in &rows {
        let mut at = [None; 5];
        for (slot, c) in at.iter_mut().zip(AT) {
            *slot = r.try_get::<Option<i64>, _>(c)?;
        }
        let t = rules::response_secs(at);
        for (list, v) in spans.iter_mut().zip([
            t.detect_secs,
            t.acknowledge_secs,
            t.mitigate_secs,
            t.resolve_secs,
        ]) {
            list.extend(v);
        }
    }
    let [detect, acknowledge, mitigate, resolve] = spans.map(rules::spread);
    Ok(IncidentMetrics {
        incidents: rows.len() as i64,
        detect,
        acknowledge,
        mitigate,
        resolve,
    })
}

/// The resolved incidents of services (all that have a runbook when `ids` is `None`), by
/// service id: a runbook reviewed before one was resolved is suspect.
pub(crate) async fn resolved_on(
    conn: &mut AnyConnection,
    ids: Option<&[i64]>,
) -> Result<HashMap<i64, Vec<ResolvedIncident>>> {
    let mut sql = Sql::new(
        "select x.service_id, i.id, i.severity, i.resolved_at from incident_services x \
         join incidents i on i.id = x.incident_id where i.resolved_at is not null and ",
    );
    match ids {
        Some(ids) => sql.push("x.service_id in ").bind_list(ids),
        None => sql.push("x.service_id in (select service_id from runbooks)"),
    };
    let mut out: HashMap<i64, Vec<ResolvedIncident>> = HashMap::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let resolved_at: String = r.try_get("resolved_at")?;
        out.entry(r.try_get("service_id")?)
            .or_default()
            .push(ResolvedIncident {
                id: r.try_get("id")?,
                severity: r.try_get("severity")?,
                resolved_at: parse(&resolved_at)?,
            });
    }
    Ok(out)
}
