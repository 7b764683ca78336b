//! `GET /api/v1/clusters` and `GET /api/v1/clusters/{id}`: connection
//! details for signed-in callers only.

use app::auth::Caller;
use app::clusters::ClusterView;
use app::services::ClusterDirectory;
use axum::extract::{Path, State};
use axum::{Extension, Json};

use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

#[utoipa::path(
    get,
    operation_id = "clusters_list",
    path = "/clusters",
    tag = "clusters",
    responses((status = 200, description = "Every cluster with its latest status", body = Vec<ClusterView>), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Vec<ClusterView>>, ApiError> {
    let caller = caller.map(|Extension(c)| c);
    Ok(Json(state.clusters.list(caller.as_ref()).await?))
}

#[utoipa::path(
    get,
    operation_id = "clusters_show",
    path = "/clusters/{id}",
    tag = "clusters",
    params(("id" = String, Path, description = "Cluster id")),
    responses((status = 200, description = "One cluster", body = ClusterView), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<ClusterView>, ApiError> {
    let caller = caller.map(|Extension(c)| c);
    Ok(Json(state.clusters.get(caller.as_ref(), &id).await?))
}
