//! Escalation policies: who a page for a service reaches, level by level. A policy belongs to
//! a team; its levels name schedules (by slug) and people (by handle) and are stored as JSON
//! on the policy row. A service points to one policy (`services.escalation_policy_id`), set
//! on its own route so that catalog imports and service edits never unset it.

use super::convert::instant;
use super::{first_stretch, load, names_of, on_call_in, Which, HORIZON_DAYS};
use crate::domain::authz::Action;
use crate::domain::oncall::{self as model, Target};
use crate::error::{Error, Result, ResultExt};
use crate::store::audit::{self, Actor};
use crate::store::{now, Store};
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::oncall::{
    EscalationLevel, EscalationPolicy, EscalationPolicyInput, Responder, ServiceEscalationInput,
    ServiceOnCall,
};
use steward_app::api::FieldError;

/// Most levels a policy may have, and targets a level may name.
const MAX_LEVELS: usize = 20;
const MAX_TARGETS: usize = 10;
/// Longest wait between two levels: a day.
const MAX_DELAY_MINUTES: u32 = 1440;

const SELECT: &str = "select e.id, e.slug, e.name, t.slug as team, e.levels, e.repeats, \
     e.version, e.created_at, e.updated_at from escalation_policies e \
     join teams t on t.id = e.team_id";

/// A policy row without its services (see [`with_services`]).
fn row_policy(r: &sqlx::any::AnyRow) -> Result<(i64, EscalationPolicy)> {
    let levels: String = r.try_get("levels")?;
    let repeats: i64 = r.try_get("repeats")?;
    Ok((
        r.try_get("id")?,
        EscalationPolicy {
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            team: r.try_get("team")?,
            levels: serde_json::from_str(&levels).map_err(|e| Error::Internal(e.into()))?,
            repeats: u32::try_from(repeats).unwrap_or(0),
            services: Vec::new(),
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        },
    ))
}

/// Fills in the services that point to policy `id`.
async fn with_services(
    conn: &mut AnyConnection,
    (id, mut policy): (i64, EscalationPolicy),
) -> Result<(i64, EscalationPolicy)> {
    policy.services = sqlx::query_scalar(
        "select slug from services where escalation_policy_id = $1 order by slug",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok((id, policy))
}

/// Policy `slug` without its services.
async fn find_bare(conn: &mut AnyConnection, slug: &str) -> Result<(i64, EscalationPolicy)> {
    let row = sqlx::query(&format!("{SELECT} where e.slug = $1"))
        .bind(slug)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("escalation policy '{slug}'")))?;
    row_policy(&row)
}

async fn find(conn: &mut AnyConnection, slug: &str) -> Result<(i64, EscalationPolicy)> {
    let found = find_bare(&mut *conn, slug).await?;
    with_services(conn, found).await
}

/// Every policy, or a team's, by name.
pub async fn list(store: &Store, team: Option<&str>) -> Result<Vec<EscalationPolicy>> {
    let mut conn = store.pool.acquire().await?;
    let rows = match team {
        Some(t) => {
            sqlx::query(&format!(
                "{SELECT} where t.slug = $1 order by e.name, e.slug"
            ))
            .bind(t)
            .fetch_all(&mut *conn)
            .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} order by e.name, e.slug"))
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(with_services(&mut conn, row_policy(r)?).await?.1);
    }
    Ok(out)
}

pub async fn get(store: &Store, slug: &str) -> Result<EscalationPolicy> {
    let mut conn = store.pool.acquire().await?;
    Ok(find(&mut conn, slug).await?.1)
}

/// Checks a request field by field; answers the owning team's id and the levels as stored
/// (trimmed).
async fn check(
    conn: &mut AnyConnection,
    input: &EscalationPolicyInput,
) -> Result<(i64, Vec<EscalationLevel>)> {
    let mut errors = Vec::new();
    let mut fail = |field: String, message: String| errors.push(FieldError { field, message });
    if crate::domain::catalog::check_slug(&input.slug).is_err() {
        fail(
            "slug".into(),
            "use lowercase letters, digits and single dashes (payments-escalation)".into(),
        );
    }
    if input.name.trim().is_empty() || input.name.chars().count() > 200 {
        fail(
            "name".into(),
            "give the policy a name of 1–200 characters".into(),
        );
    }
    let team = crate::store::teams::id_by_slug(&mut *conn, &input.team).await?;
    if team.is_none() {
        fail("team".into(), format!("there is no team '{}'", input.team));
    }
    if input.repeats > model::MAX_REPEATS {
        fail(
            "repeats".into(),
            format!("repeat at most {} times", model::MAX_REPEATS),
        );
    }
    if input.levels.is_empty() || input.levels.len() > MAX_LEVELS {
        fail(
            "levels".into(),
            format!("a policy has 1–{MAX_LEVELS} levels"),
        );
    }
    let mut levels = Vec::with_capacity(input.levels.len());
    for (i, level) in input.levels.iter().enumerate() {
        let min = if i == 0 { 0 } else { 1 };
        if level.delay_minutes < min || level.delay_minutes > MAX_DELAY_MINUTES {
            fail(
                format!("levels.{i}.delayMinutes"),
                format!("wait {min}–{MAX_DELAY_MINUTES} minutes before this level"),
            );
        }
        if level.targets.is_empty() || level.targets.len() > MAX_TARGETS {
            fail(
                format!("levels.{i}.targets"),
                format!("a level notifies 1–{MAX_TARGETS} schedules or people"),
            );
        }
        let mut targets = Vec::with_capacity(level.targets.len());
        for (j, target) in level.targets.iter().enumerate() {
            let field = format!("levels.{i}.targets.{j}");
            let schedule = target.schedule.as_deref().map(str::trim);
            let person = target.person.as_deref().map(str::trim);
            match (schedule, person) {
                (Some(s), None) => {
                    let known: Option<i64> =
                        sqlx::query_scalar("select id from schedules where slug = $1")
                            .bind(s)
                            .fetch_optional(&mut *conn)
                            .await?;
                    if known.is_none() {
                        fail(field, format!("there is no schedule '{s}'"));
                    }
                }
                (None, Some(p)) => {
                    if crate::store::people::id_by_handle(&mut *conn, p)
                        .await?
                        .is_none()
                    {
                        fail(field, format!("there is no person '{p}'"));
                    }
                }
                _ => fail(field, "name either a schedule or a person".into()),
            }
            targets.push(steward_app::api::oncall::EscalationTarget {
                schedule: schedule.map(str::to_string),
                person: person.map(str::to_string),
            });
        }
        levels.push(EscalationLevel {
            delay_minutes: level.delay_minutes,
            targets,
        });
    }
    match team {
        Some(team) if errors.is_empty() => Ok((team, levels)),
        _ => Err(Error::Validation(errors)),
    }
}

fn levels_json(levels: &[EscalationLevel]) -> Result<String> {
    serde_json::to_string(levels).map_err(|e| Error::Internal(e.into()))
}

pub async fn create(
    store: &Store,
    actor: &Actor,
    input: &EscalationPolicyInput,
) -> Result<EscalationPolicy> {
    actor.authorize(&Action::WriteOnCall { team: &input.team })?;
    let mut tx = store.begin().await?;
    let (team, levels) = check(&mut tx, input).await?;
    let now = now();
    sqlx::query(
        "insert into escalation_policies (slug, name, team_id, levels, repeats, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&input.slug)
    .bind(input.name.trim())
    .bind(team)
    .bind(levels_json(&levels)?)
    .bind(i64::from(input.repeats))
    .bind(&now)
    .execute(&mut *tx)
    .await
    .on_unique_violation(|| {
        Error::conflict(
            "already_exists",
            Some("slug"),
            format!("an escalation policy '{}' already exists", input.slug),
        )
    })?;
    let (_, after) = find(&mut tx, &input.slug).await?;
    audit::record(
        &mut tx,
        actor,
        "escalation_policy.create",
        "escalation_policy",
        &input.slug,
        None::<&EscalationPolicy>,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn update(
    store: &Store,
    actor: &Actor,
    slug: &str,
    input: &EscalationPolicyInput,
) -> Result<EscalationPolicy> {
    let mut tx = store.begin().await?;
    let (id, before) = find(&mut tx, slug).await?;
    actor.authorize(&Action::WriteOnCall { team: &before.team })?;
    if input.team != before.team {
        actor.authorize(&Action::WriteOnCall { team: &input.team })?;
    }
    let expected = crate::store::check_put(input.version, &input.slug, slug, "slug")?;
    let (team, levels) = check(&mut tx, input).await?;
    if !crate::store::bump_version(&mut tx, "escalation_policies", id, Some(expected)).await? {
        return Err(Error::stale_version(&format!("escalation policy '{slug}'")));
    }
    sqlx::query(
        "update escalation_policies set name = $1, team_id = $2, levels = $3, repeats = $4, \
         updated_at = $5 where id = $6",
    )
    .bind(input.name.trim())
    .bind(team)
    .bind(levels_json(&levels)?)
    .bind(i64::from(input.repeats))
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let (_, after) = find(&mut tx, slug).await?;
    audit::record(
        &mut tx,
        actor,
        "escalation_policy.update",
        "escalation_policy",
        slug,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a policy no service points to (409 `in_use` otherwise: a service must not lose its
/// escalation silently).
pub async fn delete(store: &Store, actor: &Actor, slug: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    let (id, before) = find(&mut tx, slug).await?;
    actor.authorize(&Action::WriteOnCall { team: &before.team })?;
    if !before.services.is_empty() {
        return Err(Error::conflict(
            "in_use",
            None,
            format!(
                "services point to this policy: {}; point them elsewhere first",
                before.services.join(", ")
            ),
        ));
    }
    sqlx::query("delete from escalation_policies where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "escalation_policy.delete",
        "escalation_policy",
        slug,
        Some(&before),
        None::<&EscalationPolicy>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The policies whose levels name schedule `slug` (a schedule they name cannot be deleted).
pub(crate) async fn naming_schedule(conn: &mut AnyConnection, slug: &str) -> Result<Vec<String>> {
    let rows = sqlx::query("select slug, levels from escalation_policies order by slug")
        .fetch_all(conn)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let levels: String = r.try_get("levels")?;
        let levels: Vec<EscalationLevel> =
            serde_json::from_str(&levels).map_err(|e| Error::Internal(e.into()))?;
        if levels
            .iter()
            .flat_map(|l| &l.targets)
            .any(|t| t.schedule.as_deref() == Some(slug))
        {
            out.push(r.try_get("slug")?);
        }
    }
    Ok(out)
}

/// Points service `slug` to a policy (or to none). Who may edit the service may choose its
/// policy, whichever team owns the policy.
pub async fn set_service_policy(
    store: &Store,
    actor: &Actor,
    slug: &str,
    input: &ServiceEscalationInput,
) -> Result<ServiceOnCall> {
    let mut tx = store.begin().await?;
    let service = crate::store::services::fetch(&mut tx, slug).await?;
    let owners: Vec<String> = service.owners.iter().map(|o| o.slug.clone()).collect();
    actor.authorize(&Action::WriteService { owners: &owners })?;
    let policy = match input.policy.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(match find_bare(&mut tx, p).await {
            Ok((id, _)) => (id, p.to_string()),
            Err(Error::NotFound(_)) => {
                return Err(Error::invalid(
                    "policy",
                    format!("there is no escalation policy '{p}'"),
                ))
            }
            Err(e) => return Err(e),
        }),
    };
    let before: Option<String> = sqlx::query_scalar(
        "select e.slug from services s join escalation_policies e \
         on e.id = s.escalation_policy_id where s.slug = $1",
    )
    .bind(slug)
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query("update services set escalation_policy_id = $1, updated_at = $2 where slug = $3")
        .bind(policy.as_ref().map(|(id, _)| *id))
        .bind(now())
        .bind(slug)
        .execute(&mut *tx)
        .await?;
    let after = policy.map(|(_, s)| s);
    audit::record(
        &mut tx,
        actor,
        "service.escalation_policy",
        "service",
        slug,
        Some(&ServiceEscalationInput { policy: before }),
        Some(&ServiceEscalationInput { policy: after }),
    )
    .await?;
    tx.commit().await?;
    service_on_call(store, slug, Utc::now()).await
}

/// Who a page for service `slug` at `at` reaches: its policy's first pass (each schedule
/// resolved when its level is notified), and who is on call on its owners' schedules.
pub async fn service_on_call(
    store: &Store,
    slug: &str,
    at: DateTime<Utc>,
) -> Result<ServiceOnCall> {
    let mut conn = store.pool.acquire().await?;
    let row = sqlx::query(
        "select s.id, e.slug as policy from services s left join escalation_policies e \
         on e.id = s.escalation_policy_id where s.slug = $1",
    )
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    let service_id: i64 = row.try_get("id")?;
    let policy_slug: Option<String> = row.try_get("policy")?;
    let owners: Vec<String> = sqlx::query_scalar(
        "select t.slug from service_owners o join teams t on t.id = o.team_id \
         where o.service_id = $1 order by o.position",
    )
    .bind(service_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut schedules = on_call_in(&mut conn, Which::Teams(&owners), at).await?;
    schedules.sort_by_key(|o| owners.iter().position(|t| *t == o.team));
    let Some(policy_slug) = policy_slug else {
        return Ok(ServiceOnCall {
            service: slug.into(),
            policy: None,
            policy_name: None,
            repeats: 0,
            responders: Vec::new(),
            schedules,
        });
    };
    let (_, policy) = find_bare(&mut conn, &policy_slug).await?;
    let responders = walk(&mut conn, &policy, at).await?;
    Ok(ServiceOnCall {
        service: slug.into(),
        policy: Some(policy.slug),
        policy_name: Some(policy.name),
        repeats: policy.repeats,
        responders,
        schedules,
    })
}

/// The first pass of `policy` for a page at `at`.
async fn walk(
    conn: &mut AnyConnection,
    policy: &EscalationPolicy,
    at: DateTime<Utc>,
) -> Result<Vec<Responder>> {
    let slugs: Vec<String> = policy
        .levels
        .iter()
        .flat_map(|l| &l.targets)
        .filter_map(|t| t.schedule.clone())
        .collect();
    let total_delay: i64 = policy
        .levels
        .iter()
        .map(|l| i64::from(l.delay_minutes))
        .sum();
    let horizon = at + Duration::minutes(total_delay) + Duration::days(HORIZON_DAYS);
    let loaded = load(&mut *conn, Which::Slugs(&slugs), at, horizon).await?;
    let ids: HashMap<&str, usize> = loaded
        .iter()
        .enumerate()
        .map(|(i, l)| (l.saved.slug.as_str(), i))
        .collect();
    let model_policy = model::Policy {
        levels: policy
            .levels
            .iter()
            .map(|l| model::Level {
                delay_minutes: l.delay_minutes,
                targets: l
                    .targets
                    .iter()
                    .map(|t| match (&t.schedule, &t.person) {
                        // A schedule deleted since (deletion is refused while named) reads as
                        // an index past the end: nobody.
                        (Some(s), _) => {
                            Target::Schedule(ids.get(s.as_str()).map_or(i64::MAX, |i| *i as i64))
                        }
                        (None, p) => Target::Person(p.clone().unwrap_or_default()),
                    })
                    .collect(),
            })
            .collect(),
        repeats: policy.repeats,
    };
    let stretch = |i: i64, t: DateTime<Utc>| {
        let l = usize::try_from(i).ok().and_then(|i| loaded.get(i))?;
        first_stretch(&l.model, t, t + Duration::days(HORIZON_DAYS))
    };
    // Each schedule target's stretch at the minute its level is notified, computed once.
    let stretches = std::cell::RefCell::new(HashMap::new());
    let walked = model::responders(&model_policy, at, |i, t| {
        let s = stretch(i, t);
        let person = s.as_ref().and_then(|s| s.person.clone());
        stretches.borrow_mut().insert((i, t), s);
        person
    });
    let stretches = stretches.into_inner();
    let handles: Vec<&str> = walked.iter().filter_map(|r| r.person.as_deref()).collect();
    let names = names_of(conn, &handles).await?;
    // `responders` answers one entry per target, in the policy's order.
    let targets = policy.levels.iter().flat_map(|l| &l.targets);
    Ok(walked
        .iter()
        .zip(targets)
        .map(|(r, target)| {
            let when = at + Duration::minutes(i64::from(r.delay_minutes));
            let until = match r.via {
                Target::Schedule(i) => stretches
                    .get(&(i, when))
                    .and_then(|s| s.as_ref())
                    .map(|s| s.end)
                    .filter(|end| *end < when + Duration::days(HORIZON_DAYS)),
                Target::Person(_) => None,
            };
            let schedule_name = target
                .schedule
                .as_deref()
                .and_then(|s| ids.get(s))
                .map(|i| loaded[*i].saved.name.clone());
            Responder {
                level: r.level + 1,
                after_minutes: r.delay_minutes,
                person_name: r.person.as_ref().and_then(|p| names.get(p).cloned()),
                person: r.person.clone(),
                schedule: target.schedule.clone(),
                schedule_name,
                until: until.map(instant),
            }
        })
        .collect())
}
