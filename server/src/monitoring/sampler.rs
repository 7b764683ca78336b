//! One sampling pass over one cluster: the end offsets of every catalogue
//! and mirror topic there in one batched read, the committed offsets of every
//! group an active consume grant names, and the links copying into it; turned
//! into records/s, lag and link series and written in one transaction.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use app::access::RequestKind;
use app::mesh::LinkState;
use app::monitoring::SeriesKind;

use super::store::{self, Sample, SeriesRow};
use crate::access::repo::{active_grants, ActiveGrant, GrantsOf};
use crate::db::{Db, DbError};
use crate::kafka::{self, Connection, KafkaError};

/// What a pass over one cluster did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ClusterReport {
    pub topics: usize,
    pub groups: usize,
    pub points: usize,
    /// Groups whose offsets could not be read (the others were sampled).
    pub group_errors: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("{0}")]
    Kafka(#[from] KafkaError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Records/s between two totals; None without an earlier one. A total that
/// went down (a topic made again) counts as no records.
pub fn rate(before: Option<&SeriesRow>, total: i64, at: i64) -> Option<f64> {
    let b = before?;
    let (t0, a0) = (b.total?, b.last_at?);
    if at <= a0 {
        return None;
    }
    Some((total - t0).max(0) as f64 / (at - a0) as f64)
}

/// A group's lag on a topic: records after its commits, over the partitions
/// it committed on; None when it committed nothing there.
pub fn group_lag(end: &BTreeMap<i32, i64>, committed: Option<&BTreeMap<i32, i64>>) -> Option<i64> {
    let committed = committed.filter(|c| !c.is_empty())?;
    Some(
        committed
            .iter()
            .map(|(p, c)| end.get(p).map_or(0, |e| (e - c).max(0)))
            .sum(),
    )
}

pub async fn sample_cluster(
    db: &Db,
    cluster: &str,
    conn: &Connection,
    timeout: Duration,
    at: i64,
) -> Result<ClusterReport, SampleError> {
    let mut c = db.pool().acquire().await.map_err(DbError::from)?;
    let mut topics: Vec<(String, String)> =
        crate::catalogue::facts::availability(&mut c, Some(cluster))
            .await?
            .into_iter()
            .map(|a| (a.event, a.topic))
            .collect();
    let grants: Vec<ActiveGrant> = active_grants(&mut c, GrantsOf::Cluster(cluster))
        .await?
        .into_iter()
        .filter(|g| g.kind == RequestKind::Consume && g.group.is_some())
        .collect();
    drop(c);
    let links: Vec<crate::mesh::links::LinkRow> =
        crate::mesh::links::list(db, Some(LinkState::Running), None, Some(cluster))
            .await?
            .into_iter()
            .filter(|l| l.target_cluster == cluster)
            .collect();
    for l in &links {
        if !topics.iter().any(|(e, _)| e == &l.event) {
            topics.push((l.event.clone(), l.target_topic.clone()));
        }
    }

    let names: Vec<String> = topics.iter().map(|(_, t)| t.clone()).collect();
    let ends = kafka::offsets::end_offsets(conn, names, timeout).await?;
    let before = store::of_cluster(db, cluster).await?;
    let mut samples = Vec::new();
    for (event, topic) in &topics {
        let Some(end) = ends.get(topic) else { continue };
        let total: i64 = end.values().sum();
        let key = (SeriesKind::TopicRate, event.clone());
        samples.push(Sample {
            kind: SeriesKind::TopicRate,
            subject: event.clone(),
            value: rate(before.get(&key), total, at),
            total: Some(total),
        });
    }

    // Each grant's groups: its own, or every group its prefix covers.
    let mut prefixed: Vec<String> = Vec::new();
    if grants.iter().any(|g| g.group_is_prefix) {
        prefixed = kafka::groups::list_groups(conn, timeout)
            .await?
            .into_iter()
            .map(|g| g.name)
            .collect();
    }
    let groups_of = |g: &ActiveGrant| -> Vec<String> {
        let name = g.group.clone().unwrap_or_default();
        if g.group_is_prefix {
            prefixed
                .iter()
                .filter(|p| p.starts_with(&name))
                .cloned()
                .collect()
        } else {
            vec![name]
        }
    };
    let mut wanted: HashMap<String, Vec<(String, i32)>> = HashMap::new();
    for g in &grants {
        let Some(end) = ends.get(&g.topic) else {
            continue;
        };
        for group in groups_of(g) {
            let parts = wanted.entry(group).or_default();
            for p in end.keys() {
                if !parts.contains(&(g.topic.clone(), *p)) {
                    parts.push((g.topic.clone(), *p));
                }
            }
        }
    }
    let group_count = wanted.len();
    let (committed, failed) =
        kafka::offsets::committed_offsets(conn, wanted.into_iter().collect(), timeout).await;
    for (group, e) in &failed {
        tracing::debug!(cluster, group, error = %e, "cannot read the group's offsets");
    }
    for g in &grants {
        let Some(end) = ends.get(&g.topic) else {
            continue;
        };
        let mut lag: Option<i64> = None;
        let mut total: Option<i64> = None;
        for group in groups_of(g) {
            let Some(of_group) = committed.get(&group) else {
                continue;
            };
            let on_topic = of_group.get(&g.topic);
            if let Some(l) = group_lag(end, on_topic) {
                lag = Some(lag.map_or(l, |m| m.max(l)));
            }
            if let Some(c) = on_topic {
                *total.get_or_insert(0) += c.values().sum::<i64>();
            }
        }
        samples.push(Sample {
            kind: SeriesKind::GroupLag,
            subject: g.grant.to_string(),
            value: lag.map(|l| l as f64),
            total,
        });
    }

    for l in &links {
        if l.status_at.is_none() {
            continue;
        }
        samples.push(Sample {
            kind: SeriesKind::LinkLag,
            subject: l.id.to_string(),
            value: l.lag.map(|v| v as f64),
            total: None,
        });
        samples.push(Sample {
            kind: SeriesKind::LinkRate,
            subject: l.id.to_string(),
            value: l.rate_per_sec.map(|v| v as f64),
            total: None,
        });
    }
    let points = store::write(db, cluster, at, &samples).await?;
    Ok(ClusterReport {
        topics: topics.len(),
        groups: group_count,
        points,
        group_errors: failed.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(total: i64, at: i64) -> SeriesRow {
        SeriesRow {
            id: 1,
            kind: SeriesKind::TopicRate,
            cluster: "c".into(),
            subject: "e".into(),
            last_at: Some(at),
            last_value: None,
            total: Some(total),
            changed_at: None,
        }
    }

    #[test]
    fn rates_need_an_earlier_total() {
        assert_eq!(rate(None, 100, 30), None);
        assert_eq!(rate(Some(&row(40, 0)), 100, 30), Some(2.0));
        assert_eq!(rate(Some(&row(400, 0)), 100, 30), Some(0.0));
        assert_eq!(rate(Some(&row(40, 30)), 100, 30), None);
    }

    #[test]
    fn lag_counts_only_committed_partitions() {
        let end = BTreeMap::from([(0, 100), (1, 50)]);
        assert_eq!(group_lag(&end, None), None);
        assert_eq!(group_lag(&end, Some(&BTreeMap::new())), None);
        assert_eq!(group_lag(&end, Some(&BTreeMap::from([(0, 90)]))), Some(10));
        assert_eq!(
            group_lag(&end, Some(&BTreeMap::from([(0, 90), (1, 60)]))),
            Some(10)
        );
    }
}
