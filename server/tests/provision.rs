//! The provisioning worker on both databases against a real local broker: an
//! approved new event gets its topic and value schema and becomes active; a
//! job against a cluster whose broker is down is retried with backoff, the
//! request shows it failed meanwhile, and it completes once the broker is back.

mod common;

use std::time::Duration;

use app::access::{
    ConsumeForm, Decision, JobKind, NewApplication, NewEventForm, Principal, RequestState,
    RequestView,
};
use sqlx::Row;
use switchboard::config::Config;
use switchboard::db::Db;
use switchboard::kafka::{describe_topic, Connection};
use switchboard::provision::Provisioner;
use switchboard::registry::VersionSpec;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use common::app::{TestApp, ADMIN};
use common::{free_port, Broker};

backend_suite!(
    approved_new_event_gets_its_topic_and_schema,
    broker_down_retries_then_completes,
    a_delete_job_keeps_the_bindings_a_later_grant_holds,
);

// field-service: may propose fieldservice.* events, owns fieldservice.job.assigned
const GARETH: &str = "gareth.evans";
// customer-insights
const ZOE: &str = "zoe.williams";
// service-desk
const KATE: &str = "kate.morgan";

const EVENT: &str = "fieldservice.part.ordered";
const TOPIC: &str = "fieldservice.part.ordered.v1";

fn config() -> Config {
    let mut c = common::test_config();
    c.auth.admins = vec![ADMIN.into()];
    c.provision.kafka_timeout_ms = 3000;
    c
}

/// Demo clusters and catalogue, with `onprem` answering at `onprem_port`.
async fn env(db: Db, onprem_port: u16) -> TestApp {
    let mut clusters = switchboard::demo::demo_clusters(19092);
    clusters[0].bootstrap_servers = format!("127.0.0.1:{onprem_port}");
    assert_eq!(clusters[0].id, "onprem");
    TestApp::with_clusters(db, config(), clusters).await
}

/// Proposes the new event and approves it as the admin.
async fn approved_new_event(env: &TestApp) -> RequestView {
    let r = env
        .state
        .access
        .submit_new_event(env.caller(GARETH).await, new_event_form())
        .await
        .expect("proposal submitted");
    let done = env
        .state
        .access
        .decide(
            env.caller(ADMIN).await,
            Decision {
                request: r.id.clone(),
                approve: true,
                comment: "ok".into(),
            },
        )
        .await
        .expect("approved");
    assert_eq!(done.state, RequestState::Provisioning);
    done
}

async fn request_state(env: &TestApp, id: &str) -> RequestState {
    env.state
        .access
        .request(env.caller(ADMIN).await, id)
        .await
        .expect("request")
        .state
}

fn new_event_form() -> NewEventForm {
    NewEventForm {
        team: "field-service".into(),
        name: EVENT.into(),
        title: "Spare part ordered".into(),
        home_cluster: "onprem".into(),
        topic: TOPIC.into(),
        template: "standard".into(),
        value_schema: r#"{"type":"record","name":"PartOrdered","namespace":"fieldservice","fields":[{"name":"part","type":"string","doc":"Part number"}]}"#.into(),
        description: "An engineer ordered a spare part.".into(),
        tags: vec!["internal".into()],
    }
}

#[derive(Debug)]
struct JobFacts {
    kind: String,
    state: String,
    attempts: i64,
    last_error: Option<String>,
    next_attempt_at: Option<String>,
}

async fn jobs_of(db: &Db, request: &str) -> Vec<JobFacts> {
    sqlx::query(
        "SELECT kind, state, attempts, last_error, next_attempt_at FROM provisioning_jobs \
         WHERE request_id = $1 ORDER BY id",
    )
    .bind(request.parse::<i64>().expect("id"))
    .fetch_all(db.pool())
    .await
    .expect("jobs")
    .iter()
    .map(|r| JobFacts {
        kind: r.get("kind"),
        state: r.get("state"),
        attempts: r.get("attempts"),
        last_error: r.get("last_error"),
        next_attempt_at: r.get("next_attempt_at"),
    })
    .collect()
}

async fn audit_actions(db: &Db, request: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_log WHERE subject = $1 ORDER BY id")
        .bind(format!("request:{request}"))
        .fetch_all(db.pool())
        .await
        .expect("audit")
}

async fn assert_provisioned(env: &TestApp, broker: &Broker, id: &str) {
    let topic = describe_topic(
        &Connection::plaintext(broker.bootstrap()),
        TOPIC,
        Duration::from_secs(10),
    )
    .await
    .expect("describe")
    .expect("the topic exists on the broker");
    assert_eq!(topic.partitions, 6, "the standard template's partitions");
    // Brokers that report topic configs show the template's.
    if let Some(retention) = topic.configs.get("retention.ms") {
        assert_eq!(retention, "604800000");
    }
    let schema = env
        .state
        .registry
        .version(&format!("{TOPIC}-value"), VersionSpec::Latest, false)
        .await
        .expect("the value schema is registered");
    assert!(schema.schema.contains("PartOrdered"), "{}", schema.schema);
    let jobs = jobs_of(&env.db, id).await;
    assert_eq!(jobs.len(), 2);
    assert!(jobs.iter().all(|j| j.state == "done"), "{jobs:?}");
    assert_eq!(request_state(env, id).await, RequestState::Active);
}

async fn approved_new_event_gets_its_topic_and_schema(db: Db) {
    let broker = Broker::start();
    let env = env(db, broker.port).await;
    let r = approved_new_event(&env).await;
    let worker = env.worker();
    let report = worker.run_pass().await.expect("pass");
    assert_eq!(report.done.len(), 2, "{report:?}");
    assert!(report.retrying.is_empty() && report.parked.is_empty());
    assert_provisioned(&env, &broker, &r.id).await;
    let actions = audit_actions(&env.db, &r.id).await;
    assert_eq!(actions.last().map(String::as_str), Some("request.active"));

    // Nothing is left to do; a job done again (idempotence) changes nothing.
    let again = worker.run_pass().await.expect("pass");
    assert!(again.done.is_empty(), "{again:?}");
    sqlx::query("UPDATE provisioning_jobs SET state = 'queued' WHERE request_id = $1")
        .bind(r.id.parse::<i64>().expect("id"))
        .execute(env.db.pool())
        .await
        .expect("requeue");
    let replay = worker.run_pass().await.expect("pass");
    assert_eq!(
        replay.done.len(),
        2,
        "existing topic and same schema are success"
    );

    // A job left running by a worker that died is claimed again once its lease
    // ended; one whose lease still holds is not.
    let id = r.id.parse::<i64>().expect("id");
    let past = (OffsetDateTime::now_utc() - time::Duration::minutes(1))
        .format(&Rfc3339)
        .expect("time");
    let future = (OffsetDateTime::now_utc() + time::Duration::minutes(5))
        .format(&Rfc3339)
        .expect("time");
    for (kind, lease) in [("create_topic", &past), ("register_schema", &future)] {
        sqlx::query(
            "UPDATE provisioning_jobs SET state = 'running', next_attempt_at = $1 \
             WHERE request_id = $2 AND kind = $3",
        )
        .bind(lease)
        .bind(id)
        .bind(kind)
        .execute(env.db.pool())
        .await
        .expect("lease");
    }
    let reclaimed = worker.run_pass().await.expect("pass");
    assert_eq!(reclaimed.done.len(), 1, "{reclaimed:?}");
    let jobs = jobs_of(&env.db, &r.id).await;
    assert_eq!(jobs[0].state, "done");
    assert_eq!(jobs[1].state, "running", "its lease still holds");
    sqlx::query("UPDATE provisioning_jobs SET state = 'done' WHERE request_id = $1")
        .bind(id)
        .execute(env.db.pool())
        .await
        .expect("done");
    assert_provisioned(&env, &broker, &r.id).await;
    let versions = env
        .state
        .registry
        .version(&format!("{TOPIC}-value"), VersionSpec::Latest, false)
        .await
        .expect("schema");
    assert_eq!(versions.version, 1, "the same schema is not a new version");
    broker.stop();
}

async fn broker_down_retries_then_completes(db: Db) {
    let port = free_port();
    let env = env(db, port).await;
    let r = approved_new_event(&env).await;
    let worker = env.worker();

    let before = OffsetDateTime::now_utc();
    let report = worker.run_pass().await.expect("pass");
    assert_eq!(report.retrying.len(), 1, "{report:?}");
    assert_eq!(report.done.len(), 1, "the schema needs no broker");
    let jobs = jobs_of(&env.db, &r.id).await;
    let topic_job = jobs.iter().find(|j| j.kind == "create_topic").expect("job");
    assert_eq!(topic_job.state, "queued", "{topic_job:?}");
    assert_eq!(topic_job.attempts, 1);
    let error = topic_job.last_error.as_deref().expect("last error kept");
    assert!(error.contains("onprem"), "{error}");
    let next = OffsetDateTime::parse(
        topic_job.next_attempt_at.as_deref().expect("next attempt"),
        &Rfc3339,
    )
    .expect("time");
    assert!(next > before, "retried later: {next} vs {before}");
    let schema_job = jobs
        .iter()
        .find(|j| j.kind == "register_schema")
        .expect("job");
    assert_eq!(schema_job.state, "done");
    // Retrying: the request still says provisioning; its job says what it waits for.
    assert_eq!(request_state(&env, &r.id).await, RequestState::Provisioning);
    let view = env
        .state
        .access
        .request(env.caller(ADMIN).await, &r.id)
        .await
        .expect("request");
    let waiting = view
        .jobs
        .iter()
        .find(|j| j.kind == JobKind::CreateTopic)
        .expect("job");
    assert!(waiting.next_attempt_at.is_some(), "{waiting:?}");
    assert!(
        waiting
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("onprem")),
        "{waiting:?}"
    );

    // Not due yet: a pass leaves it alone.
    let idle = worker.run_pass().await.expect("pass");
    assert_eq!(idle, Default::default());

    // After `max_attempts` the job is parked and the request fails, once.
    let mut strict = env.config.provision.clone();
    strict.max_attempts = 2;
    let strict = Provisioner::new(
        env.db.clone(),
        env.state.access.clone(),
        env.state.registry.clone(),
        strict,
    );
    let id = r.id.parse::<i64>().expect("id");
    sqlx::query("UPDATE provisioning_jobs SET next_attempt_at = $1 WHERE request_id = $2")
        .bind(switchboard::db::now())
        .bind(id)
        .execute(env.db.pool())
        .await
        .expect("make due");
    let parked = strict.run_pass().await.expect("pass");
    assert_eq!(parked.parked.len(), 1, "{parked:?}");
    let jobs = jobs_of(&env.db, &r.id).await;
    let topic_job = jobs.iter().find(|j| j.kind == "create_topic").expect("job");
    assert_eq!(
        (topic_job.state.as_str(), topic_job.attempts),
        ("failed", 2)
    );
    assert!(topic_job.next_attempt_at.is_none());
    assert_eq!(strict.run_pass().await.expect("pass"), Default::default());
    assert_eq!(request_state(&env, &r.id).await, RequestState::Failed);
    let failures = audit_actions(&env.db, &r.id)
        .await
        .iter()
        .filter(|a| *a == "request.failed")
        .count();
    assert_eq!(failures, 1);
    // An admin retries the parked job.
    let parked_id: i64 = sqlx::query_scalar(
        "SELECT id FROM provisioning_jobs WHERE request_id = $1 AND state = 'failed'",
    )
    .bind(id)
    .fetch_one(env.db.pool())
    .await
    .expect("parked job");
    switchboard::provision::admin::act_on_job(
        &env.db,
        &env.state.access,
        env.caller(ADMIN).await,
        &parked_id.to_string(),
        switchboard::provision::admin::JobAction::Retry,
    )
    .await
    .expect("retried");
    // The request shows the job running again, not the stale failure.
    assert_eq!(request_state(&env, &r.id).await, RequestState::Provisioning);

    // The broker comes back and the retry is due: everything completes.
    let broker = Broker::start_on(port);
    sqlx::query("UPDATE provisioning_jobs SET next_attempt_at = $1 WHERE request_id = $2")
        .bind(switchboard::db::now())
        .bind(r.id.parse::<i64>().expect("id"))
        .execute(env.db.pool())
        .await
        .expect("make due");
    let report = worker.run_pass().await.expect("pass");
    assert_eq!(report.done.len(), 1, "{report:?}");
    assert_provisioned(&env, &broker, &r.id).await;
    let actions = audit_actions(&env.db, &r.id).await;
    let tail: Vec<&str> = actions.iter().rev().take(3).map(String::as_str).collect();
    assert_eq!(
        tail,
        ["request.active", "request.retrying", "request.failed"]
    );
    broker.stop();
}

/// Kate's team registers an application with the principal Zoe's team's
/// application had, after Zoe's grant was revoked but before its delete job
/// ran: the job leaves the bindings the new grant holds on the broker.
async fn a_delete_job_keeps_the_bindings_a_later_grant_holds(db: Db) {
    let broker = Broker::start();
    let env = env(db, broker.port).await;
    let worker = env.worker();
    let access = &env.state.access;
    let consume = |user: &'static str, team: &'static str, name: &'static str| {
        let env = &env;
        async move {
            let app = access
                .register_application(
                    env.caller(user).await,
                    NewApplication {
                        team: team.into(),
                        name: name.into(),
                        description: "an application".into(),
                        principals: vec![Principal {
                            cluster: "onprem".into(),
                            principal: "User:svc-shared".into(),
                        }],
                    },
                )
                .await
                .expect("application")
                .id;
            let form = ConsumeForm {
                event: "fieldservice.job.assigned".into(),
                cluster: "onprem".into(),
                application: app,
                group: "jobs.board".into(),
                group_is_prefix: false,
                purpose: "a board of jobs".into(),
                end_date: None,
            };
            let r = access
                .submit_consume(env.caller(user).await, form)
                .await
                .expect("submitted");
            access
                .decide(
                    env.caller(GARETH).await,
                    Decision {
                        request: r.id.clone(),
                        approve: true,
                        comment: "ok".into(),
                    },
                )
                .await
                .expect("approved")
        }
    };
    let first = consume(ZOE, "customer-insights", "jobs-board").await;
    let report = worker.run_pass().await.expect("pass");
    assert_eq!(report.done.len(), 1, "{report:?}");
    assert_eq!(request_state(&env, &first.id).await, RequestState::Active);
    access
        .revoke(env.caller(ZOE).await, &first.id, "board retired")
        .await
        .expect("revoked");
    let second = consume(KATE, "service-desk", "desk-board").await;

    let report = worker.run_pass().await.expect("pass");
    assert_eq!(report.done.len(), 2, "delete and create: {report:?}");
    let outcome = |request: &str, kind: &'static str| {
        let db = env.db.clone();
        let id: i64 = request.parse().expect("id");
        async move {
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT outcome FROM provisioning_jobs WHERE request_id = $1 AND kind = $2",
            )
            .bind(id)
            .bind(kind)
            .fetch_one(db.pool())
            .await
            .expect("job")
        }
    };
    assert_eq!(
        outcome(&first.id, "delete_acls").await.as_deref(),
        Some("no ACL binding deleted: other grants hold all 3"),
        "no DeleteAcls for bindings the second grant holds"
    );
    assert_eq!(request_state(&env, &second.id).await, RequestState::Active);
    broker.stop();
}
