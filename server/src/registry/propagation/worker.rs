//! The propagation worker: passes that copy outstanding versions to each
//! cluster's local registry, and the task that runs them periodically or when
//! woken.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::backoff::Backoff;
use super::client::{CopyError, ImportBody, RegistryClient, Remote};
use super::order::copy_order;
use super::repo::{self, Pending, StatusRow};
use crate::clusters::{self, Cluster};
use crate::db::{Db, DbError};

/// Every call to a local registry gives up after this long.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `PropagationTask::stop` lets a running pass finish.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Versions copied, over all clusters.
    pub copied: usize,
    /// Clusters whose pass failed, with the error recorded.
    pub failed: Vec<(String, String)>,
    /// Clusters skipped because their next attempt is not due yet.
    pub deferred: Vec<String>,
}

#[derive(Debug, Default)]
struct Outcome {
    copied: usize,
    error: Option<String>,
}

enum Failure {
    Copy(CopyError),
    Db(DbError),
}

impl From<CopyError> for Failure {
    fn from(e: CopyError) -> Self {
        Failure::Copy(e)
    }
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::Db(e)
    }
}

pub struct Propagator {
    db: Db,
    client: Result<RegistryClient, CopyError>,
    backoff: Backoff,
}

impl Propagator {
    pub fn new(db: Db) -> Propagator {
        Propagator {
            db,
            client: RegistryClient::new(CALL_TIMEOUT),
            backoff: Backoff::default(),
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Propagator {
        self.backoff = backoff;
        self
    }

    /// One pass at the current time.
    pub async fn run_pass(&self) -> Result<PassReport, DbError> {
        self.pass_at(OffsetDateTime::now_utc()).await
    }

    /// One pass as if it were `now` (tests move time forward with it): every
    /// cluster with a registry URL whose next attempt is due gets its
    /// outstanding versions; a failure is recorded with the next attempt time.
    pub async fn pass_at(&self, now: OffsetDateTime) -> Result<PassReport, DbError> {
        let mut report = PassReport::default();
        let statuses: HashMap<String, StatusRow> = repo::statuses(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.cluster_id.clone(), s))
            .collect();
        let all = clusters::list(&self.db).await?;
        for cluster in all
            .iter()
            .filter(|c| c.spec().schema_registry_url.is_some())
        {
            let id = cluster.id();
            let status = statuses.get(id);
            if status.is_some_and(|s| !due(s, now)) {
                report.deferred.push(id.to_string());
                continue;
            }
            let pending = repo::outstanding(&self.db, id).await?;
            let outcome = if pending.is_empty() {
                Outcome::default()
            } else {
                self.copy_to(cluster, pending).await?
            };
            report.copied += outcome.copied;
            if outcome.copied > 0 {
                tracing::info!(
                    cluster = id,
                    copied = outcome.copied,
                    "schema versions copied to the cluster's registry"
                );
            }
            match outcome.error {
                None if status.is_some_and(|s| s.attempts != 0 || s.last_error.is_some()) => {
                    repo::put_status(&self.db, id, 0, None, None).await?;
                    tracing::info!(cluster = id, "cluster's registry is in sync again");
                }
                None => {}
                Some(error) => {
                    let attempts = status.map_or(0, |s| s.attempts).saturating_add(1);
                    let next = now + self.backoff.delay(attempts);
                    let next = crate::db::stamp(next);
                    repo::put_status(&self.db, id, attempts, Some(&error), Some(&next)).await?;
                    tracing::warn!(cluster = id, attempts, next_attempt_at = %next, error = %error, "copying schemas to the cluster's registry failed");
                    report.failed.push((id.to_string(), error));
                }
            }
        }
        Ok(report)
    }

    /// Copies `pending` in order. A version the registry refuses blocks the
    /// rest of its subject and what references it, and other subjects go on;
    /// an unreachable registry (or any other error) ends the cluster's pass.
    async fn copy_to(&self, cluster: &Cluster, pending: Vec<Pending>) -> Result<Outcome, DbError> {
        let remote = match &self.client {
            Ok(client) => match client.remote(cluster) {
                Some(Ok(remote)) => remote,
                Some(Err(e)) => return Ok(failed(e.to_string())),
                None => return Ok(Outcome::default()),
            },
            Err(e) => return Ok(failed(e.to_string())),
        };
        let mut outcome = Outcome::default();
        let mut in_import: HashSet<String> = HashSet::new();
        let mut failed_subjects: HashSet<String> = HashSet::new();
        let mut blocked: HashSet<(String, i32)> = HashSet::new();
        for p in copy_order(pending) {
            let waits = failed_subjects.contains(&p.subject)
                || p.references
                    .iter()
                    .any(|r| blocked.contains(&(r.subject.clone(), r.version)));
            if waits {
                blocked.insert((p.subject.clone(), p.version));
                continue;
            }
            match self
                .copy_one(&remote, &mut in_import, cluster.id(), &p)
                .await
            {
                Ok(copied) => outcome.copied += usize::from(copied),
                Err(Failure::Db(e)) => return Err(e),
                Err(Failure::Copy(e)) => {
                    let message = format!("{} version {}: {e}", p.subject, p.version);
                    if !e.concerns_subject() {
                        outcome.error = Some(message);
                        return Ok(outcome);
                    }
                    tracing::warn!(cluster = cluster.id(), subject = %p.subject, version = p.version, error = %e, "the cluster's registry refused a schema version");
                    failed_subjects.insert(p.subject.clone());
                    blocked.insert((p.subject.clone(), p.version));
                    outcome.error.get_or_insert(message);
                }
            }
        }
        Ok(outcome)
    }

    /// Copies one version; `false` when it vanished meanwhile (hard-deleted).
    async fn copy_one(
        &self,
        remote: &Remote<'_>,
        in_import: &mut HashSet<String>,
        cluster_id: &str,
        p: &Pending,
    ) -> Result<bool, Failure> {
        let schema = {
            let mut conn = self.db.pool().acquire().await.map_err(DbError::from)?;
            crate::registry::repo::schema(&mut conn, p.schema_id).await?
        };
        let Some(schema) = schema else {
            return Ok(false);
        };
        if !in_import.contains(&p.subject) {
            ensure_import(remote, &p.subject).await?;
            in_import.insert(p.subject.clone());
        }
        let body = ImportBody {
            schema: &schema.text,
            schema_type: &schema.schema_type,
            references: &p.references,
            id: p.schema_id,
            version: p.version,
        };
        let id = remote.import(&p.subject, &body).await?;
        if id != p.schema_id {
            return Err(CopyError::Protocol(format!(
                "the registry answered id {id} instead of {}",
                p.schema_id
            ))
            .into());
        }
        repo::record_copy(&self.db, cluster_id, &p.subject, p.version, p.schema_id).await?;
        tracing::debug!(cluster = cluster_id, subject = %p.subject, version = p.version, id, "schema version copied");
        Ok(true)
    }

    /// Starts the task: a pass now, then every `every` or when woken (`wake()`),
    /// until stopped. One task per process: a wake goes to one waiting task.
    pub fn spawn(self: &Arc<Self>, every: Duration) -> PropagationTask {
        let me = Arc::clone(self);
        let (stop, mut stopped) = watch::channel(false);
        let join = tokio::spawn(async move {
            while !*stopped.borrow() {
                let seen = super::WAKES.load(Ordering::SeqCst);
                if let Err(e) = me.run_pass().await {
                    tracing::warn!(error = %e, "schema propagation pass failed");
                }
                let woken = super::WAKE.notified();
                tokio::pin!(woken);
                woken.as_mut().enable();
                if super::WAKES.load(Ordering::SeqCst) != seen {
                    continue;
                }
                tokio::select! {
                    _ = stopped.changed() => {}
                    () = tokio::time::sleep(every) => {}
                    () = woken => {}
                }
            }
        });
        PropagationTask { stop, join }
    }
}

/// The running propagation task.
pub struct PropagationTask {
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl PropagationTask {
    /// Stops the task, letting a running pass finish for a few seconds. Cutting
    /// one short loses nothing: what is left to copy is derived from the database.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(STOP_GRACE, &mut self.join)
            .await
            .is_err()
        {
            self.join.abort();
            let _ = (&mut self.join).await;
        }
    }
}

fn failed(error: String) -> Outcome {
    Outcome {
        copied: 0,
        error: Some(error),
    }
}

/// Whether a cluster's next attempt is due; an unreadable time counts as due.
fn due(status: &StatusRow, now: OffsetDateTime) -> bool {
    status
        .next_attempt_at
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
        .is_none_or(|at| at <= now)
}

/// Puts the remote subject in IMPORT mode. A registry that refuses because
/// the subject already has versions (registered locally, or copies whose
/// record was lost) is forced: the copies carry their ids and versions, and
/// the registry still refuses to overwrite a different schema or version.
async fn ensure_import(remote: &Remote<'_>, subject: &str) -> Result<(), CopyError> {
    match remote.mode(subject).await {
        Ok(mode) if mode.eq_ignore_ascii_case("IMPORT") => return Ok(()),
        Ok(_) => {}
        // Some registries have no per-subject mode to read: setting it decides.
        Err(CopyError::Refused { .. }) => {}
        Err(e) => return Err(e),
    }
    match remote.set_import(subject, false).await {
        Err(e) if e.not_permitted() => {
            tracing::warn!(
                subject,
                "the local registry already has versions of this subject; forcing IMPORT mode"
            );
            remote.set_import(subject, true).await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(next: Option<&str>) -> StatusRow {
        StatusRow {
            cluster_id: "c".into(),
            attempts: 1,
            last_error: Some("x".into()),
            next_attempt_at: next.map(str::to_string),
        }
    }

    #[test]
    fn due_compares_times_not_text() {
        let now = OffsetDateTime::parse("2030-01-01T12:00:00Z", &Rfc3339).unwrap();
        assert!(due(&status(None), now));
        assert!(due(&status(Some("2030-01-01T11:59:59.5Z")), now));
        assert!(due(&status(Some("2030-01-01T12:00:00Z")), now));
        assert!(!due(&status(Some("2030-01-01T12:00:00.25Z")), now));
        assert!(due(&status(Some("2030-01-01T12:30:00+01:00")), now));
        assert!(due(&status(Some("garbage")), now));
    }
}
