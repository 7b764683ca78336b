//! What the pages show, built from the series: charts, consumers, the mesh
//! map and the admins' overview.

use std::collections::HashMap;

use app::access::RequestKind;
use app::monitoring::{
    Chart, ChartRange, ConsumerView, EventRate, MapEdge, MapNode, MeshMap, Series, SeriesKind,
};

use super::lease;
use super::rollup;
use super::store::{self, SeriesRow};
use crate::access::repo::ActiveGrant;
use crate::db::{stamp, Db, DbError};

pub fn when(unix: Option<i64>) -> Option<String> {
    unix.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .map(stamp)
}

/// A chart of the given series (each with its legend label).
pub async fn chart(
    db: &Db,
    title: String,
    unit: &str,
    range: ChartRange,
    now: i64,
    series: Vec<(SeriesRow, String)>,
) -> Result<Chart, DbError> {
    let mut lines = Vec::with_capacity(series.len());
    let mut step = rollup::step_of(range);
    for (s, label) in series {
        let (st, points) = rollup::chart_points(db, s.id, range, now).await?;
        step = st;
        lines.push(Series {
            kind: s.kind,
            cluster: s.cluster,
            subject: s.subject,
            label,
            points,
        });
    }
    Ok(Chart {
        title,
        unit: unit.to_string(),
        range,
        from: now - range.secs(),
        to: now,
        step_secs: step,
        series: lines,
    })
}

/// How a consume grant keeps up, from its lag series and its topic's rate.
pub fn consumer(
    g: &ActiveGrant,
    lag: Option<&SeriesRow>,
    rate: Option<&SeriesRow>,
    now: i64,
    idle_after_secs: i64,
) -> ConsumerView {
    let lag_value = lag.and_then(|s| s.last_value).map(|v| v as i64);
    let rate_value = rate.and_then(|s| s.last_value);
    let behind_secs = match (lag_value, rate_value) {
        (Some(0), _) => Some(0),
        (Some(l), Some(r)) if r > 0.0 => Some((l as f64 / r) as i64),
        _ => None,
    };
    let last_commit = lag.and_then(|s| s.changed_at);
    let granted = time::OffsetDateTime::parse(
        &g.created_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|t| t.unix_timestamp())
    .unwrap_or(now);
    // Idle: records wait for it, and it has not committed for a while (or
    // ever, for a grant older than that).
    let quiet_since = last_commit.unwrap_or(granted);
    let waiting =
        lag_value.is_some_and(|l| l > 0) || (lag_value.is_none() && last_commit.is_none());
    let idle = waiting && now - quiet_since > idle_after_secs && lag.is_some();
    ConsumerView {
        grant_id: g.grant.to_string(),
        request_id: g.request.to_string(),
        event: g.event.clone(),
        application: g.application.clone(),
        team: g.team.clone(),
        cluster: g.cluster.clone(),
        group: g.group.clone(),
        group_is_prefix: g.group_is_prefix,
        lag: lag_value,
        behind_secs,
        last_commit_at: when(last_commit),
        idle,
        sampled_at: when(lag.and_then(|s| s.last_at)),
    }
}

/// Consumers of the given grants (consume grants only).
pub async fn consumers(
    db: &Db,
    grants: &[ActiveGrant],
    now: i64,
    idle_after_secs: i64,
) -> Result<Vec<ConsumerView>, DbError> {
    let lags: HashMap<(String, String), SeriesRow> =
        key_by(store::of_kind(db, SeriesKind::GroupLag).await?);
    let rates: HashMap<(String, String), SeriesRow> =
        key_by(store::of_kind(db, SeriesKind::TopicRate).await?);
    Ok(grants
        .iter()
        .filter(|g| g.kind == RequestKind::Consume)
        .map(|g| {
            consumer(
                g,
                lags.get(&(g.cluster.clone(), g.grant.to_string())),
                rates.get(&(g.cluster.clone(), g.event.clone())),
                now,
                idle_after_secs,
            )
        })
        .collect())
}

pub fn key_by(rows: Vec<SeriesRow>) -> HashMap<(String, String), SeriesRow> {
    rows.into_iter()
        .map(|s| ((s.cluster.clone(), s.subject.clone()), s))
        .collect()
}

/// The map's column of a platform: `onprem`, `aws`, `gcp`…
fn platform_word(p: app::clusters::Platform) -> String {
    match p {
        app::clusters::Platform::OnPremises => "onprem".to_string(),
        other => other.label().to_lowercase(),
    }
}

/// Clusters as nodes (with their sampler's last word), running links as edges.
pub async fn map(db: &Db) -> Result<MeshMap, DbError> {
    let clusters = crate::clusters::list(db).await?;
    let states: HashMap<String, lease::PassState> = lease::states(db)
        .await?
        .into_iter()
        .map(|s| (s.cluster.clone(), s))
        .collect();
    let mut per_cluster: HashMap<String, f64> = HashMap::new();
    for s in store::of_kind(db, SeriesKind::TopicRate).await? {
        *per_cluster.entry(s.cluster).or_default() += s.last_value.unwrap_or(0.0);
    }
    let nodes: Vec<MapNode> = clusters
        .iter()
        .filter(|c| c.spec().in_mesh)
        .map(|c| {
            let state = states.get(c.id());
            MapNode {
                cluster: c.id().to_string(),
                name: c.spec().name.clone(),
                platform: platform_word(c.spec().platform),
                reachable: state.is_none_or(|s| s.reachable),
                last_error: state.and_then(|s| s.last_error.clone()),
                rate: per_cluster.get(c.id()).copied(),
                sampled_at: state.and_then(|s| s.last_pass_at.clone()),
            }
        })
        .collect();
    let down: Vec<&str> = nodes
        .iter()
        .filter(|n| !n.reachable)
        .map(|n| n.cluster.as_str())
        .collect();
    let edges = crate::mesh::links::list(db, Some(app::mesh::LinkState::Running), None, None)
        .await?
        .into_iter()
        .map(|l| MapEdge {
            link_id: l.id.to_string(),
            broken: l.last_error.is_some()
                || down.contains(&l.source_cluster.as_str())
                || down.contains(&l.target_cluster.as_str()),
            event: l.event,
            source: l.source_cluster,
            target: l.target_cluster,
            rate: l.rate_per_sec.map(|r| r as f64),
            lag: l.lag,
            last_error: l.last_error,
        })
        .collect();
    Ok(MeshMap { nodes, edges })
}

/// Catalogue topics at home by rate: the busiest first.
pub fn rates(rows: &[SeriesRow], homes: &HashMap<String, String>) -> Vec<EventRate> {
    let mut out: Vec<EventRate> = rows
        .iter()
        .filter(|s| homes.get(&s.subject) == Some(&s.cluster))
        .map(|s| EventRate {
            event: s.subject.clone(),
            cluster: s.cluster.clone(),
            rate: s.last_value.unwrap_or(0.0),
            last_record_at: when(s.changed_at),
        })
        .collect();
    out.sort_by(|a, b| b.rate.total_cmp(&a.rate).then(a.event.cmp(&b.event)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> ActiveGrant {
        ActiveGrant {
            grant: 7,
            request: 3,
            kind: RequestKind::Consume,
            event: "e".into(),
            cluster: "c".into(),
            topic: "t".into(),
            group: Some("g".into()),
            group_is_prefix: false,
            application: "app".into(),
            team: "team".into(),
            created_at: "2026-01-01T00:00:00.000000Z".into(),
        }
    }

    fn series(value: f64, changed: Option<i64>) -> SeriesRow {
        SeriesRow {
            id: 1,
            kind: SeriesKind::GroupLag,
            cluster: "c".into(),
            subject: "7".into(),
            last_at: Some(10_000),
            last_value: Some(value),
            total: Some(5),
            changed_at: changed,
        }
    }

    #[test]
    fn behind_is_lag_over_rate_and_idle_needs_waiting_records() {
        let rate = SeriesRow {
            kind: SeriesKind::TopicRate,
            ..series(10.0, Some(9_990))
        };
        let now = 10_000;
        let c = consumer(
            &grant(),
            Some(&series(600.0, Some(9_000))),
            Some(&rate),
            now,
            600,
        );
        assert_eq!((c.lag, c.behind_secs, c.idle), (Some(600), Some(60), true));
        let c = consumer(
            &grant(),
            Some(&series(0.0, Some(1_000))),
            Some(&rate),
            now,
            600,
        );
        assert_eq!((c.behind_secs, c.idle), (Some(0), false));
        let c = consumer(
            &grant(),
            Some(&series(600.0, Some(9_900))),
            Some(&rate),
            now,
            600,
        );
        assert!(!c.idle);
    }
}
