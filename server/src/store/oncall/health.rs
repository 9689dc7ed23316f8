//! The on-call health report: is a schedule (or a team's set of schedules) covered, and is its
//! load humane and fair? The measures are the pure ones of [`crate::domain::oncall`]; this
//! module decides *who* is counted and reads what it needs in a fixed number of queries (the
//! schedules with their overrides, then every person's name and zone at once).
//!
//! Who is counted on a schedule: everyone a layer rotates through at some point of the window,
//! even with no time in it (a participant who never gets a turn is the unfairness a balance
//! score should show), plus anyone else with time on it (an override). On a team: everyone
//! counted on any of its own schedules, with their time as the union across them, so that an
//! hour on call on two schedules at once counts once, as it is one hour of a person's life.

use super::convert::instant;
use super::{load, local_text, Loaded, Which};
use crate::domain::oncall::{self as model, Duration, Handle, SRE_LIMIT};
use crate::error::{Error, Result};
use crate::store::{Sql, Store};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::oncall_health::{Gap, PersonLoad, ScheduleHealth, TeamHealth};

/// Below this balance score a schedule is flagged `unbalanced`: with two people, one carries
/// more than twice the other's time.
pub const UNBALANCED_BELOW: f64 = 0.5;

/// A person's display name and zone.
struct Who {
    name: String,
    zone: Tz,
}

/// A schedule computed over the window, with the people it counts.
struct Computed<'a> {
    loaded: &'a Loaded,
    segments: Vec<model::Segment>,
    people: Vec<Handle>,
}

fn compute(loaded: &Loaded, from: DateTime<Utc>, to: DateTime<Utc>) -> Computed<'_> {
    let segments = model::final_schedule(&loaded.model, from, to);
    let mut people = model::participants(&loaded.model, from, to);
    for (person, _) in model::totals(&segments) {
        if !people.contains(&person) {
            people.push(person);
        }
    }
    Computed {
        loaded,
        segments,
        people,
    }
}

/// Names and zones of the given people, by handle, in one query. A zone that does not parse
/// (the API never stores one) counts as UTC.
async fn people_of(conn: &mut AnyConnection, handles: &[&Handle]) -> Result<HashMap<String, Who>> {
    let mut handles: Vec<&str> = handles.iter().map(|h| h.as_str()).collect();
    handles.sort_unstable();
    handles.dedup();
    if handles.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("select handle, name, time_zone from people where handle in ");
    sql.bind_texts(&handles);
    let mut out = HashMap::new();
    for r in sql.query().fetch_all(conn).await? {
        let zone: String = r.try_get("time_zone")?;
        out.insert(
            r.try_get("handle")?,
            Who {
                name: r.try_get("name")?,
                zone: zone.parse().unwrap_or(Tz::UTC),
            },
        );
    }
    Ok(out)
}

/// `person`'s line of the report from their on-call `segments` (which must not overlap).
fn person_load(
    segments: &[model::Segment],
    person: &str,
    who: Option<&Who>,
    window: Duration,
) -> PersonLoad {
    let zone = who.map_or(Tz::UTC, |w| w.zone);
    let load = model::load(segments, person, zone);
    let share = model::share(load.total(), window);
    PersonLoad {
        person: person.to_string(),
        name: who.map(|w| w.name.clone()),
        time_zone: zone.name().into(),
        total_seconds: load.total().num_seconds(),
        business_seconds: load.business.num_seconds(),
        off_seconds: load.off.num_seconds(),
        sleep_seconds: load.sleep.num_seconds(),
        share,
        over_limit: share > SRE_LIMIT,
    }
}

/// Most time first, then by handle; the balance score of the lines.
fn rank(people: &mut [PersonLoad]) -> Option<f64> {
    people.sort_by(|a, b| (b.total_seconds, &a.person).cmp(&(a.total_seconds, &b.person)));
    let totals: Vec<Duration> = people
        .iter()
        .map(|p| Duration::seconds(p.total_seconds))
        .collect();
    model::balance(&totals)
}

fn schedule_report(
    c: &Computed<'_>,
    who: &HashMap<String, Who>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ScheduleHealth {
    let zone = c.loaded.model.zone;
    let gaps: Vec<Gap> = model::gaps(&c.segments)
        .into_iter()
        .map(|(start, end)| Gap {
            start: instant(start),
            end: instant(end),
            start_local: local_text(zone, start),
            end_local: local_text(zone, end),
            seconds: (end - start).num_seconds(),
        })
        .collect();
    let gap_seconds = gaps.iter().map(|g| g.seconds).sum();
    let mut people: Vec<PersonLoad> = c
        .people
        .iter()
        .map(|p| person_load(&c.segments, p, who.get(p), to - from))
        .collect();
    let balance = rank(&mut people);
    let mut flags = Vec::new();
    if gap_seconds > 0 {
        flags.push("gaps".to_string());
    }
    if people.iter().any(|p| p.over_limit) {
        flags.push("over_limit".to_string());
    }
    if balance.is_some_and(|b| b < UNBALANCED_BELOW) {
        flags.push("unbalanced".to_string());
    }
    let saved = &c.loaded.saved;
    ScheduleHealth {
        schedule: saved.slug.clone(),
        schedule_name: saved.name.clone(),
        team: saved.team.clone(),
        time_zone: saved.time_zone.clone(),
        from: instant(from),
        to: instant(to),
        window_seconds: (to - from).num_seconds(),
        sre_limit: SRE_LIMIT,
        gaps,
        gap_seconds,
        people,
        balance,
        flags,
    }
}

/// The health of schedule `slug` over `[from, to)`.
pub async fn schedule_health(
    store: &Store,
    slug: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<ScheduleHealth> {
    let mut conn = store.pool.acquire().await?;
    let loaded = load(&mut conn, Which::Slug(slug), from, to)
        .await?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("schedule '{slug}'")))?;
    let c = compute(&loaded, from, to);
    let handles: Vec<&Handle> = c.people.iter().collect();
    let who = people_of(&mut conn, &handles).await?;
    Ok(schedule_report(&c, &who, from, to))
}

/// The health of team `team`'s own schedules over `[from, to)`, and of each person across them.
pub async fn team_health(
    store: &Store,
    team: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<TeamHealth> {
    let mut conn = store.pool.acquire().await?;
    if crate::store::teams::id_by_slug(&mut conn, team)
        .await?
        .is_none()
    {
        return Err(Error::NotFound(format!("team '{team}'")));
    }
    let teams = [team.to_string()];
    let loaded = load(&mut conn, Which::Teams(&teams), from, to).await?;
    let computed: Vec<Computed> = loaded.iter().map(|l| compute(l, from, to)).collect();
    let mut handles: Vec<&Handle> = Vec::new();
    for p in computed.iter().flat_map(|c| &c.people) {
        if !handles.contains(&p) {
            handles.push(p);
        }
    }
    let who = people_of(&mut conn, &handles).await?;
    let schedules: Vec<ScheduleHealth> = computed
        .iter()
        .map(|c| schedule_report(c, &who, from, to))
        .collect();
    let mut people: Vec<PersonLoad> = handles
        .iter()
        .map(|p| {
            let merged = model::union(p, computed.iter().map(|c| c.segments.as_slice()));
            person_load(&merged, p, who.get(p.as_str()), to - from)
        })
        .collect();
    let balance = rank(&mut people);
    Ok(TeamHealth {
        team: team.to_string(),
        from: instant(from),
        to: instant(to),
        window_seconds: (to - from).num_seconds(),
        sre_limit: SRE_LIMIT,
        gap_seconds: schedules.iter().map(|s| s.gap_seconds).sum(),
        schedules_with_gaps: schedules
            .iter()
            .filter(|s| s.gap_seconds > 0)
            .map(|s| s.schedule.clone())
            .collect(),
        over_limit: people
            .iter()
            .filter(|p| p.over_limit)
            .map(|p| p.person.clone())
            .collect(),
        people,
        balance,
        schedules,
    })
}
