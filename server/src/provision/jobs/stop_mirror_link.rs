//! `stop_mirror_link`: the link to the job's cluster stops when its last
//! consumer there left; the mirror topic is deleted after a grace period.

use serde::{Deserialize, Serialize};

use super::{CreateMirrorLink, Job, JobContext, Order, Outcome};

/// The same link as the `create_mirror_link` that started it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StopMirrorLink(pub CreateMirrorLink);

impl Job for StopMirrorLink {
    const ORDER: Order = Order::ClusterLinks;

    async fn run(self, ctx: &JobContext, cluster: &str) -> Outcome {
        ctx.link_ops().stop(&self.0.key(cluster)).await?;
        Ok(Some(format!(
            "link stopped; the mirror topic is deleted after {} hours unless a consumer returns",
            ctx.mesh.grace_hours
        )))
    }
}
