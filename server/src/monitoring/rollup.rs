//! Resolutions: raw samples roll up into 5-minute buckets, those into hourly
//! ones; each level is deleted after its retention. A chart reads the level
//! of its range and fills the part not yet rolled up from the finer levels.

use app::monitoring::{ChartRange, Point};

use super::config::MonitoringConfig;
use super::store;
use crate::db::{Db, DbError};

/// Rollup steps, finest first; each is made from the level before it.
pub const STEPS: [i64; 2] = [300, 3_600];

/// The longest span one rollup transaction covers, so a long outage is
/// caught up in bounded steps (an hour of raw points is one block per series).
const CATCH_UP: i64 = 3_600;

/// Series whose rows of an earlier version are moved into blocks per pass.
const ADOPT_PER_PASS: i64 = 500;

/// The step a chart of `range` is drawn at (0 = raw).
pub fn step_of(range: ChartRange) -> i64 {
    match range {
        ChartRange::Hour => 0,
        ChartRange::Day => 300,
        ChartRange::Week | ChartRange::Month => 3_600,
    }
}

/// Makes every complete bucket not made yet, up to `now`.
pub async fn roll_up(db: &Db, now: i64) -> Result<(), DbError> {
    // Points an earlier version stored one per row join their blocks first.
    store::adopt_rows(db, ADOPT_PER_PASS).await?;
    let mut source = 0;
    for step in STEPS {
        let done: Option<i64> =
            sqlx::query_scalar("SELECT done_until FROM metric_rollups WHERE step = $1")
                .bind(step)
                .fetch_optional(db.pool())
                .await?;
        let end = now - now.rem_euclid(step);
        let start = match done {
            Some(d) => d,
            None => match store::first_start(db, source).await? {
                Some(f) => f - f.rem_euclid(step),
                None => end,
            },
        };
        let mut from = start;
        while from < end {
            let to = (from + CATCH_UP).min(end);
            let found = store::level_points(db, source, from, to).await?;
            let rows: Vec<(i64, Point)> = found
                .iter()
                .flat_map(|(series, points)| bucket(points, step).into_iter().map(|p| (*series, p)))
                .collect();
            let mut tx = db.begin().await?;
            store::append(db, &mut tx, step, &rows).await?;
            sqlx::query(
                "INSERT INTO metric_rollups (step, done_until) VALUES ($1, $2) \
                 ON CONFLICT (step) DO UPDATE SET done_until = excluded.done_until",
            )
            .bind(step)
            .bind(to)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            from = to;
        }
        if done.is_none() && start >= end {
            sqlx::query(
                "INSERT INTO metric_rollups (step, done_until) VALUES ($1, $2) \
                 ON CONFLICT (step) DO NOTHING",
            )
            .bind(step)
            .bind(end)
            .execute(db.pool())
            .await?;
        }
        source = step;
    }
    Ok(())
}

/// Deletes the blocks each level keeps no longer; returns how many.
pub async fn expire(db: &Db, config: &MonitoringConfig, now: i64) -> Result<u64, DbError> {
    let keep = [
        (0, config.raw_hours.max(1) * 3_600),
        (300, config.five_minute_days.max(1) * 86_400),
        (3_600, config.retention_days.max(1) * 86_400),
    ];
    let mut deleted = 0;
    for (step, secs) in keep {
        let before = now - i64::try_from(secs).unwrap_or(i64::MAX / 2);
        deleted += store::expire_blocks(db, step, before).await?;
    }
    // A series nothing was observed for during the whole retention is gone.
    let before = now - i64::try_from(config.retention_days.max(1) * 86_400).unwrap_or(0);
    store::forget_series(db, before).await?;
    Ok(deleted)
}

/// A series over `range` up to `now`: points of the range's level, then the
/// newer part from the finer levels, bucketed to the same step.
pub async fn chart_points(
    db: &Db,
    series: i64,
    range: ChartRange,
    now: i64,
) -> Result<(i64, Vec<Point>), DbError> {
    let step = step_of(range);
    let from = now - range.secs();
    let mut out = store::points(db, series, step, from, now + 1).await?;
    let mut cursor = out.last().map(|p| p.at + step.max(1)).unwrap_or(from);
    let finer: Vec<i64> = [300, 0].into_iter().filter(|s| *s < step).collect();
    for level in finer {
        let newer = store::points(db, series, level, cursor, now + 1).await?;
        if newer.is_empty() {
            continue;
        }
        let bucketed = bucket(&newer, step);
        cursor = bucketed.last().map(|p| p.at + step).unwrap_or(cursor);
        out.extend(bucketed);
    }
    Ok((step, out))
}

/// Averages points into buckets of `step` seconds (min and max kept).
pub fn bucket(points: &[Point], step: i64) -> Vec<Point> {
    if step <= 0 {
        return points.to_vec();
    }
    let mut out: Vec<(Point, usize)> = Vec::new();
    for p in points {
        let at = p.at - p.at.rem_euclid(step);
        let lo = p.min.unwrap_or(p.value);
        let hi = p.max.unwrap_or(p.value);
        match out.last_mut() {
            Some((b, n)) if b.at == at => {
                b.value += p.value;
                *n += 1;
                b.min = Some(b.min.map_or(lo, |m| m.min(lo)));
                b.max = Some(b.max.map_or(hi, |m| m.max(hi)));
            }
            _ => out.push((
                Point {
                    at,
                    value: p.value,
                    min: Some(lo),
                    max: Some(hi),
                },
                1,
            )),
        }
    }
    out.into_iter()
        .map(|(mut p, n)| {
            p.value /= n as f64;
            p
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(at: i64, value: f64) -> Point {
        Point {
            at,
            value,
            min: None,
            max: None,
        }
    }

    #[test]
    fn buckets_average_and_keep_extremes() {
        let b = bucket(&[p(600, 1.0), p(630, 3.0), p(900, 5.0)], 300);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].at, b[0].value, b[0].min, b[0].max),
            (600, 2.0, Some(1.0), Some(3.0))
        );
        assert_eq!((b[1].at, b[1].value), (900, 5.0));
    }

    #[test]
    fn ranges_pick_their_level() {
        assert_eq!(step_of(ChartRange::Hour), 0);
        assert_eq!(step_of(ChartRange::Day), 300);
        assert_eq!(step_of(ChartRange::Month), 3_600);
    }
}
