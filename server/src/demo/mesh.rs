use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use app::clusters::{Flavour, Platform};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::clusters::{ClusterSpec, SecuritySpec};
use crate::config::DemoConfig;
use crate::kafka::{self, Connection};

/// The three demo clusters: id, name, platform, region. Ports follow `base_port`.
const DEMO: [(&str, &str, Platform, &str); 3] = [
    (
        "onprem",
        "On-premises Amsterdam",
        Platform::OnPremises,
        "dc-ams-1",
    ),
    ("aws", "AWS Ireland", Platform::Aws, "eu-west-1"),
    ("gcp", "GCP Netherlands", Platform::Gcp, "europe-west4"),
];

pub fn demo_clusters(base_port: u16) -> Vec<ClusterSpec> {
    DEMO.iter()
        .zip(0u16..)
        .map(|((id, name, platform, region), i)| ClusterSpec {
            id: (*id).into(),
            name: (*name).into(),
            platform: *platform,
            region: (*region).into(),
            bootstrap_servers: format!("127.0.0.1:{}", base_port + i),
            flavour: Flavour::ApacheKafka,
            in_mesh: true,
            security: SecuritySpec::default(),
            schema_registry_url: None,
            schema_registry_username: None,
            schema_registry_password_env: None,
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo broker binary `{0}` not found: run scripts/setup.sh, or set demo.broker_bin")]
    BrokerMissing(PathBuf),
    #[error("cannot start demo broker `{id}`: {reason}")]
    Start { id: String, reason: String },
    #[error(
        "port {port} for demo cluster `{id}` is in use by something that is not a Kafka broker"
    )]
    PortInUse { id: String, port: u16 },
}

/// Brokers this process started; they are stopped by `stop` (or killed on drop).
pub struct DemoMesh {
    children: Vec<(String, Child)>,
}

impl DemoMesh {
    pub async fn start(config: &DemoConfig, log_dir: &Path) -> Result<DemoMesh, DemoError> {
        let mut mesh = DemoMesh {
            children: Vec::new(),
        };
        for (spec, offset) in demo_clusters(config.base_port).into_iter().zip(0u16..) {
            let port = config.base_port + offset;
            if port_open(port).await {
                // A broker left by an earlier run (for example after a crash) is reused.
                let conn = Connection::plaintext(&spec.bootstrap_servers);
                if kafka::probe(&conn, Duration::from_secs(2)).await.is_ok() {
                    tracing::warn!(cluster = %spec.id, port, "reusing a Kafka broker already listening");
                    continue;
                }
                return Err(DemoError::PortInUse { id: spec.id, port });
            }
            let child = spawn_broker(config, &spec.id, port, log_dir).await?;
            mesh.children.push((spec.id.clone(), child));
        }
        Ok(mesh)
    }

    pub async fn stop(mut self) {
        for (id, child) in &mut self.children {
            // Memory storage holds nothing worth a graceful stop.
            if let Err(e) = child.kill().await {
                tracing::warn!(cluster = %id, error = %e, "could not stop demo broker");
            } else {
                tracing::info!(cluster = %id, "demo broker stopped");
            }
        }
    }
}

async fn spawn_broker(
    config: &DemoConfig,
    id: &str,
    port: u16,
    log_dir: &Path,
) -> Result<Child, DemoError> {
    let start_err = |reason: String| DemoError::Start {
        id: id.to_string(),
        reason,
    };
    std::fs::create_dir_all(log_dir)
        .map_err(|e| start_err(format!("{}: {e}", log_dir.display())))?;
    let log_path = log_dir.join(format!("broker-{id}.log"));
    let log = std::fs::File::create(&log_path)
        .map_err(|e| start_err(format!("{}: {e}", log_path.display())))?;
    let log_err = log.try_clone().map_err(|e| start_err(e.to_string()))?;
    let url = format!("tcp://127.0.0.1:{port}");
    let mut child = Command::new(&config.broker_bin)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
        ])
        .args([
            "--storage-engine",
            &format!("memory://{id}/"),
            "--cluster-id",
            id,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DemoError::BrokerMissing(config.broker_bin.clone()),
            _ => start_err(e.to_string()),
        })?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(start_err(format!(
                "broker exited ({status}); see {}",
                log_path.display()
            )));
        }
        if port_open(port).await {
            tracing::info!(cluster = id, port, log = %log_path.display(), "demo broker started");
            return Ok(child);
        }
        if Instant::now() > deadline {
            let _ = child.kill().await;
            return Err(start_err(format!(
                "not listening on port {port} after 20 s; see {}",
                log_path.display()
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn port_open(port: u16) -> bool {
    matches!(
        tokio::time::timeout(
            Duration::from_millis(300),
            TcpStream::connect(("127.0.0.1", port))
        )
        .await,
        Ok(Ok(_))
    )
}
