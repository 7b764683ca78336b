//! The `switchboard` binary as an operator meets it: clear one-line errors,
//! PostgreSQL by URL, graceful shutdown.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

fn run_failing(args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .envs(envs.iter().copied())
        .output()
        .expect("binary runs");
    assert!(!out.status.success(), "should fail: {args:?}");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("error: "), "{stderr}");
    last
}

#[test]
fn a_wrong_database_url_is_one_clear_line() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf8");
    let line = run_failing(
        &["migrate", "--data-dir", data],
        &[("DATABASE_URL", "mysql://x")],
    );
    assert!(
        line.contains("unsupported database URL scheme `mysql`"),
        "{line}"
    );
    let line = run_failing(
        &["migrate", "--data-dir", data],
        &[("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")],
    );
    assert!(line.contains("cannot connect to the database"), "{line}");
}

#[test]
fn an_unusable_data_directory_is_one_clear_line() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("write");
    let data = file.join("data");
    let line = run_failing(&["serve", "--data-dir", data.to_str().expect("utf8")], &[]);
    assert!(line.contains("cannot create data directory"), "{line}");
}

#[test]
fn a_port_in_use_is_one_clear_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let dir = tempfile::tempdir().expect("dir");
    let line = run_failing(
        &[
            "serve",
            "--listen",
            &addr,
            "--data-dir",
            dir.path().to_str().expect("utf8"),
        ],
        &[],
    );
    assert!(line.contains(&format!("cannot listen on {addr}")), "{line}");
}

#[test]
fn an_unknown_config_key_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sb.toml");
    std::fs::write(&file, "lissen = \"127.0.0.1:1\"\n").expect("write");
    let line = run_failing(&["--config", file.to_str().expect("utf8"), "migrate"], &[]);
    assert!(line.contains("lissen"), "{line}");
}

#[test]
fn serve_uses_postgres_from_database_url_and_stops_on_sigterm() {
    let admin = std::env::var("SWITCHBOARD_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let name = format!("sb_cli_{}", uuid::Uuid::new_v4().simple());
    psql(&admin, &format!("CREATE DATABASE {name}"));
    let (base, _) = admin.rsplit_once('/').expect("db in url");
    let url = format!("{base}/{name}");
    let port = common::free_port();
    let dir = tempfile::tempdir().expect("dir");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--data-dir", dir.path().to_str().expect("utf8")])
        .env("DATABASE_URL", &url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let body = wait_ready(port);
    assert!(body.contains("\"backend\":\"postgres\""), "{body}");
    // No SQLite file was made: the data went to PostgreSQL.
    assert!(!dir.path().join("switchboard.db").exists());

    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
    psql(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}

fn wait_ready(port: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(body) = http_get(port, "/readyz") {
            if body.contains("\"ready\":true") {
                return body;
            }
        }
        assert!(Instant::now() < deadline, "server never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A minimal HTTP/1.0 GET, enough for a probe without an HTTP client dependency.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

fn psql(url: &str, sql: &str) {
    let status = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .status()
        .expect("psql runs");
    assert!(status.success(), "psql failed: {sql}");
}

#[test]
fn environment_overrides_are_read_and_unrelated_variables_ignored() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf8");
    // A bad value in a real key is reported with the key's name…
    let line = run_failing(
        &["migrate", "--data-dir", data],
        &[("SWITCHBOARD_LISTEN", "nowhere")],
    );
    assert!(line.to_lowercase().contains("listen"), "{line}");
    // …while a SWITCHBOARD_ variable that is no key does not stop the start.
    let out = Command::new(BIN)
        .args(["migrate", "--data-dir", data])
        .env_remove("DATABASE_URL")
        .env("SWITCHBOARD_BIN", "/some/where")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn link_identity_binds_a_user_id_and_refuses_bad_input() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_str().expect("utf8");
    let line = run_failing(
        &[
            "link-identity",
            "alice",
            "--subject",
            "s-1",
            "--data-dir",
            data,
        ],
        &[],
    );
    assert!(line.contains("--issuer"), "{line}");
    let line = run_failing(
        &[
            "link-identity",
            "alice",
            "--subject",
            "s-1",
            "--issuer",
            "not a url",
            "--data-dir",
            data,
        ],
        &[],
    );
    assert!(line.contains("issuer must be an http(s) URL"), "{line}");
    let out = Command::new(BIN)
        .args(["link-identity", "alice", "--subject", "s-1"])
        .args(["--issuer", "https://idp.example.com", "--data-dir", data])
        .env_remove("DATABASE_URL")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("alice linked to https://idp.example.com s-1"),
        "{stdout}"
    );
    // The binding is in the database, audited with the actor `cli`.
    let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
    let db = switchboard::db::Db::connect(&url).await.expect("database");
    let query = |sql: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_one(db.pool())
                .await
                .expect(sql)
        }
    };
    assert_eq!(
        query("SELECT issuer || ' ' || subject FROM users WHERE id = 'alice'").await,
        "https://idp.example.com s-1"
    );
    assert_eq!(
        query("SELECT actor || ' ' || action FROM audit_log WHERE subject = 'user:alice'").await,
        "cli user.identity_linked"
    );
    db.close().await;
}
