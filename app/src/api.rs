//! Server functions: thin wrappers that find the service and call it.

use leptos::prelude::*;

use crate::clusters::ClusterView;
use crate::error::AppError;

#[server]
pub async fn list_clusters() -> Result<Vec<ClusterView>, AppError> {
    crate::services::services()?.clusters.list().await
}

#[server]
pub async fn refresh_clusters() -> Result<Vec<ClusterView>, AppError> {
    crate::services::services()?.clusters.refresh().await
}
