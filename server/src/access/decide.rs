//! Decisions on submitted requests, cancellation and reassignment. The final
//! approval writes, in the same transaction, the grant and its provisioning
//! jobs (or, for a new event, the draft event and its jobs) and moves the
//! request on to `provisioning`.

use super::error::AccessError;
use app::access::{
    Decision, DecisionOutcome, NewEventForm, RequestKind, RequestState, RequestView,
};
use app::auth::Caller;
use serde_json::{json, Value};

use super::model::{AclBinding, RequestRow, Step, StepRow};
use super::repo::{self, NewGrant};
use super::service::AccessService;
use super::service::{conflict, forbidden, not_found, parse_id, record, snapshot, view};
use super::state::{self, Action};
use super::{policy, rules};
use crate::auth::{require_admin, require_signed_in};
use crate::catalogue::model::{EventSpec, Lifecycle};
use crate::db::{DbError, Tx};
use crate::kafka::acls::{AclOperation, AclResource};
use crate::provision::jobs::{CreateAcls, CreateMirrorLink, CreateTopic, RegisterSchema};
use crate::provision::NewJob;

fn comment(text: &str, what: &str) -> Result<String, AccessError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AccessError::invalid(format!("a {what} needs a comment")));
    }
    if text.len() > 2000 {
        return Err(AccessError::invalid(
            "the comment is longer than 2,000 characters",
        ));
    }
    Ok(text.to_string())
}

fn refused(e: state::Forbidden) -> AccessError {
    conflict(format!("{e}."))
}

/// What a consume grant allows: read and describe the topic, read as the
/// group (or any group of the prefix).
pub(crate) fn consume_bindings(
    topic: &str,
    group: &str,
    group_is_prefix: bool,
    principal: &str,
) -> Vec<AclBinding> {
    vec![
        AclBinding::allow(
            AclResource::Topic,
            topic,
            false,
            principal,
            AclOperation::Read,
        ),
        AclBinding::allow(
            AclResource::Topic,
            topic,
            false,
            principal,
            AclOperation::Describe,
        ),
        AclBinding::allow(
            AclResource::Group,
            group,
            group_is_prefix,
            principal,
            AclOperation::Read,
        ),
    ]
}

impl AccessService {
    /// Opens a transaction holding the request's lock, with its current row
    /// and steps. 404 when there is no such request.
    pub(super) async fn locked(
        &self,
        id: &str,
    ) -> Result<(Tx, RequestRow, Vec<StepRow>), AccessError> {
        let rid = parse_id(id)?;
        let mut tx = self.begin().await?;
        if !repo::lock_request(&mut tx, rid).await? {
            return Err(not_found(id));
        }
        let row = repo::request(&mut tx, rid)
            .await?
            .ok_or_else(|| not_found(id))?;
        let steps = repo::steps(&mut tx, rid).await?;
        Ok((tx, row, steps))
    }

    /// `locked` for an action of `caller`: a request the caller may not see
    /// is as unknown as a missing one (404), so acting on ids cannot probe
    /// which exist.
    pub(super) async fn locked_for(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(Tx, RequestRow, Vec<StepRow>), AccessError> {
        let (tx, row, steps) = self.locked(id).await?;
        if !rules::may_view(caller, &row, &steps) {
            return Err(not_found(id));
        }
        Ok((tx, row, steps))
    }

    pub async fn decide(
        &self,
        caller: Option<Caller>,
        decision: Decision,
    ) -> Result<RequestView, AccessError> {
        let caller = require_signed_in(caller)?;
        let (mut tx, row, steps) = self.locked_for(&caller, &decision.request).await?;
        if row.state != RequestState::Submitted {
            return Err(conflict(format!(
                "request {} is {} and waits for no decision",
                row.id,
                state::as_str(row.state)
            )));
        }
        let Some(step) = rules::decidable_step(&caller, &row, &steps) else {
            return Err(forbidden(rules::why_not_decide(&caller, &row, &steps)));
        };
        let what = if decision.approve {
            "approval"
        } else {
            "rejection"
        };
        let comment = comment(&decision.comment, what)?;
        if !repo::decide_step(
            &mut tx,
            row.id,
            step,
            &caller.user_id,
            decision.approve,
            &comment,
        )
        .await?
        {
            return Err(conflict(
                "this step was decided meanwhile; reload the request",
            ));
        }
        let steps_now = repo::steps(&mut tx, row.id).await?;
        let details = json!({
            "step": step.as_str(),
            "decision": if decision.approve { "approved" } else { "rejected" },
            "comment": comment,
            "decided_by": caller.user_id,
        });
        let before = snapshot(&row, row.state, &steps, json!({}));
        let actor = caller.user_id.as_str();
        if !decision.approve {
            let to = state::next(Some(row.state), Action::Reject).map_err(refused)?;
            repo::set_state(&mut tx, row.id, to).await?;
            let after = snapshot(&row, to, &steps_now, details);
            record(
                &mut tx,
                actor,
                "request.rejected",
                &row,
                Some(&before),
                &after,
            )
            .await?;
        } else if steps_now.iter().any(StepRow::pending) {
            let to = state::next(Some(row.state), Action::ApproveStep).map_err(refused)?;
            let after = snapshot(&row, to, &steps_now, details);
            record(
                &mut tx,
                actor,
                "request.step_approved",
                &row,
                Some(&before),
                &after,
            )
            .await?;
        } else {
            let approved = state::next(Some(row.state), Action::FinalApprove).map_err(refused)?;
            repo::set_state(&mut tx, row.id, approved).await?;
            let after = snapshot(&row, approved, &steps_now, details);
            record(
                &mut tx,
                actor,
                "request.approved",
                &row,
                Some(&before),
                &after,
            )
            .await?;
            let provisioning =
                state::next(Some(approved), Action::StartProvisioning).map_err(refused)?;
            let jobs = self.fulfil(&mut tx, &row, actor).await?;
            repo::set_state(&mut tx, row.id, provisioning).await?;
            let after_provisioning =
                snapshot(&row, provisioning, &steps_now, json!({ "jobs": jobs }));
            record(
                &mut tx,
                actor,
                "request.provisioning",
                &row,
                Some(&after),
                &after_provisioning,
            )
            .await?;
        }
        let row_now = repo::request(&mut tx, row.id)
            .await?
            .ok_or(AccessError::Internal("a row the workflow wrote is missing"))?;
        let view = view(&mut tx, &caller, row_now, steps_now).await?;
        tx.commit().await?;
        crate::provision::wake();
        tracing::info!(
            request = row.id,
            step = step.as_str(),
            approve = decision.approve,
            state = state::as_str(view.state),
            actor,
            "request decided"
        );
        if row.kind == RequestKind::NewEvent && view.state == RequestState::Provisioning {
            // The draft event was added in the transaction; search sees it now.
            self.catalogue.reindex_one(&row.event).await?;
        }
        Ok(view)
    }

    /// What final approval writes: the grant and its jobs, or the draft event
    /// and its jobs. Returns the ids of the jobs enqueued.
    async fn fulfil(
        &self,
        tx: &mut Tx,
        row: &RequestRow,
        actor: &str,
    ) -> Result<Vec<String>, AccessError> {
        let jobs = match row.kind {
            RequestKind::Consume | RequestKind::Produce => self.grant(tx, row).await?,
            RequestKind::NewEvent => self.create_event(tx, row, actor).await?,
        };
        let mut ids = Vec::new();
        for job in &jobs {
            ids.push(
                crate::provision::enqueue(tx, row.id, job)
                    .await?
                    .to_string(),
            );
        }
        Ok(ids)
    }

    async fn grant(&self, tx: &mut Tx, row: &RequestRow) -> Result<Vec<NewJob>, AccessError> {
        let app_id = row
            .application_id
            .ok_or(AccessError::Internal("a row the workflow wrote is missing"))?;
        let application = repo::application(tx, app_id)
            .await?
            .ok_or(AccessError::Internal("a row the workflow wrote is missing"))?;
        let principal = application
            .principals
            .iter()
            .find(|p| p.cluster == row.cluster)
            .map(|p| p.principal.clone())
            .ok_or_else(|| {
                AccessError::invalid(format!(
                    "application `{}` no longer has a principal on `{}`",
                    application.name, row.cluster
                ))
            })?;
        let facts = crate::catalogue::facts::event_facts(tx, &row.event)
            .await?
            .ok_or_else(|| {
                AccessError::invalid(format!("event `{}` no longer exists", row.event))
            })?;
        let mut jobs = Vec::new();
        let bindings = match row.kind {
            RequestKind::Consume => {
                if row.cluster != facts.home_cluster {
                    jobs.push(NewJob::of(
                        &row.cluster,
                        None,
                        &CreateMirrorLink {
                            event: row.event.clone(),
                            source_cluster: facts.home_cluster.clone(),
                            source_topic: facts.topic.clone(),
                            target_topic: row.topic.clone(),
                        },
                    ));
                }
                let group = row.group.clone().unwrap_or_default();
                consume_bindings(&row.topic, &group, row.group_is_prefix, &principal)
            }
            _ => {
                let mut b = vec![
                    AclBinding::allow(
                        AclResource::Topic,
                        &facts.topic,
                        false,
                        &principal,
                        AclOperation::Write,
                    ),
                    AclBinding::allow(
                        AclResource::Topic,
                        &facts.topic,
                        false,
                        &principal,
                        AclOperation::Describe,
                    ),
                ];
                if self.idempotent_write_clusters.contains(&row.cluster) {
                    b.push(AclBinding::allow(
                        AclResource::Cluster,
                        "kafka-cluster",
                        false,
                        &principal,
                        AclOperation::IdempotentWrite,
                    ));
                }
                b
            }
        };
        let end = row
            .end_date
            .as_deref()
            .and_then(|d| policy::parse_date(d).ok())
            .ok_or(AccessError::Internal("a row the workflow wrote is missing"))?;
        let grant = repo::insert_grant(
            tx,
            &NewGrant {
                request: row.id,
                application: app_id,
                event: &row.event,
                cluster: &row.cluster,
                principal: &principal,
                topic: &row.topic,
                bindings: &bindings,
                expires_at: &policy::expires_at(end),
            },
        )
        .await?;
        jobs.push(NewJob::of(
            &row.cluster,
            Some(grant),
            &CreateAcls { grant, bindings },
        ));
        Ok(jobs)
    }

    async fn create_event(
        &self,
        tx: &mut Tx,
        row: &RequestRow,
        actor: &str,
    ) -> Result<Vec<NewJob>, AccessError> {
        let form: NewEventForm = row
            .proposal
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .ok_or(AccessError::Internal("a row the workflow wrote is missing"))?;
        let template = self.template(&form.template).cloned().ok_or_else(|| {
            AccessError::invalid(format!(
                "template `{}` is no longer configured",
                form.template
            ))
        })?;
        let schema: Value = serde_json::from_str(&form.value_schema)
            .map_err(|e| AccessError::invalid(format!("the value schema is not JSON: {e}")))?;
        let spec = EventSpec {
            name: form.name.clone(),
            title: form.title.trim().to_string(),
            description: form.description.trim().to_string(),
            team: row.team.clone(),
            domain: policy::domain_of(&form.name),
            lifecycle: Lifecycle::Draft,
            home_cluster: form.home_cluster.clone(),
            topic: form.topic.clone(),
            tags: form.tags.clone(),
            field_tags: Default::default(),
            value_schema: Some(schema),
            key_schema: None,
            volumetrics: None,
            sample: None,
            contacts: vec![row.requester.clone()],
            partitions: Some(i64::from(template.partitions)),
        };
        spec.check().map_err(|e| AccessError::invalid(e.0))?;
        match crate::catalogue::repo::insert_event_in(tx, &spec, actor).await {
            Ok(()) => {}
            Err(DbError::Conflict) => {
                return Err(conflict(format!(
                    "an event named `{}` or on topic `{}` of `{}` appeared meanwhile",
                    spec.name, spec.topic, spec.home_cluster
                )))
            }
            Err(e) => return Err(e.into()),
        }
        Ok(vec![
            NewJob::of(
                &form.home_cluster,
                None,
                &CreateTopic {
                    event: form.name.clone(),
                    topic: form.topic.clone(),
                    template: template.name.clone(),
                    partitions: template.partitions,
                    retention_ms: template.retention_ms,
                    cleanup_policy: template.cleanup_policy.clone(),
                },
            ),
            NewJob::of(
                &form.home_cluster,
                None,
                &RegisterSchema {
                    event: form.name.clone(),
                    subject: format!("{}-value", form.topic),
                    schema: form.value_schema.clone(),
                },
            ),
        ])
    }

    pub async fn decide_many(
        &self,
        caller: Option<Caller>,
        decisions: Vec<Decision>,
    ) -> Result<Vec<DecisionOutcome>, AccessError> {
        let caller = require_signed_in(caller)?;
        if decisions.len() > 200 {
            return Err(AccessError::invalid("decide at most 200 requests at once"));
        }
        let mut out = Vec::with_capacity(decisions.len());
        for decision in decisions {
            let request = decision.request.clone();
            let outcome = match self.decide(Some(caller.clone()), decision).await {
                Ok(_) => DecisionOutcome {
                    request,
                    ok: true,
                    message: None,
                },
                Err(e) => DecisionOutcome {
                    request,
                    ok: false,
                    // A 500's cause is logged, never shown.
                    message: Some(app::error::AppError::from(e).message),
                },
            };
            out.push(outcome);
        }
        Ok(out)
    }

    pub async fn cancel(
        &self,
        caller: Option<Caller>,
        id: &str,
    ) -> Result<RequestView, AccessError> {
        let caller = require_signed_in(caller)?;
        let (mut tx, row, steps) = self.locked_for(&caller, id).await?;
        if row.requester != caller.user_id {
            return Err(forbidden("Only the requester cancels a request."));
        }
        let to = state::next(Some(row.state), Action::Cancel).map_err(refused)?;
        repo::set_state(&mut tx, row.id, to).await?;
        let before = snapshot(&row, row.state, &steps, json!({}));
        let after = snapshot(&row, to, &steps, json!({}));
        record(
            &mut tx,
            &caller.user_id,
            "request.cancelled",
            &row,
            Some(&before),
            &after,
        )
        .await?;
        self.finish(tx, &caller, row.id, steps).await
    }

    pub async fn reassign(
        &self,
        caller: Option<Caller>,
        id: &str,
        team: &str,
    ) -> Result<RequestView, AccessError> {
        let caller = require_admin(caller)?;
        let team = team.trim();
        let (mut tx, row, steps) = self.locked(id).await?;
        if !rules::can_reassign(&caller, &row, &steps) {
            return Err(conflict(format!(
                "request {} has no pending owner step to reassign",
                row.id
            )));
        }
        if !crate::catalogue::facts::team_exists(&mut tx, team).await? {
            return Err(AccessError::invalid(format!("there is no team `{team}`")));
        }
        let from = steps
            .iter()
            .find(|s| s.step == Step::Owner)
            .map(|s| s.team.clone())
            .unwrap_or_default();
        if from == team {
            return Err(AccessError::invalid(format!(
                "the owner step is already with `{team}`"
            )));
        }
        repo::reassign_step(&mut tx, row.id, Step::Owner, team).await?;
        let steps_now = repo::steps(&mut tx, row.id).await?;
        let before = snapshot(&row, row.state, &steps, json!({ "owner_step_team": from }));
        let after = snapshot(
            &row,
            row.state,
            &steps_now,
            json!({ "owner_step_team": team }),
        );
        record(
            &mut tx,
            &caller.user_id,
            "request.reassigned",
            &row,
            Some(&before),
            &after,
        )
        .await?;
        self.finish(tx, &caller, row.id, steps_now).await
    }

    /// Reads the request back in the transaction, commits, and shows it.
    pub(super) async fn finish(
        &self,
        mut tx: Tx,
        caller: &Caller,
        id: i64,
        steps: Vec<StepRow>,
    ) -> Result<RequestView, AccessError> {
        let row = repo::request(&mut tx, id)
            .await?
            .ok_or(AccessError::Internal("a row the workflow wrote is missing"))?;
        let view = view(&mut tx, caller, row, steps).await?;
        tx.commit().await?;
        crate::provision::wake();
        Ok(view)
    }
}
