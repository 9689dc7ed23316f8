//! Fixes: recorded on an incident or on their own, owned by a team or a person, audited.
//! Completing a proper fix retires the short-term fix it names. The backlog puts expired
//! dirty fixes first, then overdue proper fixes, then the rest oldest first.

use super::audit::{self, Actor};
use super::checks::findings::owners_of;
use super::{now as now_text, Arg, Sql, Store};
use crate::domain::authz::Action;
use crate::domain::fixes::{self as rules, instant, FixFacts, Phase, UnfixedIncident};
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::fixes::{Backlog, Fix, FixCounts, FixInput, FixQuery, GithubIssue};

fn parse(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| anyhow::anyhow!("stored instant '{text}' is invalid: {e}").into())
}

const SELECT: &str = "select f.id, f.tier, f.incident_id, f.service_slug, f.title, \
     f.description, f.owner, f.applied_at, f.applied_by, f.expires_at, f.due_at, f.retires_id, \
     f.why_it_matters, f.direction, f.state, f.reason, f.done_at, f.created_at, f.created_by, \
     f.updated_at, f.version, (select r.id from fixes r where r.retires_id = f.id \
     and r.state = 'done' order by r.id limit 1) as retired_by, g.sync as g_sync, \
     g.repository as g_repository, g.number as g_number, g.url as g_url, \
     g.remote_state as g_state, g.attempts as g_attempts, g.last_error as g_error, \
     g.next_attempt_at as g_next from fixes f left join github_issues g on g.fix_id = f.id";

fn fix(r: &AnyRow, now: DateTime<Utc>) -> Result<Fix> {
    let tier: String = r.try_get("tier")?;
    let state: String = r.try_get("state")?;
    let expires_at: Option<String> = r.try_get("expires_at")?;
    let due_at: Option<String> = r.try_get("due_at")?;
    let created_at: String = r.try_get("created_at")?;
    let open = state == "open";
    let past = |t: &Option<String>| -> Result<bool> {
        Ok(match t {
            Some(t) => parse(t)? <= now,
            None => false,
        })
    };
    Ok(Fix {
        id: r.try_get("id")?,
        expired: open && tier == "short-term" && past(&expires_at)?,
        overdue: open && tier == "proper" && past(&due_at)?,
        age_days: (now - parse(&created_at)?).num_days(),
        tier,
        service: r.try_get("service_slug")?,
        incident: r.try_get("incident_id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        owner: r.try_get("owner")?,
        applied_at: r.try_get("applied_at")?,
        applied_by: r.try_get("applied_by")?,
        expires_at,
        due_at,
        retires: r.try_get("retires_id")?,
        retired_by: r.try_get("retired_by")?,
        why_it_matters: r.try_get("why_it_matters")?,
        direction: r.try_get("direction")?,
        state,
        reason: r.try_get("reason")?,
        done_at: r.try_get("done_at")?,
        created_at,
        created_by: r.try_get("created_by")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
        github: match r.try_get::<Option<String>, _>("g_sync")? {
            Some(sync) => Some(GithubIssue {
                sync,
                repository: r.try_get("g_repository")?,
                number: r.try_get("g_number")?,
                url: r.try_get("g_url")?,
                state: r.try_get("g_state")?,
                attempts: r.try_get("g_attempts")?,
                last_error: r.try_get("g_error")?,
                next_attempt_at: r.try_get("g_next")?,
            }),
            None => None,
        },
    })
}

pub(crate) async fn get_on(conn: &mut AnyConnection, id: i64) -> Result<Fix> {
    let r = sqlx::query(&format!("{SELECT} where f.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("fix {id}")))?;
    fix(&r, Utc::now())
}

pub async fn get(store: &Store, id: i64) -> Result<Fix> {
    let mut conn = store.pool.acquire().await?;
    get_on(&mut conn, id).await
}

/// The service, its owning teams, and the incident's commander (when on one); the incident
/// must name the service.
struct Place {
    service_id: i64,
    owners: Vec<String>,
    commander: Option<String>,
}

async fn place(conn: &mut AnyConnection, input: &FixInput) -> Result<Place> {
    let service_id: i64 = sqlx::query_scalar("select id from services where slug = $1")
        .bind(&input.service)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "service",
                format!("there is no service '{}'", input.service),
            )
        })?;
    let owners = owners_of(conn, &[service_id])
        .await?
        .remove(&service_id)
        .unwrap_or_default();
    let commander = match input.incident {
        None => None,
        Some(incident) => {
            let commander: String =
                sqlx::query_scalar("select commander from incidents where id = $1")
                    .bind(incident)
                    .fetch_optional(&mut *conn)
                    .await?
                    .ok_or_else(|| {
                        Error::invalid("incident", format!("there is no incident {incident}"))
                    })?;
            let named: i64 = sqlx::query_scalar(
                "select count(*) from incident_services where incident_id = $1 and service_id = $2",
            )
            .bind(incident)
            .bind(service_id)
            .fetch_one(&mut *conn)
            .await?;
            if named == 0 {
                return Err(Error::invalid(
                    "service",
                    format!(
                        "incident {incident} does not name service '{}'",
                        input.service
                    ),
                ));
            }
            Some(commander)
        }
    };
    Ok(Place {
        service_id,
        owners,
        commander,
    })
}

/// `team:slug` or `person:handle`; a bare name is a team if one has it, else a person.
async fn owner(conn: &mut AnyConnection, input: &FixInput, owners: &[String]) -> Result<String> {
    let Some(text) = input.owner.as_deref() else {
        return owners.first().map(|t| format!("team:{t}")).ok_or_else(|| {
            Error::invalid("owner", "the service has no owning team: name an owner")
        });
    };
    let (kind, name) = match text.split_once(':') {
        Some((k, n)) => (Some(k.trim()), n.trim()),
        None => (None, text),
    };
    let team: Option<i64> = sqlx::query_scalar("select id from teams where slug = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    let person: Option<i64> = sqlx::query_scalar("select id from people where handle = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    match (kind, team, person) {
        (Some("team") | None, Some(_), _) => Ok(format!("team:{name}")),
        (Some("person") | None, _, Some(_)) => Ok(format!("person:{name}")),
        (Some(k), _, _) if k != "team" && k != "person" => {
            Err(Error::invalid("owner", "write team:SLUG or person:HANDLE"))
        }
        _ => Err(Error::invalid(
            "owner",
            format!("there is no team or person '{name}'"),
        )),
    }
}

/// The people who may write a fix besides the owning teams' members: the person owning it
/// and the incident's commander.
fn people(owner: &str, commander: Option<&String>) -> Vec<String> {
    let mut p: Vec<String> = owner
        .strip_prefix("person:")
        .map(String::from)
        .into_iter()
        .collect();
    p.extend(commander.cloned());
    p
}

fn owners_with(place: &Place, owner: &str) -> Vec<String> {
    let mut o = place.owners.clone();
    if let Some(t) = owner.strip_prefix("team:") {
        o.push(t.to_string());
    }
    o.sort();
    o.dedup();
    o
}

/// The short-term fix a proper fix retires: a short-term fix of the same incident (or,
/// without one, of the same service).
async fn check_retires(
    conn: &mut AnyConnection,
    input: &FixInput,
    place: &Place,
    id: Option<i64>,
) -> Result<()> {
    let Some(retires) = input.retires else {
        return Ok(());
    };
    let r = sqlx::query("select tier, incident_id, service_id from fixes where id = $1")
        .bind(retires)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::invalid("retires", format!("there is no fix {retires}")))?;
    let tier: String = r.try_get("tier")?;
    let incident: Option<i64> = r.try_get("incident_id")?;
    let service: Option<i64> = r.try_get("service_id")?;
    if tier != "short-term" {
        return Err(Error::invalid(
            "retires",
            format!("fix {retires} is a {tier} fix: a proper fix retires a short-term fix"),
        ));
    }
    if Some(retires) == id {
        return Err(Error::invalid("retires", "a fix cannot retire itself"));
    }
    match input.incident {
        Some(mine) if incident != Some(mine) => Err(Error::invalid(
            "retires",
            format!(
                "fix {retires} belongs to {}, not to incident {mine}",
                incident.map_or("no incident".to_string(), |i| format!("incident {i}"))
            ),
        )),
        None if service != Some(place.service_id) => Err(Error::invalid(
            "retires",
            format!("fix {retires} is for another service"),
        )),
        _ => Ok(()),
    }
}

/// What a short-term fix becomes when the proper fix retiring it is done.
async fn retire(conn: &mut AnyConnection, proper: &Fix, at: &str) -> Result<()> {
    if let (Some(short), "done") = (proper.retires, proper.state.as_str()) {
        sqlx::query(
            "update fixes set state = 'done', done_at = $1, reason = $2, \
             version = version + 1, updated_at = $1 where id = $3 and state = 'open'",
        )
        .bind(at)
        .bind(format!("retired by proper fix {}", proper.id))
        .bind(short)
        .execute(conn)
        .await?;
    }
    Ok(())
}

pub async fn create(store: &Store, actor: &Actor, mut input: FixInput) -> Result<Fix> {
    rules::normalize(&mut input);
    let now = Utc::now();
    let c = rules::check(&input, now, (None, None)).map_err(|e| Error::Validation(e.0))?;
    let mut tx = store.begin().await?;
    let place = place(&mut tx, &input).await?;
    let owner = owner(&mut tx, &input, &place.owners).await?;
    actor.authorize(&Action::WriteFix {
        owners: &owners_with(&place, &owner),
        people: &people(&owner, place.commander.as_ref()),
    })?;
    check_retires(&mut tx, &input, &place, None).await?;
    let author = actor.kind_and_name().1;
    let applied_by =
        (c.tier == "short-term").then(|| input.applied_by.clone().unwrap_or(author.clone()));
    let at = now_text();
    let id: i64 = sqlx::query_scalar(
        "insert into fixes (tier, incident_id, service_id, service_slug, title, description, \
         owner, applied_at, applied_by, expires_at, due_at, retires_id, why_it_matters, \
         direction, state, reason, done_at, created_at, created_by, updated_at) values \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $18) \
         returning id",
    )
    .bind(c.tier)
    .bind(input.incident)
    .bind(place.service_id)
    .bind(&input.service)
    .bind(&input.title)
    .bind(&input.description)
    .bind(&owner)
    .bind(c.applied_at.map(instant))
    .bind(&applied_by)
    .bind(c.expires_at.map(instant))
    .bind(c.due_at.map(instant))
    .bind(input.retires)
    .bind(&input.why_it_matters)
    .bind(&input.direction)
    .bind(c.state)
    .bind(&input.reason)
    .bind((c.state != "open").then(|| instant(now)))
    .bind(&at)
    .bind(&author)
    .fetch_one(&mut *tx)
    .await?;
    let after = get_on(&mut tx, id).await?;
    retire(&mut tx, &after, &at).await?;
    audit::record(
        &mut tx,
        actor,
        "fix.create",
        "fix",
        &id.to_string(),
        None::<&Fix>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Checks, before a body is read, that `actor` may change fix `id` (404 when unknown).
pub async fn authorize(store: &Store, actor: &Actor, id: i64) -> Result<()> {
    let mut conn = store.pool.acquire().await?;
    let before = get_on(&mut conn, id).await?;
    authorize_existing(&mut conn, actor, &before).await
}

async fn authorize_existing(conn: &mut AnyConnection, actor: &Actor, f: &Fix) -> Result<()> {
    let service_id: Option<i64> = sqlx::query_scalar("select service_id from fixes where id = $1")
        .bind(f.id)
        .fetch_one(&mut *conn)
        .await?;
    let mut owners = match service_id {
        Some(s) => owners_of(conn, &[s]).await?.remove(&s).unwrap_or_default(),
        None => Vec::new(),
    };
    if let Some(t) = f.owner.strip_prefix("team:") {
        owners.push(t.to_string());
    }
    let commander: Option<String> = match f.incident {
        Some(i) => {
            sqlx::query_scalar("select commander from incidents where id = $1")
                .bind(i)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    actor.authorize(&Action::WriteFix {
        owners: &owners,
        people: &people(&f.owner, commander.as_ref()),
    })
}

pub async fn update(store: &Store, actor: &Actor, id: i64, mut input: FixInput) -> Result<Fix> {
    rules::normalize(&mut input);
    let expected = input
        .version
        .ok_or_else(|| Error::invalid("version", "send the version you read"))?;
    let mut tx = store.begin().await?;
    let before = get_on(&mut tx, id).await?;
    authorize_existing(&mut tx, actor, &before).await?;
    if before.version != expected {
        return Err(Error::stale_version(&format!("fix {id}")));
    }
    if input.tier != before.tier {
        return Err(Error::invalid(
            "tier",
            format!("a {} fix stays one: record a new fix instead", before.tier),
        ));
    }
    let now = Utc::now();
    let c = rules::check(
        &input,
        now,
        (before.expires_at.as_deref(), before.due_at.as_deref()),
    )
    .map_err(|e| Error::Validation(e.0))?;
    let place = place(&mut tx, &input).await?;
    let owner = owner(&mut tx, &input, &place.owners).await?;
    actor.authorize(&Action::WriteFix {
        owners: &owners_with(&place, &owner),
        people: &people(&owner, place.commander.as_ref()),
    })?;
    check_retires(&mut tx, &input, &place, Some(id)).await?;
    let at = now_text();
    let done_at = match (before.state.as_str(), c.state) {
        (_, "open") => None,
        (old, new) if old == new => before.done_at.clone(),
        _ => Some(instant(now)),
    };
    let updated = sqlx::query(
        "update fixes set incident_id = $1, service_id = $2, service_slug = $3, title = $4, \
         description = $5, owner = $6, applied_at = $7, applied_by = $8, expires_at = $9, \
         due_at = $10, retires_id = $11, why_it_matters = $12, direction = $13, state = $14, \
         reason = $15, done_at = $16, version = version + 1, updated_at = $17 \
         where id = $18 and version = $19",
    )
    .bind(input.incident)
    .bind(place.service_id)
    .bind(&input.service)
    .bind(&input.title)
    .bind(&input.description)
    .bind(&owner)
    .bind(c.applied_at.map(instant))
    .bind(input.applied_by.clone().or(before.applied_by.clone()))
    .bind(c.expires_at.map(instant))
    .bind(c.due_at.map(instant))
    .bind(input.retires)
    .bind(&input.why_it_matters)
    .bind(&input.direction)
    .bind(c.state)
    .bind(&input.reason)
    .bind(done_at)
    .bind(&at)
    .bind(id)
    .bind(expected)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(Error::stale_version(&format!("fix {id}")));
    }
    let after = get_on(&mut tx, id).await?;
    retire(&mut tx, &after, &at).await?;
    audit::record(
        &mut tx,
        actor,
        "fix.update",
        "fix",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

fn filter(q: &FixQuery) -> Result<Sql> {
    let mut sql = Sql::new(" where 1 = 1");
    if let Some(t) = q.team.as_deref().filter(|s| !s.is_empty()) {
        sql.push(" and (f.owner = ")
            .bind(Arg::Text(format!("team:{t}")))
            .push(
                " or f.service_id in (select o.service_id from service_owners o \
                 join teams t on t.id = o.team_id where t.slug = ",
            )
            .bind(Arg::Text(t.into()))
            .push("))");
    }
    if let Some(s) = q.service.as_deref().filter(|s| !s.is_empty()) {
        sql.push(" and f.service_slug = ").bind(Arg::Text(s.into()));
    }
    if let Some(i) = q.incident {
        sql.push(" and f.incident_id = ").bind(Arg::Int(i));
    }
    if let Some(t) = q.tier.as_deref().filter(|s| !s.is_empty()) {
        if !rules::TIERS.contains(&t) {
            return Err(Error::invalid(
                "tier",
                "must be short-term, proper or future",
            ));
        }
        sql.push(" and f.tier = ").bind(Arg::Text(t.into()));
    }
    match q
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("open")
    {
        "all" => {}
        s if rules::STATES.contains(&s) => {
            sql.push(" and f.state = ").bind(Arg::Text(s.into()));
        }
        _ => {
            return Err(Error::invalid(
                "state",
                "must be open, done, not-doing or all",
            ))
        }
    }
    Ok(sql)
}

/// The fixes the query selects, most urgent first, with counts by tier.
pub async fn backlog(store: &Store, q: &FixQuery) -> Result<Backlog> {
    let f = filter(q)?;
    let mut conn = store.pool.acquire().await?;
    let mut sql = Sql::new(SELECT);
    sql.push(&f.text).args = f.args;
    let now = Utc::now();
    let mut items = sql
        .query()
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| fix(r, now))
        .collect::<Result<Vec<_>>>()?;
    // Expired dirty fixes, then overdue proper fixes, then by age (oldest first).
    items.sort_by(|a, b| {
        (!a.expired, !a.overdue, &a.created_at, a.id).cmp(&(
            !b.expired,
            !b.overdue,
            &b.created_at,
            b.id,
        ))
    });
    let mut counts = FixCounts::default();
    for i in &items {
        match i.tier.as_str() {
            "short-term" => counts.short_term += 1,
            "proper" => counts.proper += 1,
            _ => counts.future += 1,
        }
        counts.expired += i64::from(i.expired);
        counts.overdue += i64::from(i.overdue);
    }
    Ok(Backlog { items, counts })
}

fn csv_field(v: &str) -> String {
    // Formula injection: a cell starting with = + - @ is text to a spreadsheet.
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// Appends one CSV line of `cells`, each escaped.
pub(crate) fn push_csv_row(out: &mut String, cells: &[String]) {
    let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    out.push_str(&line.join(","));
    out.push('\n');
}

/// The backlog as CSV, one fix per line.
pub async fn csv(store: &Store, q: &FixQuery) -> Result<String> {
    let b = backlog(store, q).await?;
    let mut out = String::from(
        "id,tier,service,incident,title,owner,state,expired,overdue,expires_at,due_at,age_days,created_at,github_issue\n",
    );
    for f in &b.items {
        let cells = [
            f.id.to_string(),
            f.tier.clone(),
            f.service.clone(),
            f.incident.map(|i| i.to_string()).unwrap_or_default(),
            f.title.clone(),
            f.owner.clone(),
            f.state.clone(),
            f.expired.to_string(),
            f.overdue.to_string(),
            f.expires_at.clone().unwrap_or_default(),
            f.due_at.clone().unwrap_or_default(),
            f.age_days.to_string(),
            f.created_at.clone(),
            f.github
                .as_ref()
                .and_then(|g| g.url.clone())
                .unwrap_or_default(),
        ];
        push_csv_row(&mut out, &cells);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Facts for the decay checks

/// Open fixes and unfixed serious incidents of every service (`ids` is `None`) or of some,
/// by service id, as of the top of the hour of `now`.
pub(crate) async fn facts(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    ids: Option<&[i64]>,
) -> Result<(
    HashMap<i64, Vec<FixFacts>>,
    HashMap<i64, Vec<(UnfixedIncident, i64)>>,
)> {
    let hour = now - Duration::seconds(now.timestamp().rem_euclid(3600));
    let mut sql = Sql::new(
        "select id, tier, service_id, title, expires_at, due_at, created_at, github_issue_url \
         from fixes where state = 'open' and service_id is not null",
    );
    if let Some(ids) = ids {
        sql.push(" and service_id in ").bind_list(ids);
    }
    sql.push(" order by id");
    let mut fixes: HashMap<i64, Vec<FixFacts>> = HashMap::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let tier: String = r.try_get("tier")?;
        let (tier, date) = match tier.as_str() {
            "short-term" => ("short-term", r.try_get::<Option<String>, _>("expires_at")?),
            "proper" => ("proper", r.try_get::<Option<String>, _>("due_at")?),
            _ => ("future", None),
        };
        let date = match date {
            Some(d) => parse(&d)?,
            None => {
                parse(&r.try_get::<String, _>("created_at")?)?
                    + Duration::days(rules::ISSUE_AFTER_DAYS)
            }
        };
        let phase = if tier == "future" {
            // Only the line matters: filed or not after the week.
            if date <= hour {
                Phase::Late
            } else {
                Phase::Fine
            }
        } else {
            Phase::of(date, hour)
        };
        fixes
            .entry(r.try_get("service_id")?)
            .or_default()
            .push(FixFacts {
                id: r.try_get("id")?,
                tier,
                title: r.try_get("title")?,
                date,
                phase,
                has_issue: r
                    .try_get::<Option<String>, _>("github_issue_url")?
                    .is_some(),
            });
    }
    let mut sql = Sql::new(
        "select x.service_id, i.id, i.severity, i.resolved_at from incident_services x \
         join incidents i on i.id = x.incident_id where i.resolved_at is not null \
         and i.severity <= 2 and x.service_id is not null \
         and not exists (select 1 from fixes f where f.incident_id = i.id)",
    );
    if let Some(ids) = ids {
        sql.push(" and x.service_id in ").bind_list(ids);
    }
    let mut unfixed: HashMap<i64, Vec<(UnfixedIncident, i64)>> = HashMap::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let resolved_at = parse(&r.try_get::<String, _>("resolved_at")?)?;
        let age = (hour - resolved_at).num_seconds().div_euclid(86_400);
        unfixed.entry(r.try_get("service_id")?).or_default().push((
            UnfixedIncident {
                id: r.try_get("id")?,
                severity: r.try_get("severity")?,
                resolved_at,
            },
            age,
        ));
    }
    for list in unfixed.values_mut() {
        list.sort_by_key(|(i, _)| i.id);
    }
    Ok((fixes, unfixed))
}
