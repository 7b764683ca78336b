//! The `[mesh]` configuration: how mirror topics are named, which backend
//! links each pair of clusters, how long a stopped link's mirror is kept, and
//! per-event inclusions and exclusions decided by admins.

use serde::{Deserialize, Serialize};

use super::cluster_linking::ClusterLinkingSettings;
use super::connect::ConnectSettings;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MeshConfig {
    /// `same`: a mirror keeps the master topic's name; `source_prefix`:
    /// `<source cluster>.<topic>`.
    pub mirror_naming: MirrorNaming,
    /// How long the mirror topic of a stopped link is kept before
    /// housekeeping deletes it (a consumer coming back within it resumes).
    pub grace_hours: u64,
    /// Built-in links: most records sent but not yet checkpointed (the bound
    /// on duplicates after a crash).
    pub batch_max: usize,
    /// Built-in links: how often acknowledged offsets are checkpointed.
    pub batch_ms: u64,
    /// Built-in links: copy threads per link, each with its own consumer
    /// and producer over a share of the partitions.
    pub copy_threads: usize,
    /// How long a worker holds a built-in link without renewing its lease;
    /// after a crash another worker takes the link over within this.
    pub link_lease_secs: u64,
    /// Backend per (source, target) pair; pairs not listed use the built-in one.
    pub routes: Vec<LinkRoute>,
    /// Admins' per-event decisions: clusters always linked, clusters never linked.
    pub events: Vec<EventLinks>,
}

impl Default for MeshConfig {
    fn default() -> Self {
        Self {
            mirror_naming: MirrorNaming::Same,
            grace_hours: 168,
            batch_max: 100_000,
            batch_ms: 50,
            copy_threads: 3,
            link_lease_secs: 15,
            routes: Vec::new(),
            events: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MirrorNaming {
    Same,
    SourcePrefix,
}

/// How a link mirrors (the wire's and the configuration's words are one).
pub use app::mesh::LinkBackend as Backend;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRoute {
    pub source: String,
    pub target: String,
    pub backend: Backend,
    /// Required when `backend = "cluster_linking"`.
    #[serde(default)]
    pub cluster_linking: Option<ClusterLinkingSettings>,
    /// Required when `backend = "mirror_maker"`.
    #[serde(default)]
    pub mirror_maker: Option<ConnectSettings>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventLinks {
    pub event: String,
    /// Clusters that get a mirror even without a consumer there.
    #[serde(default)]
    pub include: Vec<String>,
    /// Clusters where the event is never mirrored (consume requests there are refused).
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl MeshConfig {
    /// The mirror topic's name on another cluster.
    pub fn mirror_topic(&self, source_cluster: &str, topic: &str) -> String {
        match self.mirror_naming {
            MirrorNaming::Same => topic.to_string(),
            MirrorNaming::SourcePrefix => format!("{source_cluster}.{topic}"),
        }
    }

    /// The route configured for the pair, if any (else the built-in backend).
    pub fn route(&self, source: &str, target: &str) -> Option<&LinkRoute> {
        self.routes
            .iter()
            .find(|r| r.source == source && r.target == target)
    }

    pub fn backend(&self, source: &str, target: &str) -> Backend {
        self.route(source, target)
            .map_or(Backend::Builtin, |r| r.backend)
    }

    /// Whether admins excluded `cluster` from the event's links.
    pub fn excluded(&self, event: &str, cluster: &str) -> bool {
        self.events
            .iter()
            .any(|e| e.event == event && e.exclude.iter().any(|c| c == cluster))
    }

    /// Clusters admins always link the event to.
    pub fn included(&self, event: &str) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e.event == event)
            .flat_map(|e| e.include.iter().cloned())
            .collect()
    }

    /// Refuses routes without the settings their backend needs, and events
    /// both included and excluded on one cluster.
    pub fn validate(&self) -> Result<(), String> {
        for r in &self.routes {
            let ok = match r.backend {
                Backend::Builtin => true,
                Backend::ClusterLinking => r.cluster_linking.is_some(),
                Backend::MirrorMaker => r.mirror_maker.is_some(),
            };
            if !ok {
                return Err(format!(
                    "mesh route {} → {} uses backend `{}` but has no `{}` settings",
                    r.source,
                    r.target,
                    r.backend.as_str(),
                    r.backend.as_str()
                ));
            }
        }
        for e in &self.events {
            if let Some(c) = e.include.iter().find(|c| e.exclude.contains(c)) {
                return Err(format!(
                    "mesh event `{}` both includes and excludes cluster `{c}`",
                    e.event
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_policies() {
        let mut c = MeshConfig::default();
        assert_eq!(c.mirror_topic("onprem", "orders.v1"), "orders.v1");
        c.mirror_naming = MirrorNaming::SourcePrefix;
        assert_eq!(c.mirror_topic("onprem", "orders.v1"), "onprem.orders.v1");
    }

    #[test]
    fn routes_need_their_settings() {
        let mut c = MeshConfig::default();
        c.routes.push(LinkRoute {
            source: "a".into(),
            target: "b".into(),
            backend: Backend::ClusterLinking,
            cluster_linking: None,
            mirror_maker: None,
        });
        let err = c.validate().expect_err("missing settings");
        assert!(err.contains("cluster_linking"), "{err}");
        assert_eq!(c.backend("a", "b"), Backend::ClusterLinking);
        assert_eq!(c.backend("b", "a"), Backend::Builtin);
    }

    #[test]
    fn include_and_exclude_conflict() {
        let c = MeshConfig {
            events: vec![EventLinks {
                event: "e".into(),
                include: vec!["x".into()],
                exclude: vec!["x".into()],
            }],
            ..MeshConfig::default()
        };
        assert!(c.validate().is_err());
        assert!(c.excluded("e", "x"));
        assert_eq!(c.included("e"), vec!["x".to_string()]);
    }
}
