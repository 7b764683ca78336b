//! The Confluent-compatible schema registry API on both databases: register,
//! look up, ids shared across subjects, races, compatibility, modes, deletes,
//! references, bad input (right code, nothing stored) and authorization.

mod common;

use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use switchboard::config::Config;
use switchboard::db::Db;
use switchboard::registry::NewSchema;

use common::app::{Client, TestApp};
use common::registry_api::{call, send_json};

backend_suite!(
    register_look_up_list_and_read_by_id,
    ids_are_shared_and_registering_again_changes_nothing,
    one_schema_registered_concurrently_gets_one_id,
    concurrent_schemas_get_consecutive_versions,
    incompatible_schemas_are_refused_and_nothing_is_stored,
    compatibility_checks_explain_themselves,
    config_is_global_or_per_subject,
    read_only_refuses_and_import_keeps_ids,
    soft_delete_comes_before_permanent_delete,
    references_resolve_and_protect_their_targets,
    bad_input_gets_confluent_codes_and_stores_nothing,
    oversized_schemas_are_refused,
    writes_need_the_right_caller,
);

const ORDER_V1: &str = r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"}]}"#;
const ORDER_V2: &str = r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double","default":0.0}]}"#;
/// Adds a field without a default: new readers cannot read old data (not BACKWARD).
const ORDER_BAD: &str = r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"currency","type":"string"}]}"#;
/// ORDER_V1 with other whitespace and field order of attributes: same canonical form.
const ORDER_V1_SPACED: &str = r#"{ "namespace": "acme", "name": "Order", "type": "record",
  "fields": [ { "type": "string", "name": "id" } ] }"#;
/// Two schemas a BACKWARD check would refuse in this order (for IMPORT).
const COPIED_V1: &str = r#"{"type":"record","name":"Copied","fields":[{"name":"a","type":"int"}]}"#;
const COPIED_V2: &str =
    r#"{"type":"record","name":"Copied","fields":[{"name":"b","type":"string"}]}"#;
const MONEY: &str = r#"{"type":"record","name":"Money","namespace":"acme","fields":[{"name":"units","type":"long"}]}"#;
const PAYMENT: &str = r#"{"type":"record","name":"Payment","namespace":"acme","fields":[{"name":"amount","type":"acme.Money"}]}"#;

const ADMIN: &str = "root.admin";
const OWNER: &str = "olga.owner";
const OUTSIDER: &str = "otto.outsider";
/// The master topic of the event the tests create; its subjects are reserved.
const EVENT_TOPIC: &str = "billing.invoices";

fn config(anonymous_writes: bool) -> Config {
    let mut c = common::test_config();
    c.auth.admins = vec![ADMIN.into()];
    c.registry.anonymous_writes = anonymous_writes;
    c
}

async fn get(client: &Client<'_>, uri: &str) -> (u16, Value) {
    let (status, text) = call(client, "GET", uri, None).await;
    (status, common::json(&text))
}

async fn register(client: &Client<'_>, subject: &str, schema: &str) -> (u16, Value) {
    send_json(
        client,
        "POST",
        &format!("/subjects/{subject}/versions"),
        json!({ "schema": schema }),
    )
    .await
}

async fn register_ok(client: &Client<'_>, subject: &str, schema: &str) -> i64 {
    let (status, body) = register(client, subject, schema).await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_i64().expect("id")
}

fn assert_error(status: u16, body: &Value, want_status: u16, want_code: i64) {
    assert_eq!(
        (status, body["error_code"].as_i64()),
        (want_status, Some(want_code)),
        "{body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// Rows of every registry table and of the audit log.
async fn counts(db: &Db) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "registry_schemas",
        "registry_versions",
        "registry_references",
        "registry_subjects",
        "registry_config",
        "registry_mode",
        "audit_log",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(db.pool())
            .await
            .expect("count");
        out.push(n);
    }
    out
}

async fn audit_actions(db: &Db) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, action FROM audit_log WHERE action LIKE 'schema.%' ORDER BY id",
    )
    .fetch_all(db.pool())
    .await
    .expect("audit");
    rows
}

async fn register_look_up_list_and_read_by_id(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    let id = register_ok(&anonymous, "orders-value", ORDER_V1).await;
    let id2 = register_ok(&anonymous, "orders-value", ORDER_V2).await;
    assert_ne!(id, id2);

    assert_eq!(
        get(&anonymous, "/subjects").await,
        (200, json!(["orders-value"]))
    );
    assert_eq!(
        get(&anonymous, "/subjects/orders-value/versions").await,
        (200, json!([1, 2]))
    );
    for v in ["2", "latest", "-1"] {
        let (status, body) = get(&anonymous, &format!("/subjects/orders-value/versions/{v}")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            json!({"subject": "orders-value", "version": 2, "id": id2, "schema": ORDER_V2})
        );
    }
    let (status, raw) = call(
        &anonymous,
        "GET",
        "/subjects/orders-value/versions/1/schema",
        None,
    )
    .await;
    assert_eq!((status, raw.as_str()), (200, ORDER_V1));

    // Confluent omits schemaType for AVRO and references when there are none.
    assert_eq!(
        get(&anonymous, &format!("/schemas/ids/{id}")).await,
        (200, json!({ "schema": ORDER_V1 }))
    );
    let (status, raw) = call(
        &anonymous,
        "GET",
        &format!("/schemas/ids/{id}/schema"),
        None,
    )
    .await;
    assert_eq!((status, raw.as_str()), (200, ORDER_V1));
    assert_eq!(
        get(&anonymous, &format!("/schemas/ids/{id}/subjects")).await,
        (200, json!(["orders-value"]))
    );
    assert_eq!(
        get(&anonymous, &format!("/schemas/ids/{id2}/versions")).await,
        (200, json!([{"subject": "orders-value", "version": 2}]))
    );
    assert_eq!(
        get(&anonymous, "/schemas/types").await,
        (200, json!(["AVRO"]))
    );

    // Look-up finds the version holding the same canonical form.
    let (status, body) = send_json(
        &anonymous,
        "POST",
        "/subjects/orders-value",
        json!({ "schema": ORDER_V1_SPACED }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["id"].as_i64(), body["version"].as_i64()),
        (Some(id), Some(1))
    );
    assert_eq!(body["subject"], "orders-value");
    let (status, body) = send_json(
        &anonymous,
        "POST",
        "/subjects/orders-value",
        json!({ "schema": MONEY }),
    )
    .await;
    assert_error(status, &body, 404, 40403);
    let (status, body) = send_json(
        &anonymous,
        "POST",
        "/subjects/nobody-value",
        json!({ "schema": MONEY }),
    )
    .await;
    assert_error(status, &body, 404, 40401);

    // Other JSON content types clients use are accepted; the answer is always v1.
    for content_type in [
        "application/json",
        "application/vnd.schemaregistry+json",
        "application/json; charset=utf-8",
    ] {
        let request = Request::post("/registry/subjects/orders-value")
            .header("content-type", content_type)
            .body(Body::from(json!({ "schema": ORDER_V2 }).to_string()))
            .expect("request");
        let answer = anonymous.send(request).await;
        assert_eq!(answer.status, 200, "{content_type}: {}", answer.body);
        assert_eq!(
            answer.headers["content-type"],
            "application/vnd.schemaregistry.v1+json"
        );
    }
    assert_eq!(
        audit_actions(&db).await,
        vec![
            ("anonymous".to_string(), "schema.registered".to_string()),
            ("anonymous".to_string(), "schema.registered".to_string()),
        ]
    );
}

async fn ids_are_shared_and_registering_again_changes_nothing(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    let id = register_ok(&anonymous, "orders-value", ORDER_V1).await;
    let before = counts(&db).await;
    // Same canonical form again: same id, no new version, nothing written.
    assert_eq!(
        register_ok(&anonymous, "orders-value", ORDER_V1_SPACED).await,
        id
    );
    assert_eq!(counts(&db).await, before);
    assert_eq!(
        get(&anonymous, "/subjects/orders-value/versions").await,
        (200, json!([1]))
    );
    // Another subject reuses the id, as version 1 of its own.
    assert_eq!(register_ok(&anonymous, "archive-value", ORDER_V1).await, id);
    assert_eq!(
        get(&anonymous, &format!("/schemas/ids/{id}/subjects")).await,
        (200, json!(["archive-value", "orders-value"]))
    );
    let after = counts(&db).await;
    assert_eq!((after[0], after[1]), (before[0], before[1] + 1));
}

async fn one_schema_registered_concurrently_gets_one_id(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let registry = app.state.registry.clone();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let registry = registry.clone();
            tokio::spawn(async move {
                registry
                    .register(
                        None,
                        &format!("copy{i}-value"),
                        &NewSchema::avro(ORDER_V1, vec![]),
                    )
                    .await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        let registered = t.await.expect("task").expect("registers");
        assert_eq!(registered.version, 1);
        ids.push(registered.id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let c = counts(&db).await;
    assert_eq!((c[0], c[1]), (1, 8));
}

async fn concurrent_schemas_get_consecutive_versions(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    let registry = app.state.registry.clone();
    // NONE: eight unrelated schemas may follow each other.
    registry
        .set_level(
            Some(&admin()),
            Some("many-value"),
            switchboard::registry::Level::None,
        )
        .await
        .expect("level");
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let registry = registry.clone();
            let schema = format!(
                r#"{{"type":"record","name":"R{i}","fields":[{{"name":"f","type":"int"}}]}}"#
            );
            tokio::spawn(async move {
                registry
                    .register(None, "many-value", &NewSchema::avro(schema, vec![]))
                    .await
            })
        })
        .collect();
    let mut pairs = Vec::new();
    for t in tasks {
        let r = t.await.expect("task").expect("registers");
        pairs.push((r.version, r.id));
    }
    pairs.sort();
    let versions: Vec<i32> = pairs.iter().map(|(v, _)| *v).collect();
    assert_eq!(versions, (1..=8).collect::<Vec<_>>());
    let mut ids: Vec<i64> = pairs.iter().map(|(_, id)| *id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 8);
    assert_eq!(
        get(&anonymous, "/subjects/many-value/versions").await,
        (200, json!([1, 2, 3, 4, 5, 6, 7, 8]))
    );
}

fn admin() -> app::auth::Caller {
    app::auth::Caller {
        user_id: ADMIN.into(),
        admin: true,
        teams: vec![],
    }
}

async fn incompatible_schemas_are_refused_and_nothing_is_stored(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    register_ok(&anonymous, "orders-value", ORDER_V1).await;
    let before = counts(&db).await;
    // BACKWARD (the default): a new field without default is refused.
    let (status, body) = register(&anonymous, "orders-value", ORDER_BAD).await;
    assert_error(status, &body, 409, 409);
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("version 1"), "{message}");
    assert!(message.contains("currency"), "{message}");
    assert_eq!(counts(&db).await, before);

    // FORWARD on the subject: old readers ignore the new field, so it is accepted…
    let admin = app.as_user(ADMIN);
    let (status, body) = send_json(
        &admin,
        "PUT",
        "/config/orders-value",
        json!({"compatibility": "FORWARD"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"compatibility": "FORWARD"})));
    assert_eq!(register(&anonymous, "orders-value", ORDER_BAD).await.0, 200);
    // …and FULL_TRANSITIVE then refuses ORDER_V2, which v2 (ORDER_BAD) cannot read.
    let (status, _) = send_json(
        &admin,
        "PUT",
        "/config/orders-value",
        json!({"compatibility": "full_transitive"}),
    )
    .await;
    assert_eq!(status, 200);
    let before = counts(&db).await;
    let (status, body) = register(&anonymous, "orders-value", ORDER_V2).await;
    assert_error(status, &body, 409, 409);
    assert_eq!(counts(&db).await, before);
    // NONE accepts anything.
    send_json(
        &admin,
        "PUT",
        "/config/orders-value",
        json!({"compatibility": "NONE"}),
    )
    .await;
    assert_eq!(register(&anonymous, "orders-value", MONEY).await.0, 200);
}

async fn compatibility_checks_explain_themselves(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    register_ok(&anonymous, "orders-value", ORDER_V1).await;
    let before = counts(&db).await;
    for uri in [
        "/compatibility/subjects/orders-value/versions/latest",
        "/compatibility/subjects/orders-value/versions/1",
        "/compatibility/subjects/orders-value/versions",
    ] {
        let (status, body) = send_json(&anonymous, "POST", uri, json!({"schema": ORDER_V2})).await;
        assert_eq!(
            (status, body),
            (200, json!({"is_compatible": true})),
            "{uri}"
        );
        let (status, body) = send_json(
            &anonymous,
            "POST",
            &format!("{uri}?verbose=true"),
            json!({"schema": ORDER_BAD}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["is_compatible"], false, "{body}");
        let messages = body["messages"].as_array().expect("messages");
        assert!(!messages.is_empty());
        assert!(
            messages
                .iter()
                .all(|m| m.as_str().unwrap_or_default().contains("version 1")),
            "{messages:?}"
        );
    }
    // Verbose: an invalid schema is a message, not an error.
    let (status, body) = send_json(
        &anonymous,
        "POST",
        "/compatibility/subjects/orders-value/versions?verbose=true",
        json!({"schema": "{\"type\":\"nosuch\"}"}),
    )
    .await;
    assert_eq!(
        (status, &body["is_compatible"]),
        (200, &json!(false)),
        "{body}"
    );
    // A missing version is 40402; a subject without versions is compatible with anything.
    let (status, body) = send_json(
        &anonymous,
        "POST",
        "/compatibility/subjects/orders-value/versions/7",
        json!({"schema": ORDER_V2}),
    )
    .await;
    assert_error(status, &body, 404, 40402);
    let (status, body) = send_json(
        &anonymous,
        "POST",
        "/compatibility/subjects/new-value/versions/latest",
        json!({"schema": ORDER_V2}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"is_compatible": true})));
    assert_eq!(counts(&db).await, before, "checks store nothing");
}

async fn config_is_global_or_per_subject(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    let admin = app.as_user(ADMIN);
    assert_eq!(
        get(&anonymous, "/config").await,
        (200, json!({"compatibilityLevel": "BACKWARD"}))
    );
    let (status, body) = get(&anonymous, "/config/orders-value").await;
    assert_error(status, &body, 404, 40408);
    assert_eq!(
        get(&anonymous, "/config/orders-value?defaultToGlobal=true").await,
        (200, json!({"compatibilityLevel": "BACKWARD"}))
    );
    let (status, body) =
        send_json(&admin, "PUT", "/config", json!({"compatibility": "FULL"})).await;
    assert_eq!((status, body), (200, json!({"compatibility": "FULL"})));
    assert_eq!(
        get(&anonymous, "/config").await.1,
        json!({"compatibilityLevel": "FULL"})
    );
    assert_eq!(
        get(&anonymous, "/config/orders-value?defaultToGlobal=true")
            .await
            .1,
        json!({"compatibilityLevel": "FULL"})
    );
    send_json(
        &admin,
        "PUT",
        "/config/orders-value",
        json!({"compatibility": "NONE"}),
    )
    .await;
    assert_eq!(
        get(&anonymous, "/config/orders-value").await.1,
        json!({"compatibilityLevel": "NONE"})
    );

    let (status, body) = call(&admin, "DELETE", "/config/orders-value", None).await;
    assert_eq!(
        (status, common::json(&body)),
        (200, json!({"compatibilityLevel": "NONE"}))
    );
    let (status, body) = call(&admin, "DELETE", "/config/orders-value", None).await;
    assert_error(status, &common::json(&body), 404, 40401);
    let (status, body) = call(&admin, "DELETE", "/config", None).await;
    assert_eq!(
        (status, common::json(&body)),
        (200, json!({"compatibilityLevel": "FULL"}))
    );
    assert_eq!(
        get(&anonymous, "/config").await.1,
        json!({"compatibilityLevel": "BACKWARD"})
    );

    // A wrong level changes nothing.
    let before = counts(&db).await;
    for bad in [
        json!({"compatibility": "SIDEWAYS"}),
        json!({}),
        json!({"compatibility": 3}),
    ] {
        let (status, body) = send_json(&admin, "PUT", "/config", bad.clone()).await;
        let want = if bad["compatibility"].is_number() {
            (400, 400)
        } else {
            (422, 42203)
        };
        assert_error(status, &body, want.0, want.1);
    }
    assert_eq!(counts(&db).await, before);
    let actions: Vec<String> = audit_actions(&db)
        .await
        .into_iter()
        .map(|(a, b)| format!("{a} {b}"))
        .collect();
    assert_eq!(actions.len(), 4, "{actions:?}");
    assert!(
        actions
            .iter()
            .all(|a| a == "root.admin schema.config_changed"),
        "{actions:?}"
    );
}

async fn read_only_refuses_and_import_keeps_ids(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    let admin = app.as_user(ADMIN);
    let id = register_ok(&anonymous, "orders-value", ORDER_V1).await;
    assert_eq!(
        get(&anonymous, "/mode").await,
        (200, json!({"mode": "READWRITE"}))
    );
    let (status, body) = get(&anonymous, "/mode/orders-value").await;
    assert_error(status, &body, 404, 40409);

    let (status, body) = send_json(
        &anonymous,
        "PUT",
        "/mode/orders-value",
        json!({"mode": "READONLY"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"mode": "READONLY"})));
    let before = counts(&db).await;
    let (status, body) = register(&anonymous, "orders-value", ORDER_V2).await;
    assert_error(status, &body, 422, 42205);
    let (status, body) = call(&anonymous, "DELETE", "/subjects/orders-value", None).await;
    assert_error(status, &common::json(&body), 422, 42205);
    assert_eq!(counts(&db).await, before);
    // Registering what is already there still answers its id (clients do this on every start).
    assert_eq!(register_ok(&anonymous, "orders-value", ORDER_V1).await, id);
    let (status, _) = call(&anonymous, "DELETE", "/mode/orders-value", None).await;
    assert_eq!(status, 200);

    // IMPORT: explicit ids and versions, no compatibility check; refused where live versions exist.
    let (status, body) = send_json(&admin, "PUT", "/mode", json!({"mode": "IMPORT"})).await;
    assert_error(status, &body, 422, 42205);
    let (status, body) = send_json(
        &admin,
        "PUT",
        "/mode/copied-value",
        json!({"mode": "import"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"mode": "IMPORT"})));
    let (status, body) = send_json(
        &admin,
        "POST",
        "/subjects/copied-value/versions",
        json!({"schema": COPIED_V1, "id": 100, "version": 3}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"id": 100})));
    let (status, body) = send_json(
        &admin,
        "POST",
        "/subjects/copied-value/versions",
        json!({"schema": COPIED_V2, "id": 101, "version": 4}),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, json!({"id": 101})),
        "no compatibility check in IMPORT"
    );
    // One schema has one id: importing a known schema under another id is refused.
    let (status, body) = send_json(
        &admin,
        "POST",
        "/subjects/copied-value/versions",
        json!({"schema": ORDER_V1, "id": 300, "version": 6}),
    )
    .await;
    assert_error(status, &body, 422, 42205);
    let (status, body) = send_json(
        &admin,
        "POST",
        "/subjects/copied-value/versions",
        json!({"schema": MONEY, "id": 100, "version": 5}),
    )
    .await;
    assert_error(status, &body, 422, 42205);
    let (status, body) = send_json(
        &admin,
        "POST",
        "/subjects/copied-value/versions",
        json!({"schema": MONEY}),
    )
    .await;
    assert_error(status, &body, 422, 42205);
    assert_eq!(
        get(&anonymous, "/subjects/copied-value/versions").await.1,
        json!([3, 4])
    );
    // Explicit ids outside IMPORT are refused; new ids come from the counter,
    // which imported ids do not move.
    let (status, body) = send_json(
        &admin,
        "POST",
        "/subjects/orders-value/versions",
        json!({"schema": ORDER_V2, "id": 500}),
    )
    .await;
    assert_error(status, &body, 422, 42205);
    assert_eq!(
        register_ok(&anonymous, "orders-value", ORDER_V2).await,
        id + 1
    );
    let (status, body) = send_json(&admin, "PUT", "/mode", json!({"mode": "SOMETIMES"})).await;
    assert_error(status, &body, 422, 42204);
}

async fn soft_delete_comes_before_permanent_delete(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    let id1 = register_ok(&anonymous, "orders-value", ORDER_V1).await;
    let id2 = register_ok(&anonymous, "orders-value", ORDER_V2).await;

    let (status, body) = call(
        &anonymous,
        "DELETE",
        "/subjects/orders-value/versions/2?permanent=true",
        None,
    )
    .await;
    assert_error(status, &common::json(&body), 404, 40407);
    let (status, body) = call(
        &anonymous,
        "DELETE",
        "/subjects/orders-value/versions/2",
        None,
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "2"));
    let (status, body) = call(
        &anonymous,
        "DELETE",
        "/subjects/orders-value/versions/2",
        None,
    )
    .await;
    assert_error(status, &common::json(&body), 404, 40406);
    let (status, body) = get(&anonymous, "/subjects/orders-value/versions/2").await;
    assert_error(status, &body, 404, 40402);
    assert_eq!(
        get(&anonymous, "/subjects/orders-value/versions/2?deleted=true")
            .await
            .0,
        200
    );
    assert_eq!(
        get(&anonymous, "/subjects/orders-value/versions?deleted=true")
            .await
            .1,
        json!([1, 2])
    );
    // The id of a soft-deleted version still resolves (old data stays readable).
    assert_eq!(get(&anonymous, &format!("/schemas/ids/{id2}")).await.0, 200);

    // Registering a soft-deleted schema again makes a new version with the same id.
    assert_eq!(register_ok(&anonymous, "orders-value", ORDER_V2).await, id2);
    assert_eq!(
        get(&anonymous, "/subjects/orders-value/versions?deleted=true")
            .await
            .1,
        json!([1, 3])
    );

    let (status, body) = call(
        &anonymous,
        "DELETE",
        "/subjects/orders-value?permanent=true",
        None,
    )
    .await;
    assert_error(status, &common::json(&body), 404, 40405);
    let (status, body) = call(&anonymous, "DELETE", "/subjects/orders-value", None).await;
    assert_eq!((status, common::json(&body)), (200, json!([1, 3])));
    assert_eq!(get(&anonymous, "/subjects").await.1, json!([]));
    assert_eq!(
        get(&anonymous, "/subjects?deleted=true").await.1,
        json!(["orders-value"])
    );
    let (status, body) = get(&anonymous, "/subjects/orders-value/versions").await;
    assert_error(status, &body, 404, 40401);
    let (status, body) = call(&anonymous, "DELETE", "/subjects/orders-value", None).await;
    assert_error(status, &common::json(&body), 404, 40404);
    let (status, body) = call(
        &anonymous,
        "DELETE",
        "/subjects/orders-value?permanent=true",
        None,
    )
    .await;
    assert_eq!((status, common::json(&body)), (200, json!([1, 3])));
    assert_eq!(get(&anonymous, "/subjects?deleted=true").await.1, json!([]));
    let (status, body) = get(&anonymous, &format!("/schemas/ids/{id1}")).await;
    assert_error(status, &body, 404, 40403);
    let (status, body) = call(&anonymous, "DELETE", "/subjects/orders-value", None).await;
    assert_error(status, &common::json(&body), 404, 40401);
    // Ids are stable: the same schema registered again gets its old id back.
    assert_eq!(register_ok(&anonymous, "orders-value", ORDER_V1).await, id1);
    let actions = audit_actions(&db).await;
    assert_eq!(
        actions
            .iter()
            .filter(|(_, a)| a.ends_with("_deleted"))
            .count(),
        3,
        "{actions:?}"
    );
}

async fn references_resolve_and_protect_their_targets(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    let money = register_ok(&anonymous, "acme-money", MONEY).await;
    let refs = json!([{"name": "acme.Money", "subject": "acme-money", "version": 1}]);
    let (status, body) = send_json(
        &anonymous,
        "POST",
        "/subjects/payments-value/versions",
        json!({"schema": PAYMENT, "references": refs}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let payment = body["id"].as_i64().expect("id");
    assert_ne!(payment, money);
    assert_eq!(
        get(&anonymous, &format!("/schemas/ids/{payment}")).await.1,
        json!({"schema": PAYMENT, "references": refs})
    );
    assert_eq!(
        get(&anonymous, "/subjects/payments-value/versions/1")
            .await
            .1["references"],
        refs
    );
    assert_eq!(
        get(&anonymous, "/subjects/acme-money/versions/1/referencedby").await,
        (200, json!([payment]))
    );
    // Without its reference the named type is unknown.
    let (status, body) = register(&anonymous, "payments2-value", PAYMENT).await;
    assert_error(status, &body, 422, 42201);
    let bad_ref = json!([{"name": "acme.Money", "subject": "acme-money", "version": 9}]);
    let (status, body) = send_json(
        &anonymous,
        "POST",
        "/subjects/payments2-value/versions",
        json!({"schema": PAYMENT, "references": bad_ref}),
    )
    .await;
    assert_error(status, &body, 422, 42201);

    // A referenced version cannot be deleted.
    let before = counts(&db).await;
    let (status, body) = call(
        &anonymous,
        "DELETE",
        "/subjects/acme-money/versions/1",
        None,
    )
    .await;
    assert_error(status, &common::json(&body), 422, 42206);
    let (status, body) = call(&anonymous, "DELETE", "/subjects/acme-money", None).await;
    assert_error(status, &common::json(&body), 422, 42206);
    assert_eq!(counts(&db).await, before);
    // Once the referrer is soft-deleted, a soft delete of the target is allowed.
    assert_eq!(
        call(&anonymous, "DELETE", "/subjects/payments-value", None)
            .await
            .0,
        200
    );
    assert_eq!(
        get(&anonymous, "/subjects/acme-money/versions/1/referencedby")
            .await
            .1,
        json!([])
    );
    assert_eq!(
        call(&anonymous, "DELETE", "/subjects/acme-money", None)
            .await
            .0,
        200
    );
}

async fn bad_input_gets_confluent_codes_and_stores_nothing(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    register_ok(&anonymous, "orders-value", ORDER_V1).await;
    let before = counts(&db).await;
    let uri = "/subjects/orders-value/versions";

    for (body, status, code) in [
        ("{\"schema\": ", 400, 400),
        ("not json", 400, 400),
        ("", 400, 400),
        ("{\"schema\": 5}", 400, 400),
        ("{}", 422, 42201),
    ] {
        let (s, text) = call(&anonymous, "POST", uri, Some(body.to_string())).await;
        assert_error(s, &common::json(&text), status, code);
    }
    for invalid in [
        r#"{"type":"record","name":"1bad","fields":[{"name":"id","type":"string"}]}"#,
        r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"nosuchtype"}]}"#,
        r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"id","type":"int"}]}"#,
        r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"n","type":"int","default":"seven"}]}"#,
        "{not json at all",
    ] {
        let (status, body) = register(&anonymous, "orders-value", invalid).await;
        assert_error(status, &body, 422, 42201);
        let (status, body) = register(&anonymous, "fresh-value", invalid).await;
        assert_error(status, &body, 422, 42201);
    }
    let (status, body) = send_json(
        &anonymous,
        "POST",
        uri,
        json!({"schema": ORDER_V2, "schemaType": "PROTOBUF"}),
    )
    .await;
    assert_error(status, &body, 422, 42201);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("AVRO"),
        "{body}"
    );
    let (status, body) = send_json(
        &anonymous,
        "POST",
        uri,
        json!({"schema": ORDER_V2, "version": 7}),
    )
    .await;
    assert_error(status, &body, 422, 42201);

    // Unknown subjects, versions and ids; invalid versions.
    let (status, body) = get(&anonymous, "/subjects/nobody-value/versions/1").await;
    assert_error(status, &body, 404, 40401);
    let (status, body) = get(&anonymous, "/subjects/orders-value/versions/9").await;
    assert_error(status, &body, 404, 40402);
    for v in ["0", "-2", "first", "1.5"] {
        let (status, body) = get(&anonymous, &format!("/subjects/orders-value/versions/{v}")).await;
        assert_error(status, &body, 422, 42202);
    }
    for id in ["999", "abc"] {
        let (status, body) = get(&anonymous, &format!("/schemas/ids/{id}")).await;
        assert_error(status, &body, 404, 40403);
    }
    let (status, body) = call(
        &anonymous,
        "DELETE",
        "/subjects/orders-value/versions/9",
        None,
    )
    .await;
    assert_error(status, &common::json(&body), 404, 40402);
    let (status, body) = get(&anonymous, "/no/such/endpoint").await;
    assert_error(status, &body, 404, 404);
    let (status, body) = call(&anonymous, "PATCH", "/subjects", None).await;
    assert_error(status, &common::json(&body), 405, 405);

    // Content types outside Confluent's set are refused.
    let request = Request::post(format!("/registry{uri}"))
        .header("content-type", "text/plain")
        .body(Body::from(json!({ "schema": ORDER_V2 }).to_string()))
        .expect("request");
    let answer = anonymous.send(request).await;
    assert_error(answer.status.as_u16(), &answer.json(), 415, 415);

    assert_eq!(counts(&db).await, before);
    assert_eq!(
        get(&anonymous, "/subjects").await.1,
        json!(["orders-value"])
    );
}

async fn oversized_schemas_are_refused(db: Db) {
    let app = TestApp::over(db.clone(), config(true)).await;
    let anonymous = app.anonymous();
    let before = counts(&db).await;
    let fields: Vec<String> = (0..40_000)
        .map(|i| format!(r#"{{"name":"field_number_{i:06}","type":"string"}}"#))
        .collect();
    let big = format!(
        r#"{{"type":"record","name":"Big","fields":[{}]}}"#,
        fields.join(",")
    );
    assert!(big.len() > 1024 * 1024);
    let (status, body) = register(&anonymous, "big-value", &big).await;
    assert_error(status, &body, 422, 42209);
    // Bodies beyond the transport limit are refused before parsing.
    let huge = json!({ "schema": "x".repeat(9 * 1024 * 1024) }).to_string();
    let (status, text) = call(
        &anonymous,
        "POST",
        "/subjects/big-value/versions",
        Some(huge),
    )
    .await;
    assert_error(status, &common::json(&text), 413, 413);
    assert_eq!(counts(&db).await, before);
}

/// A team, its member, a cluster and an event whose master topic is EVENT_TOPIC.
async fn seed_event(db: &Db) {
    let now = "2025-01-01T00:00:00Z";
    for (sql, args) in [
        (
            "INSERT INTO teams (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
            vec!["billing", "Billing", now],
        ),
        (
            "INSERT INTO teams (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)",
            vec!["other", "Other", now],
        ),
        (
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)",
            vec!["billing", OWNER],
        ),
        (
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)",
            vec!["other", OUTSIDER],
        ),
        (
            "INSERT INTO clusters (id, name, platform, bootstrap_servers, flavour, created_at, \
             updated_at) VALUES ($1, $1, 'on_premises', '127.0.0.1:1', 'apache_kafka', $2, $2)",
            vec!["onprem", now],
        ),
        (
            "INSERT INTO events (name, title, team_id, domain, lifecycle, home_cluster, topic, \
             created_at, updated_at) VALUES ('billing.invoice', 'Invoice', 'billing', 'billing', \
             'published', 'onprem', $1, $2, $2)",
            vec![EVENT_TOPIC, now],
        ),
    ] {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(a);
        }
        q.execute(db.pool()).await.expect("seed");
    }
}

async fn writes_need_the_right_caller(db: Db) {
    seed_event(&db).await;
    // Anonymous writes closed; an app with them open is built where it is used.
    let app = TestApp::over(db.clone(), config(false)).await;
    let anonymous = app.anonymous();
    let event_subject = format!("{EVENT_TOPIC}-value");
    let owner = app.as_user(OWNER);
    let outsider = app.as_user(OUTSIDER);
    let admin = app.as_user(ADMIN);
    // Signed in before the counts are taken, as they were.
    for user in [OWNER, OUTSIDER, ADMIN] {
        app.cookie(user).await;
    }
    let before = counts(&db).await;

    // Anonymous writes are refused while the flag is off; reads stay open.
    let (status, body) = register(&anonymous, "free-value", ORDER_V1).await;
    assert_error(status, &body, 401, 40101);
    let (status, body) = send_json(
        &anonymous,
        "PUT",
        "/config/free-value",
        json!({"compatibility": "NONE"}),
    )
    .await;
    assert_error(status, &body, 401, 40101);
    assert_eq!(get(&anonymous, "/subjects").await.0, 200);
    // With the flag on, anonymous callers still cannot touch an event's subject.
    let open = TestApp::over(db.clone(), config(true)).await;
    let (status, body) = register(&open.anonymous(), &event_subject, ORDER_V1).await;
    assert_error(status, &body, 403, 40301);
    // Signed in but not of the owning team: 403, on data and settings alike.
    let (status, body) = send_json(
        &outsider,
        "POST",
        &format!("/subjects/{event_subject}/versions"),
        json!({"schema": ORDER_V1}),
    )
    .await;
    assert_error(status, &body, 403, 40301);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("billing"),
        "{body}"
    );
    // Only admins change global settings, or an event subject's settings.
    let event_config = format!("/config/{event_subject}");
    let event_mode = format!("/mode/{event_subject}");
    for uri in ["/config", "/mode", &event_config, &event_mode] {
        let body = if uri.contains("mode") {
            json!({"mode": "READONLY"})
        } else {
            json!({"compatibility": "NONE"})
        };
        let (status, answer) = send_json(&owner, "PUT", uri, body).await;
        assert_error(status, &answer, 403, 40301);
    }
    let (status, body) = call(&outsider, "DELETE", "/config", None).await;
    assert_error(status, &common::json(&body), 403, 40301);
    assert_eq!(counts(&db).await, before, "refusals change nothing");

    // The owner registers on the event subject; anyone signed in elsewhere; the admin anywhere.
    let (status, body) = send_json(
        &owner,
        "POST",
        &format!("/subjects/{event_subject}/versions"),
        json!({"schema": ORDER_V1}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = send_json(
        &outsider,
        "POST",
        "/subjects/free-value/versions",
        json!({"schema": MONEY}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send_json(
        &admin,
        "PUT",
        &format!("/config/{event_subject}"),
        json!({"compatibility": "FULL"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = call(
        &outsider,
        "DELETE",
        &format!("/subjects/{event_subject}"),
        None,
    )
    .await;
    assert_error(status, &common::json(&body), 403, 40301);
    assert_eq!(
        audit_actions(&db).await,
        vec![
            (OWNER.to_string(), "schema.registered".to_string()),
            (OUTSIDER.to_string(), "schema.registered".to_string()),
            (ADMIN.to_string(), "schema.config_changed".to_string()),
        ]
    );
}
