//! `switchboard worker` as a process, killed (SIGKILL) while a built-in link
//! replicates and started again, on both databases against two real brokers:
//! every record produced at home arrives on the mirror, and records copied
//! twice are at most one batch (`mesh.batch_max`), the documented bound.
//! On PostgreSQL, a worker process that would poll only hourly runs a job
//! as soon as another process announces it.

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use switchboard::db::Db;
use switchboard::kafka::{create_topics, Connection, TopicSpec};
use switchboard::mesh::links::{self, LinkKey};
use switchboard::mesh::{LinkOps, MeshConfig};

use common::{Broker, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
const TOPIC: &str = "crash.test.v1";
const PARTITIONS: i32 = 3;
const RECORDS: usize = 20_000;
const BATCH_MAX: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_worker_loses_nothing_sqlite() {
    let db = TestDb::sqlite().await;
    killed_worker_loses_nothing(&db).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_worker_loses_nothing_postgres() {
    let db = TestDb::postgres().await;
    killed_worker_loses_nothing(&db).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announced_jobs_wake_a_worker_process_postgres() {
    let t = TestDb::postgres().await;
    // Demo clusters at ports where nothing listens: a schema job needs none.
    switchboard::serve::register_clusters(&t.db, switchboard::demo::demo_clusters(1))
        .await
        .expect("clusters");
    let dir = tempfile::tempdir().expect("dir");
    let mut worker = start_worker_polling(dir.path(), &t.url, 3600);
    // The first job may be run by the worker's first pass; the second only
    // because it is announced, since the worker would poll again in an hour.
    for n in 0..2 {
        if n == 1 {
            // Let the pass that ran the first job end.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        let id = announce_schema_job(&t.db, n).await;
        let started = Instant::now();
        loop {
            let state: String =
                sqlx::query_scalar("SELECT state FROM provisioning_jobs WHERE id = $1")
                    .bind(id)
                    .fetch_one(t.db.pool())
                    .await
                    .expect("state");
            if state == "done" {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "job {n} is still {state}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let _ = worker.kill();
    let _ = worker.wait();
    t.cleanup().await;
}

/// A `register_schema` job, enqueued and announced in one transaction.
async fn announce_schema_job(db: &Db, n: usize) -> i64 {
    let payload = serde_json::json!({
        "event": "wake.test",
        "subject": format!("wake.test.{n}-value"),
        "schema": r#"{"type":"record","name":"Wake","fields":[{"name":"n","type":"long"}]}"#,
    });
    let mut tx = db.begin().await.expect("tx");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO provisioning_jobs (kind, cluster_id, payload_json, state, attempts, \
         created_at, updated_at) VALUES ('register_schema', 'onprem', $1, 'queued', 0, $2, $2) \
         RETURNING id",
    )
    .bind(payload.to_string())
    .bind(switchboard::db::now())
    .fetch_one(&mut *tx)
    .await
    .expect("job");
    switchboard::provision::announce(&mut tx)
        .await
        .expect("announce");
    tx.commit().await.expect("commit");
    id
}

fn start_worker(dir: &std::path::Path, url: &str) -> Child {
    start_worker_polling(dir, url, 1)
}

fn start_worker_polling(dir: &std::path::Path, url: &str, interval_secs: u64) -> Child {
    let config = dir.join("worker.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = \"{url}\"\ndata_dir = \"{}\"\n\
             [provision]\ninterval_secs = {interval_secs}\nreconcile_interval_secs = 3600\n\
             [mesh]\nbatch_max = {BATCH_MAX}\nbatch_ms = 20\nlink_lease_secs = 3\n",
            dir.display()
        ),
    )
    .expect("config");
    Command::new(BIN)
        .args(["worker", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("worker starts")
}

async fn copied(db: &Db, id: i64) -> i64 {
    links::get(db, id)
        .await
        .expect("link")
        .expect("exists")
        .copied
}

async fn killed_worker_loses_nothing(t: &TestDb) {
    let db = &t.db;
    let home = Broker::start();
    let remote = Broker::start();
    let mut clusters = switchboard::demo::demo_clusters(19092);
    clusters[0].bootstrap_servers = home.bootstrap();
    clusters[1].bootstrap_servers = remote.bootstrap();
    let (source, target) = (clusters[0].id.clone(), clusters[1].id.clone());
    switchboard::serve::register_clusters(db, clusters)
        .await
        .expect("clusters");
    create_topics(
        &Connection::plaintext(home.bootstrap()),
        &[TopicSpec {
            name: TOPIC.into(),
            partitions: PARTITIONS,
            replication: -1,
        }],
        Duration::from_secs(10),
    )
    .await
    .expect("topic");
    let mesh = MeshConfig::default();
    let ops = LinkOps {
        db,
        config: &mesh,
        timeout: Duration::from_secs(5),
    };
    let link = ops
        .start(&LinkKey {
            event: "crash.test",
            source_cluster: &source,
            source_topic: TOPIC,
            target_cluster: &target,
            target_topic: TOPIC,
        })
        .await
        .expect("link started");

    // Records keep arriving at home for the whole test.
    let bootstrap = home.bootstrap();
    let producing = tokio::spawn(async move {
        let p: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("linger.ms", "5")
            .create()
            .expect("producer");
        // Sent without waiting for each acknowledgement, a thousand at a time.
        let mut pending = Vec::new();
        for n in 0..RECORDS {
            let key = format!("{n:06}");
            let value = vec![b'x'; 200];
            let partition = i32::try_from(n % PARTITIONS as usize).expect("small");
            let record = FutureRecord::to(TOPIC)
                .key(&key)
                .payload(&value)
                .partition(partition);
            pending.push(p.send_result(record).map_err(|(e, _)| e).expect("queued"));
            if n % 1000 == 999 {
                for d in pending.drain(..) {
                    d.await.expect("delivered").expect("produced");
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
        for d in pending {
            d.await.expect("delivered").expect("produced");
        }
    });

    let dir = tempfile::tempdir().expect("dir");
    let mut worker = start_worker(dir.path(), &t.url);
    let started = Instant::now();
    while copied(db, link).await < 2_000 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker copies"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.kill().expect("SIGKILL");
    worker.wait().expect("reaped");
    let at_kill = copied(db, link).await;
    assert!(
        at_kill < RECORDS as i64,
        "killed mid-way ({at_kill} copied)"
    );

    // A new worker takes the link over once the dead one's lease runs out.
    let mut worker = start_worker(dir.path(), &t.url);
    producing.await.expect("producer");
    let started = Instant::now();
    while copied(db, link).await < RECORDS as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the restarted worker catches up ({} of {RECORDS})",
            copied(db, link).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(
        copied(db, link).await,
        RECORDS as i64,
        "checkpointed records count once"
    );

    // Every record arrived; records copied twice are at most one batch.
    let seen = read_keys(&remote.bootstrap(), Duration::from_secs(60));
    let missing: Vec<usize> = (0..RECORDS)
        .filter(|n| !seen.contains_key(&format!("{n:06}")))
        .collect();
    assert!(
        missing.is_empty(),
        "{} records lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    let duplicates: usize = seen.values().map(|c| c - 1).sum();
    println!("killed at {at_kill} copied; {duplicates} duplicates (bound {BATCH_MAX})");
    assert!(
        duplicates <= BATCH_MAX,
        "{duplicates} duplicates exceed one batch"
    );
}

/// Count of each key on the mirror, reading until quiet.
fn read_keys(bootstrap: &str, within: Duration) -> BTreeMap<String, usize> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "crash-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(TOPIC, p, Offset::Beginning)
            .expect("partition");
    }
    consumer.assign(&tpl).expect("assign");
    let started = Instant::now();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut quiet_since = Instant::now();
    while started.elapsed() < within {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let key = String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
                *seen.entry(key).or_default() += 1;
                quiet_since = Instant::now();
            }
            _ if seen.len() >= RECORDS && quiet_since.elapsed() > Duration::from_secs(2) => break,
            _ => {}
        }
    }
    seen
}
