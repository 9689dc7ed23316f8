//! Sign-in with GitHub (OAuth web flow). `/auth/github/start` sends the browser to GitHub with
//! a one-time state kept in the session; `/auth/github/callback` checks the state, exchanges
//! the code for a token, asks GitHub (through octocrab) who the user is and, when an
//! organization is required, whether they are an active member of it. The GitHub login maps
//! to the catalog person with that login, whose account is used (or created, as a member).
//! Any failure ends on the sign-in page with a reason; nothing is stored.

use super::auth::{now_unix, session_error, SEEN_AT, SIGNED_IN_AT};
use super::AppState;
use crate::configuration::GithubSettings;
use crate::domain::authz::Role;
use crate::error::Error;
use crate::store::audit::Actor;
use crate::store::{accounts, people, sessions};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use tower_sessions::Session;

const STATE_KEY: &str = "githubState";
const NEXT_KEY: &str = "githubNext";

pub fn routes(state: AppState) -> Router {
    Router::new()
        .route("/auth/github/start", get(start))
        .route("/auth/github/callback", get(callback))
        .with_state(state)
}

/// Why a GitHub sign-in ended without a session; the sign-in page words each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Cancelled,
    State,
    Unavailable,
    NotInOrg,
    NoPerson,
    Taken,
    Inactive,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Cancelled => "github_cancelled",
            Refusal::State => "github_state",
            Refusal::Unavailable => "github_unavailable",
            Refusal::NotInOrg => "github_org",
            Refusal::NoPerson => "github_no_person",
            Refusal::Taken => "github_taken",
            Refusal::Inactive => "github_inactive",
        }
    }

    fn to_sign_in(self) -> Response {
        Redirect::to(&format!("/sign-in?error={}", self.code())).into_response()
    }
}

/// Only a path on this site may follow sign-in.
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\"))
        .unwrap_or_else(|| "/".into())
}

/// This server's own address as the browser sees it: the public URL, else the Host header.
fn origin(state: &AppState, headers: &HeaderMap) -> String {
    state.auth.public_origin.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        format!("http://{host}")
    })
}

fn configured(state: &AppState) -> Result<&GithubSettings, Error> {
    state
        .auth
        .github
        .as_ref()
        .ok_or_else(|| Error::NotFound("GitHub sign-in (it is not configured)".into()))
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<StartQuery>,
) -> Result<Response, Error> {
    let github = configured(&state)?;
    let one_time = crate::auth::generate_token();
    session
        .insert(STATE_KEY, &one_time)
        .await
        .map_err(session_error)?;
    session
        .insert(NEXT_KEY, safe_next(q.next))
        .await
        .map_err(session_error)?;
    let mut url = github
        .web_url
        .join("login/oauth/authorize")
        .map_err(|e| Error::Internal(e.into()))?;
    url.query_pairs_mut()
        .append_pair("client_id", &github.client_id)
        .append_pair(
            "redirect_uri",
            &format!("{}/auth/github/callback", origin(&state, &headers)),
        )
        .append_pair(
            "scope",
            if github.allowed_org.is_some() {
                "read:user read:org"
            } else {
                "read:user"
            },
        )
        .append_pair("state", &one_time)
        .append_pair("allow_signup", "false");
    Ok(Redirect::to(url.as_str()).into_response())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct Membership {
    state: String,
}

fn octocrab(base: &url::Url, token: Option<String>) -> Result<octocrab::Octocrab, Refusal> {
    let mut builder = octocrab::Octocrab::builder()
        .base_uri(base.as_str())
        .map_err(|_| Refusal::Unavailable)?
        .set_connect_timeout(Some(std::time::Duration::from_secs(5)))
        .set_read_timeout(Some(std::time::Duration::from_secs(15)));
    builder = match token {
        Some(t) => builder.personal_token(t),
        None => builder.add_header(header::ACCEPT, "application/json".into()),
    };
    builder.build().map_err(|e| {
        tracing::warn!(error = %e, "could not build the GitHub client");
        Refusal::Unavailable
    })
}

/// What GitHub says went wrong, for the log (never the token).
fn unavailable(what: &str, e: octocrab::Error) -> Refusal {
    tracing::warn!(error = %e, "GitHub {what} failed");
    Refusal::Unavailable
}

/// The GitHub login behind `code`, once GitHub confirms the org membership if one is needed.
async fn github_login(
    github: &GithubSettings,
    code: &str,
    redirect_uri: &str,
) -> Result<String, Refusal> {
    let exchange = octocrab(&github.web_url, None)?;
    let token: TokenResponse = exchange
        .post(
            "/login/oauth/access_token",
            Some(&serde_json::json!({
                "client_id": github.client_id,
                "client_secret": github.client_secret,
                "code": code,
                "redirect_uri": redirect_uri,
            })),
        )
        .await
        .map_err(|e| unavailable("token exchange", e))?;
    let Some(access_token) = token.access_token else {
        tracing::info!(error = ?token.error, "GitHub refused the code");
        return Err(Refusal::State);
    };
    let api = octocrab(&github.api_url, Some(access_token))?;
    let user = api
        .current()
        .user()
        .await
        .map_err(|e| unavailable("user lookup", e))?;
    if let Some(org) = &github.allowed_org {
        let membership: Result<Membership, _> = api
            .get(format!("/user/memberships/orgs/{org}"), None::<&()>)
            .await;
        match membership {
            Ok(m) if m.state == "active" => {}
            Ok(_) => return Err(Refusal::NotInOrg),
            Err(octocrab::Error::GitHub { source, .. }) if source.status_code.is_client_error() => {
                tracing::info!(login = %user.login, org = %org, "not a member of the organization");
                return Err(Refusal::NotInOrg);
            }
            Err(e) => return Err(unavailable("membership lookup", e)),
        }
    }
    Ok(user.login)
}

/// Steward itself, acting in this request on GitHub's word.
fn steward(request: Actor) -> Actor {
    Actor {
        principal: None,
        system: true,
        request_id: request.request_id,
    }
}

async fn callback(
    State(state): State<AppState>,
    actor: Actor,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, Error> {
    let github = configured(&state)?;
    let expected: Option<String> = session.remove(STATE_KEY).await.map_err(session_error)?;
    let next: Option<String> = session.remove(NEXT_KEY).await.map_err(session_error)?;
    if q.error.is_some() {
        return Ok(Refusal::Cancelled.to_sign_in());
    }
    let (Some(code), Some(sent), Some(expected)) = (q.code, q.state, expected) else {
        return Ok(Refusal::State.to_sign_in());
    };
    if crate::auth::token_hash(&sent) != crate::auth::token_hash(&expected) {
        return Ok(Refusal::State.to_sign_in());
    }
    let redirect_uri = format!("{}/auth/github/callback", origin(&state, &headers));
    let login = match github_login(github, &code, &redirect_uri).await {
        Ok(login) => login,
        Err(refusal) => return Ok(refusal.to_sign_in()),
    };
    let Some((person_id, handle)) = people::by_github_login(&state.store, &login).await? else {
        tracing::info!(login = %login, "no person has this GitHub login");
        return Ok(Refusal::NoPerson.to_sign_in());
    };
    let account = match accounts::by_person(&state.store, person_id).await? {
        Some(a) => a,
        // First GitHub sign-in of this person: a member account, recorded as made by Steward
        // on GitHub's word.
        None => match accounts::create(&state.store, &steward(actor), &handle, Role::Member, None)
            .await
        {
            Ok(a) => a,
            Err(Error::Conflict { .. }) => {
                tracing::info!(handle = %handle, "an unlinked account holds this handle");
                return Ok(Refusal::Taken.to_sign_in());
            }
            Err(e) => return Err(e),
        },
    };
    if !account.active {
        return Ok(Refusal::Inactive.to_sign_in());
    }
    session.cycle_id().await.map_err(session_error)?;
    let now = now_unix();
    session
        .insert(sessions::ACCOUNT_KEY, account.id)
        .await
        .map_err(session_error)?;
    session
        .insert(SIGNED_IN_AT, now)
        .await
        .map_err(session_error)?;
    session.insert(SEEN_AT, now).await.map_err(session_error)?;
    tracing::info!(handle = %account.handle, login = %login, "signed in with GitHub");
    Ok(Redirect::to(&safe_next(next)).into_response())
}
