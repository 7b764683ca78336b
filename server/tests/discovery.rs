//! Discovery and claiming against a real broker: only admins, nothing changes
//! for anyone else, and a claimed topic is found by search at once.

mod common;

use std::time::Duration;

use switchboard::kafka::{create_topics, Connection, TopicSpec};

use common::app::TestApp;
use common::{json, Broker, TestDb};

#[tokio::test]
async fn only_admins_see_and_claim_unclaimed_topics() {
    let broker = Broker::start();
    let db = TestDb::sqlite().await;
    let mut config = common::test_config();
    config.auth.admins = vec!["root.admin".into()];
    let mut cluster = switchboard::demo::demo_clusters(broker.port).remove(0);
    cluster.bootstrap_servers = broker.bootstrap();
    switchboard::serve::register_clusters(&db.db, vec![cluster])
        .await
        .expect("cluster");
    switchboard::catalogue::repo::upsert_team(
        &db.db,
        &switchboard::catalogue::model::Team {
            id: "crm".into(),
            name: "CRM".into(),
            description: String::new(),
            members: vec!["amira.haddad".into()],
        },
        "test",
    )
    .await
    .expect("team");
    create_topics(
        &Connection::plaintext(broker.bootstrap()),
        &[TopicSpec {
            name: "legacy.crm.export".into(),
            partitions: 2,
            replication: 1,
        }],
        Duration::from_secs(10),
    )
    .await
    .expect("topic created on the broker");

    let app = TestApp::over(db.db.clone(), config).await;

    let claim = r#"{"cluster":"onprem","topic":"legacy.crm.export","name":"crm.legacy.export","title":"Legacy CRM export","team":"crm"}"#;
    // Signed out: 401. A team member who is not an admin: 403. Nothing changes.
    assert_eq!(
        app.anonymous()
            .call("GET", "/api/v1/discovery", None)
            .await
            .0,
        401
    );
    let member = app.as_user("amira.haddad");
    assert_eq!(member.call("GET", "/api/v1/discovery", None).await.0, 403);
    let (status, _) = member
        .call("POST", "/api/v1/discovery/claim", Some(claim))
        .await;
    assert_eq!(status, 403);
    assert!(
        !switchboard::catalogue::repo::event_exists(&db.db, "crm.legacy.export")
            .await
            .expect("q")
    );

    let admin = app.as_user("root.admin");
    let (status, body) = admin.call("POST", "/api/v1/discovery/refresh", None).await;
    assert_eq!(status, 200, "{body}");
    let view = json(&body);
    let topics = view["topics"].as_array().expect("topics");
    let found = topics
        .iter()
        .find(|t| t["topic"] == "legacy.crm.export")
        .expect("unclaimed topic listed");
    assert_eq!(found["partitions"], 2);

    // Bad input: unknown team, invalid name; nothing is created.
    let bad_team = claim.replace("\"crm\"}", "\"nope\"}");
    assert_eq!(
        admin
            .call("POST", "/api/v1/discovery/claim", Some(&bad_team))
            .await
            .0,
        400
    );
    let bad_name = claim.replace("crm.legacy.export\",\"title", "Bad Name\",\"title");
    assert_eq!(
        admin
            .call("POST", "/api/v1/discovery/claim", Some(&bad_name))
            .await
            .0,
        400
    );
    assert_eq!(
        admin
            .call("POST", "/api/v1/discovery/claim", Some("{not json"))
            .await
            .0,
        400
    );

    let (status, body) = admin
        .call("POST", "/api/v1/discovery/claim", Some(claim))
        .await;
    assert_eq!(status, 201, "{body}");
    // Claiming twice is a conflict.
    assert_eq!(
        admin
            .call("POST", "/api/v1/discovery/claim", Some(claim))
            .await
            .0,
        409
    );

    // Found by search at once: the claim updated the app's index.
    let (_, body) = app
        .anonymous()
        .call("GET", "/api/v1/events?q=legacy", None)
        .await;
    let hits = json(&body);
    assert_eq!(hits["hits"][0]["name"], "crm.legacy.export");
    assert_eq!(hits["hits"][0]["lifecycle"], "draft");
    let (_, body) = admin.call("POST", "/api/v1/discovery/refresh", None).await;
    assert!(
        !body.contains("legacy.crm.export"),
        "claimed topic still unclaimed: {body}"
    );
    drop(app);
    db.cleanup().await;
}
