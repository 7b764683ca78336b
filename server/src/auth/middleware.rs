//! Resolves the session cookie into a `Caller` in the request's extensions,
//! where server functions and REST handlers find it.

use axum::extract::{Request, State};
use axum::http::header::COOKIE;
use axum::middleware::Next;
use axum::response::Response;

use super::sessions;
use crate::state::AppState;

pub fn session_token(headers: &axum::http::HeaderMap) -> Option<String> {
    cookie_value(headers, sessions::COOKIE).filter(|v| !v.is_empty())
}

/// The value of the named cookie of the request, if any.
pub fn cookie_value(headers: &axum::http::HeaderMap, cookie: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie)
        .map(|(_, value)| value.to_string())
}

pub async fn resolve_caller(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(token) = session_token(req.headers()) {
        match sessions::resolve(&state.db, &token).await {
            Ok(Some(user)) => match state.auth.caller(&user).await {
                Ok(caller) => {
                    req.extensions_mut().insert(caller);
                }
                Err(e) => tracing::error!(error = %e, "cannot load the caller"),
            },
            // Unknown or expired: the request goes on signed out.
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "cannot read the session"),
        }
    }
    next.run(req).await
}
