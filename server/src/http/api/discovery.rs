//! Discovery for admins: `GET /api/v1/discovery`, `POST /api/v1/discovery/refresh`,
//! `POST /api/v1/discovery/claim` (JSON `{cluster, topic, name, title, team}`).

use app::auth::Caller;
use app::discovery::{Claim, Discovery};
use app::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::http::ApiError;
use crate::state::AppState;

pub async fn show(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Discovery>, ApiError> {
    Ok(Json(state.discovery.unclaimed(caller.map(|c| c.0)).await?))
}

pub async fn refresh(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Discovery>, ApiError> {
    Ok(Json(state.discovery.refresh(caller.map(|c| c.0)).await?))
}

pub async fn claim(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    body: Result<Json<Claim>, JsonRejection>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let caller = caller.map(|c| c.0);
    // Who may claim is checked before the body is looked at.
    crate::auth::require_admin(caller.clone())?;
    let Json(claim) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    let name = state.discovery.claim(caller, claim).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "event": name })),
    ))
}
