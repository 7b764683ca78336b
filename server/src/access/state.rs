//! The request state machine: every allowed transition is listed here, and
//! everything else is refused. The service asks it before every state change.
//!
//! ```text
//! (new) ─submit─► submitted ─approve step─► submitted
//!                 submitted ─final approve─► approved ─provisioning started─► provisioning
//!                 submitted ─reject─► rejected      submitted ─cancel─► cancelled
//! provisioning ─provisioned─► active        provisioning ─job failed─► failed
//! failed ─retry─► provisioning              failed ─provisioned─► active
//! provisioning | active | failed ─revoke─► revoked
//! active ─expire─► expired
//! ```

use app::access::RequestState;

/// What happens to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    /// One approval step approves while others are still pending.
    ApproveStep,
    /// The last pending step approves.
    FinalApprove,
    Reject,
    /// The requester withdraws the request before the decision.
    Cancel,
    /// Final approval enqueued the provisioning jobs.
    StartProvisioning,
    /// Every job succeeded.
    Provisioned,
    /// A job failed; the worker retries it.
    JobFailed,
    /// A failed job is tried again.
    Retry,
    Revoke,
    Expire,
}

pub const ACTIONS: [Action; 11] = [
    Action::Submit,
    Action::ApproveStep,
    Action::FinalApprove,
    Action::Reject,
    Action::Cancel,
    Action::StartProvisioning,
    Action::Provisioned,
    Action::JobFailed,
    Action::Retry,
    Action::Revoke,
    Action::Expire,
];

pub const STATES: [RequestState; 9] = [
    RequestState::Submitted,
    RequestState::Approved,
    RequestState::Rejected,
    RequestState::Cancelled,
    RequestState::Provisioning,
    RequestState::Active,
    RequestState::Failed,
    RequestState::Expired,
    RequestState::Revoked,
];

/// A transition the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a request that is {} cannot be {}", from.map_or("new", as_str), verb(*action))]
pub struct Forbidden {
    pub from: Option<RequestState>,
    pub action: Action,
}

/// The state after `action`; `from` is `None` for a request not yet stored.
pub fn next(from: Option<RequestState>, action: Action) -> Result<RequestState, Forbidden> {
    use Action as A;
    use RequestState as S;
    let to = match (from, action) {
        (None, A::Submit) => Some(S::Submitted),
        (Some(S::Submitted), A::ApproveStep) => Some(S::Submitted),
        (Some(S::Submitted), A::FinalApprove) => Some(S::Approved),
        (Some(S::Submitted), A::Reject) => Some(S::Rejected),
        (Some(S::Submitted), A::Cancel) => Some(S::Cancelled),
        (Some(S::Approved), A::StartProvisioning) => Some(S::Provisioning),
        (Some(S::Provisioning), A::Provisioned) => Some(S::Active),
        (Some(S::Provisioning), A::JobFailed) => Some(S::Failed),
        (Some(S::Failed), A::Retry) => Some(S::Provisioning),
        (Some(S::Failed), A::Provisioned) => Some(S::Active),
        (Some(S::Provisioning | S::Active | S::Failed), A::Revoke) => Some(S::Revoked),
        (Some(S::Active), A::Expire) => Some(S::Expired),
        _ => None,
    };
    to.ok_or(Forbidden { from, action })
}

/// Open requests block a duplicate for the same application, event and cluster.
pub fn is_open(state: RequestState) -> bool {
    matches!(
        state,
        RequestState::Submitted
            | RequestState::Approved
            | RequestState::Provisioning
            | RequestState::Failed
            | RequestState::Active
    )
}

pub fn as_str(state: RequestState) -> &'static str {
    match state {
        RequestState::Submitted => "submitted",
        RequestState::Approved => "approved",
        RequestState::Rejected => "rejected",
        RequestState::Cancelled => "cancelled",
        RequestState::Provisioning => "provisioning",
        RequestState::Active => "active",
        RequestState::Failed => "failed",
        RequestState::Expired => "expired",
        RequestState::Revoked => "revoked",
    }
}

pub fn parse(s: &str) -> Option<RequestState> {
    STATES.into_iter().find(|st| as_str(*st) == s)
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Submit => "submitted",
        Action::ApproveStep | Action::FinalApprove => "approved",
        Action::Reject => "rejected",
        Action::Cancel => "cancelled",
        Action::StartProvisioning => "provisioned",
        Action::Provisioned => "marked active",
        Action::JobFailed => "marked failed",
        Action::Retry => "retried",
        Action::Revoke => "revoked",
        Action::Expire => "expired",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use RequestState as S;

    /// Every allowed transition, and nothing else.
    const ALLOWED: [(Option<RequestState>, Action, RequestState); 14] = [
        (None, A::Submit, S::Submitted),
        (Some(S::Submitted), A::ApproveStep, S::Submitted),
        (Some(S::Submitted), A::FinalApprove, S::Approved),
        (Some(S::Submitted), A::Reject, S::Rejected),
        (Some(S::Submitted), A::Cancel, S::Cancelled),
        (Some(S::Approved), A::StartProvisioning, S::Provisioning),
        (Some(S::Provisioning), A::Provisioned, S::Active),
        (Some(S::Provisioning), A::JobFailed, S::Failed),
        (Some(S::Failed), A::Retry, S::Provisioning),
        (Some(S::Failed), A::Provisioned, S::Active),
        (Some(S::Provisioning), A::Revoke, S::Revoked),
        (Some(S::Active), A::Revoke, S::Revoked),
        (Some(S::Failed), A::Revoke, S::Revoked),
        (Some(S::Active), A::Expire, S::Expired),
    ];

    fn all_from() -> Vec<Option<RequestState>> {
        std::iter::once(None)
            .chain(STATES.into_iter().map(Some))
            .collect()
    }

    #[test]
    fn every_allowed_transition_lands_where_expected() {
        for (from, action, to) in ALLOWED {
            assert_eq!(next(from, action), Ok(to), "{from:?} --{action:?}-->");
        }
    }

    #[test]
    fn every_other_pair_is_forbidden() {
        let mut forbidden = 0;
        for from in all_from() {
            for action in ACTIONS {
                if ALLOWED.iter().any(|(f, a, _)| *f == from && *a == action) {
                    continue;
                }
                assert_eq!(
                    next(from, action),
                    Err(Forbidden { from, action }),
                    "{from:?} --{action:?}--> must be refused"
                );
                forbidden += 1;
            }
        }
        // 10 "from" values × 11 actions, minus the 14 allowed pairs.
        assert_eq!(forbidden, 10 * 11 - 14);
    }

    #[test]
    fn final_states_allow_nothing() {
        for from in [S::Rejected, S::Cancelled, S::Expired, S::Revoked] {
            for action in ACTIONS {
                assert!(next(Some(from), action).is_err(), "{from:?} {action:?}");
            }
        }
    }

    #[test]
    fn open_states_are_those_that_can_still_grant_access() {
        for open in [
            S::Submitted,
            S::Approved,
            S::Provisioning,
            S::Active,
            S::Failed,
        ] {
            assert!(is_open(open));
        }
        for closed in [S::Rejected, S::Cancelled, S::Expired, S::Revoked] {
            assert!(!is_open(closed));
        }
    }

    #[test]
    fn names_round_trip_and_match_the_wire() {
        for s in STATES {
            assert_eq!(parse(as_str(s)), Some(s));
            let wire = serde_json::to_value(s).expect("serialises");
            assert_eq!(wire, as_str(s));
        }
        assert_eq!(parse("pending"), None);
    }

    #[test]
    fn refusals_read_well() {
        let e = next(Some(S::Rejected), A::Cancel).expect_err("refused");
        assert_eq!(
            e.to_string(),
            "a request that is rejected cannot be cancelled"
        );
        let e = next(None, A::Revoke).expect_err("refused");
        assert_eq!(e.to_string(), "a request that is new cannot be revoked");
    }
}
