//! The demo grants and the demo traffic against a real broker (Nisshi): the
//! grants are seeded once however often seeding runs, the busy topics' end
//! offsets grow, the quiet event stops, an eager group keeps up and the slow
//! group falls behind.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use app::clusters::Platform;
use switchboard::clusters::{self, ClusterSpec};
use switchboard::db::Db;
use switchboard::demo::{seed_grants, Traffic, TrafficOptions, DEMO_GRANTS, QUIET_EVENT};
use switchboard::kafka::groups::group_lag;
use switchboard::kafka::Connection;

use common::{Broker, TestDb};

const TIMEOUT: Duration = Duration::from_secs(10);

/// The three demo clusters, all on one broker (their topic names differ),
/// so the test runs one broker instead of three.
async fn demo_clusters_on(db: &Db, bootstrap: &str) {
    for id in ["onprem", "aws", "gcp"] {
        let spec = ClusterSpec {
            id: id.into(),
            name: id.into(),
            platform: Platform::OnPremises,
            region: String::new(),
            bootstrap_servers: bootstrap.into(),
            flavour: app::clusters::Flavour::ApacheKafka,
            in_mesh: true,
            security: Default::default(),
            schema_registry_url: None,
            schema_registry_username: None,
            schema_registry_password_env: None,
        };
        clusters::upsert(db, &spec.validate().expect("valid"), "test")
            .await
            .expect("cluster stored");
    }
}

/// (committed, end) summed over the topic's partitions for `group`; a group
/// that never commits reads just the end offsets.
async fn offsets(conn: &Connection, group: &str, topic: &str) -> (i64, i64) {
    let lag = group_lag(conn, group, topic, TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("offsets of {topic}: {e}"));
    assert!(!lag.is_empty(), "{topic} has partitions");
    (
        lag.iter().map(|p| p.committed.unwrap_or(0)).sum(),
        lag.iter().map(|p| p.high_watermark).sum(),
    )
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn demo_grants_are_seeded_once_and_the_traffic_moves_offsets_and_lag() {
    let test_db = TestDb::sqlite().await;
    let db = test_db.db.clone();
    let broker = Broker::start();
    demo_clusters_on(&db, &broker.bootstrap()).await;
    switchboard::catalogue::seed::seed(&db, Duration::from_secs(30))
        .await
        .expect("demo catalogue seeded");

    let seeded = seed_grants(&db, 12).await.expect("grants seeded");
    assert_eq!(seeded.requests_added.len(), DEMO_GRANTS.len());
    assert_eq!(seeded.applications_added, DEMO_GRANTS.len());
    let again = seed_grants(&db, 12).await.expect("seeding again");
    assert!(again.requests_added.is_empty() && again.applications_added == 0);

    // What the monitoring's sampler reads: groups of active consume grants.
    let groups: Vec<String> = sqlx::query_scalar(
        "SELECT r.group_name FROM grants g JOIN requests r ON r.id = g.request_id \
         WHERE g.state = 'active' AND r.state = 'active' AND r.kind = 'consume' \
         ORDER BY r.group_name",
    )
    .fetch_all(db.pool())
    .await
    .expect("groups");
    let mut expected: Vec<String> = DEMO_GRANTS.iter().map(|g| g.group.to_string()).collect();
    expected.sort();
    assert_eq!(groups, expected);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM grants WHERE bindings_json NOT LIKE '[{%'"
        )
        .await,
        0,
        "every grant carries its ACL bindings"
    );
    // The audit trail a real approval leaves, and approved steps to show.
    for action in [
        "request.submitted",
        "request.approved",
        "request.provisioning",
        "request.active",
    ] {
        let n = count(
            &db,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"),
        )
        .await;
        assert_eq!(n, 4, "{action}");
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM request_approvals WHERE decision IS NULL OR decision <> 'approved'").await,
        0
    );
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM request_approvals WHERE step = 'data_protection'"
        )
        .await
            >= 1,
        "PII events passed data protection"
    );

    let options = TrafficOptions {
        speed: 10.0,
        quiet_after: Duration::from_secs(3),
        tick: Duration::from_millis(100),
    };
    let traffic = Traffic::start(&db, options).await.expect("traffic starts");
    let plan = traffic.plan().clone();
    assert!(plan.streams.len() >= 12, "{:?}", plan.streams);
    assert_eq!(plan.consumers.len(), DEMO_GRANTS.len());
    let conn = Connection::plaintext(broker.bootstrap());
    let topic_of = |event: &str| {
        plan.streams
            .iter()
            .find(|(e, _, _)| e == event)
            .map(|(_, _, t)| t.clone())
            .unwrap_or_else(|| panic!("{event} is produced"))
    };
    let probe = "demo-traffic-test-never-commits";

    tokio::time::sleep(Duration::from_secs(2)).await;
    let busy = [
        "network.device.health",
        "usage.mobile.session",
        "order.placed",
    ];
    let mut before = BTreeMap::new();
    for event in busy {
        before.insert(event, offsets(&conn, probe, &topic_of(event)).await.1);
    }

    // Past the quiet event's time, with what it sent delivered.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let quiet_topic = topic_of(QUIET_EVENT);
    let (_, quiet_end) = offsets(&conn, probe, &quiet_topic).await;
    assert!(quiet_end > 0, "the quiet event produced before it stopped");
    for event in busy {
        let (_, end) = offsets(&conn, probe, &topic_of(event)).await;
        assert!(end > before[event], "{event}: {} then {end}", before[event]);
    }

    // The eager consumers catch up; the slow one stays far behind.
    let slow = DEMO_GRANTS
        .iter()
        .find(|g| g.reads_per_second.is_some())
        .expect("a slow demo grant");
    let eager = DEMO_GRANTS
        .iter()
        .find(|g| g.event == "network.alarm.raised")
        .expect("the alarm ticketing grant");
    let deadline = Instant::now() + Duration::from_secs(45);
    let caught_up = |(committed, end): (i64, i64)| committed > 0 && end - committed <= end / 4;
    let (eager_offsets, slow_offsets) = loop {
        let e = offsets(&conn, eager.group, &topic_of(eager.event)).await;
        let s = offsets(&conn, slow.group, &topic_of(slow.event)).await;
        // The slow group reads (and commits) too, only slowly.
        if (caught_up(e) && s.0 > 0) || Instant::now() > deadline {
            break (e, s);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        caught_up(eager_offsets),
        "{}: (committed, end) {eager_offsets:?}",
        eager.group
    );
    assert!(slow_offsets.0 > 0, "{}: {slow_offsets:?}", slow.group);
    let (slow_committed, slow_end) = offsets(&conn, slow.group, &topic_of(slow.event)).await;
    assert!(
        slow_end - slow_committed > slow_end / 2 && slow_end > 20,
        "{}: committed {slow_committed} of {slow_end}",
        slow.group
    );

    // Still quiet well after its time.
    let (_, quiet_later) = offsets(&conn, probe, &quiet_topic).await;
    assert_eq!(quiet_later, quiet_end, "{QUIET_EVENT} stays quiet");

    traffic.stop().await;
    drop(broker);
    test_db.cleanup().await;
}
