//! A team's notification channels. Members of the team and admins manage them; every change
//! is audited in its transaction. Secrets stay in the database: a generic webhook's HMAC key
//! is generated here and shown once, and a Slack URL (whose path is its credential) is never
//! shown whole again, neither in lists nor in audit events.

use super::audit::{self, Actor};
use super::{now, Store};
use crate::domain::authz::Action;
use crate::domain::catalog::Errors;
use crate::error::{Error, Result};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use sqlx::{AnyConnection, Row};
use steward_app::api::notify::{Channel, ChannelInput, CreatedChannel};

pub const KINDS: [&str; 3] = ["slack", "webhook", "email"];

/// Field errors of a channel; empty when it may be stored.
pub fn validate(input: &ChannelInput) -> Errors {
    let mut errors = Errors::default();
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("name", "must be 1–100 characters");
    }
    let target = input.target.trim();
    match input.kind.as_str() {
        "slack" | "webhook" => {
            if let Err(message) = check_url(target) {
                errors.add("target", message);
            }
        }
        "email" => {
            if target.len() > 254 || target.parse::<lettre::Address>().is_err() {
                errors.add(
                    "target",
                    format!("'{target}' is not an e-mail address such as team@example.com"),
                );
            }
        }
        other => errors.add(
            "kind",
            format!("'{other}' is not a channel kind: use {}", KINDS.join(", ")),
        ),
    }
    errors
}

fn check_url(target: &str) -> std::result::Result<(), String> {
    let url = url::Url::parse(target).map_err(|_| "must be an http(s) URL".to_string())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err("must be an http(s) URL with a host".into());
    }
    if target.len() > 2000 {
        return Err("must be at most 2000 characters".into());
    }
    Ok(())
}

/// What may be shown of a channel's target. A Slack URL's path is its credential, so only
/// the host is kept; a generic webhook loses user info and query, where tokens hide.
pub fn shown_target(kind: &str, target: &str) -> String {
    let Ok(mut url) = url::Url::parse(target) else {
        return target.to_string();
    };
    match kind {
        "slack" => format!(
            "{}://{}/…",
            url.scheme(),
            url.host_str().unwrap_or_default()
        ),
        "webhook" => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        _ => target.to_string(),
    }
}

/// A new HMAC key: 32 random bytes, hex.
fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    crate::auth::hex(&bytes)
}

fn row(r: &sqlx::any::AnyRow) -> Result<Channel> {
    let kind: String = r.try_get("kind")?;
    let target: String = r.try_get("target")?;
    Ok(Channel {
        id: r.try_get("id")?,
        team: r.try_get("team")?,
        target: shown_target(&kind, &target),
        signed: kind == "webhook",
        kind,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const SELECT: &str = "select c.id, t.slug as team, c.kind, c.name, c.target, c.created_at, \
     c.updated_at from notification_channels c join teams t on t.id = c.team_id";

async fn team_id(conn: &mut AnyConnection, slug: &str) -> Result<i64> {
    super::teams::id_by_slug(conn, slug)
        .await?
        .ok_or_else(|| Error::NotFound(format!("team '{slug}'")))
}

/// A team's channels, oldest first.
pub async fn list(store: &Store, team: &str) -> Result<Vec<Channel>> {
    let mut conn = store.pool.acquire().await?;
    let id = team_id(&mut conn, team).await?;
    let rows = sqlx::query(&format!("{SELECT} where c.team_id = $1 order by c.id"))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(row).collect()
}

/// Adds a channel to `team`; a generic webhook gets a new signing key, answered once.
pub async fn create(
    store: &Store,
    actor: &Actor,
    team: &str,
    input: &ChannelInput,
) -> Result<CreatedChannel> {
    actor.authorize(&Action::WriteTeam { slug: team })?;
    let errors = validate(input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors.0));
    }
    let secret = (input.kind == "webhook").then(generate_secret);
    let mut tx = store.begin().await?;
    let team_id = team_id(&mut tx, team).await?;
    let at = now();
    let id: i64 = sqlx::query_scalar(
        "insert into notification_channels (team_id, kind, name, target, secret, created_at, \
         updated_at) values ($1, $2, $3, $4, $5, $6, $6) returning id",
    )
    .bind(team_id)
    .bind(&input.kind)
    .bind(input.name.trim())
    .bind(input.target.trim())
    .bind(&secret)
    .bind(&at)
    .fetch_one(&mut *tx)
    .await?;
    let channel = by_id(&mut tx, team_id, id).await?;
    audit::record(
        &mut tx,
        actor,
        "channel.create",
        "team",
        team,
        None::<&Channel>,
        Some(&channel),
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedChannel { channel, secret })
}

async fn by_id(conn: &mut AnyConnection, team_id: i64, id: i64) -> Result<Channel> {
    let found = sqlx::query(&format!("{SELECT} where c.id = $1 and c.team_id = $2"))
        .bind(id)
        .bind(team_id)
        .fetch_optional(conn)
        .await?;
    found
        .as_ref()
        .map(row)
        .transpose()?
        .ok_or_else(|| Error::NotFound(format!("notification channel {id}")))
}

/// Removes a channel and, with it, its deliveries not yet sent.
pub async fn delete(store: &Store, actor: &Actor, team: &str, id: i64) -> Result<()> {
    actor.authorize(&Action::WriteTeam { slug: team })?;
    let mut tx = store.begin().await?;
    let team_id = team_id(&mut tx, team).await?;
    let before = by_id(&mut tx, team_id, id).await?;
    sqlx::query("delete from notification_channels where id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "channel.delete",
        "team",
        team,
        Some(&before),
        None::<&Channel>,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str, name: &str, target: &str) -> ChannelInput {
        ChannelInput {
            kind: kind.into(),
            name: name.into(),
            target: target.into(),
        }
    }

    fn fields(i: &ChannelInput) -> Vec<String> {
        validate(i).0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn channels_are_validated_field_by_field() {
        assert!(fields(&input(
            "slack",
            "Alerts",
            "https://hooks.slack.com/services/T/B/x"
        ))
        .is_empty());
        assert!(fields(&input("email", "Team", "payments@example.com")).is_empty());
        assert_eq!(fields(&input("webhook", "", "ftp://x")), ["name", "target"]);
        assert_eq!(fields(&input("webhook", "x", "http://")), ["target"]);
        assert_eq!(fields(&input("email", "x", "not an address")), ["target"]);
        assert_eq!(
            fields(&input("pager", &"n".repeat(101), "x")),
            ["name", "kind"]
        );
    }

    #[test]
    fn credentials_in_targets_are_not_shown() {
        assert_eq!(
            shown_target("slack", "https://hooks.slack.com/services/T1/B2/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            shown_target("webhook", "https://u:p@hooks.example.com/in?token=abc"),
            "https://hooks.example.com/in"
        );
        assert_eq!(generate_secret().len(), 64);
    }
}
