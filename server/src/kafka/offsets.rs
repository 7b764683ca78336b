//! Offsets for monitoring, read in batches: the end offsets of many topics in
//! one ListOffsets round per broker, and consumer groups' committed offsets.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::{clients, Connection, KafkaError};

/// Groups whose offsets are read at once (each needs a client of its own).
const GROUPS_AT_ONCE: usize = 16;

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

/// End offset of every partition of each topic that exists, by topic and
/// partition. Topics the cluster does not have are left out.
pub async fn end_offsets(
    conn: &Connection,
    topics: Vec<String>,
    timeout: Duration,
) -> Result<HashMap<String, BTreeMap<i32, i64>>, KafkaError> {
    let shared = clients::get(conn, timeout)?;
    let bootstrap = conn.bootstrap_servers.clone();
    blocking(timeout, move || {
        let consumer = &shared.metadata;
        // One metadata call for the whole cluster, then one ListOffsets per
        // leader for every wanted partition.
        let metadata =
            consumer
                .fetch_metadata(None, timeout)
                .map_err(|e| KafkaError::Unreachable {
                    bootstrap,
                    timeout_ms: timeout.as_millis(),
                    detail: e.to_string(),
                })?;
        let wanted: std::collections::HashSet<&str> = topics.iter().map(String::as_str).collect();
        let mut list = TopicPartitionList::new();
        for t in metadata.topics() {
            if !wanted.contains(t.name()) || t.error().is_some() {
                continue;
            }
            for p in t.partitions() {
                // Offset::End asks for the latest offset (timestamp -1).
                list.add_partition_offset(t.name(), p.id(), Offset::End)
                    .map_err(client)?;
            }
        }
        let mut out: HashMap<String, BTreeMap<i32, i64>> = HashMap::new();
        if list.count() == 0 {
            return Ok(out);
        }
        let answered = consumer.offsets_for_times(list, timeout).map_err(client)?;
        for e in answered.elements() {
            if let Offset::Offset(o) = e.offset() {
                out.entry(e.topic().to_string())
                    .or_default()
                    .insert(e.partition(), o);
            }
        }
        Ok(out)
    })
    .await
}

/// What one group has committed: by topic and partition. An empty map when
/// the group committed nothing (or does not exist).
pub type Committed = HashMap<String, BTreeMap<i32, i64>>;

/// Committed offsets of each group on the given partitions, a few groups at
/// once. A group whose read fails is left out of the answer and its error
/// returned beside it.
pub async fn committed_offsets(
    conn: &Connection,
    wanted: Vec<(String, Vec<(String, i32)>)>,
    timeout: Duration,
) -> (HashMap<String, Committed>, Vec<(String, KafkaError)>) {
    let base = match conn.client_config(timeout) {
        Ok(c) => c,
        Err(e) => {
            let failed = wanted.into_iter().map(|(g, _)| (g, e.clone())).collect();
            return (HashMap::new(), failed);
        }
    };
    let base = Arc::new(base);
    let mut out = HashMap::new();
    let mut failed = Vec::new();
    let mut queue = wanted.into_iter();
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.len() < GROUPS_AT_ONCE {
            let Some((group, partitions)) = queue.next() else {
                break;
            };
            let base = Arc::clone(&base);
            running.spawn(async move {
                let name = group.clone();
                let read = blocking(timeout, move || {
                    let mut config = (*base).clone();
                    // A client of the group reads its offsets; it never joins it.
                    config
                        .set("group.id", &name)
                        .set("enable.auto.commit", "false");
                    let consumer: BaseConsumer = config.create().map_err(client)?;
                    let mut list = TopicPartitionList::new();
                    for (topic, p) in &partitions {
                        list.add_partition(topic, *p);
                    }
                    let committed = consumer.committed_offsets(list, timeout).map_err(client)?;
                    let mut out: Committed = HashMap::new();
                    for e in committed.elements() {
                        if let Offset::Offset(o) = e.offset() {
                            out.entry(e.topic().to_string())
                                .or_default()
                                .insert(e.partition(), o);
                        }
                    }
                    Ok(out)
                })
                .await;
                (group, read)
            });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        match done {
            Ok((group, Ok(c))) => {
                out.insert(group, c);
            }
            Ok((group, Err(e))) => failed.push((group, e)),
            Err(join) => tracing::warn!(error = %join, "a group offset read panicked"),
        }
    }
    (out, failed)
}
