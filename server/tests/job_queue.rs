//! The job queue on both databases: two workers claiming at once never take
//! the same job; link jobs of a cluster keep their order within a batch, and
//! a link job's run completes its queued twins; admins retry and cancel jobs (audited, refused when the job is
//! in no state for it); a job parked after its last attempt is announced to
//! the admins.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;
use switchboard::db::Db;
use switchboard::provision::queue;
use time::OffsetDateTime;

backend_suite!(
    link_jobs_keep_their_order_and_twins_finish_together,
    admins_retry_and_cancel_jobs,
    a_parked_job_is_announced_to_admins,
);

const ADMIN: &str = "platform.admin";

async fn clusters(db: &Db) {
    // Demo clusters at ports where nothing listens: every broker call fails fast.
    switchboard::serve::register_clusters(db, switchboard::demo::demo_clusters(1))
        .await
        .expect("clusters");
}

async fn insert_job(db: &Db, state: &str) -> i64 {
    let payload = serde_json::json!({
        "event": "e", "topic": "t.v1", "template": "standard",
        "partitions": 1, "retention_ms": 1000, "cleanup_policy": "delete"
    });
    insert_row(db, "create_topic", "onprem", &payload, state).await
}

async fn insert_row(
    db: &Db,
    kind: &str,
    cluster: &str,
    payload: &serde_json::Value,
    state: &str,
) -> i64 {
    sqlx::query(
        "INSERT INTO provisioning_jobs (kind, cluster_id, payload_json, state, attempts, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(kind)
    .bind(cluster)
    .bind(payload.to_string())
    .bind(state)
    .bind(switchboard::db::now())
    .execute(db.pool())
    .await
    .expect("job");
    sqlx::query_scalar("SELECT MAX(id) FROM provisioning_jobs")
        .fetch_one(db.pool())
        .await
        .expect("id")
}

/// Two workers claim and finish jobs as fast as they can, at the same time.
async fn two_workers(db: Db) {
    clusters(&db).await;
    let mut all = BTreeSet::new();
    for _ in 0..120 {
        all.insert(insert_job(&db, "queued").await);
    }
    // One worker claims a job at a time, the other batches of up to 4.
    let claim_all = |db: Db, batch: usize| async move {
        let mut mine = Vec::new();
        loop {
            let jobs = queue::claim_batch(
                &db,
                OffsetDateTime::now_utc(),
                time::Duration::minutes(5),
                batch,
            )
            .await
            .expect("claim");
            if jobs.is_empty() {
                break;
            }
            assert!(jobs.len() <= batch);
            for job in jobs {
                // Give the other worker a chance to try for the same job.
                tokio::task::yield_now().await;
                assert!(queue::complete(&db, &job, None).await.expect("complete"));
                mine.push(job.id);
            }
        }
        mine
    };
    let a = tokio::spawn(claim_all(db.clone(), 1));
    let b = tokio::spawn(claim_all(db.clone(), 4));
    let (a, b) = (a.await.expect("a"), b.await.expect("b"));
    let a_set: BTreeSet<i64> = a.iter().copied().collect();
    let b_set: BTreeSet<i64> = b.iter().copied().collect();
    assert_eq!(a.len(), a_set.len(), "worker a took a job twice");
    assert_eq!(b.len(), b_set.len(), "worker b took a job twice");
    assert!(
        a_set.is_disjoint(&b_set),
        "both workers ran jobs {:?}",
        a_set.intersection(&b_set).collect::<Vec<_>>()
    );
    let union: BTreeSet<i64> = a_set.union(&b_set).copied().collect();
    assert_eq!(union, all, "every job ran once");
    println!("worker a ran {}, worker b ran {}", a.len(), b.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_never_run_one_job_postgres() {
    let db = common::TestDb::postgres().await;
    two_workers(db.db.clone()).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_never_run_one_job_sqlite() {
    let db = common::TestDb::sqlite().await;
    two_workers(db.db.clone()).await;
    db.cleanup().await;
}

async fn state_of(db: &Db, id: i64) -> (String, i64) {
    let r = sqlx::query("SELECT state, attempts FROM provisioning_jobs WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .expect("job");
    (r.get("state"), r.get("attempts"))
}

async fn insert_link_job(db: &Db, kind: &str, topic: &str) -> i64 {
    let payload = serde_json::json!({
        "event": "e", "source_cluster": "onprem", "source_topic": topic, "target_topic": topic
    });
    insert_row(db, kind, "gcp", &payload, "queued").await
}

async fn link_jobs_keep_their_order_and_twins_finish_together(db: Db) {
    clusters(&db).await;
    let claim = |db: Db| async move {
        queue::claim_batch(
            &db,
            OffsetDateTime::now_utc(),
            time::Duration::minutes(5),
            10,
        )
        .await
        .expect("claim")
    };
    let start_a = insert_link_job(&db, "create_mirror_link", "a.v1").await;
    let start_a2 = insert_link_job(&db, "create_mirror_link", "a.v1").await;
    let start_b = insert_link_job(&db, "create_mirror_link", "b.v1").await;
    let stop_a = insert_link_job(&db, "stop_mirror_link", "a.v1").await;
    let start_a3 = insert_link_job(&db, "create_mirror_link", "a.v1").await;
    let topic = insert_job(&db, "queued").await;

    // One batch: the first link job of the cluster, and the unordered topic job.
    let batch = claim(db.clone()).await;
    let ids: Vec<i64> = batch.iter().map(|j| j.id).collect();
    assert_eq!(ids, [start_a, topic]);

    // A topic job has no twins: an identical one stays queued.
    let topic2 = insert_job(&db, "queued").await;
    assert!(queue::complete_twins(&db, &batch[1], None)
        .await
        .expect("twins")
        .is_empty());
    assert_eq!(state_of(&db, topic2).await.0, "queued");

    // The link job's run does its queued twin's work, not a job for another
    // link, nor a twin behind a stop of that link.
    queue::complete_twins(&db, &batch[0], Some("link 1"))
        .await
        .expect("twins");
    assert!(queue::complete(&db, &batch[0], Some("link 1"))
        .await
        .expect("complete"));
    assert_eq!(state_of(&db, start_a2).await.0, "done");
    let outcome: Option<String> =
        sqlx::query_scalar("SELECT outcome FROM provisioning_jobs WHERE id = $1")
            .bind(start_a2)
            .fetch_one(db.pool())
            .await
            .expect("outcome");
    assert_eq!(outcome.as_deref(), Some("link 1"));
    for queued in [start_b, stop_a, start_a3] {
        assert_eq!(state_of(&db, queued).await.0, "queued", "job {queued}");
    }

    // Then the next link job in order, alone of its cluster.
    let ids: Vec<i64> = claim(db.clone()).await.iter().map(|j| j.id).collect();
    assert_eq!(ids, [start_b, topic2]);
}

async fn admins_retry_and_cancel_jobs(db: Db) {
    clusters(&db).await;
    switchboard::catalogue::seed::seed_database(&db)
        .await
        .expect("seed");
    let mut cfg = common::test_config();
    cfg.auth.admins = vec![ADMIN.into()];
    let admin = common::session(&db, &cfg, ADMIN).await;
    let staff = common::session(&db, &cfg, "zoe.williams").await;

    let parked = insert_job(&db, "failed").await;
    sqlx::query("UPDATE provisioning_jobs SET attempts = 8 WHERE id = $1")
        .bind(parked)
        .execute(db.pool())
        .await
        .expect("attempts");
    let post = |uri: String, cookie: Option<String>| {
        let db = db.clone();
        let cfg = cfg.clone();
        async move { common::api(&db, &cfg, "POST", &uri, cookie.as_deref(), None).await }
    };

    // Staff and anonymous callers are refused and change nothing.
    let (status, _) = post(format!("/api/v1/jobs/{parked}/retry"), Some(staff.clone())).await;
    assert_eq!(status, 403);
    let (status, _) = post(format!("/api/v1/jobs/{parked}/retry"), None).await;
    assert_eq!(status, 401);
    assert_eq!(state_of(&db, parked).await, ("failed".into(), 8));

    // Retry: queued again with a fresh count, audited.
    let (status, body) = post(format!("/api/v1/jobs/{parked}/retry"), Some(admin.clone())).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(state_of(&db, parked).await, ("queued".into(), 0));

    // Cancel: never run; a cancelled job can be retried, a done one cannot.
    let (status, _) = post(format!("/api/v1/jobs/{parked}/cancel"), Some(admin.clone())).await;
    assert_eq!(status, 204);
    assert_eq!(state_of(&db, parked).await.0, "cancelled");
    assert!(
        queue::claim(&db, OffsetDateTime::now_utc(), time::Duration::minutes(1))
            .await
            .expect("claim")
            .is_none(),
        "a cancelled job is not claimed"
    );
    let (status, body) = post(format!("/api/v1/jobs/{parked}/cancel"), Some(admin.clone())).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("cancelled"), "{body}");
    let done = insert_job(&db, "done").await;
    let (status, body) = post(format!("/api/v1/jobs/{done}/retry"), Some(admin.clone())).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = post("/api/v1/jobs/999999/retry".into(), Some(admin.clone())).await;
    assert_eq!(status, 404);
    let (status, _) = post("/api/v1/jobs/abc/retry".into(), Some(admin)).await;
    assert_eq!(status, 404);

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE subject = $1 ORDER BY id")
            .bind(format!("job:{parked}"))
            .fetch_all(db.pool())
            .await
            .expect("audit");
    assert_eq!(actions, ["job.retry", "job.cancel"]);
}

async fn a_parked_job_is_announced_to_admins(db: Db) {
    clusters(&db).await;
    switchboard::catalogue::seed::seed_database(&db)
        .await
        .expect("seed");
    let mut cfg = common::test_config();
    cfg.auth.admins = vec![ADMIN.into()];
    cfg.provision.max_attempts = 1;
    cfg.provision.kafka_timeout_ms = 300;
    let index = Arc::new(switchboard::search::SearchIndex::in_memory().expect("index"));
    let state = switchboard::serve::app_state(db.clone(), &cfg, index, None);
    // The admin must exist as a user to be notified.
    common::session(&db, &cfg, ADMIN).await;
    let job = insert_job(&db, "queued").await;
    let worker = switchboard::provision::Provisioner::new(
        db.clone(),
        state.access.clone(),
        state.registry.clone(),
        cfg.provision.clone(),
    );
    let report = tokio::time::timeout(Duration::from_secs(30), worker.run_pass())
        .await
        .expect("in time")
        .expect("pass");
    assert_eq!(report.parked, vec![job]);
    assert_eq!(state_of(&db, job).await, ("failed".into(), 1));
    state
        .notify
        .run_pass_at(OffsetDateTime::now_utc() + time::Duration::hours(1))
        .await
        .expect("notifier");
    let rows = sqlx::query("SELECT kind, title, link FROM notifications WHERE user_id = $1")
        .bind(ADMIN)
        .fetch_all(db.pool())
        .await
        .expect("notifications");
    assert_eq!(rows.len(), 1, "the admin is told once");
    let (kind, title, link): (String, String, String) = (
        rows[0].get("kind"),
        rows[0].get("title"),
        rows[0].get("link"),
    );
    assert_eq!(kind, "job.parked");
    assert!(title.contains("gave up"), "{title}");
    assert_eq!(link, "/admin#jobs");
}
