//! Notifications in the `/api/v1` contract: where a team's notifications go (channels) and
//! what was sent there (deliveries). A channel's secrets never travel back: a Slack webhook
//! URL is shown without its path, and a generic webhook's signing key only once, in the
//! answer that created it.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// Body of `POST /teams/{slug}/channels`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChannelInput {
    /// `slack` (a Slack-compatible incoming webhook), `webhook` (a generic JSON POST signed
    /// with HMAC-SHA256) or `email`.
    pub kind: String,
    /// 1–100 characters.
    pub name: String,
    /// The webhook's http(s) URL, or the e-mail address.
    pub target: String,
}

/// A notification channel of a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub id: i64,
    pub team: String,
    pub kind: String,
    pub name: String,
    /// The e-mail address, or the URL without what may be a credential: a Slack URL keeps
    /// only its host, a generic webhook URL loses its query and user info.
    pub target: String,
    /// Whether requests to it carry a `Steward-Signature` (generic webhooks).
    pub signed: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// The answer to creating a channel: the channel and, for a generic webhook, the HMAC key
/// it signs with. The key is shown here once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedChannel {
    pub channel: Channel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Filter of `GET /teams/{slug}/deliveries`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryQuery {
    /// `pending`, `sent` or `failed`.
    pub state: Option<String>,
    /// At most this many, newest first (default 50, at most 200).
    pub limit: Option<i64>,
}

/// One notification to one channel and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Also sent as `Steward-Delivery`, so a receiver can drop a repeated delivery.
    pub id: i64,
    pub channel: i64,
    pub channel_name: String,
    pub channel_kind: String,
    /// `finding-opened` or `digest`.
    pub kind: String,
    pub subject: String,
    /// `pending` (waiting or being retried), `sent` or `failed` (given up).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}
