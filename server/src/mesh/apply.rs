//! What link jobs do on each backend: start a link (mirror topic with the
//! source's partition count, then replication), stop it (the last consumer
//! left), and housekeeping's deletion of a stopped link's mirror once its
//! grace period ended.

use std::time::Duration;

use time::OffsetDateTime;

use super::cluster_linking::ClusterLinking;
use super::config::{Backend, MeshConfig};
use super::connect::{Endpoint, MirrorMaker};
use super::links::{self, LinkKey, LinkRow};
use crate::db::stamp;
use crate::db::Db;
use crate::kafka::{self, TopicSpec};

pub struct LinkOps<'a> {
    pub db: &'a Db,
    pub config: &'a MeshConfig,
    pub timeout: Duration,
}

impl LinkOps<'_> {
    fn cluster_linking(&self, source: &str, target: &str) -> Result<ClusterLinking, String> {
        let settings = self
            .config
            .route(source, target)
            .and_then(|r| r.cluster_linking.clone())
            .ok_or_else(|| format!("no cluster_linking settings for {source} → {target}"))?;
        Ok(ClusterLinking::new(settings, self.timeout))
    }

    fn mirror_maker(&self, source: &str, target: &str) -> Result<MirrorMaker, String> {
        let settings = self
            .config
            .route(source, target)
            .and_then(|r| r.mirror_maker.clone())
            .ok_or_else(|| format!("no mirror_maker settings for {source} → {target}"))?;
        Ok(MirrorMaker::new(settings, self.timeout))
    }

    /// Ensures the link runs: idempotent on every backend. A link already
    /// running costs no broker call (reconciliation repairs a lost mirror).
    pub async fn start(&self, key: &LinkKey<'_>) -> Result<i64, String> {
        let backend = self.config.backend(key.source_cluster, key.target_cluster);
        if let Some(id) = links::running_id(self.db, key, backend.as_str())
            .await
            .map_err(|e| format!("cannot read the link: {e}"))?
        {
            return Ok(id);
        }
        let source = crate::clusters::connection_of(self.db, key.source_cluster).await?;
        let target = crate::clusters::connection_of(self.db, key.target_cluster).await?;
        match backend {
            Backend::Builtin => {
                let detail = kafka::describe_topic(&source, key.source_topic, self.timeout)
                    .await
                    .map_err(|e| {
                        format!(
                            "cannot read `{}` on `{}`: {e}",
                            key.source_topic, key.source_cluster
                        )
                    })?
                    .ok_or_else(|| {
                        format!(
                            "topic `{}` does not exist on `{}` yet",
                            key.source_topic, key.source_cluster
                        )
                    })?;
                let spec = TopicSpec {
                    name: key.target_topic.to_string(),
                    partitions: i32::try_from(detail.partitions).unwrap_or(i32::MAX),
                    replication: -1,
                };
                kafka::create_topics(&target, &[spec], self.timeout)
                    .await
                    .map_err(|e| {
                        format!(
                            "cannot create mirror topic `{}` on `{}`: {e}",
                            key.target_topic, key.target_cluster
                        )
                    })?;
            }
            Backend::ClusterLinking => {
                let cl = self.cluster_linking(key.source_cluster, key.target_cluster)?;
                cl.ensure_link(key.source_cluster, &source.bootstrap_servers)
                    .await
                    .map_err(|e| format!("cluster link to `{}`: {e}", key.target_cluster))?;
                cl.ensure_mirror(key.source_topic, key.target_topic)
                    .await
                    .map_err(|e| format!("mirror topic `{}`: {e}", key.target_topic))?;
            }
            Backend::MirrorMaker => {
                let mm = self.mirror_maker(key.source_cluster, key.target_cluster)?;
                let identity = key.source_topic == key.target_topic;
                mm.add_topic(
                    &Endpoint {
                        alias: key.source_cluster.to_string(),
                        bootstrap_servers: source.bootstrap_servers.clone(),
                    },
                    &Endpoint {
                        alias: key.target_cluster.to_string(),
                        bootstrap_servers: target.bootstrap_servers.clone(),
                    },
                    key.source_topic,
                    identity,
                )
                .await
                .map_err(|e| format!("MirrorMaker 2 connector: {e}"))?;
            }
        }
        links::ensure_running(self.db, key, backend.as_str())
            .await
            .map_err(|e| format!("cannot record the link: {e}"))
    }

    /// Stops the link; its mirror topic stays for the grace period.
    pub async fn stop(&self, key: &LinkKey<'_>) -> Result<(), String> {
        let retire_at = OffsetDateTime::now_utc()
            + time::Duration::hours(i64::try_from(self.config.grace_hours).unwrap_or(168));
        let Some(link) = links::stop(self.db, key, &stamp(retire_at))
            .await
            .map_err(|e| format!("cannot stop the link: {e}"))?
        else {
            return Ok(());
        };
        match link.backend {
            Backend::ClusterLinking => self
                .cluster_linking(&link.source_cluster, &link.target_cluster)?
                .pause_mirror(&link.target_topic)
                .await
                .map_err(|e| format!("cannot pause mirror `{}`: {e}", link.target_topic)),
            Backend::MirrorMaker => self
                .mirror_maker(&link.source_cluster, &link.target_cluster)?
                .remove_topic(&link.source_topic)
                .await
                .map_err(|e| format!("MirrorMaker 2 connector: {e}")),
            // The built-in runner sees the state change and stops copying.
            Backend::Builtin => Ok(()),
        }
    }

    /// Deletes the mirror topic of a stopped link whose grace period ended.
    pub async fn retire(&self, link: &LinkRow) -> Result<(), String> {
        match link.backend {
            Backend::ClusterLinking => {
                let cl = self.cluster_linking(&link.source_cluster, &link.target_cluster)?;
                cl.delete_mirror(&link.target_topic)
                    .await
                    .map_err(|e| format!("cannot delete mirror `{}`: {e}", link.target_topic))?;
                cl.delete_link_if_unused()
                    .await
                    .map_err(|e| format!("cannot delete the cluster link: {e}"))?;
            }
            Backend::Builtin | Backend::MirrorMaker => {
                let target = crate::clusters::connection_of(self.db, &link.target_cluster).await?;
                kafka::delete_topics(&target, &[link.target_topic.as_str()], self.timeout)
                    .await
                    .map_err(|e| {
                        format!(
                            "cannot delete mirror topic `{}` on `{}`: {e}",
                            link.target_topic, link.target_cluster
                        )
                    })?;
            }
        }
        links::mark_retired(self.db, link.id)
            .await
            .map_err(|e| format!("cannot record the retirement: {e}"))
    }

    /// A remote link's state as its backend reports it (`ACTIVE`, `PAUSED`,
    /// `RUNNING`, `FAILED`…; `MISSING` when the backend has no such mirror).
    pub async fn remote_state(&self, link: &LinkRow) -> Result<String, String> {
        match link.backend {
            Backend::ClusterLinking => Ok(self
                .cluster_linking(&link.source_cluster, &link.target_cluster)?
                .mirror_status(&link.target_topic)
                .await
                .map_err(|e| e.to_string())?
                .map_or_else(|| "MISSING".to_string(), |s| s.state)),
            Backend::MirrorMaker => Ok(self
                .mirror_maker(&link.source_cluster, &link.target_cluster)?
                .status()
                .await
                .map_err(|e| e.to_string())?
                .unwrap_or_else(|| "MISSING".to_string())),
            Backend::Builtin => Err("the built-in backend has no remote state".to_string()),
        }
    }

    /// Housekeeping: retires every stopped link whose grace period ended.
    /// Returns the ids retired; failures stay stopped and are tried next time.
    pub async fn retire_due(&self) -> Vec<i64> {
        let due = match links::due_for_retirement(self.db, &stamp(OffsetDateTime::now_utc())).await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read links due for retirement");
                return Vec::new();
            }
        };
        let mut retired = Vec::new();
        for link in due {
            match self.retire(&link).await {
                Ok(()) => {
                    tracing::info!(link = link.id, topic = %link.target_topic, cluster = %link.target_cluster, "mirror retired");
                    retired.push(link.id);
                }
                Err(e) => {
                    tracing::warn!(link = link.id, error = %e, "mirror retirement failed");
                    let _ = links::set_error(self.db, link.id, Some(&e)).await;
                }
            }
        }
        retired
    }
}
