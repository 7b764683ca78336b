//! Live cluster status, cached: a fresh entry is served as is; a stale one is
//! served at once while a background check replaces it; only a cluster never
//! checked makes the caller wait, and then no longer than the probe timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::clusters::ClusterStatus;

use super::spec::Cluster;
use crate::db;
use crate::kafka::{self, Connection};

pub struct StatusBoard {
    timeout: Duration,
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

struct Entry {
    connection: Connection,
    status: ClusterStatus,
    read_at: Instant,
    refreshing: bool,
}

impl StatusBoard {
    pub fn new(timeout: Duration, ttl: Duration) -> Arc<Self> {
        Arc::new(Self {
            timeout,
            ttl,
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// The status to show now, following the cache rules above.
    pub async fn current(self: &Arc<Self>, cluster: &Cluster) -> ClusterStatus {
        let connection = cluster.connection();
        let cached = {
            let mut entries = self.lock();
            match entries.get_mut(cluster.id()) {
                Some(e) if e.connection == connection => {
                    let stale = e.read_at.elapsed() >= self.ttl;
                    let start_refresh = stale && !e.refreshing;
                    if start_refresh {
                        e.refreshing = true;
                    }
                    Some((e.status.clone(), start_refresh))
                }
                _ => None,
            }
        };
        match cached {
            Some((status, start_refresh)) => {
                if start_refresh {
                    let board = Arc::clone(self);
                    let cluster = cluster.clone();
                    tokio::spawn(async move {
                        board.check_now(&cluster).await;
                    });
                }
                status
            }
            None => self.check_now(cluster).await,
        }
    }

    /// Probes the cluster now and stores the answer.
    pub async fn check_now(&self, cluster: &Cluster) -> ClusterStatus {
        let connection = cluster.connection();
        let result = kafka::probe(&connection, self.timeout).await;
        let checked_at = db::now();
        let status = match result {
            Ok(p) => ClusterStatus::Reachable {
                broker_count: p.broker_count,
                topic_count: p.topic_count,
                checked_at,
                latency_ms: u64::try_from(p.latency.as_millis()).unwrap_or(u64::MAX),
            },
            Err(e) => ClusterStatus::Unreachable {
                error: e.to_string(),
                checked_at,
            },
        };
        let mut entries = self.lock();
        let previous = entries.insert(
            cluster.id().to_string(),
            Entry {
                connection,
                status: status.clone(),
                read_at: Instant::now(),
                refreshing: false,
            },
        );
        let was_reachable = previous.map(|p| p.status.is_reachable());
        if was_reachable != Some(status.is_reachable()) {
            match &status {
                ClusterStatus::Unreachable { error, .. } => {
                    tracing::warn!(cluster = cluster.id(), %error, "cluster unreachable")
                }
                _ => tracing::info!(cluster = cluster.id(), "cluster reachable"),
            }
        }
        status
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
