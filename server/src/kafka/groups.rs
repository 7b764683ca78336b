//! Consumer groups: which exist, and how far a group is behind on a topic
//! (committed offsets against high watermarks).

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};

use super::offsets::{blocking, client, read_committed};
use super::{clients, Connection, KafkaError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub name: String,
    /// As the broker says: `Stable`, `Empty`, `PreparingRebalance`…
    pub state: String,
    pub members: usize,
}

/// One partition of a group's progress on a topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionLag {
    pub partition: i32,
    /// `None` when the group has committed nothing there.
    pub committed: Option<i64>,
    pub high_watermark: i64,
    /// High watermark minus committed (from the low watermark when nothing is committed).
    pub lag: i64,
}

/// Consumer groups of the cluster, sorted by name.
pub async fn list_groups(
    conn: &Connection,
    timeout: Duration,
) -> Result<Vec<GroupInfo>, KafkaError> {
    let config = conn.client_config(timeout)?;
    blocking(timeout, move || {
        let consumer: BaseConsumer = config.create().map_err(client)?;
        let list = consumer.fetch_group_list(None, timeout).map_err(client)?;
        let mut groups: Vec<GroupInfo> = list
            .groups()
            .iter()
            .map(|g| GroupInfo {
                name: g.name().to_string(),
                state: g.state().to_string(),
                members: g.members().len(),
            })
            .collect();
        groups.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(groups)
    })
    .await
}

/// The group's lag on every partition of `topic`.
pub async fn group_lag(
    conn: &Connection,
    group: &str,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<PartitionLag>, KafkaError> {
    let shared = clients::get(conn, timeout)?;
    let bootstrap = conn.bootstrap_servers.clone();
    let group = group.to_string();
    let topic = topic.to_string();
    blocking(timeout, move || {
        let consumer = &shared.metadata;
        let metadata = consumer
            .fetch_metadata(Some(&topic), timeout)
            .map_err(client)?;
        let partitions: Vec<i32> = metadata
            .topics()
            .first()
            .map(|t| t.partitions().iter().map(|p| p.id()).collect())
            .unwrap_or_default();
        let wanted = partitions.iter().map(|p| (topic.clone(), *p)).collect();
        let (mut answered, failed) = read_committed(
            &shared.admin,
            &bootstrap,
            vec![(group.clone(), wanted)],
            timeout,
        );
        if let Some((_, e)) = failed.into_iter().next() {
            return Err(e);
        }
        let committed = answered
            .remove(&group)
            .and_then(|mut c| c.remove(&topic))
            .unwrap_or_default();
        let mut out = Vec::with_capacity(partitions.len());
        for p in partitions {
            let (low, high) = consumer
                .fetch_watermarks(&topic, p, timeout)
                .map_err(client)?;
            let committed = committed.get(&p).copied();
            out.push(PartitionLag {
                partition: p,
                committed,
                high_watermark: high,
                lag: (high - committed.unwrap_or(low)).max(0),
            });
        }
        Ok(out)
    })
    .await
}
