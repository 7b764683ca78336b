//! The shared suite: every test here runs on SQLite and on PostgreSQL.

mod common;

use app::clusters::{Flavour, Platform};
use switchboard::clusters::{self, ClusterSpec, SecuritySpec};
use switchboard::db::Db;

use common::app::TestApp;
use common::{json, test_config};

backend_suite!(
    migrations_are_applied_and_reported_ready,
    migrating_twice_changes_nothing,
    clusters_round_trip_with_audit,
    invalid_cluster_changes_nothing,
    rest_lists_clusters_with_status,
    rest_unknown_cluster_is_a_json_404,
    health_and_readiness_answer_json,
    unknown_page_renders_the_404_page,
);

fn spec(id: &str, bootstrap: &str) -> ClusterSpec {
    ClusterSpec {
        id: id.into(),
        name: format!("Cluster {id}"),
        platform: Platform::Aws,
        region: "eu-west-1".into(),
        bootstrap_servers: bootstrap.into(),
        flavour: Flavour::Confluent,
        in_mesh: true,
        security: SecuritySpec::default(),
        schema_registry_url: None,
        schema_registry_username: None,
        schema_registry_password_env: None,
    }
}

async fn audit_count(db: &Db, subject: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE subject = $1")
        .bind(subject)
        .fetch_one(db.pool())
        .await
        .expect("count audit")
}

async fn migrations_are_applied_and_reported_ready(db: Db) {
    let r = db.readiness().await;
    assert!(r.reachable);
    assert!(r.migrations_expected >= 1);
    assert_eq!(r.migrations_applied, r.migrations_expected);
    assert!(r.ok());
}

async fn migrating_twice_changes_nothing(db: Db) {
    db.migrate().await.expect("second migrate is a no-op");
    assert!(db.readiness().await.ok());
}

async fn clusters_round_trip_with_audit(db: Db) {
    let mut s = spec("aws", "127.0.0.1:1");
    s.security = SecuritySpec {
        protocol: "SASL_SSL".into(),
        sasl_mechanism: Some("SCRAM-SHA-512".into()),
        sasl_username: Some("switchboard".into()),
        sasl_password_env: Some("AWS_KAFKA_PASSWORD".into()),
        ssl_ca_location: Some("/etc/ssl/ca.pem".into()),
    };
    let cluster = s.clone().validate().expect("valid");
    assert!(clusters::upsert(&db, &cluster, "test")
        .await
        .expect("insert"));
    let stored = clusters::get(&db, "aws")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(stored, cluster);
    assert_eq!(audit_count(&db, "cluster:aws").await, 1);

    // Unchanged: nothing written, no audit entry.
    assert!(!clusters::upsert(&db, &cluster, "test").await.expect("noop"));
    assert_eq!(audit_count(&db, "cluster:aws").await, 1);

    // Changed: updated in place with an audit entry holding before and after.
    let moved = ClusterSpec {
        bootstrap_servers: "127.0.0.1:2".into(),
        in_mesh: false,
        ..s
    }
    .validate()
    .expect("valid");
    assert!(clusters::upsert(&db, &moved, "admin")
        .await
        .expect("update"));
    let list = clusters::list(&db).await.expect("list");
    assert_eq!(list, vec![moved]);
    let (action, before): (String, Option<String>) = sqlx::query_as(
        "SELECT action, before_json FROM audit_log WHERE subject = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind("cluster:aws")
    .fetch_one(db.pool())
    .await
    .expect("audit row");
    assert_eq!(action, "cluster.updated");
    assert!(before.expect("before recorded").contains("127.0.0.1:1"));
}

async fn invalid_cluster_changes_nothing(db: Db) {
    let err = switchboard::serve::register_clusters(
        &db,
        vec![spec("ok", "127.0.0.1:1"), spec("Bad Id", "127.0.0.1:1")],
    )
    .await
    .expect_err("invalid spec refused");
    assert!(format!("{err:#}").contains("Bad Id"), "{err:#}");
    assert!(clusters::list(&db).await.expect("list").is_empty());
}

async fn rest_lists_clusters_with_status(db: Db) {
    // Nobody listens on this port: the status must say so, quickly.
    let port = common::free_port();
    let cluster = spec("gcp", &format!("127.0.0.1:{port}"))
        .validate()
        .expect("valid");
    clusters::upsert(&db, &cluster, "test")
        .await
        .expect("insert");
    let mut cfg = test_config();
    cfg.auth.admins = vec!["platform.admin".into()];
    let app = TestApp::over(db.clone(), cfg).await;
    // Signed in before the clock starts, as the status is what is timed.
    app.cookie("platform.admin").await;
    let started = std::time::Instant::now();
    let (status, body) = app
        .as_user("platform.admin")
        .call("GET", "/api/v1/clusters", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let v = json(&body);
    assert_eq!(v[0]["id"], "gcp");
    assert_eq!(v[0]["platform"], "aws");
    assert_eq!(v[0]["flavour"], "confluent");
    assert_eq!(v[0]["bootstrap_servers"], format!("127.0.0.1:{port}"));
    assert_eq!(v[0]["status"]["state"], "unreachable");
    let error = v[0]["status"]["error"].as_str().expect("error text");
    assert!(error.contains(&port.to_string()), "{error}");

    // Anonymous callers learn that it is unreachable, not where it is.
    let (status, body) = app.anonymous().call("GET", "/api/v1/clusters", None).await;
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v[0]["status"]["state"], "unreachable");
    assert!(v[0].get("bootstrap_servers").is_none(), "{body}");
    assert!(!body.contains(&port.to_string()), "{body}");
}

async fn rest_unknown_cluster_is_a_json_404(db: Db) {
    let app = TestApp::over(db, test_config()).await;
    let anonymous = app.anonymous();
    let (status, body) = anonymous.call("GET", "/api/v1/clusters/nope", None).await;
    assert_eq!(status, 404);
    assert_eq!(json(&body)["error"]["code"], "not_found");
    let (status, body) = anonymous.call("GET", "/api/v1/no-such-thing", None).await;
    assert_eq!(status, 404);
    assert_eq!(json(&body)["error"]["code"], "not_found");
}

async fn health_and_readiness_answer_json(db: Db) {
    let app = TestApp::over(db, test_config()).await;
    let anonymous = app.anonymous();
    let (status, body) = anonymous.call("GET", "/healthz", None).await;
    assert_eq!(status, 200);
    assert_eq!(json(&body)["status"], "ok");
    let (status, body) = anonymous.call("GET", "/readyz", None).await;
    assert_eq!(status, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["ready"], true);
    assert_eq!(v["checks"]["database"]["ok"], true);
    assert_eq!(v["checks"]["migrations"]["ok"], true);
}

async fn unknown_page_renders_the_404_page(db: Db) {
    let app = TestApp::over(db, test_config()).await;
    let anonymous = app.anonymous();
    let (status, body) = anonymous.call("GET", "/no/such/page", None).await;
    assert_eq!(status, 404);
    assert!(body.contains("Page not found"), "{body}");
    let (status, body) = anonymous.call("GET", "/clusters", None).await;
    assert_eq!(status, 200);
    assert!(body.contains("Clusters"), "{body}");
}

/// Not in the shared suite: it needs a database that was never migrated.
#[tokio::test]
async fn readiness_is_503_before_migrations() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("raw.db").display());
    let db = Db::connect(&url).await.expect("connects");
    let app = TestApp::over(db, test_config()).await;
    let anonymous = app.anonymous();
    let (status, body) = anonymous.call("GET", "/readyz", None).await;
    assert_eq!(status, 503, "{body}");
    let v = json(&body);
    assert_eq!(v["ready"], false);
    assert_eq!(v["checks"]["database"]["ok"], true);
    assert_eq!(v["checks"]["migrations"]["ok"], false);
}
