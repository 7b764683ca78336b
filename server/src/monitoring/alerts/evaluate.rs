//! One evaluation pass: each enabled rule read against the latest samples,
//! moved through ok → pending → firing → ok, and every firing and resolution
//! written with its audit entry (which the notifier sends to the rule's team).

use std::collections::HashMap;

use app::monitoring::{AlertKind, SeriesKind};
use serde::Serialize;

use super::condition::{self, Change, Reading};
use super::repo::{self, RuleRow};
use crate::access::model::SYSTEM;
use crate::db::{stamp, Db, DbError};
use crate::monitoring::store::{self, SeriesRow};

/// What a pass changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EvalReport {
    pub evaluated: usize,
    pub fired: Vec<i64>,
    pub resolved: Vec<i64>,
}

/// What the audit entry carries: the notifier reads `team`, `event`,
/// `cluster`, `summary` and `link`.
#[derive(Serialize)]
struct AlertFacts<'a> {
    id: i64,
    kind: &'static str,
    rule: i64,
    team: &'a str,
    event: &'a str,
    cluster: Option<&'a str>,
    summary: &'a str,
    link: &'a str,
    value: f64,
}

type ByKey = HashMap<(String, String), SeriesRow>;

async fn by_key(db: &Db, kind: SeriesKind) -> Result<ByKey, DbError> {
    Ok(store::of_kind(db, kind)
        .await?
        .into_iter()
        .map(|s| ((s.cluster.clone(), s.subject.clone()), s))
        .collect())
}

fn parse_stamp(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Where a rule's chart is.
pub fn chart_link(rule: &RuleRow, requests: &HashMap<i64, i64>) -> String {
    match (rule.kind, rule.grant, rule.link) {
        (_, Some(g), _) => match requests.get(&g) {
            Some(r) => format!("/requests/{r}"),
            None => format!("/events/{}", rule.event),
        },
        (_, _, Some(_)) => "/clusters".to_string(),
        _ => format!("/events/{}", rule.event),
    }
}

pub fn summary(rule: &RuleRow, value: f64) -> String {
    let on = rule.cluster.as_deref().unwrap_or("?");
    let t = rule.threshold;
    match rule.kind {
        AlertKind::ConsumerLag => format!(
            "{}'s consumer of {} on {on} is {value:.0} records behind (over {t:.0})",
            rule.team, rule.event
        ),
        AlertKind::ConsumerBehind => format!(
            "{}'s consumer of {} on {on} is {value:.1} minutes behind (over {t:.0})",
            rule.team, rule.event
        ),
        AlertKind::NoTraffic => format!(
            "No records on {} ({on}) for {value:.1} hours (floor: {t} hours)",
            rule.event
        ),
        AlertKind::RateCeiling => format!(
            "{} ({on}) receives {value:.1} records/s (ceiling {t})",
            rule.event
        ),
        AlertKind::RateDrop => format!(
            "{} ({on}) is {value:.0} % below its usual rate at this hour (over {t:.0} %)",
            rule.event
        ),
        AlertKind::LinkLag => format!(
            "The link mirroring {} to {on} is {value:.0} records behind (over {t:.0})",
            rule.event
        ),
        AlertKind::LinkError => {
            format!("The link mirroring {} to {on} reports an error", rule.event)
        }
    }
}

pub async fn evaluate(
    db: &Db,
    now: time::OffsetDateTime,
    interval_secs: u64,
) -> Result<EvalReport, DbError> {
    let at = now.unix_timestamp();
    let fresh_after = at - 3 * i64::try_from(interval_secs.max(1)).unwrap_or(30);
    let rules: Vec<RuleRow> = repo::all(db)
        .await?
        .into_iter()
        .filter(|r| r.enabled)
        .collect();
    let mut report = EvalReport::default();
    if rules.is_empty() {
        return Ok(report);
    }
    let rates = by_key(db, SeriesKind::TopicRate).await?;
    let lags = by_key(db, SeriesKind::GroupLag).await?;
    let link_lags = by_key(db, SeriesKind::LinkLag).await?;
    let links: HashMap<i64, crate::mesh::links::LinkRow> =
        crate::mesh::links::list(db, Some(app::mesh::LinkState::Running), None, None)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
    let mut conn = db.pool().acquire().await?;
    let requests: HashMap<i64, i64> =
        crate::access::repo::active_grants(&mut conn, crate::access::repo::GrantsOf::All)
            .await?
            .into_iter()
            .map(|g| (g.grant, g.request))
            .collect();
    drop(conn);
    let fresh = |s: Option<&SeriesRow>| -> Option<SeriesRow> {
        s.filter(|s| s.last_at.is_some_and(|t| t >= fresh_after))
            .cloned()
    };

    let mut readings: Vec<(&RuleRow, f64)> = Vec::new();
    for rule in &rules {
        let cluster = rule.cluster.clone().unwrap_or_default();
        let topic = fresh(rates.get(&(cluster.clone(), rule.event.clone())));
        let value: Option<f64> = match rule.kind {
            AlertKind::ConsumerLag => rule
                .grant
                .and_then(|g| fresh(lags.get(&(cluster.clone(), g.to_string()))))
                .and_then(|s| s.last_value),
            AlertKind::ConsumerBehind => {
                let lag = rule
                    .grant
                    .and_then(|g| fresh(lags.get(&(cluster.clone(), g.to_string()))))
                    .and_then(|s| s.last_value);
                let rate = topic.as_ref().and_then(|t| t.last_value);
                match (lag, rate) {
                    (Some(l), _) if l <= 0.0 => Some(0.0),
                    (Some(l), Some(r)) if r > 0.0 => Some(l / r / 60.0),
                    _ => None,
                }
            }
            AlertKind::NoTraffic => topic.as_ref().map(|t| {
                let last = t
                    .changed_at
                    .or_else(|| parse_stamp(&rule.created_at))
                    .unwrap_or(at);
                (at - last).max(0) as f64 / 3_600.0
            }),
            AlertKind::RateCeiling => topic.as_ref().and_then(|t| t.last_value),
            AlertKind::RateDrop => match topic.as_ref() {
                Some(t) => {
                    let hour = at - at.rem_euclid(3_600);
                    let past =
                        store::points(db, t.id, 3_600, hour - 7 * 86_400, hour - 3_600).await?;
                    let same: Vec<f64> = past
                        .iter()
                        .filter(|p| (hour - p.at).rem_euclid(86_400) == 0)
                        .map(|p| p.value)
                        .collect();
                    let baseline = same.iter().sum::<f64>() / same.len().max(1) as f64;
                    match t.last_value {
                        Some(v) if !same.is_empty() && baseline > 0.0 => {
                            Some(((1.0 - v / baseline) * 100.0).max(0.0))
                        }
                        _ => None,
                    }
                }
                None => None,
            },
            AlertKind::LinkLag => rule
                .link
                .and_then(|l| fresh(link_lags.get(&(cluster.clone(), l.to_string()))))
                .and_then(|s| s.last_value),
            AlertKind::LinkError => rule.link.and_then(|l| links.get(&l)).map(|l| {
                if l.last_error.is_some() {
                    1.0
                } else {
                    0.0
                }
            }),
        };
        // No fresh sample (cluster unreachable, grant ended): nothing changes.
        if let Some(value) = value {
            readings.push((rule, value));
        }
    }

    let mut tx = db.begin().await?;
    for (rule, value) in readings {
        report.evaluated += 1;
        let reading: Reading = condition::read(rule.kind, rule.threshold, value);
        let since = rule.since.as_deref().and_then(parse_stamp);
        let (state, since, change) =
            condition::next(rule.state, since, reading, at, rule.for_minutes);
        let since_text = since
            .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
            .map(stamp);
        if change == Change::None && rule.last_value == Some(value) {
            continue;
        }
        repo::set_state(&mut tx, rule.id, state, since_text.as_deref(), Some(value)).await?;
        let link = chart_link(rule, &requests);
        let action = match change {
            Change::Fire => {
                let text = summary(rule, value);
                let id = repo::open_alert(&mut tx, rule.id, &text, value, &stamp(now)).await?;
                report.fired.push(rule.id);
                Some(("alert.firing", id, text))
            }
            Change::Resolve => {
                let text = summary(rule, value);
                let id = repo::resolve_alert(&mut tx, rule.id, &stamp(now)).await?;
                report.resolved.push(rule.id);
                id.map(|id| ("alert.resolved", id, text))
            }
            Change::None | Change::Quiet => None,
        };
        if let Some((action, id, text)) = action {
            let facts = AlertFacts {
                id,
                kind: "alert",
                rule: rule.id,
                team: &rule.team,
                event: &rule.event,
                cluster: rule.cluster.as_deref(),
                summary: &text,
                link: &link,
                value,
            };
            crate::audit::record(
                &mut tx,
                crate::audit::Entry::<(), _> {
                    actor: SYSTEM,
                    action,
                    subject: &format!("alert_rule:{}", rule.id),
                    before: None,
                    after: Some(&facts),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(report)
}
