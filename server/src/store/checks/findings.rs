//! Findings as read (filtered lists with their exemptions) and exemptions: a rule waived for
//! one service until a date, with a reason, granted by an admin or a lead of an owning team.
//! An expired exemption simply stops applying: the next pass counts the failure again.

use crate::domain::authz::Action;
use crate::domain::checks;
use crate::error::{Error, Result};
use crate::store::audit::{self, Actor};
use crate::store::jobs::text;
use crate::store::{now, Arg, Sql, Store};
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::checks::{Exemption, ExemptionInput, ExemptionQuery, Finding, FindingQuery};
use steward_app::api::{FieldError, Page};

/// Longest an exemption may run.
pub const MAX_EXEMPTION_DAYS: i64 = 366;

const STATES: [&str; 3] = ["open", "resolved", "all"];
const RESULTS: [&str; 3] = ["fail", "unknown", "error"];

fn title_of(rule: &str) -> (String, String) {
    match checks::rule(rule) {
        Some(d) => (d.title.into(), d.category.as_str().into()),
        None if rule == super::pass::JOB_STALE => {
            ("Scheduled jobs keep running".into(), "operations".into())
        }
        None => (rule.into(), "operations".into()),
    }
}

/// A page of findings matching `q`, newest change first.
pub(crate) async fn rows(conn: &mut AnyConnection, q: &FindingQuery) -> Result<Page<Finding>> {
    let (limit, offset) = crate::store::services::page_bounds(q.limit, q.offset)?;
    let state = q.state.as_deref().unwrap_or("open");
    if !STATES.contains(&state) {
        return Err(Error::BadRequest {
            message: "state is open, resolved or all".into(),
            field: Some("state".into()),
        });
    }
    if let Some(r) = q.result.as_deref().filter(|r| !RESULTS.contains(r)) {
        return Err(Error::BadRequest {
            message: format!("result '{r}' is not fail, unknown or error"),
            field: Some("result".into()),
        });
    }
    let mut f =
        Sql::new(" from findings f left join services s on s.id = f.service_id where 1 = 1");
    if state != "all" {
        f.push(" and f.state = ").bind(Arg::Text(state.into()));
    }
    if let Some(v) = q.service.as_deref().filter(|v| !v.is_empty()) {
        f.push(" and s.slug = ").bind(Arg::Text(v.into()));
    }
    if let Some(v) = q.team.as_deref().filter(|v| !v.is_empty()) {
        f.push(
            " and f.service_id in (select o.service_id from service_owners o \
             join teams t on t.id = o.team_id where t.slug = ",
        )
        .bind(Arg::Text(v.into()))
        .push(")");
    }
    for (column, value) in [
        ("f.rule_id", &q.rule),
        ("f.severity", &q.severity),
        ("f.result", &q.result),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            f.push(&format!(" and {column} = "))
                .bind(Arg::Text(v.into()));
        }
    }
    if let Some(c) = q.category.as_deref().filter(|v| !v.is_empty()) {
        let ids: Vec<&str> = checks::registry()
            .iter()
            .filter(|d| d.category.as_str() == c)
            .map(|d| d.id)
            .chain((c == "operations").then_some(super::pass::JOB_STALE))
            .collect();
        if ids.is_empty() {
            f.push(" and 1 = 0");
        } else {
            f.push(" and f.rule_id in ").bind_texts(&ids);
        }
    }
    let total: i64 = f.select("count(*)").scalar().fetch_one(&mut *conn).await?;
    let mut page = f.select(
        "f.id, f.service_id, s.slug, s.name, f.rule_id, f.subject, f.state, f.result, \
         f.severity, f.message, f.details, f.data_age_secs, f.enforced, f.first_seen_at, \
         f.last_seen_at, f.resolved_at, f.reopened_count",
    );
    page.push(&format!(
        " order by f.updated_at desc, f.id desc limit {limit} offset {offset}"
    ));
    let rows = page.query().fetch_all(&mut *conn).await?;
    let service_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.try_get::<Option<i64>, _>("service_id").ok().flatten())
        .collect();
    let owners = owners_of(conn, &service_ids).await?;
    let active = active_exemptions(conn, &service_ids).await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let rule: String = r.try_get("rule_id")?;
        let service_id: Option<i64> = r.try_get("service_id")?;
        let (rule_title, category) = title_of(&rule);
        let details: String = r.try_get("details")?;
        items.push(Finding {
            id: r.try_get("id")?,
            service: r.try_get("slug")?,
            service_name: r.try_get("name")?,
            owners: service_id
                .and_then(|id| owners.get(&id).cloned())
                .unwrap_or_default(),
            exemption: service_id.and_then(|id| active.get(&(id, rule.clone())).cloned()),
            rule,
            rule_title,
            category,
            subject: r.try_get("subject")?,
            state: r.try_get("state")?,
            result: r.try_get("result")?,
            severity: r.try_get("severity")?,
            message: r.try_get("message")?,
            details: serde_json::from_str(&details).unwrap_or_default(),
            data_age_secs: r.try_get("data_age_secs")?,
            enforced: r.try_get::<i64, _>("enforced")? != 0,
            first_seen_at: r.try_get("first_seen_at")?,
            last_seen_at: r.try_get("last_seen_at")?,
            resolved_at: r.try_get("resolved_at")?,
            reopened_count: r.try_get("reopened_count")?,
        });
    }
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

pub async fn list(store: &Store, q: &FindingQuery) -> Result<Page<Finding>> {
    let mut conn = store.pool.acquire().await?;
    rows(&mut conn, q).await
}

pub(crate) async fn owners_of(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(
        "select o.service_id, t.slug from service_owners o join teams t on t.id = o.team_id \
         where o.service_id in ",
    );
    sql.bind_list(ids)
        .push(" order by o.service_id, o.position");
    for r in sql.query().fetch_all(conn).await? {
        out.entry(r.try_get("service_id")?)
            .or_default()
            .push(r.try_get("slug")?);
    }
    Ok(out)
}

async fn active_exemptions(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<HashMap<(i64, String), Exemption>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(&format!(
        "{EXEMPTION_SELECT} where e.revoked_at is null and e.expires_at > "
    ));
    sql.bind(Arg::Text(text(Utc::now())))
        .push(" and e.service_id in ")
        .bind_list(ids);
    for r in sql.query().fetch_all(conn).await? {
        let id: i64 = r.try_get("service_id")?;
        let e = exemption(&r)?;
        out.insert((id, e.rule.clone()), e);
    }
    Ok(out)
}

const EXEMPTION_SELECT: &str = "select e.id, e.service_id, s.slug, e.rule_id, e.reason, \
     e.approved_by, e.expires_at, e.revoked_at, e.created_at from exemptions e \
     join services s on s.id = e.service_id";

fn exemption(r: &sqlx::any::AnyRow) -> Result<Exemption> {
    let expires_at: String = r.try_get("expires_at")?;
    let revoked_at: Option<String> = r.try_get("revoked_at")?;
    Ok(Exemption {
        id: r.try_get("id")?,
        service: r.try_get("slug")?,
        rule: r.try_get("rule_id")?,
        reason: r.try_get("reason")?,
        approved_by: r.try_get("approved_by")?,
        active: revoked_at.is_none() && expires_at > text(Utc::now()),
        expires_at,
        revoked_at,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) async fn exemption_rows(
    conn: &mut AnyConnection,
    service: Option<&str>,
    rule: Option<&str>,
    team: Option<&str>,
    all: bool,
) -> Result<Vec<Exemption>> {
    let mut sql = Sql::new(&format!("{EXEMPTION_SELECT} where 1 = 1"));
    if !all {
        sql.push(" and e.revoked_at is null and e.expires_at > ")
            .bind(Arg::Text(text(Utc::now())));
    }
    if let Some(s) = service {
        sql.push(" and s.slug = ").bind(Arg::Text(s.into()));
    }
    if let Some(r) = rule {
        sql.push(" and e.rule_id = ").bind(Arg::Text(r.into()));
    }
    if let Some(t) = team {
        sql.push(
            " and e.service_id in (select o.service_id from service_owners o \
             join teams t on t.id = o.team_id where t.slug = ",
        )
        .bind(Arg::Text(t.into()))
        .push(")");
    }
    sql.push(" order by e.expires_at, e.id");
    sql.query()
        .fetch_all(conn)
        .await?
        .iter()
        .map(exemption)
        .collect()
}

pub async fn exemptions(store: &Store, q: &ExemptionQuery) -> Result<Vec<Exemption>> {
    let mut conn = store.pool.acquire().await?;
    exemption_rows(
        &mut conn,
        q.service.as_deref(),
        q.rule.as_deref(),
        q.team.as_deref(),
        q.all.unwrap_or(false),
    )
    .await
}

/// The owning teams of service `id`, and those of them the caller leads.
async fn owners_and_led(
    conn: &mut AnyConnection,
    service_id: i64,
    actor: &Actor,
) -> Result<(Vec<String>, Vec<String>)> {
    let owners = owners_of(&mut *conn, &[service_id])
        .await?
        .remove(&service_id)
        .unwrap_or_default();
    let person = actor.principal.as_ref().and_then(|p| p.person.clone());
    let led: Vec<String> = match person {
        None => Vec::new(),
        Some(handle) => {
            sqlx::query_scalar(
                "select t.slug from team_members m join teams t on t.id = m.team_id \
             join people p on p.id = m.person_id join service_owners o on o.team_id = t.id \
             where p.handle = $1 and m.role = 'lead' and o.service_id = $2 order by t.slug",
            )
            .bind(handle)
            .bind(service_id)
            .fetch_all(conn)
            .await?
        }
    };
    Ok((owners, led))
}

pub async fn grant(store: &Store, actor: &Actor, input: &ExemptionInput) -> Result<Exemption> {
    let mut tx = store.begin().await?;
    let service_id = crate::store::services::id_by_slug(&mut tx, &input.service).await?;
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    if service_id.is_none() {
        fail(
            "service",
            format!("there is no service '{}'", input.service),
        );
    }
    if checks::rule(&input.rule).is_none() {
        fail("rule", format!("there is no rule '{}'", input.rule));
    }
    let reason = input.reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 1000 {
        fail(
            "reason",
            "say why the rule is waived, in 3 to 1000 characters".into(),
        );
    }
    let now_t = Utc::now();
    let expires = match DateTime::parse_from_rfc3339(&input.expires_at) {
        Ok(t) if t.with_timezone(&Utc) <= now_t => {
            fail("expiresAt", "an exemption must expire in the future".into());
            None
        }
        Ok(t) if t.with_timezone(&Utc) > now_t + Duration::days(MAX_EXEMPTION_DAYS) => {
            fail(
                "expiresAt",
                "an exemption lasts at most a year: review it then".into(),
            );
            None
        }
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            fail(
                "expiresAt",
                "an RFC 3339 instant such as 2027-03-01T00:00:00Z".into(),
            );
            None
        }
    };
    let (Some(service_id), Some(expires), true) = (service_id, expires, errors.is_empty()) else {
        // Permission is checked before the input is judged when the service exists.
        if let Some(id) = service_id {
            let (owners, led) = owners_and_led(&mut tx, id, actor).await?;
            actor.authorize(&Action::Exempt {
                owners: &owners,
                led: &led,
            })?;
        }
        return Err(Error::Validation(errors));
    };
    let (owners, led) = owners_and_led(&mut tx, service_id, actor).await?;
    actor.authorize(&Action::Exempt {
        owners: &owners,
        led: &led,
    })?;
    let who = actor
        .principal
        .as_ref()
        .map_or("steward".to_string(), |p| p.handle.clone());
    let id: i64 = sqlx::query_scalar(
        "insert into exemptions (service_id, rule_id, reason, approved_by, expires_at, created_at) \
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(service_id)
    .bind(&input.rule)
    .bind(reason)
    .bind(&who)
    .bind(text(expires))
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let row = sqlx::query(&format!("{EXEMPTION_SELECT} where e.id = $1"))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let created = exemption(&row)?;
    audit::record(
        &mut tx,
        actor,
        "exemption.create",
        "service",
        &input.service,
        None::<&Exemption>,
        Some(&created),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

pub async fn revoke(store: &Store, actor: &Actor, id: i64) -> Result<Exemption> {
    let mut tx = store.begin().await?;
    let row = sqlx::query(&format!("{EXEMPTION_SELECT} where e.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound(format!("exemption {id}")))?;
    let before = exemption(&row)?;
    let service_id: i64 = row.try_get("service_id")?;
    let (owners, led) = owners_and_led(&mut tx, service_id, actor).await?;
    actor.authorize(&Action::Exempt {
        owners: &owners,
        led: &led,
    })?;
    if before.revoked_at.is_none() {
        sqlx::query("update exemptions set revoked_at = $1 where id = $2")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let after = exemption(
        &sqlx::query(&format!("{EXEMPTION_SELECT} where e.id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?,
    )?;
    if before.revoked_at.is_none() {
        audit::record(
            &mut tx,
            actor,
            "exemption.revoke",
            "service",
            &before.service,
            Some(&before),
            Some(&after),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}
