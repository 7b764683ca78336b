//! The built-in mirror's Kafka side: reads a source topic from given offsets
//! (no consumer group: positions live in Switchboard's checkpoints) and writes
//! each record to the same partition of the mirror topic, keeping key, value,
//! headers and timestamp. A batch is complete only when the target cluster
//! acknowledged every record of it; the caller then stores the batch's next
//! offsets. So after a crash at most one batch is copied again.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};

use super::{Connection, KafkaError};

/// One direction of a link: where to read and where to write.
#[derive(Debug, Clone)]
pub struct MirrorEnds {
    pub source: Connection,
    pub source_topic: String,
    pub target: Connection,
    pub target_topic: String,
}

/// What one batch copied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    pub records: usize,
    pub bytes: usize,
    /// Next source offset per partition touched by the batch.
    pub next_offsets: BTreeMap<i32, i64>,
}

pub struct Mirror {
    consumer: StreamConsumer,
    producer: FutureProducer,
    watermarks: std::sync::Arc<BaseConsumer>,
    target_topic: String,
    source_topic: String,
    timeout: Duration,
}

fn client(e: impl std::fmt::Display) -> KafkaError {
    KafkaError::Client(e.to_string())
}

impl Mirror {
    /// Opens both clients and positions the reader: partitions `0..partitions`,
    /// each at its checkpoint or, without one, at the earliest offset.
    pub fn open(
        ends: &MirrorEnds,
        partitions: i32,
        checkpoints: &BTreeMap<i32, i64>,
        timeout: Duration,
    ) -> Result<Mirror, KafkaError> {
        let mut source = ends.source.client_config(timeout)?;
        source
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            // Latency: hand over what arrived without waiting for full fetches.
            .set("fetch.wait.max.ms", "20")
            .set("group.id", "switchboard-mirror-unused");
        let consumer: StreamConsumer = source.create().map_err(client)?;
        let watermarks: BaseConsumer = ends
            .source
            .client_config(timeout)?
            .create()
            .map_err(client)?;
        let mut target = ends.target.client_config(timeout)?;
        target
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("queue.buffering.max.messages", "200000")
            .set(
                "message.timeout.ms",
                timeout.as_millis().max(1000).to_string(),
            );
        let producer: FutureProducer = target.create().map_err(client)?;
        let mut assignment = TopicPartitionList::new();
        for p in 0..partitions {
            let offset = checkpoints
                .get(&p)
                .map_or(Offset::Beginning, |o| Offset::Offset(*o));
            assignment
                .add_partition_offset(&ends.source_topic, p, offset)
                .map_err(client)?;
        }
        consumer.assign(&assignment).map_err(client)?;
        Ok(Mirror {
            consumer,
            producer,
            watermarks: std::sync::Arc::new(watermarks),
            target_topic: ends.target_topic.clone(),
            source_topic: ends.source_topic.clone(),
            timeout,
        })
    }

    /// Copies up to `max` records: waits up to `window` for the first, then
    /// takes what else arrives within `window` of it, sends them, and returns
    /// once the target acknowledged all of them (an empty batch when nothing came).
    pub async fn copy_batch(&self, max: usize, window: Duration) -> Result<Batch, KafkaError> {
        let mut batch = Batch::default();
        let mut pending: Vec<DeliveryFuture> = Vec::new();
        let mut deadline = Instant::now() + window;
        let mut first = true;
        while batch.records < max {
            let wait = deadline.saturating_duration_since(Instant::now());
            if wait.is_zero() {
                break;
            }
            let message = match tokio::time::timeout(wait, self.consumer.recv()).await {
                Err(_) => break,
                Ok(Err(e)) => return Err(client(format!("reading {}: {e}", self.source_topic))),
                Ok(Ok(m)) => m,
            };
            if first {
                deadline = Instant::now() + window;
                first = false;
            }
            let mut record: FutureRecord<'_, [u8], [u8]> =
                FutureRecord::to(&self.target_topic).partition(message.partition());
            if let Some(key) = message.key() {
                record = record.key(key);
            }
            if let Some(value) = message.payload() {
                record = record.payload(value);
            }
            if let Some(headers) = message.headers() {
                record = record.headers(headers.detach());
            }
            if let Some(ts) = message.timestamp().to_millis() {
                record = record.timestamp(ts);
            }
            batch.bytes += message.payload_len() + message.key().map_or(0, <[u8]>::len);
            batch.records += 1;
            batch
                .next_offsets
                .insert(message.partition(), message.offset() + 1);
            let delivery = self.send(record, &mut pending).await?;
            pending.push(delivery);
        }
        for delivery in pending {
            Self::delivered(delivery, &self.target_topic).await?;
        }
        Ok(batch)
    }

    /// Queues one record; when the producer's queue is full, waits for the
    /// oldest outstanding delivery and tries again.
    async fn send<'a>(
        &self,
        mut record: FutureRecord<'a, [u8], [u8]>,
        pending: &mut Vec<DeliveryFuture>,
    ) -> Result<DeliveryFuture, KafkaError> {
        loop {
            match self.producer.send_result(record) {
                Ok(delivery) => return Ok(delivery),
                Err((RdError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    if pending.is_empty() {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    } else {
                        let oldest = pending.remove(0);
                        Self::delivered(oldest, &self.target_topic).await?;
                    }
                }
                Err((e, _)) => {
                    return Err(client(format!("writing {}: {e}", self.target_topic)));
                }
            }
        }
    }

    async fn delivered(delivery: DeliveryFuture, topic: &str) -> Result<(), KafkaError> {
        match delivery.await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err((e, _))) => Err(client(format!("writing {topic}: {e}"))),
            Err(_) => Err(client(format!("writing {topic}: the producer stopped"))),
        }
    }

    /// Records not yet copied: per partition, the source's high watermark
    /// minus the next offset to copy (or the low watermark without a checkpoint).
    pub async fn lag(&self, next: &BTreeMap<i32, i64>, partitions: i32) -> Result<i64, KafkaError> {
        // Watermark calls block: they run on a blocking thread, with a client
        // of their own so the copy loop is not stalled.
        let watermarks = std::sync::Arc::clone(&self.watermarks);
        let topic = self.source_topic.clone();
        let next = next.clone();
        let timeout = self.timeout;
        let work = tokio::task::spawn_blocking(move || {
            let mut total = 0;
            for p in 0..partitions {
                let (low, high) = watermarks
                    .fetch_watermarks(&topic, p, timeout)
                    .map_err(client)?;
                let from = next.get(&p).copied().unwrap_or(low);
                total += (high - from).max(0);
            }
            Ok(total)
        });
        work.await.map_err(client)?
    }
}
