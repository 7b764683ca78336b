//! `GET /api/v1/clusters` and `GET /api/v1/clusters/{id}`.

use app::clusters::ClusterView;
use app::services::ClusterDirectory;
use axum::extract::{Path, State};
use axum::Json;

use crate::http::ApiError;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<ClusterView>>, ApiError> {
    Ok(Json(state.clusters.list().await?))
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ClusterView>, ApiError> {
    Ok(Json(state.clusters.get(&id).await?))
}
