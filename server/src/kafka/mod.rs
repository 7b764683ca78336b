//! The Kafka adapter: the only module that uses rdkafka. Its errors are turned
//! into plain words here.

pub mod acls;
mod clients;
pub mod demo_clients;
pub mod groups;
pub mod mirror;
// Guards and helpers shared by the admin API calls through rdkafka-sys.
#[allow(unsafe_code)]
mod native;
pub mod offsets;
mod topics;

use std::time::{Duration, Instant};

use rdkafka::consumer::Consumer;
use rdkafka::ClientConfig;

pub use clients::clients_created;

pub use topics::{
    create_topics, create_topics_with_configs, delete_topics, describe_topic, describe_topics,
    list_topics, TopicDetail, TopicInfo, TopicSpec,
};

/// Connection settings for one cluster. Secrets are read from the environment
/// when a client is made, never stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connection {
    pub bootstrap_servers: String,
    pub security_protocol: String,
    pub sasl_mechanism: Option<String>,
    pub sasl_username: Option<String>,
    pub sasl_password_env: Option<String>,
    pub ssl_ca_location: Option<String>,
}

impl Connection {
    pub fn plaintext(bootstrap_servers: impl Into<String>) -> Self {
        Self {
            bootstrap_servers: bootstrap_servers.into(),
            security_protocol: "PLAINTEXT".into(),
            sasl_mechanism: None,
            sasl_username: None,
            sasl_password_env: None,
            ssl_ca_location: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KafkaError {
    #[error("environment variable {0} (the cluster's SASL password) is not set")]
    MissingSecret(String),
    #[error("no broker answered at {bootstrap} within {timeout_ms} ms ({detail})")]
    Unreachable {
        bootstrap: String,
        timeout_ms: u128,
        detail: String,
    },
    #[error("Kafka client error: {0}")]
    Client(String),
}

impl Connection {
    fn client_config(&self, timeout: Duration) -> Result<ClientConfig, KafkaError> {
        let ms = timeout.as_millis().max(1000).to_string();
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", &self.bootstrap_servers)
            .set("security.protocol", &self.security_protocol)
            .set("socket.timeout.ms", &ms)
            .set("socket.connection.setup.timeout.ms", &ms)
            .set("log.connection.close", "false");
        if let Some(m) = &self.sasl_mechanism {
            config.set("sasl.mechanism", m);
        }
        if let Some(u) = &self.sasl_username {
            config.set("sasl.username", u);
        }
        if let Some(var) = &self.sasl_password_env {
            let secret = std::env::var(var).map_err(|_| KafkaError::MissingSecret(var.clone()))?;
            config.set("sasl.password", secret);
        }
        if let Some(ca) = &self.ssl_ca_location {
            config.set("ssl.ca.location", ca);
        }
        Ok(config)
    }
}

/// What a metadata request tells about a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub broker_count: u32,
    /// Topics other than internal ones (`__consumer_offsets` and the like).
    pub topic_count: u32,
    pub latency: Duration,
}

/// Reads metadata (all topics, or one) and maps it with `f`, off the async
/// threads and bounded by `timeout` even if the client gets stuck.
pub(crate) async fn with_metadata<T: Send + 'static>(
    conn: &Connection,
    topic: Option<String>,
    timeout: Duration,
    f: impl FnOnce(&rdkafka::metadata::Metadata) -> T + Send + 'static,
) -> Result<T, KafkaError> {
    let clients = clients::get(conn, timeout)?;
    let bootstrap = conn.bootstrap_servers.clone();
    let unreachable = move |detail: String| KafkaError::Unreachable {
        bootstrap: bootstrap.clone(),
        timeout_ms: timeout.as_millis(),
        detail,
    };
    let on_timeout = unreachable.clone();
    let blocking = tokio::task::spawn_blocking(move || {
        // Nobody else polls this long-lived consumer: drop the error events
        // it queued since its last use, so they never pile up.
        while clients.metadata.poll(Duration::ZERO).is_some() {}
        let metadata = clients
            .metadata
            .fetch_metadata(topic.as_deref(), timeout)
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(f(&metadata))
    });
    match tokio::time::timeout(timeout + Duration::from_secs(2), blocking).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(KafkaError::Client(join.to_string())),
        Err(_) => Err(on_timeout("the client did not return".into())),
    }
}

/// Reads cluster metadata: brokers and (non-internal) topics.
pub async fn probe(conn: &Connection, timeout: Duration) -> Result<Probe, KafkaError> {
    let started = Instant::now();
    with_metadata(conn, None, timeout, move |metadata| {
        let topics = metadata
            .topics()
            .iter()
            .filter(|t| !t.name().starts_with("__"))
            .count();
        Probe {
            broker_count: u32::try_from(metadata.brokers().len()).unwrap_or(u32::MAX),
            topic_count: u32::try_from(topics).unwrap_or(u32::MAX),
            latency: started.elapsed(),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_secret_is_reported_by_variable_name() {
        let conn = Connection {
            sasl_mechanism: Some("PLAIN".into()),
            sasl_username: Some("u".into()),
            sasl_password_env: Some("SWITCHBOARD_TEST_SURELY_UNSET_PASSWORD".into()),
            security_protocol: "SASL_PLAINTEXT".into(),
            ..Connection::plaintext("127.0.0.1:1")
        };
        let err = conn
            .client_config(Duration::from_secs(1))
            .expect_err("secret is missing");
        assert_eq!(
            err.to_string(),
            "environment variable SWITCHBOARD_TEST_SURELY_UNSET_PASSWORD (the cluster's SASL password) is not set"
        );
    }
}
