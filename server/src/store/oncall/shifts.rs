//! A person's shifts: where they are on call on any schedule over a window, by their own clock.

use super::convert::{instant, parse_instant, parse_zone};
use super::{load, local_text, source_name, Loaded, Which};
use crate::domain::oncall::{self as model, Source};
use crate::error::{Error, Result};
use crate::store::Store;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::{AnyConnection, Row};
use steward_app::api::oncall::Shift;

/// The schedules that may put `person` on call in `[from, to)`: those whose layers name them
/// (a text search over the stored JSON, checked exactly by the computation) and those with an
/// override for them in the window.
pub(crate) async fn schedules_of(
    conn: &mut AnyConnection,
    person: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Loaded>> {
    let quoted = format!("%\"{}\"%", person.replace(['%', '_'], ""));
    let ids: Vec<i64> = sqlx::query(
        "select s.id from schedules s where s.layers like $1 \
         union select o.schedule_id from schedule_overrides o join people p \
         on p.id = o.person_id where p.handle = $2 and o.end_at > $3 and o.start_at < $4",
    )
    .bind(quoted)
    .bind(person)
    .bind(instant(from))
    .bind(instant(to))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get::<i64, _>(0))
    .collect::<std::result::Result<_, _>>()?;
    load(conn, Which::Ids(&ids), from, to).await
}

/// `person`'s stretches on schedule `l` in `[from, to)`, contiguous pieces of one source joined.
pub(crate) fn person_segments(
    l: &Loaded,
    person: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<model::Segment> {
    let mut out: Vec<model::Segment> = Vec::new();
    for seg in model::final_schedule(&l.model, from, to) {
        if seg.person.as_deref() != Some(person) {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.end == seg.start && same_source(last.source, seg.source) => {
                last.end = seg.end;
            }
            _ => out.push(seg),
        }
    }
    out
}

pub(super) fn same_source(a: Source, b: Source) -> bool {
    matches!((a, b), (Source::Layer(_), Source::Layer(_))) || a == b
}

/// The zone a person keeps, or 404.
pub(crate) async fn person_zone(conn: &mut AnyConnection, handle: &str) -> Result<Tz> {
    let zone: String = sqlx::query_scalar("select time_zone from people where handle = $1")
        .bind(handle)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("person '{handle}'")))?;
    parse_zone("timeZone", &zone)
}

/// `handle`'s shifts that touch `[from, to)` on every schedule, earliest first.
pub async fn shifts(
    store: &Store,
    handle: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Shift>> {
    let mut conn = store.pool.acquire().await?;
    let zone = person_zone(&mut conn, handle).await?;
    let schedules = schedules_of(&mut conn, handle, from, to).await?;
    let mut out = Vec::new();
    for l in &schedules {
        for seg in person_segments(l, handle, from, to) {
            out.push(Shift {
                schedule: l.saved.slug.clone(),
                schedule_name: l.saved.name.clone(),
                team: l.saved.team.clone(),
                start: instant(seg.start),
                end: instant(seg.end),
                start_local: local_text(zone, seg.start),
                end_local: local_text(zone, seg.end),
                time_zone: zone.name().into(),
                source: source_name(Some(seg.source)).into(),
                override_id: match seg.source {
                    Source::Override(i) => l.override_ids.get(i).copied(),
                    _ => None,
                },
                swap_id: None,
                swap_with: None,
            });
        }
    }
    // Swaps: the taker's override names the swap; the offerer sees the stretch they gave.
    for swap in super::swaps::taken_involving(&mut conn, handle, from, to).await? {
        if swap.taken_by.as_deref() == Some(handle) {
            for shift in out
                .iter_mut()
                .filter(|s| s.override_id.is_some() && s.override_id == swap.override_id)
            {
                shift.swap_id = Some(swap.id);
                shift.swap_with = Some(swap.offered_by.clone());
            }
        }
        if swap.offered_by == handle {
            let start = parse_instant("start", &swap.start)?.max(from);
            let end = parse_instant("end", &swap.end)?.min(to);
            out.push(Shift {
                schedule: swap.schedule.clone(),
                schedule_name: swap.schedule_name.clone(),
                team: swap.team.clone(),
                start: instant(start),
                end: instant(end),
                start_local: local_text(zone, start),
                end_local: local_text(zone, end),
                time_zone: zone.name().into(),
                source: "given".into(),
                override_id: swap.override_id,
                swap_id: Some(swap.id),
                swap_with: swap.taken_by.clone(),
            });
        }
    }
    out.sort_by(|a, b| (&a.start, &a.schedule).cmp(&(&b.start, &b.schedule)));
    Ok(out)
}
