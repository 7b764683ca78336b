//! Wire types of the access workflow: applications, requests to consume,
//! produce or create an event, approvals, grants and their provisioning jobs.
//! The server decides and checks everything; these only carry it.

use serde::{Deserialize, Serialize};

pub use crate::jobs::{JobKind, JobState};

/// A team's application; access is granted to applications, not people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: String,
    pub team: String,
    pub name: String,
    pub description: String,
    /// Kafka principal per cluster, e.g. ("aws", "User:svc-insights").
    pub principals: Vec<Principal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Principal {
    pub cluster: String,
    /// `User:<name>`.
    pub principal: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApplication {
    pub team: String,
    /// Lower-case letters, digits and dashes; unique per team.
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub principals: Vec<Principal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Consume,
    Produce,
    NewEvent,
}

/// submitted → approved | rejected | cancelled; approved → provisioning →
/// active | failed (retrying); active → expired | revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Submitted,
    Approved,
    Rejected,
    Cancelled,
    Provisioning,
    Active,
    Failed,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConsumeForm {
    pub event: String,
    /// Where the consumer runs: any cluster of the mesh.
    pub cluster: String,
    pub application: String,
    /// Consumer group name, or prefix when `group_is_prefix`.
    pub group: String,
    #[serde(default)]
    pub group_is_prefix: bool,
    pub purpose: String,
    /// `YYYY-MM-DD`; `None` means the policy default (12 months).
    pub end_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProduceForm {
    pub event: String,
    pub application: String,
    pub purpose: String,
    pub end_date: Option<String>,
}

/// A team proposes an event it will publish; a platform admin approves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewEventForm {
    pub team: String,
    pub name: String,
    pub title: String,
    pub home_cluster: String,
    pub topic: String,
    /// A topic template name (see `AccessPolicy::templates`).
    pub template: String,
    pub value_schema: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TopicTemplate {
    pub name: String,
    pub partitions: i32,
    pub retention_ms: i64,
    /// `delete` or `compact`.
    pub cleanup_policy: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessPolicy {
    pub default_months: u32,
    pub max_months: u32,
    pub templates: Vec<TopicTemplate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApprovalStep {
    /// `owner`, `data_protection` or `platform`.
    pub role: String,
    /// The team that decides this step.
    pub team: String,
    pub decided_by: Option<String>,
    /// `approved` or `rejected`; `None` while pending.
    pub decision: Option<String>,
    pub comment: Option<String>,
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub id: String,
    pub application: String,
    pub event: String,
    pub cluster: String,
    /// E.g. `READ topic`, `DESCRIBE topic`, `READ group:prefix`.
    pub operations: Vec<String>,
    /// The Kafka principal the bindings name.
    pub principal: String,
    pub expires_at: String,
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct JobView {
    pub id: String,
    pub kind: JobKind,
    pub cluster: String,
    pub state: JobState,
    pub attempts: i64,
    pub last_error: Option<String>,
    /// What a successful job found worth saying (e.g. "no authorizer: ACLs not enforced").
    pub outcome: Option<String>,
    /// When a queued job is tried next (RFC 3339), if it waits.
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}

/// What a client needs to use an active grant, on the grant's cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConnectionInfo {
    pub bootstrap_servers: String,
    pub security_protocol: String,
    pub sasl_mechanism: Option<String>,
    pub principal: String,
    pub topic: String,
    /// The consumer group (or its prefix); `None` for producers.
    pub group: Option<String>,
    pub produce: bool,
    /// The cluster's own registry, or `None`: the portal's `/registry`.
    pub registry_url: Option<String>,
    pub value_subject: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequestView {
    pub id: String,
    pub kind: RequestKind,
    pub state: RequestState,
    pub requester: String,
    /// The team acting: the application's team, or the proposing team.
    pub team: String,
    pub event: String,
    pub cluster: String,
    /// The topic the grant covers: the master topic, or the mirror on another cluster.
    pub topic: String,
    pub application: Option<String>,
    pub group: Option<String>,
    pub group_is_prefix: bool,
    pub purpose: String,
    pub end_date: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub approvals: Vec<ApprovalStep>,
    pub grant: Option<GrantView>,
    pub jobs: Vec<JobView>,
    /// How to connect, once a consume or produce request is active.
    pub connection: Option<ConnectionInfo>,
    /// What the caller may do now (the server checks again).
    pub can_decide: bool,
    pub can_cancel: bool,
    pub can_revoke: bool,
    pub can_reassign: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboxFilter {
    pub kind: Option<RequestKind>,
    pub event: Option<String>,
    pub team: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Decision {
    pub request: String,
    pub approve: bool,
    /// Required: every decision carries a comment.
    pub comment: String,
}

/// Outcome of one item of a bulk decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DecisionOutcome {
    pub request: String,
    pub ok: bool,
    pub message: Option<String>,
}
