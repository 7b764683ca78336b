//! What the UI asks of the server. Defined here, implemented in the `switchboard`
//! crate, and handed to server functions through Leptos context.

use std::sync::Arc;

use crate::auth::Caller;
use crate::catalogue::{EventDetail, SearchParams, SearchResponse};
use crate::clusters::ClusterView;
use crate::error::AppError;

#[async_trait::async_trait]
pub trait ClusterDirectory: Send + Sync + 'static {
    /// Every cluster with its latest status; never waits on an unreachable
    /// broker. Connection details for signed-in callers only.
    async fn list(&self, caller: Option<&Caller>) -> Result<Vec<ClusterView>, AppError>;
    /// Checks every cluster now, waiting (with the configured timeout) for
    /// the answers. Signed-in callers only: it contacts every broker.
    async fn refresh(&self, caller: Option<&Caller>) -> Result<Vec<ClusterView>, AppError>;
    /// One cluster; connection details for signed-in callers only.
    async fn get(&self, caller: Option<&Caller>, id: &str) -> Result<ClusterView, AppError>;
}

#[async_trait::async_trait]
pub trait Catalogue: Send + Sync + 'static {
    async fn search(&self, params: SearchParams) -> Result<SearchResponse, AppError>;
    async fn event(&self, name: &str, caller: Option<Caller>) -> Result<EventDetail, AppError>;
    /// Owners and admins only.
    async fn update(
        &self,
        caller: Option<Caller>,
        name: &str,
        patch: crate::catalogue::EventPatch,
    ) -> Result<EventDetail, AppError>;
    async fn tags(&self) -> Result<Vec<crate::catalogue::TagDef>, AppError>;
    /// Admins only.
    async fn save_tag(
        &self,
        caller: Option<Caller>,
        tag: crate::catalogue::TagDef,
    ) -> Result<(), AppError>;
    /// Members for signed-in callers only (anonymous: none listed).
    async fn team_defs(
        &self,
        caller: Option<&Caller>,
    ) -> Result<Vec<crate::catalogue::TeamDef>, AppError>;
    /// Admins only.
    async fn save_team(
        &self,
        caller: Option<Caller>,
        team: crate::catalogue::TeamDef,
    ) -> Result<(), AppError>;
}

#[async_trait::async_trait]
pub trait Discovery: Send + Sync + 'static {
    /// The latest view of unclaimed topics (admins only).
    async fn unclaimed(
        &self,
        caller: Option<Caller>,
    ) -> Result<crate::discovery::Discovery, AppError>;
    /// Reads every cluster now (admins only).
    async fn refresh(
        &self,
        caller: Option<Caller>,
    ) -> Result<crate::discovery::Discovery, AppError>;
    /// Turns an unclaimed topic into a draft event (admins only); returns its name.
    async fn claim(
        &self,
        caller: Option<Caller>,
        claim: crate::discovery::Claim,
    ) -> Result<String, AppError>;
    async fn teams(&self) -> Result<Vec<crate::discovery::TeamRef>, AppError>;
}

/// An event's schemas in the schema registry (see `crate::schemas`).
#[async_trait::async_trait]
pub trait Schemas: Send + Sync + 'static {
    async fn overview(
        &self,
        caller: Option<Caller>,
        event: &str,
    ) -> Result<crate::schemas::EventSchemas, AppError>;
    /// Diff and compatibility verdict; changes nothing. Owners and admins only.
    async fn check(
        &self,
        caller: Option<Caller>,
        proposal: crate::schemas::SchemaProposal,
    ) -> Result<crate::schemas::SchemaCheck, AppError>;
    /// Registers the version if compatible under the subject's level.
    /// Owners and admins only.
    async fn propose(
        &self,
        caller: Option<Caller>,
        proposal: crate::schemas::SchemaProposal,
    ) -> Result<crate::schemas::Registered, AppError>;
    /// Admins only; audited.
    async fn set_level(
        &self,
        caller: Option<Caller>,
        event: &str,
        role: crate::schemas::SchemaRole,
        level: &str,
    ) -> Result<(), AppError>;
}

/// The request → approval workflow (see `crate::access`). Every method
/// checks the caller itself.
#[async_trait::async_trait]
pub trait Access: Send + Sync + 'static {
    async fn policy(&self) -> Result<crate::access::AccessPolicy, AppError>;
    /// Applications of the caller's teams (all for admins).
    async fn applications(
        &self,
        caller: Option<Caller>,
    ) -> Result<Vec<crate::access::Application>, AppError>;
    /// Members of the team (or admins) only.
    async fn register_application(
        &self,
        caller: Option<Caller>,
        app: crate::access::NewApplication,
    ) -> Result<crate::access::Application, AppError>;
    async fn submit_consume(
        &self,
        caller: Option<Caller>,
        form: crate::access::ConsumeForm,
    ) -> Result<crate::access::RequestView, AppError>;
    async fn submit_produce(
        &self,
        caller: Option<Caller>,
        form: crate::access::ProduceForm,
    ) -> Result<crate::access::RequestView, AppError>;
    /// Naming and template policy problems of a draft, as the form is filled.
    async fn check_new_event(
        &self,
        caller: Option<Caller>,
        form: crate::access::NewEventForm,
    ) -> Result<Vec<String>, AppError>;
    async fn submit_new_event(
        &self,
        caller: Option<Caller>,
        form: crate::access::NewEventForm,
    ) -> Result<crate::access::RequestView, AppError>;
    /// Requests the caller made or that concern the caller's teams.
    async fn my_requests(
        &self,
        caller: Option<Caller>,
    ) -> Result<Vec<crate::access::RequestView>, AppError>;
    async fn request(
        &self,
        caller: Option<Caller>,
        id: &str,
    ) -> Result<crate::access::RequestView, AppError>;
    /// Everything the caller can decide now.
    async fn inbox(
        &self,
        caller: Option<Caller>,
        filter: crate::access::InboxFilter,
    ) -> Result<Vec<crate::access::RequestView>, AppError>;
    async fn inbox_count(&self, caller: Option<Caller>) -> Result<usize, AppError>;
    async fn decide(
        &self,
        caller: Option<Caller>,
        decision: crate::access::Decision,
    ) -> Result<crate::access::RequestView, AppError>;
    /// Each item decided on its own; one failure does not stop the others.
    async fn decide_many(
        &self,
        caller: Option<Caller>,
        decisions: Vec<crate::access::Decision>,
    ) -> Result<Vec<crate::access::DecisionOutcome>, AppError>;
    /// The requester, before the decision.
    async fn cancel(
        &self,
        caller: Option<Caller>,
        id: &str,
    ) -> Result<crate::access::RequestView, AppError>;
    /// Admins: move the pending owner step to another team.
    async fn reassign(
        &self,
        caller: Option<Caller>,
        id: &str,
        team: &str,
    ) -> Result<crate::access::RequestView, AppError>;
    /// Owners, admins and the requesting team, with a reason.
    async fn revoke(
        &self,
        caller: Option<Caller>,
        id: &str,
        reason: &str,
    ) -> Result<crate::access::RequestView, AppError>;
}

#[async_trait::async_trait]
pub trait Accounts: Send + Sync + 'static {
    /// Users offered by the development sign-in, or `None` when it is off.
    async fn dev_login_users(&self) -> Result<Option<Vec<String>>, AppError>;
    /// Name of the OpenID Connect provider ("Sign in with <name>"), or `None`
    /// when it is not configured.
    async fn oidc_provider(&self) -> Result<Option<String>, AppError> {
        Ok(None)
    }
}

/// The audit log, searched by admins (see `crate::notify`).
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync + 'static {
    /// Admins only; newest first, keyset-paged by `before`.
    async fn search(
        &self,
        caller: Option<Caller>,
        filter: crate::notify::AuditFilter,
    ) -> Result<crate::notify::AuditPage, AppError>;
}

/// The caller's in-app notifications; nobody sees or marks another's.
#[async_trait::async_trait]
pub trait Notifications: Send + Sync + 'static {
    async fn list(
        &self,
        caller: Option<Caller>,
        before: Option<i64>,
    ) -> Result<crate::notify::NotificationPage, AppError>;
    async fn unread_count(&self, caller: Option<Caller>) -> Result<i64, AppError>;
    /// Not found for a notification that is not the caller's.
    async fn mark_read(&self, caller: Option<Caller>, id: i64) -> Result<(), AppError>;
    /// How many were unread.
    async fn mark_all_read(&self, caller: Option<Caller>) -> Result<u64, AppError>;
}

/// Everything server functions may use, provided as one context value.
#[async_trait::async_trait]
pub trait Mesh: Send + Sync + 'static {
    /// Links (not retired) of an event and/or a cluster; anyone may read them.
    async fn links(
        &self,
        event: Option<String>,
        cluster: Option<String>,
    ) -> Result<Vec<crate::mesh::LinkView>, AppError>;
    /// Admins only.
    async fn drift(
        &self,
        caller: Option<Caller>,
    ) -> Result<Vec<crate::mesh::DriftFinding>, AppError>;
    /// Admins only: runs a reconciliation pass now.
    async fn reconcile(
        &self,
        caller: Option<Caller>,
    ) -> Result<Vec<crate::mesh::DriftFinding>, AppError>;
    /// Admins only: provisioning jobs not done yet (queued, running, parked).
    async fn jobs(&self, caller: Option<Caller>) -> Result<Vec<crate::access::JobView>, AppError>;
    /// Admins only: `retry` or `cancel`.
    async fn job_action(
        &self,
        caller: Option<Caller>,
        id: &str,
        action: &str,
    ) -> Result<(), AppError>;
}

#[derive(Clone)]
pub struct Services {
    pub clusters: Arc<dyn ClusterDirectory>,
    pub catalogue: Arc<dyn Catalogue>,
    pub accounts: Arc<dyn Accounts>,
    pub discovery: Arc<dyn Discovery>,
    pub schemas: Arc<dyn Schemas>,
    pub access: Arc<dyn Access>,
    pub audit: Arc<dyn AuditLog>,
    pub notifications: Arc<dyn Notifications>,
    pub mesh: Arc<dyn Mesh>,
    pub tokens: Arc<dyn Tokens>,
    pub monitoring: Arc<dyn Monitoring>,
}

/// Sampled traffic, lag and alerts (see `crate::monitoring`). Charts follow
/// what the caller may see of their subject; rules are edited by the event's
/// owners (event rules), the consumer's team (grant rules) and admins (all).
#[async_trait::async_trait]
pub trait Monitoring: Send + Sync + 'static {
    /// Records/s per cluster of the event, and its consumers.
    async fn event_traffic(
        &self,
        caller: Option<Caller>,
        event: &str,
        range: crate::monitoring::ChartRange,
    ) -> Result<crate::monitoring::EventTraffic, AppError>;
    /// A request's grant: its group's lag (consume) or the topic's records/s
    /// (produce), for those who may see the request.
    async fn request_chart(
        &self,
        caller: Option<Caller>,
        request_id: &str,
        range: crate::monitoring::ChartRange,
    ) -> Result<crate::monitoring::Chart, AppError>;
    /// A link's lag and rate.
    async fn link_chart(
        &self,
        caller: Option<Caller>,
        link_id: &str,
        range: crate::monitoring::ChartRange,
    ) -> Result<crate::monitoring::Chart, AppError>;
    async fn map(&self, caller: Option<Caller>) -> Result<crate::monitoring::MeshMap, AppError>;
    /// Admins only.
    async fn overview(
        &self,
        caller: Option<Caller>,
    ) -> Result<crate::monitoring::Overview, AppError>;
    /// Firing and recent alerts and the rules the caller can see.
    async fn alerts(
        &self,
        caller: Option<Caller>,
    ) -> Result<crate::monitoring::AlertsPage, AppError>;
    async fn edit_rule(
        &self,
        caller: Option<Caller>,
        id: &str,
        edit: crate::monitoring::AlertRuleEdit,
    ) -> Result<crate::monitoring::AlertRuleView, AppError>;
}

/// API tokens (see `crate::tokens`). Only a signed-in session manages
/// tokens: a token cannot mint or list tokens.
#[async_trait::async_trait]
pub trait Tokens: Send + Sync + 'static {
    /// The caller's personal tokens and those of their teams' applications
    /// (every token for admins).
    async fn list(&self, caller: Option<Caller>)
        -> Result<Vec<crate::tokens::TokenView>, AppError>;
    async fn create(
        &self,
        caller: Option<Caller>,
        new: crate::tokens::NewToken,
    ) -> Result<crate::tokens::CreatedToken, AppError>;
    /// Its creator, a member of its application's team, or an admin.
    async fn revoke(
        &self,
        caller: Option<Caller>,
        id: &str,
    ) -> Result<crate::tokens::TokenView, AppError>;
}

/// The services of the current request, or an internal error if the server
/// forgot to provide them (a wiring bug, logged by the caller's error path).
pub fn services() -> Result<Services, AppError> {
    leptos::prelude::use_context::<Services>().ok_or_else(AppError::internal)
}

/// The signed-in caller of this request, resolved by the server's session
/// middleware before any handler runs.
pub fn caller() -> Option<crate::auth::Caller> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<crate::auth::Caller>().cloned())
}

/// The caller, or `Unauthenticated`.
pub fn require_caller() -> Result<crate::auth::Caller, AppError> {
    caller()
        .ok_or_else(|| AppError::new(crate::error::ErrorCode::Unauthenticated, "Sign in first."))
}
