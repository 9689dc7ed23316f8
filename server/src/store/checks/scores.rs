//! Scorecards as read: a service's computed live from its findings, exemptions and the rule
//! settings (so it is exact between passes); a team's and the organisation's added up from
//! the scores the last pass stored; daily history with a retention limit.

use super::findings::{self, exemption_rows};
use super::rules::effective;
use super::snapshot;
use crate::domain::checks::assess::{assess, Waiver};
use crate::domain::checks::scorecard::level_name;
use crate::domain::checks::{self as checks, WHOLE};
use crate::error::{Error, Result};
use crate::store::{Sql, Store};
use chrono::{DateTime, Duration, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;
use steward_app::api::checks::{
    FailsSoon, FindingQuery, FixFirst, HistoryPoint, LevelCounts, OrgScorecard, RuleColumn,
    RuleStatus, ServiceScoreRow, ServiceScorecard, TeamScoreRow, TeamScorecard,
};

/// Services at each level and their percentages, added up.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub services: i64,
    pub levels: LevelCounts,
    sum_bp: i64,
}

impl Tally {
    pub fn add(&mut self, level: &str, bp: i64) {
        self.add_many(level, 1, bp);
    }
    /// `count` services at `level` whose percentages add up to `sum_bp`.
    pub fn add_many(&mut self, level: &str, count: i64, sum_bp: i64) {
        self.services += count;
        self.sum_bp += sum_bp;
        match level {
            "gold" => self.levels.gold += count,
            "silver" => self.levels.silver += count,
            "bronze" => self.levels.bronze += count,
            _ => self.levels.none += count,
        }
    }
    pub fn average_bp(&self) -> i64 {
        if self.services == 0 {
            10_000
        } else {
            self.sum_bp / self.services
        }
    }
    /// The lowest level any service of the group is at.
    pub fn lowest(&self) -> &'static str {
        let l = &self.levels;
        if l.none > 0 {
            "none"
        } else if l.bronze > 0 {
            "bronze"
        } else if l.silver > 0 {
            "silver"
        } else if l.gold > 0 {
            "gold"
        } else {
            "none"
        }
    }
    pub fn levels_json(&self) -> String {
        serde_json::to_string(&self.levels).unwrap_or_else(|_| "{}".into())
    }
    pub fn percent(&self) -> f64 {
        percent(self.average_bp())
    }
}

/// Basis points as a percentage with one decimal.
pub fn percent(bp: i64) -> f64 {
    (bp as f64 / 10.0).round() / 10.0
}

pub const DEFAULT_DAYS: i64 = 90;
pub const MAX_DAYS: i64 = 400;

fn days(requested: Option<i64>) -> Result<i64> {
    match requested {
        None => Ok(DEFAULT_DAYS),
        Some(d) if (1..=MAX_DAYS).contains(&d) => Ok(d),
        Some(_) => Err(Error::invalid("days", format!("days is 1 to {MAX_DAYS}"))),
    }
}

/// Daily points of one scope over the last `days` days, oldest first. A service's history
/// has rows only on days its score changed; the days between carry the previous value.
pub async fn history(
    conn: &mut AnyConnection,
    kind: &str,
    scope: &str,
    days: i64,
) -> Result<Vec<HistoryPoint>> {
    let since = (Utc::now() - Duration::days(days))
        .format("%Y-%m-%d")
        .to_string();
    let rows = sqlx::query(
        "select day, level, percent_bp, levels from scorecard_history \
         where scope_kind = $1 and scope = $2 and day >= $3 order by day",
    )
    .bind(kind)
    .bind(scope)
    .bind(since)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryPoint {
                day: r.try_get("day")?,
                level: r.try_get("level")?,
                percent: percent(r.try_get("percent_bp")?),
                levels: serde_json::from_str(&r.try_get::<String, _>("levels")?)
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// A service's scorecard, computed now.
pub async fn service(store: &Store, slug: &str, days_q: Option<i64>) -> Result<ServiceScorecard> {
    let days = days(days_q)?;
    let now = Utc::now();
    let mut conn = store.pool.acquire().await?;
    crate::store::services::id_by_slug(&mut conn, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    let rules = effective(&mut conn).await?;
    let snap = snapshot::cached(store, &mut conn, now).await?;
    let s = snap
        .service(slug)
        .ok_or_else(|| Error::NotFound(format!("service '{slug}'")))?;
    let exemptions = exemption_rows(&mut conn, Some(slug), None, None, false).await?;
    let waivers: Vec<Waiver> = exemptions
        .iter()
        .filter(|e| e.active)
        .filter_map(|e| {
            DateTime::parse_from_rfc3339(&e.expires_at)
                .ok()
                .map(|t| Waiver {
                    rule: e.rule.clone(),
                    expires_at: t.with_timezone(&Utc),
                })
        })
        .collect();
    let a = assess(&rules, &snap, s, &waivers);
    let open = findings::rows(
        &mut conn,
        &FindingQuery {
            service: Some(slug.into()),
            state: Some("open".into()),
            limit: Some(500),
            ..FindingQuery::default()
        },
    )
    .await?
    .items;
    let rule_lines = rules
        .iter()
        .zip(&a.statuses)
        .map(|((def, settings), (_, status))| RuleStatus {
            rule: def.id.into(),
            title: def.title.into(),
            category: def.category.as_str().into(),
            level: settings.level.as_str().into(),
            weight: settings.weight,
            severity: settings.severity.as_str().into(),
            status: status.as_str().into(),
            how_to_fix: def.how_to_fix.into(),
            findings: open.iter().filter(|f| f.rule == def.id).cloned().collect(),
            exemption: exemptions
                .iter()
                .find(|e| e.active && e.rule == def.id)
                .cloned(),
        })
        .collect();
    // When this service's facts were last looked at: the last pass, or its own check.
    let own: Option<String> =
        sqlx::query_scalar("select evaluated_at from check_state where service_id = $1")
            .bind(s.id)
            .fetch_optional(&mut *conn)
            .await?;
    let evaluated_at = match own {
        None => None,
        Some(own) => super::pass::last_pass(&mut conn).await?.max(Some(own)),
    };
    let fails_soon = a
        .soon
        .iter()
        .map(|x| FailsSoon {
            service: slug.into(),
            rule: x.rule.into(),
            rule_title: checks::rule(x.rule).map_or(x.rule, |d| d.title).into(),
            subject: x.subject.clone(),
            at: crate::store::jobs::text(x.at),
            reason: x.reason.clone(),
        })
        .collect();
    Ok(ServiceScorecard {
        service: s.slug.clone(),
        name: s.name.clone(),
        tier: s.tier,
        level: level_name(a.score.level).into(),
        percent: percent(a.score.percent_bp),
        passing: a.score.passing,
        applicable: a.score.applicable,
        rules: rule_lines,
        next_level: a.score.next_level.map(|l| l.as_str().to_string()),
        to_next_level: a.score.to_next.clone(),
        fails_soon,
        history: history(&mut conn, "service", slug, days).await?,
        evaluated_at,
    })
}

/// A stored service score, as the last pass left it.
struct Stored {
    slug: String,
    name: String,
    tier: i64,
    level: String,
    bp: i64,
    statuses: BTreeMap<String, String>,
    soon: Vec<serde_json::Value>,
}

async fn stored(conn: &mut AnyConnection, team: Option<&str>) -> Result<Vec<Stored>> {
    let mut sql = Sql::new(
        "select s.slug, s.name, s.tier, ss.level, ss.percent, ss.statuses, ss.fails_soon \
         from service_scores ss join services s on s.id = ss.service_id",
    );
    if let Some(t) = team {
        sql.push(
            " where ss.service_id in (select o.service_id from service_owners o \
             join teams t on t.id = o.team_id where t.slug = ",
        )
        .bind(crate::store::Arg::Text(t.into()))
        .push(")");
    }
    sql.push(" order by s.slug");
    let mut out = Vec::new();
    for r in sql.query().fetch_all(conn).await? {
        out.push(Stored {
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            tier: r.try_get("tier")?,
            level: r.try_get("level")?,
            bp: r.try_get("percent")?,
            statuses: serde_json::from_str(&r.try_get::<String, _>("statuses")?)
                .unwrap_or_default(),
            soon: serde_json::from_str(&r.try_get::<String, _>("fails_soon")?).unwrap_or_default(),
        });
    }
    Ok(out)
}

fn soon_items(s: &Stored) -> impl Iterator<Item = FailsSoon> + '_ {
    s.soon.iter().map(|x| {
        let rule = x["rule"].as_str().unwrap_or_default().to_string();
        FailsSoon {
            service: s.slug.clone(),
            rule_title: checks::rule(&rule).map_or(rule.clone(), |d| d.title.to_string()),
            rule,
            subject: x["subject"].as_str().unwrap_or(WHOLE).into(),
            at: x["at"].as_str().unwrap_or_default().into(),
            reason: x["reason"].as_str().unwrap_or_default().into(),
        }
    })
}

pub async fn team(store: &Store, slug: &str, days_q: Option<i64>) -> Result<TeamScorecard> {
    let days = days(days_q)?;
    let team = crate::store::teams::get(store, slug).await?;
    let mut conn = store.pool.acquire().await?;
    let rules = effective(&mut conn).await?;
    let rows = stored(&mut conn, Some(slug)).await?;
    let mut tally = Tally::default();
    for r in &rows {
        tally.add(&r.level, r.bp);
    }
    let columns: Vec<RuleColumn> = rules
        .iter()
        .filter(|(_, s)| s.enabled)
        .map(|(d, s)| RuleColumn {
            rule: d.id.into(),
            title: d.title.into(),
            level: s.level.as_str().into(),
            weight: s.weight,
        })
        .collect();
    // What to fix first: the rules whose fixing gains the team most, lower levels first.
    let mut fix_first = Vec::new();
    for (def, settings) in rules.iter().filter(|(_, s)| s.enabled) {
        let failing: Vec<&Stored> = rows
            .iter()
            .filter(|r| {
                matches!(
                    r.statuses.get(def.id).map(String::as_str),
                    Some("fail" | "unknown" | "error")
                )
            })
            .collect();
        if failing.is_empty() {
            continue;
        }
        // Each failing service gains this rule's weight over its applicable weight.
        let mut gain = 0.0;
        for r in &failing {
            let applicable: i64 = rules
                .iter()
                .filter(|(d, _)| {
                    r.statuses
                        .get(d.id)
                        .is_some_and(|s| s != "not-applicable" && s != "disabled")
                })
                .map(|(_, s)| s.weight)
                .sum();
            if applicable > 0 {
                gain += settings.weight as f64 * 100.0 / applicable as f64;
            }
        }
        fix_first.push((
            settings.level,
            FixFirst {
                rule: def.id.into(),
                title: def.title.into(),
                level: settings.level.as_str().into(),
                services: failing.iter().map(|r| r.slug.clone()).collect(),
                gain: (gain / rows.len().max(1) as f64 * 10.0).round() / 10.0,
                how_to_fix: def.how_to_fix.into(),
            },
        ));
    }
    fix_first.sort_by(|a, b| {
        a.0.cmp(&b.0).then(
            b.1.gain
                .partial_cmp(&a.1.gain)
                .unwrap_or(std::cmp::Ordering::Equal),
        )
    });
    let mut fails_soon: Vec<FailsSoon> = rows.iter().flat_map(soon_items).collect();
    fails_soon.sort_by(|a, b| a.at.cmp(&b.at));
    let services = rows
        .iter()
        .map(|r| ServiceScoreRow {
            service: r.slug.clone(),
            name: r.name.clone(),
            tier: r.tier,
            level: r.level.clone(),
            percent: percent(r.bp),
            cells: columns
                .iter()
                .map(|c| {
                    r.statuses
                        .get(&c.rule)
                        .cloned()
                        .unwrap_or_else(|| "unknown".into())
                })
                .collect(),
        })
        .collect();
    Ok(TeamScorecard {
        team: team.slug,
        name: team.name,
        percent: tally.percent(),
        levels: tally.levels.clone(),
        rules: columns,
        services,
        fix_first: fix_first.into_iter().map(|(_, f)| f).collect(),
        fails_soon,
        history: history(&mut conn, "team", slug, days).await?,
    })
}

pub async fn org(
    store: &Store,
    days_q: Option<i64>,
    stale_jobs: Vec<String>,
) -> Result<OrgScorecard> {
    let days = days(days_q)?;
    let mut conn = store.pool.acquire().await?;
    let mut tally = Tally::default();
    let mut teams: BTreeMap<String, (String, Tally)> = BTreeMap::new();
    let mut fails_soon = 0;
    for r in sqlx::query("select ss.level, ss.percent, ss.fails_soon from service_scores ss")
        .fetch_all(&mut *conn)
        .await?
    {
        let level: String = r.try_get("level")?;
        let bp: i64 = r.try_get("percent")?;
        tally.add(&level, bp);
        let soon: Vec<serde_json::Value> =
            serde_json::from_str(&r.try_get::<String, _>("fails_soon")?).unwrap_or_default();
        fails_soon += soon.len() as i64;
    }
    for r in sqlx::query(
        "select t.slug, t.name, ss.level, ss.percent from service_scores ss \
         join service_owners o on o.service_id = ss.service_id join teams t on t.id = o.team_id",
    )
    .fetch_all(&mut *conn)
    .await?
    {
        let slug: String = r.try_get("slug")?;
        let entry = teams
            .entry(slug)
            .or_insert_with(|| (String::new(), Tally::default()));
        entry.0 = r.try_get("name")?;
        entry
            .1
            .add(&r.try_get::<String, _>("level")?, r.try_get("percent")?);
    }
    let mut ranked: Vec<TeamScoreRow> = teams
        .into_iter()
        .map(|(team, (name, t))| TeamScoreRow {
            team,
            name,
            percent: t.percent(),
            services: t.services,
            levels: t.levels,
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.percent
            .partial_cmp(&b.percent)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.team.cmp(&b.team))
    });
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let open_findings = count("select count(*) from findings where state = 'open'")
        .fetch_one(&mut *conn)
        .await?;
    let unknown_findings =
        count("select count(*) from findings where state = 'open' and result = 'unknown'")
            .fetch_one(&mut *conn)
            .await?;
    Ok(OrgScorecard {
        percent: tally.percent(),
        services: tally.services,
        levels: tally.levels.clone(),
        teams: ranked,
        history: history(&mut conn, "org", WHOLE, days).await?,
        open_findings,
        unknown_findings,
        fails_soon,
        stale_jobs,
    })
}

/// Deletes history, finding events and resolved findings' old rows before `before`.
pub async fn prune(store: &Store, before: &str) -> Result<BTreeMap<String, i64>> {
    let day = before.get(..10).unwrap_or(before);
    let history = sqlx::query("delete from scorecard_history where day < $1")
        .bind(day)
        .execute(&store.pool)
        .await?
        .rows_affected();
    let events = sqlx::query("delete from finding_events where at < $1")
        .bind(before)
        .execute(&store.pool)
        .await?
        .rows_affected();
    let outbox = sqlx::query("delete from outbox where state <> 'pending' and created_at < $1")
        .bind(before)
        .execute(&store.pool)
        .await?
        .rows_affected();
    Ok(BTreeMap::from([
        ("history".into(), history as i64),
        ("findingEvents".into(), events as i64),
        ("outbox".into(), outbox as i64),
    ]))
}

/// What fails soon per owning team, for the weekly digests (exemptions expiring are left out:
/// the digest lists those itself).
pub async fn fails_soon_by_team(
    store: &Store,
) -> Result<BTreeMap<String, Vec<crate::integrations::notify::digest::FailsSoon>>> {
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for r in sqlx::query(
        "select t.slug as team, s.slug, s.name, ss.fails_soon from service_scores ss \
         join services s on s.id = ss.service_id join service_owners o on o.service_id = s.id \
         join teams t on t.id = o.team_id where ss.fails_soon <> '[]' order by t.slug, s.slug",
    )
    .fetch_all(&store.pool)
    .await?
    {
        let soon: Vec<serde_json::Value> =
            serde_json::from_str(&r.try_get::<String, _>("fails_soon")?).unwrap_or_default();
        let service: String = r.try_get("slug")?;
        let name: String = r.try_get("name")?;
        for x in soon {
            if x["reason"] == "its exemption expires" {
                continue;
            }
            let rule = x["rule"].as_str().unwrap_or_default().to_string();
            out.entry(r.try_get("team")?).or_default().push(
                crate::integrations::notify::digest::FailsSoon {
                    service: service.clone(),
                    service_name: name.clone(),
                    what: format!(
                        "{}: {}",
                        checks::rule(&rule).map_or(rule.as_str(), |d| d.title),
                        x["reason"].as_str().unwrap_or_default()
                    ),
                    rule,
                    at: x["at"]
                        .as_str()
                        .unwrap_or_default()
                        .get(..10)
                        .unwrap_or("")
                        .into(),
                },
            );
        }
    }
    Ok(out)
}
