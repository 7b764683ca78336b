//! The job queue in the database (`provisioning_jobs`, which only this file
//! reads and writes): enqueuing, claiming due jobs (one `UPDATE … RETURNING`;
//! PostgreSQL skips rows another worker has locked, SQLite has one writer),
//! recording their outcome, and listing them.
//!
//! A claimed job is `running` with `next_attempt_at` holding its lease's end;
//! that text is also the claim's token, so a worker whose lease ran out (and
//! whose job another worker took) cannot overwrite the newer outcome. A job
//! still `running` after its lease is claimable again.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;

use super::jobs::{order, sql_kinds, JobKind, JobState, NewJob, Order};
use crate::db::{stamp, Db, DbError};

/// A job claimed by this worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub request: Option<i64>,
    pub kind: JobKind,
    pub cluster: String,
    pub payload: String,
    pub attempts: i64,
    /// The lease's end as stored; the token of this claim.
    pub lease: String,
}

/// Due jobs. Jobs of one worker run concurrently, so order is kept where it
/// matters: a link job waits for earlier unfinished link jobs of its cluster
/// (a stop never overtakes a start, nor a start a stop), and `delete_acls`
/// waits for earlier unfinished jobs of its grant.
///
/// Each order rule is tested only for its own kinds, before its subquery: a
/// burst of approvals queues hundreds of jobs, and a subquery run for every
/// candidate made each claim scan the whole queue.
///
/// The kinds and their order rules come from the registry (`jobs::order`).
fn due_filter() -> String {
    let known = sql_kinds(|_| true);
    let links = sql_kinds(|k| order(k) == Order::ClusterLinks);
    let after_grant = sql_kinds(|k| order(k) == Order::AfterGrant);
    format!(
        "kind IN {known} AND ((state = 'queued' AND (next_attempt_at IS NULL \
         OR next_attempt_at <= $1)) OR (state = 'running' AND next_attempt_at <= $1)) \
         AND NOT (provisioning_jobs.kind IN {links} \
         AND EXISTS (SELECT 1 FROM provisioning_jobs e WHERE e.cluster_id = provisioning_jobs.cluster_id \
         AND e.kind IN {links} \
         AND e.id < provisioning_jobs.id AND e.state IN ('queued', 'running'))) \
         AND NOT (provisioning_jobs.kind IN {after_grant} \
         AND EXISTS (SELECT 1 FROM provisioning_jobs e WHERE e.grant_id = provisioning_jobs.grant_id \
         AND e.id < provisioning_jobs.id AND e.state IN ('queued', 'running')))"
    )
}

const CLAIM_COLUMNS: &str = "id, request_id, kind, cluster_id, payload_json, attempts";

/// A stored word this version does not know (a row written by a newer one).
fn unknown(what: &str, word: &str) -> DbError {
    DbError::Query(sqlx::Error::Decode(
        format!("unknown job {what} `{word}`").into(),
    ))
}

fn kind_from(r: &AnyRow) -> Result<JobKind, DbError> {
    let word: String = r.try_get("kind")?;
    JobKind::parse(&word).ok_or_else(|| unknown("kind", &word))
}

fn claimed_from(r: &AnyRow, lease: &str) -> Result<Claimed, DbError> {
    Ok(Claimed {
        id: r.try_get("id")?,
        request: r.try_get("request_id")?,
        kind: kind_from(r)?,
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
    let lock = db.skip_locked();
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
    if order(job.kind) != Order::ClusterLinks {
        return Ok(Vec::new());
    }
    let links = sql_kinds(|k| order(k) == Order::ClusterLinks);
    let requests: Vec<Option<i64>> = sqlx::query_scalar(&format!(
        "UPDATE provisioning_jobs SET state = 'done', last_error = NULL, next_attempt_at = NULL, \
         outcome = $1, updated_at = $2 \
         WHERE kind = $3 AND cluster_id = $4 AND payload_json = $5 AND state = 'queued' AND id > $6 \
         AND NOT EXISTS (SELECT 1 FROM provisioning_jobs e WHERE e.cluster_id = $4 \
         AND e.kind IN {links} AND e.kind <> $3 \
         AND e.id > $6 AND e.id < provisioning_jobs.id AND e.state <> 'cancelled') \
         RETURNING request_id",
    ))
    .bind(outcome)
    .bind(crate::db::now())
    .bind(job.kind.as_str())
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

/// A job's state, kind and request, if it exists.
pub async fn head(db: &Db, id: i64) -> Result<Option<(JobState, JobKind, Option<i64>)>, DbError> {
    let Some(r) =
        sqlx::query("SELECT state, kind, request_id FROM provisioning_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await?
    else {
        return Ok(None);
    };
    let state: String = r.try_get("state")?;
    Ok(Some((
        JobState::parse(&state).ok_or_else(|| unknown("state", &state))?,
        kind_from(&r)?,
        r.try_get("request_id")?,
    )))
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

/// Queues a job for `request` (announcing it is the caller's: see
/// [`super::jobs::enqueue`]).
pub(super) async fn insert(
    conn: &mut AnyConnection,
    request: i64,
    job: &NewJob,
) -> Result<i64, DbError> {
    let now = crate::db::now();
    Ok(sqlx::query_scalar(
        "INSERT INTO provisioning_jobs (request_id, grant_id, kind, cluster_id, payload_json, \
           state, attempts, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $6, $6) RETURNING id",
    )
    .bind(request)
    .bind(job.grant)
    .bind(job.kind.as_str())
    .bind(&job.cluster)
    .bind(&job.payload)
    .bind(&now)
    .fetch_one(conn)
    .await?)
}

/// A job as listed for people.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub request: Option<i64>,
    pub kind: JobKind,
    pub cluster: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub outcome: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}

impl JobRow {
    /// The job as pages and the API show it.
    pub fn view(self) -> app::access::JobView {
        app::access::JobView {
            id: self.id.to_string(),
            kind: self.kind,
            cluster: self.cluster,
            state: self.state,
            attempts: self.attempts,
            last_error: self.last_error,
            outcome: self.outcome,
            next_attempt_at: self.next_attempt_at,
            created_at: self.created_at,
        }
    }
}

const JOB_COLUMNS: &str = "id, request_id, kind, cluster_id, payload_json, state, attempts, \
     last_error, outcome, next_attempt_at, created_at";

fn job_from(r: &AnyRow) -> Result<JobRow, DbError> {
    let state: String = r.try_get("state")?;
    Ok(JobRow {
        id: r.try_get("id")?,
        request: r.try_get("request_id")?,
        kind: kind_from(r)?,
        cluster: r.try_get("cluster_id")?,
        payload: r.try_get("payload_json")?,
        state: JobState::parse(&state).ok_or_else(|| unknown("state", &state))?,
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        outcome: r.try_get("outcome")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The jobs of a request, oldest first.
pub async fn of_request(conn: &mut AnyConnection, request: i64) -> Result<Vec<JobRow>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {JOB_COLUMNS} FROM provisioning_jobs WHERE request_id = $1 AND kind IN {} \
         ORDER BY id",
        sql_kinds(|_| true)
    ))
    .bind(request)
    .fetch_all(conn)
    .await?;
    rows.iter().map(job_from).collect()
}

/// Jobs not done yet (queued, running or failed), oldest first.
pub async fn unfinished(conn: &mut AnyConnection) -> Result<Vec<JobRow>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {JOB_COLUMNS} FROM provisioning_jobs WHERE state NOT IN ('done', 'cancelled') \
         AND kind IN {} ORDER BY id LIMIT 1000",
        sql_kinds(|_| true)
    ))
    .fetch_all(conn)
    .await?;
    rows.iter().map(job_from).collect()
}
