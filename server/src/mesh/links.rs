//! Mesh links in the database: the link rows, their built-in runners' leases,
//! and their checkpoints.

use app::mesh::{LinkBackend, LinkState};
use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;

use crate::db::{now, Db, DbError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkRow {
    pub id: i64,
    pub event: String,
    pub source_cluster: String,
    pub source_topic: String,
    pub target_cluster: String,
    pub target_topic: String,
    pub backend: LinkBackend,
    pub state: LinkState,
    pub retire_at: Option<String>,
    pub runner: Option<String>,
    pub copied: i64,
    pub lag: Option<i64>,
    pub rate_per_sec: Option<i64>,
    pub last_error: Option<String>,
    pub status_at: Option<String>,
    pub created_at: String,
}

const COLUMNS: &str = "id, event_name, source_cluster, source_topic, target_cluster, \
     target_topic, backend, state, retire_at, runner, copied, lag, rate_per_sec, last_error, \
     status_at, created_at";

/// A stored word of this version's vocabulary (a newer version's is an error).
fn word<T>(
    r: &sqlx::any::AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, DbError> {
    let text: String = r.try_get(column)?;
    parse(&text).ok_or_else(|| {
        DbError::Query(sqlx::Error::Decode(
            format!("unknown link {column} `{text}`").into(),
        ))
    })
}

fn row(r: &sqlx::any::AnyRow) -> Result<LinkRow, DbError> {
    Ok(LinkRow {
        id: r.try_get("id")?,
        event: r.try_get("event_name")?,
        source_cluster: r.try_get("source_cluster")?,
        source_topic: r.try_get("source_topic")?,
        target_cluster: r.try_get("target_cluster")?,
        target_topic: r.try_get("target_topic")?,
        backend: word(r, "backend", LinkBackend::parse)?,
        state: word(r, "state", LinkState::parse)?,
        retire_at: r.try_get("retire_at")?,
        runner: r.try_get("runner")?,
        copied: r.try_get("copied")?,
        lag: r.try_get("lag")?,
        rate_per_sec: r.try_get("rate_per_sec")?,
        last_error: r.try_get("last_error")?,
        status_at: r.try_get("status_at")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The link's identity: what it copies, from where, to where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkKey<'a> {
    pub event: &'a str,
    pub source_cluster: &'a str,
    pub source_topic: &'a str,
    pub target_cluster: &'a str,
    pub target_topic: &'a str,
}

/// Makes the link `running` (inserting it, or reviving a stopped or retired
/// one: a revived link resumes from its checkpoints). Returns its id.
pub async fn ensure_running(db: &Db, key: &LinkKey<'_>, backend: &str) -> Result<i64, DbError> {
    let at = now();
    sqlx::query(
        "INSERT INTO mesh_links (event_name, source_cluster, source_topic, target_cluster, \
         target_topic, backend, state, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $7) \
         ON CONFLICT (source_cluster, source_topic, target_cluster, target_topic) DO UPDATE \
         SET state = 'running', retire_at = NULL, backend = $6, updated_at = $7",
    )
    .bind(key.event)
    .bind(key.source_cluster)
    .bind(key.source_topic)
    .bind(key.target_cluster)
    .bind(key.target_topic)
    .bind(backend)
    .bind(&at)
    .execute(db.pool())
    .await?;
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM mesh_links WHERE source_cluster = $1 AND source_topic = $2 \
         AND target_cluster = $3 AND target_topic = $4",
    )
    .bind(key.source_cluster)
    .bind(key.source_topic)
    .bind(key.target_cluster)
    .bind(key.target_topic)
    .fetch_one(db.pool())
    .await?;
    Ok(id)
}

/// The id of the link when it is already running on `backend`.
pub async fn running_id(db: &Db, key: &LinkKey<'_>, backend: &str) -> Result<Option<i64>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM mesh_links WHERE source_cluster = $1 AND source_topic = $2 \
         AND target_cluster = $3 AND target_topic = $4 AND state = 'running' AND backend = $5",
    )
    .bind(key.source_cluster)
    .bind(key.source_topic)
    .bind(key.target_cluster)
    .bind(key.target_topic)
    .bind(backend)
    .fetch_optional(db.pool())
    .await?)
}

/// Stops a running link; its mirror topic is deleted at `retire_at`.
/// Returns the link when it was running.
pub async fn stop(db: &Db, key: &LinkKey<'_>, retire_at: &str) -> Result<Option<LinkRow>, DbError> {
    let done = sqlx::query(
        "UPDATE mesh_links SET state = 'stopped', retire_at = $1, runner = NULL, \
         runner_lease = NULL, lag = NULL, rate_per_sec = NULL, updated_at = $2 \
         WHERE source_cluster = $3 AND source_topic = $4 AND target_cluster = $5 \
         AND target_topic = $6 AND state = 'running'",
    )
    .bind(retire_at)
    .bind(now())
    .bind(key.source_cluster)
    .bind(key.source_topic)
    .bind(key.target_cluster)
    .bind(key.target_topic)
    .execute(db.pool())
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let r = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM mesh_links WHERE source_cluster = $1 AND source_topic = $2 \
         AND target_cluster = $3 AND target_topic = $4"
    ))
    .bind(key.source_cluster)
    .bind(key.source_topic)
    .bind(key.target_cluster)
    .bind(key.target_topic)
    .fetch_optional(db.pool())
    .await?;
    r.as_ref().map(row).transpose()
}

/// Housekeeping: the mirror topic is gone; checkpoints are dropped so a new
/// link starts from the beginning of the source.
pub async fn mark_retired(db: &Db, id: i64) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM link_checkpoints WHERE link_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE mesh_links SET state = 'retired', retire_at = NULL, last_error = NULL, \
         updated_at = $1 WHERE id = $2 AND state = 'stopped'",
    )
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> Result<Option<LinkRow>, DbError> {
    let r = sqlx::query(&format!("SELECT {COLUMNS} FROM mesh_links WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(row).transpose()
}

/// Links of a state (all states when `None`), optionally of one event or one
/// cluster (as source or target).
pub async fn list(
    db: &Db,
    state: Option<LinkState>,
    event: Option<&str>,
    cluster: Option<&str>,
) -> Result<Vec<LinkRow>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM mesh_links WHERE ($1 IS NULL OR state = $1) \
         AND ($2 IS NULL OR event_name = $2) \
         AND ($3 IS NULL OR source_cluster = $3 OR target_cluster = $3) ORDER BY id"
    ))
    .bind(state.map(LinkState::as_str))
    .bind(event)
    .bind(cluster)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(row).collect()
}

/// Stopped links whose grace period ended by `at`.
pub async fn due_for_retirement(db: &Db, at: &str) -> Result<Vec<LinkRow>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM mesh_links WHERE state = 'stopped' AND retire_at <= $1 ORDER BY id"
    ))
    .bind(at)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(row).collect()
}

pub async fn set_error(db: &Db, id: i64, error: Option<&str>) -> Result<(), DbError> {
    sqlx::query("UPDATE mesh_links SET last_error = $1, updated_at = $2 WHERE id = $3")
        .bind(error)
        .bind(now())
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Running built-in links that `runner` may take: free, or their lease ran
/// out (their worker died), or already its own.
pub async fn claimable(db: &Db, runner: &str, at: &str) -> Result<Vec<i64>, DbError> {
    sqlx::query_scalar(
        "SELECT id FROM mesh_links WHERE backend = 'builtin' AND state = 'running' \
         AND (runner IS NULL OR runner = $1 OR runner_lease IS NULL OR runner_lease <= $2) \
         ORDER BY id",
    )
    .bind(runner)
    .bind(at)
    .fetch_all(db.pool())
    .await
    .map_err(Into::into)
}

/// Takes or renews the link for `runner` until `lease`; false when another
/// worker holds it or the link is no longer running.
pub async fn hold(db: &Db, id: i64, runner: &str, at: &str, lease: &str) -> Result<bool, DbError> {
    let done = sqlx::query(
        "UPDATE mesh_links SET runner = $1, runner_lease = $2 WHERE id = $3 \
         AND backend = 'builtin' AND state = 'running' \
         AND (runner IS NULL OR runner = $1 OR runner_lease IS NULL OR runner_lease <= $4)",
    )
    .bind(runner)
    .bind(lease)
    .bind(id)
    .bind(at)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Frees a link whatever worker holds it (reconciliation, for a silent one).
pub async fn release(db: &Db, id: i64) -> Result<(), DbError> {
    sqlx::query("UPDATE mesh_links SET runner = NULL, runner_lease = NULL WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Lets go of every link `runner` holds (a stopping worker).
pub async fn release_all(db: &Db, runner: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE mesh_links SET runner = NULL, runner_lease = NULL WHERE runner = $1")
        .bind(runner)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn checkpoints(db: &Db, id: i64) -> Result<BTreeMap<i32, i64>, DbError> {
    let rows =
        sqlx::query("SELECT partition_id, next_offset FROM link_checkpoints WHERE link_id = $1")
            .bind(id)
            .fetch_all(db.pool())
            .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let p: i64 = r.try_get("partition_id")?;
        out.insert(
            i32::try_from(p).unwrap_or_default(),
            r.try_get("next_offset")?,
        );
    }
    Ok(out)
}

/// Stores a batch's next offsets and counts its records, in one transaction,
/// only while `runner` still holds the link. False when it lost the link.
pub async fn save_checkpoints(
    db: &Db,
    id: i64,
    runner: &str,
    next: &BTreeMap<i32, i64>,
    records: usize,
) -> Result<bool, DbError> {
    let mut tx = db.begin().await?;
    let held = sqlx::query(
        "UPDATE mesh_links SET copied = copied + $1 WHERE id = $2 AND runner = $3 \
         AND state = 'running'",
    )
    .bind(i64::try_from(records).unwrap_or(i64::MAX))
    .bind(id)
    .bind(runner)
    .execute(&mut *tx)
    .await?;
    if held.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    for (partition, offset) in next {
        sqlx::query(
            "INSERT INTO link_checkpoints (link_id, partition_id, next_offset) VALUES ($1, $2, $3) \
             ON CONFLICT (link_id, partition_id) DO UPDATE SET next_offset = $3",
        )
        .bind(id)
        .bind(i64::from(*partition))
        .bind(*offset)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The runner's latest measurements.
pub async fn set_status(
    db: &Db,
    id: i64,
    lag: Option<i64>,
    rate_per_sec: i64,
    error: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE mesh_links SET lag = $1, rate_per_sec = $2, last_error = $3, status_at = $4 \
         WHERE id = $5",
    )
    .bind(lag)
    .bind(rate_per_sec)
    .bind(error)
    .bind(now())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}
