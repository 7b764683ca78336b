//! Chart queries on the filled store: `rollup::chart_points` for random series
//! and ranges, one at a time, as the portal asks them.

use std::time::{Duration, Instant};

use app::monitoring::ChartRange;
use serde_json::{json, Value};
use switchboard::db::Db;
use switchboard::monitoring::rollup::chart_points;

use crate::common::report::{round, Stats};
use crate::common::rng::Rng;
use crate::storage::Series;

const RANGES: [ChartRange; 4] = [
    ChartRange::Hour,
    ChartRange::Day,
    ChartRange::Week,
    ChartRange::Month,
];

pub async fn measure(
    db: &Db,
    series: &[Series],
    queries: usize,
    now: i64,
) -> anyhow::Result<Value> {
    anyhow::ensure!(!series.is_empty(), "no series to query");
    let mut rng = Rng::new(0x6368_6172);
    // A few warm-up queries (connections, statement cache), not counted.
    for s in series.iter().take(20) {
        chart_points(db, s.id, ChartRange::Day, now).await?;
    }
    let mut all = Vec::with_capacity(queries);
    let mut by_range: Vec<(Vec<Duration>, usize)> = vec![(Vec::new(), 0); RANGES.len()];
    for _ in 0..queries {
        let s = rng.pick(series);
        let r = rng.below(RANGES.len());
        let started = Instant::now();
        let (_, points) = chart_points(db, s.id, RANGES[r], now).await?;
        let took = started.elapsed();
        all.push(took);
        by_range[r].0.push(took);
        by_range[r].1 += points.len();
    }
    let ranges: Vec<Value> = RANGES
        .iter()
        .zip(by_range)
        .map(|(range, (times, points))| {
            let n = times.len();
            let mut v = Stats::of(times).json();
            v["range"] = json!(range.as_str());
            v["mean_points"] = json!(round(points as f64 / n.max(1) as f64, 1));
            v
        })
        .collect();
    Ok(json!({
        "queries": queries,
        "overall": Stats::of(all).json(),
        "ranges": ranges,
    }))
}
