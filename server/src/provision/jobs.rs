//! The job queue in the database: claiming one due job (PostgreSQL:
//! `FOR UPDATE SKIP LOCKED`; SQLite: one conditional `UPDATE`, its single
//! writer), and recording its outcome.
//!
//! A claimed job is `running` with `next_attempt_at` holding its lease's end;
//! that text is also the claim's token, so a worker whose lease ran out (and
//! whose job another worker took) cannot overwrite the newer outcome. A job
//! still `running` after its lease is claimable again.

use sqlx::Row;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::db::{Backend, Db, DbError};

/// Kinds this worker executes (all of them).
pub const EXECUTED_KINDS: &str = "('create_topic', 'register_schema', 'create_acls', \
     'delete_acls', 'create_mirror_link', 'stop_mirror_link')";

/// How many times a claim is tried again when another worker took the candidate.
const CLAIM_ATTEMPTS: usize = 5;

/// A job claimed by this worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub request: Option<i64>,
    pub kind: String,
    pub cluster: String,
    pub payload: String,
    pub attempts: i64,
    /// The lease's end as stored; the token of this claim.
    pub lease: String,
}

/// RFC 3339 text of `t`, as `db::now()` writes it.
pub fn stamp(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Due jobs. Jobs of one worker run concurrently, so order is kept where it
/// matters: a link job waits for earlier unfinished link jobs of its cluster
/// (a stop never overtakes a start, nor a start a stop), and `delete_acls`
/// waits for earlier unfinished jobs of its grant.
///
/// Each order rule is tested only for its own kinds, before its subquery: a
/// burst of approvals queues hundreds of jobs, and a subquery run for every
/// candidate made each claim scan the whole queue.
fn due_filter() -> String {
    format!(
        "kind IN {EXECUTED_KINDS} AND ((state = 'queued' AND (next_attempt_at IS NULL \
         OR next_attempt_at <= $1)) OR (state = 'running' AND next_attempt_at <= $1)) \
         AND NOT (provisioning_jobs.kind IN ('create_mirror_link', 'stop_mirror_link') \
         AND EXISTS (SELECT 1 FROM provisioning_jobs e WHERE e.cluster_id = provisioning_jobs.cluster_id \
         AND e.kind IN ('create_mirror_link', 'stop_mirror_link') \
         AND e.id < provisioning_jobs.id AND e.state IN ('queued', 'running'))) \
         AND NOT (provisioning_jobs.kind = 'delete_acls' \
         AND EXISTS (SELECT 1 FROM provisioning_jobs e WHERE e.grant_id = provisioning_jobs.grant_id \
         AND e.id < provisioning_jobs.id AND e.state IN ('queued', 'running')))"
    )
}

const CLAIM_COLUMNS: &str = "id, request_id, kind, cluster_id, payload_json, attempts";

fn claimed_from(r: &sqlx::any::AnyRow, lease: &str) -> Result<Claimed, DbError> {
    Ok(Claimed {
        id: r.try_get("id")?,
        request: r.try_get("request_id")?,
        kind: r.try_get("kind")?,
        cluster: r.try_get("cluster_id")?,
        payload: r.try_get("payload_json")?,
        attempts: r.try_get("attempts")?,
        lease: lease.to_string(),
    })
}

/// Claims the oldest due job of an executed kind, leased until `now + lease`.
pub async fn claim(
    db: &Db,
    now: OffsetDateTime,
    lease: time::Duration,
) -> Result<Option<Claimed>, DbError> {
    let now_text = stamp(now);
    let lease_text = stamp(now + lease);
    match db.backend() {
        Backend::Postgres => {
            let mut tx = db.begin().await?;
            let row = sqlx::query(&format!(
                "SELECT {CLAIM_COLUMNS} FROM provisioning_jobs WHERE {} \
                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                due_filter()
            ))
            .bind(&now_text)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row else {
                tx.rollback().await?;
                return Ok(None);
            };
            let job = claimed_from(&row, &lease_text)?;
            sqlx::query(
                "UPDATE provisioning_jobs SET state = 'running', next_attempt_at = $1, \
                 updated_at = $2 WHERE id = $3",
            )
            .bind(&lease_text)
            .bind(&now_text)
            .bind(job.id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(job))
        }
        Backend::Sqlite => {
            for _ in 0..CLAIM_ATTEMPTS {
                let row = sqlx::query(&format!(
                    "SELECT {CLAIM_COLUMNS} FROM provisioning_jobs WHERE {} ORDER BY id LIMIT 1",
                    due_filter()
                ))
                .bind(&now_text)
                .fetch_optional(db.pool())
                .await?;
                let Some(row) = row else { return Ok(None) };
                let job = claimed_from(&row, &lease_text)?;
                // The claim: the same conditions, so a job another writer took
                // (or finished) meanwhile is not taken twice.
                let done = sqlx::query(&format!(
                    "UPDATE provisioning_jobs SET state = 'running', next_attempt_at = $2, \
                     updated_at = $1 WHERE id = $3 AND {}",
                    due_filter()
                ))
                .bind(&now_text)
                .bind(&lease_text)
                .bind(job.id)
                .execute(db.pool())
                .await?;
                if done.rows_affected() == 1 {
                    return Ok(Some(job));
                }
            }
            Ok(None)
        }
    }
}

/// The job succeeded, with what it found worth saying. False when the claim
/// was lost (lease ran out and another worker took the job).
pub async fn complete(db: &Db, job: &Claimed, outcome: Option<&str>) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE provisioning_jobs SET state = 'done', last_error = NULL, next_attempt_at = NULL, \
         outcome = $4, updated_at = $1 WHERE id = $2 AND state = 'running' AND next_attempt_at = $3",
    )
    .bind(crate::db::now())
    .bind(job.id)
    .bind(&job.lease)
    .bind(outcome)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An admin's retry: a parked (`failed`) or `cancelled` job, or a queued one
/// waiting for its next attempt, is due now with a fresh count of attempts.
/// False when the job is in no such state (done, or running).
pub async fn retry(db: &Db, id: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE provisioning_jobs SET state = 'queued', attempts = 0, next_attempt_at = NULL, \
         updated_at = $1 WHERE id = $2 AND state IN ('failed', 'cancelled', 'queued')",
    )
    .bind(crate::db::now())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An admin's cancel: a queued or parked job is never run (again). A running
/// job cannot be cancelled (its outcome would race the cancel).
pub async fn cancel(db: &Db, id: i64) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE provisioning_jobs SET state = 'cancelled', next_attempt_at = NULL, \
         updated_at = $1 WHERE id = $2 AND state IN ('queued', 'failed')",
    )
    .bind(crate::db::now())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The job failed: one more attempt counted, its error kept, and either
/// queued again at `retry_at` or parked (`failed`) when `retry_at` is `None`.
pub async fn fail(
    db: &Db,
    job: &Claimed,
    error: &str,
    retry_at: Option<OffsetDateTime>,
) -> Result<bool, DbError> {
    let (state, next) = match retry_at {
        Some(at) => ("queued", Some(stamp(at))),
        None => ("failed", None),
    };
    let done = sqlx::query(
        "UPDATE provisioning_jobs SET state = $1, attempts = attempts + 1, last_error = $2, \
         next_attempt_at = $3, updated_at = $4 \
         WHERE id = $5 AND state = 'running' AND next_attempt_at = $6",
    )
    .bind(state)
    .bind(error)
    .bind(next)
    .bind(crate::db::now())
    .bind(job.id)
    .bind(&job.lease)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether every job of the request is done.
pub async fn all_done(db: &Db, request: i64) -> Result<bool, DbError> {
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM provisioning_jobs WHERE request_id = $1 AND state <> 'done'",
    )
    .bind(request)
    .fetch_one(db.pool())
    .await?;
    Ok(open == 0)
}
