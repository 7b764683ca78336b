//! The series and their points: the only code that reads or writes
//! `metric_series` and `metric_blocks` (what rollups and retention compute
//! is in `rollup.rs`; how points are packed is `block.rs`).

use std::collections::{BTreeMap, HashMap};

use app::monitoring::{Point, SeriesKind};
use sqlx::Row;

use super::block;
use crate::db::{Db, DbError, Tx};

/// Blocks written per INSERT statement.
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
/// are made, points appended to their blocks, latest values updated, in one
/// transaction.
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
    let points: Vec<(i64, Point)> = ids
        .iter()
        .zip(samples)
        .filter_map(|(id, s)| {
            s.value.map(|value| {
                let point = Point {
                    at,
                    value,
                    min: None,
                    max: None,
                };
                (*id, point)
            })
        })
        .collect();
    append(db, &mut tx, 0, &points).await?;
    tx.commit().await?;
    Ok(points.len())
}

/// Appends points of one level to their series' blocks, one upsert per
/// block touched, in the caller's transaction.
pub async fn append(
    db: &Db,
    tx: &mut Tx,
    step: i64,
    points: &[(i64, Point)],
) -> Result<usize, DbError> {
    let mut blocks: BTreeMap<(i64, i64), Vec<Point>> = BTreeMap::new();
    for (series, p) in points {
        blocks
            .entry((*series, block::start_of(step, p.at)))
            .or_default()
            .push(p.clone());
    }
    let blocks: Vec<(i64, i64, Vec<u8>)> = blocks
        .into_iter()
        .map(|((series, start), pts)| (series, start, block::encode(step, start, &pts)))
        .collect();
    let grow = db.append_bytes("metric_blocks.data", "excluded.data");
    for chunk in blocks.chunks(ROWS_PER_INSERT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${})",
                    i * 4 + 1,
                    i * 4 + 2,
                    i * 4 + 3,
                    i * 4 + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO metric_blocks (series_id, step, start, data) VALUES {} \
             ON CONFLICT (series_id, step, start) DO UPDATE SET data = {grow}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (series, start, data) in chunk {
            q = q.bind(*series).bind(step).bind(*start).bind(data.clone());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(points.len())
}

fn decode_rows(
    step: i64,
    from: i64,
    to: i64,
    found: &[sqlx::any::AnyRow],
) -> Result<BTreeMap<i64, Vec<Point>>, DbError> {
    let mut out: BTreeMap<i64, Vec<Point>> = BTreeMap::new();
    for r in found {
        let data: Vec<u8> = r.try_get("data")?;
        let points = block::decode(step, r.try_get("start")?, &data);
        out.entry(r.try_get("series_id")?)
            .or_default()
            .extend(points.into_iter().filter(|p| p.at >= from && p.at < to));
    }
    Ok(out)
}

/// Points of one series and step in `[from, to)`, oldest first.
pub async fn points(
    db: &Db,
    series: i64,
    step: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Point>, DbError> {
    // A block starting up to a span before `from` may hold points after it.
    let found = sqlx::query(
        "SELECT series_id, start, data FROM metric_blocks \
         WHERE series_id = $1 AND step = $2 AND start > $3 AND start < $4 ORDER BY start",
    )
    .bind(series)
    .bind(step)
    .bind(from - block::span(step))
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    Ok(decode_rows(step, from, to, &found)?
        .remove(&series)
        .unwrap_or_default())
}

/// Every series' points of one step in `[from, to)`, by series id.
pub async fn level_points(
    db: &Db,
    step: i64,
    from: i64,
    to: i64,
) -> Result<BTreeMap<i64, Vec<Point>>, DbError> {
    let found = sqlx::query(
        "SELECT series_id, start, data FROM metric_blocks \
         WHERE step = $1 AND start > $2 AND start < $3",
    )
    .bind(step)
    .bind(from - block::span(step))
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    decode_rows(step, from, to, &found)
}

/// Where the oldest block of a step starts, if there is one.
pub async fn first_start(db: &Db, step: i64) -> Result<Option<i64>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT MIN(start) FROM metric_blocks WHERE step = $1")
            .bind(step)
            .fetch_one(db.pool())
            .await?,
    )
}

/// Deletes the blocks of a step that end by `before`; returns how many.
pub async fn expire_blocks(db: &Db, step: i64, before: i64) -> Result<u64, DbError> {
    Ok(
        sqlx::query("DELETE FROM metric_blocks WHERE step = $1 AND start <= $2")
            .bind(step)
            .bind(before - block::span(step))
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

/// Deletes series nothing was observed for since `before`.
pub async fn forget_series(db: &Db, before: i64) -> Result<u64, DbError> {
    Ok(
        sqlx::query("DELETE FROM metric_series WHERE last_at IS NOT NULL AND last_at < $1")
            .bind(before)
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

/// Moves the points of up to `series` series that a version before blocks
/// wrote (one row each in `metric_points`) into blocks; returns how many
/// series it moved, 0 when none are left.
pub async fn adopt_rows(db: &Db, series: i64) -> Result<usize, DbError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT series_id FROM metric_points ORDER BY series_id LIMIT $1",
    )
    .bind(series)
    .fetch_all(db.pool())
    .await?;
    for id in &ids {
        let mut tx = db.begin().await?;
        let found = sqlx::query(
            "SELECT step, at, value, lo, hi FROM metric_points WHERE series_id = $1 ORDER BY at",
        )
        .bind(*id)
        .fetch_all(&mut *tx)
        .await?;
        let mut by_step: BTreeMap<i64, Vec<(i64, Point)>> = BTreeMap::new();
        for r in &found {
            by_step.entry(r.try_get("step")?).or_default().push((
                *id,
                Point {
                    at: r.try_get("at")?,
                    value: r.try_get("value")?,
                    min: r.try_get("lo")?,
                    max: r.try_get("hi")?,
                },
            ));
        }
        for (step, points) in &by_step {
            append(db, &mut tx, *step, points).await?;
        }
        sqlx::query("DELETE FROM metric_points WHERE series_id = $1")
            .bind(*id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(ids.len())
}
