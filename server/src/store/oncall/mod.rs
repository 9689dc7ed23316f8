//! Schedules, their overrides, and what they compute to: timelines, previews and who is on
//! call. Layers are stored as JSON on the schedule row (a schedule is edited as a whole, with
//! optimistic locking); overrides are rows, because they are added and removed one by one.

// Calendar feeds: the URLs and what they show.
mod calendar;
mod feeds;

pub mod convert;
pub mod escalation;
mod health;
mod overrides;
mod shifts;
mod swaps;

pub use calendar::{
    feed_window, person_calendar, schedule_calendar, FeedCalendar, Stretch, FEED_AHEAD_DAYS,
    FEED_BEYOND_DAYS, FEED_PAST_DAYS,
};
pub use feeds::{create_feed, feed_by_secret, list_feeds, revoke_feed, Subject, Target};
pub use health::{schedule_health, team_health};
pub use overrides::{add_override, delete_override, list_overrides};
pub use shifts::shifts;
pub use swaps::{get_swap, list_swaps, offer, take, withdraw};

use super::audit::{self, Actor};
use super::{now, Arg, Sql, Store};
use crate::domain::authz::Action;
use crate::domain::oncall::{self as model, Source};
use crate::error::{Error, Result, ResultExt};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use convert::{instant, parse_zone};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::oncall::{
    LayerRow, LayerSpec, OnCall, Preview, Schedule, ScheduleInput, Segment, Tick, Timeline,
};
use steward_app::api::FieldError;

/// The longest window one request may compute.
pub const MAX_WINDOW_DAYS: i64 = 400;

pub(crate) const SELECT: &str =
    "select s.id, s.slug, s.name, t.slug as team, s.time_zone, s.description, \
     s.layers, s.version, s.created_at, s.updated_at from schedules s \
     join teams t on t.id = s.team_id";

pub(crate) fn row_schedule(r: &sqlx::any::AnyRow) -> Result<(i64, Schedule)> {
    let layers: String = r.try_get("layers")?;
    Ok((
        r.try_get("id")?,
        Schedule {
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            team: r.try_get("team")?,
            time_zone: r.try_get("time_zone")?,
            description: r.try_get("description")?,
            layers: serde_json::from_str(&layers).map_err(|e| Error::Internal(e.into()))?,
            version: r.try_get("version")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        },
    ))
}

async fn find(conn: &mut AnyConnection, slug: &str) -> Result<(i64, Schedule)> {
    let row = sqlx::query(&format!("{SELECT} where s.slug = $1"))
        .bind(slug)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("schedule '{slug}'")))?;
    row_schedule(&row)
}

/// Every schedule, or a team's, by name.
pub async fn list(store: &Store, team: Option<&str>) -> Result<Vec<Schedule>> {
    let rows = match team {
        Some(t) => {
            sqlx::query(&format!(
                "{SELECT} where t.slug = $1 order by s.name, s.slug"
            ))
            .bind(t)
            .fetch_all(&store.pool)
            .await?
        }
        None => {
            sqlx::query(&format!("{SELECT} order by s.name, s.slug"))
                .fetch_all(&store.pool)
                .await?
        }
    };
    rows.iter().map(|r| Ok(row_schedule(r)?.1)).collect()
}

pub async fn get(store: &Store, slug: &str) -> Result<Schedule> {
    let mut conn = store.pool.acquire().await?;
    Ok(find(&mut conn, slug).await?.1)
}

/// The saved schedule as the model sees it (without overrides).
pub(crate) fn model_of(s: &Schedule) -> Result<model::Schedule> {
    let zone = parse_zone("timeZone", &s.time_zone)?;
    let layers = s
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| convert::stored_layer(zone, i, l))
        .collect::<Result<_>>()?;
    Ok(model::Schedule {
        zone,
        layers,
        overrides: Vec::new(),
    })
}

/// Checks a request and turns it into model layers: new layers start their rotation at their
/// first handoff; a saved layer keeps its history (see [`convert::LayerDraft::apply_to`]).
async fn plan(
    conn: &mut AnyConnection,
    input: &ScheduleInput,
    saved: Option<&model::Schedule>,
    now: DateTime<Utc>,
) -> Result<(Tz, i64, Vec<model::Layer>)> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    if crate::domain::catalog::check_slug(&input.slug).is_err() {
        fail(
            "slug",
            "use lowercase letters, digits and single dashes (primary-oncall)".into(),
        );
    }
    if input.name.trim().is_empty() || input.name.chars().count() > 200 {
        fail(
            "name",
            "give the schedule a name of 1–200 characters".into(),
        );
    }
    let zone = input.time_zone.parse::<Tz>().ok();
    if zone.is_none() {
        fail(
            "timeZone",
            format!(
                "'{}' is not an IANA time zone (Europe/Berlin)",
                input.time_zone
            ),
        );
    }
    let team = super::teams::id_by_slug(&mut *conn, &input.team).await?;
    if team.is_none() {
        fail("team", format!("there is no team '{}'", input.team));
    }
    if input.layers.len() > 20 {
        fail("layers", "at most 20 layers".into());
    }
    let mut drafts = Vec::new();
    for (i, spec) in input.layers.iter().enumerate() {
        drafts.push(convert::draft(i, spec, &mut errors));
    }
    for (i, spec) in input.layers.iter().enumerate() {
        for (j, handle) in spec.participants.iter().enumerate() {
            if super::people::id_by_handle(&mut *conn, handle.trim())
                .await?
                .is_none()
            {
                errors.push(FieldError {
                    field: format!("layers.{i}.participants.{j}"),
                    message: format!("there is no person '{handle}'"),
                });
            }
        }
    }
    let (Some(zone), Some(team), true) = (zone, team, errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    let same_zone = saved.filter(|s| s.zone == zone);
    let layers: Vec<model::Layer> = drafts
        .into_iter()
        .enumerate()
        .filter_map(|(i, d)| d.map(|d| (i, d)))
        .map(|(i, d)| match same_zone.and_then(|s| s.layers.get(i)) {
            Some(old) => d.apply_to(zone, old, now),
            None => d.into_layer(zone),
        })
        .collect();
    for (i, layer) in layers.iter().enumerate() {
        if let Err(e) = layer.validate(zone) {
            return Err(Error::invalid(format!("layers.{i}"), e));
        }
    }
    Ok((zone, team, layers))
}

fn layers_json(layers: &[model::Layer]) -> Result<String> {
    let specs: Vec<LayerSpec> = layers.iter().map(convert::layer_spec).collect();
    serde_json::to_string(&specs).map_err(|e| Error::Internal(e.into()))
}

pub async fn create(store: &Store, actor: &Actor, input: &ScheduleInput) -> Result<Schedule> {
    actor.authorize(&Action::WriteOnCall { team: &input.team })?;
    let mut tx = store.begin().await?;
    let (_, team, layers) = plan(&mut tx, input, None, Utc::now()).await?;
    let now = now();
    sqlx::query(
        "insert into schedules (slug, name, team_id, time_zone, description, layers, \
         created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&input.slug)
    .bind(input.name.trim())
    .bind(team)
    .bind(&input.time_zone)
    .bind(&input.description)
    .bind(layers_json(&layers)?)
    .bind(&now)
    .execute(&mut *tx)
    .await
    .on_unique_violation(|| {
        Error::conflict(
            "already_exists",
            Some("slug"),
            format!("a schedule '{}' already exists", input.slug),
        )
    })?;
    let (_, after) = find(&mut tx, &input.slug).await?;
    audit::record(
        &mut tx,
        actor,
        "schedule.create",
        "schedule",
        &input.slug,
        None::<&Schedule>,
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
    input: &ScheduleInput,
) -> Result<Schedule> {
    let mut tx = store.begin().await?;
    let (id, before) = find(&mut tx, slug).await?;
    actor.authorize(&Action::WriteOnCall { team: &before.team })?;
    if input.team != before.team {
        actor.authorize(&Action::WriteOnCall { team: &input.team })?;
    }
    let expected = super::check_put(input.version, &input.slug, slug, "slug")?;
    let saved = model_of(&before)?;
    let (_, team, layers) = plan(&mut tx, input, Some(&saved), Utc::now()).await?;
    if !super::bump_version(&mut tx, "schedules", id, Some(expected)).await? {
        return Err(Error::stale_version(&format!("schedule '{slug}'")));
    }
    sqlx::query(
        "update schedules set name = $1, team_id = $2, time_zone = $3, description = $4, \
         layers = $5, updated_at = $6 where id = $7",
    )
    .bind(input.name.trim())
    .bind(team)
    .bind(&input.time_zone)
    .bind(&input.description)
    .bind(layers_json(&layers)?)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let (_, after) = find(&mut tx, slug).await?;
    audit::record(
        &mut tx,
        actor,
        "schedule.update",
        "schedule",
        slug,
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn delete(store: &Store, actor: &Actor, slug: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    let (id, before) = find(&mut tx, slug).await?;
    actor.authorize(&Action::WriteOnCall { team: &before.team })?;
    let policies = escalation::naming_schedule(&mut tx, slug).await?;
    if !policies.is_empty() {
        return Err(Error::conflict(
            "in_use",
            None,
            format!(
                "escalation policies page through this schedule: {}; change them first",
                policies.join(", ")
            ),
        ));
    }
    sqlx::query("delete from schedule_overrides where schedule_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("delete from schedules where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "schedule.delete",
        "schedule",
        slug,
        Some(&before),
        None::<&Schedule>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a window: `from < to`, at most [`MAX_WINDOW_DAYS`].
pub fn window(
    from: Option<&str>,
    to: Option<&str>,
    default_days: i64,
) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let from = match from {
        Some(f) => convert::parse_instant("from", f)?,
        None => convert::parse_instant("from", &instant(Utc::now()))?,
    };
    let to = match to {
        Some(t) => convert::parse_instant("to", t)?,
        None => from + Duration::days(default_days),
    };
    if to <= from {
        return Err(Error::invalid("to", "the window must end after it starts"));
    }
    if to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(Error::invalid(
            "to",
            format!("a window spans at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok((from, to))
}

fn segment(zone: Tz, s: &model::Segment, override_ids: &[i64]) -> Segment {
    let local = |t: DateTime<Utc>| local_text(zone, t);
    let (source, layer, override_id) = match s.source {
        Source::Layer(i) => ("layer", Some(i), None),
        Source::Override(i) => ("override", None, override_ids.get(i).copied()),
        Source::Gap => ("gap", None, None),
    };
    Segment {
        start: instant(s.start),
        end: instant(s.end),
        start_local: local(s.start),
        end_local: local(s.end),
        person: s.person.clone(),
        source: source.into(),
        layer,
        override_id,
    }
}

/// The timeline of a model schedule over `[from, to)`.
fn compute(
    s: &model::Schedule,
    names: &[String],
    override_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Timeline {
    let layers = s
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| LayerRow {
            name: names.get(i).cloned().unwrap_or_else(|| layer.name.clone()),
            segments: model::layer_segments(s.zone, layer, i, from, to)
                .iter()
                .map(|seg| segment(s.zone, seg, override_ids))
                .collect(),
        })
        .collect();
    let final_schedule = model::final_schedule(s, from, to);
    let gap_seconds = model::gaps(&final_schedule)
        .iter()
        .map(|(a, b)| (*b - *a).num_seconds())
        .sum();
    Timeline {
        from: instant(from),
        to: instant(to),
        time_zone: s.zone.name().into(),
        layers,
        final_segments: final_schedule
            .iter()
            .map(|seg| segment(s.zone, seg, override_ids))
            .collect(),
        gap_seconds,
        days: days(s.zone, from, to),
    }
}

/// The local midnights of `zone` in `[from, to)` (a skipped midnight is the first instant
/// after it, by the same rule as handoffs).
fn days(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Tick> {
    let mut day = model::to_local(zone, from).date();
    let mut out = Vec::new();
    while out.len() <= MAX_WINDOW_DAYS as usize + 1 {
        let at = model::to_utc(zone, day.and_time(chrono::NaiveTime::MIN));
        if at >= to {
            break;
        }
        if at >= from {
            out.push(Tick {
                at: instant(at),
                label: day.format("%a %-d %b").to_string(),
            });
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    out
}

/// A saved schedule ready to compute: its row id, the API view, and the model with the
/// overrides that touch the window it was loaded for (their ids alongside, in model order).
pub(crate) struct Loaded {
    pub id: i64,
    pub saved: Schedule,
    pub model: model::Schedule,
    pub override_ids: Vec<i64>,
}

/// Which schedules [`load`] reads.
#[derive(Clone, Copy)]
pub(crate) enum Which<'a> {
    All,
    Slug(&'a str),
    Teams(&'a [String]),
    Slugs(&'a [String]),
    Ids(&'a [i64]),
}

/// Loads schedules with their overrides in `[from, to)`: two queries however many there are.
pub(crate) async fn load(
    conn: &mut AnyConnection,
    which: Which<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Loaded>> {
    let mut sql = Sql::new(SELECT);
    match which {
        Which::All => &mut sql,
        Which::Slug(slug) => sql.push(" where s.slug = ").bind(Arg::Text(slug.into())),
        Which::Teams([]) | Which::Ids([]) | Which::Slugs([]) => return Ok(Vec::new()),
        Which::Teams(teams) => sql.push(" where t.slug in ").bind_texts(teams),
        Which::Slugs(slugs) => sql.push(" where s.slug in ").bind_texts(slugs),
        Which::Ids(ids) => sql.push(" where s.id in ").bind_list(ids),
    };
    sql.push(" order by s.name, s.slug");
    let rows = sql.query().fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let (id, saved) = row_schedule(r)?;
        let model = model_of(&saved)?;
        out.push(Loaded {
            id,
            saved,
            model,
            override_ids: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let ids: Vec<i64> = out.iter().map(|l| l.id).collect();
    let mut by_schedule = overrides::in_window(conn, &ids, from, to).await?;
    for l in &mut out {
        if let Some((ids, overrides)) = by_schedule.remove(&l.id) {
            l.override_ids = ids;
            l.model.overrides = overrides;
        }
    }
    Ok(out)
}

/// The saved schedule `slug` with its overrides in `[from, to)`.
async fn loaded(
    conn: &mut AnyConnection,
    slug: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<Loaded>> {
    Ok(load(conn, Which::Slug(slug), from, to).await?.pop())
}

/// Names of the given people, by handle (one query).
pub(crate) async fn names_of(
    conn: &mut AnyConnection,
    handles: &[&str],
) -> Result<HashMap<String, String>> {
    let mut handles: Vec<&str> = handles.to_vec();
    handles.sort_unstable();
    handles.dedup();
    if handles.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("select handle, name from people where handle in ");
    sql.bind_texts(&handles);
    sql.query()
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("handle")?, r.try_get("name")?)))
        .collect()
}

pub async fn timeline(
    store: &Store,
    slug: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Timeline> {
    let mut conn = store.pool.acquire().await?;
    let l = loaded(&mut conn, slug, from, to)
        .await?
        .ok_or_else(|| Error::NotFound(format!("schedule '{slug}'")))?;
    Ok(compute(&l.model, &[], &l.override_ids, from, to))
}

/// What saving `input` would give, beside what is saved now (when `input.slug` exists).
/// Nothing is written.
pub async fn preview(
    store: &Store,
    input: &ScheduleInput,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Preview> {
    let mut conn = store.pool.acquire().await?;
    let existing = loaded(&mut conn, &input.slug, from, to).await?;
    let (zone, _, layers) = plan(
        &mut conn,
        input,
        existing.as_ref().map(|l| &l.model),
        Utc::now(),
    )
    .await?;
    let current = existing
        .as_ref()
        .map(|l| compute(&l.model, &[], &l.override_ids, from, to));
    let proposed = model::Schedule {
        zone,
        layers,
        overrides: existing
            .as_ref()
            .map(|l| l.model.overrides.clone())
            .unwrap_or_default(),
    };
    let ids = existing.map(|l| l.override_ids).unwrap_or_default();
    Ok(Preview {
        proposed: compute(&proposed, &[], &ids, from, to),
        current,
        layers: proposed.layers.iter().map(convert::layer_spec).collect(),
    })
}

/// How far ahead "on call now" looks for the end of the current stretch.
const HORIZON_DAYS: i64 = 62;

/// Who is on call at `at` on each schedule of `teams` (all schedules when `None`).
pub async fn on_call(
    store: &Store,
    teams: Option<&[String]>,
    at: DateTime<Utc>,
) -> Result<Vec<OnCall>> {
    let mut conn = store.pool.acquire().await?;
    let which = teams.map_or(Which::All, Which::Teams);
    on_call_in(&mut conn, which, at).await
}

pub(crate) async fn on_call_in(
    conn: &mut AnyConnection,
    which: Which<'_>,
    at: DateTime<Utc>,
) -> Result<Vec<OnCall>> {
    // Far enough to find the end of any stretch that is not unusually long.
    let horizon = at + Duration::days(HORIZON_DAYS);
    let schedules = load(&mut *conn, which, at, horizon).await?;
    let firsts: Vec<Option<model::Segment>> = schedules
        .iter()
        .map(|l| first_stretch(&l.model, at, horizon))
        .collect();
    let handles: Vec<&str> = firsts
        .iter()
        .filter_map(|f| f.as_ref()?.person.as_deref())
        .collect();
    let names = names_of(conn, &handles).await?;
    Ok(schedules
        .iter()
        .zip(&firsts)
        .map(|(l, first)| {
            let person = first.as_ref().and_then(|s| s.person.clone());
            let until = first.as_ref().map(|s| s.end).filter(|end| *end < horizon);
            OnCall {
                schedule: l.saved.slug.clone(),
                schedule_name: l.saved.name.clone(),
                team: l.saved.team.clone(),
                person_name: person.as_ref().and_then(|p| names.get(p).cloned()),
                person,
                until: until.map(instant),
                until_local: until.map(|t| local_text(l.model.zone, t)),
                time_zone: l.saved.time_zone.clone(),
                source: source_name(first.as_ref().map(|s| s.source)).into(),
            }
        })
        .collect())
}

/// The stretch that holds `at`: the first final segment, with the following ones of the same
/// person and source joined to it (the engine may cut a stretch at a layer's handoff).
fn first_stretch(
    s: &model::Schedule,
    at: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Option<model::Segment> {
    let segments = model::final_schedule(s, at, horizon);
    let mut iter = segments.into_iter();
    let mut first = iter.next()?;
    for next in iter {
        if next.person != first.person || next.source != first.source || next.start != first.end {
            break;
        }
        first.end = next.end;
    }
    Some(first)
}

fn source_name(source: Option<Source>) -> &'static str {
    match source {
        Some(Source::Layer(_)) => "layer",
        Some(Source::Override(_)) => "override",
        _ => "gap",
    }
}

/// An instant on a zone's clock, `YYYY-MM-DD HH:MM`.
pub(crate) fn local_text(zone: Tz, t: DateTime<Utc>) -> String {
    model::to_local(zone, t)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Every schedule as a model with its overrides in `[from, to)`, each on its own: a schedule
/// whose stored layers no longer parse is an `Err` for that schedule alone (the decay checks
/// report it as unknown) instead of failing the whole read.
pub(crate) async fn models_tolerant(
    conn: &mut AnyConnection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, std::result::Result<model::Schedule, String>)>> {
    let rows = sqlx::query(SELECT).fetch_all(&mut *conn).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut ids = Vec::new();
    for r in &rows {
        let slug: String = r.try_get("slug")?;
        let parsed = row_schedule(r).and_then(|(id, saved)| Ok((id, model_of(&saved)?)));
        match parsed {
            Ok((id, m)) => {
                ids.push((id, out.len()));
                out.push((slug, Ok(m)));
            }
            Err(e) => out.push((slug, Err(e.to_string()))),
        }
    }
    let just_ids: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    if just_ids.is_empty() {
        return Ok(out);
    }
    let mut by_schedule = overrides::in_window(conn, &just_ids, from, to).await?;
    for (id, i) in ids {
        if let (Some((_, overrides)), Ok(m)) = (by_schedule.remove(&id), &mut out[i].1) {
            m.overrides = overrides;
        }
    }
    Ok(out)
}
