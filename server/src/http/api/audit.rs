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

use crate::http::ApiError;
use crate::state::AppState;

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
