//! MirrorMaker 2 backend: one `MirrorSourceConnector` on an existing Kafka
//! Connect cluster copies the topics of its `topics` allow-list from the
//! source cluster to the target cluster. Adding a mirror adds the topic to
//! the list; removing the last one deletes the connector.
//!
//! Calls and shapes relied on (Apache Kafka's `ConnectorsResource`, the
//! Connect REST reference on docs.confluent.io "Kafka Connect REST
//! Interface", and MM2's `MirrorSourceConfig` / `DefaultTopicFilter` /
//! `MirrorMakerConfig` in `apache/kafka` `connect/mirror`):
//!
//! - `GET /connectors/{name}/config` → 200 flat JSON object of strings
//!   (including `name`); 404 `{"error_code": 404, "message": "Connector
//!   {name} not found"}` when absent.
//! - `PUT /connectors/{name}/config` with the whole flat config → 201 when
//!   created, 200 when updated (body: `{"name", "config", "tasks", "type"}`,
//!   not needed). Connect answers 409 while its workers rebalance.
//! - `DELETE /connectors/{name}` → 204.
//! - `GET /connectors/{name}/status` → 200 `{"name", "connector": {"state",
//!   "worker_id"}, "tasks": [{"id", "state", "worker_id", "trace"?}],
//!   "type"}`; states UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED,
//!   RESTARTING.
//! - `PUT /connectors/{name}/resume` → 202 (idempotent).
//! - Errors: `{"error_code": <int>, "message": "..."}`; the generic
//!   "HTTP 404 Not Found" of an unknown path is not "connector absent".
//!
//! Connector config written: `connector.class`, `source.cluster.alias`,
//! `target.cluster.alias`, `source.cluster.bootstrap.servers`,
//! `target.cluster.bootstrap.servers`, `topics`, `replication.policy.class`
//! (+ `replication.policy.separator` = `.` for the default policy), and as
//! overridable defaults `sync.topic.acls.enabled` = `false` and the
//! key/value/header converters = `ByteArrayConverter` (a dedicated MM2
//! sets these on its workers; an existing Connect cluster usually has JSON
//! or Avro converters, which would re-encode the mirrored bytes). Then the
//! settings' `extra` (may override the defaults, not the keys above). Other
//! keys already in the connector's config are kept.
//!
//! `topics` is a list of regular expressions that must match a whole topic
//! name (`DefaultTopicFilter`), so each name is written with its dots
//! escaped (`orders\.v1`), else `orders.v1` would also mirror `orders-v1`.
//! The list is kept sorted, without duplicates.
//!
//! Updates are GET-then-PUT: Connect has no conditional update, so callers
//! must not run two updates of one connector at once (the provisioning
//! worker runs one job per link at a time).

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;

use super::remote::{RemoteError, Rest};

const SERVICE: &str = "Kafka Connect";

const CONNECTOR_CLASS: &str = "connector.class";
const MIRROR_SOURCE: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
const SOURCE_ALIAS: &str = "source.cluster.alias";
const TARGET_ALIAS: &str = "target.cluster.alias";
const SOURCE_BOOTSTRAP: &str = "source.cluster.bootstrap.servers";
const TARGET_BOOTSTRAP: &str = "target.cluster.bootstrap.servers";
const TOPICS: &str = "topics";
const POLICY: &str = "replication.policy.class";
const SEPARATOR: &str = "replication.policy.separator";
const IDENTITY_POLICY: &str = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";
const DEFAULT_POLICY: &str = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
const DEFAULT_SEPARATOR: &str = ".";
const BYTE_ARRAY_CONVERTER: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectSettings {
    /// The Connect cluster's REST endpoint, e.g. `http://connect:8083`.
    pub rest_url: String,
    pub connector_name: String,
    #[serde(default)]
    pub username: Option<String>,
    /// Environment variable holding the REST password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Extra connector configs (e.g. tasks.max, security settings), added as they are.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

/// One side of a replication flow: MM2's alias of the cluster and how to
/// reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub alias: String,
    pub bootstrap_servers: String,
}

/// The MirrorSourceConnector named in the settings.
pub struct MirrorMaker {
    settings: ConnectSettings,
    rest: Rest,
}

#[derive(Deserialize)]
struct StatusAnswer {
    connector: ConnectorState,
    #[serde(default)]
    tasks: Vec<TaskState>,
}

#[derive(Deserialize)]
struct ConnectorState {
    state: String,
}

#[derive(Deserialize)]
struct TaskState {
    state: String,
}

type Config = BTreeMap<String, String>;

impl MirrorMaker {
    /// `timeout` bounds each REST call.
    pub fn new(settings: ConnectSettings, timeout: Duration) -> Self {
        let rest = Rest::new(
            SERVICE,
            &settings.rest_url,
            settings.username.clone(),
            settings.password_env.clone(),
            timeout,
        );
        MirrorMaker { settings, rest }
    }

    pub fn settings(&self) -> &ConnectSettings {
        &self.settings
    }

    /// The name the mirror of `topic` gets on the target cluster.
    pub fn mirror_name(source: &Endpoint, topic: &str, identity_names: bool) -> String {
        if identity_names {
            topic.to_string()
        } else {
            format!("{}{DEFAULT_SEPARATOR}{topic}", source.alias)
        }
    }

    /// Creates the MirrorSourceConnector or adds `topic` to its `topics`
    /// allow-list (GET `/connectors/{name}/config`, then PUT
    /// `/connectors/{name}/config` with the full config; no PUT when
    /// nothing changes). `identity_names`: mirrors keep the source name
    /// (IdentityReplicationPolicy); otherwise DefaultReplicationPolicy with
    /// separator `.` names them `<source alias>.<topic>`. An existing
    /// connector of another class, other aliases or another naming policy
    /// is a [`RemoteError::Conflict`]: changing it would re-point or rename
    /// every mirror it already runs.
    pub async fn add_topic(
        &self,
        source: &Endpoint,
        target: &Endpoint,
        topic: &str,
        identity_names: bool,
    ) -> Result<(), RemoteError> {
        check_topic(topic)?;
        for (what, value) in [
            ("source alias", &source.alias),
            ("target alias", &target.alias),
            ("source bootstrap servers", &source.bootstrap_servers),
            ("target bootstrap servers", &target.bootstrap_servers),
        ] {
            if value.trim().is_empty() {
                return Err(RemoteError::Config {
                    service: SERVICE,
                    detail: format!("the {what} is empty"),
                });
            }
        }
        let policy = if identity_names {
            IDENTITY_POLICY
        } else {
            DEFAULT_POLICY
        };
        let existing = self.config().await?;
        if let Some(existing) = &existing {
            self.check_ours(existing)?;
            for (key, wanted) in [
                (SOURCE_ALIAS, source.alias.as_str()),
                (TARGET_ALIAS, target.alias.as_str()),
            ] {
                if let Some(have) = existing.get(key).filter(|have| *have != wanted) {
                    return Err(self.conflict(format!("has {key}={have}, not {wanted}")));
                }
            }
            let have_policy = existing.get(POLICY).map_or(DEFAULT_POLICY, String::as_str);
            if have_policy != policy {
                return Err(self.conflict(format!("uses {have_policy}, not {policy}")));
            }
            let have_separator = existing
                .get(SEPARATOR)
                .map_or(DEFAULT_SEPARATOR, String::as_str);
            if !identity_names && have_separator != DEFAULT_SEPARATOR {
                return Err(self.conflict(format!(
                    "uses the separator {have_separator:?}, not {DEFAULT_SEPARATOR:?}"
                )));
            }
        }

        let mut config = existing.clone().unwrap_or_default();
        // Defaults the settings' `extra` may override.
        config.insert("sync.topic.acls.enabled".into(), "false".into());
        for key in ["key.converter", "value.converter", "header.converter"] {
            config.insert(key.into(), BYTE_ARRAY_CONVERTER.into());
        }
        config.extend(self.settings.extra.clone());
        // The keys this module manages.
        let mut topics = existing.as_ref().map(topic_list).unwrap_or_default();
        let escaped = escape(topic);
        if !topics.iter().any(|t| *t == topic || *t == escaped) {
            topics.push(escaped);
        }
        for (key, value) in [
            (CONNECTOR_CLASS, MIRROR_SOURCE),
            (SOURCE_ALIAS, source.alias.as_str()),
            (TARGET_ALIAS, target.alias.as_str()),
            (SOURCE_BOOTSTRAP, source.bootstrap_servers.as_str()),
            (TARGET_BOOTSTRAP, target.bootstrap_servers.as_str()),
            (POLICY, policy),
        ] {
            config.insert(key.into(), value.into());
        }
        if !identity_names {
            config.insert(SEPARATOR.into(), DEFAULT_SEPARATOR.into());
        }
        config.insert(TOPICS.into(), join_topics(topics));

        if existing.as_ref() == Some(&config) {
            return Ok(());
        }
        self.put_config(&config).await?;
        tracing::info!(
            connector = %self.settings.connector_name,
            topic,
            created = existing.is_none(),
            "topic added to the MirrorSourceConnector"
        );
        Ok(())
    }

    /// Removes `topic` from the allow-list; deletes the connector (DELETE
    /// `/connectors/{name}`) when it was the last. Missing connector or
    /// topic: success, nothing written.
    pub async fn remove_topic(&self, topic: &str) -> Result<(), RemoteError> {
        let Some(existing) = self.config().await? else {
            return Ok(());
        };
        self.check_ours(&existing)?;
        let before = topic_list(&existing);
        let escaped = escape(topic);
        let after: Vec<String> = before
            .iter()
            .filter(|t| **t != topic && **t != escaped)
            .cloned()
            .collect();
        if after.len() == before.len() {
            return Ok(());
        }
        if after.is_empty() {
            let url = self.url(&[])?;
            return match self.rest.send(Method::DELETE, url, None).await {
                Ok(_) => {
                    tracing::info!(connector = %self.settings.connector_name, topic, "MirrorSourceConnector deleted with its last topic");
                    Ok(())
                }
                Err(e) if e.is_missing_resource() => Ok(()),
                Err(e) => Err(e),
            };
        }
        let mut config = existing;
        config.insert(TOPICS.into(), join_topics(after));
        self.put_config(&config).await?;
        tracing::info!(connector = %self.settings.connector_name, topic, "topic removed from the MirrorSourceConnector");
        Ok(())
    }

    /// The connector's state (RUNNING, PAUSED, STOPPED, FAILED, UNASSIGNED,
    /// RESTARTING) from GET `/connectors/{name}/status`; `None` when the
    /// connector does not exist. A RUNNING connector with a FAILED task is
    /// reported FAILED: it does not mirror that task's partitions.
    pub async fn status(&self) -> Result<Option<String>, RemoteError> {
        let url = self.url(&["status"])?;
        let answer: StatusAnswer = match self.rest.send_json(Method::GET, url, None).await {
            Ok(answer) => answer,
            Err(e) if e.is_missing_resource() => return Ok(None),
            Err(e) => return Err(e),
        };
        let state = answer.connector.state;
        if state == "RUNNING" && answer.tasks.iter().any(|t| t.state == "FAILED") {
            return Ok(Some("FAILED".to_string()));
        }
        Ok(Some(state))
    }

    /// PUT `/connectors/{name}/resume` (used by reconciliation to restart a
    /// stopped link). A missing connector is a 404 [`RemoteError::Status`].
    pub async fn resume(&self) -> Result<(), RemoteError> {
        let url = self.url(&["resume"])?;
        self.rest.send(Method::PUT, url, None).await?;
        tracing::info!(connector = %self.settings.connector_name, "MirrorSourceConnector resumed");
        Ok(())
    }

    async fn config(&self) -> Result<Option<Config>, RemoteError> {
        let url = self.url(&["config"])?;
        match self.rest.send_json(Method::GET, url, None).await {
            Ok(config) => Ok(Some(config)),
            Err(e) if e.is_missing_resource() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn put_config(&self, config: &Config) -> Result<(), RemoteError> {
        let url = self.url(&["config"])?;
        let body = serde_json::to_value(config).map_err(|e| RemoteError::Config {
            service: SERVICE,
            detail: format!("cannot encode the connector config: {e}"),
        })?;
        self.rest.send(Method::PUT, url, Some(&body)).await?;
        Ok(())
    }

    /// The connector named in the settings must be a MirrorSourceConnector.
    fn check_ours(&self, config: &Config) -> Result<(), RemoteError> {
        match config.get(CONNECTOR_CLASS) {
            Some(class) if class != MIRROR_SOURCE => {
                Err(self.conflict(format!("is a {class}, not a MirrorSourceConnector")))
            }
            _ => Ok(()),
        }
    }

    fn conflict(&self, what: String) -> RemoteError {
        RemoteError::Conflict(format!(
            "Kafka Connect connector {} {what}",
            self.settings.connector_name
        ))
    }

    /// `{rest_url}/connectors/{name}/{segments...}`.
    fn url(&self, segments: &[&str]) -> Result<url::Url, RemoteError> {
        let mut all = vec!["connectors", self.settings.connector_name.as_str()];
        all.extend_from_slice(segments);
        self.rest.url(&all)
    }
}

/// A legal Kafka topic name (so it cannot break the comma-separated list
/// or carry regex syntax other than dots).
fn check_topic(topic: &str) -> Result<(), RemoteError> {
    let legal = !topic.is_empty()
        && topic.len() <= 249
        && topic != "."
        && topic != ".."
        && topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if legal {
        Ok(())
    } else {
        Err(RemoteError::Config {
            service: SERVICE,
            detail: format!("{topic:?} is not a Kafka topic name"),
        })
    }
}

/// The topic as an exact-match regex: dots escaped.
fn escape(topic: &str) -> String {
    topic.replace('.', "\\.")
}

fn topic_list(config: &Config) -> Vec<String> {
    config
        .get(TOPICS)
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn join_topics(mut topics: Vec<String>) -> String {
    topics.sort();
    topics.dedup();
    topics.join(",")
}
