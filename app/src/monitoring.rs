//! Wire types of monitoring: sampled series drawn as charts, the consumers of
//! an event, the mesh map, the admins' overview, and alert rules.

use serde::{Deserialize, Serialize};

crate::words::words! {
    /// What a series measures.
    SeriesKind {
        /// Records per second written to an event's topic on one cluster.
        TopicRate = "topic_rate",
        /// Records a grant's consumer group has not yet committed.
        GroupLag = "group_lag",
        /// Records a link has not yet copied.
        LinkLag = "link_lag",
        /// Records per second a link copies.
        LinkRate = "link_rate",
    }
}

impl SeriesKind {
    /// The unit its values are in, as an axis label says it.
    pub fn unit(self) -> &'static str {
        match self {
            SeriesKind::TopicRate | SeriesKind::LinkRate => "records/s",
            SeriesKind::GroupLag | SeriesKind::LinkLag => "records",
        }
    }
}

crate::words::words! {
    /// How far back a chart looks.
    ChartRange {
        Hour = "hour",
        Day = "day",
        Week = "week",
        Month = "month",
    }
}

impl ChartRange {
    pub fn secs(self) -> i64 {
        match self {
            ChartRange::Hour => 3_600,
            ChartRange::Day => 86_400,
            ChartRange::Week => 7 * 86_400,
            ChartRange::Month => 30 * 86_400,
        }
    }

    /// Button label.
    pub fn label(self) -> &'static str {
        match self {
            ChartRange::Hour => "1 h",
            ChartRange::Day => "24 h",
            ChartRange::Week => "7 d",
            ChartRange::Month => "30 d",
        }
    }
}

/// One point of a series: the value at `at` (Unix seconds, UTC). Rolled-up
/// points carry the bucket's average as `value` and its extremes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Point {
    pub at: i64,
    pub value: f64,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Series {
    pub kind: SeriesKind,
    pub cluster: String,
    /// The event name, grant id or link id the series is about.
    pub subject: String,
    /// Legend text.
    pub label: String,
    pub points: Vec<Point>,
}

/// A chart's data: lines over `[from, to]` (Unix seconds) at `step_secs`
/// resolution (the sampling interval for raw points).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Chart {
    pub title: String,
    pub unit: String,
    pub range: ChartRange,
    pub from: i64,
    pub to: i64,
    pub step_secs: i64,
    pub series: Vec<Series>,
}

/// An application holding a consume grant on an event, and how it keeps up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConsumerView {
    pub grant_id: String,
    pub request_id: String,
    pub event: String,
    pub application: String,
    pub team: String,
    pub cluster: String,
    /// The consumer group the grant names (a prefix when `group_is_prefix`).
    pub group: Option<String>,
    pub group_is_prefix: bool,
    /// Records not yet committed, at `sampled_at`.
    pub lag: Option<i64>,
    /// Lag divided by the topic's recent rate: how far behind in time.
    pub behind_secs: Option<i64>,
    /// When the group's committed offsets last moved (as the sampler saw).
    pub last_commit_at: Option<String>,
    /// No commit for longer than `monitoring.idle_after_mins`.
    pub idle: bool,
    pub sampled_at: Option<String>,
}

/// An event's traffic per cluster and its consumers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventTraffic {
    pub event: String,
    pub rate: Chart,
    pub consumers: Vec<ConsumerView>,
}

/// A cluster on the mesh map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MapNode {
    pub cluster: String,
    pub name: String,
    /// `onprem`, `aws`, `gcp`… (nodes are grouped by it).
    pub platform: String,
    /// False when the sampler's last pass could not reach it.
    pub reachable: bool,
    pub last_error: Option<String>,
    /// Records/s written to catalogue topics there, at the last pass.
    pub rate: Option<f64>,
    pub sampled_at: Option<String>,
}

/// A running link on the mesh map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MapEdge {
    pub link_id: String,
    pub event: String,
    pub source: String,
    pub target: String,
    pub rate: Option<f64>,
    pub lag: Option<i64>,
    /// The link reports an error, or either end is unreachable.
    pub broken: bool,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MeshMap {
    pub nodes: Vec<MapNode>,
    pub edges: Vec<MapEdge>,
}

/// An event's records/s on one cluster at the last pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventRate {
    pub event: String,
    pub cluster: String,
    pub rate: f64,
    /// When records last arrived (as the sampler saw), if ever.
    pub last_record_at: Option<String>,
}

/// What admins look at first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Overview {
    pub busiest: Vec<EventRate>,
    pub lagging: Vec<ConsumerView>,
    pub idle: Vec<ConsumerView>,
    /// Catalogue topics with no records for the last day.
    pub silent: Vec<EventRate>,
    pub firing: usize,
    pub sampled_at: Option<String>,
}

crate::words::words! {
    /// What an alert rule watches.
    AlertKind {
        /// A grant's group lag above `threshold` records.
        ConsumerLag = "consumer_lag",
        /// A grant's group more than `threshold` minutes behind.
        ConsumerBehind = "consumer_behind",
        /// An event with no records for `threshold` hours (the volumetric floor).
        NoTraffic = "no_traffic",
        /// An event's records/s above `threshold`.
        RateCeiling = "rate_ceiling",
        /// An event's records/s `threshold` percent below its same-hour
        /// average of the last 7 days.
        RateDrop = "rate_drop",
        /// A link's lag above `threshold` records.
        LinkLag = "link_lag",
        /// A link reporting an error (threshold unused).
        LinkError = "link_error",
    }
}

impl AlertKind {
    /// What `threshold` means, for forms.
    pub fn threshold_unit(self) -> &'static str {
        match self {
            AlertKind::ConsumerLag | AlertKind::LinkLag => "records",
            AlertKind::ConsumerBehind => "minutes",
            AlertKind::NoTraffic => "hours",
            AlertKind::RateCeiling => "records/s",
            AlertKind::RateDrop => "percent",
            AlertKind::LinkError => "",
        }
    }
}

crate::words::words! {
    /// Where a rule is in its evaluation.
    AlertState {
        Ok = "ok",
        /// Over its threshold, not yet for its whole duration.
        Pending = "pending",
        Firing = "firing",
    }
}

/// An alert rule and its current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AlertRuleView {
    pub id: String,
    pub kind: AlertKind,
    pub event: String,
    pub cluster: Option<String>,
    pub grant_id: Option<String>,
    pub link_id: Option<String>,
    /// The team told when it fires (admins for links).
    pub team: String,
    pub threshold: f64,
    /// How long the condition must hold before the rule fires.
    pub for_minutes: i64,
    pub enabled: bool,
    pub state: AlertState,
    /// Since when it is in `state`.
    pub since: Option<String>,
    pub last_value: Option<f64>,
    /// Whether the caller may edit it.
    pub editable: bool,
    /// Where its chart is.
    pub link: String,
}

/// An edit of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AlertRuleEdit {
    pub threshold: f64,
    pub for_minutes: i64,
    pub enabled: bool,
}

/// One firing of a rule (resolved or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AlertView {
    pub id: String,
    pub rule_id: String,
    pub kind: AlertKind,
    pub event: String,
    pub cluster: Option<String>,
    pub team: String,
    pub summary: String,
    pub value: Option<f64>,
    pub fired_at: String,
    pub resolved_at: Option<String>,
    pub link: String,
}

/// Firing and recent alerts, and the rules the caller can see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AlertsPage {
    pub firing: Vec<AlertView>,
    pub recent: Vec<AlertView>,
    pub rules: Vec<AlertRuleView>,
}
