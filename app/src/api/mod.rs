//! The `/api/v1` contract: the request and response types shared by the server handlers and
//! the UI, and the client the UI uses to call the API (in-process during SSR, fetch in the
//! browser). Field names are camelCase on the wire, as in Backstage.

pub mod checks;
pub mod client;
pub mod deps;
pub mod feeds;
pub mod fixes;
pub mod github;
pub mod incidents;
pub mod notify;
pub mod oncall;
pub mod oncall_health;
pub mod runbooks;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use utoipa::{IntoParams, ToSchema};

/// The body of every error response: `{"error": {"code", "message", "field"?}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct ErrorDetail {
    /// Machine-readable code: `validation`, `not_found`, `conflict`, `version_conflict`, …
    pub code: String,
    pub message: String,
    /// The offending field (camelCase, dotted for nested fields: `links.0.url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Further field errors when a request has more than one problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// One page of a list, with the total number of matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    Member,
    Lead,
}

impl TeamRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Member => "member",
            TeamRole::Lead => "lead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(TeamRole::Member),
            "lead" => Some(TeamRole::Lead),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The person's handle.
    pub person: String,
    pub role: TeamRole,
    /// Display name of the person (filled in responses, ignored in requests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Body of `POST /teams` and `PUT /teams/{slug}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamInput {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub chat_channel: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub members: Vec<Member>,
    /// Required by `PUT`: the version the client read.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub slug: String,
    pub name: String,
    pub parent: Option<String>,
    pub description: Option<String>,
    pub chat_channel: Option<String>,
    pub email: Option<String>,
    pub members: Vec<Member>,
    /// Slugs of the teams whose parent is this team.
    #[serde(default)]
    pub children: Vec<String>,
    /// Services this team owns (filled by `GET /teams/{slug}`).
    #[serde(default)]
    pub services: Vec<ServiceSummary>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /people` and `PUT /people/{handle}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonInput {
    pub handle: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    #[serde(default)]
    pub github_login: Option<String>,
    #[serde(default = "default_true")]
    pub active: bool,
    #[serde(default)]
    pub version: Option<i64>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub handle: String,
    pub name: String,
    pub email: Option<String>,
    pub time_zone: String,
    pub github_login: Option<String>,
    pub active: bool,
    /// Teams the person belongs to, with the role.
    #[serde(default)]
    pub teams: Vec<PersonTeam>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonTeam {
    pub team: String,
    pub role: TeamRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Experimental,
    Production,
    Deprecated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Service,
    Website,
    Library,
    Job,
}

macro_rules! str_enum {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub const ALL: &'static [$t] = &[$(<$t>::$v),*];
            pub fn as_str(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(<$t>::$v),)* _ => None }
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
str_enum!(Lifecycle { Experimental => "experimental", Production => "production", Deprecated => "deprecated" });
str_enum!(ServiceKind { Service => "service", Website => "website", Library => "library", Job => "job" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// Body of `POST /services` and `PUT /services/{slug}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceInput {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Owning team slugs; the first is the primary owner.
    pub owners: Vec<String>,
    /// 1 (largest blast radius) to 4.
    pub tier: i64,
    pub lifecycle: Lifecycle,
    pub kind: ServiceKind,
    #[serde(default)]
    pub system: Option<String>,
    /// GitHub repository as `owner/name`.
    #[serde(default)]
    pub repository: Option<String>,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Slugs of services this one depends on.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Kept exactly as given.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub version: Option<i64>,
}

/// A service as it appears in lists and in the dependency sections of another service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceSummary {
    pub slug: String,
    pub name: String,
    pub tier: i64,
    pub lifecycle: Lifecycle,
    pub kind: ServiceKind,
    /// Owning team slugs, primary first.
    pub owners: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServiceListItem {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub owners: Vec<String>,
    pub tier: i64,
    pub lifecycle: Lifecycle,
    pub kind: ServiceKind,
    pub system: Option<String>,
    pub tags: Vec<String>,
    pub version: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OwnerRef {
    pub slug: String,
    pub name: String,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// Owning teams, primary first.
    pub owners: Vec<OwnerRef>,
    pub tier: i64,
    pub lifecycle: Lifecycle,
    pub kind: ServiceKind,
    pub system: Option<String>,
    pub repository: Option<String>,
    pub links: Vec<Link>,
    pub tags: Vec<String>,
    pub annotations: BTreeMap<String, String>,
    pub depends_on: Vec<ServiceSummary>,
    pub depended_on_by: Vec<ServiceSummary>,
    /// A dependency cycle this service is part of (slugs, starting and ending here), if any.
    /// Cycles are allowed — they exist in the world — but worth knowing about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency_cycle: Option<Vec<String>>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// Query of `GET /services`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct ServiceQuery {
    /// Free text, matched against name, slug and description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Owning team slug (any owner, not only the primary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// `name`, `slug`, `tier`, `lifecycle`, `kind`, `updatedAt`; prefix `-` for descending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// 1–500, default 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

/// Query of `GET /teams` and `GET /people`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct SimpleQuery {
    /// Free text, matched against name and slug/handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Teams: the parent team's slug. People: the team slug the person belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// `name` or the identifier (`slug`/`handle`), `-` prefix for descending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

/// Body of `POST /import`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportRequest {
    /// Backstage catalog YAML; several documents separated by `---`.
    pub yaml: String,
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ImportAction {
    Create,
    Update,
    Unchanged,
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportItem {
    /// Backstage kind (`Component`, `Group`, …).
    pub kind: String,
    pub name: String,
    pub action: ImportAction,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub dry_run: bool,
    /// True when the plan was written (never on a dry run or when anything was rejected).
    pub applied: bool,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub items: Vec<ImportItem>,
}

/// One entry of the audit log: who changed what, from what to what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    /// `account`, `token`, `system` (Steward itself or its command line) or `anonymous`.
    pub actor_kind: String,
    pub actor: String,
    /// `service.create`, `team.update`, `person.delete`, `catalog.import`, …
    pub action: String,
    /// `service`, `team`, `person` or `entity`.
    pub subject_type: String,
    pub subject: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "ssr", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

/// Query of `GET /audit`; newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct AuditQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// `service`, `team`, `person` or `entity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// RFC 3339 instant; events at or after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// RFC 3339 instant; events before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
}

/// `POST /session`: sign in with a handle and password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    pub handle: String,
    pub password: String,
}

/// Who the caller is: the account, its role, its catalog person and that person's teams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub handle: String,
    /// `admin`, `member` or `viewer`.
    pub role: String,
    pub person: Option<String>,
    pub teams: Vec<String>,
    /// `session` (a browser) or `token` (automation).
    pub via: String,
}

/// `PUT /session/password`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// `POST /tokens`: a new API token for the signed-in account.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenInput {
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// Days until it expires; none means it does not expire.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// An API token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// The first characters, to tell tokens apart.
    pub prefix: String,
    pub scope: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// The answer to `POST /tokens`: the only time the token is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedToken {
    pub token: String,
    pub info: TokenInfo,
}

/// An account as an admin sees it (never its password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccountInfo {
    pub handle: String,
    /// `admin`, `member` or `viewer`.
    pub role: String,
    /// The catalog person the account is linked to (same handle, or GitHub login).
    pub person: Option<String>,
    pub active: bool,
    /// Whether the account can sign in with a password (GitHub-only accounts cannot).
    pub password: bool,
    pub created_at: String,
}

/// `POST /accounts`: a new account. Without a password, one is generated and shown once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccountInput {
    pub handle: String,
    pub role: String,
    #[serde(default)]
    pub password: Option<String>,
}

/// `PATCH /accounts/{handle}`: fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccountPatch {
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    /// Replace the password with a generated one, shown once in the answer; the account's
    /// sessions end.
    #[serde(default)]
    pub reset_password: bool,
}

/// An account with the password generated for it, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IssuedAccount {
    pub account: AccountInfo,
    pub password: Option<String>,
}

/// `GET /auth/methods`: the ways to sign in that this server offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthMethods {
    pub password: bool,
    pub github: bool,
}
