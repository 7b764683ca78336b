//! The `Mesh` service the UI and REST API use: links with their lag, the
//! drift report, reconciliation on demand, and admins' job actions.

use app::auth::Caller;
use app::error::{AppError, ErrorCode};
use app::mesh::{DriftFinding, LinkView};

use super::links::{self, LinkRow};
use crate::config::Config;
use crate::db::Db;
use crate::errors::internal;
use crate::provision::reconcile::{self, Finding, Reconciler};

pub struct MeshService {
    db: Db,
    config: Config,
    /// Job retries reopen their failed request through the access workflow.
    access: std::sync::Arc<crate::access::AccessService>,
}

pub fn link_view(l: LinkRow) -> LinkView {
    LinkView {
        id: l.id.to_string(),
        event: l.event,
        source_cluster: l.source_cluster,
        source_topic: l.source_topic,
        target_cluster: l.target_cluster,
        target_topic: l.target_topic,
        backend: l.backend,
        state: l.state,
        lag: l.lag,
        rate_per_sec: l.rate_per_sec,
        copied: l.copied,
        last_error: l.last_error,
        status_at: l.status_at,
        retire_at: l.retire_at,
    }
}

fn finding_view(f: Finding, found_at: String) -> DriftFinding {
    DriftFinding {
        cluster: f.cluster,
        kind: f.kind,
        subject: f.subject,
        detail: f.detail,
        repaired: f.repaired,
        found_at,
    }
}

impl MeshService {
    pub fn new(
        db: Db,
        config: Config,
        access: std::sync::Arc<crate::access::AccessService>,
    ) -> Self {
        MeshService { db, config, access }
    }
}

#[async_trait::async_trait]
impl app::services::Mesh for MeshService {
    async fn links(
        &self,
        event: Option<String>,
        cluster: Option<String>,
    ) -> Result<Vec<LinkView>, AppError> {
        let rows = links::list(&self.db, None, event.as_deref(), cluster.as_deref())
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .filter(|l| l.state != app::mesh::LinkState::Retired)
            .map(link_view)
            .collect())
    }

    async fn drift(&self, caller: Option<Caller>) -> Result<Vec<DriftFinding>, AppError> {
        crate::auth::require_admin(caller)?;
        self.drift_unchecked().await
    }

    async fn reconcile(&self, caller: Option<Caller>) -> Result<Vec<DriftFinding>, AppError> {
        crate::auth::require_admin(caller)?;
        Reconciler::new(self.db.clone(), self.config.clone())
            .run()
            .await
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Unavailable,
                    format!("reconciliation failed: {e}"),
                )
            })?;
        self.drift_unchecked().await
    }

    async fn jobs(&self, caller: Option<Caller>) -> Result<Vec<app::access::JobView>, AppError> {
        Ok(crate::provision::admin::unfinished_jobs(&self.db, caller).await?)
    }

    async fn job_action(
        &self,
        caller: Option<Caller>,
        id: &str,
        action: &str,
    ) -> Result<(), AppError> {
        let action = crate::provision::admin::JobAction::parse(action)?;
        Ok(crate::provision::admin::act_on_job(&self.db, &self.access, caller, id, action).await?)
    }
}

impl MeshService {
    async fn drift_unchecked(&self) -> Result<Vec<DriftFinding>, AppError> {
        Ok(reconcile::last_findings(&self.db)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|(f, at)| finding_view(f, at))
            .collect())
    }
}
