//! The provisioning worker: claims the jobs that approvals, revocations and
//! expiries enqueue and applies them to the clusters — topics from templates,
//! value schemas, ACL bindings, mesh links — retrying failures with backoff and
//! jitter and parking a job after `provision.max_attempts` (admins are told and
//! can retry or cancel it). Every kind is idempotent. Beside the queue run the
//! built-in link runner, housekeeping of stopped links, and reconciliation.

pub mod admin;
pub mod jobs;
pub mod reconcile;
pub mod run;
pub mod worker;

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

pub use run::Worker;
pub use worker::{PassReport, ProvisionTask, Provisioner, NO_AUTHORIZER};

/// Wakes so far, and the signal that there was one: the worker compares the
/// count before and after its pass, so a wake during a pass is never lost.
static WAKES: AtomicU64 = AtomicU64::new(0);
static WAKE: Notify = Notify::const_new();

/// Asks this process's worker for a pass now (called after a transaction that
/// enqueued jobs); other processes' workers find the jobs at their next poll.
pub fn wake() {
    WAKES.fetch_add(1, Ordering::SeqCst);
    WAKE.notify_waiters();
}

pub(crate) fn wakes() -> u64 {
    WAKES.load(Ordering::SeqCst)
}

pub(crate) async fn woken() {
    WAKE.notified().await;
}
