//! The REST mesh-link backends: Confluent Cluster Linking (through the
//! destination cluster's REST API v3) and MirrorMaker 2's
//! `MirrorSourceConnector` (through the Kafka Connect REST API).
//!
//! Stand-ins: no Confluent Server or Kafka Connect can run on this machine,
//! so each backend talks to a local axum HTTP server started by the test on
//! 127.0.0.1:0. It keeps state in memory like the real service (links,
//! mirror topics and destination topics; connector configs and states),
//! answers with the real APIs' status codes and bodies (Confluent's REST v3
//! OpenAPI description; Apache Kafka's `ConnectorsResource`), CHECKS every
//! request (method, path and query, `Accept` and `Content-Type`, exact body
//! shape, basic auth when configured, none otherwise) and records it, so
//! the tests assert the exact request sequences and bodies. What the
//! stand-ins cannot show is the real services' behaviour beyond their
//! documented shapes (e.g. the exact wording of their error messages).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Map, Value};

use switchboard::mesh::cluster_linking::{ClusterLinking, ClusterLinkingSettings};
use switchboard::mesh::connect::{ConnectSettings, Endpoint, MirrorMaker};
use switchboard::mesh::remote::{RemoteError, RemoteMirrorStatus};

const TIMEOUT: Duration = Duration::from_secs(5);
const DEST: &str = "dest-cluster-1";
const LINK: &str = "mesh-link";
const CONNECTOR: &str = "mesh-mm2";
const MIRROR_SOURCE: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
const IDENTITY: &str = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";
const DEFAULT_POLICY: &str = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
const BYTES: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";

// ---------------------------------------------------------------------------
// The stand-in servers.

/// One recorded request.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    method: String,
    /// Path and query, as sent.
    target: String,
    body: Option<Value>,
}

fn call(method: &str, target: &str, body: Option<Value>) -> Call {
    Call {
        method: method.to_string(),
        target: target.to_string(),
        body,
    }
}

/// An answer forced on the first request matching `method` and a target
/// ending with `target_suffix`.
struct Injected {
    method: &'static str,
    target_suffix: String,
    status: u16,
    content_type: &'static str,
    body: String,
}

enum Reply {
    Json(u16, Value),
    Empty(u16),
}

/// What the real service does with a request it understood.
trait Service: Send + 'static {
    fn handle(
        &mut self,
        method: &str,
        path: &[&str],
        query: Option<&str>,
        body: Option<&Value>,
        violations: &mut Vec<String>,
    ) -> Reply;
}

struct Server<S> {
    calls: Vec<Call>,
    violations: Vec<String>,
    /// The `Authorization` header every request must carry; `None`: no
    /// request may carry one.
    expected_auth: Option<String>,
    injected: Vec<Injected>,
    state: S,
}

type Shared<S> = Arc<Mutex<Server<S>>>;

fn error(status: u16, code: i64, message: impl Into<String>) -> Reply {
    Reply::Json(
        status,
        json!({ "error_code": code, "message": message.into() }),
    )
}

/// The generic 404 both services give for a path they do not serve.
fn unknown_path() -> Reply {
    error(404, 404, "HTTP 404 Not Found")
}

async fn handle<S: Service>(
    State(shared): State<Shared<S>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut guard = shared.lock().unwrap();
    let server = &mut *guard;
    let target = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let get_header = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let json_body = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => Some(v),
            Err(e) => {
                server
                    .violations
                    .push(format!("{method} {target}: body is not JSON: {e}"));
                return reply(error(400, 400, "Unexpected character"));
            }
        }
    };
    server.calls.push(Call {
        method: method.to_string(),
        target: target.clone(),
        body: json_body.clone(),
    });
    if get_header(header::ACCEPT).as_deref() != Some("application/json") {
        server
            .violations
            .push(format!("{method} {target}: Accept is not application/json"));
    }
    if json_body.is_some()
        && get_header(header::CONTENT_TYPE).as_deref() != Some("application/json")
    {
        server.violations.push(format!(
            "{method} {target}: Content-Type is not application/json"
        ));
        return reply(error(415, 415, "HTTP 415 Unsupported Media Type"));
    }
    if json_body.is_some() && (method == Method::GET || method == Method::DELETE) {
        server
            .violations
            .push(format!("{method} {target}: a body on {method}"));
    }
    let auth = get_header(header::AUTHORIZATION);
    if auth != server.expected_auth {
        server.violations.push(format!(
            "{method} {target}: Authorization {:?}, expected {:?}",
            auth.is_some(),
            server.expected_auth.is_some()
        ));
        return reply(error(401, 40101, "Authentication failed"));
    }
    if let Some(at) = server
        .injected
        .iter()
        .position(|i| i.method == method.as_str() && uri.path().ends_with(i.target_suffix.as_str()))
    {
        let injected = server.injected.remove(at);
        return (
            StatusCode::from_u16(injected.status).unwrap(),
            [(header::CONTENT_TYPE, injected.content_type)],
            injected.body,
        )
            .into_response();
    }
    let path: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    reply(server.state.handle(
        method.as_str(),
        &path,
        uri.query(),
        json_body.as_ref(),
        &mut server.violations,
    ))
}

fn reply(reply: Reply) -> Response {
    match reply {
        Reply::Json(status, body) => (
            StatusCode::from_u16(status).unwrap(),
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
        Reply::Empty(status) => StatusCode::from_u16(status).unwrap().into_response(),
    }
}

/// A running stand-in.
struct Fake<S> {
    url: String,
    shared: Shared<S>,
}

impl<S: Service> Fake<S> {
    async fn start(state: S, expected_auth: Option<String>) -> Fake<S> {
        let shared = Arc::new(Mutex::new(Server {
            calls: Vec::new(),
            violations: Vec::new(),
            expected_auth,
            injected: Vec::new(),
            state,
        }));
        let app = Router::new()
            .fallback(handle::<S>)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Fake {
            url: format!("http://{addr}"),
            shared,
        }
    }

    /// The requests so far, forgotten.
    fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.shared.lock().unwrap().calls)
    }

    fn assert_clean(&self) {
        let violations = self.shared.lock().unwrap().violations.clone();
        assert!(violations.is_empty(), "bad requests: {violations:#?}");
    }

    fn inject(&self, method: &'static str, target_suffix: &str, status: u16, body: Value) {
        self.inject_raw(
            method,
            target_suffix,
            status,
            "application/json",
            body.to_string(),
        );
    }

    fn inject_raw(
        &self,
        method: &'static str,
        target_suffix: &str,
        status: u16,
        content_type: &'static str,
        body: String,
    ) {
        self.shared.lock().unwrap().injected.push(Injected {
            method,
            target_suffix: target_suffix.to_string(),
            status,
            content_type,
            body,
        });
    }

    fn with<T>(&self, f: impl FnOnce(&mut S) -> T) -> T {
        f(&mut self.shared.lock().unwrap().state)
    }
}

/// The object `body` must be, with exactly these keys (`optional` may be
/// missing).
fn object<'a>(
    body: Option<&'a Value>,
    required: &[&str],
    optional: &[&str],
    violations: &mut Vec<String>,
) -> Option<&'a Map<String, Value>> {
    let Some(Value::Object(map)) = body else {
        violations.push(format!("body {body:?} is not a JSON object"));
        return None;
    };
    for key in map.keys() {
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            violations.push(format!("unexpected key {key} in {map:?}"));
            return None;
        }
    }
    for key in required {
        if !map.contains_key(*key) {
            violations.push(format!("missing key {key} in {map:?}"));
            return None;
        }
    }
    Some(map)
}

fn string<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    violations: &mut Vec<String>,
) -> Option<&'a str> {
    match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        other => {
            violations.push(format!("{key} is {other:?}, not a non-empty string"));
            None
        }
    }
}

fn invalid() -> Reply {
    error(400, 400, "request body does not match the API")
}

/// Standard base64 of `input` (the tests' own, to build the expected
/// `Authorization` header independently of reqwest).
fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b1 = u32::from(chunk.get(1).copied().unwrap_or(0));
        let b2 = u32::from(chunk.get(2).copied().unwrap_or(0));
        let n = (u32::from(chunk[0]) << 16) | (b1 << 8) | b2;
        out.push(char::from(TABLE[((n >> 18) & 63) as usize]));
        out.push(char::from(TABLE[((n >> 12) & 63) as usize]));
        out.push(if chunk.len() > 1 {
            char::from(TABLE[((n >> 6) & 63) as usize])
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            char::from(TABLE[(n & 63) as usize])
        } else {
            '='
        });
    }
    out
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
}

// ---------------------------------------------------------------------------
// Confluent Server's REST v3, cluster linking part.

#[derive(Debug, Clone)]
struct FakeLink {
    source_cluster_id: String,
    configs: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
struct FakeMirror {
    link: String,
    source_topic: String,
    status: String,
    lags: Vec<i64>,
}

/// The destination cluster: its links, and its topics (`Some` for a mirror
/// topic).
struct Confluent {
    cluster_id: String,
    links: BTreeMap<String, FakeLink>,
    topics: BTreeMap<String, Option<FakeMirror>>,
}

impl Confluent {
    fn new() -> Confluent {
        Confluent {
            cluster_id: DEST.to_string(),
            links: BTreeMap::new(),
            topics: BTreeMap::new(),
        }
    }

    fn mirror(&mut self, topic: &str) -> &mut FakeMirror {
        self.topics
            .get_mut(topic)
            .and_then(Option::as_mut)
            .expect("a mirror topic")
    }

    fn link_missing(link: &str) -> Reply {
        error(404, 404, format!("Cluster link '{link}' does not exist."))
    }

    fn mirror_json(&self, name: &str, m: &FakeMirror) -> Value {
        json!({
            "kind": "KafkaMirrorData",
            "metadata": {
                "self": format!("http://dest/kafka/v3/clusters/{}/links/{}/mirrors/{name}", self.cluster_id, m.link),
                "resource_name": format!("crn:///kafka={}", self.cluster_id),
            },
            "link_name": m.link,
            "mirror_topic_name": name,
            "source_topic_name": m.source_topic,
            "num_partitions": m.lags.len(),
            "mirror_lags": m.lags.iter().enumerate().map(|(p, lag)| json!({
                "partition": p, "lag": lag, "last_source_fetch_offset": 1000,
            })).collect::<Vec<_>>(),
            "mirror_status": m.status,
            "state_time_ms": 1_612_550_939_300_i64,
        })
    }

    fn mirrors_of(&self, link: &str) -> Vec<(String, FakeMirror)> {
        self.topics
            .iter()
            .filter_map(|(name, m)| match m {
                Some(m) if m.link == link => Some((name.clone(), m.clone())),
                _ => None,
            })
            .collect()
    }

    fn cluster(
        &mut self,
        method: &str,
        rest: &[&str],
        query: Option<&str>,
        body: Option<&Value>,
        violations: &mut Vec<String>,
    ) -> Reply {
        match (method, rest) {
            ("POST", ["links"]) => {
                let link = match query.and_then(|q| q.strip_prefix("link_name=")) {
                    Some(link) if !link.is_empty() && !link.contains('&') => link.to_string(),
                    _ => {
                        violations.push(format!("create link with query {query:?}"));
                        return error(400, 400, "link_name is required");
                    }
                };
                let Some(map) = object(body, &["source_cluster_id", "configs"], &[], violations)
                else {
                    return invalid();
                };
                let Some(source) = string(map, "source_cluster_id", violations) else {
                    return invalid();
                };
                let mut configs = BTreeMap::new();
                for config in map["configs"].as_array().into_iter().flatten() {
                    let Some(c) = object(Some(config), &["name", "value"], &[], violations) else {
                        return invalid();
                    };
                    let (Some(name), Some(value)) = (
                        string(c, "name", violations),
                        string(c, "value", violations),
                    ) else {
                        return invalid();
                    };
                    configs.insert(name.to_string(), value.to_string());
                }
                if !configs.contains_key("bootstrap.servers") {
                    violations.push("create link without bootstrap.servers".to_string());
                    return error(400, 400, "bootstrap.servers is required");
                }
                if self.links.contains_key(&link) {
                    return error(400, 40002, format!("Cluster link '{link}' already exists."));
                }
                self.links.insert(
                    link,
                    FakeLink {
                        source_cluster_id: source.to_string(),
                        configs,
                    },
                );
                Reply::Empty(204)
            }
            ("GET", ["links", link]) => match self.links.get(*link) {
                None => Self::link_missing(link),
                Some(l) => Reply::Json(
                    200,
                    json!({
                        "kind": "KafkaLinkData",
                        "metadata": { "self": format!("http://dest/kafka/v3/clusters/{}/links/{link}", self.cluster_id) },
                        "source_cluster_id": l.source_cluster_id,
                        "destination_cluster_id": null,
                        "link_name": link,
                        "link_id": "7840644d-f7d8-4844-a577-a10ef3df31df",
                        "cluster_link_id": "eEBkTffYSESld6EO898x3w",
                        "topic_names": self.mirrors_of(link).into_iter().map(|(n, _)| n).collect::<Vec<_>>(),
                    }),
                ),
            },
            ("DELETE", ["links", link]) => {
                if !self.links.contains_key(*link) {
                    return Self::link_missing(link);
                }
                if self
                    .mirrors_of(link)
                    .iter()
                    .any(|(_, m)| m.status != "STOPPED")
                {
                    return error(
                        400,
                        400,
                        format!("Cluster link '{link}' has active mirror topics."),
                    );
                }
                self.links.remove(*link);
                Reply::Empty(200)
            }
            ("GET", ["links", link, "mirrors"]) => {
                if !self.links.contains_key(*link) {
                    return Self::link_missing(link);
                }
                let data: Vec<Value> = self
                    .mirrors_of(link)
                    .iter()
                    .map(|(n, m)| self.mirror_json(n, m))
                    .collect();
                Reply::Json(
                    200,
                    json!({
                        "kind": "KafkaMirrorDataList",
                        "metadata": { "self": "http://dest/mirrors", "next": null },
                        "data": data,
                    }),
                )
            }
            ("POST", ["links", link, "mirrors"]) => {
                let Some(map) = object(
                    body,
                    &["source_topic_name", "mirror_topic_name"],
                    &[],
                    violations,
                ) else {
                    return invalid();
                };
                let (Some(source), Some(mirror)) = (
                    string(map, "source_topic_name", violations),
                    string(map, "mirror_topic_name", violations),
                ) else {
                    return invalid();
                };
                let Some(l) = self.links.get(*link) else {
                    return Self::link_missing(link);
                };
                let prefix = l
                    .configs
                    .get("cluster.link.prefix")
                    .cloned()
                    .unwrap_or_default();
                if mirror != format!("{prefix}{source}") {
                    return error(400, 400, "Topic renaming for mirroring not yet supported");
                }
                if self.topics.contains_key(mirror) {
                    return error(400, 40002, format!("Topic '{mirror}' already exists."));
                }
                self.topics.insert(
                    mirror.to_string(),
                    Some(FakeMirror {
                        link: link.to_string(),
                        source_topic: source.to_string(),
                        status: "ACTIVE".to_string(),
                        lags: vec![0, 0, 0],
                    }),
                );
                Reply::Empty(204)
            }
            ("POST", ["links", link, action @ ("mirrors:pause" | "mirrors:resume")]) => {
                let Some(map) = object(body, &["mirror_topic_names"], &[], violations) else {
                    return invalid();
                };
                let names: Vec<String> = match &map["mirror_topic_names"] {
                    Value::Array(names)
                        if names.iter().all(Value::is_string) && !names.is_empty() =>
                    {
                        names
                            .iter()
                            .filter_map(|n| n.as_str().map(str::to_string))
                            .collect()
                    }
                    other => {
                        violations.push(format!("mirror_topic_names is {other}"));
                        return invalid();
                    }
                };
                if !self.links.contains_key(*link) {
                    return Self::link_missing(link);
                }
                let (from, to) = if *action == "mirrors:pause" {
                    ("ACTIVE", "PAUSED")
                } else {
                    ("PAUSED", "ACTIVE")
                };
                let mut data = Vec::new();
                for name in names {
                    let (code, message, lags) = match self.topics.get_mut(&name) {
                        Some(Some(m)) if m.link == *link && m.status == from => {
                            m.status = to.to_string();
                            (Value::Null, Value::Null, m.lags.clone())
                        }
                        Some(Some(m)) if m.link == *link => (
                            json!(400),
                            json!(format!("Topic '{name}' is {}, not {from}", m.status)),
                            m.lags.clone(),
                        ),
                        _ => (
                            json!(404),
                            json!(format!("Topic '{name}' is not a mirror topic")),
                            Vec::new(),
                        ),
                    };
                    data.push(json!({
                        "kind": "AlterMirrorsData",
                        "metadata": { "self": format!("http://dest/links/{link}/mirrors/{name}") },
                        "mirror_topic_name": name,
                        "error_code": code,
                        "error_message": message,
                        "mirror_lags": lags.iter().enumerate().map(|(p, l)| json!({
                            "partition": p, "lag": l, "last_source_fetch_offset": 0,
                        })).collect::<Vec<_>>(),
                    }));
                }
                Reply::Json(
                    200,
                    json!({
                        "kind": "KafkaPromoteMirror",
                        "metadata": { "self": "http://dest/mirrors" },
                        "data": data,
                    }),
                )
            }
            ("GET", ["links", link, "mirrors", mirror]) => {
                if !self.links.contains_key(*link) {
                    return Self::link_missing(link);
                }
                match self.topics.get(*mirror) {
                    Some(Some(m)) if m.link == *link => {
                        Reply::Json(200, self.mirror_json(mirror, m))
                    }
                    _ => error(
                        404,
                        404,
                        format!("Topic '{mirror}' is not a mirror topic of link '{link}'."),
                    ),
                }
            }
            ("DELETE", ["topics", topic]) => match self.topics.remove(*topic) {
                Some(_) => Reply::Empty(204),
                None => error(
                    404,
                    40403,
                    "This server does not host this topic-partition.",
                ),
            },
            _ => unknown_path(),
        }
    }
}

impl Service for Confluent {
    fn handle(
        &mut self,
        method: &str,
        path: &[&str],
        query: Option<&str>,
        body: Option<&Value>,
        violations: &mut Vec<String>,
    ) -> Reply {
        match path {
            ["kafka", "v3", "clusters", cluster, rest @ ..] => {
                if *cluster != self.cluster_id {
                    return error(404, 404, format!("Cluster {cluster} cannot be found."));
                }
                self.cluster(method, rest, query, body, violations)
            }
            _ => unknown_path(),
        }
    }
}

fn linking_settings(url: &str) -> ClusterLinkingSettings {
    ClusterLinkingSettings {
        rest_url: url.to_string(),
        destination_cluster_id: DEST.to_string(),
        link_name: LINK.to_string(),
        username: None,
        password_env: None,
    }
}

fn linking(fake: &Fake<Confluent>) -> ClusterLinking {
    ClusterLinking::new(linking_settings(&fake.url), TIMEOUT)
}

fn links_path(rest: &str) -> String {
    format!("/kafka/v3/clusters/{DEST}/links{rest}")
}

/// A fake with link `LINK` and the active mirror `orders`.
async fn linked() -> (Fake<Confluent>, ClusterLinking) {
    let fake = Fake::start(Confluent::new(), None).await;
    let cl = linking(&fake);
    cl.ensure_link("src-cluster-1", "src-1:9092").await.unwrap();
    cl.ensure_mirror("orders", "orders").await.unwrap();
    fake.take_calls();
    (fake, cl)
}

fn status_of(error: &RemoteError) -> (u16, Option<i64>, String) {
    match error {
        RemoteError::Status {
            status,
            code,
            message,
            ..
        } => (*status, *code, message.clone()),
        other => panic!("expected an HTTP refusal, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Cluster Linking tests.

#[tokio::test]
async fn cluster_linking_creates_link_and_mirror_from_nothing() {
    let fake = Fake::start(Confluent::new(), None).await;
    let cl = linking(&fake);

    cl.ensure_link("src-cluster-1", "src-1:9092,src-2:9092")
        .await
        .unwrap();
    cl.ensure_mirror("orders", "orders").await.unwrap();

    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", &links_path("/mesh-link"), None),
            call(
                "POST",
                &links_path("?link_name=mesh-link"),
                Some(json!({
                    "source_cluster_id": "src-cluster-1",
                    "configs": [{ "name": "bootstrap.servers", "value": "src-1:9092,src-2:9092" }],
                }))
            ),
            call("GET", &links_path("/mesh-link/mirrors/orders"), None),
            call(
                "POST",
                &links_path("/mesh-link/mirrors"),
                Some(json!({ "source_topic_name": "orders", "mirror_topic_name": "orders" }))
            ),
        ]
    );
    fake.assert_clean();
    fake.with(|s| {
        assert_eq!(s.links[LINK].source_cluster_id, "src-cluster-1");
        assert_eq!(
            s.links[LINK].configs["bootstrap.servers"],
            "src-1:9092,src-2:9092"
        );
        assert_eq!(s.mirror("orders").status, "ACTIVE");
        assert_eq!(s.mirror("orders").source_topic, "orders");
    });
    assert_eq!(
        cl.mirror_status("orders").await.unwrap(),
        Some(RemoteMirrorStatus {
            state: "ACTIVE".to_string(),
            lag: Some(0),
        })
    );
}

#[tokio::test]
async fn cluster_linking_second_ensure_is_idempotent() {
    let (fake, cl) = linked().await;

    cl.ensure_link("src-cluster-1", "src-1:9092").await.unwrap();
    cl.ensure_mirror("orders", "orders").await.unwrap();

    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", &links_path("/mesh-link"), None),
            call("GET", &links_path("/mesh-link/mirrors/orders"), None),
        ],
        "no second POST"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_resumes_a_paused_mirror() {
    let (fake, cl) = linked().await;
    fake.with(|s| s.mirror("orders").status = "PAUSED".to_string());

    cl.ensure_mirror("orders", "orders").await.unwrap();

    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", &links_path("/mesh-link/mirrors/orders"), None),
            call(
                "POST",
                &links_path("/mesh-link/mirrors:resume"),
                Some(json!({ "mirror_topic_names": ["orders"] }))
            ),
        ]
    );
    fake.with(|s| assert_eq!(s.mirror("orders").status, "ACTIVE"));
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_pauses_a_mirror_once() {
    let (fake, cl) = linked().await;

    cl.pause_mirror("orders").await.unwrap();
    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", &links_path("/mesh-link/mirrors/orders"), None),
            call(
                "POST",
                &links_path("/mesh-link/mirrors:pause"),
                Some(json!({ "mirror_topic_names": ["orders"] }))
            ),
        ]
    );
    fake.with(|s| assert_eq!(s.mirror("orders").status, "PAUSED"));

    cl.pause_mirror("orders").await.unwrap();
    assert_eq!(
        fake.take_calls(),
        vec![call("GET", &links_path("/mesh-link/mirrors/orders"), None)],
        "already paused: nothing sent"
    );

    let missing = cl.pause_mirror("nothing").await.unwrap_err();
    assert!(
        matches!(&missing, RemoteError::Conflict(m) if m.contains("no mirror topic nothing")),
        "{missing}"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_deletes_the_mirror_then_the_unused_link() {
    let (fake, cl) = linked().await;

    assert!(
        !cl.delete_link_if_unused().await.unwrap(),
        "a mirror is left"
    );
    assert_eq!(
        fake.take_calls(),
        vec![call("GET", &links_path("/mesh-link/mirrors"), None)]
    );

    cl.delete_mirror("orders").await.unwrap();
    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", &links_path("/mesh-link/mirrors/orders"), None),
            call(
                "DELETE",
                &format!("/kafka/v3/clusters/{DEST}/topics/orders"),
                None
            ),
        ]
    );
    fake.with(|s| assert!(!s.topics.contains_key("orders")));

    assert!(cl.delete_link_if_unused().await.unwrap());
    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", &links_path("/mesh-link/mirrors"), None),
            call("DELETE", &links_path("/mesh-link"), None),
        ]
    );
    fake.with(|s| assert!(s.links.is_empty()));

    // Both again: missing is success, and nothing is deleted.
    assert!(cl.delete_link_if_unused().await.unwrap());
    cl.delete_mirror("orders").await.unwrap();
    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", &links_path("/mesh-link/mirrors"), None),
            call("GET", &links_path("/mesh-link/mirrors/orders"), None),
        ]
    );
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_delete_mirror_leaves_regular_and_promoted_topics() {
    let (fake, cl) = linked().await;
    fake.with(|s| {
        s.topics.insert("payments".to_string(), None);
    });

    cl.delete_mirror("payments").await.unwrap();
    fake.with(|s| assert!(s.topics.contains_key("payments"), "a regular topic is kept"));

    fake.with(|s| s.mirror("orders").status = "STOPPED".to_string());
    let promoted = cl.delete_mirror("orders").await.unwrap_err();
    assert!(
        matches!(&promoted, RemoteError::Conflict(m) if m.contains("STOPPED")),
        "{promoted}"
    );
    let stopped_resume = cl.ensure_mirror("orders", "orders").await.unwrap_err();
    assert!(matches!(stopped_resume, RemoteError::Conflict(_)));
    assert!(
        fake.take_calls().iter().all(|c| c.method == "GET"),
        "nothing deleted or resumed"
    );
    fake.with(|s| assert!(s.topics.contains_key("orders")));
    // A link whose mirrors are all promoted is unused.
    assert!(cl.delete_link_if_unused().await.unwrap());
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_reports_state_and_total_lag() {
    let (fake, cl) = linked().await;
    fake.with(|s| s.mirror("orders").lags = vec![5, 7, 0]);
    assert_eq!(
        cl.mirror_status("orders").await.unwrap(),
        Some(RemoteMirrorStatus {
            state: "ACTIVE".to_string(),
            lag: Some(12),
        })
    );

    fake.with(|s| {
        let m = s.mirror("orders");
        m.status = "PAUSED".to_string();
        m.lags = vec![3, -1];
    });
    assert_eq!(
        cl.mirror_status("orders").await.unwrap(),
        Some(RemoteMirrorStatus {
            state: "PAUSED".to_string(),
            lag: None,
        }),
        "an unmeasured partition makes the total unknown"
    );

    assert_eq!(cl.mirror_status("nothing").await.unwrap(), None);
    fake.with(|s| s.links.clear());
    assert_eq!(
        cl.mirror_status("orders").await.unwrap(),
        None,
        "no link, no mirror"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_refuses_a_link_or_mirror_that_is_someone_elses() {
    let (fake, cl) = linked().await;

    let other_source = cl
        .ensure_link("another-cluster", "other:9092")
        .await
        .unwrap_err();
    assert!(
        matches!(&other_source, RemoteError::Conflict(m) if m.contains("src-cluster-1") && m.contains("another-cluster")),
        "{other_source}"
    );
    let other_topic = cl.ensure_mirror("invoices", "orders").await.unwrap_err();
    assert!(
        matches!(&other_topic, RemoteError::Conflict(m) if m.contains("mirrors orders, not invoices")),
        "{other_topic}"
    );
    assert!(fake.take_calls().iter().all(|c| c.method == "GET"));
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_turns_error_answers_into_clear_errors() {
    let (fake, cl) = linked().await;

    // Confluent refuses a renamed mirror on a link without a prefix (400).
    let renamed = cl
        .ensure_mirror("invoices", "eu.invoices")
        .await
        .unwrap_err();
    assert_eq!(
        status_of(&renamed),
        (
            400,
            Some(400),
            "Topic renaming for mirroring not yet supported".to_string()
        )
    );

    // 409 and 500 with Confluent's JSON error body.
    fake.inject(
        "POST",
        "/links/mesh-link/mirrors",
        409,
        json!({ "error_code": 40901, "message": "Another operation on topic 'invoices' is in progress" }),
    );
    let conflict = cl.ensure_mirror("invoices", "invoices").await.unwrap_err();
    assert_eq!(
        status_of(&conflict),
        (
            409,
            Some(40901),
            "Another operation on topic 'invoices' is in progress".to_string()
        )
    );
    assert!(conflict.is_retryable());
    let text = conflict.to_string();
    assert!(
        text.contains("Confluent REST refused POST http://")
            && text.contains(
                "/links/mesh-link/mirrors: HTTP 409 (error_code 40901): Another operation"
            ),
        "{text}"
    );

    fake.inject(
        "GET",
        "/links/mesh-link/mirrors/invoices",
        500,
        json!({ "error_code": 50003, "message": "Timed out waiting for the controller" }),
    );
    let failed = cl.mirror_status("invoices").await.unwrap_err();
    assert_eq!(
        status_of(&failed),
        (
            500,
            Some(50003),
            "Timed out waiting for the controller".to_string()
        )
    );
    assert!(failed.is_retryable());
    assert!(failed
        .to_string()
        .contains("HTTP 500 (error_code 50003): Timed out"));

    // A per-topic failure inside a 200 answer.
    fake.with(|s| s.mirror("orders").status = "PAUSED".to_string());
    fake.inject(
        "POST",
        "/mirrors:resume",
        200,
        json!({ "kind": "KafkaPromoteMirror", "metadata": { "self": "x" }, "data": [{
            "kind": "AlterMirrorsData", "metadata": { "self": "x" },
            "mirror_topic_name": "orders", "error_code": 400,
            "error_message": "Topic 'orders' has already stopped its mirror from 'mesh-link'",
            "mirror_lags": [],
        }]}),
    );
    let per_topic = cl.ensure_mirror("orders", "orders").await.unwrap_err();
    let (_, code, message) = status_of(&per_topic);
    assert_eq!(code, Some(400));
    assert!(
        message.contains("has already stopped its mirror"),
        "{message}"
    );

    // A proxy's HTML 502: its text is the message.
    fake.inject_raw(
        "GET",
        "/links/mesh-link",
        502,
        "text/html",
        "<html><body>Bad gateway</body></html>".to_string(),
    );
    let gateway = cl
        .ensure_link("src-cluster-1", "src-1:9092")
        .await
        .unwrap_err();
    assert_eq!(
        status_of(&gateway),
        (
            502,
            None,
            "<html><body>Bad gateway</body></html>".to_string()
        )
    );
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_does_not_mistake_a_wrong_cluster_or_path_for_a_missing_link() {
    let fake = Fake::start(Confluent::new(), None).await;

    let mut settings = linking_settings(&fake.url);
    settings.destination_cluster_id = "no-such-cluster".to_string();
    let wrong_cluster = ClusterLinking::new(settings, TIMEOUT);
    let e = wrong_cluster
        .ensure_link("src-cluster-1", "src-1:9092")
        .await
        .unwrap_err();
    assert_eq!(
        status_of(&e),
        (
            404,
            Some(404),
            "Cluster no-such-cluster cannot be found.".to_string()
        )
    );
    assert!(wrong_cluster.delete_link_if_unused().await.is_err());
    assert!(wrong_cluster.delete_mirror("orders").await.is_err());
    assert!(wrong_cluster.mirror_status("orders").await.is_err());

    let wrong_path = ClusterLinking::new(
        linking_settings(&format!("{}/rest-proxy", fake.url)),
        TIMEOUT,
    );
    let e = wrong_path.mirror_status("orders").await.unwrap_err();
    assert_eq!(
        status_of(&e),
        (404, Some(404), "HTTP 404 Not Found".to_string())
    );
    assert_eq!(
        fake.take_calls()
            .iter()
            .filter(|c| c.method != "GET")
            .count(),
        0,
        "nothing created or deleted"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn cluster_linking_unreachable_fails_within_the_timeout() {
    // Nothing listens: refused at once.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let cl = ClusterLinking::new(
        linking_settings(&format!("http://{addr}")),
        Duration::from_secs(2),
    );
    let started = Instant::now();
    let refused = cl.ensure_link("src", "src:9092").await.unwrap_err();
    assert!(
        matches!(refused, RemoteError::Unreachable { .. }),
        "{refused:?}"
    );
    assert!(refused.is_retryable());
    assert!(started.elapsed() < Duration::from_secs(2));
    let text = refused.to_string();
    assert!(
        text.starts_with(&format!(
            "Confluent REST is unreachable (GET http://{addr}/kafka/v3/"
        )),
        "{text}"
    );

    // Credentials in the URL are refused before any connection, unechoed.
    let cl = ClusterLinking::new(
        linking_settings(&format!("http://admin:hunter2@{addr}")),
        Duration::from_secs(2),
    );
    let inline = cl.ensure_link("src", "src:9092").await.unwrap_err();
    assert!(matches!(inline, RemoteError::Config { .. }), "{inline:?}");
    assert!(!inline.to_string().contains("hunter2"), "{inline}");
    assert!(!inline.is_retryable());

    // Accepts connections, never answers: the timeout ends the call.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let timeout = Duration::from_millis(400);
    let cl = ClusterLinking::new(linking_settings(&format!("http://{addr}")), timeout);
    let started = Instant::now();
    let silent_error = cl.mirror_status("orders").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(&silent_error, RemoteError::Unreachable { detail, .. } if detail.contains("no answer within 400ms")),
        "{silent_error:?}"
    );
    assert!(elapsed >= timeout, "{elapsed:?}");
    assert!(elapsed < timeout * 5, "{elapsed:?}");
    holder.abort();
}

#[tokio::test]
async fn cluster_linking_sends_basic_auth_from_the_password_env() {
    let var = "SB_TEST_LINK_BACKENDS_CL_PASSWORD";
    std::env::set_var(var, "s3cret:with-colon");
    let fake = Fake::start(
        Confluent::new(),
        Some(basic("mesh-admin", "s3cret:with-colon")),
    )
    .await;
    let mut settings = linking_settings(&fake.url);
    settings.username = Some("mesh-admin".to_string());
    settings.password_env = Some(var.to_string());
    let cl = ClusterLinking::new(settings.clone(), TIMEOUT);

    cl.ensure_link("src-cluster-1", "src-1:9092").await.unwrap();
    cl.ensure_mirror("orders", "orders").await.unwrap();
    cl.pause_mirror("orders").await.unwrap();
    assert_eq!(fake.take_calls().len(), 6);
    fake.assert_clean();

    // An unset variable: an error naming it, and no request at all.
    settings.password_env = Some("SB_TEST_LINK_BACKENDS_UNSET".to_string());
    let cl = ClusterLinking::new(settings, TIMEOUT);
    let e = cl.mirror_status("orders").await.unwrap_err();
    assert_eq!(
        e,
        RemoteError::MissingSecret {
            service: "Confluent REST",
            var: "SB_TEST_LINK_BACKENDS_UNSET".to_string(),
        }
    );
    assert!(e.to_string().contains("SB_TEST_LINK_BACKENDS_UNSET"));
    assert!(fake.take_calls().is_empty());
}

#[test]
fn settings_reject_unknown_fields_and_default_the_optional_ones() {
    let linking: ClusterLinkingSettings = serde_json::from_value(json!({
        "rest_url": "https://dest:8090",
        "destination_cluster_id": "lkc-1",
        "link_name": "mesh",
    }))
    .unwrap();
    assert_eq!(linking.username, None);
    assert_eq!(linking.password_env, None);
    assert!(serde_json::from_value::<ClusterLinkingSettings>(json!({
        "rest_url": "https://dest:8090",
        "destination_cluster_id": "lkc-1",
        "link_name": "mesh",
        "password": "inline secrets are not accepted",
    }))
    .is_err());

    let connect: ConnectSettings = serde_json::from_value(json!({
        "rest_url": "http://connect:8083",
        "connector_name": "mm2",
    }))
    .unwrap();
    assert!(connect.extra.is_empty());
    assert!(serde_json::from_value::<ConnectSettings>(json!({
        "rest_url": "http://connect:8083",
        "connector_name": "mm2",
        "tasks_max": 2,
    }))
    .is_err());
    assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
    assert_eq!(base64(b"ab"), "YWI=");
}

// ---------------------------------------------------------------------------
// Kafka Connect.

#[derive(Debug, Clone)]
struct FakeConnector {
    config: BTreeMap<String, String>,
    state: String,
    tasks: Vec<String>,
}

#[derive(Default)]
struct Connect {
    connectors: BTreeMap<String, FakeConnector>,
}

impl Connect {
    fn missing(name: &str) -> Reply {
        error(404, 404, format!("Connector {name} not found"))
    }
}

impl Service for Connect {
    fn handle(
        &mut self,
        method: &str,
        path: &[&str],
        query: Option<&str>,
        body: Option<&Value>,
        violations: &mut Vec<String>,
    ) -> Reply {
        if query.is_some() {
            violations.push(format!("unexpected query {query:?}"));
        }
        match (method, path) {
            ("GET", ["connectors", name, "config"]) => match self.connectors.get(*name) {
                Some(c) => Reply::Json(200, json!(c.config)),
                None => Self::missing(name),
            },
            ("PUT", ["connectors", name, "config"]) => {
                let Some(Value::Object(map)) = body else {
                    violations.push(format!("config body {body:?} is not an object"));
                    return invalid();
                };
                let mut config = BTreeMap::new();
                for (key, value) in map {
                    let Value::String(value) = value else {
                        violations.push(format!("config {key} is {value}, not a string"));
                        return invalid();
                    };
                    config.insert(key.clone(), value.clone());
                }
                match config.get("name") {
                    Some(n) if n != name => {
                        return error(
                            400,
                            400,
                            format!("Connector name configuration ({n}) doesn't match connector name in the URL ({name})"),
                        )
                    }
                    _ => {
                        config.insert("name".to_string(), name.to_string());
                    }
                }
                if config.get("connector.class").map(String::as_str) == Some(MIRROR_SOURCE) {
                    for required in [
                        "source.cluster.alias",
                        "target.cluster.alias",
                        "source.cluster.bootstrap.servers",
                        "target.cluster.bootstrap.servers",
                        "topics",
                    ] {
                        if config.get(required).is_none_or(|v| v.is_empty()) {
                            violations.push(format!("MirrorSourceConnector without {required}"));
                            return error(400, 400, format!("Connector configuration is invalid and contains the following 1 error(s):\nMissing required configuration \"{required}\""));
                        }
                    }
                } else if !config.contains_key("connector.class") {
                    violations.push("config without connector.class".to_string());
                    return error(400, 400, "Connector config {} contains no connector type");
                }
                let created = !self.connectors.contains_key(*name);
                let entry =
                    self.connectors
                        .entry(name.to_string())
                        .or_insert_with(|| FakeConnector {
                            config: BTreeMap::new(),
                            state: "RUNNING".to_string(),
                            tasks: vec!["RUNNING".to_string()],
                        });
                entry.config = config.clone();
                Reply::Json(
                    if created { 201 } else { 200 },
                    json!({
                        "name": name,
                        "config": config,
                        "tasks": [{ "connector": name, "task": 0 }],
                        "type": "source",
                    }),
                )
            }
            ("DELETE", ["connectors", name]) => match self.connectors.remove(*name) {
                Some(_) => Reply::Empty(204),
                None => Self::missing(name),
            },
            ("GET", ["connectors", name, "status"]) => match self.connectors.get(*name) {
                Some(c) => Reply::Json(
                    200,
                    json!({
                        "name": name,
                        "connector": { "state": c.state, "worker_id": "10.0.0.5:8083" },
                        "tasks": c.tasks.iter().enumerate().map(|(id, state)| json!({
                            "id": id, "state": state, "worker_id": "10.0.0.6:8083",
                        })).collect::<Vec<_>>(),
                        "type": "source",
                    }),
                ),
                None => Self::missing(name),
            },
            ("PUT", ["connectors", name, "resume"]) => match self.connectors.get_mut(*name) {
                Some(c) => {
                    c.state = "RUNNING".to_string();
                    for task in &mut c.tasks {
                        if task == "PAUSED" {
                            *task = "RUNNING".to_string();
                        }
                    }
                    Reply::Empty(202)
                }
                None => Self::missing(name),
            },
            _ => unknown_path(),
        }
    }
}

fn connect_settings(url: &str) -> ConnectSettings {
    ConnectSettings {
        rest_url: url.to_string(),
        connector_name: CONNECTOR.to_string(),
        username: None,
        password_env: None,
        extra: BTreeMap::from([("tasks.max".to_string(), "2".to_string())]),
    }
}

fn east() -> Endpoint {
    Endpoint {
        alias: "east".to_string(),
        bootstrap_servers: "east-1:9092,east-2:9092".to_string(),
    }
}

fn west() -> Endpoint {
    Endpoint {
        alias: "west".to_string(),
        bootstrap_servers: "west-1:9092".to_string(),
    }
}

const CONFIG_PATH: &str = "/connectors/mesh-mm2/config";

/// The config the first `add_topic` writes, with `topics` and the policy
/// keys given.
fn first_config(topics: &str, identity: bool) -> Value {
    let mut config = json!({
        "connector.class": MIRROR_SOURCE,
        "source.cluster.alias": "east",
        "target.cluster.alias": "west",
        "source.cluster.bootstrap.servers": "east-1:9092,east-2:9092",
        "target.cluster.bootstrap.servers": "west-1:9092",
        "topics": topics,
        "sync.topic.acls.enabled": "false",
        "key.converter": BYTES,
        "value.converter": BYTES,
        "header.converter": BYTES,
        "tasks.max": "2",
    });
    if identity {
        config["replication.policy.class"] = json!(IDENTITY);
    } else {
        config["replication.policy.class"] = json!(DEFAULT_POLICY);
        config["replication.policy.separator"] = json!(".");
    }
    config
}

fn connector_config(fake: &Fake<Connect>) -> BTreeMap<String, String> {
    fake.with(|s| s.connectors[CONNECTOR].config.clone())
}

#[tokio::test]
async fn mirror_maker_first_add_creates_the_connector() {
    let fake = Fake::start(Connect::default(), None).await;
    let mm = MirrorMaker::new(connect_settings(&fake.url), TIMEOUT);

    mm.add_topic(&east(), &west(), "orders", false)
        .await
        .unwrap();

    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", CONFIG_PATH, None),
            call("PUT", CONFIG_PATH, Some(first_config("orders", false))),
        ]
    );
    let mut stored = first_config("orders", false);
    stored["name"] = json!(CONNECTOR);
    assert_eq!(json!(connector_config(&fake)), stored);
    assert_eq!(
        MirrorMaker::mirror_name(&east(), "orders", false),
        "east.orders"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn mirror_maker_extends_the_sorted_allow_list_and_keeps_other_keys() {
    let fake = Fake::start(Connect::default(), None).await;
    let mm = MirrorMaker::new(connect_settings(&fake.url), TIMEOUT);
    mm.add_topic(&east(), &west(), "orders", false)
        .await
        .unwrap();
    // An operator tuned the connector by hand.
    fake.with(|s| {
        let config = &mut s.connectors.get_mut(CONNECTOR).unwrap().config;
        config.insert("offset-syncs.topic.location".into(), "target".into());
        config.insert("refresh.topics.interval.seconds".into(), "30".into());
    });
    fake.take_calls();

    mm.add_topic(&east(), &west(), "billing.invoices.v1", false)
        .await
        .unwrap();

    let calls = fake.take_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0], call("GET", CONFIG_PATH, None));
    let mut expected = first_config(r"billing\.invoices\.v1,orders", false);
    expected["name"] = json!(CONNECTOR);
    expected["offset-syncs.topic.location"] = json!("target");
    expected["refresh.topics.interval.seconds"] = json!("30");
    assert_eq!(calls[1], call("PUT", CONFIG_PATH, Some(expected)));

    // The same topic again, and an older one: nothing to write.
    mm.add_topic(&east(), &west(), "billing.invoices.v1", false)
        .await
        .unwrap();
    mm.add_topic(&east(), &west(), "orders", false)
        .await
        .unwrap();
    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", CONFIG_PATH, None),
            call("GET", CONFIG_PATH, None)
        ],
        "no PUT when nothing changes"
    );

    mm.add_topic(&east(), &west(), "audit", false)
        .await
        .unwrap();
    assert_eq!(
        connector_config(&fake)["topics"],
        r"audit,billing\.invoices\.v1,orders"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn mirror_maker_identity_or_prefixed_naming() {
    let fake = Fake::start(Connect::default(), None).await;
    let mm = MirrorMaker::new(connect_settings(&fake.url), TIMEOUT);

    mm.add_topic(&east(), &west(), "orders", true)
        .await
        .unwrap();
    assert_eq!(
        fake.take_calls()[1],
        call("PUT", CONFIG_PATH, Some(first_config("orders", true)))
    );
    assert!(!connector_config(&fake).contains_key("replication.policy.separator"));
    assert_eq!(MirrorMaker::mirror_name(&east(), "orders", true), "orders");

    // Switching the policy would rename every mirror: refused, nothing sent.
    let renamed = mm
        .add_topic(&east(), &west(), "payments", false)
        .await
        .unwrap_err();
    assert!(
        matches!(&renamed, RemoteError::Conflict(m) if m.contains(IDENTITY) && m.contains(DEFAULT_POLICY)),
        "{renamed}"
    );
    // So would another source or target cluster.
    let north = Endpoint {
        alias: "north".to_string(),
        bootstrap_servers: "north-1:9092".to_string(),
    };
    let elsewhere = mm
        .add_topic(&north, &west(), "payments", true)
        .await
        .unwrap_err();
    assert!(
        matches!(&elsewhere, RemoteError::Conflict(m) if m.contains("source.cluster.alias=east, not north")),
        "{elsewhere}"
    );
    assert!(fake.take_calls().iter().all(|c| c.method == "GET"));
    assert_eq!(connector_config(&fake)["topics"], "orders");
    fake.assert_clean();
}

#[tokio::test]
async fn mirror_maker_removes_topics_and_deletes_the_connector_with_the_last() {
    let fake = Fake::start(Connect::default(), None).await;
    let mm = MirrorMaker::new(connect_settings(&fake.url), TIMEOUT);
    mm.add_topic(&east(), &west(), "orders", false)
        .await
        .unwrap();
    mm.add_topic(&east(), &west(), "billing.v1", false)
        .await
        .unwrap();
    fake.take_calls();

    mm.remove_topic("orders").await.unwrap();
    let calls = fake.take_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].method, "PUT");
    assert_eq!(
        calls[1].body.as_ref().unwrap()["topics"],
        json!(r"billing\.v1")
    );
    assert_eq!(
        calls[1].body.as_ref().unwrap()["tasks.max"],
        json!("2"),
        "the rest of the config is kept"
    );

    mm.remove_topic("never-added").await.unwrap();
    assert_eq!(fake.take_calls(), vec![call("GET", CONFIG_PATH, None)]);

    mm.remove_topic("billing.v1").await.unwrap();
    assert_eq!(
        fake.take_calls(),
        vec![
            call("GET", CONFIG_PATH, None),
            call("DELETE", "/connectors/mesh-mm2", None),
        ]
    );
    fake.with(|s| assert!(s.connectors.is_empty()));

    mm.remove_topic("billing.v1").await.unwrap();
    assert_eq!(
        fake.take_calls(),
        vec![call("GET", CONFIG_PATH, None)],
        "missing connector: success"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn mirror_maker_status_and_resume() {
    let fake = Fake::start(Connect::default(), None).await;
    let mm = MirrorMaker::new(connect_settings(&fake.url), TIMEOUT);
    assert_eq!(mm.status().await.unwrap(), None);
    let missing = mm.resume().await.unwrap_err();
    assert_eq!(
        status_of(&missing),
        (404, Some(404), "Connector mesh-mm2 not found".to_string())
    );

    mm.add_topic(&east(), &west(), "orders", false)
        .await
        .unwrap();
    assert_eq!(mm.status().await.unwrap().as_deref(), Some("RUNNING"));

    fake.with(|s| {
        let c = s.connectors.get_mut(CONNECTOR).unwrap();
        c.state = "PAUSED".to_string();
        c.tasks = vec!["PAUSED".to_string()];
    });
    assert_eq!(mm.status().await.unwrap().as_deref(), Some("PAUSED"));
    fake.take_calls();
    mm.resume().await.unwrap();
    assert_eq!(
        fake.take_calls(),
        vec![call("PUT", "/connectors/mesh-mm2/resume", None)]
    );
    assert_eq!(mm.status().await.unwrap().as_deref(), Some("RUNNING"));

    fake.with(|s| {
        s.connectors.get_mut(CONNECTOR).unwrap().tasks = vec!["RUNNING".into(), "FAILED".into()]
    });
    assert_eq!(
        mm.status().await.unwrap().as_deref(),
        Some("FAILED"),
        "a failed task fails the link"
    );
    fake.assert_clean();
}

#[tokio::test]
async fn mirror_maker_error_answers() {
    let fake = Fake::start(Connect::default(), None).await;
    let mm = MirrorMaker::new(connect_settings(&fake.url), TIMEOUT);

    fake.inject(
        "PUT",
        CONFIG_PATH,
        409,
        json!({ "error_code": 409, "message": "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)" }),
    );
    let rebalancing = mm
        .add_topic(&east(), &west(), "orders", false)
        .await
        .unwrap_err();
    let (status, _, message) = status_of(&rebalancing);
    assert_eq!(status, 409);
    assert!(
        message.starts_with("Cannot complete request momentarily"),
        "{message}"
    );
    assert!(rebalancing.is_retryable());
    assert!(rebalancing
        .to_string()
        .starts_with("Kafka Connect refused PUT http://"));
    fake.with(|s| assert!(s.connectors.is_empty()));

    // A connector of another kind under the configured name is left alone.
    fake.with(|s| {
        s.connectors.insert(
            CONNECTOR.to_string(),
            FakeConnector {
                config: BTreeMap::from([
                    ("name".to_string(), CONNECTOR.to_string()),
                    (
                        "connector.class".to_string(),
                        "io.confluent.connect.jdbc.JdbcSinkConnector".to_string(),
                    ),
                ]),
                state: "RUNNING".to_string(),
                tasks: Vec::new(),
            },
        );
    });
    let foreign = mm
        .add_topic(&east(), &west(), "orders", false)
        .await
        .unwrap_err();
    assert!(
        matches!(&foreign, RemoteError::Conflict(m) if m.contains("JdbcSinkConnector")),
        "{foreign}"
    );
    assert!(matches!(
        mm.remove_topic("orders").await,
        Err(RemoteError::Conflict(_))
    ));

    // Not a topic name.
    let bad = mm
        .add_topic(&east(), &west(), "a,b", false)
        .await
        .unwrap_err();
    assert!(matches!(bad, RemoteError::Config { .. }), "{bad}");

    // A rest_url that is not Connect's: the generic 404 is an error, not "absent".
    let elsewhere = MirrorMaker::new(connect_settings(&format!("{}/ui", fake.url)), TIMEOUT);
    let e = elsewhere.status().await.unwrap_err();
    assert_eq!(
        status_of(&e),
        (404, Some(404), "HTTP 404 Not Found".to_string())
    );
    assert!(elsewhere.remove_topic("orders").await.is_err());
    assert!(fake.take_calls().iter().all(|c| c.method != "DELETE"));
    fake.assert_clean();
}

#[tokio::test]
async fn mirror_maker_sends_basic_auth_from_the_password_env() {
    let var = "SB_TEST_LINK_BACKENDS_CONNECT_PASSWORD";
    std::env::set_var(var, "connect-pw");
    let fake = Fake::start(
        Connect::default(),
        Some(basic("connect-user", "connect-pw")),
    )
    .await;
    let mut settings = connect_settings(&fake.url);
    settings.username = Some("connect-user".to_string());
    settings.password_env = Some(var.to_string());
    let mm = MirrorMaker::new(settings.clone(), TIMEOUT);

    mm.add_topic(&east(), &west(), "orders", false)
        .await
        .unwrap();
    assert_eq!(mm.status().await.unwrap().as_deref(), Some("RUNNING"));
    mm.resume().await.unwrap();
    mm.remove_topic("orders").await.unwrap();
    assert_eq!(fake.take_calls().len(), 6);
    fake.assert_clean();

    // A user without a password variable is a configuration error.
    settings.password_env = None;
    let e = MirrorMaker::new(settings, TIMEOUT)
        .status()
        .await
        .unwrap_err();
    assert!(matches!(e, RemoteError::Config { .. }), "{e}");
    assert!(fake.take_calls().is_empty());
}
