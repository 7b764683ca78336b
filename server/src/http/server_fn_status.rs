//! Server functions answer every error with HTTP 500 (server_fn's own error
//! response) and the `AppError` JSON in the body. This puts the status the
//! error code stands for (400, 401, 403, 404, …) on those responses, as the
//! REST API does; the browser client treats any 4xx/5xx as an error the same
//! way. Input a server function cannot read is the caller's error (400, see
//! `AppError::from_server_fn_error`), and a body over the limit is refused
//! here with 413 before any server function reads it; both are logged at
//! debug level only.

use std::collections::HashSet;
use std::sync::OnceLock;

use app::error::{AppError, ErrorCode};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Error bodies are a code and a message; anything larger is left alone.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// Largest server-function request body (axum's default limit, which
/// server_fn would otherwise enforce itself and report as a 503).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub async fn set_status(req: Request, next: Next) -> Response {
    let req = if is_server_fn(req.uri().path()) {
        match buffered(req).await {
            Ok(req) => req,
            Err(refused) => return refused,
        }
    } else {
        req
    };
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    if !res.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.code.http_status()) {
            parts.status = status;
        }
        if parts.status.is_client_error() {
            tracing::debug!(%path, status = parts.status.as_u16(), message = %error.message,
                "server function refused the request");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Whether `path` is where a server function is mounted (any method).
fn is_server_fn(path: &str) -> bool {
    static PATHS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    PATHS
        .get_or_init(|| {
            leptos::server_fn::axum::server_fn_paths()
                .map(|(path, _)| path)
                .collect()
        })
        .contains(path)
}

/// The request with its body read into memory, or the 413 (or 400, for a
/// body that breaks off) that refuses it.
async fn buffered(req: Request) -> Result<Request, Response> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Err(too_large(parts.uri.path()));
    }
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return Err(refuse(
                AppError::invalid("The request body could not be read."),
                parts.uri.path(),
            ));
        };
        if bytes.len() + chunk.len() > BODY_LIMIT {
            return Err(too_large(parts.uri.path()));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn too_large(path: &str) -> Response {
    refuse(
        AppError::new(
            ErrorCode::TooLarge,
            format!(
                "The request body is larger than {} MiB.",
                BODY_LIMIT / (1024 * 1024)
            ),
        ),
        path,
    )
}

/// A server function's error answer, as server_fn would have sent it.
fn refuse(error: AppError, path: &str) -> Response {
    let status = StatusCode::from_u16(error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    tracing::debug!(%path, status = status.as_u16(), message = %error.message,
        "server function refused the request");
    let body = serde_json::to_vec(&error).unwrap_or_default();
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .header(SERVER_FN_ERROR_HEADER, path)
        .body(Body::from(body))
        .unwrap_or_default()
}
