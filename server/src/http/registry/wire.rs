//! The registry API's wire conventions: Confluent's content types, error
//! bodies `{"error_code", "message"}`, and extractors whose rejections are
//! such bodies too (never axum's plain-text ones).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::registry::RegistryError;

/// What every registry response is sent as.
pub const CONTENT_TYPE_V1: &str = "application/vnd.schemaregistry.v1+json";
/// Request bodies above this are refused before parsing (schemas are limited
/// to 1 MiB separately; JSON escaping can grow one a lot).
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The content types a request body may have: JSON ones only, so no
/// cross-site "simple" request (form or text/plain, which a browser sends
/// without asking) can write.
const ACCEPTED_TYPES: [&str; 3] = [
    "application/vnd.schemaregistry.v1+json",
    "application/vnd.schemaregistry+json",
    "application/json",
];

/// Refuses a body whose content type is missing or not JSON (parameters
/// such as `charset` are allowed).
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), RegistryError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Err(RegistryError::UnsupportedMediaType("(none)".to_string()));
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    let essence = text.split(';').next().unwrap_or_default().trim();
    if ACCEPTED_TYPES
        .iter()
        .any(|t| t.eq_ignore_ascii_case(essence))
    {
        Ok(())
    } else {
        let shown: String = text.chars().take(100).collect();
        Err(RegistryError::UnsupportedMediaType(shown))
    }
}

/// A write to the registry (any method but GET, HEAD, OPTIONS) that carries
/// a body, or names its type, must carry JSON: checked before anything else.
pub async fn json_bodies_only(
    req: Request,
    next: axum::middleware::Next,
) -> Result<Response, RegistryError> {
    use axum::http::Method;
    if [Method::GET, Method::HEAD, Method::OPTIONS].contains(req.method()) {
        return Ok(next.run(req).await);
    }
    use axum::body::HttpBody;
    if !req.body().is_end_stream() || req.headers().contains_key(CONTENT_TYPE) {
        require_json(req.headers())?;
    }
    Ok(next.run(req).await)
}

impl IntoResponse for RegistryError {
    fn into_response(self) -> Response {
        if let RegistryError::Store(cause) = &self {
            tracing::error!(error = %cause, "schema registry store error");
        }
        let status =
            StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({
            "error_code": self.error_code(),
            "message": self.public_message(),
        });
        raw(status, body.to_string())
    }
}

/// A body sent as-is with the registry's content type.
pub fn raw(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_V1));
    response
}

/// A 200 with `value` as JSON.
pub fn reply<T: Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => raw(StatusCode::OK, body),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode a registry response");
            raw(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"error_code":50001,"message":"Error in the backend data store"}"#.to_string(),
            )
        }
    }
}

/// Path parameters; a bad one is a 400 in the registry's format.
pub struct P<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = RegistryError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, RegistryError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| P(v))
            .map_err(|e| RegistryError::BadRequest(e.body_text()))
    }
}

/// Query flags: `?deleted=true` and the like (any other value is false).
pub struct Flags(HashMap<String, String>);

impl Flags {
    pub fn get(&self, name: &str) -> bool {
        self.0
            .get(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Flags {
    type Rejection = RegistryError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, RegistryError> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Flags(q))
            .map_err(|e| RegistryError::BadRequest(e.body_text()))
    }
}

/// A JSON body in one of Confluent's content types. Malformed JSON is a 400
/// with error_code 400, as Confluent answers it.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = RegistryError;

    async fn from_request(req: Request, state: &S) -> Result<Self, RegistryError> {
        require_json(req.headers())?;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                RegistryError::PayloadTooLarge(BODY_LIMIT)
            } else {
                RegistryError::BadRequest(e.body_text())
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(Body)
            .map_err(|e| RegistryError::BadRequest(format!("Invalid JSON body: {e}")))
    }
}
