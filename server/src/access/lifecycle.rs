//! After approval: revocation, the expiry sweep (and its expiring-soon
//! notices), and the provisioning outcomes the worker reports. Each change is
//! one transaction with its audit entry; taking access away enqueues
//! `delete_acls` for the grant's bindings that no other live grant holds.

use std::sync::Arc;
use std::time::Duration;

use super::error::AccessError;
use app::access::{RequestKind, RequestState, RequestView};
use app::auth::Caller;
use serde_json::json;
use time::OffsetDateTime;

use super::model::SYSTEM;
use super::repo;
use super::rules;
use super::service::{conflict, forbidden, record, snapshot, AccessService};
use super::state::{self, Action};
use crate::auth::require_signed_in;
use crate::db::Tx;
use crate::provision::jobs::{CreateMirrorLink, DeleteAcls, StopMirrorLink};
use crate::provision::NewJob;

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub expired: Vec<String>,
    pub expiring_soon: Vec<String>,
}

use crate::db::stamp as rfc3339;

impl AccessService {
    pub async fn revoke(
        &self,
        caller: Option<Caller>,
        id: &str,
        reason: &str,
    ) -> Result<RequestView, AccessError> {
        let caller = require_signed_in(caller)?;
        let (tx, row, steps) = self.locked_for(&caller, id).await?;
        if !rules::may_revoke(&caller, &row) {
            return Err(forbidden(
                "Only the event's owners, the requesting team and admins revoke access.",
            ));
        }
        if row.kind == RequestKind::NewEvent {
            return Err(conflict(
                "a new event is not revoked: its owners retire it in the catalogue",
            ));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AccessError::invalid(
                "say why the access is revoked (reason)",
            ));
        }
        if reason.len() > 2000 {
            return Err(AccessError::invalid(
                "the reason is longer than 2,000 characters",
            ));
        }
        let id = row.id;
        let tx = self
            .take_away(
                tx,
                &caller.user_id,
                id,
                Action::Revoke,
                json!({ "reason": reason }),
            )
            .await?;
        tracing::info!(request = id, actor = %caller.user_id, "access revoked");
        self.finish(tx, &caller, id, steps).await
    }

    /// Revokes or expires the request locked in `tx`: state, grant, a delete
    /// job for its bindings that no other live grant on the cluster holds
    /// (none when all are shared), and the audit entry.
    async fn take_away(
        &self,
        mut tx: Tx,
        actor: &str,
        id: i64,
        action: Action,
        extra: serde_json::Value,
    ) -> Result<Tx, AccessError> {
        let row = repo::request(&mut tx, id)
            .await?
            .ok_or(AccessError::Internal("a row the workflow wrote is missing"))?;
        let to = state::next(Some(row.state), action).map_err(|e| conflict(format!("{e}.")))?;
        let steps = repo::steps(&mut tx, id).await?;
        let before = snapshot(&row, row.state, &steps, json!({}));
        repo::set_state(&mut tx, id, to).await?;
        let mut jobs = Vec::new();
        if let Some(grant) = repo::grant_of(&mut tx, id).await? {
            // First, before this grant leaves the live ones: see the lock's why.
            repo::lock_live_grants_of(&mut tx, &grant.cluster, &grant.principal).await?;
            repo::set_grant_state(&mut tx, grant.id, state::as_str(to)).await?;
            let held =
                repo::bindings_held_by_others(&mut tx, &grant.cluster, &grant.principal, grant.id)
                    .await?;
            let bindings: Vec<_> = grant
                .bindings
                .iter()
                .filter(|b| !held.contains(b))
                .cloned()
                .collect();
            // Every binding still needed by another grant: nothing to delete.
            if !bindings.is_empty() {
                let job = NewJob::of(
                    &grant.cluster,
                    Some(grant.id),
                    &DeleteAcls {
                        grant: grant.id,
                        bindings,
                    },
                );
                jobs.push(
                    crate::provision::enqueue(&mut tx, id, &job)
                        .await?
                        .to_string(),
                );
            }
        }
        if let Some(job) = self.link_stop_if_last(&mut tx, &row).await? {
            jobs.push(
                crate::provision::enqueue(&mut tx, id, &job)
                    .await?
                    .to_string(),
            );
        }
        let mut extra = extra;
        if let Some(map) = extra.as_object_mut() {
            map.insert("jobs".into(), json!(jobs));
        }
        let after = snapshot(&row, to, &steps, extra);
        let action_name = if to == RequestState::Expired {
            "request.expired"
        } else {
            "request.revoked"
        };
        record(&mut tx, actor, action_name, &row, Some(&before), &after).await?;
        Ok(tx)
    }

    /// The last consumer of a mirror leaving its cluster stops the link (the
    /// mirror topic is kept for the grace period); admins' standing
    /// inclusions keep it running.
    async fn link_stop_if_last(
        &self,
        tx: &mut Tx,
        row: &super::model::RequestRow,
    ) -> Result<Option<NewJob>, AccessError> {
        if row.kind != RequestKind::Consume {
            return Ok(None);
        }
        let Some(facts) = crate::catalogue::facts::event_facts(tx, &row.event).await? else {
            return Ok(None);
        };
        if facts.home_cluster == row.cluster
            || self.mesh.included(&row.event).contains(&row.cluster)
            || repo::open_consumers(tx, &row.event, &row.cluster, &row.topic).await? > 0
        {
            return Ok(None);
        }
        Ok(Some(NewJob::of(
            &row.cluster,
            None,
            &StopMirrorLink(CreateMirrorLink {
                event: row.event.clone(),
                source_cluster: facts.home_cluster,
                source_topic: facts.topic,
                target_topic: row.topic.clone(),
            }),
        )))
    }

    /// Expires active grants whose end date passed, and announces once those
    /// ending within the notice period. `now` is the sweep's clock.
    pub async fn sweep(&self, now: OffsetDateTime) -> Result<Swept, AccessError> {
        let mut swept = Swept::default();
        let notice = time::Duration::days(i64::from(self.config.expiring_notice_days));
        let now_text = rfc3339(now);
        let candidates = {
            let mut conn = self.conn().await?;
            repo::grants_ending_by(&mut conn, &rfc3339(now + notice)).await?
        };
        for (grant, notified) in candidates {
            let id = grant.request_id.to_string();
            let (mut tx, row, steps) = self.locked(&id).await?;
            if grant.expires_at <= now_text {
                if row.state != RequestState::Active {
                    // Still provisioning or failed: revoking it is the owners' call.
                    continue;
                }
                let tx = self
                    .take_away(
                        tx,
                        SYSTEM,
                        row.id,
                        Action::Expire,
                        json!({ "expires_at": grant.expires_at }),
                    )
                    .await?;
                tx.commit().await?;
                crate::provision::wake();
                tracing::info!(request = row.id, grant = grant.id, "access expired");
                swept.expired.push(id);
            } else if notified.is_none() && state::is_open(row.state) {
                if !repo::mark_expiring_notified(&mut tx, grant.id).await? {
                    continue;
                }
                let after = snapshot(
                    &row,
                    row.state,
                    &steps,
                    json!({ "grant": grant.id.to_string(), "expires_at": grant.expires_at }),
                );
                crate::audit::record(
                    &mut tx,
                    crate::audit::Entry::<(), _> {
                        actor: SYSTEM,
                        action: "grant.expiring_soon",
                        subject: &format!("request:{}", row.id),
                        before: None,
                        after: Some(&after),
                    },
                )
                .await?;
                tx.commit().await?;
                crate::provision::wake();
                swept.expiring_soon.push(id);
            }
        }
        Ok(swept)
    }

    /// Runs the sweep every `every` until the process stops.
    pub fn spawn_sweep(self: &Arc<Self>, every: Duration) {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                match me.sweep(OffsetDateTime::now_utc()).await {
                    Ok(s) if !s.expired.is_empty() || !s.expiring_soon.is_empty() => {
                        tracing::info!(
                            expired = s.expired.len(),
                            expiring_soon = s.expiring_soon.len(),
                            "access sweep"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "access sweep failed"),
                }
                tokio::time::sleep(every).await;
            }
        });
    }

    /// The worker reports that every job of the request succeeded: the grant
    /// is active (`request.active`).
    pub async fn mark_provisioned(&self, id: &str) -> Result<(), AccessError> {
        self.outcome(id, Action::Provisioned, "request.active", None)
            .await
    }

    /// The worker reports a job parked after its last attempt (`request.failed`).
    pub async fn mark_failed(&self, id: &str, error: &str) -> Result<(), AccessError> {
        self.outcome(id, Action::JobFailed, "request.failed", Some(error))
            .await
    }

    /// The worker tries a failed request's jobs again (`request.retrying`).
    pub async fn mark_retrying(&self, id: &str) -> Result<(), AccessError> {
        self.outcome(id, Action::Retry, "request.retrying", None)
            .await
    }

    async fn outcome(
        &self,
        id: &str,
        action: Action,
        audit_action: &str,
        error: Option<&str>,
    ) -> Result<(), AccessError> {
        let (mut tx, row, steps) = self.locked(id).await?;
        let to = state::next(Some(row.state), action).map_err(|e| conflict(format!("{e}.")))?;
        repo::set_state(&mut tx, row.id, to).await?;
        if to == RequestState::Active {
            if let Some(grant) = repo::grant_of(&mut tx, row.id).await? {
                repo::set_grant_state(&mut tx, grant.id, "active").await?;
            }
        }
        let before = snapshot(&row, row.state, &steps, json!({}));
        let after = snapshot(&row, to, &steps, json!({ "error": error }));
        record(&mut tx, SYSTEM, audit_action, &row, Some(&before), &after).await?;
        tx.commit().await?;
        crate::provision::wake();
        Ok(())
    }
}
