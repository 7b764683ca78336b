//! Mesh links, the drift report and admins' job actions.

use app::mesh::{DriftFinding, LinkView};
use app::services::Mesh;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

type MaybeCaller = Option<Extension<app::auth::Caller>>;

fn who(caller: MaybeCaller) -> Option<app::auth::Caller> {
    caller.map(|c| c.0)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    cluster: Option<String>,
}

#[utoipa::path(
    get,
    operation_id = "mesh_links",
    path = "/links",
    tag = "mesh",
    params(LinkQuery),
    responses((status = 200, description = "Mesh links", body = Vec<LinkView>), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn links(
    State(state): State<AppState>,
    query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<LinkView>>, ApiError> {
    let Query(q) = query.map_err(|e| app::error::AppError::invalid(e.body_text()))?;
    Ok(Json(state.mesh.links(q.event, q.cluster).await?))
}

#[utoipa::path(
    get,
    operation_id = "mesh_drift",
    path = "/drift",
    tag = "mesh",
    responses((status = 200, description = "The last reconciliation's findings", body = Vec<DriftFinding>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read", "admin"]))
)]
pub async fn drift(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<DriftFinding>>, ApiError> {
    Ok(Json(state.mesh.drift(who(caller)).await?))
}

#[utoipa::path(
    post,
    operation_id = "mesh_reconcile",
    path = "/drift/run",
    tag = "mesh",
    responses((status = 200, description = "Findings of a reconciliation run now", body = Vec<DriftFinding>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
pub async fn reconcile(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<DriftFinding>>, ApiError> {
    Ok(Json(state.mesh.reconcile(who(caller)).await?))
}

#[utoipa::path(
    post,
    operation_id = "mesh_retry_job",
    path = "/jobs/{id}/retry",
    tag = "mesh",
    params(("id" = String, Path, description = "Job id")),
    responses((status = 204, description = "Retried"), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
pub async fn retry_job(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.mesh.job_action(who(caller), &id, "retry").await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    operation_id = "mesh_cancel_job",
    path = "/jobs/{id}/cancel",
    tag = "mesh",
    params(("id" = String, Path, description = "Job id")),
    responses((status = 204, description = "Cancelled"), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
pub async fn cancel_job(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.mesh.job_action(who(caller), &id, "cancel").await?;
    Ok(StatusCode::NO_CONTENT)
}
