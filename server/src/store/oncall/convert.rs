//! Between the API's schedule specs (strings, as people and scripts write them) and the pure
//! on-call model. Every parse error names its field (`layers.1.turn.length`), so the form can
//! point at it; nothing reaches the model unchecked.

use crate::domain::oncall::{self as model, Layer, Restriction, Rotation, Turn};
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDateTime, NaiveTime, SecondsFormat, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use steward_app::api::oncall::{LayerSpec, RestrictionSpec, RotationSpec, TurnSpec};
use steward_app::api::FieldError;

/// An instant as the on-call API writes it: RFC 3339 UTC to the second, so that stored text
/// sorts in time order.
pub fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an RFC 3339 instant, or a `YYYY-MM-DD` day (its midnight UTC), to the second.
pub fn parse_instant(field: &str, text: &str) -> Result<DateTime<Utc>> {
    let parsed = DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        })
        .map_err(|_| {
            Error::invalid(
                field,
                format!("'{text}' is not an RFC 3339 instant (2026-03-08T09:00:00Z)"),
            )
        })?;
    parsed
        .with_nanosecond(0)
        .ok_or_else(|| Error::invalid(field, "out of range"))
}

/// Parses `[start, end)` of an override or a swap (`what`: "an override"): it must end after it
/// starts and span at most [`super::MAX_WINDOW_DAYS`].
pub fn interval(what: &str, start: &str, end: &str) -> Result<(DateTime<Utc>, DateTime<Utc>)> {
    let start = parse_instant("start", start)?;
    let end = parse_instant("end", end)?;
    if end <= start {
        return Err(Error::invalid(
            "end",
            format!("{what} must end after it starts"),
        ));
    }
    if end - start > chrono::Duration::days(super::MAX_WINDOW_DAYS) {
        return Err(Error::invalid(
            "end",
            format!("{what} spans at most {} days", super::MAX_WINDOW_DAYS),
        ));
    }
    Ok((start, end))
}

/// A note as stored: trimmed, absent when blank, at most 500 characters.
pub fn note(text: Option<&str>) -> Result<Option<&str>> {
    let note = text.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::invalid("note", "at most 500 characters"));
    }
    Ok(note)
}

pub fn parse_zone(field: &str, text: &str) -> Result<Tz> {
    text.parse::<Tz>().map_err(|_| {
        Error::invalid(
            field,
            format!("'{text}' is not an IANA time zone (Europe/Berlin)"),
        )
    })
}

fn local_time(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text.trim(), f).ok())
}

fn time_of_day(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

fn weekday(text: &str) -> Option<Weekday> {
    let t = text.trim().to_lowercase();
    WEEKDAYS
        .iter()
        .find(|(name, _)| t.starts_with(name))
        .map(|(_, d)| *d)
}

fn weekday_name(d: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, w)| *w == d)
        .map(|(n, _)| *n)
        .unwrap_or("mon")
}

/// A layer as written, parsed; its rotations are left to the caller (new, or kept).
pub struct LayerDraft {
    pub name: String,
    pub start: NaiveDateTime,
    pub end: Option<DateTime<Utc>>,
    pub turn: Turn,
    pub participants: Vec<String>,
    pub restrictions: Vec<Restriction>,
}

/// Parses layer `i` of a request, collecting every problem in `errors`.
pub fn draft(i: usize, spec: &LayerSpec, errors: &mut Vec<FieldError>) -> Option<LayerDraft> {
    let mut fail = |field: String, message: String| errors.push(FieldError { field, message });
    let at = |f: &str| format!("layers.{i}.{f}");
    let name = spec.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        fail(
            at("name"),
            "give the layer a name of 1–100 characters".into(),
        );
    }
    let start = local_time(&spec.start);
    if start.is_none() {
        fail(
            at("start"),
            format!(
                "'{}' is not a local date and time (2026-03-02T09:00)",
                spec.start
            ),
        );
    }
    let end = match spec.end.as_deref().filter(|e| !e.trim().is_empty()) {
        None => None,
        Some(e) => match parse_instant("end", e) {
            Ok(t) => Some(t),
            Err(_) => {
                fail(at("end"), format!("'{e}' is not an RFC 3339 instant"));
                None
            }
        },
    };
    let turn = match spec.turn.unit.as_str() {
        "hours" => Some(Turn::Hours(spec.turn.length)),
        "days" => Some(Turn::Days(spec.turn.length)),
        "weeks" => Some(Turn::Weeks(spec.turn.length)),
        other => {
            fail(
                at("turn.unit"),
                format!("'{other}' is not a turn unit; use hours, days or weeks"),
            );
            None
        }
    };
    if let Some(Err(e)) = turn.map(Turn::validate) {
        fail(at("turn.length"), e);
    }
    let participants: Vec<String> = spec
        .participants
        .iter()
        .map(|p| p.trim().to_string())
        .collect();
    if participants.is_empty() {
        fail(
            at("participants"),
            "a layer needs at least one person".into(),
        );
    }
    if participants.len() > 200 {
        fail(at("participants"), "at most 200 people per layer".into());
    }
    let mut restrictions = Vec::new();
    for (j, r) in spec.restrictions.iter().enumerate() {
        let field = |f: &str| at(&format!("restrictions.{j}.{f}"));
        let days: Vec<Option<Weekday>> = r.weekdays.iter().map(|d| weekday(d)).collect();
        if days.is_empty() || days.iter().any(Option::is_none) {
            fail(field("weekdays"), "list weekdays as mon, tue, … sun".into());
        }
        let (from, to) = (time_of_day(&r.from), time_of_day(&r.to));
        if from.is_none() {
            fail(field("from"), format!("'{}' is not a time (09:00)", r.from));
        }
        if to.is_none() {
            fail(field("to"), format!("'{}' is not a time (17:00)", r.to));
        }
        if let (Some(from), Some(to)) = (from, to) {
            restrictions.push(Restriction {
                weekdays: days.into_iter().flatten().collect(),
                from,
                to,
            });
        }
    }
    if spec.restrictions.len() > 50 {
        fail(
            at("restrictions"),
            "at most 50 restrictions per layer".into(),
        );
    }
    Some(LayerDraft {
        name,
        start: start?,
        end,
        turn: turn?,
        participants,
        restrictions,
    })
}

impl LayerDraft {
    /// A new layer: one rotation from its first handoff.
    pub fn into_layer(self, zone: Tz) -> Layer {
        let mut layer = Layer::new(zone, self.name, self.start, self.turn, self.participants);
        layer.end = self.end;
        layer.restrictions = self.restrictions;
        layer
    }

    /// The saved layer `old` changed as this draft says: when its start and turn are the same,
    /// its rotation history is kept and a change of participants applies from the next
    /// handoff after `now`; otherwise the rotation rule itself changed and it starts anew.
    pub fn apply_to(self, zone: Tz, old: &Layer, now: DateTime<Utc>) -> Layer {
        if old.start != self.start || old.turn != self.turn {
            return self.into_layer(zone);
        }
        let mut layer = old.clone();
        layer.name = self.name;
        layer.end = self.end;
        layer.restrictions = self.restrictions;
        let current = layer.rotations.last().map(|r| &r.participants);
        if current != Some(&self.participants) {
            layer = model::change_participants(zone, &layer, self.participants, now);
        }
        layer
    }
}

/// A stored layer spec back to the model (stored specs were checked when written).
pub fn stored_layer(zone: Tz, i: usize, spec: &LayerSpec) -> Result<Layer> {
    let mut errors = Vec::new();
    let draft = draft(i, spec, &mut errors)
        .filter(|_| errors.is_empty())
        .ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "stored layer {i} does not parse: {errors:?}"
            ))
        })?;
    let mut layer = draft.into_layer(zone);
    if !spec.rotations.is_empty() {
        layer.rotations = spec
            .rotations
            .iter()
            .map(|r| {
                Ok(Rotation {
                    from: parse_instant("rotations.from", &r.from)?,
                    participants: r.participants.clone(),
                    shift: r.shift,
                })
            })
            .collect::<Result<_>>()?;
    }
    Ok(layer)
}

/// The model's layer as the API shows and stores it.
pub fn layer_spec(layer: &Layer) -> LayerSpec {
    let (unit, length) = match layer.turn {
        Turn::Hours(n) => ("hours", n),
        Turn::Days(n) => ("days", n),
        Turn::Weeks(n) => ("weeks", n),
    };
    LayerSpec {
        name: layer.name.clone(),
        start: layer.start.format("%Y-%m-%dT%H:%M").to_string(),
        end: layer.end.map(instant),
        turn: TurnSpec {
            unit: unit.into(),
            length,
        },
        participants: layer
            .rotations
            .last()
            .map(|r| r.participants.clone())
            .unwrap_or_default(),
        restrictions: layer
            .restrictions
            .iter()
            .map(|r| RestrictionSpec {
                weekdays: r.weekdays.iter().map(|d| weekday_name(*d).into()).collect(),
                from: r.from.format("%H:%M").to_string(),
                to: r.to.format("%H:%M").to_string(),
            })
            .collect(),
        rotations: layer
            .rotations
            .iter()
            .map(|r| RotationSpec {
                from: instant(r.from),
                participants: r.participants.clone(),
                shift: r.shift,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LayerSpec {
        LayerSpec {
            name: "Primary".into(),
            start: "2026-03-02T09:00".into(),
            end: None,
            turn: TurnSpec {
                unit: "weeks".into(),
                length: 1,
            },
            participants: vec!["ada".into(), "grace".into()],
            restrictions: vec![RestrictionSpec {
                weekdays: vec!["mon".into(), "fri".into()],
                from: "09:00".into(),
                to: "17:00".into(),
            }],
            rotations: vec![],
        }
    }

    #[test]
    fn specs_round_trip_through_the_model() {
        let zone: Tz = "Europe/Berlin".parse().expect("zone");
        let mut errors = Vec::new();
        let layer = draft(0, &spec(), &mut errors)
            .expect("draft")
            .into_layer(zone);
        assert!(errors.is_empty());
        let back = layer_spec(&layer);
        assert_eq!(back.start, "2026-03-02T09:00");
        assert_eq!(back.restrictions, spec().restrictions);
        assert_eq!(back.rotations[0].from, "2026-03-02T08:00:00Z");
        assert_eq!(stored_layer(zone, 0, &back).expect("stored"), layer);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut bad = spec();
        bad.start = "next monday".into();
        bad.turn.unit = "fortnights".into();
        bad.participants.clear();
        bad.restrictions[0].weekdays = vec!["someday".into()];
        bad.restrictions[0].to = "25:00".into();
        let mut errors = Vec::new();
        assert!(draft(2, &bad, &mut errors).is_none());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "layers.2.start",
                "layers.2.turn.unit",
                "layers.2.participants",
                "layers.2.restrictions.0.weekdays",
                "layers.2.restrictions.0.to"
            ]
        );
    }
}
