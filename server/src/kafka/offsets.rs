//! Offsets for monitoring, read in batches: the end offsets of many topics in
//! one ListOffsets round per broker, and consumer groups' committed offsets
//! through the admin API, many groups in flight on the connection's shared
//! admin client.

use std::collections::{BTreeMap, HashMap};
use std::ffi::CString;
use std::time::Duration;

use rdkafka::consumer::Consumer;
use rdkafka::{Offset, TopicPartitionList};
use rdkafka_sys::bindings::rd_kafka_resp_err_t as ErrorCode;

use super::native::{self, is_unreachable, BrokerError};
use super::{clients, Connection, KafkaError};

/// Group offset reads in flight at once on the admin client (each a
/// FindCoordinator and an OffsetFetch, pipelined on the connections).
const GROUPS_IN_FLIGHT: usize = 128;

pub(super) fn client(e: impl std::fmt::Display) -> KafkaError {
    KafkaError::Client(e.to_string())
}

/// Runs `f` off the async threads, bounded by `timeout` (+2 s) even if the
/// client gets stuck.
pub(super) async fn blocking<T: Send + 'static>(
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

/// Committed offsets of each group on the given partitions, read on the
/// connection's shared admin client, many groups at once. A group whose read
/// fails is left out of the answer and its error returned beside it. The
/// whole read takes about `timeout` at most.
pub async fn committed_offsets(
    conn: &Connection,
    wanted: Vec<(String, Vec<(String, i32)>)>,
    timeout: Duration,
) -> (HashMap<String, Committed>, Vec<(String, KafkaError)>) {
    let all_failed = |groups: Vec<String>, e: KafkaError| {
        let failed = groups.into_iter().map(|g| (g, e.clone())).collect();
        (HashMap::new(), failed)
    };
    let names: Vec<String> = wanted.iter().map(|(g, _)| g.clone()).collect();
    let shared = match clients::get(conn, timeout) {
        Ok(c) => c,
        Err(e) => return all_failed(names, e),
    };
    let bootstrap = conn.bootstrap_servers.clone();
    let read = blocking(timeout, move || {
        Ok(read_committed(&shared.admin, &bootstrap, wanted, timeout))
    })
    .await;
    read.unwrap_or_else(|e| all_failed(names, e))
}

/// [`committed_offsets`] on the calling thread, which it blocks.
pub(super) fn read_committed(
    admin: &native::Client,
    bootstrap: &str,
    wanted: Vec<(String, Vec<(String, i32)>)>,
    timeout: Duration,
) -> (HashMap<String, Committed>, Vec<(String, KafkaError)>) {
    let mut out = HashMap::new();
    let mut failed = Vec::new();
    let mut names = Vec::new();
    let mut reads = Vec::new();
    for (group, mut partitions) in wanted {
        partitions.sort_unstable();
        partitions.dedup();
        if partitions.is_empty() {
            // librdkafka refuses an empty list; nothing asked, nothing read.
            out.insert(group, Committed::new());
            continue;
        }
        match read_of(&group, partitions) {
            Ok(read) => {
                names.push(group);
                reads.push(read);
            }
            Err(e) => failed.push((group, e)),
        }
    }
    if reads.is_empty() {
        return (out, failed);
    }
    let replies = match ffi::list_group_offsets(admin, &reads, timeout, GROUPS_IN_FLIGHT) {
        Ok(replies) => replies,
        Err(e) => {
            let e = client(format!("reading committed offsets: {e}"));
            failed.extend(names.into_iter().map(|g| (g, e.clone())));
            return (out, failed);
        }
    };
    let unreachable = |detail: String| KafkaError::Unreachable {
        bootstrap: bootstrap.to_string(),
        timeout_ms: timeout.as_millis(),
        detail,
    };
    for (group, reply) in names.into_iter().zip(replies) {
        match reply {
            ffi::GroupReply::Committed(offsets) => {
                let mut committed = Committed::new();
                for (topic, partition, offset) in offsets {
                    committed
                        .entry(topic)
                        .or_default()
                        .insert(partition, offset);
                }
                out.insert(group, committed);
            }
            // Kafka (and nisshi) answer an unknown group with no offsets; a
            // broker that says GROUP_ID_NOT_FOUND means the same.
            ffi::GroupReply::Failed(BrokerError {
                code: ErrorCode::RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND,
                ..
            }) => {
                out.insert(group, Committed::new());
            }
            ffi::GroupReply::Failed(e) if is_unreachable(e.code) => {
                failed.push((group, unreachable(e.message)));
            }
            ffi::GroupReply::Failed(e) => failed.push((
                group,
                client(format!("reading committed offsets failed: {}", e.message)),
            )),
            ffi::GroupReply::NoAnswer => failed.push((
                group,
                unreachable("no answer to the committed offsets read".into()),
            )),
        }
    }
    (out, failed)
}

fn read_of(group: &str, partitions: Vec<(String, i32)>) -> Result<ffi::GroupRead, KafkaError> {
    let nul = |what: &str| client(format!("the {what} contains a NUL byte"));
    Ok(ffi::GroupRead {
        group: CString::new(group).map_err(|_| nul("group name"))?,
        partitions: partitions
            .into_iter()
            .map(|(topic, p)| Ok((CString::new(topic).map_err(|_| nul("topic name"))?, p)))
            .collect::<Result<_, KafkaError>>()?,
    })
}

// Unsafe code, as in `kafka/native.rs` and `kafka/acls/ffi.rs`.
#[allow(unsafe_code)]
mod ffi;
