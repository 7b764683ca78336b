//! Rows and domain types of the access workflow: requests, approval steps,
//! grants with their ACL bindings, and provisioning jobs with typed payloads.

use app::access::{RequestKind, RequestState};
use serde::{Deserialize, Serialize};

/// The pseudo-team of the `platform` step: the configured admins decide it.
pub const ADMINS: &str = "admins";

/// Who acts for the system (expiry sweep, provisioning outcomes).
pub const SYSTEM: &str = "system";

pub fn kind_str(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Consume => "consume",
        RequestKind::Produce => "produce",
        RequestKind::NewEvent => "new_event",
    }
}

pub fn parse_kind(s: &str) -> Option<RequestKind> {
    [
        RequestKind::Consume,
        RequestKind::Produce,
        RequestKind::NewEvent,
    ]
    .into_iter()
    .find(|k| kind_str(*k) == s)
}

/// Approval steps, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Owner,
    DataProtection,
    Platform,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Owner => "owner",
            Step::DataProtection => "data_protection",
            Step::Platform => "platform",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        [Step::Owner, Step::DataProtection, Step::Platform]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub kind: RequestKind,
    pub state: RequestState,
    pub requester: String,
    pub team: String,
    pub event: String,
    pub cluster: String,
    pub topic: String,
    pub application_id: Option<i64>,
    pub group: Option<String>,
    pub group_is_prefix: bool,
    pub purpose: String,
    pub end_date: Option<String>,
    pub proposal: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The event's owning team; the proposing team for a new event.
    pub owner_team: String,
}

#[derive(Debug, Clone)]
pub struct StepRow {
    pub step: Step,
    pub team: String,
    pub decided_by: Option<String>,
    pub decision: Option<String>,
    pub comment: Option<String>,
    pub decided_at: Option<String>,
}

impl StepRow {
    pub fn pending(&self) -> bool {
        self.decision.is_none()
    }
}

/// One ACL binding of a grant: ALLOW `operation` on `resource_type`
/// `resource_name` for `principal`, exactly as the Kafka adapter sends it.
pub use crate::kafka::acls::Acl as AclBinding;

#[derive(Debug, Clone)]
pub struct GrantRow {
    pub id: i64,
    pub request_id: i64,
    pub application_id: i64,
    pub event: String,
    pub cluster: String,
    pub principal: String,
    pub topic: String,
    pub bindings: Vec<AclBinding>,
    pub expires_at: String,
    pub state: String,
}

/// Kinds of provisioning job; the payload of each is JSON (see `JobPayload`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    CreateAcls,
    CreateMirrorLink,
    CreateTopic,
    RegisterSchema,
    DeleteAcls,
    StopMirrorLink,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::CreateAcls => "create_acls",
            JobKind::CreateMirrorLink => "create_mirror_link",
            JobKind::CreateTopic => "create_topic",
            JobKind::RegisterSchema => "register_schema",
            JobKind::DeleteAcls => "delete_acls",
            JobKind::StopMirrorLink => "stop_mirror_link",
        }
    }
}

/// What a job does, stored as its `payload_json` (`kind` is the column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JobPayload {
    /// `create_acls` and `delete_acls`: exactly these bindings.
    Acls {
        grant: i64,
        bindings: Vec<AclBinding>,
    },
    /// `create_mirror_link` and `stop_mirror_link`: mirror `source_topic` of `source_cluster` as
    /// `target_topic` on the job's cluster (create or reuse the link).
    MirrorLink {
        event: String,
        source_cluster: String,
        source_topic: String,
        target_topic: String,
    },
    /// `create_topic` from a template.
    Topic {
        event: String,
        topic: String,
        template: String,
        partitions: i32,
        retention_ms: i64,
        cleanup_policy: String,
    },
    /// `register_schema` under `subject` in the portal's registry.
    Schema {
        event: String,
        subject: String,
        schema: String,
    },
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: JobKind,
    pub cluster: String,
    pub grant: Option<i64>,
    pub payload: JobPayload,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_labels() {
        let b = AclBinding::allow("group", "insights-", true, "User:svc", "READ");
        assert_eq!(b.label(), "READ group-prefix:insights-");
        let t = AclBinding::allow("topic", "orders.v1", false, "User:svc", "DESCRIBE");
        assert_eq!(t.label(), "DESCRIBE topic:orders.v1");
    }

    #[test]
    fn kinds_and_steps_round_trip() {
        for k in [
            RequestKind::Consume,
            RequestKind::Produce,
            RequestKind::NewEvent,
        ] {
            assert_eq!(parse_kind(kind_str(k)), Some(k));
            assert_eq!(serde_json::to_value(k).expect("json"), kind_str(k));
        }
        for s in [Step::Owner, Step::DataProtection, Step::Platform] {
            assert_eq!(Step::parse(s.as_str()), Some(s));
        }
    }
}
