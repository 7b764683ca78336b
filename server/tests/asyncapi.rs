//! AsyncAPI documents through the router on both databases: an event's
//! servers (home and mirrors), channels, registered Avro schemas, PII tags
//! and owners; an application's granted operations with their consumer
//! group, for its team and admins only; YAML and JSON the same document; no
//! connection details for anonymous callers; unknown names 404. Every
//! document also passes the AsyncAPI parser (`end2end/asyncapi/validate.mjs`,
//! with `@asyncapi/parser` and its Avro schema parser).

mod common;

use std::path::PathBuf;

use app::schemas::{SchemaProposal, SchemaRole};
use axum::body::Body;
use axum::http::Request;
use serde_json::{json, Value};
use switchboard::clusters::SecuritySpec;
use switchboard::config::Config;
use switchboard::db::Db;
use switchboard::mesh::links::{self, LinkKey};
use switchboard::registry::VersionSpec;

use common::app::{admin_config, Answer, TestApp, ADMIN};

backend_suite!(
    an_event_document_has_its_clusters_registered_schemas_and_owners,
    anonymous_callers_get_the_document_without_connection_details,
    an_application_document_has_its_grants_for_its_team_only,
);

const SOFIA: &str = "sofia.martins"; // crm-customer-data, owns customer.updated
const MARGARET: &str = "margaret.oduya"; // data-protection
const ZOE: &str = "zoe.williams"; // customer-insights
const GARETH: &str = "gareth.evans"; // field-service

const PII_EVENT: &str = "customer.updated";
const PII_TOPIC: &str = "crm.customer.updated.v1"; // home: aws
const PLAIN_EVENT: &str = "network.alarm.raised";
const GCP_EVENT: &str = "insights.churn-score.updated"; // home: gcp

fn config() -> Config {
    let mut c = admin_config();
    // Nothing listens on the demo clusters' ports: fail provisioning fast.
    c.provision.kafka_timeout_ms = 1000;
    c
}

/// The demo clusters, `gcp` behind SASL_SSL with SCRAM and a registry of its
/// own, and the demo catalogue with its schemas registered (as `serve` does
/// at start).
async fn env(db: Db) -> TestApp {
    let mut clusters = switchboard::demo::demo_clusters(19092);
    let gcp = clusters.iter_mut().find(|c| c.id == "gcp").expect("gcp");
    gcp.security = SecuritySpec {
        protocol: "SASL_SSL".into(),
        sasl_mechanism: Some("SCRAM-SHA-512".into()),
        sasl_username: Some("portal-admin".into()),
        sasl_password_env: Some("KAFKA_GCP_PASSWORD".into()),
        ssl_ca_location: Some("/etc/kafka/gcp-ca.pem".into()),
    };
    gcp.schema_registry_url = Some("http://127.0.0.1:18081".into());
    let app = TestApp::with_clusters(db, config(), clusters).await;
    app.state
        .schemas
        .reconcile()
        .await
        .expect("schemas registered");
    app
}

/// The latest registered version of a subject: (schema JSON, version).
async fn registered(app: &TestApp, subject: &str) -> (Value, i64) {
    let v = app
        .state
        .registry
        .version(subject, VersionSpec::Latest, false)
        .await
        .expect("registered");
    (common::json(&v.schema), i64::from(v.version))
}

/// The YAML and JSON documents at `base` (`…/asyncapi`), checked to be the
/// same document with the right types and file names; returns both texts.
async fn both(client: &common::app::Client<'_>, base: &str, file: &str) -> (String, Value) {
    let yaml = client.get(&format!("{base}.yaml")).await;
    assert_eq!(yaml.status, 200, "{}", yaml.body);
    assert_eq!(yaml.headers["content-type"], "application/yaml");
    assert_eq!(
        yaml.headers["content-disposition"],
        format!("attachment; filename=\"{file}.asyncapi.yaml\"").as_str()
    );
    assert!(yaml.body.starts_with("asyncapi: 3.0.0\n"), "{}", yaml.body);
    let json = client.get(&format!("{base}.json")).await;
    assert_eq!(json.status, 200, "{}", json.body);
    assert_eq!(json.headers["content-type"], "application/json");
    let from_yaml: Value = serde_yaml_ng::from_str(&yaml.body).expect("YAML parses");
    let doc = json.json();
    assert_eq!(from_yaml, doc, "YAML and JSON are one document");
    (yaml.body, doc)
}

fn assert_not_found(answer: &Answer) {
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(
        answer.json()["error"]["code"],
        "not_found",
        "{}",
        answer.body
    );
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

async fn an_event_document_has_its_clusters_registered_schemas_and_owners(db: Db) {
    let app = env(db).await;
    // A second version, so the document must follow the registry.
    let (mut schema, _) = registered(&app, &format!("{PII_TOPIC}-value")).await;
    schema["fields"]
        .as_array_mut()
        .expect("fields")
        .push(json!({"name": "source_system", "type": ["null", "string"], "default": null}));
    app.state
        .schemas
        .propose(
            app.caller(SOFIA).await,
            SchemaProposal {
                event: PII_EVENT.into(),
                role: SchemaRole::Value,
                schema: schema.to_string(),
            },
        )
        .await
        .expect("version 2 registered");
    // The mirror on gcp, recorded as the worker records it once the mirror
    // topic exists (no broker runs in this test).
    let mirror = LinkKey {
        event: PII_EVENT,
        source_cluster: "aws",
        source_topic: PII_TOPIC,
        target_cluster: "gcp",
        target_topic: PII_TOPIC,
    };
    links::ensure_running(&app.db, &mirror, "builtin")
        .await
        .expect("link");

    let zoe = app.as_user(ZOE);
    let base = format!("/api/v1/events/{PII_EVENT}/asyncapi");
    let (yaml, doc) = both(&zoe, &base, PII_EVENT).await;

    assert_eq!(doc["asyncapi"], "3.0.0");
    assert_eq!(keys(&doc["servers"]), ["aws", "gcp"]);
    assert_eq!(doc["servers"]["aws"]["host"], "127.0.0.1:19093");
    assert_eq!(doc["servers"]["aws"]["protocol"], "kafka");
    assert!(doc["servers"]["aws"].get("security").is_none());
    let gcp = &doc["servers"]["gcp"];
    assert_eq!(gcp["host"], "127.0.0.1:19094");
    assert_eq!(gcp["protocol"], "kafka-secure");
    assert_eq!(
        gcp["security"],
        json!([{"$ref": "#/components/securitySchemes/saslScramSha512"}])
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["saslScramSha512"]["type"],
        "scramSha512"
    );
    assert_eq!(
        gcp["bindings"]["kafka"]["schemaRegistryUrl"],
        "http://127.0.0.1:18081"
    );
    // The portal's own credentials are not the reader's business.
    for secret in ["portal-admin", "KAFKA_GCP_PASSWORD", "gcp-ca.pem"] {
        assert!(!yaml.contains(secret), "{secret} in {yaml}");
    }
    for cluster in ["aws", "gcp"] {
        let channel = &doc["channels"][cluster];
        assert_eq!(channel["address"], PII_TOPIC, "{channel}");
        assert_eq!(channel["bindings"]["kafka"]["topic"], PII_TOPIC);
        assert_eq!(
            channel["servers"][0]["$ref"],
            format!("#/servers/{cluster}")
        );
    }
    assert_eq!(doc["channels"]["aws"]["bindings"]["kafka"]["partitions"], 6);
    assert_eq!(
        keys(&doc["operations"]),
        ["receive-aws", "receive-gcp", "send-aws"]
    );
    assert_eq!(doc["operations"]["send-aws"]["action"], "send");
    assert_eq!(doc["operations"]["receive-gcp"]["action"], "receive");

    let message = &doc["components"]["messages"][PII_EVENT];
    let (value, version) = registered(&app, &format!("{PII_TOPIC}-value")).await;
    assert_eq!(version, 2);
    assert_eq!(message["payload"]["schema"], value);
    assert_eq!(
        message["payload"]["schemaFormat"],
        "application/vnd.apache.avro+json;version=1.9.0"
    );
    assert_eq!(doc["info"]["version"], "2");
    let (key, _) = registered(&app, &format!("{PII_TOPIC}-key")).await;
    assert_eq!(
        message["bindings"]["kafka"]["key"]["$ref"],
        format!("#/components/schemas/{PII_EVENT}.key")
    );
    assert_eq!(
        doc["components"]["schemas"][format!("{PII_EVENT}.key")]["schema"],
        key
    );
    let example = &message["examples"][0]["payload"];
    assert_eq!(example["customer"]["preferred_language"], "en-GB");
    assert_eq!(example["source_system"], Value::Null);

    let tag_names = |tags: &Value| -> Vec<String> {
        tags.as_array()
            .expect("tags")
            .iter()
            .map(|t| t["name"].as_str().expect("name").to_string())
            .collect()
    };
    assert!(tag_names(&message["tags"]).contains(&"pii".to_string()));
    assert!(tag_names(&doc["info"]["tags"]).contains(&"pii".to_string()));
    let pii = message["x-pii-fields"]["value"].as_array().expect("pii");
    assert!(pii.contains(&json!("customer.email")), "{pii:?}");
    assert_eq!(doc["info"]["contact"]["name"], "CRM & Customer Data");
    assert_eq!(doc["info"]["contact"]["email"], "crm-data@example.com");

    // An event without personal data says none.
    let plain = zoe
        .get(&format!("/api/v1/events/{PLAIN_EVENT}/asyncapi.json"))
        .await
        .json();
    let plain_message = &plain["components"]["messages"][PLAIN_EVENT];
    assert!(!tag_names(&plain_message["tags"]).contains(&"pii".to_string()));
    assert!(plain_message.get("x-pii-fields").is_none());
    assert_eq!(keys(&plain["servers"]), ["onprem"]);

    for uri in [
        "/api/v1/events/no.such.event/asyncapi.yaml".to_string(),
        "/api/v1/events/NOT%20A%20NAME/asyncapi.json".to_string(),
        format!("/api/v1/events/{PII_EVENT}/asyncapi.xml"),
        format!("/api/v1/events/{PII_EVENT}/openapi.json"),
    ] {
        assert_not_found(&zoe.get(&uri).await);
    }

    validate(&[("event.yaml", &yaml), ("plain.json", &plain.to_string())]).await;
}

async fn anonymous_callers_get_the_document_without_connection_details(db: Db) {
    let app = env(db).await;
    let base = format!("/api/v1/events/{GCP_EVENT}/asyncapi");
    let (yaml, doc) = both(&app.anonymous(), &base, GCP_EVENT).await;
    let gcp = &doc["servers"]["gcp"];
    assert_eq!(gcp["host"], "{bootstrap_servers}");
    assert!(gcp["variables"]["bootstrap_servers"]["description"]
        .as_str()
        .expect("why")
        .contains("Sign in"));
    assert_eq!(gcp["protocol"], "kafka");
    assert!(gcp.get("security").is_none() && gcp.get("bindings").is_none());
    for hidden in [
        "19094",
        "127.0.0.1",
        "kafka-secure",
        "securitySchemes",
        "SCRAM",
        "portal-admin",
        "KAFKA_GCP_PASSWORD",
        "18081",
    ] {
        assert!(!yaml.contains(hidden), "{hidden} in {yaml}");
    }
    // The rest is what a signed-in caller reads.
    let (_, signed_in) = both(&app.as_user(ZOE), &base, GCP_EVENT).await;
    assert_eq!(signed_in["servers"]["gcp"]["protocol"], "kafka-secure");
    assert_eq!(doc["channels"], signed_in["channels"]);
    assert_eq!(doc["operations"], signed_in["operations"]);
    assert_eq!(
        doc["components"]["messages"],
        signed_in["components"]["messages"]
    );

    // The event page links to the YAML document.
    let page = app
        .anonymous()
        .send(get(&format!("/events/{GCP_EVENT}")))
        .await;
    assert_eq!(page.status, 200);
    for part in [
        "data-testid=\"asyncapi-link\"".to_string(),
        format!("href=\"{base}.yaml\""),
        format!("download=\"{GCP_EVENT}.asyncapi.yaml\""),
    ] {
        assert!(page.body.contains(&part), "{part} in {}", page.body);
    }
    validate(&[("anonymous.yaml", &yaml)]).await;
}

async fn an_application_document_has_its_grants_for_its_team_only(db: Db) {
    let app = env(db).await;
    let id = app
        .register_app(ZOE, "customer-insights", "churn-model", &["aws"])
        .await;
    let r = app.consume(ZOE, &id, PII_EVENT, "aws").await;
    app.decide(SOFIA, &r.id, true).await;
    let granted = app.decide(MARGARET, &r.id, true).await;
    let grant = granted.grant.expect("grant");
    // No broker listens, so the ACL job fails and waits for a retry: the
    // grant is being provisioned, which the document includes.
    app.run_jobs().await;

    let zoe = app.as_user(ZOE);
    let base = format!("/api/v1/applications/{id}/asyncapi");
    let (yaml, doc) = both(&zoe, &base, &format!("application-{id}-churn-model")).await;
    assert_eq!(doc["info"]["title"], "churn-model");
    assert_eq!(
        doc["info"]["contact"]["name"],
        "Customer Insights & Analytics"
    );
    assert_eq!(keys(&doc["servers"]), ["aws"]);
    let channel_key = format!("aws.{PII_TOPIC}");
    assert_eq!(keys(&doc["channels"]), [channel_key.as_str()]);
    assert_eq!(doc["channels"][&channel_key]["address"], PII_TOPIC);
    let op_key = format!("receive-{PII_EVENT}-aws");
    assert_eq!(keys(&doc["operations"]), [op_key.as_str()]);
    let op = &doc["operations"][&op_key];
    assert_eq!(op["action"], "receive");
    assert_eq!(
        op["bindings"]["kafka"]["groupId"],
        json!({"type": "string", "enum": ["insights.churn"]})
    );
    assert_eq!(op["channel"]["$ref"], format!("#/channels/{channel_key}"));
    assert!(
        op["description"]
            .as_str()
            .expect("description")
            .contains(&grant.expires_at),
        "{op}"
    );
    let (value, _) = registered(&app, &format!("{PII_TOPIC}-value")).await;
    assert_eq!(
        doc["components"]["messages"][PII_EVENT]["payload"]["schema"],
        value
    );

    // The application's team and admins; nobody else learns it exists.
    let admin = app.as_user(ADMIN).get(&format!("{base}.json")).await;
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert_not_found(&app.as_user(GARETH).get(&format!("{base}.json")).await);
    assert_not_found(&zoe.get("/api/v1/applications/999999/asyncapi.json").await);
    assert_not_found(&zoe.get("/api/v1/applications/abc/asyncapi.yaml").await);
    assert_not_found(
        &zoe.get(&format!("/api/v1/applications/{id}/asyncapi.txt"))
            .await,
    );
    let anonymous = app.anonymous().get(&format!("{base}.json")).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);

    // Its row on /applications links to it.
    let page = zoe.send(get("/applications")).await;
    assert_eq!(page.status, 200);
    let link = format!("href=\"{base}.yaml\"");
    assert!(page.body.contains(&link), "{link} in {}", page.body);

    validate(&[("application.yaml", &yaml)]).await;
}

/// A page request (the router serves pages and the API alike).
fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

/// Runs the AsyncAPI parser over the documents; fails with its diagnostics.
async fn validate(docs: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (name, text) in docs {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write document");
        files.push(path);
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../end2end/asyncapi/validate.mjs");
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .args(&files)
        .output()
        .await
        .expect("node must be on PATH (scripts/setup.sh test)");
    assert!(
        out.status.success(),
        "the AsyncAPI parser refuses a document (its packages come with `scripts/setup.sh test`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
