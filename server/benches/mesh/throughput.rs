//! Link throughput for 1 KB records between two local brokers, with the two
//! baselines measured in the same run: a Python confluent-kafka consume →
//! produce loop, and one rdkafka producer writing the same records straight
//! into the destination (the ceiling). Each phase gets fresh brokers.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use switchboard::db::Db;
use switchboard::kafka::{create_topics, Connection, TopicSpec};
use switchboard::mesh::links::{self, LinkKey};
use switchboard::mesh::{LinkOps, LinkRunner, MeshConfig};

use super::brokers::Broker;
use super::kafka::{produce_all, producer, records};

const PARTITIONS: i32 = 6;

pub struct Setup<'a> {
    pub db: &'a Db,
    pub source_cluster: &'a str,
    pub target_cluster: &'a str,
    pub source: String,
    pub target: String,
}

/// Registers `id` as a cluster at `bootstrap` (a copy of a demo cluster's spec).
async fn cluster(db: &Db, id: &str, bootstrap: String) -> anyhow::Result<()> {
    let mut spec = switchboard::demo::demo_clusters(19092).remove(0);
    spec.id = id.into();
    spec.name = id.into();
    spec.bootstrap_servers = bootstrap;
    switchboard::serve::register_clusters(db, vec![spec]).await?;
    Ok(())
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

async fn topics(bootstrap: &str, names: &[&str]) -> anyhow::Result<()> {
    let specs: Vec<TopicSpec> = names
        .iter()
        .map(|n| TopicSpec {
            name: (*n).into(),
            partitions: PARTITIONS,
            replication: -1,
        })
        .collect();
    create_topics(
        &Connection::plaintext(bootstrap),
        &specs,
        Duration::from_secs(10),
    )
    .await?;
    Ok(())
}

/// Runs `rounds` rounds (each with fresh brokers, in the same process) and
/// reports each and the median of every figure: one round's figures spread
/// widely here (the same code measured 1.3× to 3.2× the script in one run),
/// so one round decides little.
pub async fn measure_rounds(
    db: &Db,
    rounds: usize,
    n: usize,
    size: usize,
    python: &str,
) -> anyhow::Result<Value> {
    let mut each = Vec::with_capacity(rounds);
    for round in 0..rounds.max(1) {
        let r = measure(db, round, n, size, python).await?;
        eprintln!(
            "[mesh] round {round}: link {:.2}× the script, {:.1}% of the ceiling",
            r["vs_scripted"].as_f64().unwrap_or(0.0),
            r["vs_ceiling_percent"].as_f64().unwrap_or(0.0)
        );
        each.push(r);
    }
    let median = |field: &str| {
        let mut v: Vec<f64> = each.iter().filter_map(|r| r[field].as_f64()).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let mut summary = json!({
        "records": n,
        "record_bytes": size,
        "partitions": PARTITIONS,
        "fresh_brokers_per_phase": true,
        "rounds": each.len(),
    });
    for field in [
        "builtin_per_sec",
        "builtin_startup_ms",
        "scripted_python_per_sec",
        "produce_ceiling_per_sec",
        "read_only_per_sec",
        "vs_scripted",
        "vs_ceiling_percent",
    ] {
        summary[field] = median(field).into();
    }
    summary["each_round"] = each.into();
    Ok(summary)
}

/// Each phase on fresh brokers: nisshi's in-memory storage slows as it
/// fills, so a phase run after others would be measured on fuller brokers.
/// Clusters and topics are named for the round, so its link starts afresh.
async fn measure(
    db: &Db,
    round: usize,
    n: usize,
    size: usize,
    python: &str,
) -> anyhow::Result<Value> {
    let src_name = format!("bench.throughput.{round}");
    let src_topic: &str = &src_name;
    let (src_cluster, dst_cluster) = (format!("bench-src-{round}"), format!("bench-dst-{round}"));
    let recs = records(n, size, PARTITIONS);

    let target = Broker::start()?;
    topics(&target.bootstrap(), &["bench.ceiling"]).await?;
    let ceiling = produce_all(&producer(&target.bootstrap())?, "bench.ceiling", &recs).await?;
    drop(target);
    eprintln!("[mesh] ceiling: {:.0} records/s", rate(n, ceiling));

    let (source, target) = (Broker::start()?, Broker::start()?);
    topics(&source.bootstrap(), &[src_topic]).await?;
    produce_all(&producer(&source.bootstrap())?, src_topic, &recs).await?;
    cluster(db, &src_cluster, source.bootstrap()).await?;
    cluster(db, &dst_cluster, target.bootstrap()).await?;
    let mesh = MeshConfig::default();
    let ops = LinkOps {
        db,
        config: &mesh,
        timeout: Duration::from_secs(10),
    };
    let link = ops
        .start(&LinkKey {
            event: "bench.throughput",
            source_cluster: &src_cluster,
            source_topic: src_topic,
            target_cluster: &dst_cluster,
            target_topic: src_topic,
        })
        .await
        .map_err(anyhow::Error::msg)?;
    let runner = Arc::new(LinkRunner::new(
        db.clone(),
        mesh.clone(),
        Duration::from_secs(10),
    ));
    let started = Instant::now();
    runner.supervise().await?;
    // Timed from the first checkpoint, as the script is timed from its first
    // read: neither side's start-up counts.
    let mut first: Option<(Instant, i64)> = None;
    loop {
        let row = links::get(db, link).await?.expect("link");
        if row.copied > 0 && first.is_none() {
            first = Some((Instant::now(), row.copied));
        }
        if row.copied >= n as i64 {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            anyhow::bail!("the built-in link copied only {} of {n}", row.copied);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (first_at, first_copied) = first.expect("copied");
    let startup = first_at - started;
    let builtin_n = n - first_copied as usize;
    let builtin = first_at.elapsed();
    runner.stop_all().await;
    eprintln!(
        "[mesh] built-in link: {:.0} records/s (first checkpoint after {:.0} ms)",
        rate(builtin_n, builtin),
        startup.as_secs_f64() * 1000.0
    );
    // Not a target: how fast one client can only read the source, which
    // bounds any mirror from above as the produce ceiling does.
    let bootstrap = source.bootstrap();
    let topic = src_name.clone();
    let read = tokio::task::spawn_blocking(move || read_all(&bootstrap, &topic, n)).await??;
    eprintln!("[mesh] read-only: {:.0} records/s", rate(n, read));
    drop((source, target));

    let (source, target) = (Broker::start()?, Broker::start()?);
    topics(&source.bootstrap(), &[src_topic]).await?;
    topics(&target.bootstrap(), &["bench.scripted"]).await?;
    produce_all(&producer(&source.bootstrap())?, src_topic, &recs).await?;
    drop(recs);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/mesh/scripted_mirror.py");
    let out = tokio::process::Command::new(python)
        .arg(&script)
        .args([
            &source.bootstrap(),
            &target.bootstrap(),
            src_topic,
            "bench.scripted",
            &n.to_string(),
        ])
        .output()
        .await?;
    if !out.status.success() {
        anyhow::bail!(
            "scripted mirror failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse()?;
    let scripted = Duration::from_secs_f64(secs);
    eprintln!("[mesh] scripted mirror: {:.0} records/s", rate(n, scripted));

    Ok(json!({
        "builtin_per_sec": rate(builtin_n, builtin).round(),
        "builtin_startup_ms": (startup.as_secs_f64() * 1000.0).round(),
        "scripted_python_per_sec": rate(n, scripted).round(),
        "produce_ceiling_per_sec": rate(n, ceiling).round(),
        "read_only_per_sec": rate(n, read).round(),
        "vs_scripted": rate(builtin_n, builtin) / rate(n, scripted),
        "vs_ceiling_percent": 100.0 * rate(builtin_n, builtin) / rate(n, ceiling),
    }))
}

/// Reads `n` records of `topic` with one consumer, timed from the first.
fn read_all(bootstrap: &str, topic: &str, n: usize) -> anyhow::Result<Duration> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::{ClientConfig, Offset, TopicPartitionList};
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "bench-read-only")
        .set("enable.auto.commit", "false")
        .create()?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)?;
    }
    consumer.assign(&tpl)?;
    let mut first = None;
    let mut seen = 0;
    let began = Instant::now();
    while seen < n {
        if began.elapsed() > Duration::from_secs(300) {
            anyhow::bail!("read only {seen} of {n}");
        }
        if let Some(m) = consumer.poll(Duration::from_millis(100)) {
            m?;
            first.get_or_insert_with(Instant::now);
            seen += 1;
        }
    }
    Ok(first.map_or(Duration::ZERO, |f| f.elapsed()))
}
