//! Monitoring on both databases against a real local broker: records
//! produced show as a rate at the next pass; a consumer's commits move its
//! lag; lag over the rule's threshold fires an alert that notifies the
//! consumer's team only and resolves when it catches up; an unreachable
//! cluster is marked while the others are sampled; rollups are made and
//! retention deletes old points; another team cannot edit the rule. And the
//! committed-offset read the passes use, on its own.

mod common;

use std::time::Duration;

use app::monitoring::{AlertKind, SeriesKind};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::json;
use switchboard::db::Db;
use switchboard::kafka::{create_topics, Connection, TopicSpec};
use switchboard::monitoring::config::AlertDefault;
use switchboard::monitoring::{store, Monitor, MonitoringConfig};
use time::OffsetDateTime;

use common::app::{admin_config, TestApp};
use common::Broker;

backend_suite!(traffic_lag_and_alerts);

// customer-insights
const ZOE: &str = "zoe.williams";
// field-service: owns fieldservice.job.assigned (home onprem)
const GARETH: &str = "gareth.evans";
// service-desk
const KATE: &str = "kate.morgan";
const EVENT: &str = "fieldservice.job.assigned";
const GROUP: &str = "insights.churn";

fn monitoring() -> MonitoringConfig {
    MonitoringConfig {
        kafka_timeout_ms: 3_000,
        alert_defaults: vec![AlertDefault {
            kind: AlertKind::ConsumerLag,
            threshold: 5.0,
            for_minutes: 1,
        }],
        ..MonitoringConfig::default()
    }
}

async fn produce(bootstrap: &str, topic: &str, n: usize) {
    let p: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "0")
        .create()
        .expect("producer");
    for i in 0..n {
        p.send(
            FutureRecord::to(topic)
                .key(&format!("k{i}"))
                .payload("{}")
                .partition(0),
            Duration::from_secs(10),
        )
        .await
        .expect("produced");
    }
}

/// Commits `offset` on partition 0 for the group, as a consumer would.
fn commit(bootstrap: &str, topic: &str, offset: i64) {
    commit_as(bootstrap, GROUP, &[(topic, 0, offset)]);
}

/// Commits (topic, partition, offset) for `group`, as a consumer would.
fn commit_as(bootstrap: &str, group: &str, offsets: &[(&str, i32, i64)]) {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for (topic, partition, offset) in offsets {
        tpl.add_partition_offset(topic, *partition, Offset::Offset(*offset))
            .expect("offset");
    }
    c.commit(&tpl, CommitMode::Sync).expect("committed");
}

async fn lag_of(db: &Db, grant: &str) -> Option<f64> {
    store::of_subject(db, SeriesKind::GroupLag, grant)
        .await
        .expect("series")
        .first()
        .and_then(|s| s.last_value)
}

async fn traffic_lag_and_alerts(db: Db) {
    let broker = Broker::start();
    let mut clusters = switchboard::demo::demo_clusters(19092);
    for c in &mut clusters {
        c.bootstrap_servers = match c.id.as_str() {
            "onprem" => broker.bootstrap(),
            // Nothing listens there: sampled as unreachable.
            _ => format!("127.0.0.1:{}", common::free_port()),
        };
    }
    let mut cfg = admin_config();
    cfg.provision.kafka_timeout_ms = 3_000;
    cfg.monitoring = monitoring();
    let app = TestApp::with_clusters(db.clone(), cfg, clusters).await;
    let topic: String = sqlx::query_scalar("SELECT topic FROM events WHERE name = $1")
        .bind(EVENT)
        .fetch_one(db.pool())
        .await
        .expect("topic");
    create_topics(
        &Connection::plaintext(broker.bootstrap()),
        &[TopicSpec {
            name: topic.clone(),
            partitions: 1,
            replication: -1,
        }],
        Duration::from_secs(10),
    )
    .await
    .expect("topic made");

    // Zoe's team consumes the event on onprem.
    let application = app
        .register_app(ZOE, "customer-insights", "churn-model", &["onprem"])
        .await;
    let r = app.consume(ZOE, &application, EVENT, "onprem").await;
    app.decide(GARETH, &r.id, true).await;
    app.run_jobs().await;
    let grant: String = sqlx::query_scalar::<_, i64>("SELECT id FROM grants WHERE request_id = $1")
        .bind(r.id.parse::<i64>().expect("id"))
        .fetch_one(db.pool())
        .await
        .expect("grant")
        .to_string();

    let monitor = Monitor::new(db.clone(), monitoring());
    // Passes are dated in the recent past, so the charts (drawn up to now) show them.
    let t0 = OffsetDateTime::now_utc() - time::Duration::seconds(300);
    let at = |secs: i64| t0 + time::Duration::seconds(secs);

    // First pass: totals only; the unreachable clusters are marked, onprem is not.
    let first = monitor.run_pass(at(0)).await.expect("pass");
    let onprem = first
        .sampled
        .iter()
        .find(|(c, _)| c == "onprem")
        .expect("onprem");
    assert!(onprem.1.is_ok(), "{first:?}");
    for other in ["aws", "gcp"] {
        let (_, outcome) = first
            .sampled
            .iter()
            .find(|(c, _)| c == other)
            .expect("sampled");
        assert!(outcome.is_err(), "{other} has no broker: {first:?}");
    }
    // A second worker leaves the clusters and the mesh-wide work to the first.
    let other = Monitor::new(db.clone(), monitoring());
    let second_worker = other.run_pass(at(1)).await.expect("pass");
    assert!(second_worker.sampled.is_empty(), "{second_worker:?}");
    assert_eq!(second_worker.skipped.len(), 3, "{second_worker:?}");
    assert!(!second_worker.evaluated);
    let map = app.state.monitoring.map(None).await.expect("map");
    let reach: Vec<(String, bool)> = map
        .nodes
        .iter()
        .map(|n| (n.cluster.clone(), n.reachable))
        .collect();
    assert!(reach.contains(&("onprem".into(), true)), "{reach:?}");
    assert!(reach.contains(&("aws".into(), false)), "{reach:?}");
    let rule_count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM alert_rules WHERE grant_id = $1")
            .bind(grant.parse::<i64>().expect("id"))
            .fetch_one(db.pool())
            .await
            .expect("rules");
    assert_eq!(rule_count, 1, "the grant got its default lag rule");

    // 60 records in 30 s: 2 records/s at the next pass.
    produce(&broker.bootstrap(), &topic, 60).await;
    commit(&broker.bootstrap(), &topic, 50);
    let second = monitor.run_pass(at(30)).await.expect("pass");
    assert!(
        second
            .sampled
            .iter()
            .any(|(c, r)| c == "onprem" && r.is_ok()),
        "{second:?}"
    );
    let rate = store::of_subject(&db, SeriesKind::TopicRate, EVENT)
        .await
        .expect("series");
    let onprem_rate = rate
        .iter()
        .find(|s| s.cluster == "onprem")
        .expect("onprem rate");
    assert_eq!(onprem_rate.last_value, Some(2.0), "{rate:?}");
    assert_eq!(lag_of(&db, &grant).await, Some(10.0));

    // Lag over 5 for a minute fires (pending first), then notifies her team only.
    monitor.run_pass(at(60)).await.expect("pass");
    let fired = monitor.run_pass(at(95)).await.expect("pass");
    assert_eq!(fired.fired.len(), 1, "{fired:?}");
    let notifications = app.state.notify.run_pass().await.expect("notifier");
    assert!(notifications.notifications > 0, "{notifications:?}");
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT n.user_id FROM notifications n JOIN audit_log a ON a.id = n.audit_id \
         WHERE a.action = 'alert.firing' ORDER BY n.user_id",
    )
    .fetch_all(db.pool())
    .await
    .expect("told");
    assert!(told.contains(&ZOE.to_string()), "{told:?}");
    assert!(
        !told.contains(&GARETH.to_string()),
        "the owners are not told of a consumer's lag: {told:?}"
    );
    let alerts = app
        .state
        .monitoring
        .alerts(app.caller(ZOE).await)
        .await
        .expect("alerts");
    assert_eq!(alerts.firing.len(), 1, "{alerts:?}");
    assert!(
        alerts.firing[0].summary.contains("10 records"),
        "{:?}",
        alerts.firing[0]
    );

    // The event page's API shows the chart and the consumer.
    let traffic = app
        .as_user(ZOE)
        .get(&format!("/api/v1/events/{EVENT}/traffic?range=hour"))
        .await;
    assert_eq!(traffic.status, 200, "{}", traffic.body);
    let body = traffic.json();
    let consumers = body["consumers"].as_array().expect("consumers");
    assert_eq!(consumers.len(), 1, "{body}");
    assert_eq!(consumers[0]["lag"], json!(10));
    assert_eq!(consumers[0]["group"], json!(GROUP));
    assert!(consumers[0]["last_commit_at"].is_string(), "{body}");
    let points = body["rate"]["series"][0]["points"]
        .as_array()
        .expect("points");
    assert!(!points.is_empty(), "{body}");
    let bad = app
        .as_user(ZOE)
        .get(&format!("/api/v1/events/{EVENT}/traffic?range=decade"))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    // Another team cannot edit the rule; nothing changes. Her team can.
    let rule_id = alerts
        .rules
        .iter()
        .find(|r| r.grant_id.as_deref() == Some(&grant))
        .expect("rule")
        .id
        .clone();
    let edit = json!({"threshold": 1000.0, "for_minutes": 5, "enabled": true});
    let refused = app
        .as_user(KATE)
        .put_json(&format!("/api/v1/alerts/rules/{rule_id}"), &edit)
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let threshold: f64 = sqlx::query_scalar("SELECT threshold FROM alert_rules WHERE id = $1")
        .bind(rule_id.parse::<i64>().expect("id"))
        .fetch_one(db.pool())
        .await
        .expect("threshold");
    assert_eq!(threshold, 5.0);
    let invalid = app
        .as_user(ZOE)
        .put_json(
            &format!("/api/v1/alerts/rules/{rule_id}"),
            &json!({"threshold": -1.0, "for_minutes": 5, "enabled": true}),
        )
        .await;
    assert_eq!(invalid.status, 400, "{}", invalid.body);

    // Catching up resolves the alert.
    commit(&broker.bootstrap(), &topic, 60);
    let resolved = monitor.run_pass(at(125)).await.expect("pass");
    assert_eq!(lag_of(&db, &grant).await, Some(0.0));
    assert_eq!(resolved.resolved.len(), 1, "{resolved:?}");
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'alert.%' ORDER BY id")
            .fetch_all(db.pool())
            .await
            .expect("audit");
    assert_eq!(actions, vec!["alert.firing", "alert.resolved"]);

    // Rollups are made; retention deletes what is past it.
    let later = at(3 * 3_600);
    monitor.run_pass(later).await.expect("pass");
    let series: i64 = sqlx::query_scalar("SELECT MIN(id) FROM metric_series")
        .fetch_one(db.pool())
        .await
        .expect("series");
    let now = later.unix_timestamp();
    let rolled = store::points(&db, series, 300, now - 86_400, now)
        .await
        .expect("rollups");
    assert!(!rolled.is_empty(), "5-minute rollups were made");
    assert!(rolled.iter().all(|p| p.at % 300 == 0 && p.min.is_some()));
    let old = now - 40 * 86_400;
    let point = |at| app::monitoring::Point {
        at,
        value: 1.0,
        min: None,
        max: None,
    };
    let mut tx = db.begin().await.expect("tx");
    store::append(&db, &mut tx, 0, &[(series, point(now - 2 * 86_400))])
        .await
        .expect("old raw point");
    store::append(&db, &mut tx, 3_600, &[(series, point(old))])
        .await
        .expect("old hourly point");
    tx.commit().await.expect("commit");
    // Points an earlier version stored one per row are moved into blocks.
    let legacy = now - 600;
    sqlx::query("INSERT INTO metric_points (series_id, step, at, value) VALUES ($1, 0, $2, 42.0)")
        .bind(series)
        .bind(legacy)
        .execute(db.pool())
        .await
        .expect("legacy point");
    monitor
        .run_pass(later + time::Duration::seconds(30))
        .await
        .expect("pass");
    let blocks_before_retention: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM metric_blocks WHERE start < $1")
            .bind(now - 86_400 - 3_600)
            .fetch_one(db.pool())
            .await
            .expect("old blocks");
    assert_eq!(
        blocks_before_retention, 0,
        "blocks past retention are deleted"
    );
    let raw = store::points(&db, series, 0, now - 3_600, now + 60)
        .await
        .expect("raw");
    assert!(
        raw.iter().any(|p| p.at == legacy && p.value == 42.0),
        "the legacy point is in its block: {raw:?}"
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM metric_points")
        .fetch_one(db.pool())
        .await
        .expect("legacy rows");
    assert_eq!(left, 0, "legacy rows are moved, not copied");
    broker.stop();
}

/// `committed_offsets` against a real broker: exact offsets of a group that
/// committed on two partitions, nothing for a group that committed elsewhere
/// or never existed (more groups than are read at once), and every group
/// failed, within the timeout, when nothing answers.
#[tokio::test]
async fn committed_offsets_of_many_groups() {
    use std::collections::{BTreeMap, HashMap};
    use switchboard::kafka::offsets::committed_offsets;

    let broker = Broker::start();
    let bootstrap = broker.bootstrap();
    let conn = Connection::plaintext(&bootstrap);
    let timeout = Duration::from_secs(5);
    let specs = [("offsets.two", 2), ("offsets.one", 1)].map(|(name, partitions)| TopicSpec {
        name: name.into(),
        partitions,
        replication: -1,
    });
    create_topics(&conn, &specs, timeout).await.expect("topics");
    let b = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        commit_as(
            &b,
            "readers.both",
            &[("offsets.two", 0, 7), ("offsets.two", 1, 3)],
        );
        commit_as(&b, "readers.other", &[("offsets.one", 0, 5)]);
    })
    .await
    .expect("committed");

    let two = vec![
        ("offsets.two".to_string(), 0),
        ("offsets.two".to_string(), 1),
    ];
    let mut wanted = vec![
        // A duplicate partition is read once.
        (
            "readers.both".to_string(),
            [two.clone(), vec![two[1].clone()]].concat(),
        ),
        ("readers.other".to_string(), two.clone()),
        ("readers.none".to_string(), two.clone()),
    ];
    let ghosts: Vec<String> = (0..300).map(|n| format!("ghost.{n}")).collect();
    wanted.extend(ghosts.iter().map(|g| (g.clone(), two.clone())));
    let (answered, failed) = committed_offsets(&conn, wanted, timeout).await;
    assert!(failed.is_empty(), "{failed:?}");
    let both: HashMap<String, BTreeMap<i32, i64>> =
        HashMap::from([("offsets.two".into(), BTreeMap::from([(0, 7), (1, 3)]))]);
    assert_eq!(answered.get("readers.both"), Some(&both));
    // Committed nothing there (only on another topic); never existed.
    for group in ["readers.other", "readers.none"] {
        assert_eq!(answered.get(group), Some(&HashMap::new()), "{group}");
    }
    assert_eq!(answered.len(), 3 + ghosts.len());
    assert!(ghosts.iter().all(|g| answered[g].is_empty()));

    // The same group asked for the topic it committed on.
    let (answered, failed) = committed_offsets(
        &conn,
        vec![("readers.other".into(), vec![("offsets.one".into(), 0)])],
        timeout,
    )
    .await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        answered.get("readers.other"),
        Some(&HashMap::from([(
            "offsets.one".into(),
            BTreeMap::from([(0, 5)])
        )]))
    );

    // Nothing listens: every group fails, within the timeout.
    let nowhere = Connection::plaintext(format!("127.0.0.1:{}", common::free_port()));
    let started = std::time::Instant::now();
    let short = Duration::from_secs(2);
    let (answered, failed) = committed_offsets(
        &nowhere,
        vec![("a".into(), two.clone()), ("b".into(), two)],
        short,
    )
    .await;
    assert!(answered.is_empty(), "{answered:?}");
    let mut names: Vec<&str> = failed.iter().map(|(g, _)| g.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["a", "b"], "{failed:?}");
    assert!(
        started.elapsed() < short + Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    broker.stop();
}
