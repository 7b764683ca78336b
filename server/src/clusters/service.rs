//! The `ClusterDirectory` service: database rows joined with live status.

use std::sync::Arc;

use app::clusters::ClusterView;
use app::error::AppError;
use app::services::ClusterDirectory;
use futures::future::join_all;

use super::spec::Cluster;
use super::status::StatusBoard;
use crate::db::Db;
use crate::errors::internal;

pub struct ClusterService {
    db: Db,
    board: Arc<StatusBoard>,
}

impl ClusterService {
    pub fn new(db: Db, board: Arc<StatusBoard>) -> Self {
        Self { db, board }
    }

    pub async fn get(&self, id: &str) -> Result<ClusterView, AppError> {
        let cluster = super::repo::get(&self.db, id)
            .await
            .map_err(internal)?
            .ok_or_else(|| AppError::not_found(format!("no cluster with id `{id}`")))?;
        let status = self.board.current(&cluster).await;
        Ok(view(&cluster, status))
    }

    /// Checks every cluster once, concurrently (used at start to warm the cache).
    pub async fn warm_up(&self) {
        let _ = self.views(true).await;
    }

    /// Every cluster with its status: cached (`fresh` false) or checked now.
    async fn views(&self, fresh: bool) -> Result<Vec<ClusterView>, AppError> {
        let clusters = super::repo::list(&self.db).await.map_err(internal)?;
        let statuses = join_all(clusters.iter().map(|c| async move {
            if fresh {
                self.board.check_now(c).await
            } else {
                self.board.current(c).await
            }
        }))
        .await;
        Ok(clusters
            .iter()
            .zip(statuses)
            .map(|(c, s)| view(c, s))
            .collect())
    }
}

#[async_trait::async_trait]
impl ClusterDirectory for ClusterService {
    async fn list(&self) -> Result<Vec<ClusterView>, AppError> {
        self.views(false).await
    }

    async fn refresh(&self) -> Result<Vec<ClusterView>, AppError> {
        self.views(true).await
    }
}

fn view(cluster: &Cluster, status: app::clusters::ClusterStatus) -> ClusterView {
    let s = cluster.spec();
    ClusterView {
        id: s.id.clone(),
        name: s.name.clone(),
        platform: s.platform,
        region: s.region.clone(),
        bootstrap_servers: s.bootstrap_servers.clone(),
        flavour: s.flavour,
        in_mesh: s.in_mesh,
        security: cluster.security_view(),
        status,
    }
}
