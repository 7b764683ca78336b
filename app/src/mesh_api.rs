//! Server functions of mesh links, reconciliation and the job queue's admin
//! actions: thin wrappers that find the service and call it with the caller.

use leptos::prelude::*;

use crate::error::AppError;
use crate::mesh::{DriftFinding, LinkView};

/// Links of an event or of a cluster (either may be empty), any state but retired.
#[server]
pub async fn list_links(event: String, cluster: String) -> Result<Vec<LinkView>, AppError> {
    let opt = |s: String| (!s.is_empty()).then_some(s);
    crate::services::services()?
        .mesh
        .links(opt(event), opt(cluster))
        .await
}

/// Admins only: the last reconciliation's findings.
#[server]
pub async fn drift_report() -> Result<Vec<DriftFinding>, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?.mesh.drift(caller).await
}

/// Admins only: reconcile now and return the findings.
#[server]
pub async fn reconcile_now() -> Result<Vec<DriftFinding>, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?.mesh.reconcile(caller).await
}

/// Admins only: provisioning jobs not done yet.
#[server]
pub async fn provisioning_jobs() -> Result<Vec<crate::access::JobView>, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?.mesh.jobs(caller).await
}

/// Admins only: `retry` or `cancel` a provisioning job.
#[server]
pub async fn job_action(id: String, action: String) -> Result<(), AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .mesh
        .job_action(caller, &id, &action)
        .await
}
