//! `GET/POST /api/v1/tags` and `GET/POST /api/v1/teams` (POST: admins only).

use app::auth::Caller;
use app::catalogue::{TagDef, TeamDef};
use app::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

#[utoipa::path(
    get,
    operation_id = "taxonomy_tags",
    path = "/tags",
    tag = "taxonomy",
    responses((status = 200, description = "The tag taxonomy", body = Vec<TagDef>), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn tags(State(state): State<AppState>) -> Result<Json<Vec<TagDef>>, ApiError> {
    Ok(Json(state.catalogue.tags().await?))
}

#[utoipa::path(
    post,
    operation_id = "taxonomy_save_tag",
    path = "/tags",
    tag = "taxonomy",
    request_body = TagDef,
    responses((status = 204, description = "Saved"), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
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

/// Teams; their members are listed to signed-in callers only.
#[utoipa::path(
    get,
    operation_id = "taxonomy_teams",
    path = "/teams",
    tag = "taxonomy",
    responses((status = 200, description = "Teams (members for signed-in callers)", body = Vec<TeamDef>), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn teams(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Vec<TeamDef>>, ApiError> {
    let caller = caller.map(|Extension(c)| c);
    Ok(Json(state.catalogue.team_defs(caller.as_ref()).await?))
}

#[utoipa::path(
    post,
    operation_id = "taxonomy_save_team",
    path = "/teams",
    tag = "taxonomy",
    request_body = TeamDef,
    responses((status = 204, description = "Saved"), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
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
