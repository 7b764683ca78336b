//! The pure geometry of a line chart: linear scales, "nice" value ticks,
//! time ticks on round UTC boundaries, their labels, and where a series has
//! gaps. No view code, so it is unit-tested.

use crate::format::{day_month, hh_mm, number, weekday_day};
use crate::monitoring::{ChartRange, Point};

/// Maps a domain `[d0, d1]` onto a range `[r0, r1]` (either may be reversed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self {
            d0: domain.0,
            d1: domain.1,
            r0: range.0,
            r1: range.1,
        }
    }

    pub fn map(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span == 0.0 {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
    }
}

/// Value ticks: about `target` round steps (1, 2 or 5 × 10ⁿ) covering
/// `[lo, hi]`, the first at or below `lo`, the last at or above `hi`.
/// An empty or flat extent gets `0..1` (or a step around the value).
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (mut lo, mut hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < f64::EPSILON * hi.abs().max(1.0) {
        if hi == 0.0 {
            hi = 1.0;
        } else if hi > 0.0 {
            lo = lo.min(0.0);
            hi *= 1.0 + f64::EPSILON * 4.0;
        } else {
            hi = 0.0;
        }
    }
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let first = (lo / step).floor();
    let last = (hi / step).ceil();
    let n = (last - first) as i64;
    (0..=n).map(|i| (first + i as f64) * step).collect()
}

/// The smallest 1, 2, 5 × 10ⁿ at or above `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powi(raw.log10().floor() as i32);
    let norm = raw / magnitude;
    let factor = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    factor * magnitude
}

/// A value tick's label: separators for large values, few decimals for small.
pub fn value_label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{}G", number(v / 1e9))
    } else if a >= 1e6 {
        format!("{}M", number(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", number(v / 1e3))
    } else {
        number(v)
    }
}

/// Intervals time ticks may fall on, in seconds: round minutes, hours, days.
const TIME_STEPS: [i64; 14] = [
    60, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 172_800, 345_600,
    604_800,
];

/// Time ticks within `[from, to]` on multiples (since the epoch, UTC) of the
/// smallest interval that gives at most `max` of them.
pub fn time_ticks(from: i64, to: i64, max: usize) -> Vec<i64> {
    if to <= from {
        return Vec::new();
    }
    let span = to - from;
    let step = TIME_STEPS
        .iter()
        .copied()
        .find(|s| span / s <= max.max(1) as i64)
        .unwrap_or_else(|| span / max.max(1) as i64 + 1);
    let first = from.div_euclid(step) * step;
    let first = if first < from { first + step } else { first };
    (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= to)
        .collect()
}

/// A time tick's label: `12:05` for an hour or a day, `Mon 5` for a week,
/// `5 Dec` for a month.
pub fn time_label(t: i64, range: ChartRange) -> String {
    match range {
        ChartRange::Hour | ChartRange::Day => hh_mm(t),
        ChartRange::Week => weekday_day(t),
        ChartRange::Month => day_month(t),
    }
}

/// When a point was, for its tooltip: `12:05 UTC`, with the day on longer ranges.
pub fn point_time(t: i64, range: ChartRange) -> String {
    match range {
        ChartRange::Hour | ChartRange::Day => format!("{} UTC", hh_mm(t)),
        ChartRange::Week | ChartRange::Month => {
            format!("{} {} UTC", day_month(t), hh_mm(t))
        }
    }
}

/// Runs of points with no gap: a gap is two neighbours more than 2.5 steps
/// apart (samples missed). Points must be in time order.
pub fn segments(points: &[Point], step_secs: i64) -> Vec<&[Point]> {
    let limit = step_secs.max(1) as f64 * 2.5;
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if (points[i].at - points[i - 1].at) as f64 > limit {
            out.push(&points[start..i]);
            start = i;
        }
    }
    if start < points.len() {
        out.push(&points[start..]);
    }
    out
}

/// The lowest and highest value of the points, band extremes included.
pub fn extent<'a>(points: impl IntoIterator<Item = &'a Point>) -> Option<(f64, f64)> {
    points
        .into_iter()
        .flat_map(|p| [Some(p.value), p.min, p.max])
        .flatten()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((f64::min(lo, v), f64::max(hi, v))),
        })
}

/// SVG `points` text of (x, y) pairs, one decimal.
pub fn polyline(xy: impl IntoIterator<Item = (f64, f64)>) -> String {
    xy.into_iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
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
    fn scale_maps_linearly_and_may_be_reversed() {
        let s = Scale::new((0.0, 100.0), (200.0, 0.0));
        assert_eq!(s.map(0.0), 200.0);
        assert_eq!(s.map(100.0), 0.0);
        assert_eq!(s.map(25.0), 150.0);
        assert_eq!(Scale::new((5.0, 5.0), (0.0, 10.0)).map(5.0), 5.0);
    }

    #[test]
    fn value_ticks_are_round_and_cover_the_data() {
        assert_eq!(
            nice_ticks(0.0, 41.5, 5),
            vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
        );
        assert_eq!(
            nice_ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(
            nice_ticks(0.0, 7_300.0, 4),
            vec![0.0, 2_000.0, 4_000.0, 6_000.0, 8_000.0]
        );
        assert_eq!(
            nice_ticks(0.0, 0.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        let flat = nice_ticks(12.0, 12.0, 4);
        assert_eq!(flat.first(), Some(&0.0));
        assert!(*flat.last().unwrap() >= 12.0);
        let negative = nice_ticks(-3.0, 8.0, 5);
        assert!(negative[0] <= -3.0 && *negative.last().unwrap() >= 8.0);
    }

    #[test]
    fn value_labels_stay_short() {
        assert_eq!(value_label(0.0), "0");
        assert_eq!(value_label(0.5), "0.5");
        assert_eq!(value_label(2_500.0), "2,500");
        assert_eq!(value_label(40_000.0), "40k");
        assert_eq!(value_label(1_500_000.0), "1.5M");
    }

    #[test]
    fn time_ticks_fall_on_round_utc_times() {
        // 12:03 to 13:03: every 10 minutes from 12:10.
        let from = 1_764_936_300 - 120;
        let ticks = time_ticks(from, from + 3_600, 8);
        assert_eq!(ticks.len(), 6);
        assert_eq!(hh_mm(ticks[0]), "12:10");
        assert_eq!(hh_mm(ticks[5]), "13:00");
        // A day: every 3 hours; a week: every day at midnight.
        let day = time_ticks(from, from + 86_400, 8);
        assert!(day.iter().all(|t| t % 10_800 == 0) && day.len() == 8);
        let week = time_ticks(from, from + 7 * 86_400, 8);
        assert!(week.iter().all(|t| t % 86_400 == 0) && week.len() == 7);
        let month = time_ticks(from, from + 30 * 86_400, 8);
        assert!(month.len() <= 8 && month.len() >= 4);
        assert!(time_ticks(10, 10, 8).is_empty());
    }

    #[test]
    fn time_labels_suit_the_range() {
        let t = 1_764_936_300; // Fri 5 Dec 2025 12:05 UTC
        assert_eq!(time_label(t, ChartRange::Hour), "12:05");
        assert_eq!(time_label(t, ChartRange::Day), "12:05");
        assert_eq!(time_label(t, ChartRange::Week), "Fri 5");
        assert_eq!(time_label(t, ChartRange::Month), "5 Dec");
        assert_eq!(point_time(t, ChartRange::Hour), "12:05 UTC");
        assert_eq!(point_time(t, ChartRange::Month), "5 Dec 12:05 UTC");
    }

    #[test]
    fn gaps_split_a_series_where_samples_are_missing() {
        let pts = [
            p(0, 1.0),
            p(30, 2.0),
            p(60, 3.0),
            p(150, 4.0),
            p(180, 5.0),
            p(400, 6.0),
        ];
        let runs = segments(&pts, 30);
        let lens: Vec<usize> = runs.iter().map(|r| r.len()).collect();
        assert_eq!(lens, vec![3, 2, 1]);
        // 2.5 steps apart is not yet a gap.
        assert_eq!(segments(&[p(0, 1.0), p(75, 1.0)], 30).len(), 1);
        assert!(segments(&[], 30).is_empty());
    }

    #[test]
    fn extent_includes_band_extremes() {
        let mut a = p(0, 5.0);
        a.min = Some(1.0);
        a.max = Some(9.0);
        assert_eq!(extent(&[a, p(30, 4.0)]), Some((1.0, 9.0)));
        assert_eq!(extent(&[]), None);
    }

    #[test]
    fn polyline_text_is_compact() {
        assert_eq!(polyline([(1.0, 2.26), (3.5, 4.0)]), "1.0,2.3 3.5,4.0");
    }
}
