//! When to try a failing cluster again: exponential, capped, with jitter so
//! that replicas and clusters do not retry in lockstep.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first failure (before jitter).
    pub base: Duration,
    /// No delay is longer than this.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The delay after `attempts` consecutive failures (≥ 1): `base·2^(attempts-1)`,
    /// capped, then a random point in its upper half.
    pub fn delay(&self, attempts: i64) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let full = self
            .base
            .saturating_mul(1u32 << exponent.min(20))
            .min(self.cap);
        let half = full / 2;
        half + half.mul_f64(unit_random())
    }
}

/// A number in [0, 1) from the standard library's per-process random keys.
fn unit_random() -> f64 {
    let bits = RandomState::new().hash_one(std::time::SystemTime::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_within_jitter_and_stops_at_the_cap() {
        let b = Backoff::default();
        for (attempts, full) in [(1, 2), (2, 4), (3, 8), (8, 256), (9, 300), (60, 300)] {
            let full = Duration::from_secs(full);
            for _ in 0..20 {
                let d = b.delay(attempts);
                assert!(d >= full / 2 && d <= full, "{attempts}: {d:?}");
            }
        }
    }

    #[test]
    fn jitter_varies() {
        let b = Backoff::default();
        let delays: std::collections::HashSet<Duration> = (0..20).map(|_| b.delay(5)).collect();
        assert!(delays.len() > 1);
    }
}
