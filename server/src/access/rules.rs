//! Who may do what to a request, as pure functions of the caller, the request
//! and its steps. The service checks these before every change, and the views
//! show them as `can_*` flags.

use app::access::{RequestKind, RequestState};
use app::auth::Caller;

use super::model::{RequestRow, Step, StepRow};

fn member(caller: &Caller, team: &str) -> bool {
    caller.teams.iter().any(|t| t == team)
}

/// Whether the caller may decide this step, leaving aside who asked.
fn may_decide(caller: &Caller, step: &StepRow) -> bool {
    match step.step {
        // Admins are not a team: a team named like the pseudo-team decides nothing.
        Step::Platform => caller.admin,
        _ => caller.admin || member(caller, &step.team),
    }
}

/// The step a decision of the caller applies to: nobody decides their own
/// request, nor two steps of one request; a step of one of the caller's teams
/// comes first, then (for admins) the platform step, then any pending step.
pub fn decidable_step(caller: &Caller, request: &RequestRow, steps: &[StepRow]) -> Option<Step> {
    if request.state != RequestState::Submitted
        || request.requester == caller.user_id
        || steps
            .iter()
            .any(|s| s.decided_by.as_deref() == Some(caller.user_id.as_str()))
    {
        return None;
    }
    let pending = || {
        steps
            .iter()
            .filter(|s| s.pending() && may_decide(caller, s))
    };
    pending()
        .find(|s| s.step != Step::Platform && member(caller, &s.team))
        .or_else(|| pending().find(|s| s.step == Step::Platform))
        .or_else(|| pending().next())
        .map(|s| s.step)
}

/// Why the caller may not decide, for the error message.
pub fn why_not_decide(caller: &Caller, request: &RequestRow, steps: &[StepRow]) -> &'static str {
    if request.requester == caller.user_id {
        "Nobody approves their own request."
    } else if steps
        .iter()
        .any(|s| s.decided_by.as_deref() == Some(caller.user_id.as_str()))
    {
        "You already decided a step of this request: another person decides the next."
    } else {
        "Only the teams of the pending approval steps (and admins) decide this request."
    }
}

/// The requester, while the request waits for its decision.
pub fn can_cancel(caller: &Caller, request: &RequestRow) -> bool {
    request.state == RequestState::Submitted && request.requester == caller.user_id
}

/// Owners, admins and the requesting team, once access was granted.
pub fn may_revoke(caller: &Caller, request: &RequestRow) -> bool {
    caller.admin
        || member(caller, &request.owner_team)
        || member(caller, &request.team)
        || request.requester == caller.user_id
}

pub fn can_revoke(caller: &Caller, request: &RequestRow) -> bool {
    request.kind != RequestKind::NewEvent
        && matches!(
            request.state,
            RequestState::Provisioning | RequestState::Active | RequestState::Failed
        )
        && may_revoke(caller, request)
}

/// Admins, while the owner step is pending.
pub fn can_reassign(caller: &Caller, request: &RequestRow, steps: &[StepRow]) -> bool {
    caller.admin
        && request.state == RequestState::Submitted
        && steps.iter().any(|s| s.step == Step::Owner && s.pending())
}

/// Who may see a request: the requester, the requesting and owning teams, the
/// teams of its steps, and admins.
pub fn may_view(caller: &Caller, request: &RequestRow, steps: &[StepRow]) -> bool {
    caller.admin
        || request.requester == caller.user_id
        || member(caller, &request.team)
        || member(caller, &request.owner_team)
        || steps
            .iter()
            .any(|s| s.step != Step::Platform && member(caller, &s.team))
}

/// Teams that must act now: those of the pending steps while submitted.
pub fn pending_teams(state: RequestState, steps: &[StepRow]) -> Vec<String> {
    if state != RequestState::Submitted {
        return Vec::new();
    }
    let mut teams: Vec<String> = Vec::new();
    for s in steps.iter().filter(|s| s.pending()) {
        if !teams.contains(&s.team) {
            teams.push(s.team.clone());
        }
    }
    teams
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::model::ADMINS;

    fn caller(user: &str, admin: bool, teams: &[&str]) -> Caller {
        Caller {
            user_id: user.into(),
            admin,
            teams: teams.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn request(kind: RequestKind, state: RequestState) -> RequestRow {
        RequestRow {
            id: 1,
            kind,
            state,
            requester: "zoe".into(),
            team: "insights".into(),
            event: "customer.updated".into(),
            cluster: "gcp".into(),
            topic: "t".into(),
            application_id: Some(1),
            group: None,
            group_is_prefix: false,
            purpose: "p".into(),
            end_date: None,
            proposal: None,
            created_at: String::new(),
            updated_at: String::new(),
            owner_team: "crm".into(),
        }
    }

    fn step(step: Step, team: &str, decided_by: Option<&str>) -> StepRow {
        StepRow {
            step,
            team: team.into(),
            decided_by: decided_by.map(Into::into),
            decision: decided_by.map(|_| "approved".into()),
            comment: None,
            decided_at: None,
        }
    }

    #[test]
    fn owners_decide_the_owner_step_and_data_protection_theirs() {
        let r = request(RequestKind::Consume, RequestState::Submitted);
        let steps = [
            step(Step::Owner, "crm", None),
            step(Step::DataProtection, "data-protection", None),
        ];
        let owner = caller("sofia", false, &["crm"]);
        let dp = caller("margaret", false, &["data-protection"]);
        let stranger = caller("gareth", false, &["field-service"]);
        assert_eq!(decidable_step(&owner, &r, &steps), Some(Step::Owner));
        assert_eq!(decidable_step(&dp, &r, &steps), Some(Step::DataProtection));
        assert_eq!(decidable_step(&stranger, &r, &steps), None);
        let admin = caller("root", true, &[]);
        assert_eq!(decidable_step(&admin, &r, &steps), Some(Step::Owner));
    }

    #[test]
    fn nobody_decides_their_own_request_or_two_steps() {
        let r = request(RequestKind::Consume, RequestState::Submitted);
        let steps = [
            step(Step::Owner, "crm", Some("amira")),
            step(Step::DataProtection, "data-protection", None),
        ];
        let both = caller("amira", false, &["crm", "data-protection"]);
        assert_eq!(decidable_step(&both, &r, &steps), None);
        let requester = caller("zoe", true, &["crm", "data-protection", "insights"]);
        assert_eq!(decidable_step(&requester, &r, &steps), None);
        assert!(why_not_decide(&requester, &r, &steps).contains("own request"));
    }

    #[test]
    fn only_admins_decide_the_platform_step() {
        let r = request(RequestKind::NewEvent, RequestState::Submitted);
        let steps = [step(Step::Platform, ADMINS, None)];
        let sneaky = caller("x", false, &[ADMINS]);
        assert_eq!(decidable_step(&sneaky, &r, &steps), None);
        let admin = caller("root", true, &[]);
        assert_eq!(decidable_step(&admin, &r, &steps), Some(Step::Platform));
    }

    #[test]
    fn decided_requests_are_not_decidable() {
        let steps = [step(Step::Owner, "crm", None)];
        let owner = caller("sofia", false, &["crm"]);
        for st in [
            RequestState::Approved,
            RequestState::Rejected,
            RequestState::Active,
        ] {
            assert_eq!(
                decidable_step(&owner, &request(RequestKind::Consume, st), &steps),
                None
            );
        }
    }

    #[test]
    fn cancel_revoke_reassign() {
        let submitted = request(RequestKind::Consume, RequestState::Submitted);
        let active = request(RequestKind::Consume, RequestState::Active);
        let zoe = caller("zoe", false, &["insights"]);
        let mate = caller("arjun", false, &["insights"]);
        let owner = caller("sofia", false, &["crm"]);
        let stranger = caller("gareth", false, &["field-service"]);
        let admin = caller("root", true, &[]);
        assert!(can_cancel(&zoe, &submitted));
        assert!(!can_cancel(&mate, &submitted));
        assert!(!can_cancel(&zoe, &active));
        for who in [&zoe, &mate, &owner, &admin] {
            assert!(can_revoke(who, &active));
            assert!(!can_revoke(who, &submitted));
        }
        assert!(!can_revoke(&stranger, &active));
        assert!(!can_revoke(
            &admin,
            &request(RequestKind::NewEvent, RequestState::Active)
        ));
        let steps = [step(Step::Owner, "crm", None)];
        assert!(can_reassign(&admin, &submitted, &steps));
        assert!(!can_reassign(&owner, &submitted, &steps));
        assert!(!can_reassign(&admin, &active, &steps));
    }

    #[test]
    fn pending_teams_only_while_submitted() {
        let steps = [
            step(Step::Owner, "crm", Some("sofia")),
            step(Step::DataProtection, "data-protection", None),
        ];
        assert_eq!(
            pending_teams(RequestState::Submitted, &steps),
            vec!["data-protection".to_string()]
        );
        assert!(pending_teams(RequestState::Approved, &steps).is_empty());
    }
}
