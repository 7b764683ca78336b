//! Wire types of mesh links and reconciliation.

use serde::{Deserialize, Serialize};

crate::words::words! {
    /// How a link mirrors its topic.
    LinkBackend {
        /// Switchboard's own copier, run by the worker.
        Builtin = "builtin",
        /// Confluent Cluster Linking, driven through its REST API.
        ClusterLinking = "cluster_linking",
        /// MirrorMaker 2 on Kafka Connect.
        MirrorMaker = "mirror_maker",
    }
}

crate::words::words! {
    /// Where a link is in its life.
    LinkState {
        Running = "running",
        /// Stopped; its mirror topic is kept until `retire_at`.
        Stopped = "stopped",
        /// Its mirror topic is deleted.
        Retired = "retired",
    }
}

/// One mesh link: `source_topic` of `source_cluster` mirrored as
/// `target_topic` on `target_cluster`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LinkView {
    pub id: String,
    pub event: String,
    pub source_cluster: String,
    pub source_topic: String,
    pub target_cluster: String,
    pub target_topic: String,
    pub backend: LinkBackend,
    pub state: LinkState,
    /// Records not yet copied, at `status_at`.
    pub lag: Option<i64>,
    /// Records per second over the last report.
    pub rate_per_sec: Option<i64>,
    /// Records copied since the link started.
    pub copied: i64,
    pub last_error: Option<String>,
    pub status_at: Option<String>,
    pub retire_at: Option<String>,
}

/// One difference the last reconciliation pass found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriftFinding {
    pub cluster: String,
    /// `missing_topic`, `missing_acl`, `stopped_link`, `no_authorizer` or `unreachable`.
    pub kind: String,
    pub subject: String,
    pub detail: String,
    pub repaired: bool,
    pub found_at: String,
}

impl DriftFinding {
    /// Whether this is drift (as opposed to a fact about the cluster, such as
    /// a broker without an authorizer).
    pub fn is_drift(&self) -> bool {
        self.kind != "no_authorizer"
    }
}
