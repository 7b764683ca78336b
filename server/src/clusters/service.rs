//! The `ClusterDirectory` service: database rows joined with live status.

use std::sync::Arc;

use app::auth::Caller;
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

/// The view a caller may see: anonymous callers get none of the connection
/// details (addresses, security settings, broker errors).
fn for_caller(view: ClusterView, caller: Option<&Caller>) -> ClusterView {
    if caller.is_some() {
        view
    } else {
        view.without_connection_details()
    }
}

#[async_trait::async_trait]
impl ClusterDirectory for ClusterService {
    async fn list(&self, caller: Option<&Caller>) -> Result<Vec<ClusterView>, AppError> {
        let views = self.views(false).await?;
        Ok(views.into_iter().map(|v| for_caller(v, caller)).collect())
    }

    async fn refresh(&self, caller: Option<&Caller>) -> Result<Vec<ClusterView>, AppError> {
        crate::auth::require_signed_in(caller.cloned())?;
        self.views(true).await
    }

    async fn get(&self, caller: Option<&Caller>, id: &str) -> Result<ClusterView, AppError> {
        let cluster = super::repo::get(&self.db, id)
            .await
            .map_err(internal)?
            .ok_or_else(|| AppError::not_found(format!("no cluster with id `{id}`")))?;
        let status = self.board.current(&cluster).await;
        Ok(for_caller(view(&cluster, status), caller))
    }
}

fn view(cluster: &Cluster, status: app::clusters::ClusterStatus) -> ClusterView {
    let s = cluster.spec();
    ClusterView {
        id: s.id.clone(),
        name: s.name.clone(),
        platform: s.platform,
        region: s.region.clone(),
        bootstrap_servers: Some(s.bootstrap_servers.clone()),
        flavour: s.flavour,
        in_mesh: s.in_mesh,
        security: Some(cluster.security_view()),
        status,
    }
}
