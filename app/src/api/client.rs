//! The UI's client of `/api/v1`. During server-side rendering it calls the API router
//! in-process (same handlers, the visitor's identity forwarded, no network hop); in the browser
//! it uses `fetch`. Either way the UI sees exactly what a script with a token would see.

use super::ErrorDetail;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::future::Future;

/// A failed API call as the UI sees it: the HTTP status and the API's error detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub status: u16,
    pub error: ErrorDetail,
}

impl ApiError {
    fn transport(message: impl Into<String>) -> Self {
        ApiError {
            status: 0,
            error: ErrorDetail {
                code: "transport".into(),
                message: message.into(),
                field: None,
                details: Vec::new(),
            },
        }
    }

    /// The message for one field (`slug`, `owners.0`, …), if the API reported one.
    pub fn field_message(&self, field: &str) -> Option<String> {
        if self.error.field.as_deref() == Some(field) {
            return Some(self.error.message.clone());
        }
        self.error
            .details
            .iter()
            .find(|d| d.field == field)
            .map(|d| d.message.clone())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.error.message)
    }
}

/// The API router, handed to the UI during SSR so that page data comes from the same handlers.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct InProcessApi(pub axum::Router);

/// Request extensions the server attaches to a page request for the in-process API calls
/// made while rendering it (the caller it already resolved), copied onto each such call.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct Forwarded(pub http::Extensions);

#[cfg(any(feature = "ssr", feature = "hydrate"))]
fn decode<T: DeserializeOwned>(status: u16, bytes: &[u8]) -> Result<T, ApiError> {
    if (200..300).contains(&status) {
        serde_json::from_slice(bytes)
            .map_err(|e| ApiError::transport(format!("unexpected response from the API: {e}")))
    } else {
        match serde_json::from_slice::<super::ErrorBody>(bytes) {
            Ok(body) => Err(ApiError {
                status,
                error: body.error,
            }),
            Err(_) => Err(ApiError::transport(format!(
                "the API answered with status {status}"
            ))),
        }
    }
}

/// `GET /api/v1{path}`.
pub fn get<T>(path: String) -> impl Future<Output = Result<T, ApiError>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    request::<T>("GET", path, None)
}

/// `POST`/`PUT`/`PATCH`/`DELETE` with a JSON body.
pub fn send<B, T>(
    method: &'static str,
    path: String,
    body: &B,
) -> impl Future<Output = Result<T, ApiError>> + Send + 'static
where
    B: Serialize,
    T: DeserializeOwned + Send + 'static,
{
    let body = serde_json::to_vec(body).ok();
    request::<T>(method, path, body)
}

/// `DELETE /api/v1{path}`; succeeds on 204.
pub fn delete(path: String) -> impl Future<Output = Result<(), ApiError>> + Send + 'static {
    let fut = request::<serde_json::Value>("DELETE", path, None);
    async move {
        match fut.await {
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(feature = "ssr")]
fn request<T>(
    method: &'static str,
    path: String,
    body: Option<Vec<u8>>,
) -> impl Future<Output = Result<T, ApiError>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    use leptos::prelude::use_context;
    use tower::ServiceExt;
    // Contexts are read now, synchronously, while the reactive owner is current.
    let api = use_context::<InProcessApi>();
    // The page request's extensions carry the caller the server already resolved for it.
    let forwarded = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Forwarded>().cloned());
    async move {
        let Some(InProcessApi(router)) = api else {
            return Err(ApiError::transport("the API is not available"));
        };
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from(body.unwrap_or_default()))
            .map_err(|e| ApiError::transport(e.to_string()))?;
        if let Some(Forwarded(extensions)) = forwarded {
            request.extensions_mut().extend(extensions);
        }
        let response = match router.oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status().as_u16();
        if status == 204 {
            return decode(200, b"null");
        }
        let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024)
            .await
            .map_err(|e| ApiError::transport(e.to_string()))?;
        decode(status, &bytes)
    }
}

#[cfg(not(feature = "ssr"))]
fn request<T>(
    method: &'static str,
    path: String,
    body: Option<Vec<u8>>,
) -> impl Future<Output = Result<T, ApiError>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    send_wrapper::SendWrapper::new(async move { browser_request(method, path, body).await })
}

#[cfg(all(not(feature = "ssr"), feature = "hydrate"))]
async fn browser_request<T: DeserializeOwned>(
    method: &'static str,
    path: String,
    body: Option<Vec<u8>>,
) -> Result<T, ApiError> {
    use gloo_net::http::{Method, RequestBuilder};
    let method = match method {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        "PATCH" => Method::PATCH,
        _ => Method::GET,
    };
    let builder = RequestBuilder::new(&format!("/api/v1{path}"))
        .method(method)
        .header("content-type", "application/json");
    let request = match body {
        Some(b) => builder.body(b),
        None => builder.build(),
    }
    .map_err(|e| ApiError::transport(e.to_string()))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::transport(e.to_string()))?;
    let status = response.status();
    if status == 204 {
        return decode(200, b"null");
    }
    let bytes = response
        .binary()
        .await
        .map_err(|e| ApiError::transport(e.to_string()))?;
    decode(status, &bytes)
}

#[cfg(all(not(feature = "ssr"), not(feature = "hydrate")))]
async fn browser_request<T: DeserializeOwned>(
    _method: &'static str,
    _path: String,
    _body: Option<Vec<u8>>,
) -> Result<T, ApiError> {
    Err(ApiError::transport("no API transport compiled in"))
}

/// Percent-encodes a query string built from `(key, value)` pairs, skipping empty values.
pub fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", urlencoding::encode(v)))
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}
