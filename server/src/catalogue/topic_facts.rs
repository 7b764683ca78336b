//! Topic facts (partitions, replication, configs) as the clusters last
//! reported them, cached per cluster: a page shows what is cached and never
//! waits for a broker, except for a cluster never read since start. A stale
//! snapshot is served at once while one background read of the whole cluster
//! (one metadata request, configs in batches) replaces it; a cluster that
//! stops answering keeps its last snapshot, shown with its age.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::catalogue::{LiveTopic, StaleFacts};

use crate::clusters::Cluster;
use crate::kafka::{self, Connection, TopicDetail};

/// A topic the snapshot lacks (being provisioned, say) is looked for again
/// this often while someone views it.
const MISSING_RECHECK: Duration = Duration::from_secs(1);

pub struct TopicFacts {
    ttl: Duration,
    timeout: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    connection: Connection,
    /// The last successful read, if any, with its time (RFC 3339).
    snapshot: Option<(Arc<HashMap<String, TopicDetail>>, String)>,
    /// Why the last read failed, if it did.
    error: Option<String>,
    read_at: Instant,
    refreshing: bool,
}

impl TopicFacts {
    pub fn new(ttl: Duration, timeout: Duration) -> Arc<Self> {
        Arc::new(Self {
            ttl,
            timeout,
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// The facts to show now for `topic` on `cluster`, following the rules above.
    pub async fn topic(self: &Arc<Self>, cluster: &Cluster, topic: &str) -> LiveTopic {
        let connection = cluster.connection();
        let cached = {
            let mut entries = self.lock();
            match entries.get_mut(cluster.id()) {
                Some(e) if e.connection == connection => {
                    let answer = answer(e, topic);
                    let age = e.read_at.elapsed();
                    let recheck = matches!(answer, LiveTopic::Missing) && age >= MISSING_RECHECK;
                    let refresh = (age >= self.ttl || recheck) && !e.refreshing;
                    if refresh {
                        e.refreshing = true;
                    }
                    Some((answer, refresh))
                }
                _ => None,
            }
        };
        match cached {
            Some((answer, refresh)) => {
                if refresh {
                    let facts = Arc::clone(self);
                    let cluster = cluster.clone();
                    tokio::spawn(async move { facts.refresh(&cluster).await });
                }
                answer
            }
            None => {
                self.refresh(cluster).await;
                let entries = self.lock();
                entries
                    .get(cluster.id())
                    .map(|e| answer(e, topic))
                    .unwrap_or(LiveTopic::Unavailable {
                        error: "not read yet".into(),
                    })
            }
        }
    }

    /// Reads the whole cluster now and stores what it says; a failed read
    /// keeps the previous snapshot.
    pub async fn refresh(&self, cluster: &Cluster) {
        let connection = cluster.connection();
        let result = kafka::describe_topics(&connection, self.timeout).await;
        let mut entries = self.lock();
        let previous = entries
            .remove(cluster.id())
            .filter(|e| e.connection == connection);
        let entry = match result {
            Ok(topics) => Entry {
                connection,
                snapshot: Some((Arc::new(topics), crate::db::now())),
                error: None,
                read_at: Instant::now(),
                refreshing: false,
            },
            Err(e) => Entry {
                connection,
                snapshot: previous.and_then(|p| p.snapshot),
                error: Some(e.to_string()),
                read_at: Instant::now(),
                refreshing: false,
            },
        };
        entries.insert(cluster.id().to_string(), entry);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn answer(entry: &Entry, topic: &str) -> LiveTopic {
    match (&entry.snapshot, &entry.error) {
        (Some((topics, read_at)), error) => match topics.get(topic) {
            Some(d) => LiveTopic::Found {
                partitions: d.partitions,
                replication: d.replication,
                retention_ms: d.configs.get("retention.ms").cloned(),
                cleanup_policy: d.configs.get("cleanup.policy").cloned(),
                stale: error.as_ref().map(|error| StaleFacts {
                    read_at: read_at.clone(),
                    error: error.clone(),
                }),
            },
            // A cluster that no longer answers cannot say the topic is gone.
            None if error.is_some() => LiveTopic::Unavailable {
                error: error.clone().unwrap_or_default(),
            },
            None => LiveTopic::Missing,
        },
        (None, error) => LiveTopic::Unavailable {
            error: error.clone().unwrap_or_else(|| "not read yet".into()),
        },
    }
}
