//! The worker: a pass claims due jobs (as many as it has room for, in one
//! statement), runs each as a task, records the outcome, and reports to the
//! access workflow (a request whose jobs are all done becomes active; a job
//! parked after its last attempt marks it failed).

use std::sync::Arc;

use std::time::Duration;

use app::auth::Caller;
use app::error::ErrorCode;
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::jobs::{self, Claimed};
use crate::access::model::{AclBinding, JobPayload, SYSTEM};
use crate::access::AccessService;
use crate::config::ProvisionConfig;
use crate::db::Db;
use crate::kafka::acls::{self, AclOutcome};
use crate::kafka::{self, TopicSpec};
use crate::mesh::links::LinkKey;
use crate::mesh::{LinkOps, MeshConfig};
use crate::registry::model::NewSchema;
use crate::registry::propagation::Backoff;
use crate::registry::RegistryService;

/// What an ACL job says when the broker has no authorizer.
pub const NO_AUTHORIZER: &str = "no authorizer: ACLs not enforced (bindings recorded)";

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
    db: Db,
    access: Arc<AccessService>,
    registry: Arc<RegistryService>,
    config: ProvisionConfig,
    mesh: MeshConfig,
    backoff: Backoff,
}

impl Provisioner {
    pub fn new(
        db: Db,
        access: Arc<AccessService>,
        registry: Arc<RegistryService>,
        config: ProvisionConfig,
    ) -> Self {
        Provisioner {
            db,
            access,
            registry,
            config,
            mesh: MeshConfig::default(),
            backoff: Backoff::default(),
        }
    }

    /// The mesh configuration link jobs follow.
    pub fn with_mesh(mut self, mesh: MeshConfig) -> Self {
        self.mesh = mesh;
        self
    }

    fn link_ops(&self) -> LinkOps<'_> {
        LinkOps {
            db: &self.db,
            config: &self.mesh,
            timeout: self.kafka_timeout(),
        }
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
        let wanted = self.config.concurrency.max(1);
        match self.db.backend() {
            crate::db::Backend::Sqlite => wanted.min(4),
            crate::db::Backend::Postgres => wanted,
        }
    }

    fn kafka_timeout(&self) -> Duration {
        Duration::from_millis(self.config.kafka_timeout_ms.max(100))
    }

    /// Claims and runs due jobs until none is left (or `JOBS_PER_PASS`),
    /// up to `provision.concurrency` at once; a job that finishes lets the
    /// pass look again, for jobs ordered behind it.
    pub async fn run_pass(&self) -> anyhow::Result<PassReport> {
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
                    jobs::claim_batch(&self.db, OffsetDateTime::now_utc(), self.lease(), room)
                        .await?;
                exhausted = batch.is_empty();
                for job in batch {
                    claimed += 1;
                    tracing::debug!(job = job.id, kind = %job.kind, cluster = %job.cluster, "job claimed");
                    let me = self.clone();
                    running.spawn(async move {
                        let outcome = me.execute(&job).await;
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
    ) -> anyhow::Result<()> {
        match outcome {
            Ok(outcome) => {
                // Twins first: while this job is `running`, the order rule
                // keeps them from being claimed, so none runs needlessly.
                let twins = jobs::complete_twins(&self.db, &job, outcome.as_deref())
                    .await
                    .unwrap_or_else(|e| {
                        // They stay queued and run on their own.
                        tracing::warn!(job = job.id, error = %e, "cannot complete the job's twins");
                        Vec::new()
                    });
                if jobs::complete(&self.db, &job, outcome.as_deref()).await? {
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
                if !jobs::fail(&self.db, &job, &error, retry_at).await? {
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

    /// Runs one job; the error is what admins and requesters read, the
    /// outcome what a success found worth saying.
    async fn execute(&self, job: &Claimed) -> Result<Option<String>, String> {
        let payload: JobPayload = serde_json::from_str(&job.payload)
            .map_err(|e| format!("the job's payload is unreadable: {e}"))?;
        match (job.kind.as_str(), payload) {
            (
                "create_topic",
                JobPayload::Topic {
                    topic,
                    partitions,
                    retention_ms,
                    cleanup_policy,
                    ..
                },
            ) => self
                .create_topic(
                    &job.cluster,
                    &topic,
                    partitions,
                    retention_ms,
                    &cleanup_policy,
                )
                .await
                .map(|()| None),
            (
                "register_schema",
                JobPayload::Schema {
                    subject, schema, ..
                },
            ) => self.register_schema(&subject, &schema).await.map(|()| None),
            ("create_acls", JobPayload::Acls { bindings, .. }) => {
                self.acls(&job.cluster, &bindings, true).await
            }
            ("delete_acls", JobPayload::Acls { grant, bindings }) => {
                self.delete_acls(&job.cluster, grant, bindings).await
            }
            (
                kind @ ("create_mirror_link" | "stop_mirror_link"),
                JobPayload::MirrorLink {
                    event,
                    source_cluster,
                    source_topic,
                    target_topic,
                },
            ) => {
                let key = LinkKey {
                    event: &event,
                    source_cluster: &source_cluster,
                    source_topic: &source_topic,
                    target_cluster: &job.cluster,
                    target_topic: &target_topic,
                };
                if kind == "create_mirror_link" {
                    let id = self.link_ops().start(&key).await?;
                    Ok(Some(format!(
                        "link {id}: {source_cluster}/{source_topic} → {}/{target_topic} ({})",
                        job.cluster,
                        self.mesh.backend(&source_cluster, &job.cluster).as_str()
                    )))
                } else {
                    self.link_ops().stop(&key).await?;
                    Ok(Some(format!(
                        "link stopped; the mirror topic is deleted after {} hours unless a consumer returns",
                        self.mesh.grace_hours
                    )))
                }
            }
            (kind, _) => Err(format!("a `{kind}` job with a payload of another kind")),
        }
    }

    /// Creates or deletes exactly these bindings. A broker without an
    /// authorizer is not a failure: the grant keeps the bindings it would need.
    async fn acls(
        &self,
        cluster_id: &str,
        bindings: &[AclBinding],
        create: bool,
    ) -> Result<Option<String>, String> {
        let conn = crate::clusters::connection_of(&self.db, cluster_id).await?;

        let verb = if create { "create" } else { "delete" };
        let outcome = if create {
            acls::create_acls(&conn, bindings, self.kafka_timeout())
                .await
                .map(|o| matches!(o, AclOutcome::NoAuthorizer))
        } else {
            acls::delete_acls(&conn, bindings, self.kafka_timeout())
                .await
                .map(|o| matches!(o, AclOutcome::NoAuthorizer))
        }
        .map_err(|e| format!("cannot {verb} ACLs on cluster `{cluster_id}`: {e}"))?;
        Ok(Some(if outcome {
            NO_AUTHORIZER.to_string()
        } else {
            format!("{} ACL bindings {verb}d", bindings.len())
        }))
    }

    /// Deletes the bindings of a grant taken away, except those another live
    /// grant holds by now (one approved after the job was queued): the
    /// revocation left out the ones held then, this the ones held since.
    async fn delete_acls(
        &self,
        cluster_id: &str,
        grant: i64,
        mut bindings: Vec<AclBinding>,
    ) -> Result<Option<String>, String> {
        let mut principals: Vec<&str> = bindings.iter().map(|b| b.principal.as_str()).collect();
        principals.sort_unstable();
        principals.dedup();
        let mut held = Vec::new();
        {
            let mut conn = self.db.pool().acquire().await.map_err(|e| {
                tracing::warn!(error = %e, "cannot read the bindings of other grants");
                "the database is unavailable".to_string()
            })?;
            for principal in principals {
                let mut of = crate::access::repo::bindings_held_by_others(
                    &mut conn, cluster_id, principal, grant,
                )
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "cannot read the bindings of other grants");
                    "cannot read the bindings of other grants".to_string()
                })?;
                held.append(&mut of);
            }
        }
        let before = bindings.len();
        bindings.retain(|b| !held.contains(b));
        let kept = before - bindings.len();
        if bindings.is_empty() {
            return Ok(Some(format!(
                "no ACL binding deleted: other grants hold all {kept}"
            )));
        }
        let done = self.acls(cluster_id, &bindings, false).await?;
        Ok(match (done, kept) {
            (done, 0) => done,
            (Some(done), kept) => Some(format!("{done}; {kept} kept for other grants")),
            (None, kept) => Some(format!("{kept} kept for other grants")),
        })
    }

    /// A parked job: admins hear of it through the audit log.
    async fn announce_parked(&self, job: &Claimed, attempts: i64, error: &str) {
        let (event, kind) = match job.request {
            Some(r) => {
                let mut conn = match self.db.pool().acquire().await {
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
            let mut tx = self.db.begin().await?;
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

    async fn create_topic(
        &self,
        cluster_id: &str,
        topic: &str,
        partitions: i32,
        retention_ms: i64,
        cleanup_policy: &str,
    ) -> Result<(), String> {
        let cluster = crate::clusters::get(&self.db, cluster_id)
            .await
            .map_err(|e| format!("cannot read cluster `{cluster_id}`: {e}"))?
            .ok_or_else(|| format!("cluster `{cluster_id}` is not registered"))?;
        let spec = TopicSpec {
            name: topic.to_string(),
            partitions,
            // The cluster's default replication factor.
            replication: -1,
        };
        let configs = vec![
            ("retention.ms".to_string(), retention_ms.to_string()),
            ("cleanup.policy".to_string(), cleanup_policy.to_string()),
        ];
        kafka::create_topics_with_configs(
            &cluster.connection(),
            &[(spec, configs)],
            self.kafka_timeout(),
        )
        .await
        .map_err(|e| format!("cannot create topic `{topic}` on cluster `{cluster_id}`: {e}"))
    }

    async fn register_schema(&self, subject: &str, schema: &str) -> Result<(), String> {
        let system = Caller {
            user_id: SYSTEM.to_string(),
            admin: true,
            teams: Vec::new(),
        };
        let registered = self
            .registry
            .register(
                Some(&system),
                subject,
                &NewSchema::avro(schema.to_string(), Vec::new()),
            )
            .await
            .map_err(|e| format!("cannot register the schema under `{subject}`: {e}"))?;
        crate::registry::propagation::wake();
        tracing::debug!(
            subject,
            id = registered.id,
            version = registered.version,
            "schema registered"
        );
        Ok(())
    }

    /// Every job of the request done: the request becomes active.
    async fn after_success(&self, request: i64) {
        match jobs::all_done(&self.db, request).await {
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
        let listener = super::listen(&self.db);
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
fn report_outcome(request: i64, result: Result<(), app::error::AppError>, what: &str) {
    match result {
        Ok(()) => tracing::info!(request, "request {what}"),
        Err(e) if e.code == ErrorCode::Conflict => {
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
