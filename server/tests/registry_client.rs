//! Confluent's Python client (`confluent-kafka`, installed by
//! scripts/setup.sh into a virtualenv) uses Switchboard as its schema
//! registry: register, fetch by id, compatibility, config, and an Avro
//! record serialised with the registry, produced to a real broker and read
//! back through the registry. The Python side is tests/python/confluent_client.py.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::{Broker, TestDb};
use switchboard::config::Config;
use switchboard::kafka::{create_topics, Connection, TopicSpec};
use switchboard::search::SearchIndex;

/// The virtualenv's interpreter: `SB_PYTHON`, else the one setup.sh makes.
fn python() -> PathBuf {
    if let Ok(path) = std::env::var("SB_PYTHON") {
        return PathBuf::from(path);
    }
    let home = std::env::var("HOME").expect("HOME");
    PathBuf::from(home).join(".cache/switchboard/venv/bin/python")
}

#[tokio::test]
async fn confluent_python_client_uses_the_registry_end_to_end() {
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup.sh test",
        python.display()
    );
    let db = TestDb::sqlite().await;
    let broker = Broker::start();
    let topic = "field.job.dispatched.pytest";
    let conn = Connection::plaintext(broker.bootstrap());
    let spec = TopicSpec {
        name: topic.to_owned(),
        partitions: 1,
        replication: 1,
    };
    create_topics(&conn, &[spec], Duration::from_secs(20))
        .await
        .expect("create the topic");

    let mut config = Config::default();
    config.registry.anonymous_writes = true;
    let index = Arc::new(SearchIndex::in_memory().expect("index"));
    let state = switchboard::serve::app_state(db.db.clone(), &config, index, None);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server =
        tokio::spawn(async move { axum::serve(listener, switchboard::http::router(state)).await });

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/confluent_client.py");
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(format!("http://{addr}/registry"))
        .arg(broker.bootstrap())
        .arg(topic)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the client finished within 3 minutes")
        .expect("python started");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "client failed:\n{stdout}\n{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("JSON summary");
    assert_eq!(summary["read_back"]["engineerId"], "E-7");
    assert!(summary["refused"].as_str().is_some_and(|m| !m.is_empty()));

    // What the client registered is in Switchboard's own store.
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT DISTINCT schema_id FROM registry_versions ORDER BY schema_id")
            .fetch_all(db.db.pool())
            .await
            .unwrap_or_default();
    assert_eq!(ids.len(), 2, "two versions stored: {ids:?}");

    server.abort();
    broker.stop();
    db.cleanup().await;
}

/// The real `SchemaRegistryClient`, `AvroSerializer` and `AvroDeserializer`
/// with `basic.auth.user.info` set to an application token of the event's
/// team register and use a schema of its event; another team's token reads
/// but is refused the write (403); a wrong secret is refused (401).
#[tokio::test]
async fn confluent_clients_authenticate_with_application_tokens() {
    use common::app::{admin_config, TestApp};
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup.sh test",
        python.display()
    );
    let db = TestDb::sqlite().await;
    let app = TestApp::seeded(db.db.clone(), admin_config()).await;
    assert_eq!(
        app.count("registry_versions").await,
        0,
        "the registry starts empty"
    );
    let crm = app
        .register_app(
            "sofia.martins",
            "crm-customer-data",
            "crm-sync",
            &["onprem"],
        )
        .await;
    let insights = app
        .register_app("zoe.williams", "customer-insights", "churn", &["onprem"])
        .await;
    let mut creds = Vec::new();
    for (user, id) in [("sofia.martins", crm), ("zoe.williams", insights)] {
        let body = serde_json::json!({
            "name": "registry", "application_id": id,
            "scopes": ["read", "registry:write"], "expires_in_days": 7
        });
        let made = app.as_user(user).post_json("/api/v1/tokens", &body).await;
        assert_eq!(made.status, 201, "{}", made.body);
        let made = made.json();
        creds.push(format!(
            "{}:{}",
            made["token"]["id"].as_str().unwrap(),
            made["secret"].as_str().unwrap()
        ));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = switchboard::http::router(app.state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python/token_client.py");
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(format!("http://{addr}/registry"))
        .arg("crm.customer.updated.v1")
        .args(&creds)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the client finished within 2 minutes")
        .expect("python started");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "client failed:\n{stdout}\n{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("JSON summary");
    assert_eq!(summary["outsider_register"], 403, "{summary}");
    assert!(
        summary["outsider_serializer"]
            .as_str()
            .unwrap()
            .contains("crm-customer-data"),
        "{summary}"
    );
    assert_eq!(summary["wrong_secret"], 401, "{summary}");
    assert_eq!(summary["versions"], serde_json::json!([1]));
    // Who registered it is the application, in the audit log.
    let actors: Vec<String> =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'schema.registered'")
            .fetch_all(app.db.pool())
            .await
            .expect("audit");
    assert_eq!(actors, ["app:crm-customer-data/crm-sync"]);
    server.abort();
}
