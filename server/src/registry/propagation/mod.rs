//! Propagation to local registries: a cluster may declare a Confluent-compatible
//! schema registry (`schema_registry_url`); the worker copies every live
//! subject version there in IMPORT mode, with the same id and version, and
//! retries with backoff until the copy succeeds.
//!
//! What is left to copy is derived, not queued: every live row of
//! `registry_versions` for every cluster with a URL, minus `registry_copies`.
//! A crash or restart loses nothing, and a copy made twice is harmless (a
//! registry answers the same id for a version it already has).
//!
//! Destination subjects are left in IMPORT mode, as Confluent's schema
//! exporter (Schema Linking) leaves them: the mesh's registry owns the ids and
//! versions, and a local registration with a new id would clash with them.
//! Reads and look-ups of existing schemas work unchanged in IMPORT mode.
//!
//! Deletions are not propagated; a copy is not re-checked once recorded
//! (changing a cluster's URL forgets its copies, so all are made again).

mod backoff;
mod client;
mod order;
pub mod repo;
mod worker;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use tokio::sync::Notify;

pub use backoff::Backoff;
pub use client::CopyError;
pub use worker::{PassReport, PropagationTask, Propagator, CALL_TIMEOUT};

use crate::clusters;
use crate::db::{Db, DbError};

/// Wakes so far, and the signal that there was one: a task compares the count
/// before and after its pass, so a wake during a pass is never lost.
static WAKES: AtomicU64 = AtomicU64::new(0);
static WAKE: Notify = Notify::const_new();

/// Asks the propagation task for a pass now (call it after a registration).
/// A wake while a pass runs makes another pass follow it.
pub fn wake() {
    WAKES.fetch_add(1, Ordering::SeqCst);
    WAKE.notify_waiters();
}

/// How far one cluster's local registry has a subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyState {
    pub cluster_id: String,
    pub registry_url: String,
    /// The latest live version copied.
    pub version: Option<i64>,
    /// Every live version of the subject is copied.
    pub in_sync: bool,
    /// The cluster's last error while copies are failing and this subject is
    /// not in sync (no error and not in sync: the copy is on its way).
    pub error: Option<String>,
}

/// Per cluster with a local registry, whether it has `subject`'s versions.
pub async fn copies_of(db: &Db, subject: &str) -> Result<Vec<CopyState>, DbError> {
    let live = repo::live_versions(db, subject).await?;
    let copies = repo::copies_of_subject(db, subject).await?;
    let statuses = repo::statuses(db).await?;
    let states = clusters::list(db)
        .await?
        .into_iter()
        .filter_map(|cluster| {
            let url = cluster.spec().schema_registry_url.clone()?;
            let id = cluster.id();
            let copied: HashSet<i32> = copies
                .iter()
                .filter(|(c, _)| c == id)
                .map(|(_, v)| *v)
                .collect();
            let in_sync = live.iter().all(|v| copied.contains(v));
            let error = statuses
                .iter()
                .find(|s| s.cluster_id == id && s.attempts > 0)
                .and_then(|s| s.last_error.clone())
                .filter(|_| !in_sync);
            Some(CopyState {
                cluster_id: id.to_string(),
                registry_url: url,
                version: live
                    .iter()
                    .rev()
                    .find(|v| copied.contains(v))
                    .map(|v| i64::from(*v)),
                in_sync,
                error,
            })
        })
        .collect();
    Ok(states)
}
