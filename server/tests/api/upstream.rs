//! The fake-upstream harness of the integration tests: a real HTTP server on 127.0.0.1 that
//! serves a router of recorded responses, records every request it was asked, and fails on
//! demand (a status, garbage, or an answer that comes too late after the work was done).

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the upstream got.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// How a planned failure answers.
#[derive(Debug, Clone)]
pub enum Fault {
    /// This status, headers and body, without doing the work.
    Status(u16, Vec<(&'static str, String)>, &'static str),
    /// 200 with a body that is not what the upstream sends.
    Garbage,
    /// Does the work, then answers only after this long (the caller has given up by then).
    Late(Duration),
}

#[derive(Debug, Clone)]
struct Planned {
    method: String,
    prefix: String,
    fault: Fault,
    times: usize,
}

#[derive(Clone, Default)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    planned: Arc<Mutex<Vec<Planned>>>,
}

pub struct Upstream {
    pub url: String,
    shared: Shared,
}

async fn record(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 16 * 1024 * 1024).await.unwrap_or_default();
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let method = parts.method.to_string();
    shared.seen.lock().expect("lock").push(Seen {
        method: method.clone(),
        uri: uri.clone(),
        headers: parts.headers.clone(),
        body: bytes.to_vec(),
    });
    let fault = {
        let mut planned = shared.planned.lock().expect("lock");
        let found = planned
            .iter_mut()
            .find(|p| p.times > 0 && p.method == method && uri.starts_with(&p.prefix));
        found.map(|p| {
            p.times -= 1;
            p.fault.clone()
        })
    };
    let request = Request::from_parts(parts, Body::from(bytes));
    match fault {
        None => next.run(request).await,
        Some(Fault::Status(code, headers, body)) => {
            let mut response = (
                StatusCode::from_u16(code).expect("status"),
                [("content-type", "application/json")],
                body,
            )
                .into_response();
            for (name, value) in headers {
                response
                    .headers_mut()
                    .insert(name, value.parse().expect("header value"));
            }
            response
        }
        Some(Fault::Garbage) => (
            StatusCode::OK,
            [("content-type", "application/json")],
            "<html>502 Bad Gateway</html>",
        )
            .into_response(),
        Some(Fault::Late(wait)) => {
            let response = next.run(request).await;
            tokio::time::sleep(wait).await;
            response
        }
    }
}

impl Upstream {
    /// Serves `router` on a free port of 127.0.0.1.
    pub async fn start(router: Router) -> Upstream {
        let shared = Shared::default();
        let app = router.layer(axum::middleware::from_fn_with_state(shared.clone(), record));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Upstream { url, shared }
    }

    /// The next `times` requests of `method` whose path starts with `prefix` fail so.
    pub fn fail(&self, method: &str, prefix: &str, fault: Fault, times: usize) {
        self.shared.planned.lock().expect("lock").push(Planned {
            method: method.into(),
            prefix: prefix.into(),
            fault,
            times,
        });
    }

    /// What was asked, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().expect("lock").clone()
    }

    /// How many requests of `method` had a path starting with `prefix`.
    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.uri.starts_with(prefix))
            .count()
    }
}
