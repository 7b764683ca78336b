//! The rules `[[monitoring.alert_defaults]]` give every subject: consumer
//! kinds to each active consume grant (told: the consumer's team), traffic
//! kinds to each event at home (the owning team), link kinds to each running
//! link (admins). Made once per subject (`rule_key`); an edited or switched
//! off rule stays as its editors left it.

use app::access::RequestKind;
use app::monitoring::AlertKind;

use super::repo::{self, NewRule};
use crate::access::model::ADMINS;
use crate::access::repo::{active_grants, GrantsOf};
use crate::db::{Db, DbError};
use crate::monitoring::config::AlertDefault;

pub fn key(kind: AlertKind, of: &str, id: &str) -> String {
    format!("{}:{of}:{id}", kind.as_str())
}

/// Makes the rules missing; returns how many were made.
pub async fn ensure(db: &Db, defaults: &[AlertDefault]) -> Result<usize, DbError> {
    if defaults.is_empty() {
        return Ok(0);
    }
    let existing = repo::keys(db).await?;
    let mut conn = db.pool().acquire().await?;
    let grants = active_grants(&mut conn, GrantsOf::All).await?;
    let homes: Vec<(String, String, String)> =
        crate::catalogue::facts::availability(&mut conn, None)
            .await?
            .into_iter()
            .filter(|a| a.home)
            .map(|a| (a.event, a.cluster, a.owning_team))
            .collect();
    drop(conn);
    let links =
        crate::mesh::links::list(db, Some(app::mesh::LinkState::Running), None, None).await?;
    let mut new = Vec::new();
    for d in defaults {
        let mut push = |key: String, rule: NewRule| {
            if !existing.contains(&key) {
                new.push(NewRule { key, ..rule });
            }
        };
        let base = |event: &str, team: &str| NewRule {
            key: String::new(),
            kind: d.kind,
            event: event.to_string(),
            cluster: None,
            grant: None,
            link: None,
            team: team.to_string(),
            threshold: d.threshold,
            for_minutes: d.for_minutes,
        };
        match d.kind {
            AlertKind::ConsumerLag | AlertKind::ConsumerBehind => {
                for g in grants.iter().filter(|g| g.kind == RequestKind::Consume) {
                    push(
                        key(d.kind, "grant", &g.grant.to_string()),
                        NewRule {
                            cluster: Some(g.cluster.clone()),
                            grant: Some(g.grant),
                            ..base(&g.event, &g.team)
                        },
                    );
                }
            }
            AlertKind::NoTraffic | AlertKind::RateCeiling | AlertKind::RateDrop => {
                for (event, cluster, team) in &homes {
                    push(
                        key(d.kind, "event", &format!("{event}@{cluster}")),
                        NewRule {
                            cluster: Some(cluster.clone()),
                            ..base(event, team)
                        },
                    );
                }
            }
            AlertKind::LinkLag | AlertKind::LinkError => {
                for l in &links {
                    push(
                        key(d.kind, "link", &l.id.to_string()),
                        NewRule {
                            cluster: Some(l.target_cluster.clone()),
                            link: Some(l.id),
                            ..base(&l.event, ADMINS)
                        },
                    );
                }
            }
        }
    }
    if new.is_empty() {
        return Ok(0);
    }
    repo::insert(db, &new).await
}
