//! `create_topic`: a new event's topic on its home cluster, from the
//! template the proposal chose (creating one that exists is not an error).

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, Outcome};
use crate::kafka::{self, TopicSpec};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateTopic {
    pub event: String,
    pub topic: String,
    pub template: String,
    pub partitions: i32,
    pub retention_ms: i64,
    pub cleanup_policy: String,
}

impl Job for CreateTopic {
    async fn run(self, ctx: &JobContext, cluster_id: &str) -> Outcome {
        let cluster = crate::clusters::get(&ctx.db, cluster_id)
            .await
            .map_err(|e| format!("cannot read cluster `{cluster_id}`: {e}"))?
            .ok_or_else(|| format!("cluster `{cluster_id}` is not registered"))?;
        let spec = TopicSpec {
            name: self.topic.clone(),
            partitions: self.partitions,
            // The cluster's default replication factor.
            replication: -1,
        };
        let configs = vec![
            ("retention.ms".to_string(), self.retention_ms.to_string()),
            ("cleanup.policy".to_string(), self.cleanup_policy.clone()),
        ];
        kafka::create_topics_with_configs(
            &cluster.connection(),
            &[(spec, configs)],
            ctx.kafka_timeout,
        )
        .await
        .map_err(|e| {
            format!(
                "cannot create topic `{}` on cluster `{cluster_id}`: {e}",
                self.topic
            )
        })?;
        Ok(None)
    }
}
