//! `GET /api/v1/audit?actor=&action=&subject=&from=&to=&q=&before=&limit=` (a
//! page, newest first) and `GET /api/v1/audit/export?…same filters…` (JSON
//! lines, oldest first, streamed). Admins only.

use app::auth::Caller;
use app::error::AppError;
use app::notify::{AuditFilter, AuditPage};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

#[utoipa::path(
    get,
    operation_id = "audit_search",
    path = "/audit",
    tag = "audit",
    params(AuditFilter),
    responses((status = 200, description = "A page of entries, newest first", body = AuditPage), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read", "admin"]))
)]
pub async fn search(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    filter: Result<Query<AuditFilter>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let caller = caller.map(|c| c.0);
    crate::auth::require_admin(caller.clone())?;
    let Query(filter) = filter.map_err(|e| AppError::invalid(e.body_text()))?;
    Ok(Json(state.notify.search(caller, filter).await?))
}

#[utoipa::path(
    get,
    operation_id = "audit_export",
    path = "/audit/export",
    tag = "audit",
    params(AuditFilter),
    responses((status = 200, description = "Matching entries as JSON lines, oldest first", content_type = "application/x-ndjson", body = String), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read", "admin"]))
)]
pub async fn export(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    filter: Result<Query<AuditFilter>, QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = caller.map(|c| c.0);
    crate::auth::require_admin(caller.clone())?;
    let Query(filter) = filter.map_err(|e| AppError::invalid(e.body_text()))?;
    let lines = state.notify.export(caller, &filter)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"switchboard-audit.jsonl\"",
            ),
        ],
        Body::from_stream(lines),
    )
        .into_response())
}
