//! The provisioning worker: claims the jobs that approvals, revocations and
//! expiries enqueue and applies them to the clusters — topics from templates,
//! value schemas, ACL bindings, mesh links — retrying failures with backoff and
//! jitter and parking a job after `provision.max_attempts` (admins are told and
//! can retry or cancel it). Every kind is idempotent. Beside the queue run the
//! built-in link runner, housekeeping of stopped links, and reconciliation.

pub mod admin;
pub mod error;
pub mod jobs;
pub mod queue;
pub mod reconcile;
pub mod run;
pub mod worker;

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AnyConnection;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::db::{Db, DbError};

pub use error::ProvisionError;
pub use jobs::{enqueue, NewJob};
pub use run::Worker;
pub use worker::{PassReport, ProvisionTask, Provisioner};

/// What an ACL job says when the broker has no authorizer.
pub use jobs::create_acls::NO_AUTHORIZER;

/// Wakes so far, and the signal that there was one: the worker compares the
/// count before and after its pass, so a wake during a pass is never lost.
static WAKES: AtomicU64 = AtomicU64::new(0);
static WAKE: Notify = Notify::const_new();

/// Asks this process's worker for a pass now (called after a transaction that
/// enqueued jobs). Other processes' workers hear of the jobs through
/// [`announce`] on PostgreSQL, or find them at their next poll.
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

/// The PostgreSQL channel on which new jobs are announced.
pub const JOBS_CHANNEL: &str = "switchboard_jobs";

/// Announces due jobs to the workers of every process (PostgreSQL; nothing on
/// SQLite, whose workers share one process with the writer or poll). Called
/// in the enqueuing transaction: PostgreSQL delivers at commit, and never for
/// a transaction rolled back.
pub async fn announce(conn: &mut AnyConnection) -> Result<(), DbError> {
    crate::db::channels::announce(conn, JOBS_CHANNEL, "").await
}

/// On PostgreSQL, wakes this process's worker whenever any process announces
/// jobs, and once more after a lost connection (announcements made meanwhile
/// are lost). Polling remains the fallback.
pub(crate) fn listen(db: &Db) -> Option<JoinHandle<()>> {
    crate::db::channels::listen(db, JOBS_CHANNEL, |_| async { wake() })
}
