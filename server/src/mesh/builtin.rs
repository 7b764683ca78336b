//! The built-in link backend: a supervisor that holds running built-in links
//! under a lease (one worker per link, so several workers share the links and
//! a dead worker's links move on once its lease ends) and runs one copy task
//! per held link.
//!
//! Delivery guarantee: at least once. Offsets are stored only after the
//! target acknowledged every record before them, and at most
//! `mesh.batch_max` records are ever sent but not stored, so a crash copies
//! again at most that many per link; nothing is lost.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;

use super::config::MeshConfig;
use super::links::{self, LinkRow};
use crate::db::stamp;
use crate::db::{Db, DbError};
use crate::kafka::mirror::{MirrorEnds, MirrorTask, Pace};

/// How often a running link writes lag and throughput.
const STATUS_EVERY: Duration = Duration::from_secs(2);

/// Waits before a failed copy task is started again.
const RESTART_AFTER: Duration = Duration::from_secs(2);

struct Running {
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

pub struct LinkRunner {
    db: Db,
    /// This worker's name in `mesh_links.runner`.
    id: String,
    config: MeshConfig,
    timeout: Duration,
    running: Mutex<HashMap<i64, Running>>,
}

impl LinkRunner {
    pub fn new(db: Db, config: MeshConfig, timeout: Duration) -> Self {
        LinkRunner {
            db,
            id: format!("worker-{}", uuid::Uuid::new_v4()),
            config,
            timeout,
            running: Mutex::new(HashMap::new()),
        }
    }

    pub fn runner_id(&self) -> &str {
        &self.id
    }

    fn lease(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.config.link_lease_secs.max(2)).unwrap_or(15))
    }

    /// One supervision pass: renews or takes leases, starts tasks for newly
    /// held links, stops tasks of links lost or no longer running. Returns the
    /// ids of the links this worker runs after the pass.
    pub async fn supervise(&self) -> Result<Vec<i64>, DbError> {
        let now = OffsetDateTime::now_utc();
        let at = stamp(now);
        let until = stamp(now + self.lease());
        let mut running = self.running.lock().await;
        // Finished tasks (a failure) are dropped; the link is started again below.
        running.retain(|_, r| !r.join.is_finished());
        let mut keep = Vec::new();
        for id in running.keys().copied().collect::<Vec<_>>() {
            if links::hold(&self.db, id, &self.id, &at, &until).await? {
                keep.push(id);
            } else if let Some(r) = running.remove(&id) {
                tracing::info!(
                    link = id,
                    "link no longer held here; stopping its copy task"
                );
                stop(r).await;
            }
        }
        for id in links::claimable(&self.db, &self.id, &at).await? {
            if running.contains_key(&id)
                || !links::hold(&self.db, id, &self.id, &at, &until).await?
            {
                continue;
            }
            let Some(link) = links::get(&self.db, id).await? else {
                continue;
            };
            running.insert(id, self.start(link));
            keep.push(id);
        }
        keep.sort_unstable();
        Ok(keep)
    }

    fn start(&self, link: LinkRow) -> Running {
        let (stop_tx, stop_rx) = watch::channel(false);
        let db = self.db.clone();
        let runner = self.id.clone();
        let config = self.config.clone();
        let timeout = self.timeout;
        let join = tokio::spawn(async move {
            let id = link.id;
            tracing::info!(link = id, from = %link.source_cluster, to = %link.target_cluster, topic = %link.source_topic, "link started");
            if let Err(error) = copy_loop(&db, &runner, &config, timeout, &link, stop_rx).await {
                tracing::warn!(link = id, %error, "link copy failed; it restarts from its checkpoint");
                let _ = links::set_status(&db, id, None, 0, Some(&error)).await;
                tokio::time::sleep(RESTART_AFTER).await;
            }
        });
        Running {
            stop: stop_tx,
            join,
        }
    }

    /// Starts supervising: a pass now, then every `interval`, until stopped;
    /// stopping ends every copy task and lets go of the leases.
    pub fn spawn(self: &Arc<Self>, interval: Duration) -> RunnerTask {
        let me = Arc::clone(self);
        let (stop_tx, mut stopped) = watch::channel(false);
        let join = tokio::spawn(async move {
            while !*stopped.borrow() {
                if let Err(e) = me.supervise().await {
                    tracing::warn!(error = %e, "link supervision failed");
                }
                tokio::select! {
                    _ = stopped.changed() => {}
                    () = tokio::time::sleep(interval) => {}
                }
            }
            me.stop_all().await;
        });
        RunnerTask {
            stop: stop_tx,
            join,
        }
    }

    /// Stops every copy task (each finishes its batch) and releases the links.
    pub async fn stop_all(&self) {
        let tasks: Vec<Running> = self.running.lock().await.drain().map(|(_, r)| r).collect();
        for r in tasks {
            stop(r).await;
        }
        if let Err(e) = links::release_all(&self.db, &self.id).await {
            tracing::warn!(error = %e, "cannot release the links");
        }
    }
}

async fn stop(r: Running) {
    let _ = r.stop.send(true);
    let mut join = r.join;
    if tokio::time::timeout(Duration::from_secs(10), &mut join)
        .await
        .is_err()
    {
        join.abort();
    }
}

/// Runs the link's mirror thread and stores the checkpoints it hands over,
/// until stopped or the link is lost; an error ends the task (the supervisor
/// starts it again from the stored checkpoints).
async fn copy_loop(
    db: &Db,
    runner: &str,
    config: &MeshConfig,
    timeout: Duration,
    link: &LinkRow,
    mut stop: watch::Receiver<bool>,
) -> Result<(), String> {
    let source = crate::clusters::connection_of(db, &link.source_cluster).await?;
    let target = crate::clusters::connection_of(db, &link.target_cluster).await?;
    let partitions = crate::kafka::describe_topic(&source, &link.source_topic, timeout)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "topic `{}` does not exist on `{}`",
                link.source_topic, link.source_cluster
            )
        })?
        .partitions;
    let partitions = i32::try_from(partitions).unwrap_or(i32::MAX);
    let mut next = links::checkpoints(db, link.id)
        .await
        .map_err(|e| e.to_string())?;
    let ends = MirrorEnds {
        source,
        source_topic: link.source_topic.clone(),
        target,
        target_topic: link.target_topic.clone(),
    };
    let pace = Pace {
        max_in_flight: u64::try_from(config.batch_max.max(1)).unwrap_or(u64::MAX),
        window: Duration::from_millis(config.batch_ms.max(1)),
        threads: config.copy_threads,
    };
    let (task, mut checkpoints) =
        MirrorTask::start(&ends, partitions, &next, timeout, pace).map_err(|e| e.to_string())?;
    links::set_status(db, link.id, None, 0, None)
        .await
        .map_err(|e| e.to_string())?;
    let mut since_status = Instant::now();
    let mut copied_since = 0usize;
    let mut status_tick = tokio::time::interval(STATUS_EVERY);
    let mut stopping = false;
    loop {
        tokio::select! {
            cp = checkpoints.recv() => {
                let Some(mut cp) = cp else { break };
                // Checkpoints that queued while the last write ran go in one
                // write: a write per checkpoint capped a fast link.
                while let Ok(more) = checkpoints.try_recv() {
                    cp.records += more.records;
                    cp.next_offsets.extend(more.next_offsets);
                }
                let held = links::save_checkpoints(db, link.id, runner, &cp.next_offsets, cp.records)
                    .await
                    .map_err(|e| e.to_string())?;
                if !held {
                    tracing::info!(link = link.id, "link taken over or stopped; copy task ends");
                    break;
                }
                task.stored.fetch_add(cp.records as u64, std::sync::atomic::Ordering::SeqCst);
                next.extend(cp.next_offsets);
                copied_since += cp.records;
            }
            _ = stop.changed(), if !stopping => {
                // The thread flushes and hands over its last checkpoint, then
                // closes the channel: keep storing until then.
                stopping = true;
                task.signal_stop();
            }
            _ = status_tick.tick() => {
                if task.is_finished() && checkpoints.is_empty() {
                    break;
                }
                let secs = since_status.elapsed().as_secs_f64();
                let lag = task.lag(&next, partitions).await.ok();
                #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
                let rate = (copied_since as f64 / secs.max(0.001)).round() as i64;
                links::set_status(db, link.id, lag, rate, None)
                    .await
                    .map_err(|e| e.to_string())?;
                since_status = Instant::now();
                copied_since = 0;
            }
        }
    }
    task.stop().await.map_err(|e| e.to_string())
}

/// The running supervisor.
pub struct RunnerTask {
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl RunnerTask {
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(Duration::from_secs(15), &mut self.join)
            .await
            .is_err()
        {
            self.join.abort();
        }
    }
}
