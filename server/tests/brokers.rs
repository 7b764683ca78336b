//! Cluster status and the demo mesh against real local Kafka-protocol brokers (Nisshi).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::clusters::{ClusterStatus, Platform};
use app::services::ClusterDirectory;
use switchboard::clusters::{self, ClusterService, ClusterSpec, StatusBoard};
use switchboard::config::DemoConfig;
use switchboard::demo::{demo_clusters, DemoMesh};
use switchboard::kafka::{probe, Connection};

use common::{port_open, Broker, TestDb};

fn spec(id: &str, bootstrap: String) -> ClusterSpec {
    ClusterSpec {
        id: id.into(),
        name: id.into(),
        platform: Platform::OnPremises,
        region: String::new(),
        bootstrap_servers: bootstrap,
        flavour: app::clusters::Flavour::ApacheKafka,
        in_mesh: true,
        security: Default::default(),
        schema_registry_url: None,
        schema_registry_username: None,
        schema_registry_password_env: None,
    }
}

#[tokio::test]
async fn probe_reads_brokers_and_topics_from_a_real_broker() {
    let broker = Broker::start();
    let p = probe(
        &Connection::plaintext(broker.bootstrap()),
        Duration::from_secs(5),
    )
    .await
    .expect("broker answers");
    assert_eq!(p.broker_count, 1);
    assert_eq!(p.topic_count, 0);
}

#[tokio::test]
async fn a_stopped_broker_shows_unreachable_and_pages_stay_fast() {
    let db = TestDb::sqlite().await;
    let broker = Broker::start();
    let cluster = spec("onprem", broker.bootstrap())
        .validate()
        .expect("valid");
    clusters::upsert(&db.db, &cluster, "test")
        .await
        .expect("insert");
    let board = StatusBoard::new(Duration::from_millis(1500), Duration::from_millis(200));
    let service = Arc::new(ClusterService::new(db.db.clone(), board));
    // Signed in: the broker's error is shown.
    let caller = app::auth::Caller {
        user_id: "staff.member".into(),
        admin: false,
        teams: Vec::new(),
    };
    let caller = Some(&caller);

    let list = service.list(caller).await.expect("list");
    assert!(list[0].status.is_reachable(), "{:?}", list[0].status);

    broker.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Stale entry: answered at once from cache while a background check runs.
    let started = Instant::now();
    let list = service.list(caller).await.expect("list");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert!(list[0].status.is_reachable());

    // The background check lands within the probe timeout.
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        let started = Instant::now();
        let list = service.list(caller).await.expect("list");
        assert!(started.elapsed() < Duration::from_millis(500));
        if let ClusterStatus::Unreachable { error, .. } = &list[0].status {
            assert!(error.contains("no broker answered"), "{error}");
            break;
        }
        assert!(Instant::now() < deadline, "status never turned unreachable");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    db.cleanup().await;
}

#[tokio::test]
async fn demo_mesh_starts_three_reachable_brokers_and_stops_them() {
    // Three consecutive free ports.
    let base = loop {
        let p = common::free_port();
        if p < 65000 && !port_open(p + 1) && !port_open(p + 2) {
            break p;
        }
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let config = DemoConfig {
        enabled: true,
        broker_bin: common::broker_bin().into(),
        base_port: base,
        ..DemoConfig::default()
    };
    let mesh = DemoMesh::start(&config, dir.path())
        .await
        .expect("mesh starts");
    let specs = demo_clusters(base);
    assert_eq!(
        specs.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["onprem", "aws", "gcp"]
    );
    for s in &specs {
        probe(
            &Connection::plaintext(&s.bootstrap_servers),
            Duration::from_secs(5),
        )
        .await
        .unwrap_or_else(|e| panic!("{} unreachable: {e}", s.id));
    }
    mesh.stop().await;
    for offset in 0..3 {
        assert!(
            !port_open(base + offset),
            "broker on {} still runs",
            base + offset
        );
    }
}

#[tokio::test]
async fn demo_mesh_reports_a_missing_broker_binary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = DemoConfig {
        enabled: true,
        broker_bin: "/nonexistent/nisshi".into(),
        base_port: common::free_port(),
        ..DemoConfig::default()
    };
    let err = DemoMesh::start(&config, dir.path())
        .await
        .err()
        .expect("must fail");
    assert!(err.to_string().contains("not found"), "{err}");
}

/// Consumer groups and their lag, from a real broker: a group that read and
/// committed part of a topic is listed and behind by exactly the rest.
#[tokio::test]
async fn consumer_groups_and_their_lag() {
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    use rdkafka::producer::{FutureProducer, FutureRecord};
    use rdkafka::{ClientConfig, Offset, TopicPartitionList};
    use switchboard::kafka::groups::{group_lag, list_groups};

    let broker = common::Broker::start();
    let conn = switchboard::kafka::Connection::plaintext(broker.bootstrap());
    let t = std::time::Duration::from_secs(10);
    switchboard::kafka::create_topics(
        &conn,
        &[switchboard::kafka::TopicSpec {
            name: "lag.v1".into(),
            partitions: 2,
            replication: -1,
        }],
        t,
    )
    .await
    .expect("topic");
    let p: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap())
        .create()
        .expect("producer");
    for n in 0..10 {
        p.send(
            FutureRecord::<(), _>::to("lag.v1")
                .payload("x")
                .partition(n % 2),
            t,
        )
        .await
        .expect("produced");
    }
    let bootstrap = broker.bootstrap();
    tokio::task::spawn_blocking(move || {
        let c: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("group.id", "lag-readers")
            .set("enable.auto.commit", "false")
            .create()
            .expect("consumer");
        let mut done = TopicPartitionList::new();
        done.add_partition_offset("lag.v1", 0, Offset::Offset(5))
            .expect("p0");
        done.add_partition_offset("lag.v1", 1, Offset::Offset(2))
            .expect("p1");
        c.commit(&done, CommitMode::Sync).expect("commit");
    })
    .await
    .expect("committed");
    let groups = list_groups(&conn, t).await.expect("groups");
    assert!(groups.iter().any(|g| g.name == "lag-readers"), "{groups:?}");
    let lag = group_lag(&conn, "lag-readers", "lag.v1", t)
        .await
        .expect("lag");
    let by_partition: Vec<(i32, Option<i64>, i64)> = lag
        .iter()
        .map(|l| (l.partition, l.committed, l.lag))
        .collect();
    assert_eq!(by_partition, [(0, Some(5), 0), (1, Some(2), 3)]);
}
