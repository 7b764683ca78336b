//! Topic administration: create and delete (both idempotent), list, describe.

use std::time::Duration;

use rdkafka::admin::{AdminOptions, NewTopic, TopicReplication};
use rdkafka::types::RDKafkaErrorCode;

use super::{with_metadata, Connection, KafkaError};

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
    let plain: Vec<(TopicSpec, Vec<(String, String)>)> =
        topics.iter().map(|t| (t.clone(), Vec::new())).collect();
    create_topics_with_configs(conn, &plain, timeout).await
}

/// As `create_topics`, each topic with its configuration entries (for example
/// `retention.ms`, `cleanup.policy`); a topic that exists is left unchanged.
pub async fn create_topics_with_configs(
    conn: &Connection,
    topics: &[(TopicSpec, Vec<(String, String)>)],
    timeout: Duration,
) -> Result<(), KafkaError> {
    if topics.is_empty() {
        return Ok(());
    }
    let clients = super::clients::get(conn, timeout)?;
    let admin = &clients.admin;
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|(t, configs)| {
            configs.iter().fold(
                NewTopic::new(
                    &t.name,
                    t.partitions,
                    TopicReplication::Fixed(t.replication),
                ),
                |topic, (key, value)| topic.set(key, value),
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
    with_metadata(conn, None, timeout, |metadata| {
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
        topics
    })
    .await
}

/// Live facts about one topic: partition count, replication factor and the
/// configuration entries the cluster reports (some brokers report none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDetail {
    pub partitions: usize,
    pub replication: usize,
    pub configs: std::collections::BTreeMap<String, String>,
}

pub async fn describe_topic(
    conn: &Connection,
    topic: &str,
    timeout: Duration,
) -> Result<Option<TopicDetail>, KafkaError> {
    let metadata = with_metadata(conn, Some(topic.to_string()), timeout, |m| {
        m.topics().first().and_then(|t| {
            // A missing topic comes back with an error and no partitions.
            (t.error().is_none() && !t.partitions().is_empty()).then(|| {
                (
                    t.partitions().len(),
                    t.partitions()
                        .first()
                        .map(|p| p.replicas().len())
                        .unwrap_or(0),
                )
            })
        })
    })
    .await?;
    let Some((partitions, replication)) = metadata else {
        return Ok(None);
    };
    let clients = super::clients::get(conn, timeout)?;
    let admin = &clients.admin;
    let options = AdminOptions::new().request_timeout(Some(timeout));
    let mut configs = std::collections::BTreeMap::new();
    // Brokers without DescribeConfigs support answer with nothing; that is not an error here.
    if let Ok(results) = admin
        .describe_configs([&rdkafka::admin::ResourceSpecifier::Topic(topic)], &options)
        .await
    {
        for resource in results.into_iter().flatten() {
            for entry in resource.entries {
                if let Some(value) = entry.value {
                    configs.insert(entry.name, value);
                }
            }
        }
    }
    Ok(Some(TopicDetail {
        partitions,
        replication,
        configs,
    }))
}

/// Every (non-internal) topic of the cluster with its facts: one metadata
/// request, then the configs in batches (not a call per topic).
pub async fn describe_topics(
    conn: &Connection,
    timeout: Duration,
) -> Result<std::collections::HashMap<String, TopicDetail>, KafkaError> {
    const CONFIG_BATCH: usize = 500;
    let mut topics = with_metadata(conn, None, timeout, |m| {
        m.topics()
            .iter()
            .filter(|t| !t.name().starts_with("__") && t.error().is_none())
            .map(|t| {
                let detail = TopicDetail {
                    partitions: t.partitions().len(),
                    replication: t
                        .partitions()
                        .first()
                        .map(|p| p.replicas().len())
                        .unwrap_or(0),
                    configs: Default::default(),
                };
                (t.name().to_string(), detail)
            })
            .collect::<std::collections::HashMap<_, _>>()
    })
    .await?;
    let clients = super::clients::get(conn, timeout)?;
    let options = AdminOptions::new().request_timeout(Some(timeout));
    let names: Vec<String> = topics.keys().cloned().collect();
    for batch in names.chunks(CONFIG_BATCH) {
        let resources: Vec<_> = batch
            .iter()
            .map(|t| rdkafka::admin::ResourceSpecifier::Topic(t))
            .collect();
        // Brokers without DescribeConfigs support answer with nothing; that is not an error here.
        let Ok(results) = clients.admin.describe_configs(&resources, &options).await else {
            continue;
        };
        for resource in results.into_iter().flatten() {
            let rdkafka::admin::OwnedResourceSpecifier::Topic(name) = &resource.specifier else {
                continue;
            };
            if let Some(detail) = topics.get_mut(name) {
                for entry in resource.entries {
                    if let Some(value) = entry.value {
                        detail.configs.insert(entry.name, value);
                    }
                }
            }
        }
    }
    Ok(topics)
}

/// Deletes the topics; one that does not exist counts as deleted.
pub async fn delete_topics(
    conn: &Connection,
    topics: &[&str],
    timeout: Duration,
) -> Result<(), KafkaError> {
    if topics.is_empty() {
        return Ok(());
    }
    let clients = super::clients::get(conn, timeout)?;
    let admin = &clients.admin;
    let options = AdminOptions::new()
        .operation_timeout(Some(timeout))
        .request_timeout(Some(timeout));
    let results = admin
        .delete_topics(topics, &options)
        .await
        .map_err(|e| KafkaError::Client(e.to_string()))?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
            Err((topic, code)) => {
                return Err(KafkaError::Client(format!(
                    "cannot delete topic {topic}: {code}"
                )))
            }
        }
    }
    Ok(())
}
