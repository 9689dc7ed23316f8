//! What a calendar feed shows: the final schedule (overrides applied) as stretches — contiguous
//! pieces of one person and one source joined — over a window from 14 days back to 180 days
//! ahead. A calendar app keys events by UID, so a stretch must keep its true start however
//! the window moves: stretches are computed over a wider span and kept whole when they
//! overlap the window, never clipped at its edges.

use super::shifts::{person_segments, person_zone, schedules_of};
use super::{load, names_of, Loaded, Which};
use crate::domain::oncall::{self as model, Source};
use crate::error::Result;
use crate::store::Store;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Days of the past a feed shows.
pub const FEED_PAST_DAYS: i64 = 14;
/// Days of the future a feed shows.
pub const FEED_AHEAD_DAYS: i64 = 180;
/// How far beyond the window a stretch that crosses its edge is followed to its true start
/// or end. Longer stretches are cut there (and their UID may move, once a day at most).
pub const FEED_BEYOND_DAYS: i64 = 62;

/// The window a feed shows at `now`: from the UTC midnight [`FEED_PAST_DAYS`] back to the one
/// [`FEED_AHEAD_DAYS`] ahead. Whole days, so that within a day the feed changes only when
/// the schedule does.
pub fn feed_window(now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = now.date_naive().and_time(NaiveTime::MIN).and_utc();
    (
        midnight - Duration::days(FEED_PAST_DAYS),
        midnight + Duration::days(FEED_AHEAD_DAYS),
    )
}

/// The span computed for a window: the window and [`FEED_BEYOND_DAYS`] on both sides.
fn span(from: DateTime<Utc>, to: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let beyond = Duration::days(FEED_BEYOND_DAYS);
    (from - beyond, to + beyond)
}

/// One event of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stretch {
    pub schedule: String,
    pub schedule_name: String,
    pub schedule_zone: Tz,
    /// `None`: a gap, nobody on call.
    pub person: Option<String>,
    pub person_name: Option<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `layer`, `override` or `gap`.
    pub source: &'static str,
    /// The layer's name, for `layer`.
    pub layer: Option<String>,
    /// The override's id, for `override`.
    pub override_id: Option<i64>,
}

/// A feed's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedCalendar {
    /// The schedule's name, or `On call: <person's name>`.
    pub name: String,
    /// For a person's feed: their handle and zone.
    pub person: Option<(String, Tz)>,
    /// Earliest first.
    pub stretches: Vec<Stretch>,
}

/// Joins contiguous final segments of the same person and source (the engine may cut a
/// stretch where a layer hands over to itself or another layer gives the same person).
fn joined(segments: Vec<model::Segment>) -> Vec<model::Segment> {
    let mut out: Vec<model::Segment> = Vec::new();
    for seg in segments {
        match out.last_mut() {
            Some(last)
                if last.end == seg.start
                    && last.person == seg.person
                    && super::shifts::same_source(last.source, seg.source) =>
            {
                last.end = seg.end;
            }
            _ => out.push(seg),
        }
    }
    out
}

fn stretch(l: &Loaded, seg: &model::Segment, names: &HashMap<String, String>) -> Stretch {
    let (source, layer, override_id) = match seg.source {
        Source::Layer(i) => ("layer", l.saved.layers.get(i).map(|x| x.name.clone()), None),
        Source::Override(i) => ("override", None, l.override_ids.get(i).copied()),
        Source::Gap => ("gap", None, None),
    };
    Stretch {
        schedule: l.saved.slug.clone(),
        schedule_name: l.saved.name.clone(),
        schedule_zone: l.model.zone,
        person_name: seg.person.as_ref().and_then(|p| names.get(p).cloned()),
        person: seg.person.clone(),
        start: seg.start,
        end: seg.end,
        source,
        layer,
        override_id,
    }
}

/// A schedule's feed over `[from, to)`: every stretch that overlaps it, gaps included.
pub async fn schedule_calendar(
    store: &Store,
    slug: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<FeedCalendar>> {
    let mut conn = store.pool.acquire().await?;
    let (wide_from, wide_to) = span(from, to);
    let Some(l) = load(&mut conn, Which::Slug(slug), wide_from, wide_to)
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let segments: Vec<model::Segment> = joined(model::final_schedule(&l.model, wide_from, wide_to))
        .into_iter()
        .filter(|s| s.end > from && s.start < to)
        .collect();
    let handles: Vec<&str> = segments
        .iter()
        .filter_map(|s| s.person.as_deref())
        .collect();
    let names = names_of(&mut conn, &handles).await?;
    Ok(Some(FeedCalendar {
        name: l.saved.name.clone(),
        person: None,
        stretches: segments.iter().map(|s| stretch(&l, s, &names)).collect(),
    }))
}

/// A person's feed over `[from, to)`: their stretches on every schedule, earliest first.
pub async fn person_calendar(
    store: &Store,
    handle: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<FeedCalendar>> {
    let mut conn = store.pool.acquire().await?;
    let Some(name) = person_name(&mut conn, handle).await? else {
        return Ok(None);
    };
    let zone = person_zone(&mut conn, handle).await?;
    let (wide_from, wide_to) = span(from, to);
    let schedules = schedules_of(&mut conn, handle, wide_from, wide_to).await?;
    let names = HashMap::from([(handle.to_string(), name.clone())]);
    let mut stretches: Vec<Stretch> = schedules
        .iter()
        .flat_map(|l| {
            person_segments(l, handle, wide_from, wide_to)
                .into_iter()
                .filter(|s| s.end > from && s.start < to)
                .map(|s| stretch(l, &s, &names))
                .collect::<Vec<_>>()
        })
        .collect();
    stretches.sort_by(|a, b| (a.start, &a.schedule).cmp(&(b.start, &b.schedule)));
    Ok(Some(FeedCalendar {
        name: format!("On call: {name}"),
        person: Some((handle.to_string(), zone)),
        stretches,
    }))
}

async fn person_name(conn: &mut AnyConnection, handle: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("select name from people where handle = $1")
            .bind(handle)
            .fetch_optional(conn)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("instant")
            .with_timezone(&Utc)
    }

    #[test]
    fn the_window_is_whole_utc_days() {
        let (from, to) = feed_window(at("2026-12-01T21:42:14Z"));
        assert_eq!(from, at("2026-11-17T00:00:00Z"));
        assert_eq!(to, at("2027-05-30T00:00:00Z"));
        assert_eq!(feed_window(at("2026-12-01T00:00:00Z")), (from, to));
        assert!((to - from).num_days() + 2 * FEED_BEYOND_DAYS <= super::super::MAX_WINDOW_DAYS);
    }

    #[test]
    fn contiguous_pieces_of_one_person_and_source_are_joined() {
        let seg = |p: Option<&str>, s: &str, e: &str, source| model::Segment {
            start: at(s),
            end: at(e),
            person: p.map(String::from),
            source,
        };
        let out = joined(vec![
            seg(
                Some("ada"),
                "2026-01-01T00:00:00Z",
                "2026-01-02T00:00:00Z",
                Source::Layer(0),
            ),
            seg(
                Some("ada"),
                "2026-01-02T00:00:00Z",
                "2026-01-03T00:00:00Z",
                Source::Layer(1),
            ),
            seg(
                Some("ada"),
                "2026-01-03T00:00:00Z",
                "2026-01-04T00:00:00Z",
                Source::Override(0),
            ),
            seg(
                Some("ada"),
                "2026-01-04T00:00:00Z",
                "2026-01-05T00:00:00Z",
                Source::Override(1),
            ),
            seg(
                None,
                "2026-01-05T00:00:00Z",
                "2026-01-06T00:00:00Z",
                Source::Gap,
            ),
            seg(
                Some("bob"),
                "2026-01-06T00:00:00Z",
                "2026-01-07T00:00:00Z",
                Source::Layer(0),
            ),
        ]);
        let spans: Vec<(String, Option<String>)> = out
            .iter()
            .map(|s| (s.start.format("%d").to_string(), s.person.clone()))
            .collect();
        assert_eq!(out.len(), 5, "{spans:?}");
        assert_eq!(out[0].end, at("2026-01-03T00:00:00Z"), "layers joined");
        assert_eq!(out[1].source, Source::Override(0), "overrides stay apart");
    }
}
