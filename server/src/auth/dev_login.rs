//! `POST /auth/dev-login` (pick a demo user) and `POST /auth/logout`.
//! Plain form posts, so signing in works without JavaScript. Both sit behind
//! the cross-site request check even without a session (`csrf`).

use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;

use super::local_only;
use super::middleware::session_token;
use super::rate_limit::{too_many, ClientIp};
use super::sessions;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/dev-login", post(dev_login))
        .route("/auth/logout", post(logout))
}

#[derive(Deserialize)]
struct DevLogin {
    user_id: String,
}

async fn dev_login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<DevLogin>,
) -> Response {
    let auth = &state.auth;
    if let Err(wait) = auth.limiter.check(ip) {
        return too_many(wait);
    }
    if let Err(why) = auth.dev_login {
        return (
            StatusCode::FORBIDDEN,
            format!("The development sign-in is off: {why}."),
        )
            .into_response();
    }
    // ClientIp is the unspecified address when the peer is unknown: refused.
    if let Err(why) = local_only::check(Some(ip), &headers, auth.public_host.as_deref()) {
        tracing::warn!(reason = why, "development sign-in refused");
        return (
            StatusCode::FORBIDDEN,
            format!("The development sign-in is refused: {why}."),
        )
            .into_response();
    }
    match auth.demo_users().await {
        Ok(users) if users.contains(&form.user_id) => {}
        Ok(_) => return (StatusCode::BAD_REQUEST, "Unknown demo user.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot list demo users");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    // One browser, one session: the one it may hold ends (no fixation).
    if let Some(old) = session_token(&headers) {
        if let Err(e) = sessions::end(&state.db, &old).await {
            tracing::warn!(error = %e, "cannot end the previous session");
        }
    }
    match sessions::create(&state.db, &form.user_id, auth.session_ttl).await {
        Ok(token) => {
            tracing::info!(user = %form.user_id, "signed in (development sign-in)");
            redirect_with_cookie(sessions::cookie(
                &token,
                auth.session_ttl,
                auth.secure_cookies,
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot start a session");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers) {
        if let Err(e) = sessions::end(&state.db, &token).await {
            tracing::error!(error = %e, "cannot end the session");
        }
    }
    redirect_with_cookie(sessions::clearing_cookie(state.auth.secure_cookies))
}

fn redirect_with_cookie(cookie: String) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie), (LOCATION, "/".to_string())],
    )
        .into_response()
}
