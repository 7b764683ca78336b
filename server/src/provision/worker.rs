//! The worker: a pass claims due jobs (as many as it has room for, in one
//! statement), runs each as a task, records the outcome, and reports to the
//! access workflow (a request whose jobs are all done becomes active; a job
//! parked after its last attempt marks it failed).

use std::sync::Arc;

use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::jobs::{self, JobContext};
use super::queue::{self, Claimed};
use crate::access::model::SYSTEM;
use crate::access::AccessService;
use crate::config::ProvisionConfig;
use crate::db::{Db, DbError};
use crate::mesh::MeshConfig;
use crate::registry::propagation::Backoff;
use crate::registry::RegistryService;

/// The longest a pass keeps claiming jobs before it lets the loop breathe.
const JOBS_PER_PASS: usize = 200;

/// How long a stopping worker lets a running job finish.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    /// Ids of the jobs that succeeded.
    pub done: Vec<i64>,
    /// Ids of the jobs that failed and will be tried again.
    pub retrying: Vec<i64>,
    /// Ids of the jobs parked after their last attempt.
    pub parked: Vec<i64>,
}

#[derive(Clone)]
pub struct Provisioner {
    access: Arc<AccessService>,
    /// What the jobs run with (and the queue's database: `ctx.db`).
    ctx: JobContext,
    config: ProvisionConfig,
    backoff: Backoff,
}

impl Provisioner {
    pub fn new(
        db: Db,
        access: Arc<AccessService>,
        registry: Arc<RegistryService>,
        config: ProvisionConfig,
    ) -> Self {
        let ctx = JobContext {
            db,
            registry,
            mesh: MeshConfig::default(),
            kafka_timeout: Duration::from_millis(config.kafka_timeout_ms.max(100)),
        };
        Provisioner {
            access,
            ctx,
            config,
            backoff: Backoff::default(),
        }
    }

    /// The mesh configuration link jobs follow.
    pub fn with_mesh(mut self, mesh: MeshConfig) -> Self {
        self.ctx.mesh = mesh;
        self
    }

    /// Another retry schedule (tests use short delays).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    fn lease(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.config.lease_secs.max(1)).unwrap_or(300))
    }

    /// Jobs at once: as configured on PostgreSQL; at most 4 on SQLite, whose
    /// single writer would only make more of them queue for the lock.
    fn concurrency(&self) -> usize {
        self.ctx.db.writers(self.config.concurrency)
    }

    /// Claims and runs due jobs until none is left (or `JOBS_PER_PASS`),
    /// up to `provision.concurrency` at once; a job that finishes lets the
    /// pass look again, for jobs ordered behind it.
    pub async fn run_pass(&self) -> Result<PassReport, DbError> {
        let mut report = PassReport::default();
        // Each job is a task of its own: a job holding a transaction must
        // keep running while this loop claims or another job records, or
        // they would wait on each other's locks.
        let mut running = tokio::task::JoinSet::new();
        let mut claimed = 0;
        let mut exhausted = false;
        loop {
            while !exhausted && running.len() < self.concurrency() && claimed < JOBS_PER_PASS {
                let room = (self.concurrency() - running.len()).min(JOBS_PER_PASS - claimed);
                let batch =
                    queue::claim_batch(&self.ctx.db, OffsetDateTime::now_utc(), self.lease(), room)
                        .await?;
                exhausted = batch.is_empty();
                for job in batch {
                    claimed += 1;
                    tracing::debug!(job = job.id, kind = %job.kind, cluster = %job.cluster, "job claimed");
                    let me = self.clone();
                    running.spawn(async move {
                        let outcome =
                            jobs::run(job.kind, &job.payload, &me.ctx, &job.cluster).await;
                        let mut part = PassReport::default();
                        // One outcome that cannot be written must not
                        // abandon the others: that job stays `running`
                        // and is claimed again after its lease.
                        let id = job.id;
                        if let Err(e) = me.record(job, outcome, &mut part).await {
                            tracing::warn!(job = id, error = %e, "cannot record the job's outcome");
                        }
                        part
                    });
                }
            }
            let Some(done) = running.join_next().await else {
                break;
            };
            // A finished job may let a job ordered behind it run now.
            exhausted = false;
            match done {
                Ok(part) => {
                    report.done.extend(part.done);
                    report.retrying.extend(part.retrying);
                    report.parked.extend(part.parked);
                }
                Err(e) => tracing::warn!(error = %e, "a job's task ended abnormally"),
            }
        }
        report.done.sort_unstable();
        report.retrying.sort_unstable();
        report.parked.sort_unstable();
        Ok(report)
    }

    async fn record(
        &self,
        job: Claimed,
        outcome: Result<Option<String>, String>,
        report: &mut PassReport,
    ) -> Result<(), DbError> {
        match outcome {
            Ok(outcome) => {
                // Twins first: while this job is `running`, the order rule
                // keeps them from being claimed, so none runs needlessly.
                let twins = queue::complete_twins(&self.ctx.db, &job, outcome.as_deref())
                    .await
                    .unwrap_or_else(|e| {
                        // They stay queued and run on their own.
                        tracing::warn!(job = job.id, error = %e, "cannot complete the job's twins");
                        Vec::new()
                    });
                if queue::complete(&self.ctx.db, &job, outcome.as_deref()).await? {
                    tracing::info!(job = job.id, kind = %job.kind, cluster = %job.cluster, twins = twins.len(), "job done");
                    report.done.push(job.id);
                    if let Some(request) = job.request {
                        self.after_success(request).await;
                    }
                } else {
                    tracing::warn!(job = job.id, "job lease lost before it completed");
                }
                for request in twins {
                    self.after_success(request).await;
                }
            }
            Err(error) => {
                let attempts = job.attempts + 1;
                let parked = attempts >= i64::from(self.config.max_attempts.max(1));
                let retry_at =
                    (!parked).then(|| OffsetDateTime::now_utc() + self.backoff.delay(attempts));
                if !queue::fail(&self.ctx.db, &job, &error, retry_at).await? {
                    tracing::warn!(job = job.id, "job lease lost before it failed");
                    return Ok(());
                }
                tracing::warn!(
                    job = job.id,
                    kind = %job.kind,
                    cluster = %job.cluster,
                    attempts,
                    parked,
                    error = %error,
                    "job failed"
                );
                if parked {
                    self.announce_parked(&job, attempts, &error).await;
                    report.parked.push(job.id);
                    if let Some(request) = job.request {
                        self.after_failure(request, &error).await;
                    }
                } else {
                    // The request stays `provisioning`: its page shows the
                    // step waiting for its cluster, with the error and the
                    // next attempt.
                    report.retrying.push(job.id);
                }
            }
        }
        Ok(())
    }

    /// A parked job: admins hear of it through the audit log.
    async fn announce_parked(&self, job: &Claimed, attempts: i64, error: &str) {
        let (event, kind) = match job.request {
            Some(r) => {
                let mut conn = match self.ctx.db.pool().acquire().await {
                    Ok(c) => c,
                    Err(_) => return,
                };
                match crate::access::repo::request(&mut conn, r).await {
                    Ok(Some(row)) => (
                        Some(row.event),
                        Some(crate::access::model::kind_str(row.kind).to_string()),
                    ),
                    _ => (None, None),
                }
            }
            None => (None, None),
        };
        let after = serde_json::json!({
            "id": job.request.map(|r| r.to_string()),
            "job": job.id.to_string(),
            "job_kind": job.kind,
            "kind": kind,
            "event": event,
            "cluster": job.cluster,
            "team": crate::notify::notifier::ADMINS,
            "attempts": attempts,
            "error": error,
        });
        let result = async {
            let mut tx = self.ctx.db.begin().await?;
            crate::audit::record(
                &mut tx,
                crate::audit::Entry::<(), _> {
                    actor: SYSTEM,
                    action: "job.parked",
                    subject: &format!("job:{}", job.id),
                    before: None,
                    after: Some(&after),
                },
            )
            .await?;
            tx.commit().await?;
            Ok::<(), crate::db::DbError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(job = job.id, error = %e, "cannot record the parked job");
        }
    }

    /// Every job of the request done: the request becomes active.
    async fn after_success(&self, request: i64) {
        match queue::all_done(&self.ctx.db, request).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(request, error = %e, "cannot read the request's jobs");
                return;
            }
        }
        let result = self.access.mark_provisioned(&request.to_string()).await;
        report_outcome(request, result, "marked active");
    }

    /// A parked job marks its request failed (once: a request already failed
    /// stays so, and the audit log does not repeat it); an admin's retry that
    /// succeeds makes it active.
    async fn after_failure(&self, request: i64, error: &str) {
        let result = self.access.mark_failed(&request.to_string(), error).await;
        report_outcome(request, result, "marked failed");
    }

    /// Starts the worker: a pass now, then every `provision.interval_secs`
    /// or when jobs are announced, until stopped.
    pub fn spawn(self: &Arc<Self>) -> ProvisionTask {
        let listener = super::listen(&self.ctx.db);
        let me = Arc::clone(self);
        let every = Duration::from_secs(me.config.interval_secs.max(1));
        let (stop, mut stopped) = watch::channel(false);
        let join = tokio::spawn(async move {
            while !*stopped.borrow() {
                let wakes = super::wakes();
                if let Err(e) = me.run_pass().await {
                    tracing::warn!(error = %e, "provisioning pass failed");
                }
                if super::wakes() != wakes {
                    continue;
                }
                tokio::select! {
                    _ = stopped.changed() => {}
                    () = super::woken() => {}
                    () = tokio::time::sleep(every) => {}
                }
            }
        });
        ProvisionTask {
            stop,
            join,
            listener,
        }
    }
}

/// Logs what reporting to the access workflow did. The state machine refuses
/// a request no longer in a state for it (revoked meanwhile, already failed
/// or active): that is expected, not a problem.
fn report_outcome(request: i64, result: Result<(), crate::access::AccessError>, what: &str) {
    match result {
        Ok(()) => tracing::info!(request, "request {what}"),
        Err(e @ crate::access::AccessError::Conflict(_)) => {
            tracing::debug!(request, error = %e, "request not {what}: not in a state for it");
        }
        Err(e) => tracing::warn!(request, error = %e, "request cannot be {what}"),
    }
}

/// The running worker.
pub struct ProvisionTask {
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
    /// PostgreSQL: the task waking the worker on announced jobs.
    listener: Option<JoinHandle<()>>,
}

impl ProvisionTask {
    /// Stops the worker, letting a running job finish for a few seconds. A job
    /// cut short stays `running` until its lease ends, then is claimed again
    /// (jobs are idempotent).
    pub async fn stop(mut self) {
        if let Some(listener) = self.listener.take() {
            listener.abort();
        }
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
