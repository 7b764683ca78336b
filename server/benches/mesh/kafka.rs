//! Producing the bench's records with rdkafka, straight (the ceiling and the
//! preload) or paced (the latency run).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::ClientConfig;

/// The producer settings the built-in mirror uses too, so the ceiling compares like with like.
pub fn producer(bootstrap: &str) -> anyhow::Result<FutureProducer> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "200000")
        .create()?)
}

pub struct Record {
    pub key: String,
    pub value: Vec<u8>,
    pub partition: i32,
}

pub fn records(n: usize, size: usize, partitions: i32) -> Vec<Record> {
    (0..n)
        .map(|i| Record {
            key: format!("key-{i:08}"),
            value: vec![b'a' + (i % 26) as u8; size],
            partition: (i % partitions as usize) as i32,
        })
        .collect()
}

/// Writes every record and waits for every acknowledgement; returns the time
/// taken. It streams: only a full local queue makes it wait, and then only for
/// the oldest record, so the pipeline to the broker never drains.
pub async fn produce_all(
    p: &FutureProducer,
    topic: &str,
    records: &[Record],
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut pending = VecDeque::with_capacity(records.len());
    for r in records {
        let headers = OwnedHeaders::new().insert(Header {
            key: "source",
            value: Some("bench"),
        });
        let mut record = FutureRecord::to(topic)
            .key(&r.key)
            .payload(&r.value)
            .partition(r.partition)
            .headers(headers);
        loop {
            match p.send_result(record) {
                Ok(f) => {
                    pending.push_back(f);
                    break;
                }
                Err((_, back)) => {
                    record = back;
                    match pending.pop_front() {
                        Some(f) => {
                            f.await?.map_err(|(e, _)| e)?;
                        }
                        None => tokio::time::sleep(Duration::from_millis(1)).await,
                    }
                }
            }
        }
    }
    for f in pending {
        f.await?.map_err(|(e, _)| e)?;
    }
    Ok(started.elapsed())
}
