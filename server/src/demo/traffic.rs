//! Traffic on the demo mesh, so offsets move and lag shows from the start:
//! records produced to about a dozen demo events' topics on their home
//! clusters at rates that follow the time of day, and a consumer for each
//! demo grant (`demo::grants`) reading as its group.
//!
//! Two things are staged for the monitoring to find: `QUIET_EVENT` stops
//! after a few minutes (a no-traffic alert), and the churn model's consumer
//! reads one record a second of a topic that gets about twenty (growing lag).
//!
//! The shape of the rates is pure functions (`daily_shape`, `Wander`,
//! `Credit`); the clients are `kafka::demo_clients`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::grants::DEMO_GRANTS;
use crate::db::Db;
use crate::kafka::demo_clients::{DemoConsumer, DemoProducer, Pace, SendRefused};

/// One event of the demo traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stream {
    pub event: &'static str,
    /// Records a second at the busiest hour of the day.
    pub peak_rate: f64,
    /// Keys are `<prefix>-<n>` with `n` below `key_space`.
    pub key_prefix: &'static str,
    pub key_space: u64,
}

const fn stream(
    event: &'static str,
    peak_rate: f64,
    key_prefix: &'static str,
    key_space: u64,
) -> Stream {
    Stream {
        event,
        peak_rate,
        key_prefix,
        key_space,
    }
}

/// The demo's event streams; together at most about 110 records a second at
/// the busiest hour (noise adds up to 30% per stream), a load a laptop
/// carries beside everything else.
pub const STREAMS: [Stream; 13] = [
    stream("network.device.health", 25.0, "device", 5_000),
    stream("usage.mobile.session", 20.0, "msisdn", 200_000),
    stream("usage.broadband.session", 20.0, "line", 100_000),
    stream("fieldservice.engineer.location", 12.0, "engineer", 800),
    stream("order.fulfilment.step-completed", 8.0, "order", 50_000),
    stream("billing.payment.received", 5.0, "account", 300_000),
    stream("order.placed", 4.0, "order", 50_000),
    stream("network.alarm.raised", 3.0, "device", 5_000),
    stream("order.completed", 3.0, "order", 50_000),
    stream("network.alarm.cleared", 2.5, "device", 5_000),
    stream("customer.updated", 2.0, "customer", 300_000),
    stream("insights.next-best-action", 1.5, "customer", 300_000),
    stream("incident.updated", 0.5, "incident", 2_000),
];

/// The event that stops: the payment gateway's feed dies a few minutes after
/// start, so a no-traffic alert has something to fire on.
pub const QUIET_EVENT: &str = "billing.payment.received";

/// How the traffic runs; `Default` is the demo's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrafficOptions {
    /// Multiplies every rate (tests run faster than life).
    pub speed: f64,
    /// `QUIET_EVENT` produces nothing after this long.
    pub quiet_after: Duration,
    /// How often records are handed to the producers.
    pub tick: Duration,
}

impl Default for TrafficOptions {
    fn default() -> Self {
        Self {
            speed: 1.0,
            quiet_after: Duration::from_secs(180),
            tick: Duration::from_millis(200),
        }
    }
}

// ---- the shape of the rates (pure) ----

const DAY: f64 = 86_400.0;
/// The quietest moment of the day (04:00 UTC); the busiest is twelve hours on.
const QUIETEST: f64 = 4.0 * 3600.0;
/// The quietest hour's share of the busiest hour's rate.
const NIGHT_SHARE: f64 = 0.1;

/// The share of the peak rate at `seconds` past midnight (UTC): a sinusoid
/// from `NIGHT_SHARE` at 04:00 to 1 at 16:00.
pub fn daily_shape(seconds: f64) -> f64 {
    let phase = (seconds - QUIETEST).rem_euclid(DAY) / DAY * std::f64::consts::TAU;
    let half = (1.0 - NIGHT_SHARE) / 2.0;
    NIGHT_SHARE + half * (1.0 - phase.cos())
}

/// Records a second of `stream` at `seconds` past midnight with `noise`.
pub fn rate(stream: &Stream, seconds: f64, noise: f64, speed: f64) -> f64 {
    (stream.peak_rate * daily_shape(seconds) * noise * speed).max(0.0)
}

/// A small deterministic generator (SplitMix64): keys, values and noise.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Noise that wanders: a bounded random walk around 1, so rates drift over
/// minutes (visible in 30-second samples) instead of flickering.
#[derive(Debug, Clone, PartialEq)]
pub struct Wander {
    pub value: f64,
}

impl Wander {
    pub const LOW: f64 = 0.7;
    pub const HIGH: f64 = 1.3;
    const STEP: f64 = 0.08;

    pub fn new() -> Wander {
        Wander { value: 1.0 }
    }

    /// One step, driven by `u` uniform in [0, 1).
    pub fn step(&mut self, u: f64) -> f64 {
        self.value = (self.value + (u - 0.5) * 2.0 * Self::STEP).clamp(Self::LOW, Self::HIGH);
        self.value
    }
}

impl Default for Wander {
    fn default() -> Self {
        Self::new()
    }
}

/// Fractional records carried from tick to tick, so 0.5 records a second
/// means one record every two seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Credit(f64);

impl Credit {
    /// Most records one tick sends, whatever was owed (after a stall).
    pub const BURST: u32 = 2_000;

    /// Records due after `elapsed` at `rate` records a second.
    pub fn due(&mut self, rate: f64, elapsed: Duration) -> u32 {
        self.0 += rate.max(0.0) * elapsed.as_secs_f64();
        // A hair of tolerance: ten ticks of 0.1 make one record, not 0.999….
        let whole = (self.0 + 1e-9).floor().min(f64::from(Self::BURST));
        self.0 = (self.0 - whole).clamp(0.0, f64::from(Self::BURST));
        whole as u32
    }
}

/// Whether `event` still produces `elapsed` after the start.
pub fn producing(event: &str, elapsed: Duration, quiet_after: Duration) -> bool {
    event != QUIET_EVENT || elapsed < quiet_after
}

fn seconds_of_day(t: time::OffsetDateTime) -> f64 {
    let (h, m, s, ms) = t.to_hms_milli();
    f64::from(h) * 3600.0 + f64::from(m) * 60.0 + f64::from(s) + f64::from(ms) / 1000.0
}

// ---- the running traffic ----

/// A stream resolved against the catalogue: its topic and home cluster.
struct Running {
    stream: Stream,
    cluster: String,
    topic: String,
    noise: Wander,
    credit: Credit,
    sent: u64,
}

/// What the traffic found to do at start.
#[derive(Debug, Clone, Default)]
pub struct TrafficPlan {
    /// (event, cluster, topic) of every stream produced.
    pub streams: Vec<(String, String, String)>,
    /// (group, cluster, topic) of every demo consumer.
    pub consumers: Vec<(String, String, String)>,
}

/// The background producer task and the demo consumers; `stop` ends both.
pub struct Traffic {
    plan: TrafficPlan,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    consumers: Vec<DemoConsumer>,
}

#[derive(Debug, thiserror::Error)]
pub enum TrafficError {
    #[error("demo traffic: {0}")]
    Db(#[from] crate::db::DbError),
    #[error("demo traffic on cluster `{cluster}`: {error}")]
    Kafka {
        cluster: String,
        error: crate::kafka::KafkaError,
    },
}

impl Traffic {
    /// Resolves the streams and the active demo grants in the database,
    /// starts the consumers and the producer task.
    pub async fn start(db: &Db, options: TrafficOptions) -> Result<Traffic, TrafficError> {
        let mut conn = db
            .pool()
            .acquire()
            .await
            .map_err(crate::db::DbError::from)?;
        let mut running = Vec::new();
        for s in STREAMS {
            match crate::catalogue::facts::event_facts(&mut conn, s.event).await? {
                Some(f) if f.lifecycle != "retired" => running.push(Running {
                    stream: s,
                    cluster: f.home_cluster,
                    topic: f.topic,
                    noise: Wander::new(),
                    credit: Credit::default(),
                    sent: 0,
                }),
                _ => tracing::warn!(event = s.event, "demo traffic: no such event; skipped"),
            }
        }
        let mut wanted = Vec::new();
        for g in &DEMO_GRANTS {
            // Only grants still active: one revoked since has no consumer.
            let team = [g.team.to_string()];
            let apps = crate::access::repo::applications(&mut conn, Some(&team)).await?;
            let Some(app) = apps.iter().find(|a| a.name == g.application) else {
                continue;
            };
            let Ok(app_id) = app.id.parse::<i64>() else {
                continue;
            };
            let live = crate::access::repo::live_grants_of_application(&mut conn, app_id).await?;
            if let Some(l) = live.iter().find(|l| {
                l.grant.state == "active"
                    && l.grant.event == g.event
                    && l.group.as_deref() == Some(g.group)
            }) {
                let pace = g.reads_per_second.map_or(Pace::Eager, Pace::PerSecond);
                wanted.push((
                    g.group.to_string(),
                    l.grant.cluster.clone(),
                    l.grant.topic.clone(),
                    pace,
                ));
            }
        }
        drop(conn);

        let mut connections = BTreeMap::new();
        for cluster in running
            .iter()
            .map(|r| &r.cluster)
            .chain(wanted.iter().map(|w| &w.1))
        {
            if !connections.contains_key(cluster) {
                match crate::clusters::get(db, cluster).await? {
                    Some(c) => {
                        connections.insert(cluster.clone(), c.connection());
                    }
                    None => tracing::warn!(cluster = %cluster, "demo traffic: unknown cluster"),
                }
            }
        }
        let kafka = |cluster: &str, error| TrafficError::Kafka {
            cluster: cluster.to_string(),
            error,
        };
        let mut producers = BTreeMap::new();
        running.retain(|r| connections.contains_key(&r.cluster));
        for r in &running {
            if !producers.contains_key(&r.cluster) {
                let p = DemoProducer::new(&connections[&r.cluster])
                    .map_err(|e| kafka(&r.cluster, e))?;
                producers.insert(r.cluster.clone(), p);
            }
        }
        let mut consumers = Vec::new();
        let mut plan = TrafficPlan::default();
        for (group, cluster, topic, pace) in wanted {
            let Some(conn) = connections.get(&cluster) else {
                continue;
            };
            let c =
                DemoConsumer::start(conn, &group, &topic, pace).map_err(|e| kafka(&cluster, e))?;
            if let Pace::PerSecond(n) = pace {
                tracing::info!(group = %group, topic = %topic, reads_per_second = n, "demo consumer reads slowly: its lag grows");
            }
            consumers.push(c);
            plan.consumers.push((group, cluster, topic));
        }
        plan.streams = running
            .iter()
            .map(|r| {
                (
                    r.stream.event.to_string(),
                    r.cluster.clone(),
                    r.topic.clone(),
                )
            })
            .collect();
        tracing::info!(
            streams = plan.streams.len(),
            consumers = plan.consumers.len(),
            quiet_event = QUIET_EVENT,
            quiet_after_secs = options.quiet_after.as_secs(),
            "demo traffic started; one event goes quiet"
        );
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(produce(running, producers, options, stopped));
        Ok(Traffic {
            plan,
            stop: Some(stop),
            task,
            consumers,
        })
    }

    pub fn plan(&self) -> &TrafficPlan {
        &self.plan
    }

    /// Stops producing (what is queued is delivered, for at most two
    /// seconds) and the consumers (they commit what they read).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
        for c in self.consumers {
            c.stop().await;
        }
        tracing::info!("demo traffic stopped");
    }
}

async fn produce(
    mut running: Vec<Running>,
    producers: BTreeMap<String, DemoProducer>,
    options: TrafficOptions,
    mut stopped: oneshot::Receiver<()>,
) {
    let started = Instant::now();
    let mut rng =
        Rng::new(time::OffsetDateTime::now_utc().unix_timestamp_nanos() as u64 ^ 0x5EED_D3E0);
    let mut ticker = tokio::time::interval(options.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = Instant::now();
    let mut last_wander = Instant::now();
    let mut quiet_logged = false;
    let mut warned_full = false;
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            _ = ticker.tick() => {}
        }
        let now = Instant::now();
        let elapsed = now - last;
        last = now;
        let wander = now - last_wander >= Duration::from_secs(1);
        if wander {
            last_wander = now;
        }
        let seconds = seconds_of_day(time::OffsetDateTime::now_utc());
        let since_start = now - started;
        for r in &mut running {
            if wander {
                r.noise.step(rng.next_f64());
            }
            if !producing(r.stream.event, since_start, options.quiet_after) {
                if !quiet_logged {
                    quiet_logged = true;
                    tracing::info!(event = r.stream.event, topic = %r.topic, sent = r.sent, "demo traffic: event goes quiet");
                }
                continue;
            }
            let per_second = rate(&r.stream, seconds, r.noise.value, options.speed);
            let due = r.credit.due(per_second, elapsed);
            let Some(producer) = producers.get(&r.cluster) else {
                continue;
            };
            for _ in 0..due {
                let n = rng.below(r.stream.key_space);
                let key = format!("{}-{n:06}", r.stream.key_prefix);
                let payload = json!({
                    "event": r.stream.event,
                    "key": key,
                    "seq": r.sent,
                    "at": crate::db::now(),
                    "value": rng.below(1000),
                });
                match producer.send(&r.topic, key.as_bytes(), payload.to_string().as_bytes()) {
                    Ok(()) => r.sent += 1,
                    Err(SendRefused::QueueFull) => {
                        if !warned_full {
                            warned_full = true;
                            tracing::warn!(cluster = %r.cluster, "demo traffic: producer queue full; records dropped");
                        }
                        break;
                    }
                    Err(SendRefused::Other(e)) => {
                        tracing::debug!(topic = %r.topic, error = %e, "demo traffic: record refused");
                        break;
                    }
                }
            }
        }
    }
    for p in producers.into_values() {
        p.close(Duration::from_secs(2)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_quiet_at_four_and_busy_at_sixteen() {
        let h = |hours: f64| daily_shape(hours * 3600.0);
        assert!((h(4.0) - NIGHT_SHARE).abs() < 1e-9);
        assert!((h(16.0) - 1.0).abs() < 1e-9);
        // Symmetric around the peak, and the same a day later.
        assert!((h(10.0) - h(22.0)).abs() < 1e-9);
        assert!((h(9.0) - daily_shape(9.0 * 3600.0 + DAY)).abs() < 1e-9);
        // Rising through the morning.
        let morning: Vec<f64> = (4..=16).map(|x| h(f64::from(x))).collect();
        assert!(morning.windows(2).all(|w| w[0] < w[1]), "{morning:?}");
        for s in (0..86_400).step_by(600) {
            let v = daily_shape(f64::from(s));
            assert!((NIGHT_SHARE..=1.0).contains(&v), "{s}: {v}");
        }
    }

    #[test]
    fn rates_span_half_a_record_to_forty_and_stay_modest_in_total() {
        for s in &STREAMS {
            assert!(
                (0.5..=40.0).contains(&s.peak_rate),
                "{}: {}",
                s.event,
                s.peak_rate
            );
            assert!(s.key_space > 1, "{}: keys vary", s.event);
        }
        let busiest = 16.0 * 3600.0;
        let total: f64 = STREAMS
            .iter()
            .map(|s| rate(s, busiest, Wander::HIGH, 1.0))
            .sum();
        assert!(total < 150.0, "{total} records a second at worst");
        let night: f64 = STREAMS
            .iter()
            .map(|s| rate(s, 4.0 * 3600.0, 1.0, 1.0))
            .sum();
        assert!(night > 5.0, "the night is quiet, not silent: {night}");
        assert_eq!(rate(&STREAMS[0], busiest, 1.0, 10.0), 250.0);
    }

    #[test]
    fn credit_carries_fractions_and_bounds_bursts() {
        let mut c = Credit::default();
        let tick = Duration::from_millis(200);
        // Half a record a second: one record every two seconds.
        let sent: u32 = (0..50).map(|_| c.due(0.5, tick)).sum();
        assert_eq!(sent, 5);
        let mut c = Credit::default();
        let sent: u32 = (0..5).map(|_| c.due(37.0, tick)).sum();
        assert!((36..=37).contains(&sent), "{sent}");
        let mut c = Credit::default();
        assert_eq!(c.due(1e9, Duration::from_secs(60)), Credit::BURST);
        assert!(c.due(0.0, tick) <= Credit::BURST);
        assert_eq!(Credit::default().due(-3.0, tick), 0);
    }

    #[test]
    fn noise_wanders_within_bounds() {
        let mut rng = Rng::new(7);
        let mut w = Wander::new();
        let values: Vec<f64> = (0..10_000).map(|_| w.step(rng.next_f64())).collect();
        assert!(values
            .iter()
            .all(|v| (Wander::LOW..=Wander::HIGH).contains(v)));
        assert!(values
            .windows(2)
            .all(|p| (p[0] - p[1]).abs() <= 0.08 + 1e-12));
        let (lo, hi) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
        assert!(hi - lo > 0.3, "it does move: {lo}..{hi}");
        // Deterministic for a seed, uniform enough for keys.
        assert_eq!(Rng::new(1).next_u64(), Rng::new(1).next_u64());
        let mut rng = Rng::new(3);
        let low = (0..10_000).filter(|_| rng.next_f64() < 0.5).count();
        assert!((4_500..5_500).contains(&low), "{low}");
        assert!((0..1000).all(|_| rng.below(10) < 10));
    }

    #[test]
    fn one_event_goes_quiet_and_only_after_its_time() {
        let after = Duration::from_secs(180);
        assert!(STREAMS.iter().any(|s| s.event == QUIET_EVENT));
        assert!(producing(QUIET_EVENT, Duration::from_secs(179), after));
        assert!(!producing(QUIET_EVENT, Duration::from_secs(180), after));
        assert!(!producing(QUIET_EVENT, Duration::from_secs(3600), after));
        for s in STREAMS.iter().filter(|s| s.event != QUIET_EVENT) {
            assert!(producing(s.event, Duration::from_secs(3600), after));
        }
    }

    #[test]
    fn streams_are_demo_events_and_feed_every_demo_grant() {
        let catalogue = crate::catalogue::seed::demo_catalogue().expect("demo catalogue");
        for s in &STREAMS {
            assert!(
                catalogue.events.iter().any(|e| e.name == s.event),
                "{}",
                s.event
            );
        }
        for g in &DEMO_GRANTS {
            assert!(STREAMS.iter().any(|s| s.event == g.event), "{}", g.event);
            if let Some(reads) = g.reads_per_second {
                let topic_rate = STREAMS
                    .iter()
                    .find(|s| s.event == g.event)
                    .map_or(0.0, |s| s.peak_rate);
                assert!(topic_rate >= 10.0 * reads, "the slow consumer falls behind");
            }
        }
        assert!(
            DEMO_GRANTS.iter().all(|g| g.event != QUIET_EVENT),
            "the quiet event is not one a demo consumer waits on"
        );
    }
}
