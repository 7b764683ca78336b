//! Submitting requests: to consume an event on any cluster of the mesh, to
//! produce it on its home cluster, or to create a new event. The acting team
//! is derived on the server (the application's team, or a team the caller is
//! a member of); anything else the form carries is ignored.

use super::error::AccessError;
use app::access::{
    Application, ConsumeForm, NewEventForm, ProduceForm, RequestKind, RequestState, RequestView,
    TopicTemplate,
};
use app::auth::{Caller, DATA_PROTECTION_TEAM};
use serde_json::json;
use sqlx::AnyConnection;

use super::model::{kind_str, Step, ADMINS};
use super::repo::{self, NewRequest};
use super::service::{conflict, forbidden, record, snapshot, view, AccessService};
use super::{policy, state};
use crate::auth::require_signed_in;
use crate::catalogue::facts::EventFacts;
use crate::catalogue::names::TopicName;
use crate::db::DbError;

fn duplicate(id: i64) -> AccessError {
    conflict(format!(
        "An open request for the same application, event and cluster already exists: \
         request {id} (/requests/{id})."
    ))
}

fn duplicate_proposal(id: i64, name: &str) -> AccessError {
    conflict(format!(
        "An open proposal for event `{name}` already exists: request {id} (/requests/{id})."
    ))
}

fn purpose(text: &str) -> Result<String, AccessError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AccessError::invalid("say what the access is for (purpose)"));
    }
    if text.len() > 2000 {
        return Err(AccessError::invalid(
            "the purpose is longer than 2,000 characters",
        ));
    }
    Ok(text.to_string())
}

/// What a submission stores, before the transaction.
struct Submission {
    kind: RequestKind,
    team: String,
    event: String,
    cluster: String,
    topic: String,
    application: Option<i64>,
    group: Option<String>,
    group_is_prefix: bool,
    purpose: String,
    end_date: Option<String>,
    proposal: Option<String>,
    open_key: String,
    steps: Vec<(Step, String)>,
}

impl AccessService {
    /// The application the caller acts for: 403 unless a member of its team (or admin).
    async fn acting_application(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        id: &str,
    ) -> Result<Application, AccessError> {
        let unknown = || AccessError::invalid(format!("there is no application `{id}`"));
        let id = id.trim().parse::<i64>().map_err(|_| unknown())?;
        let application = repo::application(conn, id).await?.ok_or_else(unknown)?;
        if !caller.can_curate(&application.team) {
            return Err(forbidden(
                "You can only request access for applications of your own teams.",
            ));
        }
        Ok(application)
    }

    async fn event(&self, conn: &mut AnyConnection, name: &str) -> Result<EventFacts, AccessError> {
        let facts = crate::catalogue::facts::event_facts(conn, name.trim())
            .await?
            .ok_or_else(|| AccessError::invalid(format!("there is no event `{name}`")))?;
        if facts.lifecycle == "retired" {
            return Err(AccessError::invalid(format!(
                "event `{name}` is retired: nobody can ask for it any more"
            )));
        }
        Ok(facts)
    }

    /// The owning team decides; PII or confidential events also need data protection.
    async fn route(
        &self,
        conn: &mut AnyConnection,
        event: &str,
        facts: &EventFacts,
    ) -> Result<Vec<(Step, String)>, AccessError> {
        let mut steps = vec![(Step::Owner, facts.team.clone())];
        if crate::catalogue::facts::needs_data_protection(conn, event).await? {
            steps.push((Step::DataProtection, DATA_PROTECTION_TEAM.to_string()));
        }
        Ok(steps)
    }

    fn end_date(&self, asked: Option<&str>) -> Result<String, AccessError> {
        policy::end_date(
            asked,
            Self::today(),
            self.config.default_months,
            self.config.max_months,
        )
        .map(policy::format_date)
        .map_err(AccessError::invalid)
    }

    pub async fn submit_consume(
        &self,
        caller: Option<Caller>,
        form: ConsumeForm,
    ) -> Result<RequestView, AccessError> {
        let caller = require_signed_in(caller)?;
        let mut conn = self.conn().await?;
        let application = self
            .acting_application(&mut conn, &caller, &form.application)
            .await?;
        let event = form.event.trim().to_string();
        let facts = self.event(&mut conn, &event).await?;
        let cluster = form.cluster.trim().to_string();
        match crate::clusters::in_mesh(&mut conn, &cluster).await? {
            Some(true) => {}
            Some(false) => {
                return Err(AccessError::invalid(format!(
                    "cluster `{cluster}` is not part of the mesh"
                )))
            }
            None => {
                return Err(AccessError::invalid(format!(
                    "there is no cluster `{cluster}`"
                )))
            }
        }
        if !application.principals.iter().any(|p| p.cluster == cluster) {
            return Err(AccessError::invalid(format!(
                "application `{}` has no principal on cluster `{cluster}`: register one first",
                application.name
            )));
        }
        let group =
            policy::group(form.group.trim(), form.group_is_prefix).map_err(AccessError::invalid)?;
        let purpose = purpose(&form.purpose)?;
        let end_date = self.end_date(form.end_date.as_deref())?;
        let steps = self.route(&mut conn, &event, &facts).await?;
        if cluster != facts.home_cluster && self.mesh.excluded(&event, &cluster) {
            return Err(AccessError::invalid(format!(
                "event `{event}` is not mirrored to cluster `{cluster}` (an admin excluded it); \
                 consume it on `{}` or another cluster",
                facts.home_cluster
            )));
        }
        // On another cluster the consumer reads the mirror, named by the mesh's policy.
        let topic = if cluster == facts.home_cluster {
            facts.topic.clone()
        } else {
            self.mesh.mirror_topic(&facts.home_cluster, &facts.topic)
        };
        let app_id = application
            .id
            .parse::<i64>()
            .map_err(|_| AccessError::Internal("an application id is not a number"))?;
        let submission = Submission {
            kind: RequestKind::Consume,
            team: application.team,
            open_key: format!("consume|{app_id}|{event}|{cluster}"),
            event,
            cluster,
            topic,
            application: Some(app_id),
            group: Some(group),
            group_is_prefix: form.group_is_prefix,
            purpose,
            end_date: Some(end_date),
            proposal: None,
            steps,
        };
        drop(conn);
        self.store(&caller, submission).await
    }

    pub async fn submit_produce(
        &self,
        caller: Option<Caller>,
        form: ProduceForm,
    ) -> Result<RequestView, AccessError> {
        let caller = require_signed_in(caller)?;
        let mut conn = self.conn().await?;
        let application = self
            .acting_application(&mut conn, &caller, &form.application)
            .await?;
        let event = form.event.trim().to_string();
        let facts = self.event(&mut conn, &event).await?;
        let cluster = facts.home_cluster.clone();
        if !application.principals.iter().any(|p| p.cluster == cluster) {
            return Err(AccessError::invalid(format!(
                "application `{}` has no principal on `{cluster}`, the home cluster of `{event}`, \
                 where producers write: register one first",
                application.name
            )));
        }
        let purpose = purpose(&form.purpose)?;
        let end_date = self.end_date(form.end_date.as_deref())?;
        let steps = self.route(&mut conn, &event, &facts).await?;
        let app_id = application
            .id
            .parse::<i64>()
            .map_err(|_| AccessError::Internal("an application id is not a number"))?;
        let submission = Submission {
            kind: RequestKind::Produce,
            team: application.team,
            open_key: format!("produce|{app_id}|{event}|{cluster}"),
            event,
            cluster,
            topic: facts.topic,
            application: Some(app_id),
            group: None,
            group_is_prefix: false,
            purpose,
            end_date: Some(end_date),
            proposal: None,
            steps,
        };
        drop(conn);
        self.store(&caller, submission).await
    }

    pub(super) fn template(&self, name: &str) -> Option<&TopicTemplate> {
        self.config.templates.iter().find(|t| t.name == name)
    }

    /// Everything wrong with a new-event proposal; empty when it may be submitted.
    pub async fn check_new_event(
        &self,
        caller: Option<Caller>,
        form: NewEventForm,
    ) -> Result<Vec<String>, AccessError> {
        let caller = require_signed_in(caller)?;
        let mut conn = self.conn().await?;
        self.problems(&mut conn, &caller, &form)
            .await
            .map_err(AccessError::from)
    }

    async fn problems(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        form: &NewEventForm,
    ) -> Result<Vec<String>, DbError> {
        let mut problems = Vec::new();
        let team = form.team.trim();
        if !crate::catalogue::facts::team_exists(conn, team).await? {
            problems.push(format!("there is no team `{team}`"));
        } else if !caller.can_curate(team) {
            problems.push(format!(
                "you are not a member of team `{team}`: propose events for your own teams"
            ));
        }
        let name = form.name.trim();
        problems.extend(policy::event_name_problems(name));
        if crate::catalogue::facts::event_name_taken(conn, name).await? {
            problems.push(format!("an event named `{name}` already exists"));
        } else if let Some(id) = repo::open_request(conn, &format!("new_event|{name}")).await? {
            problems.push(format!(
                "event `{name}` is already proposed in request {id} (/requests/{id})"
            ));
        }
        let title = form.title.trim();
        if title.is_empty() || title.len() > 200 {
            problems.push("the title must be 1-200 characters".into());
        }
        if form.description.len() > 20_000 {
            problems.push("the description is longer than 20,000 characters".into());
        }
        let cluster = form.home_cluster.trim();
        let cluster_ok = match crate::clusters::in_mesh(conn, cluster).await? {
            Some(true) => true,
            Some(false) => {
                problems.push(format!("cluster `{cluster}` is not part of the mesh"));
                false
            }
            None => {
                problems.push(format!("there is no cluster `{cluster}`"));
                false
            }
        };
        let topic = form.topic.trim();
        problems.extend(policy::topic_problems(topic));
        if cluster_ok && TopicName::parse(topic).is_ok() {
            if let Some(owner) =
                crate::catalogue::facts::event_on_topic(conn, cluster, topic).await?
            {
                problems.push(format!(
                    "topic `{topic}` on `{cluster}` is already the topic of event `{owner}`"
                ));
            } else if let Some(id) = repo::open_proposal_for_topic(conn, cluster, topic).await? {
                problems.push(format!(
                    "topic `{topic}` on `{cluster}` is already proposed in request {id} (/requests/{id})"
                ));
            }
        }
        if self.template(form.template.trim()).is_none() {
            let names: Vec<&str> = self
                .config
                .templates
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            problems.push(format!(
                "template `{}` is not one of: {}",
                form.template.trim(),
                names.join(", ")
            ));
        }
        if form.value_schema.trim().is_empty() {
            problems.push("give the value schema (Avro, JSON)".into());
        } else if let Err(e) = switchboard_avro::parse(&form.value_schema, &[]) {
            problems.push(format!("the value schema is not valid Avro: {e}"));
        }
        let taxonomy = crate::catalogue::repo::list_tags(&self.db).await?;
        let mut classifications = 0;
        for tag in &form.tags {
            match taxonomy.iter().find(|t| &t.name == tag) {
                None => problems.push(format!("there is no tag `{tag}`")),
                Some(t) if t.classification => classifications += 1,
                Some(_) => {}
            }
        }
        if classifications > 1 {
            problems.push("give at most one classification tag (pii, confidential, …)".into());
        }
        Ok(problems)
    }

    pub async fn submit_new_event(
        &self,
        caller: Option<Caller>,
        form: NewEventForm,
    ) -> Result<RequestView, AccessError> {
        let caller = require_signed_in(caller)?;
        let team = form.team.trim().to_string();
        if !caller.can_curate(&team) {
            return Err(forbidden(
                "Only members of the team (and admins) propose events it will publish.",
            ));
        }
        let mut conn = self.conn().await?;
        let name = form.name.trim().to_string();
        if let Some(id) = repo::open_request(&mut conn, &format!("new_event|{name}")).await? {
            return Err(duplicate_proposal(id, &name));
        }
        let problems = self.problems(&mut conn, &caller, &form).await?;
        if !problems.is_empty() {
            return Err(AccessError::invalid(problems.join("; ")));
        }
        let mut proposal = form.clone();
        proposal.team = team.clone();
        proposal.name = name.clone();
        proposal.topic = form.topic.trim().to_string();
        proposal.home_cluster = form.home_cluster.trim().to_string();
        proposal.template = form.template.trim().to_string();
        let purpose = if form.description.trim().is_empty() {
            format!("New event: {}", form.title.trim())
        } else {
            form.description.trim().to_string()
        };
        let submission = Submission {
            kind: RequestKind::NewEvent,
            team,
            open_key: format!("new_event|{name}"),
            event: name,
            cluster: proposal.home_cluster.clone(),
            topic: proposal.topic.clone(),
            application: None,
            group: None,
            group_is_prefix: false,
            purpose,
            end_date: None,
            proposal: Some(
                serde_json::to_string(&proposal)
                    .map_err(|_| AccessError::Internal("a proposal is not serialisable"))?,
            ),
            steps: vec![(Step::Platform, ADMINS.to_string())],
        };
        drop(conn);
        self.store(&caller, submission).await
    }

    /// Writes the request, its steps and `request.submitted` in one transaction.
    async fn store(&self, caller: &Caller, s: Submission) -> Result<RequestView, AccessError> {
        let to = state::next(None, state::Action::Submit)
            .map_err(|_| AccessError::Internal("a new request cannot be submitted"))?;
        let mut tx = self.begin().await?;
        let inserted = repo::insert_request(
            &mut tx,
            &NewRequest {
                kind: s.kind,
                requester: &caller.user_id,
                team: &s.team,
                event: &s.event,
                cluster: &s.cluster,
                topic: &s.topic,
                application: s.application,
                group: s.group.as_deref(),
                group_is_prefix: s.group_is_prefix,
                purpose: &s.purpose,
                end_date: s.end_date.as_deref(),
                proposal: s.proposal.as_deref(),
                open_key: &s.open_key,
            },
        )
        .await;
        let id = match inserted {
            Ok(id) => id,
            Err(DbError::Conflict) => {
                drop(tx);
                let mut conn = self.conn().await?;
                let existing = repo::open_request(&mut conn, &s.open_key)
                    .await?
                    .unwrap_or_default();
                return Err(if s.kind == RequestKind::NewEvent {
                    duplicate_proposal(existing, &s.event)
                } else {
                    duplicate(existing)
                });
            }
            Err(e) => return Err(e.into()),
        };
        for (position, (step, team)) in (0i64..).zip(&s.steps) {
            repo::insert_step(&mut tx, id, *step, position, team).await?;
        }
        let row = repo::request(&mut tx, id)
            .await?
            .ok_or(AccessError::Internal("a row the workflow wrote is missing"))?;
        let steps = repo::steps(&mut tx, id).await?;
        let after = snapshot(&row, to, &steps, json!({ "purpose": row.purpose }));
        record(
            &mut tx,
            &caller.user_id,
            "request.submitted",
            &row,
            None,
            &after,
        )
        .await?;
        let view = view(&mut tx, caller, row, steps).await?;
        tx.commit().await?;
        tracing::info!(
            request = id,
            kind = kind_str(s.kind),
            event = %s.event,
            cluster = %s.cluster,
            actor = %caller.user_id,
            "request submitted"
        );
        debug_assert_eq!(view.state, RequestState::Submitted);
        Ok(view)
    }
}
