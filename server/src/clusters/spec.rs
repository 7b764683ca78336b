//! A cluster as configured (`ClusterSpec`, from TOML or JSON) and as validated (`Cluster`).

use app::clusters::{Flavour, Platform, SecurityView};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    pub id: String,
    pub name: String,
    pub platform: Platform,
    #[serde(default)]
    pub region: String,
    pub bootstrap_servers: String,
    #[serde(default = "default_flavour")]
    pub flavour: Flavour,
    #[serde(default = "default_true")]
    pub in_mesh: bool,
    #[serde(default)]
    pub security: SecuritySpec,
    /// Base URL of the cluster's local Confluent-compatible schema registry
    /// (for Switchboard itself `http://HOST:PORT/registry`). The worker copies
    /// every subject version there. Never holds credentials.
    pub schema_registry_url: Option<String>,
    /// Basic-auth user (or API key) for the local registry.
    pub schema_registry_username: Option<String>,
    /// Name of the environment variable holding the local registry's password.
    pub schema_registry_password_env: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecuritySpec {
    /// PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
    #[serde(default = "default_protocol")]
    pub protocol: String,
    /// PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with a SASL protocol).
    pub sasl_mechanism: Option<String>,
    pub sasl_username: Option<String>,
    /// Name of the environment variable holding the SASL password.
    pub sasl_password_env: Option<String>,
    /// CA bundle to verify the brokers' certificates (SSL protocols).
    pub ssl_ca_location: Option<String>,
}

impl Default for SecuritySpec {
    fn default() -> Self {
        Self {
            protocol: default_protocol(),
            sasl_mechanism: None,
            sasl_username: None,
            sasl_password_env: None,
            ssl_ca_location: None,
        }
    }
}

fn default_flavour() -> Flavour {
    Flavour::ApacheKafka
}
fn default_true() -> bool {
    true
}
fn default_protocol() -> String {
    "PLAINTEXT".to_string()
}

/// A spec that passed validation; only these reach the database and the brokers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cluster(ClusterSpec);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cluster `{id}`: {reason}")]
pub struct InvalidCluster {
    pub id: String,
    pub reason: String,
}

const PROTOCOLS: [&str; 4] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];
const MECHANISMS: [&str; 3] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

impl ClusterSpec {
    pub fn validate(self) -> Result<Cluster, InvalidCluster> {
        let fail = |reason: String| InvalidCluster {
            id: self.id.clone(),
            reason,
        };
        if !valid_id(&self.id) {
            return Err(fail(
                "id must be 1-63 characters: lowercase letters, digits and '-', starting with a letter or digit".into(),
            ));
        }
        if self.name.trim().is_empty() || self.name.len() > 100 {
            return Err(fail("name must be 1-100 characters".into()));
        }
        if self.region.len() > 100 {
            return Err(fail("region must be at most 100 characters".into()));
        }
        validate_bootstrap(&self.bootstrap_servers).map_err(fail)?;
        validate_security(&self.security).map_err(fail)?;
        let url = validate_registry(&self).map_err(fail)?;
        Ok(Cluster(ClusterSpec {
            schema_registry_url: url,
            ..self
        }))
    }
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.len() <= 63
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn validate_bootstrap(servers: &str) -> Result<(), String> {
    if servers.trim().is_empty() {
        return Err("bootstrap_servers is empty".into());
    }
    for server in servers.split(',').map(str::trim) {
        let (host, port) = server
            .rsplit_once(':')
            .ok_or_else(|| format!("bootstrap server `{server}` must be host:port"))?;
        if host.is_empty() || host.chars().any(char::is_whitespace) {
            return Err(format!("bootstrap server `{server}` has no valid host"));
        }
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => return Err(format!("bootstrap server `{server}` has no valid port")),
        }
    }
    Ok(())
}

fn validate_security(s: &SecuritySpec) -> Result<(), String> {
    if !PROTOCOLS.contains(&s.protocol.as_str()) {
        return Err(format!(
            "security protocol `{}` is not one of {}",
            s.protocol,
            PROTOCOLS.join(", ")
        ));
    }
    let sasl = s.protocol.starts_with("SASL_");
    match (&s.sasl_mechanism, sasl) {
        (Some(m), true) if !MECHANISMS.contains(&m.as_str()) => {
            return Err(format!(
                "SASL mechanism `{m}` is not one of {}",
                MECHANISMS.join(", ")
            ))
        }
        (None, true) => return Err("a SASL protocol needs sasl_mechanism".into()),
        (Some(_), false) => return Err("sasl_mechanism needs a SASL protocol".into()),
        _ => {}
    }
    if sasl && (s.sasl_username.is_none() || s.sasl_password_env.is_none()) {
        return Err("SASL needs sasl_username and sasl_password_env".into());
    }
    if let Some(var) = &s.sasl_password_env {
        validate_env_name("sasl_password_env", var)?;
    }
    Ok(())
}

fn validate_env_name(key: &str, var: &str) -> Result<(), String> {
    let ok = !var.is_empty()
        && !var.starts_with(|c: char| c.is_ascii_digit())
        && var
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{key} `{var}` must name an environment variable (A-Z, 0-9, _), not hold the secret"
        ))
    }
}

/// Checks the local registry settings; returns the URL without trailing slashes.
fn validate_registry(s: &ClusterSpec) -> Result<Option<String>, String> {
    let (user, env) = (&s.schema_registry_username, &s.schema_registry_password_env);
    let Some(raw) = &s.schema_registry_url else {
        if user.is_some() || env.is_some() {
            return Err("schema_registry_username and schema_registry_password_env need schema_registry_url".into());
        }
        return Ok(None);
    };
    let trimmed = raw.trim().trim_end_matches('/');
    // The URL itself is never echoed: a mistaken one may hold a secret.
    let bad = |why: &str| format!("schema_registry_url {why}");
    if trimmed.len() > 2000 {
        return Err(bad("is longer than 2000 characters"));
    }
    let url = url::Url::parse(trimmed).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(&format!(
            "must start with http:// or https://, not {}://",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not hold credentials: set schema_registry_username and schema_registry_password_env",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    match (user, env) {
        (Some(u), Some(e)) => {
            if u.trim().is_empty() || u.len() > 255 || u.chars().any(char::is_control) {
                return Err("schema_registry_username must be 1-255 characters".into());
            }
            validate_env_name("schema_registry_password_env", e)?;
        }
        (None, None) => {}
        _ => {
            return Err(
                "basic auth needs both schema_registry_username and schema_registry_password_env"
                    .into(),
            )
        }
    }
    Ok(Some(trimmed.to_string()))
}

impl Cluster {
    pub fn spec(&self) -> &ClusterSpec {
        &self.0
    }

    pub fn id(&self) -> &str {
        &self.0.id
    }

    pub fn security_view(&self) -> SecurityView {
        let s = &self.0.security;
        SecurityView {
            protocol: s.protocol.clone(),
            sasl_mechanism: s.sasl_mechanism.clone(),
            sasl_username: s.sasl_username.clone(),
            sasl_password_env: s.sasl_password_env.clone(),
            ssl_ca_location: s.ssl_ca_location.clone(),
        }
    }

    /// How the Kafka adapter should connect to this cluster.
    pub fn connection(&self) -> crate::kafka::Connection {
        let s = &self.0.security;
        crate::kafka::Connection {
            bootstrap_servers: self.0.bootstrap_servers.clone(),
            security_protocol: s.protocol.clone(),
            sasl_mechanism: s.sasl_mechanism.clone(),
            sasl_username: s.sasl_username.clone(),
            sasl_password_env: s.sasl_password_env.clone(),
            ssl_ca_location: s.ssl_ca_location.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ClusterSpec {
        ClusterSpec {
            id: "onprem".into(),
            name: "On-premises".into(),
            platform: Platform::OnPremises,
            region: "dc1".into(),
            bootstrap_servers: "127.0.0.1:19092,broker-2.internal:9092".into(),
            flavour: Flavour::ApacheKafka,
            in_mesh: true,
            security: SecuritySpec::default(),
            schema_registry_url: None,
            schema_registry_username: None,
            schema_registry_password_env: None,
        }
    }

    fn reason(s: ClusterSpec) -> String {
        s.validate().expect_err("must be refused").reason
    }

    #[test]
    fn a_plain_cluster_is_valid() {
        assert!(spec().validate().is_ok());
    }

    #[test]
    fn bad_ids_are_refused() {
        for id in ["", "On-Prem", "-x", "a b", &"x".repeat(64)] {
            let s = ClusterSpec {
                id: id.into(),
                ..spec()
            };
            assert!(reason(s).contains("id must be"), "{id}");
        }
    }

    #[test]
    fn bootstrap_needs_host_and_port() {
        for b in [
            "",
            "localhost",
            "localhost:0",
            ":9092",
            "host:port",
            "a:1,b",
        ] {
            let s = ClusterSpec {
                bootstrap_servers: b.into(),
                ..spec()
            };
            assert!(reason(s).contains("bootstrap"), "{b}");
        }
    }

    #[test]
    fn sasl_needs_mechanism_user_and_secret_reference() {
        let mut s = spec();
        s.security.protocol = "SASL_SSL".into();
        assert!(reason(s.clone()).contains("sasl_mechanism"));
        s.security.sasl_mechanism = Some("SCRAM-SHA-512".into());
        assert!(reason(s.clone()).contains("sasl_username"));
        s.security.sasl_username = Some("switchboard".into());
        s.security.sasl_password_env = Some("hunter2 secret".into());
        assert!(reason(s.clone()).contains("environment variable"));
        s.security.sasl_password_env = Some("KAFKA_ONPREM_PASSWORD".into());
        assert!(s.validate().is_ok());
    }

    #[test]
    fn unknown_protocol_and_mechanism_are_refused() {
        let mut s = spec();
        s.security.protocol = "TLS".into();
        assert!(reason(s.clone()).contains("security protocol"));
        s.security.protocol = "SASL_PLAINTEXT".into();
        s.security.sasl_mechanism = Some("GSSAPI".into());
        assert!(reason(s).contains("SASL mechanism"));
    }

    fn with_registry(url: &str) -> ClusterSpec {
        ClusterSpec {
            schema_registry_url: Some(url.into()),
            ..spec()
        }
    }

    #[test]
    fn registry_url_is_http_without_trailing_slash() {
        for (given, stored) in [
            ("http://sr.internal:8081", "http://sr.internal:8081"),
            ("https://sr.internal/", "https://sr.internal"),
            (
                "http://127.0.0.1:3000/registry//",
                "http://127.0.0.1:3000/registry",
            ),
        ] {
            let cluster = with_registry(given).validate().expect("valid");
            assert_eq!(cluster.spec().schema_registry_url.as_deref(), Some(stored));
        }
        for bad in [
            "",
            "sr.internal:8081",
            "ftp://sr",
            "http://",
            "http://h/?a=b",
            "http://h/#x",
        ] {
            assert!(
                reason(with_registry(bad)).contains("schema_registry_url"),
                "{bad}"
            );
        }
    }

    #[test]
    fn registry_credentials_never_sit_in_the_url() {
        let r = reason(with_registry("https://key:s3cret@sr.example.com"));
        assert!(r.contains("must not hold credentials"), "{r}");
        assert!(!r.contains("s3cret"), "{r}");
        let mut s = with_registry("https://sr.example.com");
        s.schema_registry_username = Some("key".into());
        assert!(reason(s.clone()).contains("both"));
        s.schema_registry_password_env = Some("not a name".into());
        assert!(reason(s.clone()).contains("environment variable"));
        s.schema_registry_password_env = Some("SR_AWS_SECRET".into());
        assert!(s.clone().validate().is_ok());
        s.schema_registry_url = None;
        assert!(reason(s).contains("need schema_registry_url"));
    }
}
