//! Discovery for admins: `GET /api/v1/discovery`, `POST /api/v1/discovery/refresh`,
//! `POST /api/v1/discovery/claim` (JSON `{cluster, topic, name, title, team}`).

use app::auth::Caller;
use app::discovery::{Claim, Discovery};
use app::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::http::api::openapi::ErrorBody;

/// The draft event a claim made.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Claimed {
    event: String,
}

use crate::http::ApiError;
use crate::state::AppState;

#[utoipa::path(
    get,
    operation_id = "discovery_show",
    path = "/discovery",
    tag = "discovery",
    responses((status = 200, description = "Unclaimed topics", body = Discovery), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read", "admin"]))
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Discovery>, ApiError> {
    Ok(Json(state.discovery.unclaimed(caller.map(|c| c.0)).await?))
}

#[utoipa::path(
    post,
    operation_id = "discovery_refresh",
    path = "/discovery/refresh",
    tag = "discovery",
    responses((status = 200, description = "Unclaimed topics, read now", body = Discovery), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
pub async fn refresh(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Discovery>, ApiError> {
    Ok(Json(state.discovery.refresh(caller.map(|c| c.0)).await?))
}

#[utoipa::path(
    post,
    operation_id = "discovery_claim",
    path = "/discovery/claim",
    tag = "discovery",
    request_body = Claim,
    responses((status = 201, description = "The draft event", body = Claimed), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
pub async fn claim(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    body: Result<Json<Claim>, JsonRejection>,
) -> Result<(StatusCode, Json<Claimed>), ApiError> {
    let caller = caller.map(|c| c.0);
    // Who may claim is checked before the body is looked at.
    crate::auth::require_admin(caller.clone())?;
    let Json(claim) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    let name = state.discovery.claim(caller, claim).await?;
    Ok((StatusCode::CREATED, Json(Claimed { event: name })))
}
