//! Resolves the request's credential into a `Caller` in its extensions,
//! where server functions and REST handlers find it: an API token on the
//! REST API and the registry (refused at once when it does not authenticate
//! or lacks the call's scope; the cookie is then not read), else the session
//! cookie.

use app::error::{AppError, ErrorCode};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, WWW_AUTHENTICATE};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{sessions, tokens};
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
    if let Some(surface) = tokens::rules::Surface::of(req.uri().path()) {
        if let Some(header) = req.headers().get(AUTHORIZATION) {
            let presentation = Presentation {
                header: header.to_str().unwrap_or("").to_string(),
                method: req.method().clone(),
                path: req.uri().path().to_string(),
                peer: req
                    .extensions()
                    .get::<ConnectInfo<std::net::SocketAddr>>()
                    .map(|c| c.0.ip()),
            };
            return match token_caller(&state, presentation, surface).await {
                Ok(authenticated) => {
                    req.extensions_mut().insert(authenticated.caller.clone());
                    // `GET /me` tells a client which scopes its token has.
                    req.extensions_mut().insert(authenticated);
                    next.run(req).await
                }
                Err(refusal) => refusal,
            };
        }
    }
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

/// What the token check reads of a request, taken before any await (a
/// request's body is not `Sync`, so the request itself cannot be held).
struct Presentation {
    header: String,
    method: axum::http::Method,
    path: String,
    peer: Option<std::net::IpAddr>,
}

/// Who a token acts as and its scopes, or the refusal to answer with.
async fn token_caller(
    state: &AppState,
    req: Presentation,
    surface: tokens::rules::Surface,
) -> Result<tokens::Authenticated, Response> {
    use tokens::rules::Surface;
    let refuse = |code: ErrorCode, message: String| {
        let mut response = match surface {
            Surface::Rest => crate::http::ApiError(AppError::new(code, message)).into_response(),
            Surface::Registry if code == ErrorCode::Forbidden => {
                crate::registry::RegistryError::Forbidden(message).into_response()
            }
            Surface::Registry => {
                crate::registry::RegistryError::Unauthenticated(message).into_response()
            }
        };
        if code == ErrorCode::Unauthenticated {
            let challenge = match surface {
                Surface::Rest => "Bearer",
                Surface::Registry => "Basic realm=\"Switchboard schema registry\"",
            };
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    };
    let presented =
        match tokens::secret::from_header(Some(&req.header), surface == Surface::Registry) {
            Ok(Some(presented)) => presented,
            Ok(None) => return Err(refuse(ErrorCode::Unauthenticated, "No credential.".into())),
            Err(why) => return Err(refuse(ErrorCode::Unauthenticated, why.to_string())),
        };
    let authenticated = match state.tokens.authenticate(&presented, req.peer).await {
        Ok(a) => a,
        Err(tokens::TokenError::Unauthenticated(why)) => {
            return Err(refuse(ErrorCode::Unauthenticated, why))
        }
        Err(e) => {
            let e = AppError::from(e);
            return Err(refuse(e.code, e.message));
        }
    };
    match tokens::rules::required(&req.method, &req.path) {
        None => Err(refuse(
            ErrorCode::Forbidden,
            "Tokens cannot manage tokens: sign in to the portal.".into(),
        )),
        Some(scope) if !authenticated.scopes.contains(&scope) => Err(refuse(
            ErrorCode::Forbidden,
            format!(
                "Token {} lacks the `{scope}` scope this call needs.",
                authenticated.key_id
            ),
        )),
        Some(_) => Ok(authenticated),
    }
}
