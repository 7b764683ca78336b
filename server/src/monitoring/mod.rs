//! Monitoring: the worker samples every cluster of the mesh on an interval
//! (end offsets of catalogue and mirror topics, committed offsets of the
//! groups active grants name, the links' own reports), keeps the series at
//! three resolutions, and evaluates alert rules on them; the portal draws
//! them. With several workers each cluster is sampled by one (a lease).

pub mod alerts;
pub mod block;
pub mod config;
pub mod error;
pub mod lease;
pub mod rollup;
pub mod sampler;
pub mod service;
pub mod store;
pub mod views;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::MonitoringConfig;
pub use error::MonitoringError;
pub use service::MonitoringService;

use crate::db::{Db, DbError};

/// What one monitoring pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    /// Clusters this worker sampled, with their outcome.
    pub sampled: Vec<(String, Result<sampler::ClusterReport, String>)>,
    /// Clusters another worker holds.
    pub skipped: Vec<String>,
    /// Whether this worker held the mesh-wide work (rollups, alerts).
    pub evaluated: bool,
    pub fired: Vec<i64>,
    pub resolved: Vec<i64>,
}

pub struct Monitor {
    db: Db,
    config: MonitoringConfig,
    id: String,
}

impl Monitor {
    pub fn new(db: Db, config: MonitoringConfig) -> Self {
        Monitor {
            db,
            config,
            id: format!("monitor-{}", uuid::Uuid::new_v4()),
        }
    }

    fn lease(&self) -> time::Duration {
        let secs = self
            .config
            .lease_secs
            .max(self.config.interval_secs * 2)
            .max(2);
        time::Duration::seconds(i64::try_from(secs).unwrap_or(90))
    }

    /// Samples every cluster this worker holds (all at once: an unreachable
    /// one costs its timeout, not the others'), then rolls up, expires and
    /// evaluates alerts if it holds the mesh-wide lease.
    pub async fn run_pass(&self, now: time::OffsetDateTime) -> Result<PassReport, DbError> {
        let until = now + self.lease();
        let at = now.unix_timestamp();
        let timeout = Duration::from_millis(self.config.kafka_timeout_ms.max(100));
        let clusters: Vec<_> = crate::clusters::list(&self.db)
            .await?
            .into_iter()
            .filter(|c| c.spec().in_mesh)
            .collect();
        let mut report = PassReport::default();
        let mut mine = Vec::new();
        for c in clusters {
            if lease::hold(&self.db, c.id(), &self.id, now, until).await? {
                mine.push(c);
            } else {
                report.skipped.push(c.id().to_string());
            }
        }
        let passes = mine.iter().map(|c| async {
            let started = Instant::now();
            let outcome =
                sampler::sample_cluster(&self.db, c.id(), &c.connection(), timeout, at).await;
            let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            let error = outcome.as_ref().err().map(|e| e.to_string());
            if let Err(e) = lease::record(&self.db, c.id(), now, ms, error.as_deref()).await {
                tracing::warn!(cluster = c.id(), error = %e, "cannot record the sampling pass");
            }
            if let Some(e) = &error {
                tracing::info!(cluster = c.id(), error = %e, "cluster not sampled");
            }
            (c.id().to_string(), outcome.map_err(|e| e.to_string()))
        });
        report.sampled = join_all(passes).await;
        if lease::hold(&self.db, lease::MESH, &self.id, now, until).await? {
            report.evaluated = true;
            alerts::defaults::ensure(&self.db, &self.config.alert_defaults).await?;
            rollup::roll_up(&self.db, at).await?;
            rollup::expire(&self.db, &self.config, at).await?;
            let eval = alerts::evaluate(&self.db, now, self.config.interval_secs).await?;
            report.fired = eval.fired;
            report.resolved = eval.resolved;
        }
        Ok(report)
    }

    /// Runs passes every `interval_secs` until stopped.
    pub fn spawn(self: Arc<Self>) -> MonitorTask {
        let (stop, mut stopped) = watch::channel(false);
        let me = Arc::clone(&self);
        let join = tokio::spawn(async move {
            while !*stopped.borrow() {
                if let Err(e) = me.run_pass(time::OffsetDateTime::now_utc()).await {
                    tracing::warn!(error = %e, "monitoring pass failed");
                }
                tokio::select! {
                    _ = stopped.changed() => {}
                    () = tokio::time::sleep(me.config.interval()) => {}
                }
            }
            if let Err(e) = lease::release_all(&me.db, &me.id).await {
                tracing::warn!(error = %e, "cannot release the sampling leases");
            }
        });
        MonitorTask { stop, join }
    }
}

pub struct MonitorTask {
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl MonitorTask {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let mut join = self.join;
        if tokio::time::timeout(Duration::from_secs(10), &mut join)
            .await
            .is_err()
        {
            join.abort();
        }
    }
}
