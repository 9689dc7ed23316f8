//! The outbox: notifications written in the transaction of the change that caused them (a
//! finding that opened, a weekly digest) and sent later by `integrations::notify`. A row is
//! leased before it is sent, with a conditional update, so that two replicas never send it at
//! the same time; a lease left by a replica that died expires and the row is sent again.

use super::{now, Arg, Sql, Store};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use steward_app::api::notify::{Delivery, DeliveryQuery};

/// A finding that has just opened (or reopened), as the checks engine knows it. This is also
/// the body of a generic webhook's `finding-opened` delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenedFinding {
    pub finding_id: i64,
    pub service: String,
    pub service_name: String,
    pub tier: i64,
    /// Owning team slugs, primary first.
    pub teams: Vec<String>,
    pub rule: String,
    pub rule_title: String,
    pub severity: String,
    pub message: String,
    pub how_to_fix: String,
    pub subject: String,
    pub reopened: bool,
}

/// Instants as stored (see `store::now`).
pub(crate) fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Queues `f` for every channel of each team that owns its service, on the caller's
/// connection (the checks engine's transaction). Returns the number of rows written.
pub async fn enqueue_finding_opened(conn: &mut AnyConnection, f: &OpenedFinding) -> Result<u64> {
    let payload = serde_json::to_string(f).map_err(|e| Error::Internal(e.into()))?;
    let subject = crate::integrations::notify::render::finding_subject(f);
    enqueue(conn, &f.teams, "finding-opened", &subject, &payload).await
}

/// Queues one notification per channel of `teams` (a channel once, however many of the
/// teams it serves).
pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    teams: &[String],
    kind: &str,
    subject: &str,
    payload: &str,
) -> Result<u64> {
    if teams.is_empty() {
        return Ok(0);
    }
    let at = now();
    let mut sql = Sql::new(
        "insert into outbox (channel_id, kind, subject, payload, state, next_attempt_at, \
         created_at) select c.id, ",
    );
    sql.bind(Arg::Text(kind.into()))
        .push(", ")
        .bind(Arg::Text(subject.into()))
        .push(", ")
        .bind(Arg::Text(payload.into()))
        .push(", 'pending', ")
        .bind(Arg::Text(at.clone()))
        .push(", ")
        .bind(Arg::Text(at))
        .push(
            " from notification_channels c where c.team_id in \
             (select id from teams where slug in ",
        )
        .bind_texts(teams)
        .push(") order by c.id");
    Ok(sql.query().execute(conn).await?.rows_affected())
}

/// A leased row with what sending it needs.
#[derive(Clone)]
pub struct Due {
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub payload: String,
    pub attempts: i64,
    pub channel_kind: String,
    pub target: String,
    pub secret: Option<String>,
}

impl std::fmt::Debug for Due {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Due")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("channel_kind", &self.channel_kind)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// Unqualified, so that in the claiming update it applies to the row being updated itself:
/// PostgreSQL re-checks such a condition on the newest version of a row another transaction
/// has just changed, which is what makes the lease exclusive.
const DUE: &str = "state = 'pending' and next_attempt_at <= $1 \
     and (claimed_until is null or claimed_until < $1)";

/// Leases up to `limit` due rows for `claim` until `until`. Each row is taken with its own
/// conditional update that repeats the due condition: of two replicas racing for a row, the
/// database lets exactly one update match it.
pub async fn claim_due(
    store: &Store,
    claim: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Due>> {
    let now = instant(now);
    let candidates: Vec<i64> = sqlx::query_scalar(&format!(
        "select id from outbox where {DUE} order by next_attempt_at, id limit {limit}"
    ))
    .bind(&now)
    .fetch_all(&store.pool)
    .await?;
    let mut claimed = Vec::new();
    for id in candidates {
        let taken = sqlx::query(&format!(
            "update outbox set claimed_by = $2, claimed_until = $3 where id = $4 and {DUE}"
        ))
        .bind(&now)
        .bind(claim)
        .bind(instant(until))
        .bind(id)
        .execute(&store.pool)
        .await?
        .rows_affected();
        if taken == 1 {
            claimed.push(id);
        }
    }
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(
        "select o.id, o.kind, o.subject, o.payload, o.attempts, c.kind as channel_kind, \
         c.target, c.secret from outbox o join notification_channels c on c.id = o.channel_id \
         where o.claimed_by = ",
    );
    sql.bind(Arg::Text(claim.into()))
        .push(" and o.id in ")
        .bind_list(&claimed)
        .push(" order by o.id");
    let rows = sql.query().fetch_all(&store.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Due {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                subject: r.try_get("subject")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
                channel_kind: r.try_get("channel_kind")?,
                target: r.try_get("target")?,
                secret: r.try_get("secret")?,
            })
        })
        .collect()
}

/// Records a delivery that was accepted. Recorded even when the lease ran out meanwhile:
/// it was sent, and saying so spares the receiver another copy.
pub async fn mark_sent(store: &Store, id: i64) -> Result<()> {
    sqlx::query(
        "update outbox set state = 'sent', sent_at = $1, attempts = attempts + 1, \
         claimed_by = null, claimed_until = null, last_error = null \
         where id = $2 and state = 'pending'",
    )
    .bind(now())
    .bind(id)
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up (`failed`) when `None`. Only
/// while `claim` still holds the lease, so a late answer never overrides another replica.
pub async fn mark_failed(
    store: &Store,
    id: i64,
    claim: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<()> {
    let (state, next) = match retry_at {
        Some(t) => ("pending", Some(instant(t))),
        None => ("failed", None),
    };
    sqlx::query(
        "update outbox set state = $1, attempts = attempts + 1, last_error = $2, \
         next_attempt_at = coalesce($3, next_attempt_at), claimed_by = null, \
         claimed_until = null where id = $4 and claimed_by = $5 and state = 'pending'",
    )
    .bind(state)
    .bind(error)
    .bind(next)
    .bind(id)
    .bind(claim)
    .execute(&store.pool)
    .await?;
    Ok(())
}

/// A team's deliveries, newest first.
pub async fn deliveries(store: &Store, team: &str, q: &DeliveryQuery) -> Result<Vec<Delivery>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Error::invalid("limit", "must be 1–200"));
    }
    let mut conn = store.pool.acquire().await?;
    let team_id = super::teams::id_by_slug(&mut conn, team)
        .await?
        .ok_or_else(|| Error::NotFound(format!("team '{team}'")))?;
    let mut sql = Sql::new(
        "select o.id, o.channel_id, c.name, c.kind as channel_kind, o.kind, o.subject, o.state, \
         o.attempts, o.next_attempt_at, o.last_error, o.created_at, o.sent_at from outbox o \
         join notification_channels c on c.id = o.channel_id where c.team_id = ",
    );
    sql.bind(Arg::Int(team_id));
    if let Some(state) = q.state.as_deref().filter(|s| !s.is_empty()) {
        if !["pending", "sent", "failed"].contains(&state) {
            return Err(Error::invalid("state", "must be pending, sent or failed"));
        }
        sql.push(" and o.state = ").bind(Arg::Text(state.into()));
    }
    sql.push(&format!(" order by o.id desc limit {limit}"));
    let rows = sql.query().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Delivery {
                id: r.try_get("id")?,
                channel: r.try_get("channel_id")?,
                channel_name: r.try_get("name")?,
                channel_kind: r.try_get("channel_kind")?,
                kind: r.try_get("kind")?,
                subject: r.try_get("subject")?,
                state: r.try_get("state")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
                sent_at: r.try_get("sent_at")?,
            })
        })
        .collect()
}
