//! The kinds of provisioning job, one file each: its payload (stored as the
//! job's `payload_json`), how it waits for other jobs, and how it runs.
//!
//! Adding a kind: a file here with a payload type implementing [`Job`], its
//! line in `registry!` below, and its variant in `app::jobs::JobKind` (the
//! word stored and shown). Nothing else names kinds: the queue's SQL, the
//! dispatch and the enqueue all come from this registry.

pub mod create_acls;
mod create_mirror_link;
mod create_topic;
mod delete_acls;
mod register_schema;
mod stop_mirror_link;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::AnyConnection;

pub use app::jobs::{JobKind, JobState};
pub use create_acls::CreateAcls;
pub use create_mirror_link::CreateMirrorLink;
pub use create_topic::CreateTopic;
pub use delete_acls::DeleteAcls;
pub use register_schema::RegisterSchema;
pub use stop_mirror_link::StopMirrorLink;

use crate::db::{Db, DbError};
use crate::mesh::{LinkOps, MeshConfig};
use crate::registry::RegistryService;

/// What a run said: `Ok` with what it found worth saying, or `Err` with what
/// admins and requesters read (the job is tried again, or parked).
pub type Outcome = Result<Option<String>, String>;

/// How a job waits for the jobs queued before it. Jobs of one worker run
/// concurrently, so order is kept only where it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Runs as soon as it is due.
    Free,
    /// Waits for earlier unfinished jobs of this order on its cluster (a
    /// link's stop never overtakes its start, nor a start a stop). Such jobs
    /// are idempotent and alike for one link: a run also completes its queued
    /// twins (same kind, cluster and payload).
    ClusterLinks,
    /// Waits for every earlier unfinished job of its grant.
    AfterGrant,
}

/// What jobs run with.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    pub registry: Arc<RegistryService>,
    pub mesh: MeshConfig,
    /// Longest wait for a broker call.
    pub kafka_timeout: Duration,
}

impl JobContext {
    pub(crate) fn link_ops(&self) -> LinkOps<'_> {
        LinkOps {
            db: &self.db,
            config: &self.mesh,
            timeout: self.kafka_timeout,
        }
    }
}

/// A kind of job: its payload type. Every kind is idempotent: a job cut short
/// is run again after its lease.
pub trait Job: KindOf + Serialize + DeserializeOwned + Send + Sync + 'static {
    const ORDER: Order = Order::Free;

    /// Runs the job on `cluster`.
    fn run(self, ctx: &JobContext, cluster: &str) -> impl Future<Output = Outcome> + Send;
}

/// A job to enqueue: its kind, cluster, grant (if it works for one) and
/// payload as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub kind: JobKind,
    pub cluster: String,
    pub grant: Option<i64>,
    pub payload: String,
}

impl NewJob {
    pub fn of<J: Job>(cluster: &str, grant: Option<i64>, job: &J) -> NewJob {
        NewJob {
            kind: J::KIND,
            cluster: cluster.to_string(),
            grant,
            // Plain structs of strings and numbers: serialising cannot fail.
            payload: serde_json::to_string(job).unwrap_or_else(|_| "{}".into()),
        }
    }
}

/// Queues `job` for `request` in the caller's transaction, and announces it
/// to the workers at commit.
pub async fn enqueue(conn: &mut AnyConnection, request: i64, job: &NewJob) -> Result<i64, DbError> {
    let id = super::queue::insert(conn, request, job).await?;
    super::announce(conn).await?;
    Ok(id)
}

async fn run_as<J: Job>(payload: &str, ctx: &JobContext, cluster: &str) -> Outcome {
    let job: J = serde_json::from_str(payload)
        .map_err(|e| format!("the job's payload is unreadable: {e}"))?;
    job.run(ctx, cluster).await
}

/// Binds each kind to its payload type and derives dispatch and order.
macro_rules! registry {
    ($($kind:ident => $ty:ty,)*) => {
        $(impl KindOf for $ty {
            const KIND: JobKind = JobKind::$kind;
        })*

        /// Runs a claimed job of any kind.
        pub(crate) async fn run(kind: JobKind, payload: &str, ctx: &JobContext, cluster: &str) -> Outcome {
            match kind {
                $(JobKind::$kind => run_as::<$ty>(payload, ctx, cluster).await,)*
            }
        }

        /// How a kind waits for others.
        pub fn order(kind: JobKind) -> Order {
            match kind {
                $(JobKind::$kind => <$ty as Job>::ORDER,)*
            }
        }
    };
}

/// The kind `registry!` gave a payload type, so a type and its kind are
/// named together once.
pub trait KindOf {
    const KIND: JobKind;
}

registry! {
    CreateTopic => CreateTopic,
    RegisterSchema => RegisterSchema,
    CreateAcls => CreateAcls,
    DeleteAcls => DeleteAcls,
    CreateMirrorLink => CreateMirrorLink,
    StopMirrorLink => StopMirrorLink,
}

/// `('a', 'b')`: the kinds of this order, as an SQL list (`('')` for none).
pub(crate) fn sql_kinds(pick: impl Fn(JobKind) -> bool) -> String {
    let words: Vec<String> = JobKind::ALL
        .iter()
        .copied()
        .filter(|k| pick(*k))
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    if words.is_empty() {
        "('')".to_string()
    } else {
        format!("({})", words.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_payload_type_and_order() {
        assert_eq!(CreateTopic::KIND, JobKind::CreateTopic);
        assert_eq!(StopMirrorLink::KIND, JobKind::StopMirrorLink);
        assert_eq!(order(JobKind::CreateMirrorLink), Order::ClusterLinks);
        assert_eq!(order(JobKind::StopMirrorLink), Order::ClusterLinks);
        assert_eq!(order(JobKind::DeleteAcls), Order::AfterGrant);
        assert_eq!(order(JobKind::CreateTopic), Order::Free);
        assert_eq!(
            sql_kinds(|k| order(k) == Order::ClusterLinks),
            "('create_mirror_link', 'stop_mirror_link')"
        );
        assert_eq!(sql_kinds(|_| false), "('')");
    }

    #[test]
    fn payloads_are_stored_as_before() {
        // Jobs queued by an earlier version must stay readable: the stored
        // JSON of each kind is a plain object of these fields.
        let job = NewJob::of(
            "gcp",
            None,
            &CreateMirrorLink {
                event: "e".into(),
                source_cluster: "aws".into(),
                source_topic: "t".into(),
                target_topic: "aws.t".into(),
            },
        );
        assert_eq!(job.kind, JobKind::CreateMirrorLink);
        assert_eq!(
            job.payload,
            r#"{"event":"e","source_cluster":"aws","source_topic":"t","target_topic":"aws.t"}"#
        );
    }
}
