//! Points packed into blocks: one row of `metric_blocks` holds one series'
//! points of one level over a fixed span (raw: an hour, 5-minute rollups:
//! four hours, hourly rollups: a day). A month of 15,000 series is then about
//! 1.4 million rows of a few hundred bytes instead of 150 million rows of one
//! point each, whose per-row overhead was most of the store.
//!
//! An entry is its offset in the block (in the level's unit: seconds for raw
//! points, buckets for rollups) as a little-endian `u16`, then the value as
//! `f32` (rollups: average, low, high). Seven significant digits are plenty
//! for a chart; the exact latest value is kept on the series row.

use app::monitoring::Point;

/// Seconds one block of `step` covers.
pub fn span(step: i64) -> i64 {
    match step {
        0 => 3_600,
        s if s < 3_600 => 4 * 3_600,
        _ => 86_400,
    }
}

/// Where the block holding `at` starts.
pub fn start_of(step: i64, at: i64) -> i64 {
    at - at.rem_euclid(span(step))
}

/// Seconds per offset unit.
fn unit(step: i64) -> i64 {
    step.max(1)
}

fn width(step: i64) -> usize {
    if step == 0 {
        6
    } else {
        14
    }
}

/// Appends the entries of `points` that lie in the block `[start, start +
/// span)` to `out`; others are skipped (the caller groups by block).
pub fn encode_into(out: &mut Vec<u8>, step: i64, start: i64, points: &[Point]) {
    out.reserve(points.len() * width(step));
    for p in points {
        let offset = p.at - start;
        if !(0..span(step)).contains(&offset) {
            continue;
        }
        let slot = (offset / unit(step)) as u16;
        out.extend_from_slice(&slot.to_le_bytes());
        out.extend_from_slice(&(p.value as f32).to_le_bytes());
        if step > 0 {
            let lo = p.min.unwrap_or(p.value) as f32;
            let hi = p.max.unwrap_or(p.value) as f32;
            out.extend_from_slice(&lo.to_le_bytes());
            out.extend_from_slice(&hi.to_le_bytes());
        }
    }
}

pub fn encode(step: i64, start: i64, points: &[Point]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, step, start, points);
    out
}

fn f32_at(data: &[u8], i: usize) -> f64 {
    f64::from(f32::from_le_bytes([
        data[i],
        data[i + 1],
        data[i + 2],
        data[i + 3],
    ]))
}

/// The block's points oldest first. An offset written twice (a pass or a
/// rollup repeated) keeps its last entry; a torn tail is ignored.
pub fn decode(step: i64, start: i64, data: &[u8]) -> Vec<Point> {
    let w = width(step);
    let mut out: Vec<Point> = data
        .chunks_exact(w)
        .map(|e| {
            let slot = i64::from(u16::from_le_bytes([e[0], e[1]]));
            let value = f32_at(e, 2);
            let (min, max) = if step > 0 {
                (Some(f32_at(e, 6)), Some(f32_at(e, 10)))
            } else {
                (None, None)
            };
            Point {
                at: start + slot * unit(step),
                value,
                min,
                max,
            }
        })
        .collect();
    // Stable: of equal times the later entry stays last, then wins below.
    out.sort_by_key(|p| p.at);
    let mut kept: Vec<Point> = Vec::with_capacity(out.len());
    for p in out {
        match kept.last_mut() {
            Some(last) if last.at == p.at => *last = p,
            _ => kept.push(p),
        }
    }
    kept
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
    fn raw_points_round_trip_and_skip_other_blocks() {
        let start = start_of(0, 7_205);
        assert_eq!(start, 7_200);
        let data = encode(0, start, &[p(7_200, 1.5), p(10_799, 3.25), p(10_800, 9.0)]);
        assert_eq!(
            data.len(),
            12,
            "the point of the next hour is not in this block"
        );
        assert_eq!(
            decode(0, start, &data),
            vec![p(7_200, 1.5), p(10_799, 3.25)]
        );
    }

    #[test]
    fn rollups_keep_extremes_and_appends_override() {
        let start = start_of(300, 86_400 + 600);
        let bucket = Point {
            at: start + 600,
            value: 2.0,
            min: Some(1.0),
            max: Some(4.0),
        };
        let mut data = encode(300, start, std::slice::from_ref(&bucket));
        let again = Point {
            value: 3.0,
            ..bucket.clone()
        };
        // Appending is how blocks grow; a repeated bucket keeps its last value.
        encode_into(&mut data, 300, start, &[p(start, 7.0), again.clone()]);
        let back = decode(300, start, &data);
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].at, start);
        assert_eq!((back[0].min, back[0].max), (Some(7.0), Some(7.0)));
        assert_eq!(back[1], again);
        // A torn tail (a partial entry) is left out, not misread: the
        // earlier value of the repeated bucket stays.
        let torn = decode(300, start, &data[..data.len() - 3]);
        assert_eq!(torn.len(), 2);
        assert_eq!(torn[1], bucket);
    }

    #[test]
    fn every_offset_fits_its_unit() {
        for step in [0, 300, 3_600] {
            assert!(span(step) / unit(step) <= i64::from(u16::MAX));
            assert_eq!(span(step) % step.max(1), 0, "buckets never straddle blocks");
        }
    }
}
