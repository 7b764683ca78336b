//! The `Monitoring` service the pages and the REST API call: charts and
//! tables for whoever may see their subject, the overview for admins, alert
//! rules edited by those they concern.

use std::collections::HashMap;
use std::sync::Arc;

use app::auth::Caller;
use app::error::AppError;
use app::monitoring::{
    AlertRuleEdit, AlertRuleView, AlertState, AlertView, AlertsPage, Chart, ChartRange,
    EventTraffic, MeshMap, Overview, SeriesKind,
};

use super::alerts::evaluate::chart_link;
use super::alerts::repo::{self as rules, RuleRow};
use super::config::MonitoringConfig;
use super::error::MonitoringError;
use super::store;
use super::views;
use crate::access::model::ADMINS;
use crate::access::repo::{active_grants, GrantsOf};
use crate::access::AccessService;
use crate::db::Db;

/// Resolved alerts listed beside the firing ones.
const RECENT_ALERTS: i64 = 50;
/// Rows of each overview table.
const TOP: usize = 10;

pub struct MonitoringService {
    db: Db,
    config: MonitoringConfig,
    access: Arc<AccessService>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn signed_in(caller: Option<Caller>) -> Result<Caller, MonitoringError> {
    caller.ok_or(MonitoringError::SignIn)
}

fn parse_id(id: &str, what: &str) -> Result<i64, MonitoringError> {
    id.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| MonitoringError::NotFound(format!("there is no {what} `{id}`")))
}

/// Admins edit every rule; others the rules of their teams (the owning
/// team's event rules, the consumer team's grant rules). Link rules are told
/// to admins and only they edit them.
pub fn may_edit(caller: &Caller, rule: &RuleRow) -> bool {
    caller.admin || (rule.team != ADMINS && caller.teams.iter().any(|t| t == &rule.team))
}

impl MonitoringService {
    pub fn new(db: Db, config: MonitoringConfig, access: Arc<AccessService>) -> Self {
        MonitoringService { db, config, access }
    }

    fn idle_after(&self) -> i64 {
        i64::try_from(self.config.idle_after_mins.max(1) * 60).unwrap_or(3_600)
    }

    pub async fn event_traffic(
        &self,
        caller: Option<Caller>,
        event: &str,
        range: ChartRange,
    ) -> Result<EventTraffic, MonitoringError> {
        let mut conn = self
            .db
            .pool()
            .acquire()
            .await
            .map_err(crate::db::DbError::from)?;
        if crate::catalogue::facts::owning_team(&mut conn, event)
            .await?
            .is_none()
        {
            return Err(MonitoringError::NotFound(format!(
                "there is no event named `{event}`"
            )));
        }
        let homes: HashMap<String, bool> = crate::catalogue::facts::availability(&mut conn, None)
            .await?
            .into_iter()
            .filter(|a| a.event == event)
            .map(|a| (a.cluster, a.home))
            .collect();
        // Who consumes is shown to people signed in, not to anonymous readers.
        let grants = match caller {
            Some(_) => active_grants(&mut conn, GrantsOf::Event(event)).await?,
            None => Vec::new(),
        };
        drop(conn);
        let series = store::of_subject(&self.db, SeriesKind::TopicRate, event)
            .await?
            .into_iter()
            .map(|s| {
                let role = match homes.get(&s.cluster) {
                    Some(true) => "home",
                    _ => "mirror",
                };
                let label = format!("{} ({role})", s.cluster);
                (s, label)
            })
            .collect();
        let at = now();
        let rate = views::chart(
            &self.db,
            format!("Records/s of {event}"),
            SeriesKind::TopicRate.unit(),
            range,
            at,
            series,
        )
        .await?;
        let consumers = views::consumers(&self.db, &grants, at, self.idle_after()).await?;
        Ok(EventTraffic {
            event: event.to_string(),
            rate,
            consumers,
        })
    }

    pub async fn request_chart(
        &self,
        caller: Option<Caller>,
        request_id: &str,
        range: ChartRange,
    ) -> Result<Chart, MonitoringError> {
        // The access workflow decides who sees the request (and says 404 to others).
        let request =
            self.access
                .request(caller, request_id)
                .await
                .map_err(|e| match AppError::from(e) {
                    e if e.code == app::error::ErrorCode::Unauthenticated => {
                        MonitoringError::SignIn
                    }
                    e => MonitoringError::NotFound(e.message),
                })?;
        let id = parse_id(request_id, "request")?;
        let mut conn = self
            .db
            .pool()
            .acquire()
            .await
            .map_err(crate::db::DbError::from)?;
        let grant = active_grants(&mut conn, GrantsOf::Request(id))
            .await?
            .into_iter()
            .next();
        drop(conn);
        let at = now();
        let (kind, subject, title) = match (&grant, request.kind) {
            (Some(g), app::access::RequestKind::Consume) => (
                SeriesKind::GroupLag,
                g.grant.to_string(),
                format!(
                    "Lag of {} on {}",
                    g.group.as_deref().unwrap_or("its group"),
                    g.cluster
                ),
            ),
            _ => (
                SeriesKind::TopicRate,
                request.event.clone(),
                format!("Records/s of {} on {}", request.event, request.cluster),
            ),
        };
        let series = store::of_subject(&self.db, kind, &subject)
            .await?
            .into_iter()
            .filter(|s| s.cluster == request.cluster)
            .map(|s| {
                let label = s.cluster.clone();
                (s, label)
            })
            .collect();
        Ok(views::chart(&self.db, title, kind.unit(), range, at, series).await?)
    }

    pub async fn link_chart(
        &self,
        _caller: Option<Caller>,
        link_id: &str,
        range: ChartRange,
    ) -> Result<Chart, MonitoringError> {
        let id = parse_id(link_id, "link")?;
        let link = crate::mesh::links::get(&self.db, id)
            .await?
            .ok_or_else(|| MonitoringError::NotFound(format!("there is no link `{link_id}`")))?;
        let mut series = Vec::new();
        for kind in [SeriesKind::LinkLag, SeriesKind::LinkRate] {
            for s in store::of_subject(&self.db, kind, &id.to_string()).await? {
                let label = match kind {
                    SeriesKind::LinkLag => "lag (records)".to_string(),
                    _ => "rate (records/s)".to_string(),
                };
                series.push((s, label));
            }
        }
        Ok(views::chart(
            &self.db,
            format!(
                "{}: {} → {}",
                link.event, link.source_cluster, link.target_cluster
            ),
            "records, records/s",
            range,
            now(),
            series,
        )
        .await?)
    }

    pub async fn map(&self, _caller: Option<Caller>) -> Result<MeshMap, MonitoringError> {
        Ok(views::map(&self.db).await?)
    }

    pub async fn overview(&self, caller: Option<Caller>) -> Result<Overview, MonitoringError> {
        let caller = signed_in(caller)?;
        if !caller.admin {
            return Err(MonitoringError::Forbidden(
                "only admins see the overview".into(),
            ));
        }
        let mut conn = self
            .db
            .pool()
            .acquire()
            .await
            .map_err(crate::db::DbError::from)?;
        let homes: HashMap<String, String> = crate::catalogue::facts::availability(&mut conn, None)
            .await?
            .into_iter()
            .filter(|a| a.home)
            .map(|a| (a.event, a.cluster))
            .collect();
        let grants = active_grants(&mut conn, GrantsOf::All).await?;
        drop(conn);
        let at = now();
        let rows = store::of_kind(&self.db, SeriesKind::TopicRate).await?;
        let all = views::rates(&rows, &homes);
        let busiest: Vec<_> = all
            .iter()
            .filter(|r| r.rate > 0.0)
            .take(TOP)
            .cloned()
            .collect();
        let silent: Vec<_> = all
            .iter()
            .filter(|r| r.rate <= 0.0)
            .filter(|r| {
                let last = rows
                    .iter()
                    .find(|s| s.subject == r.event && s.cluster == r.cluster)
                    .and_then(|s| s.changed_at);
                last.is_none_or(|t| at - t > 86_400)
            })
            .take(TOP * 2)
            .cloned()
            .collect();
        let consumers = views::consumers(&self.db, &grants, at, self.idle_after()).await?;
        let mut lagging: Vec<_> = consumers
            .iter()
            .filter(|c| c.lag.unwrap_or(0) > 0)
            .cloned()
            .collect();
        lagging.sort_by_key(|c| std::cmp::Reverse(c.lag));
        lagging.truncate(TOP);
        let idle = consumers
            .into_iter()
            .filter(|c| c.idle)
            .take(TOP * 2)
            .collect();
        let firing = rules::all(&self.db)
            .await?
            .iter()
            .filter(|r| r.state == AlertState::Firing)
            .count();
        let sampled_at = super::lease::states(&self.db)
            .await?
            .into_iter()
            .filter_map(|s| s.last_pass_at)
            .max();
        Ok(Overview {
            busiest,
            lagging,
            idle,
            silent,
            firing,
            sampled_at,
        })
    }

    async fn requests_of_grants(&self) -> Result<HashMap<i64, i64>, MonitoringError> {
        let mut conn = self
            .db
            .pool()
            .acquire()
            .await
            .map_err(crate::db::DbError::from)?;
        Ok(active_grants(&mut conn, GrantsOf::All)
            .await?
            .into_iter()
            .map(|g| (g.grant, g.request))
            .collect())
    }

    fn rule_view(caller: &Caller, r: &RuleRow, requests: &HashMap<i64, i64>) -> AlertRuleView {
        AlertRuleView {
            id: r.id.to_string(),
            kind: r.kind,
            event: r.event.clone(),
            cluster: r.cluster.clone(),
            grant_id: r.grant.map(|g| g.to_string()),
            link_id: r.link.map(|l| l.to_string()),
            team: r.team.clone(),
            threshold: r.threshold,
            for_minutes: r.for_minutes,
            enabled: r.enabled,
            state: r.state,
            since: r.since.clone(),
            last_value: r.last_value,
            editable: may_edit(caller, r),
            link: chart_link(r, requests),
        }
    }

    pub async fn alerts(&self, caller: Option<Caller>) -> Result<AlertsPage, MonitoringError> {
        let caller = signed_in(caller)?;
        let requests = self.requests_of_grants().await?;
        let mut firing = Vec::new();
        let mut recent = Vec::new();
        for a in rules::alerts(&self.db, RECENT_ALERTS).await? {
            let view = AlertView {
                id: a.id.to_string(),
                rule_id: a.rule.id.to_string(),
                kind: a.rule.kind,
                event: a.rule.event.clone(),
                cluster: a.rule.cluster.clone(),
                team: a.rule.team.clone(),
                summary: a.summary,
                value: a.value,
                fired_at: a.fired_at,
                resolved_at: a.resolved_at.clone(),
                link: chart_link(&a.rule, &requests),
            };
            if a.resolved_at.is_none() {
                firing.push(view);
            } else {
                recent.push(view);
            }
        }
        // The caller's own rules first, then the rest (read-only).
        let mut rules: Vec<AlertRuleView> = rules::all(&self.db)
            .await?
            .iter()
            .map(|r| Self::rule_view(&caller, r, &requests))
            .collect();
        rules.sort_by_key(|r| (!r.editable, r.state != AlertState::Firing));
        Ok(AlertsPage {
            firing,
            recent,
            rules,
        })
    }

    pub async fn edit_rule(
        &self,
        caller: Option<Caller>,
        id: &str,
        edit: AlertRuleEdit,
    ) -> Result<AlertRuleView, MonitoringError> {
        let caller = signed_in(caller)?;
        let rid = parse_id(id, "alert rule")?;
        let rule = rules::get(&self.db, rid)
            .await?
            .ok_or_else(|| MonitoringError::NotFound(format!("there is no alert rule `{id}`")))?;
        if !may_edit(&caller, &rule) {
            return Err(MonitoringError::Forbidden(format!(
                "only {} and admins edit this rule",
                if rule.team == ADMINS {
                    "admins".to_string()
                } else {
                    format!("members of {}", rule.team)
                }
            )));
        }
        if !edit.threshold.is_finite() || edit.threshold < 0.0 {
            return Err(MonitoringError::invalid(
                "the threshold must be a number of 0 or more",
            ));
        }
        if rule.kind == app::monitoring::AlertKind::RateDrop && edit.threshold > 100.0 {
            return Err(MonitoringError::invalid("a drop is at most 100 percent"));
        }
        if !(0..=7 * 24 * 60).contains(&edit.for_minutes) {
            return Err(MonitoringError::invalid(
                "the duration must be between 0 and 10080 minutes (7 days)",
            ));
        }
        let mut tx = self.db.begin().await?;
        rules::update(&mut tx, rid, edit.threshold, edit.for_minutes, edit.enabled).await?;
        // Switching a firing rule off resolves its alert, as people expect.
        if !edit.enabled && rule.state != AlertState::Ok {
            rules::set_state(
                &mut tx,
                rid,
                AlertState::Ok,
                Some(&crate::db::now()),
                rule.last_value,
            )
            .await?;
            rules::resolve_alert(&mut tx, rid, &crate::db::now()).await?;
        }
        crate::audit::record(
            &mut tx,
            crate::audit::Entry {
                actor: &caller.user_id,
                action: "alert_rule.updated",
                subject: &format!("alert_rule:{rid}"),
                before: Some(&serde_json::json!({
                    "threshold": rule.threshold, "for_minutes": rule.for_minutes, "enabled": rule.enabled
                })),
                after: Some(&edit),
            },
        )
        .await?;
        tx.commit().await.map_err(crate::db::DbError::from)?;
        let updated = rules::get(&self.db, rid)
            .await?
            .ok_or_else(|| MonitoringError::NotFound(format!("there is no alert rule `{id}`")))?;
        let requests = self.requests_of_grants().await?;
        Ok(Self::rule_view(&caller, &updated, &requests))
    }
}

#[async_trait::async_trait]
impl app::services::Monitoring for MonitoringService {
    async fn event_traffic(
        &self,
        caller: Option<Caller>,
        event: &str,
        range: ChartRange,
    ) -> Result<EventTraffic, AppError> {
        Ok(MonitoringService::event_traffic(self, caller, event, range).await?)
    }
    async fn request_chart(
        &self,
        caller: Option<Caller>,
        request_id: &str,
        range: ChartRange,
    ) -> Result<Chart, AppError> {
        Ok(MonitoringService::request_chart(self, caller, request_id, range).await?)
    }
    async fn link_chart(
        &self,
        caller: Option<Caller>,
        link_id: &str,
        range: ChartRange,
    ) -> Result<Chart, AppError> {
        Ok(MonitoringService::link_chart(self, caller, link_id, range).await?)
    }
    async fn map(&self, caller: Option<Caller>) -> Result<MeshMap, AppError> {
        Ok(MonitoringService::map(self, caller).await?)
    }
    async fn overview(&self, caller: Option<Caller>) -> Result<Overview, AppError> {
        Ok(MonitoringService::overview(self, caller).await?)
    }
    async fn alerts(&self, caller: Option<Caller>) -> Result<AlertsPage, AppError> {
        Ok(MonitoringService::alerts(self, caller).await?)
    }
    async fn edit_rule(
        &self,
        caller: Option<Caller>,
        id: &str,
        edit: AlertRuleEdit,
    ) -> Result<AlertRuleView, AppError> {
        Ok(MonitoringService::edit_rule(self, caller, id, edit).await?)
    }
}
