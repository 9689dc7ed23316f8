//! Sending what the outbox holds: Slack-compatible incoming webhooks, generic JSON webhooks
//! signed with HMAC-SHA256, and e-mail over SMTP.
//!
//! Delivery is **at least once**. A row is leased (two minutes) before it is sent, so two
//! replicas never send it at the same time; but a replica that dies between the receiver's
//! "200" and marking the row sent leaves a lease that expires, and the row is sent again.
//! HTTP cannot do better, so every webhook request carries `Steward-Delivery: <outbox id>`
//! for the receiver to drop a repeat. Every send has a short timeout: a receiver that hangs
//! costs one attempt, never the pass, and is retried with exponential backoff.

pub mod digest;
mod email;
pub mod render;

pub use digest::{enqueue_weekly, enqueue_weekly_with};

use crate::configuration::Settings;
use crate::store::outbox::{self, Due};
use crate::store::Store;
use anyhow::Context;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use render::Rendered;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::time::Duration;

/// After this many failed attempts a delivery is given up (`failed`).
pub const MAX_ATTEMPTS: i64 = 8;
/// Rows one pass leases at most.
const BATCH: i64 = 50;

/// What sending needs: an HTTP client, the SMTP transport (when configured), the timeout.
/// Built once from the settings and shared by the delivery job.
#[derive(Clone)]
pub struct Notifier {
    http: reqwest::Client,
    smtp: Option<email::Smtp>,
    timeout: Duration,
    lease: Duration,
    public_url: Option<String>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("smtp", &self.smtp.is_some())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// A notifier with a 10 s timeout per send; fails on SMTP settings that cannot work.
    pub fn new(settings: &Settings) -> anyhow::Result<Notifier> {
        let smtp = match (&settings.smtp_url, &settings.smtp_from) {
            (Some(url), Some(from)) => Some(email::Smtp::new(url, from)?),
            (None, None) => None,
            _ => anyhow::bail!("e-mail needs both smtp_url and smtp_from"),
        };
        let mut notifier = Notifier {
            http: reqwest::Client::new(),
            smtp,
            timeout: Duration::ZERO,
            lease: Duration::from_secs(120),
            public_url: settings.public_url.as_ref().map(|u| u.to_string()),
        };
        notifier.set_timeout(Duration::from_secs(10))?;
        Ok(notifier)
    }

    /// The same notifier with another timeout per send (tests use a short one).
    pub fn with_timeout(mut self, timeout: Duration) -> anyhow::Result<Notifier> {
        self.set_timeout(timeout)?;
        Ok(self)
    }

    fn set_timeout(&mut self, timeout: Duration) -> anyhow::Result<()> {
        self.http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            // A webhook answers; it does not send us elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Steward")
            .build()
            .context("could not build the HTTP client")?;
        if let Some(smtp) = &mut self.smtp {
            smtp.set_timeout(timeout);
        }
        self.timeout = timeout;
        // The lease outlasts the longest send by far.
        self.lease = Duration::from_secs(120).max(timeout * 4);
        Ok(())
    }

    /// Sends one delivery; the error is short and safe to store and show.
    async fn send(&self, due: &Due) -> Result<(), String> {
        let rendered = render::render(
            &due.kind,
            &due.subject,
            &due.payload,
            &due.channel_kind,
            self.public_url.as_deref(),
        )
        .map_err(|e| format!("could not render: {e}"))?;
        let attempt = async {
            match rendered {
                Rendered::Slack(body) => {
                    self.post(due, serde_json::to_vec(&body).unwrap_or_default(), None)
                        .await
                }
                Rendered::Webhook(body) => {
                    let signature =
                        sign(due.secret.as_deref().unwrap_or_default(), body.as_bytes());
                    self.post(due, body.into_bytes(), Some(signature)).await
                }
                Rendered::Email { subject, text } => match &self.smtp {
                    Some(smtp) => smtp.send(due.id, &due.target, &subject, text).await,
                    None => Err(
                        "e-mail is not configured (set STEWARD_SMTP_URL and STEWARD_SMTP_FROM)"
                            .into(),
                    ),
                },
            }
        };
        // Each transport has its own timeout; this one bounds the whole attempt.
        match tokio::time::timeout(self.timeout + Duration::from_secs(1), attempt).await {
            Ok(result) => result.map_err(|e| redact(&e, &due.target)),
            Err(_) => Err(format!("no answer within {} s", self.timeout.as_secs())),
        }
    }

    async fn post(
        &self,
        due: &Due,
        body: Vec<u8>,
        signature: Option<String>,
    ) -> Result<(), String> {
        let mut request = self
            .http
            .post(&due.target)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Steward-Delivery", due.id.to_string())
            .header("Steward-Event", &due.kind);
        if let Some(s) = signature {
            request = request.header("Steward-Signature", format!("sha256={s}"));
        }
        let response = request.body(body).send().await.map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} s", self.timeout.as_secs())
            } else if e.is_connect() {
                "could not connect".to_string()
            } else {
                format!("request failed: {}", e.without_url())
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text: String = text.chars().take(120).collect();
        Err(format!(
            "HTTP {}{}",
            status.as_u16(),
            if text.is_empty() {
                String::new()
            } else {
                format!(": {text}")
            }
        ))
    }
}

/// `hex(HMAC-SHA256(secret, body))`, the key being the secret's text as shown.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    crate::auth::hex(&mac.finalize().into_bytes())
}

/// An error as stored: one line, at most 300 characters, without the channel's URL (a Slack
/// URL is a credential) or any part of its path.
fn redact(error: &str, target: &str) -> String {
    let mut e = error.replace(target, "<channel URL>");
    if let Ok(url) = url::Url::parse(target) {
        for segment in url
            .path_segments()
            .into_iter()
            .flatten()
            .filter(|s| s.len() >= 6)
        {
            e = e.replace(segment, "***");
        }
        if let Some(q) = url.query() {
            e = e.replace(q, "***");
        }
    }
    e.chars().take(300).collect()
}

/// When to try again after `attempts` failed attempts: 30 s, 2 min, 8 min, … at most 1 h;
/// `None` once `MAX_ATTEMPTS` have failed.
pub fn next_attempt(now: DateTime<Utc>, attempts: i64) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let secs = 30i64.saturating_mul(4i64.saturating_pow((attempts.max(1) - 1) as u32));
    Some(now + chrono::Duration::seconds(secs.min(3600)))
}

/// Sends every due delivery once: leases up to 50 rows for `replica`, sends them at the same
/// time (so one slow receiver delays no other), and records each outcome. Counts: `claimed`,
/// `sent`, `retried`, `failed` (given up).
pub async fn deliver_due(
    store: &Store,
    replica: &str,
    notifier: &Notifier,
) -> anyhow::Result<BTreeMap<String, i64>> {
    let now = Utc::now();
    // Unique per call, so that two passes of one replica do not share leases either.
    let claim = format!("{replica}/{}", uuid::Uuid::new_v4().simple());
    let until = now + chrono::Duration::from_std(notifier.lease)?;
    let due = outbox::claim_due(store, &claim, now, until, BATCH)
        .await
        .context("could not lease due deliveries")?;
    let mut counts = BTreeMap::from([
        ("claimed".to_string(), due.len() as i64),
        ("sent".to_string(), 0),
        ("retried".to_string(), 0),
        ("failed".to_string(), 0),
    ]);
    let mut sends = tokio::task::JoinSet::new();
    for d in due {
        let notifier = notifier.clone();
        sends.spawn(async move {
            let result = notifier.send(&d).await;
            (d, result)
        });
    }
    while let Some(joined) = sends.join_next().await {
        let (d, result) = joined.context("a delivery task failed")?;
        let outcome = match result {
            Ok(()) => {
                outbox::mark_sent(store, d.id).await?;
                "sent"
            }
            Err(error) => {
                let retry_at = next_attempt(Utc::now(), d.attempts + 1);
                tracing::warn!(delivery = d.id, attempts = d.attempts + 1, %error, "delivery failed");
                outbox::mark_failed(store, d.id, &claim, &error, retry_at).await?;
                if retry_at.is_some() {
                    "retried"
                } else {
                    "failed"
                }
            }
        };
        *counts.entry(outcome.into()).or_default() += 1;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_fourfold_to_an_hour_then_gives_up() {
        let t0 = Utc::now();
        let waits: Vec<i64> = (1..=8)
            .map(|n| {
                next_attempt(t0, n)
                    .map(|t| (t - t0).num_seconds())
                    .unwrap_or(-1)
            })
            .collect();
        assert_eq!(waits, [30, 120, 480, 1920, 3600, 3600, 3600, -1]);
    }

    #[test]
    fn signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn errors_never_keep_the_channel_url() {
        let url = "https://hooks.slack.com/services/T0001/B0002/XXXXsecretXXXX";
        let e = redact(&format!("failed for {url}: boom XXXXsecretXXXX"), url);
        assert_eq!(e, "failed for <channel URL>: boom ***");
    }
}
