//! Discovery: topics found on the clusters that no event covers ("unclaimed"),
//! read periodically and on demand; an admin claims one as a draft event.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::auth::Caller;
use app::discovery::{Claim, Discovery, TeamRef, UnclaimedTopic};
use sqlx::Row;

use super::model::{EventSpec, Lifecycle};
use super::{repo, CatalogueError, CatalogueService};
use crate::auth::require_admin;
use crate::clusters;
use crate::db::{self, Db, DbError};
use crate::kafka;

pub struct DiscoveryService {
    db: Db,
    catalogue: Arc<CatalogueService>,
    timeout: Duration,
    snapshot: Mutex<Option<Discovery>>,
}

impl DiscoveryService {
    pub fn new(db: Db, catalogue: Arc<CatalogueService>, timeout: Duration) -> Self {
        Self {
            db,
            catalogue,
            timeout,
            snapshot: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Discovery>> {
        self.snapshot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads every in-mesh cluster and keeps the topics no event covers.
    pub async fn refresh_now(&self) -> Result<Discovery, DbError> {
        let covered: HashSet<(String, String)> =
            sqlx::query("SELECT cluster_id, topic FROM event_availability")
                .fetch_all(self.db.pool())
                .await?
                .iter()
                .map(|r| Ok((r.try_get("cluster_id")?, r.try_get("topic")?)))
                .collect::<Result<_, DbError>>()?;
        let mut topics = Vec::new();
        let mut errors = Vec::new();
        let in_mesh: Vec<_> = clusters::list(&self.db)
            .await?
            .into_iter()
            .filter(|c| c.spec().in_mesh)
            .collect();
        // All clusters at once: an unreachable one costs one timeout, not one each.
        let timeout = self.timeout;
        let listed = futures::future::join_all(
            in_mesh
                .iter()
                .map(|c| async move { kafka::list_topics(&c.connection(), timeout).await }),
        )
        .await;
        for (cluster, listed) in in_mesh.iter().zip(listed) {
            match listed {
                Ok(found) => topics.extend(
                    found
                        .into_iter()
                        .filter(|t| !covered.contains(&(cluster.id().to_string(), t.name.clone())))
                        .map(|t| UnclaimedTopic {
                            cluster: cluster.id().to_string(),
                            topic: t.name,
                            partitions: t.partitions,
                        }),
                ),
                Err(e) => errors.push(format!("{}: {e}", cluster.id())),
            }
        }
        let view = Discovery {
            refreshed_at: Some(db::now()),
            topics,
            errors,
            teams: Vec::new(),
        };
        *self.lock() = Some(view.clone());
        Ok(view)
    }

    async fn with_teams(&self, mut view: Discovery) -> Result<Discovery, CatalogueError> {
        view.teams = self.teams().await?;
        Ok(view)
    }

    /// Refreshes every `every` until the process stops.
    pub fn spawn_periodic(self: &Arc<Self>, every: Duration) {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                if let Err(e) = me.refresh_now().await {
                    tracing::warn!(error = %e, "discovery refresh failed");
                }
                tokio::time::sleep(every).await;
            }
        });
    }
}

/// The `Discovery` trait's methods; the trait forwards to them
/// (`catalogue/mod.rs`).
impl DiscoveryService {
    pub async fn unclaimed(&self, caller: Option<Caller>) -> Result<Discovery, CatalogueError> {
        require_admin(caller)?;
        let cached = self.lock().clone();
        let view = match cached {
            Some(view) => view,
            None => self.refresh_now().await?,
        };
        self.with_teams(view).await
    }

    pub async fn refresh(&self, caller: Option<Caller>) -> Result<Discovery, CatalogueError> {
        require_admin(caller)?;
        let view = self.refresh_now().await?;
        self.with_teams(view).await
    }

    pub async fn claim(
        &self,
        caller: Option<Caller>,
        claim: Claim,
    ) -> Result<String, CatalogueError> {
        let caller = require_admin(caller)?;
        let teams = repo::list_teams(&self.db).await?;
        if !teams.iter().any(|t| t.id == claim.team) {
            return Err(CatalogueError::Invalid(format!(
                "there is no team `{}`",
                claim.team
            )));
        }
        if clusters::get(&self.db, &claim.cluster).await?.is_none() {
            return Err(CatalogueError::Invalid(format!(
                "there is no cluster `{}`",
                claim.cluster
            )));
        }
        let partitions = self.lock().as_ref().and_then(|v| {
            v.topics
                .iter()
                .find(|t| t.cluster == claim.cluster && t.topic == claim.topic)
                .map(|t| i64::try_from(t.partitions).unwrap_or(0))
        });
        let spec = EventSpec {
            name: claim.name.trim().to_string(),
            title: claim.title.trim().to_string(),
            description: format!(
                "Claimed from topic `{}` on cluster `{}`. The owners have not described it yet.",
                claim.topic, claim.cluster
            ),
            team: claim.team,
            domain: "unassigned".into(),
            lifecycle: Lifecycle::Draft,
            home_cluster: claim.cluster.clone(),
            topic: claim.topic.clone(),
            tags: Vec::new(),
            field_tags: Default::default(),
            value_schema: None,
            key_schema: None,
            volumetrics: None,
            sample: None,
            contacts: Vec::new(),
            partitions,
        };
        self.catalogue.create(&spec, &caller.user_id).await?;
        if let Some(view) = self.lock().as_mut() {
            view.topics
                .retain(|t| !(t.cluster == claim.cluster && t.topic == claim.topic));
        }
        tracing::info!(event = %spec.name, topic = %spec.topic, by = %caller.user_id, "topic claimed");
        Ok(spec.name)
    }

    pub async fn teams(&self) -> Result<Vec<TeamRef>, CatalogueError> {
        Ok(repo::list_teams(&self.db)
            .await?
            .into_iter()
            .map(|t| TeamRef {
                id: t.id,
                name: t.name,
            })
            .collect())
    }
}
