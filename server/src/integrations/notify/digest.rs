//! The weekly digest of a team: what opened and what was fixed in the last seven days, what
//! is still open (the worst first), whose scorecard level moved, and what fails soon. The
//! data is gathered here and stored as the outbox payload; `render` turns it into text.

use crate::store::outbox::{enqueue, instant};
use crate::store::{Arg, Sql, Store};
use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashSet};

/// At most this many new or fixed findings are listed (the totals are always given).
const LISTED: usize = 20;
/// The worst open findings listed.
const WORST: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Digest {
    pub team: String,
    pub team_name: String,
    /// The week covered, as UTC dates.
    pub from: String,
    pub to: String,
    pub new: Vec<DigestFinding>,
    pub new_total: i64,
    pub fixed: Vec<DigestFinding>,
    pub fixed_total: i64,
    pub still_open: i64,
    pub worst: Vec<DigestFinding>,
    pub level_changes: Vec<LevelChange>,
    /// What will fail within 14 days unless someone acts. Expiring exemptions are filled in
    /// here; the checks engine may add thresholds about to be crossed.
    pub fails_soon: Vec<FailsSoon>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DigestFinding {
    pub finding_id: i64,
    pub service: String,
    pub service_name: String,
    pub tier: i64,
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub reopened: bool,
    pub at: String,
}

/// A scorecard level a week ago and now, of the team or one of its services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LevelChange {
    /// `team` or `service`.
    pub scope_kind: String,
    pub scope: String,
    pub name: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailsSoon {
    pub service: String,
    pub service_name: String,
    pub rule: String,
    pub what: String,
    /// When (a UTC date).
    pub at: String,
}

/// Severities, worst first (unknown ones last).
fn severity_rank(severity: &str) -> usize {
    ["critical", "high", "medium", "low"]
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(4)
}

/// Findings of the team's services, joined with what a digest shows of them.
const FINDINGS: &str = "select f.id, f.rule_id, f.severity, f.message, s.slug, s.name, s.tier";
const TEAM_FINDINGS: &str = " from findings f join services s on s.id = f.service_id \
     where f.service_id in (select service_id from service_owners where team_id = ";

fn finding(r: &sqlx::any::AnyRow, at: String, reopened: bool) -> anyhow::Result<DigestFinding> {
    Ok(DigestFinding {
        finding_id: r.try_get("id")?,
        service: r.try_get("slug")?,
        service_name: r.try_get("name")?,
        tier: r.try_get("tier")?,
        rule: r.try_get("rule_id")?,
        severity: r.try_get("severity")?,
        message: r.try_get("message")?,
        reopened,
        at,
    })
}

/// Findings with an event of `changes` since `since` (and now in `state`), each once (its
/// latest such event), newest first; and how many there are.
async fn changed(
    conn: &mut AnyConnection,
    team_id: i64,
    since: &str,
    changes: &[&str],
    state: Option<&str>,
) -> anyhow::Result<(Vec<DigestFinding>, i64)> {
    let mut sql = Sql::new(&format!(
        "{FINDINGS}, e.at, e.change from finding_events e join findings f on f.id = e.finding_id \
         join services s on s.id = f.service_id where f.service_id in \
         (select service_id from service_owners where team_id = "
    ));
    sql.bind(Arg::Int(team_id))
        .push(") and e.at >= ")
        .bind(Arg::Text(since.into()));
    if let Some(state) = state {
        sql.push(" and f.state = ").bind(Arg::Text(state.into()));
    }
    sql.push(" and e.change in ")
        .bind_texts(changes)
        .push(" order by e.at desc, e.id desc");
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let id: i64 = r.try_get("id")?;
        if seen.insert(id) {
            let change: String = r.try_get("change")?;
            out.push(finding(&r, r.try_get("at")?, change == "reopened")?);
        }
    }
    let total = out.len() as i64;
    out.truncate(LISTED);
    Ok((out, total))
}

/// The open findings, worst first: severity, then tier, then the oldest.
async fn still_open(
    conn: &mut AnyConnection,
    team_id: i64,
) -> anyhow::Result<(i64, Vec<DigestFinding>)> {
    let mut sql = Sql::new(&format!("{FINDINGS}, f.first_seen_at, f.reopened_count"));
    sql.push(TEAM_FINDINGS)
        .bind(Arg::Int(team_id))
        .push(") and f.state = 'open'");
    let mut open = Vec::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let reopened = r.try_get::<i64, _>("reopened_count")? > 0;
        open.push(finding(&r, r.try_get("first_seen_at")?, reopened)?);
    }
    open.sort_by(|a, b| {
        (severity_rank(&a.severity), a.tier, &a.at).cmp(&(
            severity_rank(&b.severity),
            b.tier,
            &b.at,
        ))
    });
    let total = open.len() as i64;
    open.truncate(WORST);
    Ok((total, open))
}

/// Levels of the team and its services on the last history day at or before a week ago
/// against the latest day. A service's history has rows only on days its score changed.
async fn level_changes(
    conn: &mut AnyConnection,
    team_id: i64,
    team: &str,
    team_name: &str,
    week_ago: &str,
    today: &str,
) -> anyhow::Result<Vec<LevelChange>> {
    let mut sql = Sql::new(
        "select h.scope_kind, h.scope, h.day, h.level, coalesce(s.name, h.scope) as name \
         from scorecard_history h left join services s on h.scope_kind = 'service' \
         and s.slug = h.scope where h.day <= ",
    );
    sql.bind(Arg::Text(today.into()))
        .push(" and ((h.scope_kind = 'team' and h.scope = ")
        .bind(Arg::Text(team.into()))
        .push(") or (h.scope_kind = 'service' and s.id in (select service_id from service_owners where team_id = ")
        .bind(Arg::Int(team_id))
        .push("))) order by h.scope_kind desc, s.name, h.scope, h.day");
    // Per scope, in order of appearance: its levels then and now, and whether it had a
    // level a week ago at all (a new service has no change to report).
    let mut levels: Vec<(LevelChange, bool)> = Vec::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let (kind, scope): (String, String) = (r.try_get("scope_kind")?, r.try_get("scope")?);
        let (day, level): (String, String) = (r.try_get("day")?, r.try_get("level")?);
        if levels
            .last()
            .is_none_or(|(c, _)| c.scope_kind != kind || c.scope != scope)
        {
            let name = if kind == "team" {
                format!("Team {team_name}")
            } else {
                r.try_get("name")?
            };
            let change = LevelChange {
                scope_kind: kind,
                scope,
                name,
                before: String::new(),
                after: String::new(),
            };
            levels.push((change, false));
        }
        if let Some((change, known)) = levels.last_mut() {
            if day.as_str() <= week_ago {
                change.before.clone_from(&level);
                *known = true;
            }
            change.after = level;
        }
    }
    Ok(levels
        .into_iter()
        .filter(|(c, known)| *known && c.before != c.after)
        .map(|(c, _)| c)
        .collect())
}

/// Exemptions of the team's services that expire within 14 days of `now`.
async fn expiring(
    conn: &mut AnyConnection,
    team_id: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<FailsSoon>> {
    let mut sql = Sql::new(
        "select s.slug, s.name, x.rule_id, x.expires_at from exemptions x \
         join services s on s.id = x.service_id where x.revoked_at is null and x.expires_at > ",
    );
    sql.bind(Arg::Text(instant(now)))
        .push(" and x.expires_at <= ")
        .bind(Arg::Text(instant(now + Duration::days(14))))
        .push(" and x.service_id in (select service_id from service_owners where team_id = ")
        .bind(Arg::Int(team_id))
        .push(") order by x.expires_at, s.slug");
    let mut out = Vec::new();
    for r in sql.query().fetch_all(&mut *conn).await? {
        let expires: String = r.try_get("expires_at")?;
        out.push(FailsSoon {
            service: r.try_get("slug")?,
            service_name: r.try_get("name")?,
            rule: r.try_get("rule_id")?,
            what: "its exemption expires".into(),
            at: expires.get(..10).unwrap_or(&expires).to_string(),
        });
    }
    Ok(out)
}

/// The digest of one team for the week before `now`.
pub async fn build(
    conn: &mut AnyConnection,
    team: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Digest> {
    let (team_id, team_name): (i64, String) =
        sqlx::query_as("select id, name from teams where slug = $1")
            .bind(team)
            .fetch_optional(&mut *conn)
            .await?
            .with_context(|| format!("no team '{team}'"))?;
    let week_ago = now - Duration::days(7);
    let since = instant(week_ago);
    let (from, to) = (
        week_ago.date_naive().to_string(),
        now.date_naive().to_string(),
    );
    let (new, new_total) = changed(conn, team_id, &since, &["opened", "reopened"], None).await?;
    let (fixed, fixed_total) =
        changed(conn, team_id, &since, &["resolved"], Some("resolved")).await?;
    let (still_open, worst) = still_open(conn, team_id).await?;
    let level_changes = level_changes(conn, team_id, team, &team_name, &from, &to).await?;
    let fails_soon = expiring(conn, team_id, now).await?;
    Ok(Digest {
        team: team.to_string(),
        team_name,
        from,
        to,
        new,
        new_total,
        fixed,
        fixed_total,
        still_open,
        worst,
        level_changes,
        fails_soon,
    })
}

/// Builds and queues the digest of every team that has channels, one row per channel. A
/// team whose digest for the same day is already queued is skipped, so a second run on
/// the same day (another replica, "Run now") sends nothing twice.
pub async fn enqueue_weekly(
    store: &Store,
    now: DateTime<Utc>,
) -> anyhow::Result<BTreeMap<String, i64>> {
    enqueue_weekly_with(store, now, &BTreeMap::new()).await
}

/// `enqueue_weekly`, with more of what fails soon per team slug (thresholds the checks
/// engine sees about to be crossed), listed after the expiring exemptions.
pub async fn enqueue_weekly_with(
    store: &Store,
    now: DateTime<Utc>,
    fails_soon: &BTreeMap<String, Vec<FailsSoon>>,
) -> anyhow::Result<BTreeMap<String, i64>> {
    let teams: Vec<String> = sqlx::query_scalar(
        "select t.slug from teams t where exists \
         (select 1 from notification_channels c where c.team_id = t.id) order by t.slug",
    )
    .fetch_all(&store.pool)
    .await?;
    let mut counts = BTreeMap::from([
        ("teams".to_string(), 0),
        ("enqueued".to_string(), 0),
        ("skipped".to_string(), 0),
    ]);
    for team in teams {
        let mut tx = store.begin().await?;
        let mut digest = build(&mut tx, &team, now)
            .await
            .with_context(|| format!("could not build the digest of {team}"))?;
        if let Some(more) = fails_soon.get(&team) {
            digest.fails_soon.extend(more.iter().cloned());
        }
        let subject = super::render::digest_subject(&digest);
        let queued: i64 = sqlx::query_scalar(
            "select count(*) from outbox o join notification_channels c on c.id = o.channel_id \
             join teams t on t.id = c.team_id where t.slug = $1 and o.kind = 'digest' \
             and o.subject = $2",
        )
        .bind(&team)
        .bind(&subject)
        .fetch_one(&mut *tx)
        .await?;
        *counts.entry("teams".into()).or_default() += 1;
        if queued > 0 {
            *counts.entry("skipped".into()).or_default() += 1;
            continue;
        }
        let payload = serde_json::to_string(&digest)?;
        let n = enqueue(&mut tx, &[team], "digest", &subject, &payload).await?;
        tx.commit().await?;
        *counts.entry("enqueued".into()).or_default() += n as i64;
    }
    Ok(counts)
}
