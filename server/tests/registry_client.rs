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

/// Serves `router` on a free local port; returns its address and the task.
async fn serve(
    router: axum::Router,
) -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    (
        addr,
        tokio::spawn(async move { axum::serve(listener, router).await }),
    )
}

/// Runs `tests/python/<script>` with `args`; it must succeed within `limit`.
/// Returns the JSON summary it prints last.
async fn run_script(script: &str, args: &[String], limit: Duration) -> serde_json::Value {
    let python = python();
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup.sh test",
        python.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(script);
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .args(args)
        .output();
    let output = tokio::time::timeout(limit, run)
        .await
        .expect("the client finished in time")
        .expect("python started");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "client failed:\n{stdout}\n{stderr}"
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("JSON summary")
}

#[tokio::test]
async fn confluent_python_client_uses_the_registry_end_to_end() {
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
    let (addr, server) = serve(switchboard::http::router(state)).await;
    let summary = run_script(
        "confluent_client.py",
        &[
            format!("http://{addr}/registry"),
            broker.bootstrap(),
            topic.to_string(),
        ],
        Duration::from_secs(180),
    )
    .await;
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
    let (addr, server) = serve(switchboard::http::router(app.state.clone())).await;
    let mut args = vec![
        format!("http://{addr}/registry"),
        "crm.customer.updated.v1".to_string(),
    ];
    args.extend(creds);
    let summary = run_script("token_client.py", &args, Duration::from_secs(120)).await;
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
