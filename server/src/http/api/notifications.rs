//! The caller's notifications: `GET /api/v1/notifications?before=`,
//! `GET /api/v1/notifications/unread`, `POST /api/v1/notifications/{id}/read`,
//! `POST /api/v1/notifications/read-all`.

use app::auth::Caller;
use app::error::AppError;
use app::notify::NotificationPage;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

use crate::http::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    before: Option<i64>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<NotificationPage>, ApiError> {
    let Query(paging) = paging.map_err(|e| AppError::invalid(e.body_text()))?;
    Ok(Json(
        state
            .notify
            .list(caller.map(|c| c.0), paging.before)
            .await?,
    ))
}

pub async fn unread(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let unread = state.notify.unread_count(caller.map(|c| c.0)).await?;
    Ok(Json(serde_json::json!({ "unread": unread })))
}

pub async fn mark_read(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let caller = caller.map(|c| c.0);
    crate::auth::require_signed_in(caller.clone())?;
    let id = id
        .parse::<i64>()
        .map_err(|_| AppError::not_found("No such notification."))?;
    state.notify.mark_read(caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn mark_all_read(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let marked = state.notify.mark_all_read(caller.map(|c| c.0)).await?;
    Ok(Json(serde_json::json!({ "marked": marked })))
}
