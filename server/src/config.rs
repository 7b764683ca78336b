//! Configuration: defaults, then a TOML file, then `SWITCHBOARD_*` environment
//! variables (and `DATABASE_URL`), then command-line flags. Every key is
//! documented in the README's configuration reference.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::clusters::ClusterSpec;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the portal listens on.
    pub listen: SocketAddr,
    /// Holds the SQLite database (and later the search index and broker logs).
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; unset means SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Where cargo-leptos put the compiled site (WASM, JS, CSS).
    pub site_root: PathBuf,
    /// `pretty` for people, `json` for log collectors.
    pub log_format: LogFormat,
    pub status: StatusConfig,
    pub demo: DemoConfig,
    pub auth: AuthConfig,
    pub oidc: OidcConfig,
    pub registry: RegistryConfig,
    pub access: AccessConfig,
    pub provision: ProvisionConfig,
    pub mesh: crate::mesh::MeshConfig,
    pub notifications: NotificationsConfig,
    pub monitoring: crate::monitoring::MonitoringConfig,
    pub metrics: MetricsConfig,
    /// How often discovery re-reads the clusters' topics.
    pub discovery_interval_secs: u64,
    /// Clusters registered (inserted or updated) at start.
    pub clusters: Vec<ClusterSpec>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            site_root: PathBuf::from("target/site"),
            log_format: LogFormat::Pretty,
            status: StatusConfig::default(),
            demo: DemoConfig::default(),
            auth: AuthConfig::default(),
            oidc: OidcConfig::default(),
            registry: RegistryConfig::default(),
            access: AccessConfig::default(),
            provision: ProvisionConfig::default(),
            mesh: crate::mesh::MeshConfig::default(),
            notifications: NotificationsConfig::default(),
            monitoring: crate::monitoring::MonitoringConfig::default(),
            metrics: MetricsConfig::default(),
            discovery_interval_secs: 300,
            clusters: Vec::new(),
        }
    }
}

/// Keys that `SWITCHBOARD_<KEY>` environment variables may set.
const TOP_LEVEL_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "site_root",
    "log_format",
    "status",
    "demo",
    "auth",
    "oidc",
    "registry",
    "access",
    "provision",
    "mesh",
    "notifications",
    "monitoring",
    "metrics",
    "discovery_interval_secs",
    "clusters",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// Longest wait for a cluster's metadata before it is shown as unreachable.
    pub timeout_ms: u64,
    /// How long a status is served from cache before it is re-read in the background.
    pub cache_ttl_ms: u64,
}

impl Default for StatusConfig {
    fn default() -> Self {
        Self {
            timeout_ms: 3000,
            cache_ttl_ms: 5000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    /// Start local brokers for the demo clusters `onprem`, `aws` and `gcp`,
    /// and offer the development sign-in (see `auth.dev_login`).
    pub enabled: bool,
    /// The Kafka-protocol broker binary (Nisshi).
    pub broker_bin: PathBuf,
    /// First of three consecutive loopback ports.
    pub base_port: u16,
    /// Produce records to a dozen demo events and run a consumer per demo
    /// grant, so offsets, lag and a quiet event show from the start.
    pub traffic: bool,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            broker_bin: PathBuf::from("nisshi"),
            base_port: 19092,
            traffic: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Offer the development sign-in (pick a demo user); `--demo` turns it on
    /// too. Even then it is refused while OpenID Connect is configured, when
    /// `listen` is not a loopback address, and per request unless the client
    /// is a loopback peer without `Forwarded`/`X-Forwarded-For` headers whose
    /// `Host` is `localhost`, `127.0.0.1`, `[::1]` or the host of `public_url`.
    pub dev_login: bool,
    /// User ids with the admin role (`--demo` adds `platform.admin`).
    pub admins: Vec<String>,
    /// Session lifetime.
    pub session_hours: u32,
    /// Mark the session cookie `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    /// The origin browsers see (e.g. `https://switchboard.example.com`) when a
    /// proxy in front rewrites the `Host` header or terminates HTTPS; the
    /// cross-site request check accepts it besides `http://<Host>` (or
    /// `https://<Host>` when cookies are `Secure`).
    pub public_url: Option<String>,
    /// Sign-in attempts (development sign-in, OpenID Connect start and
    /// callback) allowed per client IP address and minute.
    pub sign_in_per_minute: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            dev_login: false,
            admins: Vec::new(),
            session_hours: 12,
            secure_cookies: false,
            public_url: None,
            sign_in_per_minute: 10,
        }
    }
}

/// OpenID Connect sign-in (authorization code flow with PKCE). Off while
/// `issuer_url` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OidcConfig {
    /// The provider's issuer; its discovery document is read from
    /// `<issuer_url>/.well-known/openid-configuration`.
    pub issuer_url: String,
    /// Shown on the sign-in page as "Sign in with <display_name>"; empty means
    /// the issuer's host name.
    pub display_name: String,
    pub client_id: String,
    /// Name of the environment variable holding the client secret (never the
    /// secret itself). Empty means a public client (PKCE only).
    pub client_secret_env: String,
    /// Registered redirect URI: `<public URL>/auth/oidc/callback`.
    pub redirect_url: String,
    /// Scopes requested besides `openid`, which is always requested.
    pub scopes: Vec<String>,
    /// Claim (in the ID token or the userinfo answer) listing the user's groups.
    pub groups_claim: String,
    /// Provider group → Switchboard team id; members of the group become
    /// members of the team (kept in step at each sign-in).
    pub teams: std::collections::BTreeMap<String, String>,
    /// Provider groups whose members are platform admins.
    pub admin_groups: Vec<String>,
    /// Provider groups whose members join the data-protection team.
    pub data_protection_groups: Vec<String>,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self {
            issuer_url: String::new(),
            display_name: String::new(),
            client_id: String::new(),
            client_secret_env: "SWITCHBOARD_OIDC_CLIENT_SECRET".to_string(),
            redirect_url: String::new(),
            scopes: vec!["profile".to_string(), "email".to_string()],
            groups_claim: "groups".to_string(),
            teams: std::collections::BTreeMap::new(),
            admin_groups: Vec::new(),
            data_protection_groups: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistryConfig {
    /// Let callers who are not signed in write to the schema registry (subjects
    /// of catalogue events stay reserved to their owners). `--demo` turns it on.
    pub anonymous_writes: bool,
    /// How often the worker copies new subject versions to clusters' local
    /// registries (it also runs right after a registration).
    pub propagation_interval_secs: u64,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        Self {
            anonymous_writes: false,
            propagation_interval_secs: 10,
        }
    }
}

/// Policy of the access workflow: end dates of grants, topic templates of new
/// events, and the expiry sweep.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccessConfig {
    /// End date of a grant when the request names none, in months from today.
    pub default_months: u32,
    /// Latest end date a request may ask for, in months from today.
    pub max_months: u32,
    /// Topic templates a new event may choose from.
    pub templates: Vec<app::access::TopicTemplate>,
    /// How often the sweep expires grants past their end date and announces
    /// those expiring soon.
    pub sweep_interval_secs: u64,
    /// How many days before its end date a grant is announced as expiring soon.
    pub expiring_notice_days: u32,
}

impl Default for AccessConfig {
    fn default() -> Self {
        const DAY_MS: i64 = 24 * 60 * 60 * 1000;
        let template = |name: &str, partitions, retention_ms, cleanup_policy: &str| {
            app::access::TopicTemplate {
                name: name.into(),
                partitions,
                retention_ms,
                cleanup_policy: cleanup_policy.into(),
            }
        };
        Self {
            default_months: 12,
            max_months: 24,
            templates: vec![
                template("standard", 6, 7 * DAY_MS, "delete"),
                template("high-throughput", 24, 3 * DAY_MS, "delete"),
                template("compacted", 6, -1, "compact"),
            ],
            sweep_interval_secs: 3600,
            expiring_notice_days: 14,
        }
    }
}

/// The provisioning worker: how often it looks for due jobs, how long a
/// claimed job stays leased to it, and when a failing job is parked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProvisionConfig {
    /// How often the worker looks for due jobs.
    pub interval_secs: u64,
    /// Attempts before a failing job is parked as `failed`.
    pub max_attempts: u32,
    /// How long a claimed job belongs to its worker; a job still `running`
    /// after this (its worker died) is claimed again.
    pub lease_secs: u64,
    /// Longest wait for a broker's answer in one job.
    pub kafka_timeout_ms: u64,
    /// Jobs one worker runs at once.
    pub concurrency: usize,
    /// Whether `serve` runs the worker (jobs, links, reconciliation) itself;
    /// false when separate `switchboard worker` processes do.
    pub in_process: bool,
    /// How often reconciliation compares desired state with the clusters.
    pub reconcile_interval_secs: u64,
    /// Clusters whose brokers predate Kafka 2.8: producers also get
    /// IDEMPOTENT_WRITE on the cluster resource there.
    pub idempotent_write_clusters: Vec<String>,
}

impl Default for ProvisionConfig {
    fn default() -> Self {
        Self {
            interval_secs: 2,
            max_attempts: 8,
            lease_secs: 60,
            kafka_timeout_ms: 10_000,
            concurrency: 8,
            in_process: true,
            reconcile_interval_secs: 60,
            idempotent_write_clusters: Vec::new(),
        }
    }
}

/// The notifier (notifications and webhook deliveries derived from the audit log).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotificationsConfig {
    /// How often the notifier reads new audit entries and sends due webhook calls.
    pub interval_ms: u64,
    /// After this long an audit id still missing is taken to be rolled back
    /// (PostgreSQL hands out ids before commit); until then the notifier waits.
    pub gap_grace_secs: u64,
    /// Longest wait for a webhook's answer.
    pub webhook_timeout_ms: u64,
    /// Attempts before a webhook delivery is parked.
    pub webhook_max_attempts: u32,
    /// Delay after the first failed attempt; it doubles per attempt (with jitter).
    pub webhook_backoff_base_ms: u64,
    /// Longest delay between attempts.
    pub webhook_backoff_cap_ms: u64,
    /// Internal addresses webhooks may call anyway (loopback, private,
    /// link-local, … are refused otherwise): addresses (`10.1.2.3`),
    /// networks (`10.0.0.0/8`) or addresses with a port (`127.0.0.1:9999`).
    pub webhook_allow: Vec<crate::notify::reach::AllowedAddress>,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self {
            interval_ms: 2000,
            gap_grace_secs: 10,
            webhook_timeout_ms: 10_000,
            webhook_max_attempts: 10,
            webhook_backoff_base_ms: 10_000,
            webhook_backoff_cap_ms: 3_600_000,
            webhook_allow: Vec::new(),
        }
    }
}

/// `GET /metrics`, the Prometheus export.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve `/metrics`; off answers 404.
    pub enabled: bool,
    /// Name of the environment variable holding the bearer token scrapers
    /// must send (never the token itself). Empty: open to anyone who reaches
    /// the listen address, as `/healthz`.
    pub bearer_token_env: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            bearer_token_env: String::new(),
        }
    }
}

/// Values given on the command line; they win over file and environment.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_root: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<DemoOverride>,
}

#[derive(Debug, Default, Serialize)]
pub struct DemoOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_port: Option<u16>,
}

impl Config {
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Config, Box<figment::Error>> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(Box::new(figment::Error::from(format!(
                    "configuration file {} does not exist",
                    file.display()
                ))));
            }
            figment = figment.merge(Toml::file(file));
        }
        figment
            .merge(
                Env::prefixed("SWITCHBOARD_")
                    // Other SWITCHBOARD_* variables (SWITCHBOARD_CONFIG, test and script
                    // settings) are not configuration keys.
                    .filter(|key| {
                        let top = key.as_str().split("__").next().unwrap_or_default();
                        TOP_LEVEL_KEYS.contains(&top.to_ascii_lowercase().as_str())
                    })
                    .split("__"),
            )
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
    }

    /// The database URL in effect: explicit, or SQLite in the data directory.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("switchboard.db").display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bind_loopback_and_use_sqlite_in_data_dir() {
        let c = Config::default();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(
            c.effective_database_url(),
            "sqlite://data/switchboard.db?mode=rwc"
        );
    }

    #[test]
    fn file_then_flags_layer_in_order() {
        let dir = std::env::temp_dir().join(format!("sb-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("switchboard.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:4000\"\ndata_dir = \"/tmp/x\"\n[status]\ntimeout_ms = 900\n",
        )
        .unwrap();
        let overrides = Overrides {
            data_dir: Some(PathBuf::from("/tmp/y")),
            ..Overrides::default()
        };
        let c = Config::load(Some(&file), overrides).expect("config loads");
        assert_eq!(c.listen.port(), 4000);
        assert_eq!(c.data_dir, PathBuf::from("/tmp/y"));
        assert_eq!(c.status.timeout_ms, 900);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("sb-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("switchboard.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:4000\"\n").unwrap();
        let err = Config::load(Some(&file), Overrides::default()).expect_err("typo refused");
        assert!(err.to_string().contains("lisen"), "{err}");
    }

    #[test]
    fn webhook_allow_list_entries_are_checked_at_load() {
        let dir = std::env::temp_dir().join(format!("sb-config-allow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("switchboard.toml");
        std::fs::write(
            &file,
            "[notifications]\nwebhook_allow = [\"127.0.0.1:9999\", \"10.0.0.0/8\"]\n",
        )
        .unwrap();
        let c = Config::load(Some(&file), Overrides::default()).expect("config loads");
        let allow: Vec<String> = c
            .notifications
            .webhook_allow
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(allow, ["127.0.0.1:9999", "10.0.0.0/8"]);
        std::fs::write(
            &file,
            "[notifications]\nwebhook_allow = [\"intranet.example\"]\n",
        )
        .unwrap();
        let err = Config::load(Some(&file), Overrides::default()).expect_err("refused");
        assert!(err.to_string().contains("intranet.example"), "{err}");
    }

    #[test]
    fn missing_file_is_an_error() {
        let err = Config::load(
            Some(Path::new("/nonexistent/sb.toml")),
            Overrides::default(),
        )
        .expect_err("missing file refused");
        assert!(err.to_string().contains("does not exist"));
    }
}
