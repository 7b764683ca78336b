//! When a rule is over its threshold, and when it is back far enough below
//! it to resolve (10 % under, so a value hovering at the threshold does not
//! fire and resolve on every pass); and the rule's state machine.

use app::monitoring::{AlertKind, AlertState};

/// Below `threshold × CLEAR` a firing rule resolves.
const CLEAR: f64 = 0.9;

/// What the series say now for one rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub value: f64,
    pub breached: bool,
    pub cleared: bool,
}

/// Reading of a value against a rule's threshold. `NoTraffic` values are
/// hours since the last record; `RateDrop` values are percent below the
/// baseline; `LinkError` values are 1 (error) or 0.
pub fn read(kind: AlertKind, threshold: f64, value: f64) -> Reading {
    let (breached, cleared) = match kind {
        AlertKind::NoTraffic => (value >= threshold, value < threshold),
        AlertKind::LinkError => (value > 0.0, value <= 0.0),
        _ => (value > threshold, value <= threshold * CLEAR),
    };
    Reading {
        value,
        breached,
        cleared,
    }
}

/// A rule's change on a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    None,
    /// Ok → pending, or pending back to ok.
    Quiet,
    Fire,
    Resolve,
}

/// Next state and since-time of a rule in `state` since `since` (Unix
/// seconds), given a reading at `now`.
pub fn next(
    state: AlertState,
    since: Option<i64>,
    reading: Reading,
    now: i64,
    for_minutes: i64,
) -> (AlertState, Option<i64>, Change) {
    let hold = for_minutes.max(0) * 60;
    match state {
        AlertState::Ok if reading.breached && hold == 0 => {
            (AlertState::Firing, Some(now), Change::Fire)
        }
        AlertState::Ok if reading.breached => (AlertState::Pending, Some(now), Change::Quiet),
        AlertState::Ok => (AlertState::Ok, since, Change::None),
        AlertState::Pending if !reading.breached => (AlertState::Ok, Some(now), Change::Quiet),
        AlertState::Pending if now - since.unwrap_or(now) >= hold => {
            (AlertState::Firing, Some(now), Change::Fire)
        }
        AlertState::Pending => (AlertState::Pending, since, Change::None),
        AlertState::Firing if reading.cleared => (AlertState::Ok, Some(now), Change::Resolve),
        AlertState::Firing => (AlertState::Firing, since, Change::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lag(v: f64) -> Reading {
        read(AlertKind::ConsumerLag, 100.0, v)
    }

    #[test]
    fn fires_only_after_holding_for_its_duration() {
        let (s, since, c) = next(AlertState::Ok, None, lag(150.0), 0, 2);
        assert_eq!((s, c), (AlertState::Pending, Change::Quiet));
        let (s, since, c) = next(s, since, lag(150.0), 60, 2);
        assert_eq!((s, c), (AlertState::Pending, Change::None));
        let (s, _, c) = next(s, since, lag(150.0), 120, 2);
        assert_eq!((s, c), (AlertState::Firing, Change::Fire));
    }

    #[test]
    fn a_dip_before_the_duration_starts_over() {
        let (s, since, _) = next(AlertState::Ok, None, lag(150.0), 0, 2);
        let (s, since, c) = next(s, since, lag(50.0), 60, 2);
        assert_eq!((s, c), (AlertState::Ok, Change::Quiet));
        let (s, _, _) = next(s, since, lag(150.0), 100, 2);
        assert_eq!(s, AlertState::Pending);
    }

    #[test]
    fn resolves_only_well_below_the_threshold() {
        let (s, since, c) = next(AlertState::Firing, Some(0), lag(95.0), 60, 0);
        assert_eq!((s, c), (AlertState::Firing, Change::None));
        let (s, _, c) = next(s, since, lag(90.0), 120, 0);
        assert_eq!((s, c), (AlertState::Ok, Change::Resolve));
    }

    #[test]
    fn zero_duration_fires_at_once() {
        let r = read(AlertKind::NoTraffic, 2.0, 3.5);
        assert_eq!(next(AlertState::Ok, None, r, 10, 0).2, Change::Fire);
        let r = read(AlertKind::NoTraffic, 2.0, 0.1);
        assert!(r.cleared && !r.breached);
    }
}
