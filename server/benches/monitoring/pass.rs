//! One cluster's sampling pass: a local nisshi broker with T topics and G
//! groups that committed on them, the catalogue rows that make the sampler
//! look at them, then `sampler::sample_cluster` timed, with its Kafka reads
//! timed apart (the same calls with the same inputs, right after each pass).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::{json, Value};
use switchboard::access::repo::{active_grants, GrantsOf};
use switchboard::db::Db;
use switchboard::kafka::{self, Connection, TopicSpec};
use switchboard::monitoring::sampler::sample_cluster;

use crate::brokers::Broker;
use crate::common::report::{round, Stats};

const CLUSTER: &str = "onprem";
const TOPIC_BATCH: usize = 500;
/// Threads committing the groups' offsets in the set-up.
const COMMITTERS: usize = 8;

fn topic(n: usize) -> String {
    format!("event-{n}")
}

fn group(g: usize) -> String {
    format!("bench-group-{g}")
}

/// Records in topic `n` (1 to 20).
fn records(n: usize) -> i64 {
    1 + (n % 20) as i64
}

/// The topic group `g` (1-based) consumes, and the offset it committed there
/// (0 to 2 records behind).
fn commit_of(g: usize, topics: usize) -> (usize, i64) {
    let n = (g - 1) % topics;
    (n, (records(n) - (g % 3) as i64).max(0))
}

async fn kafka_setup(bootstrap: &str, topics: usize, groups: usize) -> anyhow::Result<Value> {
    let conn = Connection::plaintext(bootstrap);
    let started = Instant::now();
    let specs: Vec<TopicSpec> = (0..topics)
        .map(|n| TopicSpec {
            name: topic(n),
            partitions: 1,
            replication: 1,
        })
        .collect();
    for batch in specs.chunks(TOPIC_BATCH) {
        kafka::create_topics(&conn, batch, Duration::from_secs(60)).await?;
    }
    let created_secs = started.elapsed().as_secs_f64();
    let bootstrap = bootstrap.to_string();
    let produced = tokio::task::spawn_blocking(move || -> anyhow::Result<i64> {
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("linger.ms", "20")
            .set("queue.buffering.max.messages", "200000")
            .create()?;
        let mut sent = 0;
        for n in 0..topics {
            let name = topic(n);
            for i in 0..records(n) {
                let payload = format!("{{\"n\":{n},\"i\":{i}}}");
                loop {
                    match producer.send(
                        BaseRecord::<(), _>::to(&name)
                            .payload(&payload)
                            .partition(0),
                    ) {
                        Ok(()) => break,
                        Err((e, _)) => {
                            if e.rdkafka_error_code()
                                != Some(rdkafka::types::RDKafkaErrorCode::QueueFull)
                            {
                                anyhow::bail!("cannot produce to {name}: {e}");
                            }
                            producer.poll(Duration::from_millis(50));
                        }
                    }
                }
                sent += 1;
            }
            producer.poll(Duration::ZERO);
        }
        producer.flush(Duration::from_secs(120))?;
        Ok(sent)
    });
    let produced = produced.await??;
    let produced_secs = started.elapsed().as_secs_f64() - created_secs;

    let committed_started = Instant::now();
    let bootstrap = conn.bootstrap_servers.clone();
    let failures = tokio::task::spawn_blocking(move || {
        let failures = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for worker in 0..COMMITTERS {
                let (bootstrap, failures) = (&bootstrap, &failures);
                scope.spawn(move || {
                    for g in (1..=groups).filter(|g| g % COMMITTERS == worker) {
                        let (n, offset) = commit_of(g, topics);
                        let done = (|| -> anyhow::Result<()> {
                            let consumer: BaseConsumer = ClientConfig::new()
                                .set("bootstrap.servers", bootstrap)
                                .set("group.id", group(g))
                                .set("enable.auto.commit", "false")
                                .create()?;
                            let mut tpl = TopicPartitionList::new();
                            tpl.add_partition_offset(&topic(n), 0, Offset::Offset(offset))?;
                            consumer.commit(&tpl, CommitMode::Sync)?;
                            Ok(())
                        })();
                        if let Err(e) = done {
                            if failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0 {
                                eprintln!("[monitoring] cannot commit for {}: {e}", group(g));
                            }
                        }
                    }
                });
            }
        });
        failures.into_inner()
    })
    .await?;
    Ok(json!({
        "topics": topics,
        "groups": groups,
        "records": produced,
        "create_topics_secs": round(created_secs, 1),
        "produce_secs": round(produced_secs, 1),
        "commit_secs": round(committed_started.elapsed().as_secs_f64(), 1),
        "commit_failures": failures,
    }))
}

/// The catalogue the sampler reads: a team, events available on `onprem`, an
/// application and active consume grants naming the groups. Grant ids start
/// at 1, as the fill's `group_lag` series of `onprem` do.
async fn catalogue(db: &Db, topics: usize, groups: usize) -> anyhow::Result<()> {
    let now = switchboard::db::now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO teams (id, name, created_at, updated_at) VALUES ('bench', 'Bench', $1, $1)",
    )
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    for n in 0..topics {
        sqlx::query(
            "INSERT INTO events (name, title, team_id, domain, lifecycle, home_cluster, topic, \
             created_at, updated_at) VALUES ($1, $1, 'bench', 'bench', 'published', $2, $1, $3, $3)",
        )
        .bind(topic(n))
        .bind(CLUSTER)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO event_availability (event_name, cluster_id, topic, kind) \
             VALUES ($1, $2, $1, 'master')",
        )
        .bind(topic(n))
        .bind(CLUSTER)
        .execute(&mut *tx)
        .await?;
    }
    let app: i64 = sqlx::query_scalar(
        "INSERT INTO applications (team_id, name, created_by, created_at) \
         VALUES ('bench', 'bench-app', 'bench', $1) RETURNING id",
    )
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    for g in 1..=groups {
        let (n, _) = commit_of(g, topics);
        let request: i64 = sqlx::query_scalar(
            "INSERT INTO requests (kind, state, requester, team_id, event_name, cluster_id, topic, \
             application_id, group_name, purpose, created_at, updated_at) \
             VALUES ('consume', 'active', 'bench', 'bench', $1, $2, $1, $3, $4, 'bench', $5, $5) \
             RETURNING id",
        )
        .bind(topic(n))
        .bind(CLUSTER)
        .bind(app)
        .bind(group(g))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO grants (request_id, application_id, event_name, cluster_id, principal, \
             topic, bindings_json, expires_at, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'User:bench', $3, '[]', '2099-01-01T00:00:00Z', 'active', $5, $5)",
        )
        .bind(request)
        .bind(app)
        .bind(topic(n))
        .bind(CLUSTER)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn ms(d: Duration) -> f64 {
    round(d.as_secs_f64() * 1000.0, 1)
}

/// Sets up the broker and catalogue, then times `passes` passes `interval`
/// seconds apart (in `at`) from `now`.
pub async fn measure(
    db: &Db,
    topics: usize,
    groups: usize,
    passes: usize,
    now: i64,
) -> anyhow::Result<Value> {
    let broker = Broker::start()?;
    let mut clusters = switchboard::demo::demo_clusters(19092);
    clusters.retain(|c| c.id == CLUSTER);
    for c in &mut clusters {
        c.bootstrap_servers = broker.bootstrap();
    }
    switchboard::serve::register_clusters(db, clusters).await?;
    eprintln!("[monitoring] pass: creating {topics} topics and {groups} groups on nisshi");
    let setup = kafka_setup(&broker.bootstrap(), topics, groups).await?;
    catalogue(db, topics, groups).await?;
    let conn = Connection::plaintext(broker.bootstrap());
    let timeout = Duration::from_millis(
        switchboard::monitoring::MonitoringConfig::default().kafka_timeout_ms,
    );

    let mut rows = Vec::new();
    let (mut totals, mut ends_t, mut committed_t, mut catalogue_t, mut rest_t) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for k in 1..=passes {
        let at = now + 30 * k as i64;
        let started = Instant::now();
        let report = sample_cluster(db, CLUSTER, &conn, timeout, at).await?;
        let total = started.elapsed();

        // The pass's parts, again with the same inputs.
        let started = Instant::now();
        let mut c = db.pool().acquire().await?;
        let names: Vec<String> = switchboard::catalogue::facts::availability(&mut c, Some(CLUSTER))
            .await?
            .into_iter()
            .map(|a| a.topic)
            .collect();
        let grants = active_grants(&mut c, GrantsOf::Cluster(CLUSTER)).await?;
        drop(c);
        let catalogue_took = started.elapsed();
        let started = Instant::now();
        let ends = kafka::offsets::end_offsets(&conn, names, timeout).await?;
        let ends_took = started.elapsed();
        let mut wanted: HashMap<String, Vec<(String, i32)>> = HashMap::new();
        for g in &grants {
            let (Some(name), Some(end)) = (&g.group, ends.get(&g.topic)) else {
                continue;
            };
            let parts = wanted.entry(name.clone()).or_default();
            for p in end.keys() {
                if !parts.contains(&(g.topic.clone(), *p)) {
                    parts.push((g.topic.clone(), *p));
                }
            }
        }
        let started = Instant::now();
        let (_, failed) =
            kafka::offsets::committed_offsets(&conn, wanted.into_iter().collect(), timeout).await;
        let committed_took = started.elapsed();
        let rest = total.saturating_sub(catalogue_took + ends_took + committed_took);
        eprintln!(
            "[monitoring] pass {k}: {} ms (end offsets {} ms, committed offsets {} ms, catalogue {} ms, rest {} ms), {} points",
            ms(total), ms(ends_took), ms(committed_took), ms(catalogue_took), ms(rest), report.points
        );
        rows.push(json!({
            "pass": k,
            "at": at,
            "pass_ms": ms(total),
            "topics": report.topics,
            "groups": report.groups,
            "points": report.points,
            "group_errors": report.group_errors,
            "end_offsets_ms": ms(ends_took),
            "committed_offsets_ms": ms(committed_took),
            "committed_offsets_failed": failed.len(),
            "catalogue_reads_ms": ms(catalogue_took),
            "rest_ms": ms(rest),
        }));
        totals.push(total);
        ends_t.push(ends_took);
        committed_t.push(committed_took);
        catalogue_t.push(catalogue_took);
        rest_t.push(rest);
    }
    drop(broker);
    Ok(json!({
        "cluster": CLUSTER,
        "kafka_timeout_ms": timeout.as_millis() as u64,
        "setup": setup,
        "passes": rows,
        "pass": Stats::of(totals).json(),
        "end_offsets": Stats::of(ends_t).json(),
        "committed_offsets": Stats::of(committed_t).json(),
        "catalogue_reads": Stats::of(catalogue_t).json(),
        "rest": Stats::of(rest_t).json(),
    }))
}
