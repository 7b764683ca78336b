//! Topic administration: create (idempotent) and list.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaErrorCode;

use super::{Connection, KafkaError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: usize,
}

/// Creates the topics that do not exist yet; existing ones are left as they are,
/// so running this twice leaves the broker as running it once.
pub async fn create_topics(
    conn: &Connection,
    topics: &[TopicSpec],
    timeout: Duration,
) -> Result<(), KafkaError> {
    if topics.is_empty() {
        return Ok(());
    }
    let admin: AdminClient<DefaultClientContext> = conn
        .client_config(timeout)?
        .create()
        .map_err(|e| KafkaError::Client(e.to_string()))?;
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|t| {
            NewTopic::new(
                &t.name,
                t.partitions,
                TopicReplication::Fixed(t.replication),
            )
        })
        .collect();
    let options = AdminOptions::new()
        .operation_timeout(Some(timeout))
        .request_timeout(Some(timeout));
    let results = admin
        .create_topics(new.iter(), &options)
        .await
        .map_err(|e| KafkaError::Client(e.to_string()))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(KafkaError::Client(format!(
                    "cannot create topic {topic}: {code}"
                )))
            }
        }
    }
    Ok(())
}

/// Topics on the cluster (internal `__…` topics left out), with partition counts.
pub async fn list_topics(
    conn: &Connection,
    timeout: Duration,
) -> Result<Vec<TopicInfo>, KafkaError> {
    let config = conn.client_config(timeout)?;
    let bootstrap = conn.bootstrap_servers.clone();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = config
            .create()
            .map_err(|e| KafkaError::Client(e.to_string()))?;
        let metadata =
            consumer
                .fetch_metadata(None, timeout)
                .map_err(|e| KafkaError::Unreachable {
                    bootstrap,
                    timeout_ms: timeout.as_millis(),
                    detail: e.to_string(),
                })?;
        let mut topics: Vec<TopicInfo> = metadata
            .topics()
            .iter()
            .filter(|t| !t.name().starts_with("__"))
            .map(|t| TopicInfo {
                name: t.name().to_string(),
                partitions: t.partitions().len(),
            })
            .collect();
        topics.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(topics)
    })
    .await
    .map_err(|e| KafkaError::Client(e.to_string()))?
}
