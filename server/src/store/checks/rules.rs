//! Rule settings: the built-in defaults, overridden by what admins saved (`rule_settings`).
//! Saving is audited and versioned; a dry run evaluates proposed settings over every service
//! without storing anything.

use crate::domain::authz::Action;
use crate::domain::checks::{self as checks, Applies, Level, RuleDef, Settings, Severity};
use crate::error::{Error, Result};
use crate::store::audit::{self, Actor};
use crate::store::{now, Store};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use steward_app::api::checks::{Rule, RuleApplies, RuleInput, TierThresholds};
use steward_app::api::FieldError;

/// A saved row: the settings with their version and who saved them.
#[derive(Debug, Clone)]
pub struct Saved {
    pub settings: Settings,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

pub async fn saved(conn: &mut AnyConnection) -> Result<HashMap<String, Saved>> {
    let mut out = HashMap::new();
    for r in sqlx::query(
        "select rule_id, enabled, severity, level, weight, applies, thresholds, enforced_from, \
         version, updated_at, updated_by from rule_settings",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let id: String = r.try_get("rule_id")?;
        let Some(def) = checks::rule(&id) else {
            continue;
        };
        let defaults = (def.defaults)();
        let applies: RuleApplies =
            serde_json::from_str(&r.try_get::<String, _>("applies")?).unwrap_or_default();
        let thresholds: Option<TierThresholds> =
            serde_json::from_str(&r.try_get::<String, _>("thresholds")?).unwrap_or(None);
        let enforced_from: Option<String> = r.try_get("enforced_from")?;
        let settings = Settings {
            enabled: r.try_get::<i64, _>("enabled")? != 0,
            severity: Severity::parse(&r.try_get::<String, _>("severity")?)
                .unwrap_or(defaults.severity),
            level: Level::parse(&r.try_get::<String, _>("level")?).unwrap_or(defaults.level),
            weight: r.try_get("weight")?,
            applies: Applies {
                tiers: applies.tiers,
                lifecycles: applies.lifecycles,
                kinds: applies.kinds,
            },
            thresholds: thresholds
                .map(|t| [t.tier1, t.tier2, t.tier3, t.tier4])
                .or(defaults.thresholds),
            enforced_from: enforced_from
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)),
        };
        out.insert(
            id,
            Saved {
                settings,
                version: r.try_get("version")?,
                updated_at: r.try_get("updated_at")?,
                updated_by: r.try_get("updated_by")?,
            },
        );
    }
    Ok(out)
}

/// The settings rule `id` runs with (a rule's settings are read by other areas too: the
/// runbook review interval is a rule's thresholds).
pub async fn settings_of(conn: &mut AnyConnection, id: &str) -> Result<Settings> {
    let def = checks::rule(id).ok_or_else(|| Error::NotFound(format!("rule '{id}'")))?;
    Ok(saved(conn)
        .await?
        .remove(id)
        .map(|s| s.settings)
        .unwrap_or_else(|| (def.defaults)()))
}

/// Every rule with the settings it runs with.
pub async fn effective(conn: &mut AnyConnection) -> Result<Vec<(&'static RuleDef, Settings)>> {
    let saved = saved(conn).await?;
    Ok(checks::registry()
        .iter()
        .map(|def| {
            let s = saved
                .get(def.id)
                .map(|s| s.settings.clone())
                .unwrap_or_else(|| (def.defaults)());
            (def, s)
        })
        .collect())
}

pub fn view(def: &RuleDef, settings: &Settings, saved: Option<&Saved>, failing: i64) -> Rule {
    Rule {
        id: def.id.into(),
        title: def.title.into(),
        description: def.description.into(),
        how_to_fix: def.how_to_fix.into(),
        category: def.category.as_str().into(),
        severity: settings.severity.as_str().into(),
        level: settings.level.as_str().into(),
        weight: settings.weight,
        enabled: settings.enabled,
        applies: RuleApplies {
            tiers: settings.applies.tiers.clone(),
            lifecycles: settings.applies.lifecycles.clone(),
            kinds: settings.applies.kinds.clone(),
        },
        thresholds: settings.thresholds.map(|t| TierThresholds {
            tier1: t[0],
            tier2: t[1],
            tier3: t[2],
            tier4: t[3],
        }),
        threshold_label: def.threshold_label.map(str::to_string),
        enforced_from: settings.enforced_from.map(crate::store::jobs::text),
        customized: saved.is_some(),
        version: saved.map_or(0, |s| s.version),
        failing,
        updated_at: saved.map(|s| s.updated_at.clone()),
        updated_by: saved.map(|s| s.updated_by.clone()),
    }
}

/// Services with an open, counted finding, per rule.
async fn failing_counts(conn: &mut AnyConnection) -> Result<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for r in sqlx::query(
        "select rule_id, count(distinct service_id) as n from findings \
         where state = 'open' and enforced = 1 and service_id is not null group by rule_id",
    )
    .fetch_all(conn)
    .await?
    {
        out.insert(r.try_get("rule_id")?, r.try_get("n")?);
    }
    Ok(out)
}

pub async fn list(store: &Store) -> Result<Vec<Rule>> {
    let mut conn = store.pool.acquire().await?;
    let saved = saved(&mut conn).await?;
    let failing = failing_counts(&mut conn).await?;
    Ok(checks::registry()
        .iter()
        .map(|def| {
            let s = saved.get(def.id);
            let settings = s
                .map(|s| s.settings.clone())
                .unwrap_or_else(|| (def.defaults)());
            view(def, &settings, s, failing.get(def.id).copied().unwrap_or(0))
        })
        .collect())
}

pub async fn get(store: &Store, id: &str) -> Result<Rule> {
    list(store)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::NotFound(format!("rule '{id}'")))
}

const LIFECYCLES: [&str; 3] = ["experimental", "production", "deprecated"];
const KINDS: [&str; 4] = ["service", "website", "library", "job"];

/// Checks proposed settings field by field; answers them as the engine reads them.
pub fn check(def: &RuleDef, input: &RuleInput) -> Result<Settings> {
    let mut errors = Vec::new();
    let mut fail = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let severity = Severity::parse(&input.severity);
    if severity.is_none() {
        fail("severity", "choose low, medium, high or critical".into());
    }
    let level = Level::parse(&input.level);
    if level.is_none() {
        fail("level", "choose bronze, silver or gold".into());
    }
    if !(1..=100).contains(&input.weight) {
        fail(
            "weight",
            "the weight is a whole number from 1 to 100".into(),
        );
    }
    for (i, t) in input.applies.tiers.iter().enumerate() {
        if !(1..=4).contains(t) {
            fail(&format!("applies.tiers.{i}"), "tiers are 1 to 4".into());
        }
    }
    for (i, l) in input.applies.lifecycles.iter().enumerate() {
        if !LIFECYCLES.contains(&l.as_str()) {
            fail(
                &format!("applies.lifecycles.{i}"),
                "lifecycles are experimental, production and deprecated".into(),
            );
        }
    }
    for (i, k) in input.applies.kinds.iter().enumerate() {
        if !KINDS.contains(&k.as_str()) {
            fail(
                &format!("applies.kinds.{i}"),
                "kinds are service, website, library and job".into(),
            );
        }
    }
    let thresholds = match (&input.thresholds, def.threshold_label) {
        (Some(_), None) => {
            fail("thresholds", "this rule has no thresholds".into());
            None
        }
        (Some(t), Some(_)) => {
            for (tier, v) in [t.tier1, t.tier2, t.tier3, t.tier4].iter().enumerate() {
                if !(0..=10_000).contains(v) {
                    fail(
                        &format!("thresholds.tier{}", tier + 1),
                        "a threshold is a whole number from 0 to 10000".into(),
                    );
                }
            }
            Some([t.tier1, t.tier2, t.tier3, t.tier4])
        }
        (None, _) => (def.defaults)().thresholds,
    };
    let enforced_from = match input.enforced_from.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match DateTime::parse_from_rfc3339(t) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                fail(
                    "enforcedFrom",
                    "an RFC 3339 instant such as 2027-01-04T00:00:00Z".into(),
                );
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(Settings {
        enabled: input.enabled,
        severity: severity.unwrap_or(Severity::Medium),
        level: level.unwrap_or(Level::Bronze),
        weight: input.weight,
        applies: Applies {
            tiers: input.applies.tiers.clone(),
            lifecycles: input.applies.lifecycles.clone(),
            kinds: input.applies.kinds.clone(),
        },
        thresholds,
        enforced_from,
    })
}

/// Saves new settings for rule `id` (admins), optimistic on `version` (0 for a rule still on
/// its defaults), audited in the same transaction.
pub async fn update(store: &Store, actor: &Actor, id: &str, input: &RuleInput) -> Result<Rule> {
    let def = checks::rule(id).ok_or_else(|| Error::NotFound(format!("rule '{id}'")))?;
    actor.authorize(&Action::Administer)?;
    let settings = check(def, input)?;
    let version = input.version.ok_or_else(|| {
        Error::invalid(
            "version",
            "a change must carry the version it read (0 for defaults)",
        )
    })?;
    let mut tx = store.begin().await?;
    let before = saved(&mut tx).await?.remove(id);
    let stored_version = before.as_ref().map_or(0, |s| s.version);
    if stored_version != version {
        return Err(Error::stale_version("this rule"));
    }
    let applies = serde_json::to_string(&input.applies).map_err(|e| Error::Internal(e.into()))?;
    let thresholds = serde_json::to_string(&settings.thresholds.map(|t| TierThresholds {
        tier1: t[0],
        tier2: t[1],
        tier3: t[2],
        tier4: t[3],
    }))
    .map_err(|e| Error::Internal(e.into()))?;
    let at = now();
    let who = actor
        .principal
        .as_ref()
        .map_or("steward".to_string(), |p| p.handle.clone());
    sqlx::query(
        "insert into rule_settings (rule_id, enabled, severity, level, weight, applies, \
         thresholds, enforced_from, version, updated_by, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
         on conflict (rule_id) do update set enabled = excluded.enabled, \
         severity = excluded.severity, level = excluded.level, weight = excluded.weight, \
         applies = excluded.applies, thresholds = excluded.thresholds, \
         enforced_from = excluded.enforced_from, version = excluded.version, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(i64::from(settings.enabled))
    .bind(settings.severity.as_str())
    .bind(settings.level.as_str())
    .bind(settings.weight)
    .bind(applies)
    .bind(thresholds)
    .bind(settings.enforced_from.map(crate::store::jobs::text))
    .bind(version + 1)
    .bind(&who)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    let after = saved(&mut tx).await?.remove(id);
    let before_view = view(
        def,
        &before
            .as_ref()
            .map(|s| s.settings.clone())
            .unwrap_or_else(|| (def.defaults)()),
        before.as_ref(),
        0,
    );
    let after_view = view(def, &settings, after.as_ref(), 0);
    audit::record(
        &mut tx,
        actor,
        "rule.update",
        "rule",
        id,
        Some(&before_view),
        Some(&after_view),
    )
    .await?;
    tx.commit().await?;
    get(store, id).await
}
