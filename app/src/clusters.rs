//! Wire types for clusters, shared by pages, server functions and the REST API.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SecurityView {
    pub protocol: String,
    pub sasl_mechanism: Option<String>,
    pub sasl_username: Option<String>,
    pub sasl_password_env: Option<String>,
    pub ssl_ca_location: Option<String>,
}

/// Live status, read from the brokers with a timeout and cached briefly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

/// A cluster as a caller sees it. Anonymous callers get no connection
/// details: `bootstrap_servers` and `security` are absent (`None`) and an
/// unreachable cluster's error, which names addresses, is not said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClusterView {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap_servers: Option<String>,
    pub flavour: Flavour,
    pub in_mesh: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<SecurityView>,
    pub status: ClusterStatus,
}

/// What an anonymous caller reads instead of an unreachable cluster's error.
pub const UNREACHABLE_ANONYMOUS: &str = "no broker answered (sign in for details)";

impl ClusterView {
    /// The view for an anonymous caller: without addresses, security
    /// settings (user names, secret variable names, CA paths) or broker errors.
    pub fn without_connection_details(mut self) -> Self {
        self.bootstrap_servers = None;
        self.security = None;
        if let ClusterStatus::Unreachable { error, .. } = &mut self.status {
            *error = UNREACHABLE_ANONYMOUS.to_string();
        }
        self
    }

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
            bootstrap_servers: Some("127.0.0.1:19093".into()),
            flavour: Flavour::ApacheKafka,
            in_mesh: true,
            security: Some(SecurityView {
                protocol: "SASL_SSL".into(),
                sasl_mechanism: Some("SCRAM-SHA-512".into()),
                sasl_username: Some("switchboard".into()),
                sasl_password_env: Some("KAFKA_AWS_PASSWORD".into()),
                ssl_ca_location: Some("/etc/kafka/ca.pem".into()),
            }),
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

    #[test]
    fn anonymous_view_names_no_address_secret_or_path() {
        let mut c = cluster();
        c.status = ClusterStatus::Unreachable {
            error: "no broker answered at 127.0.0.1:19093".into(),
            checked_at: "2026-01-01T00:00:00Z".into(),
        };
        let text = serde_json::to_string(&c.without_connection_details()).expect("json");
        for secret in [
            "19093",
            "switchboard",
            "KAFKA_AWS_PASSWORD",
            "ca.pem",
            "SCRAM",
            "bootstrap",
            "security",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("\"state\":\"unreachable\""), "{text}");
    }
}
