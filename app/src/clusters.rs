//! Wire types for clusters, shared by pages, server functions and the REST API.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    OnPremises,
    Aws,
    Gcp,
    Azure,
    Other,
}

impl Platform {
    pub fn label(self) -> &'static str {
        match self {
            Platform::OnPremises => "On-premises",
            Platform::Aws => "AWS",
            Platform::Gcp => "GCP",
            Platform::Azure => "Azure",
            Platform::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavour {
    ApacheKafka,
    Confluent,
}

impl Flavour {
    pub fn label(self) -> &'static str {
        match self {
            Flavour::ApacheKafka => "Apache Kafka",
            Flavour::Confluent => "Confluent",
        }
    }
}

/// How Switchboard connects. Secrets are never here: only the name of the
/// environment variable that holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityView {
    pub protocol: String,
    pub sasl_mechanism: Option<String>,
    pub sasl_username: Option<String>,
    pub sasl_password_env: Option<String>,
    pub ssl_ca_location: Option<String>,
}

/// Live status, read from the brokers with a timeout and cached briefly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ClusterStatus {
    /// Not checked yet (the first check is under way).
    Unknown,
    Reachable {
        broker_count: u32,
        topic_count: u32,
        checked_at: String,
        latency_ms: u64,
    },
    Unreachable {
        error: String,
        checked_at: String,
    },
}

impl ClusterStatus {
    pub fn is_reachable(&self) -> bool {
        matches!(self, ClusterStatus::Reachable { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterView {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    pub region: String,
    pub bootstrap_servers: String,
    pub flavour: Flavour,
    pub in_mesh: bool,
    pub security: SecurityView,
    pub status: ClusterStatus,
}

impl ClusterView {
    /// Case-insensitive match on what a person would type to find a cluster.
    pub fn matches(&self, filter: &str) -> bool {
        let needle = filter.trim().to_lowercase();
        needle.is_empty()
            || [
                self.id.as_str(),
                self.name.as_str(),
                self.region.as_str(),
                self.platform.label(),
                self.flavour.label(),
            ]
            .iter()
            .any(|field| field.to_lowercase().contains(&needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> ClusterView {
        ClusterView {
            id: "aws".into(),
            name: "AWS eu-west-1".into(),
            platform: Platform::Aws,
            region: "eu-west-1".into(),
            bootstrap_servers: "127.0.0.1:19093".into(),
            flavour: Flavour::ApacheKafka,
            in_mesh: true,
            security: SecurityView {
                protocol: "PLAINTEXT".into(),
                sasl_mechanism: None,
                sasl_username: None,
                sasl_password_env: None,
                ssl_ca_location: None,
            },
            status: ClusterStatus::Unknown,
        }
    }

    #[test]
    fn filter_matches_platform_label_and_region() {
        let c = cluster();
        assert!(c.matches(""));
        assert!(c.matches("aws"));
        assert!(c.matches("EU-WEST"));
        assert!(!c.matches("gcp"));
    }
}
