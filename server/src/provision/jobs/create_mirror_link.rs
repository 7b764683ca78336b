//! `create_mirror_link`: mirror `source_topic` of `source_cluster` as
//! `target_topic` on the job's cluster, creating the link or reusing it.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, Order, Outcome};
use crate::mesh::links::LinkKey;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateMirrorLink {
    pub event: String,
    pub source_cluster: String,
    pub source_topic: String,
    pub target_topic: String,
}

impl CreateMirrorLink {
    pub(super) fn key<'a>(&'a self, target_cluster: &'a str) -> LinkKey<'a> {
        LinkKey {
            event: &self.event,
            source_cluster: &self.source_cluster,
            source_topic: &self.source_topic,
            target_cluster,
            target_topic: &self.target_topic,
        }
    }
}

impl Job for CreateMirrorLink {
    const ORDER: Order = Order::ClusterLinks;

    async fn run(self, ctx: &JobContext, cluster: &str) -> Outcome {
        let id = ctx.link_ops().start(&self.key(cluster)).await?;
        Ok(Some(format!(
            "link {id}: {}/{} → {cluster}/{} ({})",
            self.source_cluster,
            self.source_topic,
            self.target_topic,
            ctx.mesh.backend(&self.source_cluster, cluster).as_str()
        )))
    }
}
