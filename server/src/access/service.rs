//! `AccessService`: applications, reading requests, the approval inbox, and
//! the audit entries of the workflow. Submissions, decisions and what follows
//! them live in the sibling modules.

use std::sync::Arc;

use super::error::AccessError;
use app::access::{
    AccessPolicy, Application, ApprovalStep, GrantView, InboxFilter, NewApplication, RequestKind,
    RequestState, RequestView,
};
use app::auth::Caller;
use serde_json::{json, Value};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};

use super::model::{kind_str, ApplicationGrant, GrantRow, RequestRow, StepRow};
use super::repo;
use super::{policy, rules, state};
use crate::audit;
use crate::auth::require_signed_in;
use crate::catalogue::CatalogueService;
use crate::config::AccessConfig;
use crate::db::{Db, DbError, Tx};
use crate::provision::queue::{self, JobRow};

/// Most requests a list shows.
const LIST_LIMIT: i64 = 500;

pub struct AccessService {
    pub(super) db: Db,
    pub(super) catalogue: Arc<CatalogueService>,
    pub(super) config: AccessConfig,
    /// Mirror naming and per-event link exclusions shape consume grants.
    pub(super) mesh: crate::mesh::MeshConfig,
    /// Clusters whose producers also need IDEMPOTENT_WRITE (brokers before 2.8).
    pub(super) idempotent_write_clusters: Vec<String>,
}

pub(super) fn forbidden(message: impl Into<String>) -> AccessError {
    AccessError::Forbidden(message.into())
}

pub(super) fn conflict(message: impl Into<String>) -> AccessError {
    AccessError::Conflict(message.into())
}

pub(super) fn not_found(id: &str) -> AccessError {
    AccessError::NotFound(format!("there is no request {id}"))
}

/// Request ids are integers; anything else names no request.
pub(super) fn parse_id(id: &str) -> Result<i64, AccessError> {
    id.trim().parse::<i64>().map_err(|_| not_found(id))
}

impl AccessService {
    pub fn new(db: Db, catalogue: Arc<CatalogueService>, config: AccessConfig) -> Self {
        Self {
            db,
            catalogue,
            config,
            mesh: crate::mesh::MeshConfig::default(),
            idempotent_write_clusters: Vec::new(),
        }
    }

    pub fn with_mesh(
        mut self,
        mesh: crate::mesh::MeshConfig,
        idempotent_write_clusters: Vec<String>,
    ) -> Self {
        self.mesh = mesh;
        self.idempotent_write_clusters = idempotent_write_clusters;
        self
    }

    pub(super) async fn conn(&self) -> Result<PoolConnection<Any>, AccessError> {
        self.db.pool().acquire().await.map_err(AccessError::from)
    }

    pub(super) async fn begin(&self) -> Result<Tx, AccessError> {
        self.db.begin().await.map_err(AccessError::from)
    }

    pub fn policy(&self) -> AccessPolicy {
        AccessPolicy {
            default_months: self.config.default_months,
            max_months: self.config.max_months,
            templates: self.config.templates.clone(),
        }
    }

    pub(super) fn today() -> time::Date {
        time::OffsetDateTime::now_utc().date()
    }

    pub async fn applications(
        &self,
        caller: Option<Caller>,
    ) -> Result<Vec<Application>, AccessError> {
        let caller = require_signed_in(caller)?;
        let mut conn = self.conn().await?;
        let teams = (!caller.admin).then_some(caller.teams.as_slice());
        repo::applications(&mut conn, teams)
            .await
            .map_err(AccessError::from)
    }

    /// An application with its live grants, for members of its team and
    /// admins; to anyone else it is as unknown as a missing one (404), so ids
    /// cannot be probed.
    pub async fn application_grants(
        &self,
        caller: Option<Caller>,
        id: &str,
    ) -> Result<(Application, Vec<ApplicationGrant>), AccessError> {
        let caller = require_signed_in(caller)?;
        let unknown = || AccessError::NotFound(format!("there is no application {id}"));
        let aid = id.trim().parse::<i64>().map_err(|_| unknown())?;
        let mut conn = self.conn().await?;
        let app = repo::application(&mut conn, aid)
            .await?
            .filter(|a| caller.can_curate(&a.team))
            .ok_or_else(unknown)?;
        let grants = repo::live_grants_of_application(&mut conn, aid).await?;
        Ok((app, grants))
    }

    pub async fn register_application(
        &self,
        caller: Option<Caller>,
        new: NewApplication,
    ) -> Result<Application, AccessError> {
        let caller = require_signed_in(caller)?;
        if !caller.can_curate(&new.team) {
            return Err(forbidden(
                "Only members of the team (and admins) register its applications.",
            ));
        }
        let mut conn = self.conn().await?;
        if !crate::catalogue::facts::team_exists(&mut conn, &new.team).await? {
            return Err(AccessError::invalid(format!(
                "there is no team `{}`",
                new.team
            )));
        }
        let name = policy::application_name(new.name.trim()).map_err(AccessError::invalid)?;
        let description = new.description.trim().to_string();
        if description.len() > 2000 {
            return Err(AccessError::invalid(
                "the description is longer than 2,000 characters",
            ));
        }
        if new.principals.is_empty() {
            return Err(AccessError::invalid(
                "give the application's Kafka principal on at least one cluster",
            ));
        }
        let mut principals = Vec::new();
        for p in &new.principals {
            let cluster = p.cluster.trim();
            if crate::clusters::in_mesh(&mut conn, cluster)
                .await?
                .is_none()
            {
                return Err(AccessError::invalid(format!(
                    "there is no cluster `{cluster}`"
                )));
            }
            if principals
                .iter()
                .any(|(c, _): &(String, String)| c == cluster)
            {
                return Err(AccessError::invalid(format!(
                    "one principal per cluster: `{cluster}` is listed twice"
                )));
            }
            let principal = policy::principal(p.principal.trim()).map_err(AccessError::invalid)?;
            principals.push((cluster.to_string(), principal));
        }
        drop(conn);
        let mut tx = self.begin().await?;
        let id = match repo::insert_application(
            &mut tx,
            &new.team,
            &name,
            &description,
            &caller.user_id,
        )
        .await
        {
            Ok(id) => id,
            Err(DbError::Conflict) => {
                return Err(conflict(format!(
                    "team `{}` already has an application named `{name}`",
                    new.team
                )))
            }
            Err(e) => return Err(e.into()),
        };
        for (cluster, principal) in &principals {
            repo::insert_principal(&mut tx, id, cluster, principal).await?;
        }
        let app = Application {
            id: id.to_string(),
            team: new.team.clone(),
            name,
            description,
            principals: principals
                .into_iter()
                .map(|(cluster, principal)| app::access::Principal { cluster, principal })
                .collect(),
        };
        audit::record(
            &mut tx,
            audit::Entry::<(), _> {
                actor: &caller.user_id,
                action: "application.registered",
                subject: &format!("application:{id}"),
                before: None,
                after: Some(&app),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(application = id, team = %app.team, actor = %caller.user_id, "application registered");
        Ok(app)
    }

    /// The request as the caller sees it. One the caller may not see is as
    /// unknown as a missing one (404, same message), so ids cannot be probed.
    pub async fn request(
        &self,
        caller: Option<Caller>,
        id: &str,
    ) -> Result<RequestView, AccessError> {
        let caller = require_signed_in(caller)?;
        let rid = parse_id(id)?;
        let mut conn = self.conn().await?;
        let row = repo::request(&mut conn, rid)
            .await?
            .ok_or_else(|| not_found(id))?;
        let steps = repo::steps(&mut conn, rid).await?;
        if !rules::may_view(&caller, &row, &steps) {
            return Err(not_found(id));
        }
        view(&mut conn, &caller, row, steps)
            .await
            .map_err(AccessError::from)
    }

    pub async fn my_requests(
        &self,
        caller: Option<Caller>,
    ) -> Result<Vec<RequestView>, AccessError> {
        let caller = require_signed_in(caller)?;
        let mut conn = self.conn().await?;
        let rows = repo::requests_concerning(&mut conn, &caller.user_id, &caller.teams, LIST_LIMIT)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let steps = repo::steps(&mut conn, row.id).await?;
            out.push(view(&mut conn, &caller, row, steps).await?);
        }
        Ok(out)
    }

    /// Submitted requests the caller can decide now, oldest first.
    async fn decidable(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
    ) -> Result<Vec<(RequestRow, Vec<StepRow>)>, DbError> {
        let all_steps = repo::submitted_steps(conn).await?;
        let rows = repo::requests_in_state(conn, RequestState::Submitted).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let steps: Vec<StepRow> = all_steps
                    .iter()
                    .filter(|(id, _)| *id == row.id)
                    .map(|(_, s)| s.clone())
                    .collect();
                rules::decidable_step(caller, &row, &steps).map(|_| (row, steps))
            })
            .collect())
    }

    pub async fn inbox(
        &self,
        caller: Option<Caller>,
        filter: InboxFilter,
    ) -> Result<Vec<RequestView>, AccessError> {
        let caller = require_signed_in(caller)?;
        let mut conn = self.conn().await?;
        let found = self.decidable(&mut conn, &caller).await?;
        let mut out = Vec::new();
        for (row, steps) in found {
            if filter.kind.is_some_and(|k| k != row.kind)
                || wanted(&filter.event).is_some_and(|e| e != row.event)
                || wanted(&filter.team).is_some_and(|t| t != row.team)
            {
                continue;
            }
            out.push(view(&mut conn, &caller, row, steps).await?);
        }
        Ok(out)
    }

    pub async fn inbox_count(&self, caller: Option<Caller>) -> Result<usize, AccessError> {
        let caller = require_signed_in(caller)?;
        let mut conn = self.conn().await?;
        Ok(self.decidable(&mut conn, &caller).await?.len())
    }
}

fn wanted(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// What every audit entry of a request carries (`after`, and `before` for
/// state changes): id, kind, state, requester, team, event, cluster, and the
/// teams that must act now; `extra` adds step, decision, comment or reason.
pub(crate) fn snapshot(
    row: &RequestRow,
    to: RequestState,
    steps: &[StepRow],
    extra: Value,
) -> Value {
    let mut v = json!({
        "id": row.id.to_string(),
        "kind": kind_str(row.kind),
        "state": state::as_str(to),
        "requester": row.requester,
        "team": row.team,
        "event": row.event,
        "cluster": row.cluster,
        "application": row.application_id.map(|a| a.to_string()),
        "pending_teams": rules::pending_teams(to, steps),
    });
    if let (Some(map), Value::Object(more)) = (v.as_object_mut(), extra) {
        map.extend(more);
    }
    v
}

/// Writes one audit entry of a request in the transaction.
pub(super) async fn record(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    row: &RequestRow,
    before: Option<&Value>,
    after: &Value,
) -> Result<(), DbError> {
    audit::record(
        tx,
        audit::Entry {
            actor,
            action,
            subject: &format!("request:{}", row.id),
            before,
            after: Some(after),
        },
    )
    .await
}

fn grant_view(g: GrantRow, application: String) -> GrantView {
    GrantView {
        id: g.id.to_string(),
        application,
        event: g.event,
        cluster: g.cluster,
        operations: g.bindings.iter().map(|b| b.label()).collect(),
        principal: g.principal,
        expires_at: g.expires_at,
        state: g.state,
    }
}

/// The request with its steps, grant and jobs, and what the caller may do.
pub(super) async fn view(
    conn: &mut AnyConnection,
    caller: &Caller,
    row: RequestRow,
    steps: Vec<StepRow>,
) -> Result<RequestView, DbError> {
    let application = match row.application_id {
        Some(id) => repo::application(conn, id).await?.map(|a| a.name),
        None => None,
    };
    let grant = repo::grant_of(conn, row.id)
        .await?
        .map(|g| grant_view(g, application.clone().unwrap_or_default()));
    let jobs = queue::of_request(conn, row.id)
        .await?
        .into_iter()
        .map(JobRow::view)
        .collect();
    let connection = match (&grant, row.state) {
        (Some(g), RequestState::Active) if row.kind != RequestKind::NewEvent => {
            repo::connection_info(conn, &row, &g.principal).await?
        }
        _ => None,
    };
    Ok(RequestView {
        id: row.id.to_string(),
        kind: row.kind,
        state: row.state,
        requester: row.requester.clone(),
        team: row.team.clone(),
        event: row.event.clone(),
        cluster: row.cluster.clone(),
        topic: row.topic.clone(),
        application,
        group: row.group.clone(),
        group_is_prefix: row.group_is_prefix,
        purpose: row.purpose.clone(),
        end_date: row.end_date.clone(),
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
        can_decide: rules::decidable_step(caller, &row, &steps).is_some(),
        can_cancel: rules::can_cancel(caller, &row),
        can_revoke: rules::can_revoke(caller, &row),
        can_reassign: rules::can_reassign(caller, &row, &steps),
        approvals: steps
            .into_iter()
            .map(|s| ApprovalStep {
                role: s.step.as_str().to_string(),
                team: s.team,
                decided_by: s.decided_by,
                decision: s.decision,
                comment: s.comment,
                at: s.decided_at,
            })
            .collect(),
        grant,
        jobs,
        connection,
    })
}
