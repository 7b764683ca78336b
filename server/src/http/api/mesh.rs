//! Mesh links, the drift report and admins' job actions.

use app::mesh::{DriftFinding, LinkView};
use app::services::Mesh;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

use crate::http::ApiError;
use crate::state::AppState;

type MaybeCaller = Option<Extension<app::auth::Caller>>;

fn who(caller: MaybeCaller) -> Option<app::auth::Caller> {
    caller.map(|c| c.0)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    cluster: Option<String>,
}

pub async fn links(
    State(state): State<AppState>,
    Query(q): Query<LinkQuery>,
) -> Result<Json<Vec<LinkView>>, ApiError> {
    Ok(Json(state.mesh.links(q.event, q.cluster).await?))
}

pub async fn drift(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<DriftFinding>>, ApiError> {
    Ok(Json(state.mesh.drift(who(caller)).await?))
}

pub async fn reconcile(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<DriftFinding>>, ApiError> {
    Ok(Json(state.mesh.reconcile(who(caller)).await?))
}

pub async fn retry_job(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.mesh.job_action(who(caller), &id, "retry").await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn cancel_job(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.mesh.job_action(who(caller), &id, "cancel").await?;
    Ok(StatusCode::NO_CONTENT)
}
