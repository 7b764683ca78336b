//! Starting and stopping the whole worker: the job queue, the built-in link
//! runner and the periodic housekeeping and reconciliation. `serve` starts it
//! in-process (`provision.in_process`); `switchboard worker` runs only this,
//! and several such processes share the work through the database.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::reconcile::Reconciler;
use super::worker::{ProvisionTask, Provisioner};
use crate::access::AccessService;
use crate::config::Config;
use crate::db::Db;
use crate::mesh::{LinkOps, LinkRunner, RunnerTask};
use crate::registry::RegistryService;

pub struct Worker {
    jobs: ProvisionTask,
    links: RunnerTask,
    monitor: Option<crate::monitoring::MonitorTask>,
    periodic: (watch::Sender<bool>, JoinHandle<()>),
}

impl Worker {
    pub fn start(
        db: &Db,
        access: Arc<AccessService>,
        registry: Arc<RegistryService>,
        config: &Config,
    ) -> Worker {
        let timeout = Duration::from_millis(config.provision.kafka_timeout_ms.max(100));
        let jobs = Arc::new(
            Provisioner::new(db.clone(), access, registry, config.provision.clone())
                .with_mesh(config.mesh.clone()),
        )
        .spawn();
        let runner = Arc::new(LinkRunner::new(db.clone(), config.mesh.clone(), timeout));
        let every = Duration::from_secs(config.provision.interval_secs.max(1));
        let links = runner.spawn(every);
        let reconciler = Reconciler::new(db.clone(), config.clone());
        let interval = Duration::from_secs(config.provision.reconcile_interval_secs.max(1));
        let monitor = config.monitoring.enabled.then(|| {
            Arc::new(crate::monitoring::Monitor::new(
                db.clone(),
                config.monitoring.clone(),
            ))
            .spawn()
        });
        let (stop, mut stopped) = watch::channel(false);
        let db = db.clone();
        let mesh = config.mesh.clone();
        let periodic = tokio::spawn(async move {
            while !*stopped.borrow() {
                let ops = LinkOps {
                    db: &db,
                    config: &mesh,
                    timeout,
                };
                ops.retire_due().await;
                if let Err(e) = reconciler.run().await {
                    tracing::warn!(error = %e, "reconciliation failed");
                }
                tokio::select! {
                    _ = stopped.changed() => {}
                    () = tokio::time::sleep(interval) => {}
                }
            }
        });
        Worker {
            jobs,
            links,
            monitor,
            periodic: (stop, periodic),
        }
    }

    pub async fn stop(self) {
        let (stop, mut join) = self.periodic;
        let _ = stop.send(true);
        if tokio::time::timeout(Duration::from_secs(10), &mut join)
            .await
            .is_err()
        {
            join.abort();
        }
        self.jobs.stop().await;
        self.links.stop().await;
        if let Some(monitor) = self.monitor {
            monitor.stop().await;
        }
    }
}
