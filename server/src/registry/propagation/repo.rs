//! Propagation's SQL: copies made, per-cluster retry state, and the derived
//! list of versions still to copy.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use crate::db::{self, Db, DbError};
use crate::registry::SchemaReference;

/// A live subject version that a cluster's registry does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub subject: String,
    pub version: i32,
    pub schema_id: i64,
    pub references: Vec<SchemaReference>,
}

/// A cluster's retry state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    pub cluster_id: String,
    /// Consecutive failed passes; 0 once a pass copied everything.
    pub attempts: i64,
    pub last_error: Option<String>,
    /// RFC 3339; `None` means "at the next pass".
    pub next_attempt_at: Option<String>,
}

fn to_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Live versions the cluster has no copy of, with their references, in
/// schema-id order (the worker orders them further so references go first).
pub async fn outstanding(db: &Db, cluster_id: &str) -> Result<Vec<Pending>, DbError> {
    let missing = "FROM registry_versions v WHERE v.deleted = 0 AND NOT EXISTS ( \
           SELECT 1 FROM registry_copies c \
           WHERE c.cluster_id = $1 AND c.subject = v.subject AND c.version = v.version)";
    let rows = sqlx::query(&format!(
        "SELECT v.subject, v.version, v.schema_id {missing} \
         ORDER BY v.schema_id, v.subject, v.version"
    ))
    .bind(cluster_id)
    .fetch_all(db.pool())
    .await?;
    let refs = sqlx::query(&format!(
        "SELECT schema_id, name, ref_subject, ref_version FROM registry_references \
         WHERE schema_id IN (SELECT v.schema_id {missing}) ORDER BY schema_id, position"
    ))
    .bind(cluster_id)
    .fetch_all(db.pool())
    .await?;
    let mut by_schema: HashMap<i64, Vec<SchemaReference>> = HashMap::new();
    for r in &refs {
        by_schema
            .entry(r.try_get("schema_id")?)
            .or_default()
            .push(SchemaReference {
                name: r.try_get("name")?,
                subject: r.try_get("ref_subject")?,
                version: to_i32(r.try_get::<i64, _>("ref_version")?),
            });
    }
    rows.iter()
        .map(|r| {
            let schema_id: i64 = r.try_get("schema_id")?;
            Ok(Pending {
                subject: r.try_get("subject")?,
                version: to_i32(r.try_get::<i64, _>("version")?),
                schema_id,
                references: by_schema.get(&schema_id).cloned().unwrap_or_default(),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Records that the cluster's registry holds this version (a second record is a no-op).
pub async fn record_copy(
    db: &Db,
    cluster_id: &str,
    subject: &str,
    version: i32,
    schema_id: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO registry_copies (cluster_id, subject, version, schema_id, copied_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (cluster_id, subject, version) DO NOTHING",
    )
    .bind(cluster_id)
    .bind(subject)
    .bind(i64::from(version))
    .bind(schema_id)
    .bind(db::now())
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn statuses(db: &Db) -> Result<Vec<StatusRow>, DbError> {
    let rows = sqlx::query(
        "SELECT cluster_id, attempts, last_error, next_attempt_at FROM registry_copy_status \
         ORDER BY cluster_id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StatusRow {
                cluster_id: r.try_get("cluster_id")?,
                attempts: r.try_get("attempts")?,
                last_error: r.try_get("last_error")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Writes a cluster's retry state: `attempts` 0 and no error after a clean pass.
pub async fn put_status(
    db: &Db,
    cluster_id: &str,
    attempts: i64,
    last_error: Option<&str>,
    next_attempt_at: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO registry_copy_status \
           (cluster_id, attempts, last_error, next_attempt_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (cluster_id) DO UPDATE SET attempts = $2, last_error = $3, \
           next_attempt_at = $4, updated_at = $5",
    )
    .bind(cluster_id)
    .bind(attempts)
    .bind(last_error)
    .bind(next_attempt_at)
    .bind(db::now())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Forgets what a cluster's registry holds (its registry URL changed): the
/// next pass copies everything to the new one.
pub async fn forget_cluster(conn: &mut AnyConnection, cluster_id: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM registry_copies WHERE cluster_id = $1")
        .bind(cluster_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM registry_copy_status WHERE cluster_id = $1")
        .bind(cluster_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Live version numbers of a subject, oldest first.
pub async fn live_versions(db: &Db, subject: &str) -> Result<Vec<i32>, DbError> {
    let rows: Vec<i64> = sqlx::query_scalar(
        "SELECT version FROM registry_versions WHERE subject = $1 AND deleted = 0 \
         ORDER BY version",
    )
    .bind(subject)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(to_i32).collect())
}

/// (cluster, version) of every copy of a subject's versions.
pub async fn copies_of_subject(db: &Db, subject: &str) -> Result<Vec<(String, i32)>, DbError> {
    let rows = sqlx::query(
        "SELECT cluster_id, version FROM registry_copies WHERE subject = $1 \
         ORDER BY cluster_id, version",
    )
    .bind(subject)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("cluster_id")?,
                to_i32(r.try_get::<i64, _>("version")?),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}
