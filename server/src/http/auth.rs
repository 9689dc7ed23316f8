//! Who is calling. One middleware resolves the caller of every request — an API token, a
//! browser session, or nobody — refuses cross-site form posts, and keeps visitors who are not
//! signed in out unless anonymous reading is switched on. What a caller may change is decided
//! later, in the store, by `authz::authorize`.

use super::AppState;
use crate::domain::authz::Principal;
use crate::error::Error;
use crate::store::{accounts, sessions};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use steward_app::api::client::Forwarded;
use tower_sessions::Session;

/// Session keys besides the account id.
pub const SIGNED_IN_AT: &str = "signedInAt";
pub const SEEN_AT: &str = "seenAt";

/// How often an active session's idle deadline is pushed back (one write per session per
/// minute at most, not one per request).
const TOUCH_EVERY_SECS: i64 = 60;

/// Settings the HTTP layer needs, fixed at start-up.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    pub anonymous_read: bool,
    /// `scheme://host[:port]` of the public URL, when one is set.
    pub public_origin: Option<String>,
    pub client_ip_header: Option<String>,
    /// Absolute session lifetime, seconds.
    pub session_max_secs: i64,
    /// Idle session lifetime, seconds.
    pub session_idle_secs: i64,
    pub secure_cookies: bool,
    pub github: Option<crate::configuration::GithubSettings>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Session,
    Token,
}

/// The resolved caller, stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Option<Principal>,
    pub via: Via,
}

impl AuthConfig {
    pub fn from_settings(settings: &crate::configuration::Settings) -> AuthConfig {
        AuthConfig {
            anonymous_read: settings.anonymous_read,
            public_origin: settings
                .public_url
                .as_ref()
                .map(|u| u.origin().ascii_serialization()),
            client_ip_header: settings.client_ip_header.clone(),
            session_max_secs: settings.session_max.as_secs() as i64,
            session_idle_secs: settings.session_idle.as_secs() as i64,
            secure_cookies: settings.secure_cookies(),
            github: settings.github.clone(),
        }
    }
}

impl Caller {
    pub fn anonymous() -> Caller {
        Caller {
            principal: None,
            via: Via::Anonymous,
        }
    }
}

pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// API routes that answer callers who are not signed in.
fn public_api(method: &Method, path: &str) -> bool {
    (path == "/api/v1/session" && method == Method::POST)
        || path == "/api/v1/openapi.json"
        || path.starts_with("/api/v1/auth/")
        // GitHub's deliveries prove themselves by their signature.
        || (path == "/api/v1/webhooks/github" && method == Method::POST)
}

/// Page routes (server-rendered) as opposed to API, assets and operations endpoints.
fn is_page(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or("");
    !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !path.starts_with("/auth/")
        && !path.starts_with("/ical/")
        && !matches!(path, "/healthz" | "/readyz" | "/metrics" | "/sign-in")
        && !last.contains('.')
}

/// True when a browser says the request comes from another site. Browsers send
/// `Sec-Fetch-Site` on every request (and `Origin` on every non-GET one); a request with
/// neither is not a browser's, so carries no ambient cookie risk.
fn cross_site(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin") | Ok("none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    if public_origin == Some(origin) {
        return false;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (url::Url::parse(origin), host) {
        (Ok(o), Some(host)) => {
            let origin_host = match o.port() {
                Some(p) => format!("{}:{p}", o.host_str().unwrap_or("")),
                None => o.host_str().unwrap_or("").to_string(),
            };
            !origin_host.eq_ignore_ascii_case(host)
        }
        _ => true,
    }
}

/// The client's address: the configured proxy header's last entry, else the peer.
pub fn client_address(request: &axum::http::request::Parts, config: &AuthConfig) -> String {
    if let Some(name) = &config.client_ip_header {
        if let Some(v) = request
            .headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
        {
            if let Some(last) = v
                .rsplit(',')
                .next()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                return last.to_string();
            }
        }
    }
    request
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn from_token(state: &AppState, value: &header::HeaderValue) -> Result<Caller, Error> {
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            Error::Unauthenticated("send the token as Authorization: Bearer TOKEN".into())
        })?;
    let principal = accounts::principal_for_token(&state.store, token)
        .await?
        .ok_or_else(|| {
            Error::Unauthenticated("the API token is unknown, expired or revoked".into())
        })?;
    Ok(Caller {
        principal: Some(principal),
        via: Via::Token,
    })
}

pub fn session_error(e: tower_sessions::session::Error) -> Error {
    Error::Internal(anyhow::anyhow!("session store: {e}"))
}

async fn from_session(state: &AppState, session: &Session) -> Result<Caller, Error> {
    let Some(account_id) = session
        .get::<i64>(sessions::ACCOUNT_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(Caller::anonymous());
    };
    let now = now_unix();
    let signed_in_at = session
        .get::<i64>(SIGNED_IN_AT)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    let principal = if now - signed_in_at > state.auth.session_max_secs {
        None
    } else {
        accounts::principal_by_id(&state.store, account_id).await?
    };
    let Some(principal) = principal else {
        // Past its absolute lifetime, or the account is gone or deactivated.
        session.flush().await.map_err(session_error)?;
        return Ok(Caller::anonymous());
    };
    let seen = session
        .get::<i64>(SEEN_AT)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if now - seen >= TOUCH_EVERY_SECS {
        session.insert(SEEN_AT, now).await.map_err(session_error)?;
    }
    Ok(Caller {
        principal: Some(principal),
        via: Via::Session,
    })
}

/// Resolves the caller, checks the origin of cookie-carrying writes and keeps anonymous
/// visitors out when anonymous reading is off.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let authorization = request.headers().get(header::AUTHORIZATION).cloned();
    let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method
        && authorization.is_none()
        && cross_site(request.headers(), state.auth.public_origin.as_deref())
    {
        return Error::Forbidden(
            "cross-site request refused: changes must come from Steward's own pages".into(),
        )
        .into_response();
    }
    let caller = if let Some(caller) = request.extensions().get::<Caller>() {
        // Forwarded by the server-side renderer, which resolved it for the page request.
        Ok(caller.clone())
    } else if let Some(value) = &authorization {
        from_token(&state, value).await
    } else if let Some(session) = request.extensions().get::<Session>().cloned() {
        from_session(&state, &session).await
    } else {
        Ok(Caller::anonymous())
    };
    let caller = match caller {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if caller.principal.is_none() {
        let api = path.starts_with("/api/");
        if api && unsafe_method && !public_api(&method, &path) {
            return Error::Unauthenticated(
                "sign in, or send an API token, to change anything".into(),
            )
            .into_response();
        }
        if !state.auth.anonymous_read {
            if api && !public_api(&method, &path) {
                return Error::Unauthenticated("sign in, or send an API token".into())
                    .into_response();
            }
            if !api && is_page(&path) {
                let target = request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                return Redirect::to(&format!(
                    "/sign-in?next={}",
                    url::form_urlencoded::byte_serialize(target.as_bytes()).collect::<String>()
                ))
                .into_response();
            }
        }
    }
    if !path.starts_with("/api/") {
        let mut forwarded = axum::http::Extensions::new();
        forwarded.insert(caller.clone());
        request.extensions_mut().insert(Forwarded(forwarded));
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_detection() {
        assert!(!cross_site(&headers(&[]), None), "not a browser");
        assert!(!cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            None
        ));
        assert!(cross_site(
            &headers(&[("sec-fetch-site", "same-site")]),
            None
        ));
        let same = headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(!cross_site(&same, None));
        let other = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000"),
        ]);
        assert!(cross_site(&other, None));
        let proxied = headers(&[
            ("origin", "https://steward.example.com"),
            ("host", "10.0.0.5"),
        ]);
        assert!(!cross_site(&proxied, Some("https://steward.example.com")));
        assert!(cross_site(
            &headers(&[("origin", "null"), ("host", "a")]),
            None
        ));
    }

    #[test]
    fn pages_and_public_routes() {
        assert!(is_page("/"));
        assert!(is_page("/services/ledger"));
        assert!(!is_page("/sign-in"));
        assert!(!is_page("/pkg/steward.js"));
        assert!(!is_page("/favicon.ico"));
        assert!(!is_page("/healthz"));
        assert!(!is_page("/auth/github/start"));
        assert!(!is_page("/ical/stwcal_x.ics"));
        assert!(
            !is_page("/ical/stwcal_x"),
            "calendar apps get a 404, not a sign-in page"
        );
        assert!(public_api(&Method::POST, "/api/v1/session"));
        assert!(!public_api(&Method::GET, "/api/v1/session"));
        assert!(!public_api(&Method::GET, "/api/v1/services"));
    }
}
