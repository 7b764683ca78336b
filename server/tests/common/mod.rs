//! Test harness: a fresh database per test (SQLite file or PostgreSQL database,
//! dropped with it even when the test fails), real local brokers, and the
//! router driven in-process. New tests start from [`app::TestApp`].
#![allow(dead_code)]

pub mod app;
pub mod registry_api;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use sqlx::{Connection, Executor, PgConnection};
use switchboard::config::Config;
use switchboard::db::Db;
use tower::ServiceExt;

/// Runs each listed async test once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! backend_suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::common::TestDb::sqlite().await;
                    super::$name(db.db.clone()).await;
                    db.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::common::TestDb::postgres().await;
                    super::$name(db.db.clone()).await;
                    db.cleanup().await;
                }
            )*
        }
    };
}

pub struct TestDb {
    pub db: Db,
    /// Its URL, for other processes (a `switchboard worker` under test).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

fn pg_admin_url() -> String {
    std::env::var("SWITCHBOARD_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.expect("sqlite connects");
        db.migrate().await.expect("sqlite migrates");
        TestDb {
            db,
            url,
            _dir: Some(dir),
            pg_name: None,
        }
    }

    pub async fn postgres() -> TestDb {
        let admin = pg_admin_url();
        let name = format!("sb_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&admin)
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (or set SWITCHBOARD_TEST_PG_URL)");
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        conn.close().await.ok();
        let (base, _) = admin.rsplit_once('/').expect("URL has a database");
        let url = format!("{base}/{name}");
        let db = Db::connect(&url).await.expect("pg connects");
        db.migrate().await.expect("pg migrates");
        TestDb {
            db,
            url,
            _dir: None,
            pg_name: Some(name),
        }
    }

    /// Closes the pool; the database itself goes when this is dropped.
    pub async fn cleanup(self) {
        self.db.close().await;
    }
}

impl Drop for TestDb {
    /// Drops a PostgreSQL test database, also after a failed test (which
    /// unwinds through here), on a thread of its own: `Drop` cannot await.
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&pg_admin_url()).await {
                    let _ = conn
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop a PostgreSQL test database");
        }
    }
}

/// Defaults for in-process tests, with the development sign-in turned on
/// (its explicit setting) so that tests sign in with `session`.
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.auth.dev_login = true;
    config.status.timeout_ms = 1500;
    config.status.cache_ttl_ms = 300;
    config.site_root = PathBuf::from("/nonexistent-site");
    config
}

/// Sends one request through the router in-process.
pub async fn call(db: &Db, config: &Config, method: &str, uri: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = send(db, config, request).await;
    (status, body)
}

/// Sends any request through the router in-process; returns status, headers, body.
///
/// A request with a cookie is sent as a browser on a Switchboard page sends
/// it: with `Sec-Fetch-Site: same-origin`, unless the test set its own
/// `Sec-Fetch-Site`, `Origin` or `Referer` (the cross-site request check
/// refuses cookie-carrying writes without them; tests/web_safety.rs covers it).
///
/// This builds a whole app for the one request; tests that send several
/// keep one [`app::TestApp`] instead.
pub async fn send(
    db: &Db,
    config: &Config,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let answer = app::TestApp::over(db.clone(), config.clone())
        .await
        .send(request)
        .await;
    (answer.status, answer.headers, answer.body)
}

/// Marks a cookie-carrying request as sent from a Switchboard page, unless
/// the test chose its own `Sec-Fetch-Site`, `Origin` or `Referer`.
pub fn same_origin(mut request: Request<Body>) -> Request<Body> {
    let headers = request.headers_mut();
    if headers.contains_key("cookie")
        && !["sec-fetch-site", "origin", "referer"]
            .iter()
            .any(|h| headers.contains_key(*h))
    {
        headers.insert(
            "sec-fetch-site",
            axum::http::HeaderValue::from_static("same-origin"),
        );
    }
    request
}

/// The longest any in-process request may take before its test fails.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// Sends one request through `router` in-process; returns status, headers, body.
pub async fn oneshot(
    router: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    // A response that never completes fails its test within a minute instead of
    // holding the whole suite until CI's limit.
    let what = format!("{} {}", request.method(), request.uri());
    let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
    let response = tokio::time::timeout_at(deadline, router.clone().oneshot(request))
        .await
        .unwrap_or_else(|_| panic!("{what}: no response within {ANSWER_WITHIN:?}"))
        .expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    while let Some(frame) = tokio::time::timeout_at(deadline, body.frame())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{what}: answered {status}, body incomplete after {ANSWER_WITHIN:?}; it ends: {}",
                String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(400)..])
            )
        })
    {
        if let Ok(data) = frame.expect("body").into_data() {
            bytes.extend_from_slice(&data);
        }
    }
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

pub fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// A loopback port nobody listens on right now, never handed out twice in one
/// test process: tests run in parallel, and a port one test keeps closed on
/// purpose (an unreachable cluster) must not become another test's broker.
pub fn free_port() -> u16 {
    static HANDED_OUT: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        if !handed_out.contains(&port) {
            handed_out.push(port);
            return port;
        }
    }
}

pub fn broker_bin() -> String {
    std::env::var("SWITCHBOARD_TEST_BROKER_BIN").unwrap_or_else(|_| "nisshi".to_string())
}

/// A real Nisshi broker with memory storage on a free loopback port; killed on drop.
pub struct Broker {
    pub port: u16,
    child: Child,
}

impl Broker {
    pub fn start() -> Broker {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Broker {
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(broker_bin())
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://test/", "--cluster-id", "test"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the nisshi broker must be installed (scripts/setup.sh)");
        let broker = Broker { port, child };
        wait_for_port(port, Duration::from_secs(20));
        broker
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .is_ok()
}

pub fn wait_for_port(port: u16, within: Duration) {
    let deadline = Instant::now() + within;
    while !port_open(port) {
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The `Host` of in-process requests that need one.
pub const HOST: &str = "127.0.0.1:3000";

/// A development sign-in as a browser on this machine sends it: from a
/// loopback peer, for a loopback `Host`, from a page of the site.
pub fn dev_login_request(user: &str) -> Request<Body> {
    let mut request = Request::post("/auth/dev-login")
        .header("host", HOST)
        .header("origin", format!("http://{HOST}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("user_id={user}")))
        .expect("request");
    set_peer(&mut request, "127.0.0.1");
    request
}

/// Records the TCP peer as `axum::serve` does with connect info.
pub fn set_peer(request: &mut Request<Body>, ip: &str) {
    let addr: std::net::SocketAddr = format!("{ip}:40000")
        .parse()
        .or_else(|_| format!("[{ip}]:40000").parse())
        .expect("peer address");
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
}

/// Signs in through the development sign-in; returns the `name=value` cookie pair.
pub async fn session(db: &Db, config: &Config, user: &str) -> String {
    let (status, headers, body) = send(db, config, dev_login_request(user)).await;
    assert_eq!(status, 303, "{body}");
    let cookie = headers["set-cookie"].to_str().expect("ascii");
    cookie.split(';').next().expect("pair").to_string()
}

/// A JSON API call with an optional session cookie and body.
pub async fn api(
    db: &Db,
    config: &Config,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let answer = app::TestApp::over(db.clone(), config.clone())
        .await
        .request_with_cookie(method, uri, cookie, body)
        .await;
    (answer.status.as_u16(), answer.body)
}
