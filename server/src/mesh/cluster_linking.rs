//! Confluent Cluster Linking backend: a cluster link on the DESTINATION
//! cluster pulls a source topic into a read-only mirror topic, driven
//! through the destination's Kafka REST API v3 (Confluent Server's embedded
//! REST, `https://<broker>:8090/kafka/v3/...`, or Confluent Cloud's).
//!
//! Calls and shapes relied on (Confluent's REST v3 OpenAPI description as
//! published in `confluentinc/kafka-rest-sdk-go`, `kafkarestv3/api/openapi.yaml`,
//! and the API reference pages on docs.confluent.io, "Cluster Linking (v3)";
//! the 404-means-absent reading follows Confluent's Terraform provider,
//! which treats a 404 on these GETs as "gone"):
//!
//! - `GET /kafka/v3/clusters/{cluster_id}/links/{link_name}` → 200
//!   `KafkaLinkData` `{"link_name", "source_cluster_id", "topic_names", ...}`;
//!   404 when the link does not exist.
//! - `POST /kafka/v3/clusters/{cluster_id}/links?link_name={link_name}` with
//!   `{"source_cluster_id": "...", "configs": [{"name": "bootstrap.servers",
//!   "value": "..."}]}` → 204.
//! - `GET .../links/{link_name}/mirrors/{mirror_topic_name}` → 200
//!   `KafkaMirrorData` `{"mirror_topic_name", "source_topic_name",
//!   "mirror_status", "mirror_lags": [{"partition", "lag",
//!   "last_source_fetch_offset"}], ...}`; 404 when absent.
//! - `GET .../links/{link_name}/mirrors` → 200 `{"data": [KafkaMirrorData]}`.
//! - `POST .../links/{link_name}/mirrors` with `{"source_topic_name": "...",
//!   "mirror_topic_name": "..."}` → 204. A mirror name different from the
//!   source name is only accepted when the link has a `cluster.link.prefix`
//!   (mirror = prefix + source); otherwise Confluent answers 400 and its
//!   message is passed on.
//! - `POST .../links/{link_name}/mirrors:pause` and `...:resume` with
//!   `{"mirror_topic_names": ["..."]}` → 200 `{"data": [{"mirror_topic_name",
//!   "error_code", "error_message", "mirror_lags"}]}`: a failure for one
//!   topic comes back inside a 200, so each item's `error_code` is checked.
//! - `DELETE .../links/{link_name}` → 200 (no `force`: Confluent refuses to
//!   delete a link that still has mirrors, which guards a race with a new
//!   mirror).
//! - `DELETE /kafka/v3/clusters/{cluster_id}/topics/{topic_name}` → 204;
//!   404 (`error_code` 40403) when the topic does not exist.
//! - Errors: `{"error_code": <int>, "message": "..."}`. A 404 saying
//!   "HTTP 404 Not Found" (unknown endpoint) or "Cluster <id> cannot be
//!   found" (wrong cluster id) is a configuration error, never "absent".
//!
//! Mirror states (`MirrorTopicStatus`): ACTIVE, PAUSED, STOPPED, FAILED,
//! PENDING_STOPPED, PENDING_SYNCHRONIZE, PENDING_MIRROR, and in newer
//! releases LINK_FAILED, LINK_PAUSED, SOURCE_UNAVAILABLE, PENDING_*RESTORE.
//! STOPPED means the mirror was promoted or failed over: it is a regular
//! topic now and this module neither resumes nor deletes it.

use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::remote::{RemoteError, RemoteMirrorStatus, Rest};

const SERVICE: &str = "Confluent REST";

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterLinkingSettings {
    /// The destination cluster's REST endpoint, e.g. `https://dest:8090`.
    pub rest_url: String,
    /// Kafka cluster id used in `/kafka/v3/clusters/{id}`.
    pub destination_cluster_id: String,
    pub link_name: String,
    #[serde(default)]
    pub username: Option<String>,
    /// Environment variable holding the REST password.
    #[serde(default)]
    pub password_env: Option<String>,
}

/// One cluster link on the destination cluster, and its mirror topics.
pub struct ClusterLinking {
    settings: ClusterLinkingSettings,
    rest: Rest,
}

#[derive(Deserialize)]
struct LinkData {
    #[serde(default)]
    source_cluster_id: Option<String>,
}

#[derive(Deserialize)]
struct MirrorData {
    mirror_topic_name: String,
    source_topic_name: String,
    mirror_status: String,
    #[serde(default)]
    mirror_lags: Option<Vec<MirrorLag>>,
}

#[derive(Deserialize)]
struct MirrorLag {
    lag: i64,
}

#[derive(Deserialize)]
struct MirrorList {
    data: Vec<MirrorData>,
}

#[derive(Deserialize)]
struct AlterMirrorsAnswer {
    data: Vec<AlterMirrorItem>,
}

#[derive(Deserialize)]
struct AlterMirrorItem {
    mirror_topic_name: String,
    #[serde(default)]
    error_code: Option<i64>,
    #[serde(default)]
    error_message: Option<String>,
}

impl ClusterLinking {
    /// `timeout` bounds each REST call.
    pub fn new(settings: ClusterLinkingSettings, timeout: Duration) -> Self {
        let rest = Rest::new(
            SERVICE,
            &settings.rest_url,
            settings.username.clone(),
            settings.password_env.clone(),
            timeout,
        );
        ClusterLinking { settings, rest }
    }

    pub fn settings(&self) -> &ClusterLinkingSettings {
        &self.settings
    }

    /// Creates the link when missing (GET, then POST `.../links?link_name=`)
    /// with the source's bootstrap servers and cluster id. An existing link
    /// from another source cluster is a [`RemoteError::Conflict`]; an
    /// existing link's other configs (bootstrap servers included) are left
    /// as they are.
    pub async fn ensure_link(
        &self,
        source_cluster_id: &str,
        source_bootstrap: &str,
    ) -> Result<(), RemoteError> {
        if let Some(link) = self.link().await? {
            return match link.source_cluster_id.as_deref() {
                Some(existing) if existing != source_cluster_id => {
                    Err(RemoteError::Conflict(format!(
                        "cluster link {} on cluster {} mirrors from cluster {existing}, not {source_cluster_id}",
                        self.settings.link_name, self.settings.destination_cluster_id
                    )))
                }
                _ => Ok(()),
            };
        }
        let mut url = self.url(&["links"])?;
        url.query_pairs_mut()
            .append_pair("link_name", &self.settings.link_name);
        let body = json!({
            "source_cluster_id": source_cluster_id,
            "configs": [{ "name": "bootstrap.servers", "value": source_bootstrap }],
        });
        self.rest.send(Method::POST, url, Some(&body)).await?;
        tracing::info!(
            link = %self.settings.link_name,
            destination = %self.settings.destination_cluster_id,
            source = %source_cluster_id,
            "cluster link created"
        );
        Ok(())
    }

    /// Creates the mirror topic when missing; resumes it when paused.
    /// Idempotent. A mirror of another source topic, or a STOPPED
    /// (promoted) one, is a [`RemoteError::Conflict`]. Other states
    /// (pending, failed, link failed) are left to the link.
    pub async fn ensure_mirror(
        &self,
        source_topic: &str,
        mirror_topic: &str,
    ) -> Result<(), RemoteError> {
        match self.mirror(mirror_topic).await? {
            None => {
                let url = self.url(&["links", &self.settings.link_name, "mirrors"])?;
                let body = json!({
                    "source_topic_name": source_topic,
                    "mirror_topic_name": mirror_topic,
                });
                self.rest.send(Method::POST, url, Some(&body)).await?;
                tracing::info!(
                    link = %self.settings.link_name,
                    source_topic,
                    mirror_topic,
                    "mirror topic created"
                );
                Ok(())
            }
            Some(mirror) if mirror.source_topic_name != source_topic => {
                Err(RemoteError::Conflict(format!(
                    "mirror topic {mirror_topic} on link {} mirrors {}, not {source_topic}",
                    self.settings.link_name, mirror.source_topic_name
                )))
            }
            Some(mirror) => match mirror.mirror_status.as_str() {
                "PAUSED" => self.alter_mirror("resume", mirror_topic).await,
                "STOPPED" | "PENDING_STOPPED" => Err(self.stopped(mirror_topic, &mirror)),
                _ => Ok(()),
            },
        }
    }

    /// Pauses the mirror topic (POST `.../mirrors:pause`); already paused:
    /// nothing sent. A missing or STOPPED mirror is a
    /// [`RemoteError::Conflict`].
    pub async fn pause_mirror(&self, mirror_topic: &str) -> Result<(), RemoteError> {
        match self.mirror(mirror_topic).await? {
            None => Err(RemoteError::Conflict(format!(
                "there is no mirror topic {mirror_topic} on link {} to pause",
                self.settings.link_name
            ))),
            Some(mirror) if mirror.mirror_status == "PAUSED" => Ok(()),
            Some(mirror)
                if matches!(mirror.mirror_status.as_str(), "STOPPED" | "PENDING_STOPPED") =>
            {
                Err(self.stopped(mirror_topic, &mirror))
            }
            Some(_) => self.alter_mirror("pause", mirror_topic).await,
        }
    }

    /// Deletes the mirror topic (DELETE `/kafka/v3/clusters/{id}/topics/{topic}`);
    /// a missing topic is success. Only a topic that is a mirror on this
    /// link is deleted: a regular topic of the same name (never mirrored,
    /// or promoted, i.e. STOPPED) is left alone — absent as a mirror means
    /// success, promoted means [`RemoteError::Conflict`].
    pub async fn delete_mirror(&self, mirror_topic: &str) -> Result<(), RemoteError> {
        let Some(mirror) = self.mirror(mirror_topic).await? else {
            return Ok(());
        };
        if matches!(mirror.mirror_status.as_str(), "STOPPED" | "PENDING_STOPPED") {
            return Err(self.stopped(mirror_topic, &mirror));
        }
        let url = self.url(&["topics", &mirror.mirror_topic_name])?;
        match self.rest.send(Method::DELETE, url, None).await {
            Ok(_) => {
                tracing::info!(link = %self.settings.link_name, mirror_topic, "mirror topic deleted");
                Ok(())
            }
            Err(e) if self.is_absent(&e) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes the link when no mirror is left on it (STOPPED ones, being
    /// regular topics now, do not count). Returns whether the link is gone:
    /// `true` when deleted now or already missing, `false` when mirrors
    /// remain.
    pub async fn delete_link_if_unused(&self) -> Result<bool, RemoteError> {
        let url = self.url(&["links", &self.settings.link_name, "mirrors"])?;
        let mirrors: MirrorList = match self.rest.send_json(Method::GET, url, None).await {
            Ok(list) => list,
            Err(e) if self.is_absent(&e) => return Ok(true),
            Err(e) => return Err(e),
        };
        if mirrors.data.iter().any(|m| m.mirror_status != "STOPPED") {
            return Ok(false);
        }
        let url = self.url(&["links", &self.settings.link_name])?;
        match self.rest.send(Method::DELETE, url, None).await {
            Ok(_) => {
                tracing::info!(link = %self.settings.link_name, "cluster link deleted");
                Ok(true)
            }
            Err(e) if self.is_absent(&e) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// The mirror's state and total lag over partitions; `None` when the
    /// mirror (or the link) does not exist. A negative partition lag (not
    /// measured yet) makes the total unknown.
    pub async fn mirror_status(
        &self,
        mirror_topic: &str,
    ) -> Result<Option<RemoteMirrorStatus>, RemoteError> {
        Ok(self.mirror(mirror_topic).await?.map(|m| {
            let lag = m.mirror_lags.and_then(|lags| {
                lags.iter().try_fold(0i64, |sum, p| {
                    (p.lag >= 0).then(|| sum.saturating_add(p.lag))
                })
            });
            RemoteMirrorStatus {
                state: m.mirror_status,
                lag,
            }
        }))
    }

    async fn link(&self) -> Result<Option<LinkData>, RemoteError> {
        let url = self.url(&["links", &self.settings.link_name])?;
        match self.rest.send_json(Method::GET, url, None).await {
            Ok(link) => Ok(Some(link)),
            Err(e) if self.is_absent(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn mirror(&self, mirror_topic: &str) -> Result<Option<MirrorData>, RemoteError> {
        let url = self.url(&["links", &self.settings.link_name, "mirrors", mirror_topic])?;
        match self.rest.send_json(Method::GET, url, None).await {
            Ok(mirror) => Ok(Some(mirror)),
            Err(e) if self.is_absent(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// POST `.../mirrors:{action}` for one topic; a per-topic error inside
    /// the 200 answer becomes a [`RemoteError::Status`].
    async fn alter_mirror(&self, action: &str, mirror_topic: &str) -> Result<(), RemoteError> {
        let segment = format!("mirrors:{action}");
        let url = self.url(&["links", &self.settings.link_name, &segment])?;
        let request = format!("POST {}", super::remote::redacted(&url));
        let body = json!({ "mirror_topic_names": [mirror_topic] });
        let answer: AlterMirrorsAnswer =
            self.rest.send_json(Method::POST, url, Some(&body)).await?;
        let item = answer
            .data
            .iter()
            .find(|i| i.mirror_topic_name == mirror_topic)
            .ok_or_else(|| RemoteError::BadAnswer {
                service: SERVICE,
                request: request.clone(),
                detail: format!("no result for mirror topic {mirror_topic}"),
            })?;
        if let Some(code) = item.error_code {
            return Err(RemoteError::Status {
                service: SERVICE,
                request,
                status: 200,
                code: Some(code),
                message: format!(
                    "mirror topic {mirror_topic}: {}",
                    item.error_message.as_deref().unwrap_or("failed")
                ),
            });
        }
        tracing::info!(link = %self.settings.link_name, mirror_topic, action, "mirror topic altered");
        Ok(())
    }

    fn stopped(&self, mirror_topic: &str, mirror: &MirrorData) -> RemoteError {
        RemoteError::Conflict(format!(
            "mirror topic {mirror_topic} on link {} is {} (promoted or failed over): it is a regular topic now",
            self.settings.link_name, mirror.mirror_status
        ))
    }

    /// A 404 about the link, mirror or topic itself (not an unknown
    /// endpoint, not a wrong cluster id).
    fn is_absent(&self, error: &RemoteError) -> bool {
        let wrong_cluster = match error {
            RemoteError::Status { message, .. } => message.contains(&format!(
                "Cluster {} cannot be found",
                self.settings.destination_cluster_id
            )),
            _ => false,
        };
        error.is_missing_resource() && !wrong_cluster
    }

    /// `{rest_url}/kafka/v3/clusters/{destination_cluster_id}/{segments...}`.
    fn url(&self, segments: &[&str]) -> Result<url::Url, RemoteError> {
        let mut all = vec![
            "kafka",
            "v3",
            "clusters",
            self.settings.destination_cluster_id.as_str(),
        ];
        all.extend_from_slice(segments);
        self.rest.url(&all)
    }
}
