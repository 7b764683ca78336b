//! The REST contract: `/api/v1/openapi.json` is a valid OpenAPI 3.1 document
//! (checked by `openapi-spec-validator`), every operation in it is routed
//! (none falls to the API's 404 or gets 405), and Schemathesis, run against a
//! live Switchboard with an admin's token of every scope, finds no 5xx, no
//! response that breaks the document and no input the document calls invalid
//! that the server accepts. Schemathesis's run is bounded (`--max-time`).

mod common;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use common::app::{admin_config, TestApp, ADMIN};
use common::TestDb;

fn venv_tool(name: &str) -> PathBuf {
    let home = std::env::var("HOME").expect("HOME");
    let path = PathBuf::from(home)
        .join(".cache/switchboard/venv/bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh test",
        path.display()
    );
    path
}

async fn document(app: &TestApp) -> Value {
    let answer = app.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()
}

#[tokio::test]
async fn the_document_is_valid_openapi_and_lists_what_is_routed() {
    let db = TestDb::sqlite().await;
    let mut config = admin_config();
    // Nothing listens on the demo clusters: fail their calls fast.
    config.provision.kafka_timeout_ms = 1500;
    let app = TestApp::seeded(db.db.clone(), config).await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["token"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["in"], "cookie");

    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), doc.to_string()).expect("write");
    let out = std::process::Command::new(venv_tool("openapi-spec-validator"))
        .arg(file.path())
        .output()
        .expect("validator runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Each documented operation reaches a handler: not the API's fallback
    // ("no such API endpoint") and not 405.
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        let uri = format!("/api/v1{}", path.replace("{file}", "asyncapi.json"));
        let uri = uri.replace(['{', '}'], "x");
        for method in item.as_object().expect("item").keys() {
            let started = std::time::Instant::now();
            let answer = app
                .as_user(ADMIN)
                .call(&method.to_uppercase(), &uri, Some("{}"))
                .await;
            if started.elapsed() > Duration::from_secs(1) {
                eprintln!("{method} {path}: {:?}", started.elapsed());
            }
            assert_ne!(answer.0, 405, "{method} {path} is routed");
            assert!(
                !answer.1.contains("no such API endpoint"),
                "{method} {path}: {}",
                answer.1
            );
            operations += 1;
        }
    }
    assert!(operations >= 45, "{operations} operations documented");

    // The reference page shows every operation, without any script.
    let page = app.anonymous().get("/api/docs").await;
    assert_eq!(page.status, 200);
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        page.body.matches("data-testid=\"operation\"").count(),
        operations
    );
    assert!(
        !page.body.contains("<script"),
        "no script on the reference page"
    );
    assert!(
        page.body.contains("id=\"schema-RequestView\""),
        "schemas are listed"
    );
    // And a path the document does not list is not served.
    let answer = app.anonymous().get("/api/v1/not-in-the-document").await;
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn schemathesis_finds_nothing_against_a_live_switchboard() {
    let db = TestDb::sqlite().await;
    let mut config = admin_config();
    // Nothing listens on the demo clusters: fail their calls fast.
    config.provision.kafka_timeout_ms = 1500;
    let app = TestApp::seeded(db.db.clone(), config).await;
    let made = app
        .as_user(ADMIN)
        .post_json(
            "/api/v1/tokens",
            &json!({
                "name": "schemathesis",
                "scopes": ["read", "request", "decide", "registry:write", "admin"],
                "expires_in_days": 1
            }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let bearer = made.json()["bearer"].as_str().expect("bearer").to_string();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = switchboard::http::router(app.state.clone());
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let reports = tempfile::tempdir().expect("report dir");
    let run = tokio::process::Command::new(venv_tool("schemathesis"))
        .args(["run", &format!("http://{addr}/api/v1/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {bearer}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,\
             response_schema_conformance,negative_data_rejection",
        ])
        .args(["--max-examples", "25", "--max-time", "150", "--seed", "7"])
        .args(["--request-timeout", "60", "--no-color", "--workers", "2"])
        .arg("--report-dir")
        .arg(reports.path())
        .env("SCHEMATHESIS_HOOKS", "")
        .output();
    let output = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("Schemathesis finished within 5 minutes")
        .expect("Schemathesis started");
    server.abort();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "Schemathesis found problems:\n{stdout}\n{stderr}"
    );
    // It really exercised the API: operations were tested, none skipped for errors.
    assert!(stdout.contains("passed"), "{stdout}");
}
