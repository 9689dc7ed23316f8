//! GitHub's side of future fixes: `POST /webhooks/github` takes `issues` events signed with
//! the configured secret (`X-Hub-Signature-256`, HMAC-SHA256 over the raw body), once per
//! `X-GitHub-Delivery`; `GET /integrations/github` shows admins the budget and what waits.

use crate::domain::authz::Action;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::store::audit::Actor;
use crate::store::github::{self as kept, Applied, Remote};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::HeaderMap;
use axum::Json;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use steward_app::api::github::{GithubStatus, WebhookReply};
use steward_app::api::ErrorBody;
use utoipa_axum::{router::OpenApiRouter, routes};

/// GitHub caps payloads at 25 MB; an issue event is a few kilobytes.
const WEBHOOK_LIMIT: usize = 2 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(webhook))
        .layer(DefaultBodyLimit::max(WEBHOOK_LIMIT))
        .routes(routes!(status))
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `signature` (`sha256=<hex>`) is the HMAC of `body` under `secret`, compared in
/// constant time.
pub fn signed(secret: &str, body: &[u8], signature: Option<&str>) -> bool {
    let Some(given) = signature
        .and_then(|s| s.strip_prefix("sha256="))
        .and_then(hex)
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The issue in an `issues` event, read loosely: fields GitHub adds never break it.
fn remote(event: &serde_json::Value) -> Option<(String, Remote)> {
    let issue = &event["issue"];
    Some((
        event["repository"]["full_name"].as_str()?.to_string(),
        Remote {
            number: issue["number"].as_i64()?,
            url: issue["html_url"].as_str()?.to_string(),
            state: issue["state"].as_str()?.to_string(),
            state_reason: issue["state_reason"].as_str().map(String::from),
            updated_at: issue["updated_at"].as_str()?.to_string(),
        },
    ))
}

/// A webhook delivery from GitHub. `issues` events closed and reopened change the fix filed
/// as that issue (closed → done, as not planned → not doing, reopened → open); any other
/// event or action is acknowledged and ignored. A bad or missing signature is 401 and
/// changes nothing; a repeated delivery is answered `duplicate` and changes nothing.
#[utoipa::path(post, path = "/webhooks/github", tag = "fixes",
    request_body(content = Object, description = "GitHub's event payload, as GitHub sends it"),
    params(
        ("X-Hub-Signature-256" = String, Header, description = "sha256=HMAC of the body"),
        ("X-GitHub-Delivery" = String, Header, description = "GitHub's id of the delivery"),
        ("X-GitHub-Event" = String, Header, description = "issues, ping…")),
    responses((status = 200, body = WebhookReply), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody)))]
async fn webhook(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReply>> {
    let secret = state
        .jobs
        .github
        .as_ref()
        .and_then(|g| g.settings.webhook_secret.clone())
        .ok_or_else(|| Error::NotFound("GitHub webhooks (no webhook secret is set)".into()))?;
    if !signed(&secret, &body, header(&headers, "x-hub-signature-256")) {
        tracing::info!("GitHub webhook refused: the signature does not match");
        return Err(Error::Unauthenticated(
            "the X-Hub-Signature-256 signature does not match this body".into(),
        ));
    }
    let delivery = header(&headers, "x-github-delivery")
        .filter(|d| !d.is_empty() && d.len() <= 100)
        .ok_or_else(|| Error::bad_request("X-GitHub-Delivery is missing"))?
        .to_string();
    let event_name = header(&headers, "x-github-event")
        .unwrap_or("unknown")
        .chars()
        .take(60)
        .collect::<String>();
    let event: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| Error::bad_request(format!("the body is not JSON: {e}")))?;
    let action = event["action"]
        .as_str()
        .map(|a| a.chars().take(60).collect::<String>());
    let reply = |outcome: &str| {
        Json(WebhookReply {
            delivery: delivery.clone(),
            outcome: outcome.into(),
        })
    };
    let about_state =
        event_name == "issues" && matches!(action.as_deref(), Some("closed" | "reopened"));
    let found = if about_state { remote(&event) } else { None };
    let Some((repository, issue)) = found else {
        let fresh = kept::delivery(&state.store, &delivery, &event_name, action.as_deref()).await?;
        return Ok(reply(if fresh { "ignored" } else { "duplicate" }));
    };
    let outcome = kept::apply(
        &state.store,
        Some((&delivery, &event_name, action.as_deref())),
        actor.request_id.clone(),
        &issue,
        &repository,
    )
    .await?;
    Ok(reply(match outcome {
        None => "duplicate",
        Some(Applied::Changed) => "changed",
        Some(Applied::Unchanged) => "unchanged",
        Some(Applied::Unknown) => "unknown-issue",
    }))
}

/// Issue filing as admins see it: GitHub's remaining rate-limit budget per resource, any
/// wait GitHub asked for, the fixes not filed yet with the reason, and each repository's
/// last poll.
#[utoipa::path(get, path = "/integrations/github", tag = "fixes",
    responses((status = 200, body = GithubStatus), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
async fn status(State(state): State<AppState>, actor: Actor) -> Result<Json<GithubStatus>> {
    actor.authorize(&Action::Administer)?;
    let settings = state.jobs.github.as_ref().map(|g| &g.settings);
    Ok(Json(
        kept::status(
            &state.store,
            settings.is_some(),
            settings.is_some_and(|s| s.webhook_secret.is_some()),
            settings.map(|s| s.labels.clone()).unwrap_or_default(),
        )
        .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_whole() {
        let body = br#"{"action":"closed"}"#;
        let good = format!(
            "sha256={}",
            crate::integrations::notify::sign("s3cret", body)
        );
        assert!(signed("s3cret", body, Some(&good)));
        assert!(!signed("other", body, Some(&good)));
        assert!(!signed("s3cret", b"{}", Some(&good)));
        assert!(!signed("s3cret", body, None));
        assert!(!signed(
            "s3cret",
            body,
            Some(good.trim_start_matches("sha256="))
        ));
        assert!(!signed("s3cret", body, Some(&good[..good.len() - 2])));
        assert!(!signed("s3cret", body, Some("sha256=zz")));
    }
}
