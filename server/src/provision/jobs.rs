//! The job queue in the database: claiming due jobs (one `UPDATE … RETURNING`;
//! PostgreSQL skips rows another worker has locked, SQLite has one writer),
//! and recording their outcome.
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
    Ok(claim_batch(db, now, lease, 1).await?.pop())
}

/// Claims up to `max` of the oldest due jobs in one statement (one round
/// trip, not two per job), leased until `now + lease`; oldest first.
///
/// The order rules hold within a batch: the candidates are chosen before any
/// of them is marked, so a link job behind another queued link job of its
/// cluster (or a `delete_acls` behind its grant's other jobs) is not among them.
pub async fn claim_batch(
    db: &Db,
    now: OffsetDateTime,
    lease: time::Duration,
    max: usize,
) -> Result<Vec<Claimed>, DbError> {
    let now_text = stamp(now);
    let lease_text = stamp(now + lease);
    // PostgreSQL: rows another worker is claiming are skipped, not waited
    // for. SQLite: its single writer runs the statement alone.
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let rows = sqlx::query(&format!(
        "UPDATE provisioning_jobs SET state = 'running', next_attempt_at = $2, updated_at = $1 \
         WHERE id IN (SELECT id FROM provisioning_jobs WHERE {} ORDER BY id LIMIT $3{lock}) \
         RETURNING {CLAIM_COLUMNS}",
        due_filter()
    ))
    .bind(&now_text)
    .bind(&lease_text)
    .bind(i64::try_from(max.max(1)).unwrap_or(1))
    .fetch_all(db.pool())
    .await?;
    let mut claimed = rows
        .iter()
        .map(|r| claimed_from(r, &lease_text))
        .collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|j| j.id);
    Ok(claimed)
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

/// Link jobs are idempotent and all alike for one link: the run of `job`
/// (a `create_mirror_link` or `stop_mirror_link` that succeeded) also did
/// the work of its queued twins (same kind, cluster and payload), as long as
/// no link job of the other kind lies between them. Those twins are done
/// with the same outcome, so a burst of approvals for one link runs it once,
/// not once per grant in a row. Returns the twins' requests.
pub async fn complete_twins(
    db: &Db,
    job: &Claimed,
    outcome: Option<&str>,
) -> Result<Vec<i64>, DbError> {
    if !matches!(job.kind.as_str(), "create_mirror_link" | "stop_mirror_link") {
        return Ok(Vec::new());
    }
    let requests: Vec<Option<i64>> = sqlx::query_scalar(
        "UPDATE provisioning_jobs SET state = 'done', last_error = NULL, next_attempt_at = NULL, \
         outcome = $1, updated_at = $2 \
         WHERE kind = $3 AND cluster_id = $4 AND payload_json = $5 AND state = 'queued' AND id > $6 \
         AND NOT EXISTS (SELECT 1 FROM provisioning_jobs e WHERE e.cluster_id = $4 \
         AND e.kind IN ('create_mirror_link', 'stop_mirror_link') AND e.kind <> $3 \
         AND e.id > $6 AND e.id < provisioning_jobs.id AND e.state <> 'cancelled') \
         RETURNING request_id",
    )
    .bind(outcome)
    .bind(crate::db::now())
    .bind(&job.kind)
    .bind(&job.cluster)
    .bind(&job.payload)
    .bind(job.id)
    .fetch_all(db.pool())
    .await?;
    let mut requests: Vec<i64> = requests.into_iter().flatten().collect();
    requests.sort_unstable();
    requests.dedup();
    Ok(requests)
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
