//! The background task: notifier passes and webhook deliveries, every
//! interval, until stopped at shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::NotifyService;

/// How long `stop` lets a running pass finish.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The running notifier and delivery loops.
pub struct NotifierTask {
    stop: watch::Sender<bool>,
    joins: Vec<JoinHandle<()>>,
}

impl NotifyService {
    /// Starts two loops, so that a slow webhook never delays notifications:
    /// notifier passes (repeated while entries keep coming) and deliveries.
    pub fn spawn(self: &Arc<Self>) -> NotifierTask {
        let (stop, stopped) = watch::channel(false);
        let every = self.interval();
        let me = Arc::clone(self);
        let mut halt = stopped.clone();
        let notifier = tokio::spawn(async move {
            while !*halt.borrow() {
                loop {
                    match me.run_pass().await {
                        Ok(r) if r.handled > 0 && !r.waiting && !*halt.borrow() => continue,
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "notifier pass failed");
                            break;
                        }
                    }
                }
                tokio::select! {
                    _ = halt.changed() => {}
                    () = tokio::time::sleep(every) => {}
                }
            }
        });
        let me = Arc::clone(self);
        let mut halt = stopped;
        let deliveries = tokio::spawn(async move {
            while !*halt.borrow() {
                if let Err(e) = me.deliver_due().await {
                    tracing::warn!(error = %e, "webhook delivery pass failed");
                }
                tokio::select! {
                    _ = halt.changed() => {}
                    () = tokio::time::sleep(every) => {}
                }
            }
        });
        NotifierTask {
            stop,
            joins: vec![notifier, deliveries],
        }
    }
}

impl NotifierTask {
    /// Stops both loops, letting a running pass finish for a few seconds.
    /// Cutting one short loses nothing: a pass is one transaction, and a
    /// delivery cut mid-call is tried again once its lease runs out.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for mut join in self.joins {
            if tokio::time::timeout(STOP_GRACE, &mut join).await.is_err() {
                join.abort();
                let _ = join.await;
            }
        }
    }
}
