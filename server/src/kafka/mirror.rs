//! The built-in mirror's Kafka side: copy threads read the source topic from
//! given offsets (no consumer group: positions live in Switchboard's
//! checkpoints) and write each record to the same partition of the mirror
//! topic, keeping key, value, headers and timestamp. The partitions are
//! shared out among `Pace::threads` threads, each with its own consumer and
//! producer: a broker serves one connection's requests in turn, so one
//! producer connection caps a link well below what the brokers can take.
//! No thread waits for a batch: records stream through while
//! acknowledgements come back, and every `window` each hands the caller the
//! offsets the target acknowledged (in order, per partition) to store. At
//! most `max_in_flight` records of the whole link are ever sent but not yet
//! stored, so after a crash at most that many are copied again and none is
//! lost.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::client::ClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::mpsc;

use super::{Connection, KafkaError};

/// One direction of a link: where to read and where to write.
#[derive(Debug, Clone)]
pub struct MirrorEnds {
    pub source: Connection,
    pub source_topic: String,
    pub target: Connection,
    pub target_topic: String,
}

/// Records the target acknowledged since the last checkpoint.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub records: usize,
    /// Next source offset to copy, per partition that moved.
    pub next_offsets: BTreeMap<i32, i64>,
}

fn client(e: impl std::fmt::Display) -> KafkaError {
    KafkaError::Client(e.to_string())
}

/// Delivery reports, filled by librdkafka's callback on the mirror thread.
#[derive(Default)]
struct Acks {
    state: Mutex<AckState>,
}

#[derive(Default)]
struct AckState {
    acked: Vec<(i32, i64)>,
    failed: Option<String>,
}

impl ClientContext for Acks {}

impl ProducerContext for Acks {
    /// The source partition and offset, packed: partition in the top 16 bits.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, opaque: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(_) => state.acked.push(unpack(opaque)),
            Err((e, _)) => {
                state.failed.get_or_insert_with(|| e.to_string());
            }
        }
    }
}

fn pack(partition: i32, offset: i64) -> usize {
    ((partition as usize) << 48) | (offset as usize & ((1 << 48) - 1))
}

fn unpack(v: usize) -> (i32, i64) {
    ((v >> 48) as i32, (v & ((1 << 48) - 1)) as i64)
}

/// The running mirror threads.
pub struct MirrorTask {
    stop: Arc<AtomicBool>,
    /// Records the caller has stored (it adds what it saved).
    pub stored: Arc<AtomicU64>,
    joins: Vec<std::thread::JoinHandle<Result<(), KafkaError>>>,
    watermarks: Arc<BaseConsumer>,
    source_topic: String,
    timeout: Duration,
}

/// Settings of one link's copy.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    /// Most records sent but not yet stored by the caller, all threads together.
    pub max_in_flight: u64,
    /// How often acknowledged offsets are handed over.
    pub window: Duration,
    /// Copy threads (at most one per partition).
    pub threads: usize,
}

impl MirrorTask {
    /// Starts copying partitions `0..partitions`, each from its checkpoint or,
    /// without one, from the earliest offset. Checkpoints arrive on the
    /// returned channel; the thread ends on `stop`, on an error (returned by
    /// `stop`), or when the channel is dropped.
    pub fn start(
        ends: &MirrorEnds,
        partitions: i32,
        checkpoints: &BTreeMap<i32, i64>,
        timeout: Duration,
        pace: Pace,
    ) -> Result<(MirrorTask, mpsc::UnboundedReceiver<Checkpoint>), KafkaError> {
        let threads = pace
            .threads
            .clamp(1, usize::try_from(partitions.max(1)).unwrap_or(1));
        let watermarks: BaseConsumer = ends
            .source
            .client_config(timeout)?
            .create()
            .map_err(client)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stored = Arc::new(AtomicU64::new(0));
        let sent = Arc::new(AtomicU64::new(0));
        let mut joins = Vec::with_capacity(threads);
        for t in 0..threads {
            // Partitions t, t + threads, t + 2 × threads, …
            let mine: Vec<i32> = (0..partitions)
                .filter(|p| usize::try_from(*p).unwrap_or(0) % threads == t)
                .collect();
            let copy = CopyThread {
                consumer: source_consumer(ends, &mine, checkpoints, timeout)?,
                producer: target_producer(ends, timeout)?,
                target_topic: ends.target_topic.clone(),
                source_topic: ends.source_topic.clone(),
                stop: Arc::clone(&stop),
                stored: Arc::clone(&stored),
                sent: Arc::clone(&sent),
                out: tx.clone(),
                pace,
                handover_at: (pace.max_in_flight / 2 / threads as u64).max(1),
                timeout,
            };
            let join = std::thread::Builder::new()
                .name(format!("mirror-{}-{t}", ends.source_topic))
                .spawn(move || copy.run())
                .map_err(client);
            match join {
                Ok(join) => joins.push(join),
                Err(e) => {
                    stop.store(true, Ordering::SeqCst);
                    return Err(e);
                }
            }
        }
        Ok((
            MirrorTask {
                stop,
                stored,
                joins,
                watermarks: Arc::new(watermarks),
                source_topic: ends.source_topic.clone(),
                timeout,
            },
            rx,
        ))
    }

    /// Asks the threads to stop: each flushes and hands over its last
    /// checkpoint; the channel closes when all have.
    pub fn signal_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether a thread ended (an error, or the channel was dropped): the
    /// link is then stopped and started again from its checkpoints.
    pub fn is_finished(&self) -> bool {
        self.joins.iter().any(std::thread::JoinHandle::is_finished)
    }

    /// Stops the threads (each flushes what it sent and hands over its last
    /// checkpoint first) and returns the first error one ended with.
    pub async fn stop(mut self) -> Result<(), KafkaError> {
        self.stop.store(true, Ordering::SeqCst);
        let joins = std::mem::take(&mut self.joins);
        tokio::task::spawn_blocking(move || {
            let mut first = Ok(());
            for join in joins {
                let result = join
                    .join()
                    .unwrap_or_else(|_| Err(client("a mirror thread panicked")));
                if first.is_ok() {
                    first = result;
                }
            }
            first
        })
        .await
        .map_err(client)?
    }

    /// Records not yet copied: per partition, the source's high watermark
    /// minus the next offset to copy (or the low watermark without a checkpoint).
    pub async fn lag(&self, next: &BTreeMap<i32, i64>, partitions: i32) -> Result<i64, KafkaError> {
        let watermarks = Arc::clone(&self.watermarks);
        let topic = self.source_topic.clone();
        let next = next.clone();
        let timeout = self.timeout;
        tokio::task::spawn_blocking(move || {
            let mut total = 0;
            for p in 0..partitions {
                let (low, high) = watermarks
                    .fetch_watermarks(&topic, p, timeout)
                    .map_err(client)?;
                total += (high - next.get(&p).copied().unwrap_or(low)).max(0);
            }
            Ok(total)
        })
        .await
        .map_err(client)?
    }
}

impl Drop for MirrorTask {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// A consumer of the given source partitions, each from its checkpoint or,
/// without one, from the earliest offset.
fn source_consumer(
    ends: &MirrorEnds,
    partitions: &[i32],
    checkpoints: &BTreeMap<i32, i64>,
    timeout: Duration,
) -> Result<BaseConsumer, KafkaError> {
    let mut source = ends.source.client_config(timeout)?;
    source
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        // Latency: hand over what arrived without waiting for full fetches.
        .set("fetch.wait.max.ms", "20")
        .set("group.id", "switchboard-mirror-unused");
    let consumer: BaseConsumer = source.create().map_err(client)?;
    let mut assignment = TopicPartitionList::new();
    for p in partitions {
        let offset = checkpoints
            .get(p)
            .map_or(Offset::Beginning, |o| Offset::Offset(*o));
        assignment
            .add_partition_offset(&ends.source_topic, *p, offset)
            .map_err(client)?;
    }
    consumer.assign(&assignment).map_err(client)?;
    Ok(consumer)
}

fn target_producer(ends: &MirrorEnds, timeout: Duration) -> Result<BaseProducer<Acks>, KafkaError> {
    let mut target = ends.target.client_config(timeout)?;
    target
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "200000")
        .set(
            "message.timeout.ms",
            timeout.as_millis().max(1000).to_string(),
        );
    target.create_with_context(Acks::default()).map_err(client)
}

/// How many records a busy copy thread sends between serving acknowledgements.
const SERVE_EVERY: u32 = 256;

/// One copy thread's side.
struct CopyThread {
    consumer: BaseConsumer,
    producer: BaseProducer<Acks>,
    target_topic: String,
    source_topic: String,
    stop: Arc<AtomicBool>,
    stored: Arc<AtomicU64>,
    /// Records sent by all the link's threads (the allowance is shared).
    sent: Arc<AtomicU64>,
    out: mpsc::UnboundedSender<Checkpoint>,
    pace: Pace,
    /// Pending records at which this thread hands over early.
    handover_at: u64,
    timeout: Duration,
}

/// Offsets sent, per partition in send order, and those acknowledged: a
/// partition's checkpoint moves only over a run of acknowledged offsets.
#[derive(Default)]
struct Progress {
    sent: HashMap<i32, VecDeque<i64>>,
    acked: HashSet<(i32, i64)>,
    pending: Checkpoint,
}

impl Progress {
    fn ack(&mut self, acks: Vec<(i32, i64)>) {
        for (p, o) in acks {
            self.acked.insert((p, o));
            let queue = self.sent.entry(p).or_default();
            while let Some(front) = queue.front().copied() {
                if !self.acked.remove(&(p, front)) {
                    break;
                }
                queue.pop_front();
                self.pending.records += 1;
                self.pending.next_offsets.insert(p, front + 1);
            }
        }
    }
}

impl CopyThread {
    fn run(self) -> Result<(), KafkaError> {
        let mut progress = Progress::default();
        let mut handed_at = Instant::now();
        let result = self.copy(&mut progress, &mut handed_at);
        // Whatever happened, what was sent is flushed and what was
        // acknowledged handed over, so a stop repeats nothing.
        let _ = self.producer.flush(self.timeout);
        self.collect(&mut progress)?;
        self.hand_over(&mut progress);
        result
    }

    fn copy(&self, progress: &mut Progress, handed_at: &mut Instant) -> Result<(), KafkaError> {
        // Records copied since acknowledgements were last served: serving
        // them (and reading the clock) once per record cost a tenth of the
        // thread's time, so a busy thread does it every SERVE_EVERY records.
        let mut unserved = 0;
        while !self.stop.load(Ordering::SeqCst) {
            if self.out.is_closed() {
                return Ok(());
            }
            let mut copied = false;
            // Back-pressure: never more than `max_in_flight` records unsaved.
            if !self.reserve() {
                self.producer.poll(Duration::from_millis(5));
            } else if let Some(message) = self.consumer.poll(Duration::from_millis(5)) {
                let m =
                    message.map_err(|e| client(format!("reading {}: {e}", self.source_topic)))?;
                let (p, o) = (m.partition(), m.offset());
                let mut record: BaseRecord<'_, [u8], [u8], usize> =
                    BaseRecord::with_opaque_to(&self.target_topic, pack(p, o)).partition(p);
                if let Some(key) = m.key() {
                    record = record.key(key);
                }
                if let Some(value) = m.payload() {
                    record = record.payload(value);
                }
                if let Some(headers) = m.headers() {
                    record = record.headers(headers.detach());
                }
                if let Some(ts) = m.timestamp().to_millis() {
                    record = record.timestamp(ts);
                }
                loop {
                    match self.producer.send(record) {
                        Ok(()) => break,
                        Err((RdError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                            record = back;
                            self.producer.poll(Duration::from_millis(5));
                        }
                        Err((e, _)) => {
                            return Err(client(format!("writing {}: {e}", self.target_topic)))
                        }
                    }
                }
                progress.sent.entry(p).or_default().push_back(o);
                copied = true;
            } else {
                // Nothing to copy: the reserved slot goes back.
                self.sent.fetch_sub(1, Ordering::SeqCst);
            }
            unserved += 1;
            if copied && unserved < SERVE_EVERY {
                continue;
            }
            unserved = 0;
            self.producer.poll(Duration::ZERO);
            self.collect(progress)?;
            // Hand over every window, and early when this thread's share of
            // half the allowance is waiting: storing lets more records go out.
            if handed_at.elapsed() >= self.pace.window
                || progress.pending.records as u64 >= self.handover_at
            {
                self.hand_over(progress);
                *handed_at = Instant::now();
            }
        }
        Ok(())
    }

    /// Takes one slot of the link's allowance, if one is free: threads
    /// reserve before they read, so together they never exceed it.
    fn reserve(&self) -> bool {
        let stored = self.stored.load(Ordering::SeqCst);
        self.sent
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |sent| {
                (sent.saturating_sub(stored) < self.pace.max_in_flight).then_some(sent + 1)
            })
            .is_ok()
    }

    fn collect(&self, progress: &mut Progress) -> Result<(), KafkaError> {
        let (acked, failed) = {
            let mut state = self
                .producer
                .context()
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            (std::mem::take(&mut state.acked), state.failed.take())
        };
        progress.ack(acked);
        match failed {
            Some(e) => Err(client(format!("writing {}: {e}", self.target_topic))),
            None => Ok(()),
        }
    }

    fn hand_over(&self, progress: &mut Progress) {
        if progress.pending.records > 0 {
            let checkpoint = std::mem::take(&mut progress.pending);
            let _ = self.out.send(checkpoint);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips() {
        for (p, o) in [(0, 0), (5, 123_456_789), (1023, (1 << 47) + 5)] {
            assert_eq!(unpack(pack(p, o)), (p, o));
        }
    }

    #[test]
    fn checkpoints_move_only_over_acknowledged_runs() {
        let mut progress = Progress::default();
        progress.sent.insert(0, VecDeque::from([10, 11, 12]));
        progress.sent.insert(1, VecDeque::from([7]));
        // 11 is acknowledged before 10: partition 0 cannot move yet.
        progress.ack(vec![(0, 11), (1, 7)]);
        assert_eq!(progress.pending.next_offsets, BTreeMap::from([(1, 8)]));
        progress.ack(vec![(0, 10)]);
        assert_eq!(
            progress.pending.next_offsets,
            BTreeMap::from([(0, 12), (1, 8)])
        );
        assert_eq!(progress.pending.records, 3);
        progress.ack(vec![(0, 12)]);
        assert_eq!(progress.pending.next_offsets[&0], 13);
    }
}
