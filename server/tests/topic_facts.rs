//! Event pages read topic facts from the per-cluster cache: no Kafka client is
//! made and no broker is asked on a page's path, and a home cluster that stops
//! answering leaves its last facts shown with their age. Real broker (Nisshi).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use switchboard::catalogue::{repo, seed};
use switchboard::kafka::{self, Connection, TopicSpec};

use common::{json, test_config, Broker, TestDb};

async fn get(router: &axum::Router, uri: &str) -> (u16, String) {
    let request = Request::get(uri).body(Body::empty()).expect("request");
    let (status, _, body) = common::oneshot(router, request).await;
    (status.as_u16(), body)
}

#[tokio::test]
async fn event_pages_make_no_kafka_clients_and_survive_their_cluster_going_down() {
    let db = TestDb::sqlite().await;
    let broker = Broker::start();
    switchboard::serve::register_clusters(&db.db, switchboard::demo::demo_clusters(broker.port))
        .await
        .expect("clusters");
    seed::seed_database(&db.db).await.expect("seed");
    let event = repo::list_events(&db.db)
        .await
        .expect("events")
        .into_iter()
        .find(|e| e.spec.home_cluster == "onprem")
        .expect("an onprem event")
        .spec;
    kafka::create_topics(
        &Connection::plaintext(broker.bootstrap()),
        &[TopicSpec {
            name: event.topic.clone(),
            partitions: 3,
            replication: 1,
        }],
        Duration::from_secs(5),
    )
    .await
    .expect("topic");

    let config = test_config();
    let index = Arc::new(switchboard::search::SearchIndex::in_memory().expect("index"));
    let state = switchboard::serve::app_state(db.db.clone(), &config, index, None);
    state.catalogue.reindex().await.expect("index");
    let router = switchboard::http::router(state);
    let api = format!("/api/v1/events/{}", event.name);

    // The first view of a cluster never read waits for one read of it.
    let (status, body) = get(&router, &api).await;
    assert_eq!(status, 200, "{body}");
    let live = &json(&body)["live_topic"];
    assert_eq!(live["state"], "found", "{live}");
    assert_eq!(live["partitions"], 3);
    assert!(live["stale"].is_null(), "{live}");

    let made = kafka::clients_created();
    for i in 0..100 {
        let uri = if i % 2 == 0 {
            format!("/events/{}", event.name)
        } else {
            api.clone()
        };
        let (status, body) = get(&router, &uri).await;
        assert_eq!(status, 200, "{uri}: {body}");
    }
    assert_eq!(
        kafka::clients_created(),
        made,
        "rendering 100 event pages made Kafka clients"
    );

    // The home cluster goes down: the page still shows the facts, flagged.
    broker.stop();
    let deadline = Instant::now() + Duration::from_secs(30);
    let live = loop {
        let (status, body) = get(&router, &api).await;
        assert_eq!(status, 200, "{body}");
        let live = json(&body)["live_topic"].clone();
        if !live["stale"].is_null() || Instant::now() > deadline {
            break live;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(live["state"], "found", "{live}");
    assert_eq!(live["partitions"], 3, "{live}");
    assert!(live["stale"]["error"].is_string(), "{live}");
    assert!(live["stale"]["read_at"].is_string(), "{live}");
    db.cleanup().await;
}
