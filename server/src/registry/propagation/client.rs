//! The HTTP client for clusters' local registries, speaking Confluent Schema
//! Registry's REST protocol. Only this module imports reqwest; its errors
//! become `CopyError` here.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::clusters::Cluster;
use crate::registry::SchemaReference;

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";
const ACCEPT: &str = "application/vnd.schemaregistry.v1+json, application/json";
/// Longest remote message kept in an error (they end up in `last_error`).
const MAX_MESSAGE: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    /// The cluster's settings cannot be used (a password variable is unset).
    #[error("{0}")]
    Config(String),
    #[error("cannot reach the registry: {0}")]
    Unreachable(String),
    #[error("the registry answered HTTP {status}{}: {message}", code.map(|c| format!(" (error code {c})")).unwrap_or_default())]
    Refused {
        status: u16,
        code: Option<i64>,
        message: String,
    },
    #[error("unexpected answer from the registry: {0}")]
    Protocol(String),
}

impl CopyError {
    /// Whether the registry refused this one subject version, so that other
    /// subjects may still be copied; anything else stops the cluster's pass.
    pub fn concerns_subject(&self) -> bool {
        match self {
            CopyError::Refused { status, code, .. } => {
                matches!(status, 400 | 409 | 413 | 422)
                    || (*status == 404 && code.is_some_and(|c| c > 404))
            }
            _ => false,
        }
    }

    /// Confluent's "not permitted" (e.g. IMPORT refused on a subject with versions).
    pub fn not_permitted(&self) -> bool {
        matches!(
            self,
            CopyError::Refused {
                code: Some(42205),
                ..
            }
        )
    }
}

/// What `POST /subjects/{s}/versions` gets in IMPORT mode.
#[derive(Debug, Clone, Serialize)]
pub struct ImportBody<'a> {
    pub schema: &'a str,
    #[serde(rename = "schemaType")]
    pub schema_type: &'a str,
    pub references: &'a [SchemaReference],
    pub id: i64,
    pub version: i32,
}

#[derive(Deserialize)]
struct IdAnswer {
    id: i64,
}

#[derive(Deserialize)]
struct ModeAnswer {
    mode: String,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error_code: Option<i64>,
    message: Option<String>,
}

/// One HTTP client (connection pool) for all clusters.
#[derive(Clone)]
pub struct RegistryClient {
    http: reqwest::Client,
}

impl RegistryClient {
    /// `timeout` bounds every call; connecting gets at most half of it.
    pub fn new(timeout: Duration) -> Result<RegistryClient, CopyError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout / 2)
            .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                CopyError::Config(format!("cannot build the HTTP client: {}", chain(&e)))
            })?;
        Ok(RegistryClient { http })
    }

    /// The cluster's local registry; `None` when it declares none.
    pub fn remote(&self, cluster: &Cluster) -> Option<Result<Remote<'_>, CopyError>> {
        let spec = cluster.spec();
        let base = spec.schema_registry_url.as_deref()?;
        Some(self.remote_at(
            base,
            spec.schema_registry_username.as_deref(),
            spec.schema_registry_password_env.as_deref(),
        ))
    }

    fn remote_at(
        &self,
        base: &str,
        username: Option<&str>,
        password_env: Option<&str>,
    ) -> Result<Remote<'_>, CopyError> {
        let base = Url::parse(base)
            .ok()
            .filter(|u| !u.cannot_be_a_base())
            .ok_or_else(|| CopyError::Config("schema_registry_url is not a URL".to_string()))?;
        let auth = match (username, password_env) {
            (Some(user), Some(var)) => {
                let password = std::env::var(var).map_err(|_| {
                    CopyError::Config(format!(
                        "environment variable {var} (the registry password) is not set"
                    ))
                })?;
                Some((user.to_string(), password))
            }
            _ => None,
        };
        Ok(Remote {
            http: &self.http,
            base,
            auth,
        })
    }
}

/// One local registry.
pub struct Remote<'a> {
    http: &'a reqwest::Client,
    base: Url,
    auth: Option<(String, String)>,
}

impl Remote<'_> {
    /// The mode in force for a subject (its own, else the global one).
    pub async fn mode(&self, subject: &str) -> Result<String, CopyError> {
        let mut url = self.url(&["mode", subject]);
        url.set_query(Some("defaultToGlobal=true"));
        let answer: ModeAnswer = self.send(self.http.get(url)).await?;
        Ok(answer.mode)
    }

    /// Puts a subject in IMPORT mode; `force` overrides the registry's
    /// refusal when the subject already has versions.
    pub async fn set_import(&self, subject: &str, force: bool) -> Result<(), CopyError> {
        let mut url = self.url(&["mode", subject]);
        if force {
            url.set_query(Some("force=true"));
        }
        let body = serde_json::json!({ "mode": "IMPORT" });
        let answer: ModeAnswer = self.send(self.http.put(url).body(body.to_string())).await?;
        if answer.mode.eq_ignore_ascii_case("IMPORT") {
            Ok(())
        } else {
            Err(CopyError::Protocol(format!(
                "asked for IMPORT mode on {subject}, got {}",
                answer.mode
            )))
        }
    }

    /// Registers a version with its id and number; returns the id the registry gave.
    pub async fn import(&self, subject: &str, body: &ImportBody<'_>) -> Result<i64, CopyError> {
        let url = self.url(&["subjects", subject, "versions"]);
        let json = serde_json::to_string(body)
            .map_err(|e| CopyError::Protocol(format!("cannot encode the request: {e}")))?;
        let answer: IdAnswer = self.send(self.http.post(url).body(json)).await?;
        Ok(answer.id)
    }

    /// `base` + percent-encoded path segments (subjects may hold `/` or spaces).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, CopyError> {
        let mut request = request
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(reqwest::header::ACCEPT, ACCEPT);
        if let Some((user, password)) = &self.auth {
            request = request.basic_auth(user, Some(password));
        }
        let response = request
            .send()
            .await
            .map_err(|e| CopyError::Unreachable(chain(&e)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| CopyError::Unreachable(chain(&e)))?;
        if status.is_success() {
            return serde_json::from_str(&text)
                .map_err(|e| CopyError::Protocol(format!("{e} in {}", clip(&text))));
        }
        let (code, message) = match serde_json::from_str::<ErrorAnswer>(&text) {
            Ok(e) => (e.error_code, e.message.unwrap_or_default()),
            Err(_) => (None, text),
        };
        Err(CopyError::Refused {
            status: status.as_u16(),
            code,
            message: clip(&message),
        })
    }
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// An error with its causes ("error sending request: … : Connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> RegistryClient {
        RegistryClient::new(Duration::from_secs(1)).expect("client")
    }

    #[test]
    fn paths_are_joined_and_encoded() {
        let c = client();
        let r = c
            .remote_at("http://127.0.0.1:3000/registry", None, None)
            .expect("remote");
        assert_eq!(
            r.url(&["subjects", "a/b c", "versions"]).as_str(),
            "http://127.0.0.1:3000/registry/subjects/a%2Fb%20c/versions"
        );
        let r = c.remote_at("http://sr:8081", None, None).expect("remote");
        assert_eq!(r.url(&["mode", "x"]).as_str(), "http://sr:8081/mode/x");
    }

    #[test]
    fn a_missing_password_variable_is_a_config_error() {
        let err = client()
            .remote_at(
                "https://sr",
                Some("key"),
                Some("SWITCHBOARD_TEST_SURELY_UNSET_VAR"),
            )
            .err()
            .expect("refused");
        assert!(
            matches!(err, CopyError::Config(m) if m.contains("SWITCHBOARD_TEST_SURELY_UNSET_VAR"))
        );
    }

    #[test]
    fn refusals_of_one_version_do_not_stop_the_cluster() {
        let refused = |status, code| CopyError::Refused {
            status,
            code,
            message: String::new(),
        };
        assert!(refused(422, Some(42205)).concerns_subject());
        assert!(refused(422, Some(42205)).not_permitted());
        assert!(refused(404, Some(40402)).concerns_subject());
        assert!(!refused(404, Some(404)).concerns_subject());
        assert!(!refused(401, Some(40101)).concerns_subject());
        assert!(!refused(500, Some(50001)).concerns_subject());
        assert!(!CopyError::Unreachable("x".into()).concerns_subject());
    }

    #[test]
    fn long_messages_are_clipped() {
        let long = "é".repeat(MAX_MESSAGE + 10);
        assert_eq!(clip(&long).chars().count(), MAX_MESSAGE + 1);
        assert_eq!(clip("short"), "short");
    }
}
