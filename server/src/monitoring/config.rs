//! `[monitoring]`: how often the clusters are sampled, how long points are
//! kept at each resolution, and the alert rules approval sets up.

use app::monitoring::AlertKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitoringConfig {
    /// Sample the clusters (and evaluate alerts) in the worker.
    pub enabled: bool,
    /// Seconds between two samples of a cluster.
    pub interval_secs: u64,
    /// Raw samples are kept this many hours (charts of the last hour use them).
    pub raw_hours: u64,
    /// 5-minute rollups are kept this many days (charts of the last day).
    pub five_minute_days: u64,
    /// Hourly rollups, and so any history, are kept this many days.
    pub retention_days: u64,
    /// A consumer whose group has not committed for this long while records
    /// wait for it is shown as idle.
    pub idle_after_mins: u64,
    /// How long a worker holds a cluster's sampling without renewing it.
    pub lease_secs: u64,
    /// Longest wait for a cluster's answer in a pass.
    pub kafka_timeout_ms: u64,
    /// Rules every consume grant, event and link gets (`[[monitoring.alert_defaults]]`).
    pub alert_defaults: Vec<AlertDefault>,
}

/// A rule created for every subject of its kind: grants for consumer kinds,
/// events for traffic kinds, links for link kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertDefault {
    pub kind: AlertKind,
    pub threshold: f64,
    #[serde(default)]
    pub for_minutes: i64,
}

impl AlertDefault {
    fn new(kind: AlertKind, threshold: f64, for_minutes: i64) -> Self {
        AlertDefault {
            kind,
            threshold,
            for_minutes,
        }
    }
}

impl MonitoringConfig {
    /// What the demo uses unless configured: thresholds a newcomer sees fire
    /// within minutes of start.
    pub fn demo_defaults() -> Vec<AlertDefault> {
        vec![
            AlertDefault::new(AlertKind::ConsumerLag, 100.0, 1),
            AlertDefault::new(AlertKind::NoTraffic, 0.05, 0),
            AlertDefault::new(AlertKind::LinkLag, 5_000.0, 2),
            AlertDefault::new(AlertKind::LinkError, 0.0, 1),
        ]
    }

    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.interval_secs.max(1))
    }
}

impl Default for MonitoringConfig {
    fn default() -> Self {
        MonitoringConfig {
            enabled: true,
            interval_secs: 30,
            raw_hours: 24,
            five_minute_days: 7,
            retention_days: 30,
            idle_after_mins: 60,
            lease_secs: 90,
            kafka_timeout_ms: 5_000,
            alert_defaults: vec![
                AlertDefault::new(AlertKind::ConsumerLag, 10_000.0, 10),
                AlertDefault::new(AlertKind::NoTraffic, 24.0, 0),
                AlertDefault::new(AlertKind::LinkLag, 10_000.0, 10),
                AlertDefault::new(AlertKind::LinkError, 0.0, 5),
            ],
        }
    }
}
