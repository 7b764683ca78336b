//! `switchboard serve`: database, clusters, demo mesh, HTTP server, and an
//! orderly stop of all of it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use leptos::config::LeptosOptions;

use crate::catalogue::{CatalogueService, DiscoveryService, EventSchemaService};
use crate::clusters::{self, ClusterService, ClusterSpec, StatusBoard};
use crate::config::Config;
use crate::db::Db;
use crate::demo::{demo_clusters, DemoMesh};
use crate::registry::propagation::Propagator;
use crate::registry::RegistryService;
use crate::search::SearchIndex;
use crate::state::AppState;

pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    if config.demo.enabled && config.mesh.events.is_empty() {
        // The demo shows a running link from the start: NOC alarms (home
        // onprem) are always mirrored to gcp.
        config.mesh.events.push(crate::mesh::config::EventLinks {
            event: "network.alarm.raised".into(),
            include: vec!["gcp".into()],
            exclude: Vec::new(),
        });
    }
    if config.demo.enabled
        && config.monitoring.alert_defaults
            == crate::monitoring::MonitoringConfig::default().alert_defaults
    {
        // Thresholds a newcomer sees fire within minutes of start.
        config.monitoring.alert_defaults = crate::monitoring::MonitoringConfig::demo_defaults();
    }
    crate::auth::check_config(&config).context("invalid sign-in configuration")?;
    crate::metrics::check_config(&config.metrics)
        .map_err(anyhow::Error::msg)
        .context("invalid metrics configuration")?;
    config
        .mesh
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid [mesh] configuration: {e}"))?;
    prepare_data_dir(&config.data_dir)?;
    let db = open_database(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;

    let mut specs = config.clusters.clone();
    let demo = if config.demo.enabled {
        specs.extend(demo_clusters(config.demo.base_port));
        Some(DemoMesh::start(&config.demo, &config.data_dir.join("demo")).await?)
    } else {
        None
    };
    register_clusters(&db, specs).await?;
    if config.demo.enabled {
        let seeded = crate::catalogue::seed::seed(&db, Duration::from_secs(10))
            .await
            .context("cannot seed the demo catalogue")?;
        tracing::info!(
            events_added = seeded.events_added,
            topics = seeded.topics_created,
            "demo catalogue ready"
        );
        let grants = crate::demo::seed_grants(&db, config.access.default_months)
            .await
            .context("cannot seed the demo grants")?;
        if grants.applications_added + grants.requests_added.len() > 0 {
            tracing::info!(
                applications_added = grants.applications_added,
                grants_added = grants.requests_added.len(),
                "demo grants seeded"
            );
        }
    }

    let index_dir = config.data_dir.join("index");
    let (index, needs_rebuild) =
        SearchIndex::open(&index_dir).context("cannot open the search index")?;
    let marker = Some(index_dir.join("db-state"));
    let state = app_state(db.clone(), &config, Arc::new(index), marker);
    let indexed = state.catalogue.ensure_fresh(needs_rebuild).await?;
    if let Some(count) = indexed {
        tracing::info!(events = count, "search index rebuilt from the database");
    }
    let (registered, updated) = state
        .schemas
        .reconcile()
        .await
        .context("cannot align event schemas with the registry")?;
    if registered + updated > 0 {
        tracing::info!(
            registered,
            updated,
            "event schemas aligned with the registry"
        );
    }
    let warm = state.clusters.clone();
    tokio::spawn(async move { warm.warm_up().await });
    let warm = state.catalogue.clone();
    tokio::spawn(async move { warm.warm_topic_facts().await });
    // Replicas on one PostgreSQL database see each other's catalogue changes.
    let replicas = [
        state.catalogue.follow_replicas(),
        state.registry.follow_replicas(),
    ];
    state
        .discovery
        .spawn_periodic(Duration::from_secs(config.discovery_interval_secs));
    let propagation = Arc::new(Propagator::new(db.clone())).spawn(Duration::from_secs(
        config.registry.propagation_interval_secs.max(1),
    ));

    let notifier = state.notify.spawn();
    // Several `switchboard worker` processes may run instead (scale-out).
    let worker = config.provision.in_process.then(|| {
        crate::provision::Worker::start(&db, state.access.clone(), state.registry.clone(), &config)
    });
    state.access.spawn_sweep(Duration::from_secs(
        config.access.sweep_interval_secs.max(1),
    ));

    // Records and consumers on the demo mesh, so monitoring has something to show.
    let traffic = if config.demo.enabled && config.demo.traffic {
        match crate::demo::Traffic::start(&db, crate::demo::TrafficOptions::default()).await {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!(error = %e, "demo traffic not started");
                None
            }
        }
    } else {
        None
    };

    tracing::info!(
        url = %format!("http://{}", config.listen),
        backend = ?db.backend(),
        data_dir = %config.data_dir.display(),
        "Switchboard is serving"
    );
    // The peer address feeds the sign-in rate limit.
    let app =
        crate::http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(http_listener(listener), app)
        .with_graceful_shutdown(crate::shutdown::signal_received())
        .await
        .context("HTTP server failed");

    if let Some(worker) = worker {
        worker.stop().await;
    }
    for follower in replicas.into_iter().flatten() {
        follower.abort();
    }
    propagation.stop().await;
    notifier.stop().await;
    if let Some(traffic) = traffic {
        traffic.stop().await;
    }
    if let Some(demo) = demo {
        demo.stop().await;
    }
    db.close().await;
    tracing::info!("stopped");
    result
}

/// The listener the portal serves on. Responses are streamed in several small
/// writes; without TCP_NODELAY, Nagle's algorithm meets the client's delayed
/// ACK and every page on a kept-alive connection waits about 40 ms.
pub fn http_listener(
    listener: tokio::net::TcpListener,
) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    fn no_delay(tcp: &mut tokio::net::TcpStream) {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    }
    axum::serve::ListenerExt::tap_io(listener, no_delay as fn(&mut tokio::net::TcpStream))
}

pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.effective_database_url()).await?;
    db.migrate().await?;
    Ok(db)
}

/// Builds the state the router needs; tests use it with their own database
/// and an in-memory index.
pub fn app_state(
    db: Db,
    config: &Config,
    index: Arc<SearchIndex>,
    index_marker: Option<PathBuf>,
) -> AppState {
    let board = StatusBoard::new(
        Duration::from_millis(config.status.timeout_ms),
        Duration::from_millis(config.status.cache_ttl_ms),
    );
    let leptos_options = LeptosOptions::builder()
        .output_name("switchboard")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    let catalogue = Arc::new(CatalogueService::new(
        db.clone(),
        index,
        index_marker,
        crate::catalogue::TopicFacts::new(
            Duration::from_millis(config.status.cache_ttl_ms),
            Duration::from_millis(config.status.timeout_ms),
        ),
    ));
    // The demo lets anyone try the registry API, as it offers the development sign-in.
    let registry = Arc::new(RegistryService::new(
        db.clone(),
        config.registry.anonymous_writes || config.demo.enabled,
    ));
    let access = Arc::new(
        crate::access::AccessService::new(db.clone(), catalogue.clone(), config.access.clone())
            .with_mesh(
                config.mesh.clone(),
                config.provision.idempotent_write_clusters.clone(),
            ),
    );
    let auth = Arc::new(crate::auth::AuthService::new(db.clone(), config));
    AppState {
        tokens: Arc::new(crate::auth::tokens::TokenService::new(
            db.clone(),
            auth.clone(),
        )),
        leptos_options,
        clusters: Arc::new(ClusterService::new(db.clone(), board)),
        discovery: Arc::new(DiscoveryService::new(
            db.clone(),
            catalogue.clone(),
            Duration::from_millis(config.status.timeout_ms),
        )),
        catalogue: catalogue.clone(),
        auth,
        schemas: Arc::new(EventSchemaService::new(
            db.clone(),
            registry.clone(),
            catalogue.clone(),
        )),
        asyncapi: Arc::new(crate::asyncapi::AsyncApiService::new(
            db.clone(),
            catalogue.clone(),
            registry.clone(),
            access.clone(),
        )),
        monitoring: Arc::new(crate::monitoring::MonitoringService::new(
            db.clone(),
            config.monitoring.clone(),
            access.clone(),
        )),
        access: access.clone(),
        registry,
        notify: Arc::new(crate::notify::NotifyService::new(db.clone(), config)),
        mesh: Arc::new(crate::mesh::MeshService::new(
            db.clone(),
            config.clone(),
            access,
        )),
        metrics: Arc::new(crate::metrics::Metrics::new(&config.metrics)),
        db,
    }
}

/// Validates and stores the configured clusters; one invalid spec stops the start.
pub async fn register_clusters(db: &Db, specs: Vec<ClusterSpec>) -> anyhow::Result<()> {
    let clusters = specs
        .into_iter()
        .map(ClusterSpec::validate)
        .collect::<Result<Vec<_>, _>>()
        .context("invalid cluster in configuration")?;
    for cluster in &clusters {
        if clusters::upsert(db, cluster, "config").await? {
            tracing::info!(
                cluster = cluster.id(),
                "cluster registered from configuration"
            );
        }
    }
    Ok(())
}

fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create data directory {}", dir.display()))?;
    let probe = dir.join(".write-check");
    std::fs::write(&probe, b"ok")
        .with_context(|| format!("data directory {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::serve::Listener;

    #[tokio::test]
    async fn accepted_connections_do_not_wait_for_delayed_acks() {
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let mut listener = super::http_listener(socket);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await;
        assert!(
            accepted.nodelay().unwrap(),
            "TCP_NODELAY is set on accepted sockets"
        );
    }
}
