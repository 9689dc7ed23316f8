//! The audit log: every change is written in the transaction that makes it, so there is no
//! change without its event and no event without its change.

use super::{now, Arg, Sql, Store};
use crate::domain::authz::{self, Action, Principal};
use crate::error::{Error, Result};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use steward_app::api::{AuditEvent, AuditQuery, Page};

/// Who is making a change, and in which request.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub principal: Option<Principal>,
    pub request_id: Option<String>,
    /// Steward itself or its command line (an operator on the host): not subject to roles.
    pub system: bool,
}

impl Actor {
    /// Changes made by Steward itself (demo data, start-up).
    pub fn system() -> Actor {
        Actor {
            system: true,
            ..Actor::default()
        }
    }

    /// The one authorization check every mutation goes through.
    pub fn authorize(&self, action: &Action<'_>) -> Result<()> {
        if self.system {
            return Ok(());
        }
        authz::authorize(self.principal.as_ref(), action).map_err(Error::from)
    }

    pub(crate) fn kind_and_name(&self) -> (&'static str, String) {
        match &self.principal {
            None if self.system => ("system", "steward".into()),
            None => ("anonymous", "anonymous".into()),
            Some(p) if p.token.is_some() => ("token", p.handle.clone()),
            Some(p) => ("account", p.handle.clone()),
        }
    }
}

fn json<T: Serialize>(value: Option<&T>) -> Result<Option<String>> {
    value
        .map(|v| serde_json::to_string(v).map_err(|e| Error::Internal(e.into())))
        .transpose()
}

/// Writes one event on `conn` (the transaction of the change).
pub(crate) async fn record<B: Serialize, A: Serialize>(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: &str,
    subject_type: &str,
    subject: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let (kind, name) = actor.kind_and_name();
    sqlx::query(
        "insert into audit_events (at, actor_kind, actor, action, subject_type, subject, before, \
         after, request_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now())
    .bind(kind)
    .bind(name)
    .bind(action)
    .bind(subject_type)
    .bind(subject)
    .bind(json(before)?)
    .bind(json(after)?)
    .bind(&actor.request_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list(store: &Store, q: &AuditQuery) -> Result<Page<AuditEvent>> {
    let (limit, offset) = super::services::page_bounds(q.limit, q.offset)?;
    let mut f = Sql::new(" from audit_events where 1 = 1");
    for (column, value) in [
        ("actor", &q.actor),
        ("subject_type", &q.subject_type),
        ("subject", &q.subject),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            f.push(&format!(" and {column} = "))
                .bind(Arg::Text(v.into()));
        }
    }
    for (op, field, value) in [(">=", "since", &q.since), ("<", "until", &q.until)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            let instant =
                chrono::DateTime::parse_from_rfc3339(v).map_err(|_| Error::BadRequest {
                    message: format!(
                        "{field} must be an RFC 3339 instant such as 2026-11-22T09:00:00Z"
                    ),
                    field: Some(field.into()),
                })?;
            let stored = instant
                .with_timezone(&chrono::Utc)
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
            f.push(&format!(" and at {op} ")).bind(Arg::Text(stored));
        }
    }
    let mut conn = store.pool.acquire().await?;
    let total: i64 = f.select("count(*)").scalar().fetch_one(&mut *conn).await?;
    let mut page = f.select(
        "id, at, actor_kind, actor, action, subject_type, subject, before, after, request_id",
    );
    page.push(&format!(" order by id desc limit {limit} offset {offset}"));
    let parse = |text: Option<String>| -> Result<Option<serde_json::Value>> {
        text.map(|t| serde_json::from_str(&t).map_err(|e| Error::Internal(e.into())))
            .transpose()
    };
    let mut items = Vec::new();
    for r in page.query().fetch_all(&mut *conn).await? {
        items.push(AuditEvent {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor_kind: r.try_get("actor_kind")?,
            actor: r.try_get("actor")?,
            action: r.try_get("action")?,
            subject_type: r.try_get("subject_type")?,
            subject: r.try_get("subject")?,
            before: parse(r.try_get("before")?)?,
            after: parse(r.try_get("after")?)?,
            request_id: r.try_get("request_id")?,
        });
    }
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}
