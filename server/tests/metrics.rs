//! `GET /metrics`: every family read from the database on SQLite and
//! PostgreSQL, who may read it, the format checked by `promtool check
//! metrics`, and a real Prometheus (Debian's `prometheus` package, installed
//! by scripts/setup.sh) scraping a Switchboard served on a TCP port.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use common::app::TestApp;
use common::TestDb;
use switchboard::db::{now, Db};

const EVENT: &str = "network.alarm.raised";

/// What `seed_rows` put in, for the assertions.
struct Seeded {
    grant: i64,
    link: i64,
}

async fn exec(db: &Db, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn id_of(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// One row of each kind `/metrics` reads, written as the services would.
async fn seed_rows(db: &Db) -> Seeded {
    let t = now();
    let t = t.as_str();
    // The sampler's series: an event's rate, and a grant's lag.
    exec(
        db,
        "INSERT INTO metric_series (kind, cluster_id, subject, last_at, last_value) \
         VALUES ('topic_rate', 'onprem', $1, 1, 12.5)",
        &[EVENT],
    )
    .await;
    exec(
        db,
        "INSERT INTO applications (team_id, name, created_by, created_at) \
         VALUES ('customer-insights', 'dashboards', 'zoe', $1)",
        &[t],
    )
    .await;
    let app = id_of(db, "SELECT MAX(id) FROM applications").await;
    exec(
        db,
        &format!(
            "INSERT INTO requests (kind, state, requester, team_id, event_name, cluster_id, \
             topic, application_id, purpose, created_at, updated_at) \
             VALUES ('consume', 'active', 'zoe', 'customer-insights', $1, 'aws', $1, {app}, \
             'dashboards', $2, $2)"
        ),
        &[EVENT, t],
    )
    .await;
    let request = id_of(db, "SELECT MAX(id) FROM requests").await;
    exec(
        db,
        &format!(
            "INSERT INTO grants (request_id, application_id, event_name, cluster_id, principal, \
             topic, bindings_json, expires_at, state, created_at, updated_at) \
             VALUES ({request}, {app}, $1, 'aws', 'User:dashboards', $1, '[]', \
             '2999-01-01T00:00:00.000000Z', 'active', $2, $2)"
        ),
        &[EVENT, t],
    )
    .await;
    let grant = id_of(db, "SELECT MAX(id) FROM grants").await;
    exec(
        db,
        "INSERT INTO metric_series (kind, cluster_id, subject, last_at, last_value) \
         VALUES ('group_lag', 'aws', $1, 1, 4200)",
        &[&grant.to_string()],
    )
    .await;
    // The sampler's own state, one firing rule, one link.
    exec(
        db,
        "INSERT INTO monitoring_clusters (cluster_id, last_pass_at, pass_ms, reachable, \
         passes, failures) VALUES ('onprem', '2030-01-01T00:00:00.000000Z', 1500, 1, 10, 3), \
         ('gcp', NULL, NULL, 0, 4, 4)",
        &[],
    )
    .await;
    exec(
        db,
        "INSERT INTO alert_rules (rule_key, kind, event_name, team_id, threshold, for_minutes, \
         state, created_at, updated_at) \
         VALUES ('consumer_lag:test', 'consumer_lag', $1, 'customer-insights', 1000, 5, \
         'firing', $2, $2)",
        &[EVENT, t],
    )
    .await;
    exec(
        db,
        "INSERT INTO mesh_links (event_name, source_cluster, source_topic, target_cluster, \
         target_topic, backend, state, lag, rate_per_sec, created_at, updated_at) \
         VALUES ($1, 'onprem', $1, 'aws', $1, 'builtin', 'running', 7, 300, $2, $2)",
        &[EVENT, t],
    )
    .await;
    let link = id_of(db, "SELECT MAX(id) FROM mesh_links").await;
    // Jobs: one parked (and audited so), one waiting for its second attempt.
    exec(
        db,
        "INSERT INTO provisioning_jobs (kind, cluster_id, payload_json, state, attempts, \
         created_at, updated_at) VALUES ('create_topic', 'onprem', '{}', 'failed', 8, $1, $1), \
         ('create_acls', 'aws', '{}', 'queued', 1, $1, $1)",
        &[t],
    )
    .await;
    let parked = id_of(
        db,
        "SELECT MIN(id) FROM provisioning_jobs WHERE state = 'failed'",
    )
    .await;
    exec(
        db,
        "INSERT INTO audit_log (at, actor, action, subject) VALUES ($1, 'system', 'job.parked', $2)",
        &[t, &format!("job:{parked}")],
    )
    .await;
    // Webhook calls: one due, one parked, one delivered.
    exec(
        db,
        "INSERT INTO webhooks (id, url, secret_env, created_at, updated_at) \
         VALUES ('hook', 'http://127.0.0.1:9/', 'X', $1, $1)",
        &[t],
    )
    .await;
    exec(
        db,
        "INSERT INTO webhook_deliveries (webhook_id, audit_id, event, payload, next_attempt_at, \
         delivered_at, parked_at, created_at) VALUES \
         ('hook', 1, 'e', '{}', $1, NULL, NULL, $1), \
         ('hook', 2, 'e', '{}', NULL, NULL, $1, $1), \
         ('hook', 3, 'e', '{}', NULL, $1, NULL, $1)",
        &[t],
    )
    .await;
    Seeded { grant, link }
}

async fn get(app: &TestApp, uri: &str, token: Option<&str>) -> common::app::Answer {
    let mut request = Request::builder().uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

fn assert_line(body: &str, line: &str) {
    assert!(
        body.lines().any(|l| l == line),
        "`{line}` is missing from /metrics:\n{body}"
    );
}

async fn every_family_is_read_from_the_database(db: Db) {
    let app = TestApp::seeded(db.clone(), common::test_config()).await;
    let seeded = seed_rows(&db).await;
    assert_eq!(get(&app, "/healthz", None).await.status, 200);
    assert_eq!(
        get(&app, "/api/v1/events/nothing.here", None).await.status,
        404
    );
    let answer = get(&app, "/metrics", None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let body = &answer.body;
    let backlog: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(db.pool())
        .await
        .expect("count");
    let (grant, link) = (seeded.grant, seeded.link);
    for line in [
        "switchboard_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"2xx\"} 1",
        "switchboard_http_requests_total{route=\"/api/v1/events/{name}\",method=\"GET\",status=\"4xx\"} 1",
        "switchboard_http_request_duration_seconds_count{route=\"/healthz\",method=\"GET\",status=\"2xx\"} 1",
        "switchboard_jobs{kind=\"create_topic\",state=\"failed\"} 1",
        "switchboard_jobs{kind=\"create_acls\",state=\"queued\"} 1",
        "switchboard_jobs{kind=\"delete_acls\",state=\"running\"} 0",
        "switchboard_jobs_retrying{kind=\"create_acls\"} 1",
        "switchboard_job_failures_total{kind=\"create_topic\"} 1",
        "switchboard_job_failures_total{kind=\"create_acls\"} 0",
        &format!("switchboard_notifier_backlog {backlog}"),
        "switchboard_webhook_deliveries_pending 1",
        "switchboard_webhook_deliveries_parked 1",
        &format!("switchboard_link_lag_records{{link=\"{link}\",event=\"{EVENT}\",source=\"onprem\",target=\"aws\"}} 7"),
        &format!("switchboard_link_rate_records_per_second{{link=\"{link}\",event=\"{EVENT}\",source=\"onprem\",target=\"aws\"}} 300"),
        "switchboard_sampler_pass_seconds{cluster=\"onprem\"} 1.5",
        "switchboard_sampler_last_pass_timestamp_seconds{cluster=\"onprem\"} 1893456000",
        "switchboard_sampler_failures_total{cluster=\"onprem\"} 3",
        "switchboard_sampler_failures_total{cluster=\"gcp\"} 4",
        "switchboard_sampler_cluster_up{cluster=\"onprem\"} 1",
        "switchboard_sampler_cluster_up{cluster=\"gcp\"} 0",
        "switchboard_alerts_firing{kind=\"consumer_lag\"} 1",
        "switchboard_alerts_firing{kind=\"link_error\"} 0",
        &format!("switchboard_event_records_per_second{{event=\"{EVENT}\",cluster=\"onprem\"}} 12.5"),
        &format!("switchboard_grant_lag_records{{grant=\"{grant}\",event=\"{EVENT}\",cluster=\"aws\",team=\"customer-insights\"}} 4200"),
    ] {
        assert_line(body, line);
    }
    // The revoked grant's lag is no longer exported.
    exec(&db, "UPDATE grants SET state = 'revoked'", &[]).await;
    let body = get(&app, "/metrics", None).await.body;
    assert!(
        !body.contains("switchboard_grant_lag_records{"),
        "a revoked grant's lag stays:\n{body}"
    );
    assert_line(&body, "# TYPE switchboard_grant_lag_records gauge");
}

backend_suite!(every_family_is_read_from_the_database);

#[tokio::test]
async fn off_answers_404() {
    let db = TestDb::sqlite().await;
    let mut config = common::test_config();
    config.metrics.enabled = false;
    let app = TestApp::over(db.db.clone(), config).await;
    let answer = get(&app, "/metrics", None).await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert!(!answer.body.contains("switchboard_"), "{}", answer.body);
    db.cleanup().await;
}

#[tokio::test]
async fn a_configured_bearer_token_is_required() {
    const VAR: &str = "SB_TEST_METRICS_TOKEN";
    std::env::set_var(VAR, "s3cret-token");
    let db = TestDb::sqlite().await;
    let mut config = common::test_config();
    config.metrics.bearer_token_env = VAR.into();
    assert!(switchboard::metrics::check_config(&config.metrics).is_ok());
    let app = TestApp::over(db.db.clone(), config.clone()).await;
    for wrong in [
        None,
        Some("wrong"),
        Some("s3cret-toke"),
        Some("s3cret-token2"),
    ] {
        let answer = get(&app, "/metrics", wrong).await;
        assert_eq!(answer.status, 401, "{wrong:?}: {}", answer.body);
        assert!(answer.headers.contains_key("www-authenticate"));
        assert!(!answer.body.contains("switchboard_"), "{}", answer.body);
    }
    let answer = get(&app, "/metrics", Some("s3cret-token")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("# TYPE switchboard_jobs gauge"));

    // A variable that is not set: `serve` refuses to start, the route refuses all.
    config.metrics.bearer_token_env = "SB_TEST_METRICS_TOKEN_UNSET".into();
    let err = switchboard::metrics::check_config(&config.metrics).expect_err("refused");
    assert!(err.contains("SB_TEST_METRICS_TOKEN_UNSET"), "{err}");
    let app = TestApp::over(db.db.clone(), config).await;
    assert_eq!(get(&app, "/metrics", None).await.status, 401);
    assert_eq!(get(&app, "/metrics", Some("")).await.status, 401);
    db.cleanup().await;
}

/// A Debian package's binary: fails the test with how to install it.
fn tool(name: &str) -> &'static Path {
    let path: &'static Path = match name {
        "prometheus" => Path::new("/usr/bin/prometheus"),
        _ => Path::new("/usr/bin/promtool"),
    };
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup.sh test (Debian's prometheus package)",
        path.display()
    );
    path
}

#[tokio::test]
async fn promtool_accepts_the_exposition() {
    let db = TestDb::sqlite().await;
    let app = TestApp::seeded(db.db.clone(), common::test_config()).await;
    seed_rows(&db.db).await;
    get(&app, "/healthz", None).await;
    let body = get(&app, "/metrics", None).await.body;
    let mut check = tokio::process::Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool starts");
    use tokio::io::AsyncWriteExt;
    let mut stdin = check.stdin.take().expect("stdin");
    stdin.write_all(body.as_bytes()).await.expect("write");
    drop(stdin);
    let out = check.wait_with_output().await.expect("promtool ends");
    assert!(
        out.status.success(),
        "promtool check metrics refused the exposition:\n{}{}\n--- exposition:\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    db.cleanup().await;
}

/// Prometheus on a free loopback port, its storage in a temporary
/// directory; killed on drop.
struct Prometheus {
    child: tokio::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Prometheus {
    async fn scraping(target: std::net::SocketAddr) -> Prometheus {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
                 scrape_configs:\n  - job_name: switchboard\n    metrics_path: /metrics\n\
                 \x20   static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("config");
        let port = common::free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log");
        let child = tokio::process::Command::new(tool("prometheus"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("prometheus starts");
        Prometheus { child, port, dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// The value of each series `query` returns now, by its labels as JSON.
    async fn query(&self, query: &str) -> Result<Vec<(serde_json::Value, f64)>, String> {
        let url = format!("http://127.0.0.1:{}/api/v1/query", self.port);
        let body = reqwest::Client::new()
            .get(url)
            .query(&[("query", query)])
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        let results = json["data"]["result"]
            .as_array()
            .ok_or_else(|| format!("no result: {body}"))?;
        Ok(results
            .iter()
            .map(|r| {
                let value = r["value"][1]
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(f64::NAN);
                (r["metric"].clone(), value)
            })
            .collect())
    }
}

/// A series Prometheus must answer for `query`: with these labels among
/// its own, and this value (`None`: any above 0).
struct Expect<'a> {
    query: &'a str,
    labels: Vec<(&'a str, &'a str)>,
    value: Option<f64>,
}

impl<'a> Expect<'a> {
    fn value(query: &'a str, value: f64) -> Self {
        Expect {
            query,
            labels: Vec::new(),
            value: Some(value),
        }
    }
}

#[tokio::test]
async fn a_real_prometheus_scrapes_switchboard() {
    let db = TestDb::sqlite().await;
    let app = TestApp::seeded(db.db.clone(), common::test_config()).await;
    let seeded = seed_rows(&db.db).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = switchboard::http::router(app.state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let status = client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .expect("healthz")
            .status();
        assert_eq!(status, 200);
    }

    let mut prometheus = Prometheus::scraping(addr).await;
    let grant = seeded.grant.to_string();
    let expected = [
        Expect::value("up{job=\"switchboard\"}", 1.0),
        Expect::value(
            "switchboard_event_records_per_second{event=\"network.alarm.raised\",cluster=\"onprem\"}",
            12.5,
        ),
        Expect {
            labels: vec![
                ("grant", grant.as_str()),
                ("team", "customer-insights"),
                ("cluster", "aws"),
            ],
            ..Expect::value("switchboard_grant_lag_records", 4200.0)
        },
        Expect::value("switchboard_alerts_firing{kind=\"consumer_lag\"}", 1.0),
        Expect::value(
            "switchboard_jobs{kind=\"create_topic\",state=\"failed\"}",
            1.0,
        ),
        Expect::value(
            "sum(switchboard_http_requests_total{route=\"/healthz\",status=\"2xx\"})",
            3.0,
        ),
        Expect {
            value: None,
            ..Expect::value(
                "sum(switchboard_http_request_duration_seconds_count{route=\"/metrics\"})",
                0.0,
            )
        },
    ];
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut pending: Vec<_> = expected.iter().collect();
    let mut last = String::new();
    while !pending.is_empty() {
        if let Ok(Some(status)) = prometheus.child.try_wait() {
            panic!("prometheus exited ({status}):\n{}", prometheus.log());
        }
        let mut still = Vec::new();
        for e in pending {
            let query = e.query;
            let found = match prometheus.query(query).await {
                Ok(series) => {
                    let hit = series.iter().any(|(metric, value)| {
                        e.labels.iter().all(|(k, v)| metric[*k] == *v)
                            && match &e.value {
                                Some(w) => value == w,
                                None => *value > 0.0,
                            }
                    });
                    if !hit {
                        last = format!("{query} answered {series:?}");
                    }
                    hit
                }
                Err(err) => {
                    last = format!("{query}: {err}");
                    false
                }
            };
            if !found {
                still.push(e);
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus did not see these series within 30 s: {:?}\nlast answer: {last}\n\
             prometheus log:\n{}",
            pending.iter().map(|e| e.query).collect::<Vec<_>>(),
            prometheus.log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    server.abort();
    db.cleanup().await;
}
