//! `monitoring_clusters`: which worker samples a cluster (a lease, so several
//! workers share the clusters and a dead worker's move on), and how its last
//! pass went. The row `*` is the lease of rollups, retention and alerts.

use sqlx::Row;

use crate::db::{flag, stamp, Db, DbError};

/// The lease of the work done once per mesh, not per cluster.
pub const MESH: &str = "*";

/// Takes or renews `cluster` for `runner` until `until`; false when another
/// runner holds it.
pub async fn hold(
    db: &Db,
    cluster: &str,
    runner: &str,
    now: time::OffsetDateTime,
    until: time::OffsetDateTime,
) -> Result<bool, DbError> {
    sqlx::query(
        "INSERT INTO monitoring_clusters (cluster_id) VALUES ($1) ON CONFLICT (cluster_id) DO NOTHING",
    )
    .bind(cluster)
    .execute(db.pool())
    .await?;
    let taken = sqlx::query(
        "UPDATE monitoring_clusters SET runner = $1, runner_lease = $2 WHERE cluster_id = $3 \
         AND (runner IS NULL OR runner = $1 OR runner_lease IS NULL OR runner_lease <= $4)",
    )
    .bind(runner)
    .bind(stamp(until))
    .bind(cluster)
    .bind(stamp(now))
    .execute(db.pool())
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Lets go of everything `runner` holds (a stopping worker).
pub async fn release_all(db: &Db, runner: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE monitoring_clusters SET runner = NULL, runner_lease = NULL WHERE runner = $1",
    )
    .bind(runner)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records a pass: its duration, and the error that made it fail, if any.
pub async fn record(
    db: &Db,
    cluster: &str,
    at: time::OffsetDateTime,
    pass_ms: i64,
    error: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE monitoring_clusters SET last_pass_at = $1, pass_ms = $2, reachable = $3, \
         last_error = $4, passes = passes + 1, failures = failures + $5 WHERE cluster_id = $6",
    )
    .bind(stamp(at))
    .bind(pass_ms)
    .bind(i64::from(error.is_none()))
    .bind(error)
    .bind(i64::from(error.is_some()))
    .bind(cluster)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// How a cluster's sampling went last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassState {
    pub cluster: String,
    pub last_pass_at: Option<String>,
    pub pass_ms: Option<i64>,
    pub reachable: bool,
    pub last_error: Option<String>,
}

pub async fn states(db: &Db) -> Result<Vec<PassState>, DbError> {
    let found = sqlx::query(
        "SELECT cluster_id, last_pass_at, pass_ms, reachable, last_error FROM monitoring_clusters \
         WHERE cluster_id <> $1 ORDER BY cluster_id",
    )
    .bind(MESH)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        out.push(PassState {
            cluster: r.try_get("cluster_id")?,
            last_pass_at: r.try_get("last_pass_at")?,
            pass_ms: r.try_get("pass_ms")?,
            reachable: flag(r, "reachable")?,
            last_error: r.try_get("last_error")?,
        });
    }
    Ok(out)
}
