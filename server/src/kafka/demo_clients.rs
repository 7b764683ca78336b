//! Clients of the demo traffic (`demo::traffic`): a producer per cluster and
//! consumers that read a topic as a group, committing as they go. They exist
//! so the demo mesh shows moving offsets and lag; nothing else uses them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::types::RDKafkaErrorCode;

use super::{Connection, KafkaError};

fn client(e: impl std::fmt::Display) -> KafkaError {
    KafkaError::Client(e.to_string())
}

/// Why a record was not handed to the producer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendRefused {
    /// The producer's queue is full (the broker is slow or gone): try later.
    QueueFull,
    Other(String),
}

/// A producer of one cluster; records are batched and sent by librdkafka's
/// own threads, so `send` never waits for the broker.
pub struct DemoProducer {
    inner: ThreadedProducer<DefaultProducerContext>,
}

impl DemoProducer {
    pub fn new(conn: &Connection) -> Result<DemoProducer, KafkaError> {
        let mut config = conn.client_config(Duration::from_secs(10))?;
        config
            .set("client.id", "switchboard-demo-traffic")
            // Small batches a few times a second: cheap on a laptop.
            .set("linger.ms", "100")
            .set("message.timeout.ms", "30000")
            .set("queue.buffering.max.messages", "20000");
        let inner = config.create().map_err(client)?;
        Ok(DemoProducer { inner })
    }

    pub fn send(&self, topic: &str, key: &[u8], payload: &[u8]) -> Result<(), SendRefused> {
        self.inner
            .send(BaseRecord::to(topic).key(key).payload(payload))
            .map_err(|(e, _)| match e.rdkafka_error_code() {
                Some(RDKafkaErrorCode::QueueFull) => SendRefused::QueueFull,
                _ => SendRefused::Other(e.to_string()),
            })
    }

    /// Waits (off the async threads) until what was queued is delivered or
    /// `timeout` passes, then closes the producer.
    pub async fn close(self, timeout: Duration) {
        let inner = self.inner;
        let _ = tokio::task::spawn_blocking(move || {
            if let Err(e) = inner.flush(timeout) {
                tracing::debug!(error = %e, "demo producer: records left undelivered");
            }
        })
        .await;
    }
}

/// How fast a demo consumer reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// As fast as records arrive.
    Eager,
    /// At most this many records a second (a consumer that falls behind).
    PerSecond(f64),
}

/// One consumer of a group on a topic, reading on a thread of its own with
/// automatic commits, until `stop`.
pub struct DemoConsumer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    read: Arc<AtomicU64>,
}

impl DemoConsumer {
    pub fn start(
        conn: &Connection,
        group: &str,
        topic: &str,
        pace: Pace,
    ) -> Result<DemoConsumer, KafkaError> {
        let mut config = conn.client_config(Duration::from_secs(10))?;
        config
            .set("group.id", group)
            .set("client.id", format!("switchboard-demo-{group}"))
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", "1000")
            .set("auto.offset.reset", "earliest")
            // The slow consumer holds records back; keep its prefetch small.
            .set("queued.max.messages.kbytes", "1024");
        let consumer: BaseConsumer = config.create().map_err(client)?;
        consumer.subscribe(&[topic]).map_err(client)?;
        let stop = Arc::new(AtomicBool::new(false));
        let read = Arc::new(AtomicU64::new(0));
        let thread = {
            let stop = Arc::clone(&stop);
            let read = Arc::clone(&read);
            let (group, topic) = (group.to_string(), topic.to_string());
            std::thread::Builder::new()
                .name(format!("demo-consumer-{group}"))
                .spawn(move || run(&consumer, &stop, &read, pace, &group, &topic))
                .map_err(client)?
        };
        Ok(DemoConsumer {
            stop,
            thread: Some(thread),
            read,
        })
    }

    /// Records read so far.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Stops reading; the consumer commits what it read and leaves its group.
    pub async fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for DemoConsumer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn run(
    consumer: &BaseConsumer,
    stop: &AtomicBool,
    read: &AtomicU64,
    pace: Pace,
    group: &str,
    topic: &str,
) {
    let gap = match pace {
        Pace::Eager => Duration::ZERO,
        Pace::PerSecond(n) if n > 0.0 => Duration::from_secs_f64(1.0 / n),
        Pace::PerSecond(_) => Duration::from_secs(1),
    };
    let mut warned = false;
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(_)) => {
                read.fetch_add(1, Ordering::Relaxed);
                if !gap.is_zero() {
                    // Wait out the rest of this record's share of a second,
                    // in small steps so `stop` is seen.
                    while started.elapsed() < gap && !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(
                            (gap - started.elapsed()).min(Duration::from_millis(100)),
                        );
                    }
                }
            }
            Some(Err(e)) if !warned => {
                warned = true;
                tracing::debug!(group, topic, error = %e, "demo consumer");
            }
            _ => {}
        }
    }
    // Dropping the consumer closes it: a last commit, then it leaves the group.
}
