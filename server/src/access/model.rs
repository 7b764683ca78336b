//! Rows and domain types of the access workflow: requests, approval steps,
//! grants with their ACL bindings. Provisioning jobs are `provision::jobs`'.

use app::access::{RequestKind, RequestState};

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

/// A live grant (pending or active) of an application with what its request
/// asked for: to consume (with a consumer group) or to produce.
#[derive(Debug, Clone)]
pub struct ApplicationGrant {
    pub grant: GrantRow,
    pub kind: RequestKind,
    pub group: Option<String>,
    pub group_is_prefix: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_labels() {
        use crate::kafka::acls::{AclOperation, AclResource};
        let b = AclBinding::allow(
            AclResource::Group,
            "insights-",
            true,
            "User:svc",
            AclOperation::Read,
        );
        assert_eq!(b.label(), "READ group-prefix:insights-");
        let t = AclBinding::allow(
            AclResource::Topic,
            "orders.v1",
            false,
            "User:svc",
            AclOperation::Describe,
        );
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
