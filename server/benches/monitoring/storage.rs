//! The steady-state store of a mesh: what the retention keeps of every series
//! (raw points for a day, 5-minute rollups for a week, hourly ones for 30
//! days), packed into `metric_blocks` by `monitoring::block` and written
//! with multi-row INSERTs in big transactions (a fill, not the sampler's
//! append path, which the sampling pass measures), then measured.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use app::monitoring::Point;
use serde_json::{json, Value};
use sqlx::Row;
use switchboard::db::{Backend, Db};
use switchboard::monitoring::block;

use crate::common::report::round;
use crate::common::rng::Rng;

/// The mesh's clusters; series are spread over them in blocks, so the first
/// third of topics and groups is on `onprem` (what the sampling pass reuses).
pub const CLUSTERS: [&str; 3] = ["onprem", "aws", "gcp"];

/// Series rows per INSERT statement; blocks per INSERT (four parameters
/// each); statements per transaction.
const ROWS_PER_INSERT: usize = 1_000;
const BLOCKS_PER_INSERT: usize = 200;
const INSERTS_PER_TX: usize = 50;

/// One retention level: its step, how many points a series keeps, and the
/// spacing of those points.
#[derive(Clone, Copy)]
pub struct Level {
    pub name: &'static str,
    pub step: i64,
    pub spacing: i64,
    pub points: i64,
}

pub const LEVELS: [Level; 3] = [
    Level {
        name: "raw (30 s, 1 day)",
        step: 0,
        spacing: 30,
        points: 2_880,
    },
    Level {
        name: "5-minute rollups (7 days)",
        step: 300,
        spacing: 300,
        points: 7 * 288,
    },
    Level {
        name: "hourly rollups (30 days)",
        step: 3_600,
        spacing: 3_600,
        points: 30 * 24,
    },
];

/// The timestamps a level holds at `now`: raw samples up to `now`, rollup
/// buckets (by their start) that ended by `now`.
pub fn times(level: Level, now: i64) -> impl Iterator<Item = i64> {
    let first = if level.step == 0 {
        now - (level.points - 1) * level.spacing
    } else {
        now - level.points * level.spacing
    };
    (0..level.points).map(move |k| first + k * level.spacing)
}

/// A series of the fill and the traffic it models.
#[derive(Clone)]
pub struct Series {
    pub id: i64,
    pub lag: bool,
    /// Records/s (topics) or the usual lag (groups).
    base: f64,
    phase: f64,
    /// Groups: 0 keeps up (lag 0..10), 1 drifts (0..500), 2 falls behind.
    class: u8,
}

impl Series {
    fn model(id: i64, lag: bool, index: usize) -> Series {
        let mut rng = Rng::for_item(if lag { 41 } else { 40 }, index);
        let u = rng.below(1_000_000) as f64 / 1e6;
        let phase = rng.below(6_283) as f64 / 1_000.0;
        if lag {
            let class = match rng.below(100) {
                0..70 => 0,
                70..95 => 1,
                _ => 2,
            };
            let base = match class {
                0 => 3.0,
                1 => 150.0,
                _ => 2_000.0 + 48_000.0 * u,
            };
            Series {
                id,
                lag,
                base,
                phase,
                class,
            }
        } else {
            // A tenth of topics idle, the rest 0.1 to 1,000 records/s.
            let base = if rng.chance(10) {
                0.0
            } else {
                10f64.powf(u * 4.0 - 1.0)
            };
            Series {
                id,
                lag,
                base,
                phase,
                class: 0,
            }
        }
    }

    fn daily(&self, at: i64) -> f64 {
        1.0 + 0.3 * (std::f64::consts::TAU * at as f64 / 86_400.0 + self.phase).sin()
    }

    fn noise(rng: &mut Rng, width: f64) -> f64 {
        (rng.below(2_000_001) as f64 / 1e6 - 1.0) * width
    }

    /// One raw sample: a rate from a whole count over 30 s, or a lag in records.
    fn raw(&self, rng: &mut Rng, at: i64) -> f64 {
        if self.lag {
            match self.class {
                0 => {
                    if rng.chance(60) {
                        0.0
                    } else {
                        rng.below(10) as f64
                    }
                }
                1 => rng.below(500) as f64,
                _ => (self.base * self.daily(at) * (1.0 + Self::noise(rng, 0.3))).round(),
            }
        } else {
            let count =
                (self.base * self.daily(at) * (1.0 + Self::noise(rng, 0.15)) * 30.0).round();
            count.max(0.0) / 30.0
        }
    }

    /// A rollup bucket: average, low and high of its `n` samples.
    fn bucket(&self, rng: &mut Rng, at: i64, n: usize) -> (f64, f64, f64) {
        let mut sum = 0.0;
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        // A few samples stand for the bucket's spread (they need not be all of them).
        let drawn = n.min(6);
        for k in 0..drawn {
            let v = self.raw(rng, at + k as i64 * 30);
            sum += v;
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let avg = sum / drawn as f64;
        // Averages of n samples: rates and lags of whole counts over n.
        let avg = (avg * n as f64).round() / n as f64;
        (avg, lo.min(avg), hi.max(avg))
    }
}

/// Makes the series rows (`topic_rate` `event-<n>`, `group_lag` `<grant n>`)
/// and returns them with their ids.
async fn make_series(db: &Db, topics: usize, groups: usize) -> anyhow::Result<Vec<Series>> {
    let mut conn = db.pool().acquire().await?;
    let mut wanted: Vec<(bool, String, &str)> = Vec::with_capacity(topics + groups);
    for n in 0..topics {
        wanted.push((false, format!("event-{n}"), CLUSTERS[n * 3 / topics.max(1)]));
    }
    for n in 1..=groups {
        wanted.push((true, n.to_string(), CLUSTERS[(n - 1) * 3 / groups.max(1)]));
    }
    sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
    for chunk in wanted.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from("INSERT INTO metric_series (kind, cluster_id, subject) VALUES ");
        for (i, (lag, subject, cluster)) in chunk.iter().enumerate() {
            let kind = if *lag { "group_lag" } else { "topic_rate" };
            let sep = if i > 0 { "," } else { "" };
            write!(sql, "{sep}('{kind}','{cluster}','{subject}')")?;
        }
        sqlx::raw_sql(&sql).execute(&mut *conn).await?;
    }
    sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
    let rows = sqlx::query("SELECT id, kind, subject FROM metric_series ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    let mut topic_i = 0;
    let mut group_i = 0;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let kind: String = r.try_get("kind")?;
        let lag = kind == "group_lag";
        let index = if lag { &mut group_i } else { &mut topic_i };
        out.push(Series::model(r.try_get("id")?, lag, *index));
        *index += 1;
    }
    Ok(out)
}

/// Bytes the points take: the SQLite file (after a checkpoint) or
/// `pg_total_relation_size('metric_blocks')`.
pub async fn size(db: &Db, file: Option<&Path>) -> anyhow::Result<u64> {
    match db.backend() {
        Backend::Sqlite => {
            sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(db.pool())
                .await?;
            let file = file.ok_or_else(|| anyhow::anyhow!("no SQLite file"))?;
            let wal = file.with_extension("db-wal");
            Ok(std::fs::metadata(file)?.len() + std::fs::metadata(wal).map_or(0, |m| m.len()))
        }
        Backend::Postgres => {
            let bytes: i64 = sqlx::query_scalar("SELECT pg_total_relation_size('metric_blocks')")
                .fetch_one(db.pool())
                .await?;
            Ok(u64::try_from(bytes).unwrap_or(0))
        }
    }
}

/// One multi-row INSERT of whole blocks.
async fn insert_blocks(
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
    step: i64,
    blocks: &[(i64, i64, Vec<u8>)],
) -> anyhow::Result<()> {
    let mut sql = String::from("INSERT INTO metric_blocks (series_id, step, start, data) VALUES ");
    for i in 0..blocks.len() {
        let sep = if i > 0 { "," } else { "" };
        let n = i * 4;
        write!(sql, "{sep}(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4)?;
    }
    let mut q = sqlx::query(&sql);
    for (series, start, data) in blocks {
        q = q.bind(*series).bind(step).bind(*start).bind(data.clone());
    }
    q.execute(&mut **conn).await?;
    Ok(())
}

/// Fills the store for `topics` + `groups` series at `now`; returns the series
/// and the figures (rows, bytes and time per level).
pub async fn fill(
    db: &Db,
    file: Option<&Path>,
    topics: usize,
    groups: usize,
    now: i64,
) -> anyhow::Result<(Vec<Series>, Value)> {
    let started = Instant::now();
    let series = make_series(db, topics, groups).await?;
    let empty = size(db, file).await?;
    let mut conn = db.pool().acquire().await?;
    if db.backend() == Backend::Sqlite {
        // A bigger page cache for the fill connection only (15,000 series'
        // tails are written at every timestamp); it does not change the file.
        sqlx::raw_sql("PRAGMA cache_size = -524288")
            .execute(&mut *conn)
            .await?;
    }
    let mut rng = Rng::new(0x6d6f_6e69);
    let mut levels = Vec::new();
    let mut before = empty;
    let mut total_rows = 0u64;
    for level in LEVELS {
        let level_started = Instant::now();
        let all: Vec<i64> = times(level, now).collect();
        let mut rows = 0u64;
        let mut blocks = 0u64;
        let mut pending: Vec<(i64, i64, Vec<u8>)> = Vec::with_capacity(BLOCKS_PER_INSERT);
        let mut in_tx = 0;
        sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
        // Time order, block by block with every series in each: the order
        // in which the sampler and the rollups fill blocks.
        let step = level.step;
        for chunk in all.chunk_by(|a, b| block::start_of(step, *a) == block::start_of(step, *b)) {
            let start = block::start_of(step, chunk[0]);
            for s in &series {
                let points: Vec<Point> = chunk
                    .iter()
                    .map(|&at| {
                        if step == 0 {
                            let value = s.raw(&mut rng, at);
                            Point {
                                at,
                                value,
                                min: None,
                                max: None,
                            }
                        } else {
                            let (value, lo, hi) = s.bucket(&mut rng, at, (step / 30) as usize);
                            Point {
                                at,
                                value,
                                min: Some(lo),
                                max: Some(hi),
                            }
                        }
                    })
                    .collect();
                rows += points.len() as u64;
                blocks += 1;
                pending.push((s.id, start, block::encode(step, start, &points)));
                if pending.len() == BLOCKS_PER_INSERT {
                    insert_blocks(&mut conn, step, &pending).await?;
                    pending.clear();
                    in_tx += 1;
                    if in_tx == INSERTS_PER_TX {
                        sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
                        sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
                        in_tx = 0;
                    }
                }
            }
        }
        if !pending.is_empty() {
            insert_blocks(&mut conn, step, &pending).await?;
        }
        sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
        let secs = level_started.elapsed().as_secs_f64();
        let after = size(db, file).await?;
        let bytes = after.saturating_sub(before);
        eprintln!(
            "[monitoring] {:?} {}: {rows} rows in {secs:.0} s, {:.1} MiB",
            db.backend(),
            level.name,
            bytes as f64 / 1_048_576.0
        );
        levels.push(json!({
            "level": level.name,
            "step": level.step,
            "points_per_series": level.points,
            "rows": rows,
            "blocks": blocks,
            "bytes": bytes,
            "bytes_per_point": round(bytes as f64 / rows.max(1) as f64, 1),
            "fill_secs": round(secs, 1),
            "rows_per_sec": (rows as f64 / secs.max(1e-9)).round() as u64,
        }));
        total_rows += rows;
        before = after;
    }
    drop(conn);
    if db.backend() == Backend::Postgres {
        // What autovacuum would have done by then; the planner needs it.
        sqlx::raw_sql("ANALYZE metric_blocks")
            .execute(db.pool())
            .await?;
    }
    let total = size(db, file).await?;
    Ok((
        series,
        json!({
            "series": topics + groups,
            "topics": topics,
            "groups": groups,
            "rows": total_rows,
            "empty_bytes": empty,
            "total_bytes": total,
            "points_bytes": total.saturating_sub(empty),
            "bytes_per_point": round(total.saturating_sub(empty) as f64 / total_rows.max(1) as f64, 1),
            "fill_secs": round(started.elapsed().as_secs_f64(), 1),
            "levels": levels,
        }),
    ))
}
