//! Calendar feeds of the `/api/v1` contract: subscribable iCalendar (RFC 5545) URLs of a
//! schedule or of a person's shifts. The URL's secret is the credential (calendar apps cannot
//! sign in), so it is shown once, when the feed is made, and only its hash is kept.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// A calendar feed as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Feed {
    pub id: i64,
    /// `schedule` or `person`.
    pub kind: String,
    /// The schedule's slug, for a schedule feed.
    pub schedule: Option<String>,
    /// The person's handle, for a person feed.
    pub person: Option<String>,
    /// What calendar apps show: the schedule's name, or `On call: <person's name>`.
    pub name: String,
    /// The account that made the feed (its handle).
    pub account: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The answer to creating a feed: the only time its URL is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedFeed {
    /// `/ical/<secret>.ics`, to append to Steward's address.
    pub path: String,
    /// The whole URL, when Steward knows its public address (`STEWARD_PUBLIC_URL`).
    pub url: Option<String>,
    pub feed: Feed,
}

/// `?all=true`: every account's feeds (admins only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct FeedQuery {
    #[serde(default)]
    pub all: Option<bool>,
}
