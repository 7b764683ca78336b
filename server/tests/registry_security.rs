//! The schema registry against the review's attacks, on both databases:
//! chosen ids (IMPORT) are for admins and cannot exhaust the id range;
//! subjects of events and of pending proposals cannot be squatted, and a
//! team's subjects are its own; writes need a JSON content type; subject names
//! are restricted; no malformed input answers 5xx.

mod common;

use app::access::{Decision, NewEventForm};
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use switchboard::config::Config;
use switchboard::db::Db;
use switchboard::provision::Provisioner;
use switchboard::registry::VersionSpec;

use common::app::{Client, TestApp};
use common::registry_api::{call, send_json};

backend_suite!(
    chosen_ids_are_for_admins_and_cannot_exhaust_the_range,
    a_proposed_event_subject_cannot_be_squatted,
    subjects_belong_to_their_event_or_team,
    writes_need_a_json_content_type,
    subject_names_are_restricted,
    malformed_input_never_answers_5xx,
    existing_subjects_get_owners_and_ids_a_counter_on_upgrade,
);

const ADMIN: &str = "platform.admin";
// field-service: owns fieldservice.job.assigned (topic EVENT_TOPIC)
const GARETH: &str = "gareth.evans";
const NADIA: &str = "nadia.rahman";
// service-desk
const KATE: &str = "kate.morgan";

const EVENT_TOPIC: &str = "fieldservice.job.assigned.v1";
const PROPOSED_EVENT: &str = "fieldservice.part.ordered";
const PROPOSED_TOPIC: &str = "fieldservice.part.ordered.v1";

const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"}]}"#;
const OTHER: &str =
    r#"{"type":"record","name":"Other","namespace":"acme","fields":[{"name":"n","type":"int"}]}"#;
const THIRD: &str =
    r#"{"type":"record","name":"Third","namespace":"acme","fields":[{"name":"t","type":"long"}]}"#;
const SQUAT: &str = r#"{"type":"record","name":"PartOrdered","namespace":"fieldservice","fields":[{"name":"x","type":"int"}]}"#;
const PART_ORDERED: &str = r#"{"type":"record","name":"PartOrdered","namespace":"fieldservice","fields":[{"name":"part","type":"string","doc":"Part number"}]}"#;

/// As `--demo` runs: anonymous registry writes allowed where nobody owns the subject.
fn config() -> Config {
    let mut c = common::test_config();
    c.auth.admins = vec![ADMIN.into()];
    c.registry.anonymous_writes = true;
    c.provision.kafka_timeout_ms = 1000;
    c
}

/// The demo catalogue (teams, members, events) and clusters; `onprem` has no broker.
async fn seeded(db: &Db, cfg: Config) -> TestApp {
    let mut clusters = switchboard::demo::demo_clusters(19092);
    clusters[0].bootstrap_servers = format!("127.0.0.1:{}", common::free_port());
    TestApp::with_clusters(db.clone(), cfg, clusters).await
}

async fn register(client: &Client<'_>, subject: &str, body: Value) -> (u16, Value) {
    let uri = format!("/subjects/{subject}/versions");
    send_json(client, "POST", &uri, body).await
}

fn assert_error(status: u16, body: &Value, want_status: u16, want_code: i64) {
    assert_eq!(
        (status, body["error_code"].as_i64()),
        (want_status, Some(want_code)),
        "{body}"
    );
}

/// Rows of every registry table and of the audit log.
async fn counts(db: &Db) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "registry_schemas",
        "registry_versions",
        "registry_subjects",
        "registry_subject_owners",
        "registry_config",
        "registry_mode",
        "registry_id_counter",
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

async fn owners(db: &Db, subject: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT team_id FROM registry_subject_owners WHERE subject = $1")
        .bind(subject)
        .fetch_all(db.pool())
        .await
        .expect("owners")
}

async fn chosen_ids_are_for_admins_and_cannot_exhaust_the_range(db: Db) {
    let app = seeded(&db, config()).await;
    let anonymous = app.anonymous();
    let admin = app.as_user(ADMIN);
    let member = app.as_user(NADIA);
    let (status, body) = register(&anonymous, "first-value", json!({"schema": ORDER})).await;
    assert_eq!((status, body), (200, json!({"id": 1})));

    // IMPORT is for admins only, anonymous or signed in.
    let import = json!({"mode": "IMPORT"});
    let (status, body) = send_json(&anonymous, "PUT", "/mode/copy-value", import.clone()).await;
    assert_error(status, &body, 401, 40101);
    let (status, body) = send_json(&member, "PUT", "/mode/copy-value", import.clone()).await;
    assert_error(status, &body, 403, 40301);
    let (status, body) = registry_api_get(&app, "/mode/copy-value").await;
    assert_error(status, &body, 404, 40409);
    let (status, body) = send_json(&admin, "PUT", "/mode/copy-value", import).await;
    assert_eq!((status, body), (200, json!({"mode": "IMPORT"})));

    // Choosing an id is an admin's, and ids fit Confluent's int32.
    let before = counts(&db).await;
    let (status, body) = register(&member, "copy-value", json!({"schema": OTHER, "id": 50})).await;
    assert_error(status, &body, 403, 40301);
    for id in [
        json!(9_223_372_036_854_775_807_i64),
        json!(2_147_483_648_i64),
        json!(0),
    ] {
        let (status, body) =
            register(&admin, "copy-value", json!({"schema": OTHER, "id": id})).await;
        assert_error(status, &body, 422, 42205);
    }
    assert_eq!(counts(&db).await, before, "refusals store nothing");

    // The highest id, and the id the counter would give next, imported.
    let (status, body) = register(
        &admin,
        "copy-value",
        json!({"schema": OTHER, "id": 2_147_483_647_i64, "version": 1}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"id": 2_147_483_647_i64})));
    let (status, body) = register(
        &admin,
        "copy-value",
        json!({"schema": THIRD, "id": 2, "version": 2}),
    )
    .await;
    assert_eq!((status, body), (200, json!({"id": 2})));
    let (status, _) = call(&admin, "DELETE", "/mode/copy-value", None).await;
    assert_eq!(status, 200);

    // Later registrations get the next free ids, skipping the imported one.
    let v2 = r#"{"type":"record","name":"Order","namespace":"acme","fields":[{"name":"id","type":"string"},{"name":"n","type":["null","int"],"default":null}]}"#;
    let (status, body) = register(&anonymous, "first-value", json!({"schema": v2})).await;
    assert_eq!((status, body), (200, json!({"id": 3})));
    let (status, body) = register(&anonymous, "later-value", json!({"schema": THIRD})).await;
    assert_eq!(
        (status, body),
        (200, json!({"id": 2})),
        "same schema, same id"
    );
    let fourth = r#"{"type":"record","name":"Fourth","fields":[{"name":"f","type":"string"}]}"#;
    let (status, body) = register(&anonymous, "fourth-value", json!({"schema": fourth})).await;
    assert_eq!((status, body), (200, json!({"id": 4})));
    let (status, body) = registry_api_get(&app, "/schemas/ids/2147483647").await;
    assert_eq!(status, 200, "{body}");
}

async fn registry_api_get(app: &TestApp, uri: &str) -> (u16, Value) {
    let (status, text) = call(&app.anonymous(), "GET", uri, None).await;
    (status, common::json(&text))
}

fn proposal() -> NewEventForm {
    NewEventForm {
        team: "field-service".into(),
        name: PROPOSED_EVENT.into(),
        title: "Spare part ordered".into(),
        home_cluster: "onprem".into(),
        topic: PROPOSED_TOPIC.into(),
        template: "standard".into(),
        value_schema: PART_ORDERED.into(),
        description: "An engineer ordered a spare part.".into(),
        tags: vec!["internal".into()],
    }
}

async fn a_proposed_event_subject_cannot_be_squatted(db: Db) {
    let app = seeded(&db, config()).await;
    let state = &app.state;
    let request = state
        .access
        .submit_new_event(app.caller(GARETH).await, proposal())
        .await
        .expect("proposal submitted");
    let anonymous = app.anonymous();
    let kate = app.as_user(KATE);
    let before = counts(&db).await;

    // Every subject of the proposed topic, under every naming strategy.
    for suffix in ["value", "key", "fieldservice.PartOrdered"] {
        let subject = format!("{PROPOSED_TOPIC}-{suffix}");
        let (status, body) = register(&anonymous, &subject, json!({"schema": SQUAT})).await;
        assert_error(status, &body, 403, 40301);
        let (status, body) = register(&kate, &subject, json!({"schema": SQUAT})).await;
        assert_error(status, &body, 403, 40301);
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("field-service"),
            "{body}"
        );
        for (uri, setting) in [
            (format!("/mode/{subject}"), json!({"mode": "READONLY"})),
            (
                format!("/config/{subject}"),
                json!({"compatibility": "NONE"}),
            ),
        ] {
            // Settings of a reserved subject are an admin's: sign in first.
            let (status, body) = send_json(&anonymous, "PUT", &uri, setting.clone()).await;
            assert_error(status, &body, 401, 40101);
            let (status, body) = send_json(&kate, "PUT", &uri, setting).await;
            assert_error(status, &body, 403, 40301);
        }
    }
    assert_eq!(counts(&db).await, before, "nothing was squatted");

    // Approved: the platform's job registers the proposal's schema as version 1.
    state
        .access
        .decide(
            app.caller(ADMIN).await,
            Decision {
                request: request.id.clone(),
                approve: true,
                comment: "ok".into(),
            },
        )
        .await
        .expect("approved");
    let worker = Provisioner::new(
        db.clone(),
        state.access.clone(),
        state.registry.clone(),
        app.config.provision.clone(),
    );
    let report = worker.run_pass().await.expect("pass");
    assert_eq!(report.done.len(), 1, "the schema job: {report:?}");
    let subject = format!("{PROPOSED_TOPIC}-value");
    let registered = state
        .registry
        .version(&subject, VersionSpec::Latest, false)
        .await
        .expect("registered");
    assert_eq!(registered.version, 1);
    assert!(
        registered.schema.contains("Part number"),
        "{}",
        registered.schema
    );
    assert_eq!(owners(&db, &subject).await, ["field-service"]);
}

async fn subjects_belong_to_their_event_or_team(db: Db) {
    let app = seeded(&db, config()).await;
    let anonymous = app.anonymous();
    let gareth = app.as_user(GARETH);
    let nadia = app.as_user(NADIA);
    let kate = app.as_user(KATE);
    let admin = app.as_user(ADMIN);

    // An event's topic reserves its RecordNameStrategy subjects too.
    let record_subject = format!("{EVENT_TOPIC}-acme.Order");
    let before = counts(&db).await;
    let (status, body) = register(&anonymous, &record_subject, json!({"schema": ORDER})).await;
    assert_error(status, &body, 403, 40301);
    let (status, body) = register(&kate, &record_subject, json!({"schema": ORDER})).await;
    assert_error(status, &body, 403, 40301);
    assert_eq!(counts(&db).await, before);
    let (status, body) = register(&gareth, &record_subject, json!({"schema": ORDER})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(owners(&db, &record_subject).await, ["field-service"]);

    // A subject no event names belongs to the team of its first registrant.
    let team_subject = "acme.Other";
    let (status, body) = register(&gareth, team_subject, json!({"schema": OTHER})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(owners(&db, team_subject).await, ["field-service"]);
    let before = counts(&db).await;
    let readonly = json!({"mode": "READONLY"});
    for client in [&anonymous, &kate] {
        let (status, body) = register(client, team_subject, json!({"schema": THIRD})).await;
        assert_error(status, &body, 403, 40301);
        for (uri, setting) in [
            (format!("/mode/{team_subject}"), readonly.clone()),
            (
                format!("/config/{team_subject}"),
                json!({"compatibility": "NONE"}),
            ),
        ] {
            let (status, body) = send_json(client, "PUT", &uri, setting).await;
            assert_error(status, &body, 403, 40301);
        }
        for uri in [
            format!("/subjects/{team_subject}"),
            format!("/subjects/{team_subject}/versions/1"),
        ] {
            let (status, body) = call(client, "DELETE", &uri, None).await;
            assert_error(status, &common::json(&body), 403, 40301);
        }
    }
    assert_eq!(counts(&db).await, before, "refusals change nothing");
    // Team mates and admins may.
    let uri = format!("/mode/{team_subject}");
    let (status, body) = send_json(&nadia, "PUT", &uri, readonly).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = call(&admin, "DELETE", &uri, None).await;
    assert_eq!(status, 200);
    let (status, body) = call(&nadia, "DELETE", &format!("/subjects/{team_subject}"), None).await;
    assert_eq!((status, common::json(&body)), (200, json!([1])));
    // Deleted, it stays the team's: nobody else takes the name over.
    let (status, body) = register(&kate, team_subject, json!({"schema": OTHER})).await;
    assert_error(status, &body, 403, 40301);

    // A subject registered anonymously (the demo's sandbox) has no owner.
    let (status, _) = register(&anonymous, "sandbox-value", json!({"schema": ORDER})).await;
    assert_eq!(status, 200);
    assert!(owners(&db, "sandbox-value").await.is_empty());
    let (status, _) = send_json(
        &anonymous,
        "PUT",
        "/config/sandbox-value",
        json!({"compatibility": "NONE"}),
    )
    .await;
    assert_eq!(status, 200);
}

/// A raw registry request with the given content type (none: no header).
async fn with_type(
    app: &TestApp,
    method: &str,
    uri: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/registry{uri}"));
    if let Some(t) = content_type {
        request = request.header("content-type", t);
    }
    let request = request.body(Body::from(body.to_string())).expect("request");
    let answer = app.anonymous().send(request).await;
    assert_eq!(
        answer.headers["content-type"], "application/vnd.schemaregistry.v1+json",
        "{}",
        answer.body
    );
    (answer.status.as_u16(), common::json(&answer.body))
}

async fn writes_need_a_json_content_type(db: Db) {
    let app = TestApp::over(db.clone(), config()).await;
    let schema = json!({ "schema": ORDER }).to_string();
    let config_body = json!({"compatibility": "NONE"}).to_string();
    let before = counts(&db).await;
    // What a cross-site form or fetch can send without asking, and other non-JSON.
    for content_type in [
        None,
        Some("text/plain"),
        Some("text/plain; charset=utf-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/octet-stream"),
        Some("*/*"),
        Some("application/jsonx"),
    ] {
        for (method, uri, body) in [
            ("POST", "/subjects/orders-value/versions", schema.as_str()),
            ("POST", "/subjects/orders-value", schema.as_str()),
            (
                "POST",
                "/compatibility/subjects/orders-value/versions",
                schema.as_str(),
            ),
            ("PUT", "/config/orders-value", config_body.as_str()),
            ("PUT", "/mode/orders-value", r#"{"mode":"READONLY"}"#),
            ("DELETE", "/subjects/orders-value", schema.as_str()),
        ] {
            let (status, answer) = with_type(&app, method, uri, content_type, body).await;
            assert_error(status, &answer, 415, 415);
        }
    }
    assert_eq!(counts(&db).await, before, "nothing stored");
    // Confluent's types, with parameters and in any case.
    for (i, content_type) in [
        "application/vnd.schemaregistry.v1+json",
        "application/vnd.schemaregistry+json; charset=utf-8",
        "Application/JSON",
    ]
    .into_iter()
    .enumerate()
    {
        let (status, answer) = with_type(
            &app,
            "POST",
            &format!("/subjects/typed{i}-value/versions"),
            Some(content_type),
            &schema,
        )
        .await;
        assert_eq!((status, answer), (200, json!({"id": 1})), "{content_type}");
    }
}

async fn subject_names_are_restricted(db: Db) {
    let app = TestApp::over(db.clone(), config()).await;
    let anonymous = app.anonymous();
    let long = "x".repeat(256);
    let before = counts(&db).await;
    for subject in [
        "%20leading",
        "trailing%20",
        "in%20between",
        "tab%09ed",
        "a%2Fb",
        "a%5Cb",
        "%2E%2E",
        "%2E",
        "zero%E2%80%8Bwidth",
        "new%0Aline",
        long.as_str(),
    ] {
        let (status, body) = register(&anonymous, subject, json!({"schema": ORDER})).await;
        assert_error(status, &body, 422, 42208);
        assert!(
            body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("not valid"),
            "{body}"
        );
        for (uri, setting) in [
            (
                format!("/config/{subject}"),
                json!({"compatibility": "NONE"}),
            ),
            (format!("/mode/{subject}"), json!({"mode": "READONLY"})),
        ] {
            let (status, body) = send_json(&anonymous, "PUT", &uri, setting).await;
            assert_error(status, &body, 422, 42208);
        }
    }
    assert_eq!(counts(&db).await, before, "nothing stored");
    // What Confluent's naming strategies produce is fine.
    for subject in [
        "orders-value",
        "acme.Order",
        "orders-acme.Order",
        ":.ctx:orders-value",
    ] {
        let (status, body) = register(&anonymous, subject, json!({"schema": ORDER})).await;
        assert_eq!(status, 200, "{subject}: {body}");
    }
}

/// Many anonymous requests to one app (the sweep sends hundreds); unlike
/// [`call`], any content type may come back.
struct Sweep<'a>(Client<'a>);

impl Sweep<'_> {
    /// Status and body of a registry call with a JSON body, or none.
    async fn send(&self, method: &str, uri: &str, body: Option<&String>) -> (u16, String) {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/registry{uri}"));
        if body.is_some() {
            request = request.header("content-type", "application/vnd.schemaregistry.v1+json");
        }
        let request = request
            .body(body.map(|b| Body::from(b.clone())).unwrap_or_default())
            .expect("request");
        let answer = self.0.send(request).await;
        (answer.status.as_u16(), answer.body)
    }
}

async fn malformed_input_never_answers_5xx(db: Db) {
    let app = TestApp::over(db.clone(), config()).await;
    let (status, _) = register(&app.anonymous(), "orders-value", json!({"schema": ORDER})).await;
    assert_eq!(status, 200);
    let sweep = Sweep(app.anonymous());
    let before = counts(&db).await;
    let subjects = [
        "nul%00byte",
        "%00",
        "%FF%FE",
        "a%2Fb",
        "%2E%2E",
        "orders-value",
    ];
    // Valid Avro but for the NUL in a doc, which PostgreSQL cannot store.
    let nul_schema = ORDER.replace("\"string\"}", "\"string\",\"doc\":\"a\\u0000b\"}");
    assert_ne!(nul_schema, ORDER);
    let bodies = [
        json!({"schema": nul_schema}).to_string(),
        json!({"schema": ORDER, "references": [{"name": "x\u{0}", "subject": "orders-value", "version": 1}]}).to_string(),
        json!({"schema": ORDER, "references": [{"name": "x", "subject": "nul\u{0}", "version": 1}]}).to_string(),
        json!({"schema": ORDER, "references": [{"name": "x", "subject": "orders-value", "version": 2_147_483_648_i64}]}).to_string(),
        json!({"schema": ORDER, "id": "1"}).to_string(),
        json!({"schema": ORDER, "id": 1e300}).to_string(),
        r#"{"schema": "x", "id": 99999999999999999999999}"#.to_string(),
        json!({"schema": ORDER, "version": 99_999_999_999_i64}).to_string(),
        json!({"schema": ORDER, "schemaType": "AV\u{0}RO"}).to_string(),
        json!({"compatibility": "NO\u{0}NE", "mode": "READ\u{0}ONLY"}).to_string(),
        json!([1, 2, 3]).to_string(),
        "\u{0}".to_string(),
        "{\"schema\": \"\\ud800\"}".to_string(),
    ];
    let mut sent = 0;
    for subject in subjects {
        let mut routes: Vec<(&str, String)> = vec![
            ("POST", format!("/subjects/{subject}/versions")),
            ("POST", format!("/subjects/{subject}")),
            (
                "POST",
                format!("/compatibility/subjects/{subject}/versions"),
            ),
            (
                "POST",
                format!("/compatibility/subjects/{subject}/versions/latest"),
            ),
            ("PUT", format!("/config/{subject}")),
            ("PUT", format!("/mode/{subject}")),
        ];
        for (method, uri) in &routes {
            for body in &bodies {
                let (status, text) = sweep.send(method, uri, Some(body)).await;
                assert!(status < 500, "{method} {uri} {body:?}: {status} {text}");
                sent += 1;
            }
        }
        routes = vec![
            ("GET", format!("/subjects/{subject}/versions")),
            ("GET", format!("/subjects/{subject}/versions/latest")),
            ("GET", format!("/subjects/{subject}/versions/1/schema")),
            (
                "GET",
                format!("/subjects/{subject}/versions/1/referencedby"),
            ),
            ("GET", format!("/config/{subject}")),
            ("GET", format!("/mode/{subject}")),
            ("DELETE", format!("/subjects/{subject}/versions/%00")),
            (
                "DELETE",
                format!("/subjects/{subject}/versions/99999999999"),
            ),
            ("DELETE", format!("/config/{subject}")),
            ("DELETE", format!("/mode/{subject}")),
            ("GET", format!("/schemas/ids/{subject}")),
            ("GET", format!("/schemas/ids/{subject}/versions")),
        ];
        for (method, uri) in &routes {
            let (status, text) = sweep.send(method, uri, None).await;
            assert!(status < 500, "{method} {uri}: {status} {text}");
            sent += 1;
        }
    }
    for id in [
        "9223372036854775808",
        "-9223372036854775809",
        "%00",
        "1e3",
        "0x10",
    ] {
        let (status, text) = sweep.send("GET", &format!("/schemas/ids/{id}"), None).await;
        assert!(status < 500, "{id}: {status} {text}");
        sent += 1;
    }
    assert!(sent >= 500, "{sent} inputs");
    assert_eq!(counts(&db).await, before, "nothing stored");
}

/// A database as the attack left it before this version: an id at the top of
/// i64, subjects registered by a team member and anonymously. Migration 0011
/// is undone first, then applied again over that data.
async fn existing_subjects_get_owners_and_ids_a_counter_on_upgrade(db: Db) {
    let now = "2025-01-01T00:00:00Z";
    let max = i64::MAX.to_string();
    for (sql, args) in [
        ("DROP TABLE registry_id_counter", vec![]),
        ("DROP TABLE registry_subject_owners", vec![]),
        ("DELETE FROM _sqlx_migrations WHERE version = 11", vec![]),
        (
            "INSERT INTO teams (id, name, created_at, updated_at) VALUES ('billing', 'Billing', $1, $1)",
            vec![now],
        ),
        (
            "INSERT INTO team_members (team_id, user_id) VALUES ('billing', 'olga')",
            vec![],
        ),
        (
            "INSERT INTO registry_subjects (subject, writes, created_at) \
             VALUES ('owned-value', 1, $1), ('anon-value', 1, $1), ('old name', 1, $1)",
            vec![now],
        ),
        (
            "INSERT INTO registry_schemas (id, fingerprint, schema_text, canonical, created_at) \
             VALUES (7, 'f7', '\"int\"', '\"int\"', $1)",
            vec![now],
        ),
        (
            "INSERT INTO registry_versions (subject, version, schema_id, created_at) \
             VALUES ('owned-value', 1, 7, $1), ('old name', 1, 7, $1)",
            vec![now],
        ),
        (
            "INSERT INTO audit_log (at, actor, action, subject) VALUES \
             ($1, 'olga', 'schema.registered', 'schema-subject:owned-value'), \
             ($1, 'anonymous', 'schema.registered', 'schema-subject:anon-value')",
            vec![now],
        ),
    ] {
        let mut q = sqlx::query(sql);
        for a in args {
            q = q.bind(a);
        }
        q.execute(db.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    sqlx::query(
        "INSERT INTO registry_schemas (id, fingerprint, schema_text, canonical, created_at) \
         VALUES ($1, 'fmax', '\"long\"', '\"long\"', $2)",
    )
    .bind(max.parse::<i64>().expect("i64"))
    .bind(now)
    .execute(db.pool())
    .await
    .expect("the attack's id");
    sqlx::query(
        "INSERT INTO registry_versions (subject, version, schema_id, created_at) \
         VALUES ('anon-value', 1, $1, $2)",
    )
    .bind(i64::MAX)
    .bind(now)
    .execute(db.pool())
    .await
    .expect("its version");

    db.migrate().await.expect("0011 applies over existing data");
    assert_eq!(owners(&db, "owned-value").await, ["billing"]);
    assert!(owners(&db, "anon-value").await.is_empty());
    // The app over the upgraded database.
    let app = TestApp::over(db.clone(), config()).await;
    let anonymous = app.anonymous();
    let (status, body) = register(&anonymous, "fresh-value", json!({"schema": ORDER})).await;
    assert_eq!((status, body), (200, json!({"id": 8})));
    let (status, _) = registry_api_get(&app, &format!("/schemas/ids/{max}")).await;
    assert_eq!(status, 200, "the old id still reads");
    // A name allowed before is read and deleted, but gets no new version.
    let (status, body) = register(&anonymous, "old%20name", json!({"schema": ORDER})).await;
    assert_error(status, &body, 422, 42208);
    let (status, body) = registry_api_get(&app, "/subjects/old%20name/versions").await;
    assert_eq!((status, body), (200, json!([1])));
    let (status, body) = call(&anonymous, "DELETE", "/subjects/old%20name", None).await;
    assert_eq!((status, common::json(&body)), (200, json!([1])));
}
