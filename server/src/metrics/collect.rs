//! The gauges and counters read from the database at each scrape: job
//! queue, notifier and webhook backlogs, links, the monitoring sampler,
//! alert rules and the sampled mesh series. Read-only aggregates over other
//! modules' tables (the one place that reads them without their module):
//! a scrape must not depend on every service's API shape, and writes none.
//!
//! Label sets are bounded by what the database holds: the job kinds and
//! states, clusters, links, catalogue events and grants.

use std::collections::HashMap;

use app::jobs::{JobKind, JobState};
use app::monitoring::{AlertKind, SeriesKind};
use sqlx::Row;

use super::exposition::{borrowed, Exposition, Kind};
use crate::db::{Db, DbError};

/// Job states that make a queue: waiting, running, parked.
const OPEN_STATES: [JobState; 3] = [JobState::Queued, JobState::Running, JobState::Failed];

pub async fn write(db: &Db, out: &mut Exposition) -> Result<(), DbError> {
    jobs(db, out).await?;
    backlogs(db, out).await?;
    links(db, out).await?;
    sampler(db, out).await?;
    alerts(db, out).await?;
    series(db, out).await?;
    Ok(())
}

async fn jobs(db: &Db, out: &mut Exposition) -> Result<(), DbError> {
    let mut depth: HashMap<(String, String), i64> = HashMap::new();
    let mut retrying: HashMap<String, i64> = HashMap::new();
    for r in sqlx::query(
        "SELECT kind, state, COUNT(*) AS n, \
         COUNT(CASE WHEN attempts > 0 THEN 1 END) AS retried \
         FROM provisioning_jobs WHERE state IN ('queued', 'running', 'failed') \
         GROUP BY kind, state",
    )
    .fetch_all(db.pool())
    .await?
    {
        let kind: String = r.try_get("kind")?;
        let state: String = r.try_get("state")?;
        if state == JobState::Queued.as_str() {
            *retrying.entry(kind.clone()).or_default() += r.try_get::<i64, _>("retried")?;
        }
        depth.insert((kind, state), r.try_get("n")?);
    }
    let mut family = out.family(
        "switchboard_jobs",
        Kind::Gauge,
        "Provisioning jobs waiting (queued), being run (running) or parked after their last attempt (failed), by kind.",
    );
    for kind in JobKind::ALL {
        for state in OPEN_STATES {
            let n = depth
                .get(&(kind.as_str().to_string(), state.as_str().to_string()))
                .copied()
                .unwrap_or(0);
            family.sample(
                &[("kind", kind.as_str()), ("state", state.as_str())],
                n as f64,
            );
        }
    }
    let mut family = out.family(
        "switchboard_jobs_retrying",
        Kind::Gauge,
        "Queued provisioning jobs that failed at least once and wait for their next attempt, by kind.",
    );
    for kind in JobKind::ALL {
        let n = retrying.get(kind.as_str()).copied().unwrap_or(0);
        family.sample(&[("kind", kind.as_str())], n as f64);
    }

    // Parked jobs are audited (`job.parked`, subject `job:<id>`) and the
    // audit log is append-only, so this count only grows.
    let parked: HashMap<String, i64> = sqlx::query(
        "SELECT j.kind, COUNT(*) AS n FROM audit_log a \
         JOIN provisioning_jobs j ON a.subject = 'job:' || CAST(j.id AS TEXT) \
         WHERE a.action = 'job.parked' GROUP BY j.kind",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("kind")?, r.try_get("n")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut family = out.family(
        "switchboard_job_failures_total",
        Kind::Counter,
        "Provisioning jobs parked after their last failed attempt (an admin may retry them), by kind.",
    );
    for kind in JobKind::ALL {
        let n = parked.get(kind.as_str()).copied().unwrap_or(0);
        family.sample(&[("kind", kind.as_str())], n as f64);
    }
    Ok(())
}

async fn backlogs(db: &Db, out: &mut Exposition) -> Result<(), DbError> {
    let backlog: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE id > \
         COALESCE((SELECT audit_id FROM notifier_cursor WHERE name = 'notifications'), 0)",
    )
    .fetch_one(db.pool())
    .await?;
    out.family(
        "switchboard_notifier_backlog",
        Kind::Gauge,
        "Audit entries the notifier has not yet turned into notifications and webhook calls.",
    )
    .sample(&[], backlog as f64);
    let r = sqlx::query(
        "SELECT COUNT(CASE WHEN delivered_at IS NULL AND parked_at IS NULL THEN 1 END) AS pending, \
         COUNT(CASE WHEN parked_at IS NOT NULL THEN 1 END) AS parked FROM webhook_deliveries",
    )
    .fetch_one(db.pool())
    .await?;
    out.family(
        "switchboard_webhook_deliveries_pending",
        Kind::Gauge,
        "Webhook calls neither delivered nor parked yet.",
    )
    .sample(&[], r.try_get::<i64, _>("pending")? as f64);
    out.family(
        "switchboard_webhook_deliveries_parked",
        Kind::Gauge,
        "Webhook calls parked after their last failed attempt.",
    )
    .sample(&[], r.try_get::<i64, _>("parked")? as f64);
    Ok(())
}

async fn links(db: &Db, out: &mut Exposition) -> Result<(), DbError> {
    let rows = sqlx::query(
        "SELECT CAST(id AS TEXT) AS link, event_name, source_cluster, target_cluster, \
         CAST(lag AS BIGINT) AS lag, CAST(rate_per_sec AS BIGINT) AS rate \
         FROM mesh_links WHERE state = 'running' ORDER BY mesh_links.id",
    )
    .fetch_all(db.pool())
    .await?;
    let mut lag = Vec::new();
    let mut rate = Vec::new();
    for r in &rows {
        let labels = [
            ("link", r.try_get::<String, _>("link")?),
            ("event", r.try_get("event_name")?),
            ("source", r.try_get("source_cluster")?),
            ("target", r.try_get("target_cluster")?),
        ];
        if let Some(v) = r.try_get::<Option<i64>, _>("lag")? {
            lag.push((labels.clone(), v));
        }
        if let Some(v) = r.try_get::<Option<i64>, _>("rate")? {
            rate.push((labels, v));
        }
    }
    let mut family = out.family(
        "switchboard_link_lag_records",
        Kind::Gauge,
        "Records of a running link's source topic not yet copied to its target, as the link last reported.",
    );
    for (labels, v) in &lag {
        family.sample(&borrowed(labels), *v as f64);
    }
    let mut family = out.family(
        "switchboard_link_rate_records_per_second",
        Kind::Gauge,
        "Records per second a running link copies, as it last reported.",
    );
    for (labels, v) in &rate {
        family.sample(&borrowed(labels), *v as f64);
    }
    Ok(())
}

async fn sampler(db: &Db, out: &mut Exposition) -> Result<(), DbError> {
    let rows = sqlx::query(
        "SELECT cluster_id, CAST(pass_ms AS BIGINT) AS pass_ms, \
         CAST(reachable AS BIGINT) AS reachable, CAST(failures AS BIGINT) AS failures, \
         last_pass_at FROM monitoring_clusters ORDER BY cluster_id",
    )
    .fetch_all(db.pool())
    .await?;
    struct Sampler {
        cluster: String,
        pass_ms: Option<i64>,
        up: i64,
        failures: i64,
        last_pass: Option<f64>,
    }
    let samplers = rows
        .iter()
        .map(|r| {
            let last: Option<String> = r.try_get("last_pass_at")?;
            Ok(Sampler {
                cluster: r.try_get("cluster_id")?,
                pass_ms: r.try_get("pass_ms")?,
                up: r.try_get("reachable")?,
                failures: r.try_get("failures")?,
                last_pass: last.as_deref().and_then(unix_seconds),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let mut family = out.family(
        "switchboard_sampler_pass_seconds",
        Kind::Gauge,
        "How long the monitoring sampler's last pass over a cluster took.",
    );
    for s in &samplers {
        if let Some(ms) = s.pass_ms {
            family.sample(&[("cluster", s.cluster.as_str())], ms as f64 / 1000.0);
        }
    }
    let mut family = out.family(
        "switchboard_sampler_last_pass_timestamp_seconds",
        Kind::Gauge,
        "When the monitoring sampler last passed over a cluster (Unix time); an old one means the sampled values below are stale.",
    );
    for s in &samplers {
        if let Some(at) = s.last_pass {
            family.sample(&[("cluster", s.cluster.as_str())], at);
        }
    }
    let mut family = out.family(
        "switchboard_sampler_failures_total",
        Kind::Counter,
        "Monitoring sampler passes over a cluster that failed.",
    );
    for s in &samplers {
        family.sample(&[("cluster", s.cluster.as_str())], s.failures as f64);
    }
    let mut family = out.family(
        "switchboard_sampler_cluster_up",
        Kind::Gauge,
        "1 when the monitoring sampler's last pass reached the cluster, else 0.",
    );
    for s in &samplers {
        family.sample(&[("cluster", s.cluster.as_str())], s.up as f64);
    }
    Ok(())
}

async fn alerts(db: &Db, out: &mut Exposition) -> Result<(), DbError> {
    let firing: HashMap<String, i64> = sqlx::query(
        "SELECT kind, COUNT(*) AS n FROM alert_rules \
         WHERE state = 'firing' AND enabled = 1 GROUP BY kind",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((r.try_get("kind")?, r.try_get("n")?)))
    .collect::<Result<_, sqlx::Error>>()?;
    let mut family = out.family(
        "switchboard_alerts_firing",
        Kind::Gauge,
        "Switchboard's own alert rules now firing, by kind.",
    );
    for kind in AlertKind::ALL {
        let n = firing.get(kind.as_str()).copied().unwrap_or(0);
        family.sample(&[("kind", kind.as_str())], n as f64);
    }
    Ok(())
}

async fn series(db: &Db, out: &mut Exposition) -> Result<(), DbError> {
    let rates = sqlx::query(
        "SELECT subject, cluster_id, last_value FROM metric_series \
         WHERE kind = $1 AND last_value IS NOT NULL ORDER BY subject, cluster_id",
    )
    .bind(SeriesKind::TopicRate.as_str())
    .fetch_all(db.pool())
    .await?;
    let mut family = out.family(
        "switchboard_event_records_per_second",
        Kind::Gauge,
        "Records per second written to an event's topic on a cluster, as the monitoring sampler last measured.",
    );
    for r in &rates {
        let event: String = r.try_get("subject")?;
        let cluster: String = r.try_get("cluster_id")?;
        family.sample(
            &[("event", event.as_str()), ("cluster", cluster.as_str())],
            r.try_get("last_value")?,
        );
    }
    // Lags of active grants only: a revoked grant's group is no one's concern.
    let lags = sqlx::query(
        "SELECT s.subject, s.cluster_id, s.last_value, g.event_name, a.team_id \
         FROM metric_series s \
         JOIN grants g ON CAST(g.id AS TEXT) = s.subject \
         JOIN applications a ON a.id = g.application_id \
         WHERE s.kind = $1 AND s.last_value IS NOT NULL AND g.state = 'active' \
         ORDER BY g.id, s.cluster_id",
    )
    .bind(SeriesKind::GroupLag.as_str())
    .fetch_all(db.pool())
    .await?;
    let mut family = out.family(
        "switchboard_grant_lag_records",
        Kind::Gauge,
        "Records a grant's consumer group has not yet committed, as the monitoring sampler last measured; team is the consuming team.",
    );
    for r in &lags {
        let grant: String = r.try_get("subject")?;
        let event: String = r.try_get("event_name")?;
        let cluster: String = r.try_get("cluster_id")?;
        let team: String = r.try_get("team_id")?;
        family.sample(
            &[
                ("grant", grant.as_str()),
                ("event", event.as_str()),
                ("cluster", cluster.as_str()),
                ("team", team.as_str()),
            ],
            r.try_get("last_value")?,
        );
    }
    Ok(())
}

/// Unix seconds of an RFC 3339 time stamp.
fn unix_seconds(stamp: &str) -> Option<f64> {
    let at =
        time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).ok()?;
    Some(at.unix_timestamp_nanos() as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_as_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:01:40Z"), Some(100.0));
        assert_eq!(unix_seconds("1970-01-01T00:00:00.500Z"), Some(0.5));
        assert_eq!(unix_seconds("yesterday"), None);
    }
}
