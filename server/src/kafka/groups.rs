//! Consumer groups: which exist, and how far a group is behind on a topic
//! (committed offsets against high watermarks).

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::{Connection, KafkaError};

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

fn client(e: impl std::fmt::Display) -> KafkaError {
    KafkaError::Client(e.to_string())
}

async fn blocking<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> Result<T, KafkaError> + Send + 'static,
) -> Result<T, KafkaError> {
    match tokio::time::timeout(
        timeout + Duration::from_secs(2),
        tokio::task::spawn_blocking(f),
    )
    .await
    {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(client(join)),
        Err(_) => Err(client("the client did not return in time")),
    }
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
    let mut config = conn.client_config(timeout)?;
    // Reading a group's offsets needs a client of that group; it never joins it.
    config
        .set("group.id", group)
        .set("enable.auto.commit", "false");
    let topic = topic.to_string();
    blocking(timeout, move || {
        let consumer: BaseConsumer = config.create().map_err(client)?;
        let metadata = consumer
            .fetch_metadata(Some(&topic), timeout)
            .map_err(client)?;
        let partitions: Vec<i32> = metadata
            .topics()
            .first()
            .map(|t| t.partitions().iter().map(|p| p.id()).collect())
            .unwrap_or_default();
        let mut wanted = TopicPartitionList::new();
        for p in &partitions {
            wanted.add_partition(&topic, *p);
        }
        let committed = consumer
            .committed_offsets(wanted, timeout)
            .map_err(client)?;
        let mut out = Vec::with_capacity(partitions.len());
        for p in partitions {
            let (low, high) = consumer
                .fetch_watermarks(&topic, p, timeout)
                .map_err(client)?;
            let committed = committed
                .find_partition(&topic, p)
                .and_then(|e| match e.offset() {
                    Offset::Offset(o) => Some(o),
                    _ => None,
                });
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
