//! The series and their points: the only code that reads or writes
//! `metric_series` and `metric_points` (rollups and retention are in
//! `rollup.rs`, which owns the `step > 0` rows' making).

use std::collections::HashMap;

use app::monitoring::{Point, SeriesKind};
use sqlx::Row;

use crate::db::{Db, DbError};

/// Rows written per INSERT statement.
const ROWS_PER_INSERT: usize = 200;

/// What a pass observed for one series: a point (`value`), and for counters
/// the offset total that the next pass computes its rate from.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub kind: SeriesKind,
    pub subject: String,
    /// None: nothing to draw yet (a counter's first observation).
    pub value: Option<f64>,
    pub total: Option<i64>,
}

/// A series and its latest observation.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    pub id: i64,
    pub kind: SeriesKind,
    pub cluster: String,
    pub subject: String,
    pub last_at: Option<i64>,
    pub last_value: Option<f64>,
    pub total: Option<i64>,
    /// When `total` last moved (records arrived; the group committed).
    pub changed_at: Option<i64>,
}

const COLUMNS: &str = "id, kind, cluster_id, subject, last_at, last_value, total, changed_at";

fn series_row(r: &sqlx::any::AnyRow) -> Result<Option<SeriesRow>, DbError> {
    let kind: String = r.try_get("kind")?;
    // A kind of a newer version is not this version's to show.
    let Some(kind) = SeriesKind::parse(&kind) else {
        return Ok(None);
    };
    Ok(Some(SeriesRow {
        id: r.try_get("id")?,
        kind,
        cluster: r.try_get("cluster_id")?,
        subject: r.try_get("subject")?,
        last_at: r.try_get("last_at")?,
        last_value: r.try_get("last_value")?,
        total: r.try_get("total")?,
        changed_at: r.try_get("changed_at")?,
    }))
}

fn rows(found: Vec<sqlx::any::AnyRow>) -> Result<Vec<SeriesRow>, DbError> {
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        out.extend(series_row(r)?);
    }
    Ok(out)
}

/// Every series of a cluster, by kind and subject.
pub async fn of_cluster(
    db: &Db,
    cluster: &str,
) -> Result<HashMap<(SeriesKind, String), SeriesRow>, DbError> {
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM metric_series WHERE cluster_id = $1"
    ))
    .bind(cluster)
    .fetch_all(db.pool())
    .await?;
    Ok(rows(found)?
        .into_iter()
        .map(|s| ((s.kind, s.subject.clone()), s))
        .collect())
}

/// Series of a kind about `subject`, on any cluster.
pub async fn of_subject(
    db: &Db,
    kind: SeriesKind,
    subject: &str,
) -> Result<Vec<SeriesRow>, DbError> {
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM metric_series WHERE kind = $1 AND subject = $2 ORDER BY cluster_id"
    ))
    .bind(kind.as_str())
    .bind(subject)
    .fetch_all(db.pool())
    .await?;
    rows(found)
}

/// Every series of a kind.
pub async fn of_kind(db: &Db, kind: SeriesKind) -> Result<Vec<SeriesRow>, DbError> {
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM metric_series WHERE kind = $1"
    ))
    .bind(kind.as_str())
    .fetch_all(db.pool())
    .await?;
    rows(found)
}

/// Writes a pass's samples of one cluster at `at` (Unix seconds): new series
/// are made, points inserted, latest values updated, in one transaction.
pub async fn write(db: &Db, cluster: &str, at: i64, samples: &[Sample]) -> Result<usize, DbError> {
    let known = of_cluster(db, cluster).await?;
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(samples.len());
    for s in samples {
        let id = match known.get(&(s.kind, s.subject.clone())) {
            Some(row) => row.id,
            None => {
                sqlx::query(
                    "INSERT INTO metric_series (kind, cluster_id, subject) VALUES ($1, $2, $3) \
                     ON CONFLICT (kind, cluster_id, subject) DO NOTHING",
                )
                .bind(s.kind.as_str())
                .bind(cluster)
                .bind(&s.subject)
                .execute(&mut *tx)
                .await?;
                sqlx::query_scalar(
                    "SELECT id FROM metric_series WHERE kind = $1 AND cluster_id = $2 AND subject = $3",
                )
                .bind(s.kind.as_str())
                .bind(cluster)
                .bind(&s.subject)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let before = known.get(&(s.kind, s.subject.clone()));
        // Moved since the last pass; a first commit seen after a pass that
        // saw none counts too. A series seen for the first time says nothing.
        let moved = match (before, s.total) {
            (Some(b), Some(now)) => b.total != Some(now),
            _ => false,
        };
        let changed_at = if moved {
            Some(at)
        } else {
            before.and_then(|b| b.changed_at)
        };
        // Never a NULL float parameter: sqlx's Any driver sends it to
        // PostgreSQL as float4, and the statement cached with that type then
        // refuses float8 values.
        let set_value = if s.value.is_some() {
            "last_value = $5, "
        } else {
            ""
        };
        let sql = format!(
            "UPDATE metric_series SET {set_value}last_at = $1, total = COALESCE($2, total), \
             changed_at = $3 WHERE id = $4"
        );
        let q = sqlx::query(&sql)
            .bind(at)
            .bind(s.total)
            .bind(changed_at)
            .bind(id);
        let q = match s.value {
            Some(v) => q.bind(v),
            None => q,
        };
        q.execute(&mut *tx).await?;
        ids.push(id);
    }
    let points: Vec<(i64, f64)> = ids
        .iter()
        .zip(samples)
        .filter_map(|(id, s)| s.value.map(|v| (*id, v)))
        .collect();
    for chunk in points.chunks(ROWS_PER_INSERT) {
        let mut sql =
            String::from("INSERT INTO metric_points (series_id, step, at, value) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, 0, ${}, ${})",
                i * 3 + 1,
                i * 3 + 2,
                i * 3 + 3
            ));
        }
        sql.push_str(" ON CONFLICT (series_id, step, at) DO NOTHING");
        let mut q = sqlx::query(&sql);
        for (id, v) in chunk {
            q = q.bind(*id).bind(at).bind(*v);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(points.len())
}

/// Points of one series and step in `[from, to)`, oldest first.
pub async fn points(
    db: &Db,
    series: i64,
    step: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Point>, DbError> {
    let found = sqlx::query(
        "SELECT at, value, lo, hi FROM metric_points \
         WHERE series_id = $1 AND step = $2 AND at >= $3 AND at < $4 ORDER BY at",
    )
    .bind(series)
    .bind(step)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        out.push(Point {
            at: r.try_get("at")?,
            value: r.try_get("value")?,
            min: r.try_get("lo")?,
            max: r.try_get("hi")?,
        });
    }
    Ok(out)
}
