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

use crate::http::api::openapi::ErrorBody;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Unread {
    unread: i64,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Marked {
    marked: u64,
}

use crate::http::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    #[serde(default)]
    before: Option<i64>,
}

#[utoipa::path(
    get,
    operation_id = "notifications_list",
    path = "/notifications",
    tag = "notifications",
    params(Paging),
    responses((status = 200, description = "The caller's notifications, newest first", body = NotificationPage), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
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

#[utoipa::path(
    get,
    operation_id = "notifications_unread",
    path = "/notifications/unread",
    tag = "notifications",
    responses((status = 200, description = "Unread count", body = Unread), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn unread(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Unread>, ApiError> {
    let unread = state.notify.unread_count(caller.map(|c| c.0)).await?;
    Ok(Json(Unread { unread }))
}

#[utoipa::path(
    post,
    operation_id = "notifications_mark_read",
    path = "/notifications/{id}/read",
    tag = "notifications",
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 204, description = "Marked read"), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
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

#[utoipa::path(
    post,
    operation_id = "notifications_mark_all_read",
    path = "/notifications/read-all",
    tag = "notifications",
    responses((status = 200, description = "How many were marked", body = Marked), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn mark_all_read(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Marked>, ApiError> {
    let marked = state.notify.mark_all_read(caller.map(|c| c.0)).await?;
    Ok(Json(Marked { marked }))
}
