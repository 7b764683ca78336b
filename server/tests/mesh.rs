//! Provisioning a consumer on another cluster, end to end, on both databases
//! against two real local brokers: approval → ACL requests sent (the local
//! brokers answer SECURITY_DISABLED: recorded as "no authorizer") → mirror
//! topic created and the built-in link running: a record produced on the home
//! cluster arrives on the mirror with the same key, value, headers, partition
//! and timestamp. A stopped runner and its successor lose and repeat nothing;
//! revocation stops the link and deletes the bindings; housekeeping deletes the
//! mirror after the grace period.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::access::{ConsumeForm, Decision, NewApplication, Principal, RequestState, RequestView};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sqlx::Row;
use switchboard::db::Db;
use switchboard::kafka::{create_topics, describe_topic, Connection, TopicSpec};
use switchboard::mesh::links;
use switchboard::mesh::{LinkOps, LinkRunner};
use switchboard::provision::reconcile::Reconciler;
use switchboard::provision::{PassReport, NO_AUTHORIZER};

use common::app::{admin_config, TestApp, ADMIN};
use common::Broker;

backend_suite!(
    consumer_on_another_cluster_gets_a_running_mirror,
    reconciliation_repairs_drift_and_reports_no_authorizer,
);

// customer-insights
const ZOE: &str = "zoe.williams";
// field-service: owns fieldservice.job.assigned (internal, home onprem)
const GARETH: &str = "gareth.evans";
const EVENT: &str = "fieldservice.job.assigned";
const PARTITIONS: i32 = 3;

/// The app with the event's home and `gcp` on real brokers.
struct Env {
    app: TestApp,
    home: Broker,
    remote: Broker,
    topic: String,
}

/// Demo clusters with `onprem` (the event's home) and `gcp` on two real brokers.
async fn env(db: Db) -> Env {
    let home = Broker::start();
    let remote = Broker::start();
    let mut clusters = switchboard::demo::demo_clusters(19092);
    for c in &mut clusters {
        match c.id.as_str() {
            "onprem" => c.bootstrap_servers = home.bootstrap(),
            "gcp" => c.bootstrap_servers = remote.bootstrap(),
            // Nothing listens there: that cluster is reported unreachable.
            _ => c.bootstrap_servers = format!("127.0.0.1:{}", common::free_port()),
        }
    }
    let mut cfg = admin_config();
    cfg.provision.kafka_timeout_ms = 3000;
    cfg.mesh.batch_ms = 20;
    let app = TestApp::with_clusters(db.clone(), cfg, clusters).await;
    let topic: String = sqlx::query_scalar("SELECT topic FROM events WHERE name = $1")
        .bind(EVENT)
        .fetch_one(db.pool())
        .await
        .expect("event topic");
    create_topics(
        &Connection::plaintext(home.bootstrap()),
        &[TopicSpec {
            name: topic.clone(),
            partitions: PARTITIONS,
            replication: -1,
        }],
        Duration::from_secs(10),
    )
    .await
    .expect("home topic");
    Env {
        app,
        home,
        remote,
        topic,
    }
}

impl std::ops::Deref for Env {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl Env {
    fn runner(&self) -> Arc<LinkRunner> {
        Arc::new(LinkRunner::new(
            self.db.clone(),
            self.config.mesh.clone(),
            Duration::from_secs(5),
        ))
    }

    /// An application `name` consuming the event on `gcp`, approved.
    async fn approved_consumer(&self, name: &str) -> RequestView {
        let app = self
            .state
            .access
            .register_application(
                self.caller(ZOE).await,
                NewApplication {
                    team: "customer-insights".into(),
                    name: name.into(),
                    description: "dispatch dashboard".into(),
                    principals: vec![Principal {
                        cluster: "gcp".into(),
                        principal: format!("User:svc-{name}"),
                    }],
                },
            )
            .await
            .expect("application")
            .id;
        let r = self
            .state
            .access
            .submit_consume(
                self.caller(ZOE).await,
                ConsumeForm {
                    event: EVENT.into(),
                    cluster: "gcp".into(),
                    application: app,
                    group: name.into(),
                    group_is_prefix: false,
                    purpose: "live dispatch board".into(),
                    end_date: None,
                },
            )
            .await
            .expect("submitted");
        let done = self
            .state
            .access
            .decide(
                self.caller(GARETH).await,
                Decision {
                    request: r.id.clone(),
                    approve: true,
                    comment: "fine".into(),
                },
            )
            .await
            .expect("approved");
        assert_eq!(done.state, RequestState::Provisioning);
        done
    }

    /// The owner revokes the request; a worker pass follows.
    async fn revoked(&self, id: &str, reason: &str) -> PassReport {
        self.state
            .access
            .revoke(self.caller(GARETH).await, id, reason)
            .await
            .expect("revoked");
        self.worker().run_pass().await.expect("pass")
    }

    async fn request_state(&self, id: &str) -> RequestState {
        self.state
            .access
            .request(self.caller(ADMIN).await, id)
            .await
            .expect("request")
            .state
    }
}

/// (kind, state, outcome) of the request's jobs, oldest first.
async fn jobs(db: &Db, request: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query(
        "SELECT kind, state, outcome FROM provisioning_jobs WHERE request_id = $1 ORDER BY id",
    )
    .bind(request.parse::<i64>().expect("id"))
    .fetch_all(db.pool())
    .await
    .expect("jobs")
    .iter()
    .map(|r| (r.get("kind"), r.get("state"), r.get("outcome")))
    .collect()
}

fn producer(bootstrap: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "0")
        .create()
        .expect("producer")
}

/// Produces record `n` to partition `n % PARTITIONS` with a key, a header and a fixed timestamp.
async fn produce(p: &FutureProducer, topic: &str, n: i64) {
    let key = format!("job-{n}");
    let value = format!("{{\"job\":{n}}}");
    let headers = OwnedHeaders::new().insert(Header {
        key: "trace-id",
        value: Some(format!("t{n}").as_bytes()),
    });
    let partition = i32::try_from(n % i64::from(PARTITIONS)).expect("small");
    p.send(
        FutureRecord::to(topic)
            .key(&key)
            .payload(&value)
            .partition(partition)
            .headers(headers)
            .timestamp(1_700_000_000_000 + n),
        Duration::from_secs(10),
    )
    .await
    .expect("produced");
}

#[derive(Debug, PartialEq, Eq)]
struct Seen {
    key: String,
    value: String,
    partition: i32,
    trace: String,
    timestamp: i64,
}

/// Reads every record of `topic` until `want` were seen or `within` passed.
fn read_all(bootstrap: &str, topic: &str, want: usize, within: Duration) -> Vec<Seen> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "mesh-test-reader")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .expect("partition");
    }
    consumer.assign(&tpl).expect("assign");
    let started = Instant::now();
    let mut seen = Vec::new();
    while seen.len() < want && started.elapsed() < within {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let trace = m
                .headers()
                .and_then(|h| h.iter().find(|h| h.key == "trace-id"))
                .and_then(|h| h.value.map(|v| String::from_utf8_lossy(v).into_owned()))
                .unwrap_or_default();
            seen.push(Seen {
                key: String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
                value: String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
                partition: m.partition(),
                trace,
                timestamp: m.timestamp().to_millis().unwrap_or_default(),
            });
        }
    }
    seen.sort_by(|a, b| a.key.cmp(&b.key));
    seen
}

fn expected(range: std::ops::Range<i64>) -> Vec<Seen> {
    let mut out: Vec<Seen> = range
        .map(|n| Seen {
            key: format!("job-{n}"),
            value: format!("{{\"job\":{n}}}"),
            partition: i32::try_from(n % i64::from(PARTITIONS)).expect("small"),
            trace: format!("t{n}"),
            timestamp: 1_700_000_000_000 + n,
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

async fn wait_copied(db: &Db, link: i64, want: i64) {
    let started = Instant::now();
    loop {
        let row = links::get(db, link).await.expect("link").expect("exists");
        if row.copied >= want {
            assert_eq!(row.copied, want, "no record copied twice");
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "link copied {} of {want}: {:?}",
            row.copied,
            row.last_error
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn consumer_on_another_cluster_gets_a_running_mirror(db: Db) {
    let env = env(db).await;
    let r = env.approved_consumer("dispatch-board").await;
    assert_eq!(
        r.topic, env.topic,
        "same-name policy: the mirror keeps the master's name"
    );
    // A second consumer of the same link, approved before the worker runs.
    let twin = env.approved_consumer("route-planner").await;

    // The worker: one link job and two ACL jobs run; the second link job is
    // its first's twin, done by that run. Both requests are active.
    let report = env.worker().run_pass().await.expect("pass");
    assert_eq!(report.done.len(), 3, "{report:?}");
    let js = jobs(&env.db, &r.id).await;
    let kinds: Vec<&str> = js.iter().map(|j| j.0.as_str()).collect();
    assert_eq!(kinds, ["create_mirror_link", "create_acls"]);
    assert!(js.iter().all(|j| j.1 == "done"), "{js:?}");
    assert_eq!(
        js[1].2.as_deref(),
        Some(NO_AUTHORIZER),
        "the local broker has no authorizer"
    );
    assert_eq!(env.request_state(&r.id).await, RequestState::Active);
    let twin_jobs = jobs(&env.db, &twin.id).await;
    assert!(twin_jobs.iter().all(|j| j.1 == "done"), "{twin_jobs:?}");
    assert_eq!(twin_jobs[0].2, js[0].2, "the twin has its first's outcome");
    assert_eq!(env.request_state(&twin.id).await, RequestState::Active);

    // The mirror topic exists on the consumer's cluster with the source's partitions.
    let remote = Connection::plaintext(env.remote.bootstrap());
    let mirror = describe_topic(&remote, &env.topic, Duration::from_secs(10))
        .await
        .expect("describe")
        .expect("mirror topic created");
    assert_eq!(mirror.partitions, PARTITIONS as usize);
    let all = links::list(&env.db, None, Some(EVENT), None)
        .await
        .expect("links");
    assert_eq!(all.len(), 1);
    let link = &all[0];
    assert_eq!(
        (
            link.source_cluster.as_str(),
            link.target_cluster.as_str(),
            link.backend.as_str(),
            link.state.as_str()
        ),
        ("onprem", "gcp", "builtin", "running")
    );

    // Records produced at home arrive on the mirror unchanged.
    let p = producer(&env.home.bootstrap());
    for n in 0..6 {
        produce(&p, &env.topic, n).await;
    }
    let runner = env.runner();
    assert_eq!(runner.supervise().await.expect("supervise"), vec![link.id]);
    wait_copied(&env.db, link.id, 6).await;
    let seen = read_all(
        &env.remote.bootstrap(),
        &env.topic,
        6,
        Duration::from_secs(20),
    );
    assert_eq!(seen, expected(0..6));

    // A second worker cannot take a link another one holds.
    let other = env.runner();
    assert!(other.supervise().await.expect("supervise").is_empty());

    // The runner stops; records produced meanwhile are copied by its
    // successor from the checkpoints: nothing lost, nothing repeated.
    runner.stop_all().await;
    for n in 6..10 {
        produce(&p, &env.topic, n).await;
    }
    assert_eq!(other.supervise().await.expect("supervise"), vec![link.id]);
    wait_copied(&env.db, link.id, 10).await;
    let seen = read_all(
        &env.remote.bootstrap(),
        &env.topic,
        10,
        Duration::from_secs(20),
    );
    assert_eq!(seen, expected(0..10));
    let checkpoints = links::checkpoints(&env.db, link.id).await.expect("cp");
    assert_eq!(checkpoints.values().sum::<i64>(), 10);

    // Revoking one of two consumers deletes its bindings; the link stays.
    let report = env.revoked(&twin.id, "route planning moved").await;
    assert_eq!(report.done.len(), 1, "{report:?}");
    let kinds: Vec<String> = jobs(&env.db, &twin.id)
        .await
        .into_iter()
        .map(|j| j.0)
        .collect();
    assert_eq!(kinds, ["create_mirror_link", "create_acls", "delete_acls"]);
    let still = links::get(&env.db, link.id)
        .await
        .expect("get")
        .expect("link");
    assert_eq!(
        still.state,
        app::mesh::LinkState::Running,
        "another consumer still reads the mirror"
    );

    // Revoking the last consumer: its bindings are deleted and the link stops.
    let report = env.revoked(&r.id, "the board is retired").await;
    assert_eq!(report.done.len(), 2, "{report:?}");
    let js = jobs(&env.db, &r.id).await;
    let kinds: Vec<&str> = js.iter().map(|j| j.0.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "create_mirror_link",
            "create_acls",
            "delete_acls",
            "stop_mirror_link"
        ]
    );
    assert_eq!(js[2].2.as_deref(), Some(NO_AUTHORIZER));
    let stopped = links::get(&env.db, link.id)
        .await
        .expect("get")
        .expect("link");
    assert_eq!(stopped.state, app::mesh::LinkState::Stopped);
    assert!(stopped.retire_at.is_some());
    assert!(other.supervise().await.expect("supervise").is_empty());
    produce(&p, &env.topic, 10).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        links::get(&env.db, link.id)
            .await
            .expect("get")
            .expect("link")
            .copied,
        10,
        "a stopped link copies nothing"
    );

    // Housekeeping after the grace period: the mirror topic is deleted.
    sqlx::query("UPDATE mesh_links SET retire_at = '2000-01-01T00:00:00Z' WHERE id = $1")
        .bind(link.id)
        .execute(env.db.pool())
        .await
        .expect("age the link");
    let ops = LinkOps {
        db: &env.db,
        config: &env.config.mesh,
        timeout: Duration::from_secs(5),
    };
    assert_eq!(ops.retire_due().await, vec![link.id]);
    let gone = links::get(&env.db, link.id)
        .await
        .expect("get")
        .expect("link");
    assert_eq!(gone.state, app::mesh::LinkState::Retired);
    assert!(links::checkpoints(&env.db, link.id)
        .await
        .expect("cp")
        .is_empty());
    let started = Instant::now();
    while describe_topic(&remote, &env.topic, Duration::from_secs(5))
        .await
        .expect("describe")
        .is_some()
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the mirror topic is deleted"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    other.stop_all().await;
}

async fn reconciliation_repairs_drift_and_reports_no_authorizer(db: Db) {
    let env = env(db).await;
    let r = env.approved_consumer("dispatch-board").await;
    env.worker().run_pass().await.expect("pass");
    assert_eq!(env.request_state(&r.id).await, RequestState::Active);
    let link = links::list(
        &env.db,
        Some(app::mesh::LinkState::Running),
        Some(EVENT),
        None,
    )
    .await
    .expect("links")
    .remove(0);
    let reconciler = Reconciler::new(env.db.clone(), env.config.clone());
    // The first pass creates the demo events' missing home topics.
    reconciler.run().await.expect("first pass");

    // Drift: the mirror and the event's home topic deleted behind our back,
    // and the link's worker silent for long.
    let remote = Connection::plaintext(env.remote.bootstrap());
    let home = Connection::plaintext(env.home.bootstrap());
    let t = Duration::from_secs(5);
    switchboard::kafka::delete_topics(&remote, &[env.topic.as_str()], t)
        .await
        .expect("delete mirror");
    switchboard::kafka::delete_topics(&home, &[env.topic.as_str()], t)
        .await
        .expect("delete home topic");
    sqlx::query(
        "UPDATE mesh_links SET runner = 'worker-gone', runner_lease = '2999-01-01T00:00:00Z', \
         status_at = '2000-01-01T00:00:00Z' WHERE id = $1",
    )
    .bind(link.id)
    .execute(env.db.pool())
    .await
    .expect("silence the link");

    let findings = reconciler.run().await.expect("second pass");
    let of = |cluster: &str, kind: &str| {
        findings
            .iter()
            .filter(|f| f.cluster == cluster && f.kind == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    let mirror = of("gcp", "missing_topic");
    assert_eq!(mirror.len(), 1, "{findings:#?}");
    assert_eq!(mirror[0].subject, env.topic);
    assert!(mirror[0].repaired, "{:?}", mirror[0]);
    let home_missing = of("onprem", "missing_topic");
    assert_eq!(home_missing.len(), 1, "{findings:#?}");
    assert!(home_missing[0].repaired);
    // The home topic as the catalogue records it; the mirror as its source.
    let recorded: i64 = sqlx::query_scalar("SELECT partitions FROM events WHERE name = $1")
        .bind(EVENT)
        .fetch_one(env.db.pool())
        .await
        .expect("recorded partitions");
    for (conn, name) in [(&home, "home topic"), (&remote, "mirror")] {
        let topic = describe_topic(conn, &env.topic, t)
            .await
            .expect("describe")
            .unwrap_or_else(|| panic!("the {name} is recreated"));
        assert_eq!(topic.partitions as i64, recorded, "{name}");
    }
    let stopped = of("gcp", "stopped_link");
    assert_eq!(stopped.len(), 1, "{findings:#?}");
    assert!(stopped[0].repaired);
    let freed = links::get(&env.db, link.id)
        .await
        .expect("get")
        .expect("link");
    assert_eq!(freed.runner, None, "released for a live worker to take");
    // A broker without an authorizer is a fact, not drift.
    for cluster in ["onprem", "gcp"] {
        let notes = of(cluster, "no_authorizer");
        assert_eq!(notes.len(), 1, "{cluster}: {findings:#?}");
        assert!(notes[0]
            .detail
            .starts_with("no authorizer: ACLs not enforced"));
        assert!(of(cluster, "missing_acl").is_empty());
    }
    assert!(!of("aws", "unreachable").is_empty(), "{findings:#?}");

    // What was repaired is in the audit log; admins read the report.
    let repaired: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'reconcile.repaired'")
            .fetch_one(env.db.pool())
            .await
            .expect("audit");
    assert!(repaired >= 2, "one entry per pass that repaired something");
    let admin = common::session(&env.db, &env.config, ADMIN).await;
    let (status, body) = common::api(
        &env.db,
        &env.config,
        "GET",
        "/api/v1/drift",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let report = common::json(&body);
    assert_eq!(report.as_array().map(Vec::len), Some(findings.len()));
    // An event admins always mirror to a cluster gets its link without a consumer.
    let mut cfg = env.config.clone();
    cfg.mesh.events.push(switchboard::mesh::config::EventLinks {
        event: "network.alarm.raised".into(),
        include: vec!["gcp".into()],
        exclude: Vec::new(),
    });
    let with_rule = Reconciler::new(env.db.clone(), cfg);
    let found = with_rule.run().await.expect("pass with the rule");
    let started: Vec<_> = found.iter().filter(|f| f.kind == "missing_link").collect();
    assert_eq!(started.len(), 1, "{found:#?}");
    assert!(started[0].repaired, "{:?}", started[0]);
    let alarms = links::list(
        &env.db,
        Some(app::mesh::LinkState::Running),
        Some("network.alarm.raised"),
        None,
    )
    .await
    .expect("links");
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].target_cluster, "gcp");
    let again = with_rule.run().await.expect("pass again");
    assert!(again.iter().all(|f| f.kind != "missing_link"), "{again:#?}");

    let staff = common::session(&env.db, &env.config, ZOE).await;
    let (status, _) = common::api(
        &env.db,
        &env.config,
        "GET",
        "/api/v1/drift",
        Some(&staff),
        None,
    )
    .await;
    assert_eq!(status, 403);
}
