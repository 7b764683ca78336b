//! The bad-input sweep, on both databases: malformed input to every REST
//! route (`/api/v1/…`), every server function (`/api/<fn>`, as leptos
//! registers them) and every registry route (`/registry/…`), sent
//! anonymously and signed in, is answered with a 4xx, never a 5xx. Also the
//! statuses server functions give unreadable input (400) and big bodies (413).

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use switchboard::config::Config;
use switchboard::db::Db;

backend_suite!(
    no_malformed_input_gets_a_server_error,
    server_functions_refuse_unreadable_input_400_and_big_bodies_413,
);

const ADMIN: &str = "root.admin";
/// Of crm-customer-data in the demo catalogue: owns events.
const MEMBER: &str = "sofia.martins";

fn config() -> Config {
    let mut c = common::test_config();
    c.auth.admins = vec![ADMIN.into()];
    // The demo clusters are registered but no broker runs: answers come fast.
    c.status.timeout_ms = 200;
    c.provision.kafka_timeout_ms = 200;
    c
}

/// One router for the whole sweep (as one server answers every request),
/// the demo catalogue, and a session per signed-in caller.
struct Sweep {
    router: axum::Router,
    callers: Vec<(&'static str, Option<String>)>,
    sent: usize,
    server_errors: Vec<String>,
}

impl Sweep {
    async fn new(db: &Db) -> Sweep {
        let cfg = config();
        switchboard::serve::register_clusters(db, switchboard::demo::demo_clusters(19092))
            .await
            .expect("clusters");
        switchboard::catalogue::seed::seed_database(db)
            .await
            .expect("seed");
        let index = Arc::new(switchboard::search::SearchIndex::in_memory().expect("index"));
        let state = switchboard::serve::app_state(db.clone(), &cfg, index, None);
        state.catalogue.reindex().await.expect("index");
        let mut callers = vec![("anonymous", None)];
        for user in [MEMBER, ADMIN] {
            let token = switchboard::auth::sessions::create(db, user, time::Duration::hours(2))
                .await
                .expect("session");
            callers.push((
                user,
                Some(format!("{}={token}", switchboard::auth::sessions::COOKIE)),
            ));
        }
        Sweep {
            router: switchboard::http::router(state),
            callers,
            sent: 0,
            server_errors: Vec::new(),
        }
    }

    /// Sends `probe` once per caller; a 5xx is noted with what caused it.
    async fn probe(&mut self, probe: &Probe) {
        for (who, cookie) in self.callers.clone() {
            let mut request = Request::builder()
                .method(probe.method)
                .uri(&probe.uri)
                .header("host", "127.0.0.1:3000");
            if let Some(cookie) = &cookie {
                // As the portal's own pages send it.
                request = request
                    .header("cookie", cookie)
                    .header("sec-fetch-site", "same-origin");
            }
            if let Some(content_type) = probe.content_type {
                request = request.header("content-type", content_type);
            }
            let request = request
                .body(Body::from(probe.body.clone()))
                .expect("request");
            let (status, _, body) = common::oneshot(&self.router, request).await;
            self.sent += 1;
            if status.is_server_error() {
                self.server_errors.push(format!(
                    "{status} for {who}: {} {} ({:?}, {}): {}",
                    probe.method,
                    short(&probe.uri),
                    probe.content_type,
                    probe.label,
                    short(&body)
                ));
            }
        }
    }
}

fn short(s: &str) -> String {
    s.chars().take(160).collect()
}

/// One malformed request.
struct Probe {
    method: &'static str,
    uri: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    label: &'static str,
}

const JSON: Option<&str> = Some("application/json");
const REGISTRY_JSON: Option<&str> = Some("application/vnd.schemaregistry.v1+json");
const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

/// Bodies that are not what any route reads: broken, mistyped, huge, or
/// not JSON at all; each with the content type it is sent under.
fn bad_bodies(json: Option<&'static str>) -> Vec<(Option<&'static str>, Vec<u8>, &'static str)> {
    let huge = "x".repeat(200_000);
    // Names the routes' forms use, each with a value of the wrong type.
    let mistyped = serde_json::json!({
        "id": [1], "name": 5, "title": {}, "url": 7, "secret_env": [], "events": "x",
        "active": "yes", "schema": 5, "schemaType": [], "references": "r", "version": "v",
        "compatibility": 1, "mode": [], "team": true, "event": 1, "cluster": {},
        "application": [], "principal": 3, "decision": 5, "reason": {}, "ids": "x",
        "user_id": 3, "params": "p", "patch": 1, "form": "f", "description": [],
        "tags": "t", "colour": 0, "members": "m", "lifecycle": 2, "partitions": "p",
        "purpose": [], "until": true, "to": [], "topic": 9, "q": [],
    });
    let huge_fields = serde_json::json!({
        "id": huge, "name": huge, "title": huge, "url": huge, "schema": huge,
        "team": huge, "event": huge, "cluster": huge, "reason": huge, "q": huge,
        "description": huge, "principal": huge, "compatibility": huge, "mode": huge,
    });
    // Valid JSON that PostgreSQL cannot store in text (SQLite can).
    let nul = serde_json::json!({
        "id": "a\u{0}", "name": "a\u{0}b", "title": "\u{0}", "url": "https://x.example/\u{0}",
        "secret_env": "SWITCHBOARD_WEBHOOK_\u{0}", "events": ["\u{0}"], "schema": "\u{0}",
        "team": "\u{0}", "event": "\u{0}", "cluster": "\u{0}", "reason": "\u{0}",
        "description": "\u{0}", "principal": "\u{0}", "q": "\u{0}", "colour": "\u{0}",
        "compatibility": "\u{0}", "mode": "\u{0}", "user_id": "\u{0}", "ids": ["\u{0}"],
    })
    .to_string();
    let nested = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    vec![
        (json, b"{".to_vec(), "truncated JSON"),
        (
            json,
            br#"{"name": "orders", "schema": "#.to_vec(),
            "truncated JSON",
        ),
        (json, b"[]".to_vec(), "array"),
        (json, b"\"text\"".to_vec(), "string"),
        (json, b"-12345678901234567890123".to_vec(), "number"),
        (json, b"null".to_vec(), "null"),
        (json, mistyped.to_string().into_bytes(), "wrong types"),
        (json, huge_fields.to_string().into_bytes(), "huge strings"),
        (json, nested.into_bytes(), "deep nesting"),
        (json, nul.into_bytes(), "NUL characters"),
        (
            json,
            br#"{"name": "\ud800", "reason": "\udfff"}"#.to_vec(),
            "lone surrogates",
        ),
        (
            json,
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', 0xc3, 0x28, b'}'],
            "invalid UTF-8",
        ),
        (Some("text/plain"), b"{}".to_vec(), "wrong content type"),
        (
            FORM,
            b"a=1&b=%ZZ&&=&id=%FF".to_vec(),
            "form with bad escapes",
        ),
        (
            None,
            br#"{"schema": "\"string\""}"#.to_vec(),
            "no content type",
        ),
        (
            json,
            format!("{{\"schema\": \"{}\"}}", "a".repeat(3 * 1024 * 1024)).into_bytes(),
            "overlong body",
        ),
    ]
}

/// Path parameters no route knows: mistyped, out of range, escapes, huge.
fn bad_segments() -> Vec<String> {
    vec![
        "abc".into(),
        "-1".into(),
        "0".into(),
        "2147483648".into(),
        "99999999999999999999".into(),
        "%FF%FE".into(),
        "%00".into(),
        "..%2F..%2Fetc".into(),
        "a%20b".into(),
        "x".repeat(5_000),
    ]
}

/// Query strings no route reads as meant.
fn bad_queries() -> Vec<String> {
    vec![
        "page=-1&per_page=abc&before=x".into(),
        "q=%FF%FE&from=2024-13-45&to=x".into(),
        "page=99999999999999999999&per_page=99999999999999999999".into(),
        "%zz=%&&==&q[]=1&sort=%00".into(),
        format!("q={}&actor={}", "y".repeat(20_000), "z".repeat(20_000)),
        "deleted=maybe&permanent=2&normalize=x&lookupDeletedSchema=nope".into(),
        "q=%00&actor=%00&subject=%00&action=%00&team=%00&state=%00&cluster=%00".into(),
    ]
}

fn get(uri: String, label: &'static str) -> Probe {
    Probe {
        method: "GET",
        uri,
        content_type: None,
        body: Vec::new(),
        label,
    }
}

/// REST routes, `{}` standing for the path parameter.
const REST_READS: &[&str] = &[
    "/api/v1/clusters/{}",
    "/api/v1/events",
    "/api/v1/events/{}",
    "/api/v1/events/{}/{}",
    "/api/v1/applications/{}/{}",
    "/api/v1/audit",
    "/api/v1/audit/export",
    "/api/v1/notifications",
    "/api/v1/webhooks/{}/deliveries",
    "/api/v1/requests",
    "/api/v1/requests/{}",
    "/api/v1/approvals",
    "/api/v1/jobs",
    "/api/v1/links",
    "/api/v1/drift",
    "/api/v1/applications",
    "/api/v1/tags",
    "/api/v1/teams",
];
const REST_WRITES: &[(&str, &str)] = &[
    ("POST", "/api/v1/tags"),
    ("POST", "/api/v1/teams"),
    ("POST", "/api/v1/discovery/claim"),
    ("POST", "/api/v1/notifications/{}/read"),
    ("POST", "/api/v1/webhooks"),
    ("POST", "/api/v1/applications"),
    ("POST", "/api/v1/requests/consume"),
    ("POST", "/api/v1/requests/produce"),
    ("POST", "/api/v1/requests/new-event"),
    ("POST", "/api/v1/requests/new-event/check"),
    ("POST", "/api/v1/requests/{}/decision"),
    ("POST", "/api/v1/requests/{}/cancel"),
    ("POST", "/api/v1/requests/{}/reassign"),
    ("POST", "/api/v1/requests/{}/revoke"),
    ("POST", "/api/v1/approvals/bulk"),
    ("POST", "/api/v1/jobs/{}/retry"),
    ("POST", "/api/v1/jobs/{}/cancel"),
    ("PATCH", "/api/v1/events/{}"),
];
const REGISTRY_READS: &[&str] = &[
    "/registry/subjects",
    "/registry/subjects/{}/versions",
    "/registry/subjects/{}/versions/{}",
    "/registry/subjects/{}/versions/{}/schema",
    "/registry/subjects/{}/versions/{}/referencedby",
    "/registry/schemas/ids/{}",
    "/registry/schemas/ids/{}/schema",
    "/registry/schemas/ids/{}/subjects",
    "/registry/schemas/ids/{}/versions",
    "/registry/config/{}",
    "/registry/mode/{}",
];
const REGISTRY_WRITES: &[(&str, &str)] = &[
    ("POST", "/registry/subjects/{}"),
    ("POST", "/registry/subjects/{}/versions"),
    ("PUT", "/registry/config"),
    ("PUT", "/registry/config/{}"),
    ("PUT", "/registry/mode/{}"),
    ("POST", "/registry/compatibility/subjects/{}/versions"),
    ("POST", "/registry/compatibility/subjects/{}/versions/{}"),
];
const REGISTRY_DELETES: &[&str] = &["/registry/subjects/{}", "/registry/subjects/{}/versions/{}"];

/// A valid-looking value for each `{}` of `template`, then every bad one in
/// each position in turn.
fn with_segments(template: &str) -> Vec<String> {
    let holes = template.matches("{}").count();
    let fill = |bad: Option<(usize, &str)>| {
        let mut uri = String::new();
        for (i, part) in template.split("{}").enumerate() {
            uri.push_str(part);
            if i < holes {
                let good = if template.contains("/versions/") && i == 1 {
                    "1"
                } else {
                    "orders-value"
                };
                uri.push_str(match bad {
                    Some((at, value)) if at == i => value,
                    _ => good,
                });
            }
        }
        uri
    };
    let mut uris = vec![fill(None)];
    for i in 0..holes {
        for bad in bad_segments() {
            uris.push(fill(Some((i, &bad))));
        }
    }
    uris
}

/// Every malformed request of the sweep.
fn probes() -> Vec<Probe> {
    let mut probes = Vec::new();
    for template in REST_READS.iter().chain(REGISTRY_READS) {
        for uri in with_segments(template) {
            probes.push(get(uri, "bad path parameter"));
        }
        let plain = template.replace("{}", "orders-value");
        for query in bad_queries() {
            probes.push(get(format!("{plain}?{query}"), "bad query"));
        }
    }
    let writes = REST_WRITES
        .iter()
        .map(|w| (w, JSON))
        .chain(REGISTRY_WRITES.iter().map(|w| (w, REGISTRY_JSON)));
    for ((method, template), json) in writes {
        let plain = template.replace("{}", "orders-value");
        for (content_type, body, label) in bad_bodies(json) {
            probes.push(Probe {
                method,
                uri: plain.clone(),
                content_type,
                body,
                label,
            });
        }
        for uri in with_segments(template).into_iter().skip(1) {
            probes.push(Probe {
                method,
                uri,
                content_type: json,
                body: b"{}".to_vec(),
                label: "bad path parameter",
            });
        }
    }
    for template in REGISTRY_DELETES {
        for uri in with_segments(template).into_iter().skip(1) {
            probes.push(Probe {
                method: "DELETE",
                uri: format!("{uri}?permanent=maybe"),
                content_type: None,
                body: Vec::new(),
                label: "bad path parameter",
            });
        }
    }
    // Every server function leptos registers, whatever its codec.
    let mut server_fns: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
    server_fns.sort_by_key(|(path, _)| *path);
    assert!(
        server_fns.len() >= 40,
        "{} server functions",
        server_fns.len()
    );
    for (path, method) in server_fns {
        let method = if method == axum::http::Method::GET {
            "GET"
        } else {
            "POST"
        };
        for (content_type, body, label) in bad_bodies(JSON) {
            probes.push(Probe {
                method,
                uri: path.to_string(),
                content_type,
                body,
                label,
            });
        }
        probes.push(Probe {
            method,
            uri: format!("{path}?{}", bad_queries()[3]),
            content_type: FORM,
            body: b"params[page]=-1&name=%FF".to_vec(),
            label: "bad query and form",
        });
    }
    probes
}

async fn no_malformed_input_gets_a_server_error(db: Db) {
    let mut sweep = Sweep::new(&db).await;
    let probes = probes();
    assert!(
        probes.len() >= 500,
        "only {} malformed inputs",
        probes.len()
    );
    for probe in &probes {
        sweep.probe(probe).await;
    }
    assert!(
        sweep.sent >= 500,
        "only {} malformed requests sent",
        sweep.sent
    );
    assert!(
        sweep.server_errors.is_empty(),
        "{} of {} malformed requests got a 5xx:\n{}",
        sweep.server_errors.len(),
        sweep.sent,
        sweep.server_errors.join("\n")
    );
}

/// The path of the server function whose name is `name`.
fn server_fn(name: &str) -> String {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        // Leptos may append a hash of the function's location.
        .find(|path| {
            path.trim_start_matches("/api/")
                .strip_prefix(name)
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit()))
        })
        .unwrap_or_else(|| panic!("no server function {name}"))
        .to_string()
}

async fn server_functions_refuse_unreadable_input_400_and_big_bodies_413(db: Db) {
    let sweep = Sweep::new(&db).await;
    let (_, cookie) = sweep.callers[1].clone();
    let cookie = cookie.expect("signed in");
    let send = |uri: String, content_type: &'static str, body: Vec<u8>, length: bool| {
        let router = sweep.router.clone();
        let cookie = cookie.clone();
        async move {
            let mut request = Request::post(uri)
                .header("host", "127.0.0.1:3000")
                .header("cookie", cookie)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", content_type);
            if !length {
                // Streamed: no Content-Length to refuse it by.
                request = request.header("transfer-encoding", "chunked");
            }
            let body = if length {
                Body::from(body)
            } else {
                Body::from_stream(futures::stream::iter(
                    body.chunks(64 * 1024)
                        .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
                        .collect::<Vec<_>>(),
                ))
            };
            let (status, _, body) =
                common::oneshot(&router, request.body(body).expect("request")).await;
            (status.as_u16(), body)
        }
    };
    // A form-encoded server function: a missing and a mistyped argument.
    let get_event = server_fn("get_event");
    for body in ["", "name[x]=1&name=2", "%FF=%FE"] {
        let (status, text) = send(get_event.clone(), FORM.expect("form"), body.into(), true).await;
        assert_eq!(status, 400, "{body}: {text}");
        assert_eq!(common::json(&text)["code"], "invalid_input", "{text}");
    }
    // A JSON server function: broken, mistyped, not UTF-8.
    let update_event = server_fn("update_event");
    for body in [&b"{"[..], br#"{"name": 5, "patch": []}"#, b"\xff\xfe"] {
        let (status, text) = send(
            update_event.clone(),
            "application/json",
            body.to_vec(),
            true,
        )
        .await;
        assert_eq!(status, 400, "{}: {text}", String::from_utf8_lossy(body));
        assert_eq!(common::json(&text)["code"], "invalid_input", "{text}");
    }
    // Over the limit, declared or streamed: 413, and the function never ran.
    let big = format!("{{\"name\": \"{}\"}}", "a".repeat(3 * 1024 * 1024)).into_bytes();
    for declared in [true, false] {
        let (status, text) = send(
            update_event.clone(),
            "application/json",
            big.clone(),
            declared,
        )
        .await;
        assert_eq!(status, 413, "declared length {declared}: {}", short(&text));
        assert_eq!(common::json(&text)["code"], "too_large", "{text}");
    }
    // A well-formed call still works.
    let (status, text) = send(
        get_event,
        FORM.expect("form"),
        b"name=orders.placed".to_vec(),
        true,
    )
    .await;
    assert!(status == 200 || status == 404, "{status}: {}", short(&text));
}
