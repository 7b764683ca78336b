//! `GET/POST /api/v1/tags` and `GET/POST /api/v1/teams` (POST: admins only).

use app::auth::Caller;
use app::catalogue::{TagDef, TeamDef};
use app::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::http::ApiError;
use crate::state::AppState;

pub async fn tags(State(state): State<AppState>) -> Result<Json<Vec<TagDef>>, ApiError> {
    Ok(Json(state.catalogue.tags().await?))
}

pub async fn save_tag(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    body: Result<Json<TagDef>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let caller = caller.map(|c| c.0);
    crate::auth::require_admin(caller.clone())?;
    let Json(tag) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    state.catalogue.save_tag(caller, tag).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Members for signed-in callers only.
pub async fn teams(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Vec<TeamDef>>, ApiError> {
    let caller = caller.map(|Extension(c)| c);
    Ok(Json(state.catalogue.team_defs(caller.as_ref()).await?))
}

pub async fn save_team(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    body: Result<Json<TeamDef>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let caller = caller.map(|c| c.0);
    crate::auth::require_admin(caller.clone())?;
    let Json(team) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    state.catalogue.save_team(caller, team).await?;
    Ok(StatusCode::NO_CONTENT)
}
