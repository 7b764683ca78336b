//! Outgoing webhooks, admins only: `GET /api/v1/webhooks`, `POST /api/v1/webhooks`
//! (a `WebhookForm`: create, or change the one named by `id`) and
//! `GET /api/v1/webhooks/{id}/deliveries`.

use app::auth::Caller;
use app::error::AppError;
use app::notify::{Webhook, WebhookDelivery, WebhookForm};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

#[utoipa::path(
    get,
    operation_id = "webhooks_list",
    path = "/webhooks",
    tag = "webhooks",
    responses((status = 200, description = "Webhooks", body = Vec<Webhook>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read", "admin"]))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    Ok(Json(state.notify.webhooks(caller.map(|c| c.0)).await?))
}

#[utoipa::path(
    post,
    operation_id = "webhooks_save",
    path = "/webhooks",
    tag = "webhooks",
    request_body = WebhookForm,
    responses((status = 201, description = "Created", body = Webhook), (status = 200, description = "Changed", body = Webhook), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
pub async fn save(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    body: Result<Json<WebhookForm>, JsonRejection>,
) -> Result<(StatusCode, Json<Webhook>), ApiError> {
    let caller = caller.map(|c| c.0);
    // Who may is checked before the body is looked at.
    crate::auth::require_admin(caller.clone())?;
    let Json(form) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    let created = form.id.as_deref().is_none_or(str::is_empty);
    let hook = state.notify.save_webhook(caller, form).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(hook)))
}

#[utoipa::path(
    get,
    operation_id = "webhooks_deliveries",
    path = "/webhooks/{id}/deliveries",
    tag = "webhooks",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, description = "The latest deliveries", body = Vec<WebhookDelivery>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read", "admin"]))
)]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<Vec<WebhookDelivery>>, ApiError> {
    Ok(Json(
        state
            .notify
            .webhook_deliveries(caller.map(|c| c.0), &id)
            .await?,
    ))
}
