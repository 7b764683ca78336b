//! Two `serve` processes on one PostgreSQL database: a catalogue change made
//! through one is found by the other's search, and a permanent registry delete
//! empties the other's by-id cache. Neither polls: without the announcements
//! the other replica would stay stale until its next start.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

struct Replica {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn replica(database_url: &str) -> Replica {
    let port = free_port();
    let dir = tempfile::tempdir().expect("dir");
    let child = Command::new(BIN)
        .args(["serve", "--database-url", database_url])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir.path())
        .env("SWITCHBOARD_PROVISION__IN_PROCESS", "false")
        .env("RUST_LOG", "warn,rdkafka=off,librdkafka=off")
        .stdout(Stdio::null())
        .spawn()
        .expect("serve starts");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = reqwest::get(format!("{url}/readyz")).await;
        if ready.is_ok_and(|r| r.status() == reqwest::StatusCode::OK) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "replica on {port} never became ready"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Replica {
        child,
        url,
        _dir: dir,
    }
}

async fn total(replica: &Replica, q: &str) -> u64 {
    let body: serde_json::Value = reqwest::get(format!("{}/api/v1/events?q={q}", replica.url))
        .await
        .expect("search answers")
        .json()
        .await
        .expect("json");
    body["total"].as_u64().expect("total")
}

#[tokio::test]
async fn an_edit_through_one_replica_is_found_through_the_other() {
    let db = TestDb::postgres().await;
    switchboard::serve::register_clusters(&db.db, switchboard::demo::demo_clusters(free_port()))
        .await
        .expect("clusters");
    switchboard::catalogue::seed::seed_database(&db.db)
        .await
        .expect("seed");
    let event = switchboard::catalogue::repo::list_events(&db.db)
        .await
        .expect("events")
        .remove(0)
        .spec;
    sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, 'replica.tester')")
        .bind(&event.team)
        .execute(db.db.pool())
        .await
        .expect("member");
    let token =
        switchboard::auth::sessions::create(&db.db, "replica.tester", time::Duration::hours(1))
            .await
            .expect("session");

    let (a, b) = (replica(&db.url).await, replica(&db.url).await);
    let word = format!("zq{}", uuid::Uuid::new_v4().simple());
    assert_eq!(total(&b, &word).await, 0);

    let shown: serde_json::Value = reqwest::get(format!("{}/api/v1/events/{}", a.url, event.name))
        .await
        .expect("event")
        .json()
        .await
        .expect("json");
    let patch = serde_json::json!({
        "title": format!("Replicated {word}"),
        "description": shown["description_markdown"],
        "domain": shown["domain"],
        "lifecycle": shown["lifecycle"],
        "tags": shown["tags"].as_array().expect("tags").iter().map(|t| t["name"].clone()).collect::<Vec<_>>(),
        "field_tags": event.field_tags,
    });
    let answer = reqwest::Client::new()
        .patch(format!("{}/api/v1/events/{}", a.url, event.name))
        .header(
            "cookie",
            format!("{}={token}", switchboard::auth::sessions::COOKIE),
        )
        .header("origin", &a.url)
        .json(&patch)
        .send()
        .await
        .expect("patch");
    assert_eq!(
        answer.status(),
        200,
        "{}",
        answer.text().await.unwrap_or_default()
    );
    assert_eq!(
        total(&a, &word).await,
        1,
        "the replica that made the change finds it"
    );

    let edited = Instant::now();
    loop {
        if total(&b, &word).await == 1 {
            break;
        }
        assert!(
            edited.elapsed() < Duration::from_secs(5),
            "the other replica never found the edited title"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "seen through the other replica after {:?}",
        edited.elapsed()
    );
    drop((a, b));
    db.cleanup().await;
}
