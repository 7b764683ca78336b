//! End-to-end mirror latency at a steady rate: records produced at home with
//! their send time as timestamp, read on the mirror; latency is the arrival
//! time minus that timestamp (one clock: both ends run here).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::FutureRecord;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;
use switchboard::kafka::{create_topics, Connection, TopicSpec};
use switchboard::mesh::links::LinkKey;
use switchboard::mesh::{LinkOps, LinkRunner, MeshConfig};

use super::kafka::producer;
use super::throughput::Setup;
use crate::common::report::Stats;

const TOPIC: &str = "bench.latency";
const PARTITIONS: i32 = 3;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub async fn measure(s: &Setup<'_>, per_sec: u64, secs: u64) -> anyhow::Result<Value> {
    create_topics(
        &Connection::plaintext(&s.source),
        &[TopicSpec {
            name: TOPIC.into(),
            partitions: PARTITIONS,
            replication: -1,
        }],
        Duration::from_secs(10),
    )
    .await?;
    let mesh = MeshConfig::default();
    let ops = LinkOps {
        db: s.db,
        config: &mesh,
        timeout: Duration::from_secs(10),
    };
    ops.start(&LinkKey {
        event: "bench.latency",
        source_cluster: s.source_cluster,
        source_topic: TOPIC,
        target_cluster: s.target_cluster,
        target_topic: TOPIC,
    })
    .await
    .map_err(anyhow::Error::msg)?;
    let runner = Arc::new(LinkRunner::new(
        s.db.clone(),
        mesh.clone(),
        Duration::from_secs(10),
    ));
    let task = runner.spawn(Duration::from_secs(1));

    let total = (per_sec * secs) as usize;
    let target = s.target.clone();
    let reader = tokio::task::spawn_blocking(move || read(&target, total, secs + 30));
    let p = producer(&s.source)?;
    let started = Instant::now();
    let gap = Duration::from_secs_f64(1.0 / per_sec as f64);
    let mut pending = Vec::new();
    for i in 0..total {
        let due = started + gap * i as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        let key = i.to_string();
        let value = [0u8; 1024];
        let record = FutureRecord::to(TOPIC)
            .key(&key)
            .payload(&value[..])
            .partition((i % PARTITIONS as usize) as i32)
            .timestamp(now_ms());
        pending.push(p.send_result(record).map_err(|(e, _)| e)?);
    }
    for f in pending {
        f.await?.map_err(|(e, _)| e)?;
    }
    let times = reader.await??;
    task.stop().await;
    // The first second warms the link up; it is left out.
    let steady: Vec<Duration> = times.into_iter().skip(per_sec as usize).collect();
    let stats = Stats::of(steady);
    eprintln!(
        "[mesh] latency at {per_sec}/s: p50 {:.1} ms, p99 {:.1} ms",
        stats.p50_ms, stats.p99_ms
    );
    let mut v = stats.json();
    v["rate_per_sec"] = per_sec.into();
    v["seconds"] = secs.into();
    Ok(v)
}

/// Latencies in arrival order, until `total` arrived or `within_secs` passed.
fn read(bootstrap: &str, total: usize, within_secs: u64) -> anyhow::Result<Vec<Duration>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "bench-latency-reader")
        .set("fetch.wait.max.ms", "10")
        .create()?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(TOPIC, p, Offset::Beginning)?;
    }
    consumer.assign(&tpl)?;
    let started = Instant::now();
    let mut out = Vec::with_capacity(total);
    while out.len() < total && started.elapsed() < Duration::from_secs(within_secs) {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            let sent = m.timestamp().to_millis().unwrap_or_default();
            out.push(Duration::from_millis((now_ms() - sent).max(0) as u64));
        }
    }
    if out.len() < total {
        anyhow::bail!("only {} of {total} records reached the mirror", out.len());
    }
    Ok(out)
}
