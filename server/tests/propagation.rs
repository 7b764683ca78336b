//! Propagation to clusters' local registries, on both databases. The local
//! registry is a second, real Switchboard (not a mock): its own fresh
//! database, its own router, served over HTTP on a loopback port, so the
//! copies go through the Confluent-compatible API a real registry offers.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::clusters::{Flavour, Platform};
use serde_json::{json, Value};
use switchboard::clusters::{self, ClusterSpec, SecuritySpec};
use switchboard::db::{Backend, Db};
use switchboard::registry::propagation::{self, repo, CopyState, Propagator};
use switchboard::registry::{NewSchema, RegistryService, SchemaReference, VersionSpec};
use switchboard::search::SearchIndex;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use common::{free_port, test_config, TestDb};

backend_suite!(
    versions_arrive_with_their_ids_and_versions,
    an_unreachable_registry_is_retried_with_backoff,
    a_refused_subject_does_not_hold_up_the_others,
    a_wake_copies_without_waiting_for_the_interval,
);

const ADDRESS: &str = r#"{"type":"record","name":"Address","namespace":"acme","fields":[{"name":"city","type":"string"}]}"#;
const ORDER_V1: &str = r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"ship_to","type":"acme.Address"}]}"#;
const ORDER_V2: &str = r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"ship_to","type":"acme.Address"},{"name":"note","type":"string","default":""}]}"#;
const ORDER_V3: &str = r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"ship_to","type":"acme.Address"},{"name":"note","type":"string","default":""},{"name":"rush","type":"boolean","default":false}]}"#;
const SCRATCH: &str = r#"{"type":"record","name":"Scratch","fields":[{"name":"x","type":"int"}]}"#;
const PAYMENT: &str =
    r#"{"type":"record","name":"Payment","fields":[{"name":"cents","type":"long"}]}"#;
const LOCAL_PAYMENT: &str =
    r#"{"type":"record","name":"LocalPayment","fields":[{"name":"euros","type":"double"}]}"#;
const INVOICE: &str =
    r#"{"type":"record","name":"Invoice","fields":[{"name":"number","type":"string"}]}"#;

/// A second Switchboard serving its registry API on a loopback port.
struct LocalRegistry {
    url: String,
    db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl LocalRegistry {
    /// Serves on `port` (0: any free port), with a fresh database of the same backend.
    async fn start(backend: Backend, port: u16) -> LocalRegistry {
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite().await,
            Backend::Postgres => TestDb::postgres().await,
        };
        let mut config = test_config();
        config.registry.anonymous_writes = true;
        let index = Arc::new(SearchIndex::in_memory().expect("in-memory index"));
        let state = switchboard::serve::app_state(db.db.clone(), &config, index, None);
        // The propagator signs in to a cluster's registry as a principal
        // allowed to import (IMPORT is for admins): here, every request is
        // an admin's.
        let importer = app::auth::Caller {
            user_id: "propagator".into(),
            admin: true,
            teams: Vec::new(),
        };
        let router = switchboard::http::router(state).layer(axum::Extension(importer));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the local registry's port");
        let addr = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("serves");
        });
        LocalRegistry {
            url: format!("http://{addr}/registry"),
            db,
            server,
        }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = reqwest::get(format!("{}{path}", self.url))
            .await
            .expect("the local registry answers");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        (status, common::json(&body))
    }

    async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
        self.db.cleanup().await;
    }
}

fn cluster(id: &str, registry_url: Option<String>) -> ClusterSpec {
    ClusterSpec {
        id: id.into(),
        name: format!("Cluster {id}"),
        platform: Platform::Aws,
        region: String::new(),
        bootstrap_servers: "127.0.0.1:9092".into(),
        flavour: Flavour::Confluent,
        in_mesh: true,
        security: SecuritySpec::default(),
        schema_registry_url: registry_url,
        schema_registry_username: None,
        schema_registry_password_env: None,
    }
}

async fn add_cluster(db: &Db, spec: ClusterSpec) {
    let cluster = spec.validate().expect("valid cluster");
    clusters::upsert(db, &cluster, "test")
        .await
        .expect("stored");
}

async fn register(registry: &RegistryService, subject: &str, schema: NewSchema) -> (i64, i32) {
    let done = registry
        .register(None, subject, &schema)
        .await
        .unwrap_or_else(|e| panic!("register {subject}: {e}"));
    (done.id, done.version)
}

fn address_ref() -> Vec<SchemaReference> {
    vec![SchemaReference {
        name: "acme.Address".into(),
        subject: "address-value".into(),
        version: 1,
    }]
}

async fn copies(db: &Db, subject: &str) -> Vec<CopyState> {
    propagation::copies_of(db, subject)
        .await
        .expect("copies_of")
}

async fn status_of(db: &Db, cluster: &str) -> repo::StatusRow {
    repo::statuses(db)
        .await
        .expect("statuses")
        .into_iter()
        .find(|s| s.cluster_id == cluster)
        .expect("the cluster has a status")
}

async fn versions_arrive_with_their_ids_and_versions(db: Db) {
    let registry = RegistryService::new(db.clone(), true);
    // A version deleted before the pass: never copied, and it shifts the ids,
    // so equal ids on the local registry cannot be a coincidence.
    register(&registry, "scratch-value", NewSchema::avro(SCRATCH, vec![])).await;
    registry
        .delete_version(None, "scratch-value", VersionSpec::Number(1), false)
        .await
        .expect("soft delete");
    let (address_id, _) =
        register(&registry, "address-value", NewSchema::avro(ADDRESS, vec![])).await;
    let (order1, _) = register(
        &registry,
        "order-value",
        NewSchema::avro(ORDER_V1, address_ref()),
    )
    .await;
    let (order2, v2) = register(
        &registry,
        "order-value",
        NewSchema::avro(ORDER_V2, address_ref()),
    )
    .await;
    // The same schema under a second subject keeps its id.
    let (shared, _) = register(
        &registry,
        "address-copy-value",
        NewSchema::avro(ADDRESS, vec![]),
    )
    .await;
    assert_eq!((address_id, shared, v2), (2, 2, 2));

    let local = LocalRegistry::start(db.backend(), 0).await;
    add_cluster(&db, cluster("aws", Some(format!("{}/", local.url)))).await;
    add_cluster(&db, cluster("onprem", None)).await;
    assert_eq!(
        copies(&db, "order-value").await,
        [CopyState {
            cluster_id: "aws".into(),
            registry_url: local.url.clone(),
            version: None,
            in_sync: false,
            error: None,
        }],
        "pending, not failing; clusters without a registry are not listed"
    );

    let propagator = Propagator::new(db.clone());
    let report = propagator.run_pass().await.expect("pass");
    assert_eq!((report.copied, report.failed.len()), (4, 0), "{report:?}");

    let (_, subjects) = local.get("/subjects").await;
    assert_eq!(
        subjects,
        json!(["address-copy-value", "address-value", "order-value"])
    );
    assert_eq!(
        local.get("/subjects/order-value/versions").await.1,
        json!([1, 2])
    );
    let (_, v2_there) = local.get("/subjects/order-value/versions/2").await;
    assert_eq!(v2_there["id"], json!(order2));
    assert_eq!(v2_there["schema"], json!(ORDER_V2));
    assert_eq!(
        v2_there["references"],
        json!([{"name": "acme.Address", "subject": "address-value", "version": 1}])
    );
    for (id, text) in [
        (address_id, ADDRESS),
        (order1, ORDER_V1),
        (order2, ORDER_V2),
    ] {
        let (status, schema) = local.get(&format!("/schemas/ids/{id}")).await;
        assert_eq!((status, &schema["schema"]), (200, &json!(text)), "id {id}");
    }
    assert_eq!(
        local.get("/schemas/ids/1").await.0,
        404,
        "the deleted version's id"
    );
    assert_eq!(
        local
            .get(&format!("/schemas/ids/{address_id}/versions"))
            .await
            .1,
        json!([{"subject": "address-copy-value", "version": 1}, {"subject": "address-value", "version": 1}])
    );
    // Left in IMPORT mode, as Confluent's schema exporter leaves its destination.
    assert_eq!(
        local.get("/mode/order-value").await.1,
        json!({"mode": "IMPORT"})
    );

    let again = propagator.run_pass().await.expect("second pass");
    assert_eq!(again.copied, 0, "nothing new: {again:?}");

    let (order3, v3) = register(
        &registry,
        "order-value",
        NewSchema::avro(ORDER_V3, address_ref()),
    )
    .await;
    assert!(!copies(&db, "order-value").await[0].in_sync);
    assert_eq!(propagator.run_pass().await.expect("pass").copied, 1);
    let (_, latest) = local.get("/subjects/order-value/versions/latest").await;
    assert_eq!(
        (latest["id"].clone(), latest["version"].clone()),
        (json!(order3), json!(v3))
    );
    assert_eq!(
        copies(&db, "order-value").await,
        [CopyState {
            cluster_id: "aws".into(),
            registry_url: local.url.clone(),
            version: Some(3),
            in_sync: true,
            error: None,
        }]
    );

    // Another registry URL: nothing is known to be there any more.
    add_cluster(
        &db,
        cluster("aws", Some("http://127.0.0.1:1/registry".into())),
    )
    .await;
    let moved = copies(&db, "order-value").await;
    assert_eq!((moved[0].version, moved[0].in_sync), (None, false));
    local.stop().await;
}

async fn an_unreachable_registry_is_retried_with_backoff(db: Db) {
    let registry = RegistryService::new(db.clone(), true);
    let (id, _) = register(&registry, "payment-value", NewSchema::avro(PAYMENT, vec![])).await;
    let port = free_port();
    add_cluster(
        &db,
        cluster("gcp", Some(format!("http://127.0.0.1:{port}/registry"))),
    )
    .await;
    let propagator = Propagator::new(db.clone());

    let now = OffsetDateTime::now_utc();
    let report = propagator.pass_at(now).await.expect("pass");
    assert_eq!((report.copied, report.failed.len()), (0, 1), "{report:?}");
    let first = status_of(&db, "gcp").await;
    assert_eq!(first.attempts, 1);
    let error = first.last_error.clone().expect("an error is recorded");
    assert!(
        error.contains("payment-value version 1") && error.contains("cannot reach"),
        "{error}"
    );
    let retry_at =
        OffsetDateTime::parse(first.next_attempt_at.as_deref().unwrap(), &Rfc3339).unwrap();
    let wait = retry_at - now;
    assert!(
        wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2),
        "{wait}"
    );
    let state = &copies(&db, "payment-value").await[0];
    assert_eq!(
        (state.in_sync, state.error.as_deref()),
        (false, Some(error.as_str()))
    );

    // Not due yet: the cluster is left alone.
    let report = propagator.pass_at(now).await.expect("pass");
    assert_eq!(report.deferred, ["gcp"]);
    assert_eq!(status_of(&db, "gcp").await.attempts, 1);

    // Due and still down: the next wait doubles (2 s base, jitter in its upper half).
    let later = now + Duration::from_secs(3600);
    propagator.pass_at(later).await.expect("pass");
    let second = status_of(&db, "gcp").await;
    assert_eq!(second.attempts, 2);
    let retry_at =
        OffsetDateTime::parse(second.next_attempt_at.as_deref().unwrap(), &Rfc3339).unwrap();
    let wait = retry_at - later;
    assert!(
        wait >= Duration::from_secs(2) && wait <= Duration::from_secs(4),
        "{wait}"
    );

    // The registry comes up on that port: the retry copies and clears the error.
    let local = LocalRegistry::start(db.backend(), port).await;
    let report = propagator
        .pass_at(later + Duration::from_secs(3600))
        .await
        .expect("pass");
    assert_eq!((report.copied, report.failed.len()), (1, 0), "{report:?}");
    let healed = status_of(&db, "gcp").await;
    assert_eq!((healed.attempts, healed.last_error), (0, None));
    let (status, there) = local.get("/subjects/payment-value/versions/1").await;
    assert_eq!((status, there["id"].clone()), (200, json!(id)));
    let state = &copies(&db, "payment-value").await[0];
    assert_eq!(
        (state.version, state.in_sync, state.error.clone()),
        (Some(1), true, None)
    );
    local.stop().await;
}

async fn a_refused_subject_does_not_hold_up_the_others(db: Db) {
    let local = LocalRegistry::start(db.backend(), 0).await;
    // The local registry already has `payment-value` with a schema of its own, under id 1.
    let response = reqwest::Client::new()
        .post(format!("{}/subjects/payment-value/versions", local.url))
        .json(&json!({ "schema": LOCAL_PAYMENT }))
        .send()
        .await
        .expect("local registration");
    assert_eq!(response.status().as_u16(), 200);

    let registry = RegistryService::new(db.clone(), true);
    let (payment_id, _) =
        register(&registry, "payment-value", NewSchema::avro(PAYMENT, vec![])).await;
    let (invoice_id, _) =
        register(&registry, "invoice-value", NewSchema::avro(INVOICE, vec![])).await;
    assert_eq!(
        payment_id, 1,
        "the same id as the local schema: the copy must be refused"
    );
    add_cluster(&db, cluster("azure", Some(local.url.clone()))).await;

    let report = Propagator::new(db.clone()).run_pass().await.expect("pass");
    assert_eq!(report.copied, 1, "{report:?}");
    let error = &report.failed[0].1;
    assert!(
        error.starts_with("payment-value version 1:") && error.contains("42205"),
        "{error}"
    );

    let (_, invoice) = local.get("/subjects/invoice-value/versions/1").await;
    assert_eq!(invoice["id"], json!(invoice_id));
    // IMPORT was forced on the occupied subject; its own version is untouched.
    assert_eq!(
        local.get("/mode/payment-value").await.1,
        json!({"mode": "IMPORT"})
    );
    assert_eq!(
        local.get("/schemas/ids/1").await.1["schema"],
        json!(LOCAL_PAYMENT)
    );

    let invoice_state = &copies(&db, "invoice-value").await[0];
    assert_eq!(
        (invoice_state.in_sync, invoice_state.error.clone()),
        (true, None)
    );
    let payment_state = &copies(&db, "payment-value").await[0];
    assert!(!payment_state.in_sync);
    assert_eq!(payment_state.error.as_ref(), Some(error));
    local.stop().await;
}

async fn a_wake_copies_without_waiting_for_the_interval(db: Db) {
    let local = LocalRegistry::start(db.backend(), 0).await;
    add_cluster(&db, cluster("aws", Some(local.url.clone()))).await;
    let registry = RegistryService::new(db.clone(), true);
    register(&registry, "address-value", NewSchema::avro(ADDRESS, vec![])).await;
    // The task's first pass runs at once; the next only when woken, within the hour.
    let task = Arc::new(Propagator::new(db.clone())).spawn(Duration::from_secs(3600));
    wait_in_sync(&db, "address-value").await;

    register(&registry, "payment-value", NewSchema::avro(PAYMENT, vec![])).await;
    propagation::wake();
    wait_in_sync(&db, "payment-value").await;
    assert_eq!(
        local.get("/subjects").await.1,
        json!(["address-value", "payment-value"])
    );
    let stopping = Instant::now();
    task.stop().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "stop waits for nothing"
    );
    local.stop().await;
}

async fn wait_in_sync(db: &Db, subject: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !copies(db, subject).await[0].in_sync {
        assert!(Instant::now() < deadline, "{subject} was not copied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
