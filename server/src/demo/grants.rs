//! Demo consumers with access already granted: a few applications of demo
//! teams, each with an active consume grant (its own consumer group) on a
//! demo event, written as the workflow would have left them after approval
//! (request, approval steps, grant, audit entries). `demo::traffic` runs a
//! consumer per grant, so the monitoring has groups to follow from the start.
//!
//! Seeded after the demo catalogue, at every start: what exists is left
//! alone, and a grant revoked since (or its application deleted) is not
//! brought back.

use app::access::{RequestKind, RequestState};
use app::auth::DATA_PROTECTION_TEAM;
use serde_json::json;
use sqlx::AnyConnection;

use crate::access::model::{Step, SYSTEM};
use crate::access::repo::{self, NewGrant, NewRequest};
use crate::access::{consume_bindings, policy, snapshot};
use crate::audit;
use crate::db::{Db, DbError, Tx};

/// One demo application and the event it consumes on the event's home cluster.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoGrant {
    pub team: &'static str,
    pub application: &'static str,
    pub description: &'static str,
    /// The team member who asked.
    pub requester: &'static str,
    pub event: &'static str,
    /// The consumer group: `<team>.<application>`.
    pub group: &'static str,
    pub purpose: &'static str,
    /// Who approved for the owning team.
    pub owner_approver: &'static str,
    /// The demo consumer reads at most this many records a second (`None`:
    /// as fast as they come).
    pub reads_per_second: Option<f64>,
}

/// Approves the data-protection step of PII or confidential events.
const DATA_PROTECTION_APPROVER: &str = "margaret.oduya";

pub const DEMO_GRANTS: [DemoGrant; 4] = [
    DemoGrant {
        team: "customer-insights",
        application: "churn-model",
        description: "Scores every customer's churn risk from usage, nightly and intraday.",
        requester: "zoe.williams",
        event: "usage.mobile.session",
        group: "customer-insights.churn-model",
        purpose: "Mobile usage patterns are the strongest churn signal of the model.",
        owner_approver: "hannah.schmidt",
        // The model scores one session a second: it falls ever further behind.
        reads_per_second: Some(1.0),
    },
    DemoGrant {
        team: "service-desk",
        application: "alarm-ticketing",
        description: "Opens and links incident tickets for network alarms.",
        requester: "kate.morgan",
        event: "network.alarm.raised",
        group: "service-desk.alarm-ticketing",
        purpose: "Open an incident for every major alarm before customers call.",
        owner_approver: "amira.haddad",
        reads_per_second: None,
    },
    DemoGrant {
        team: "field-service",
        application: "dispatch-planner",
        description: "Plans engineer visits for new orders that need an installation.",
        requester: "gareth.evans",
        event: "order.placed",
        group: "field-service.dispatch-planner",
        purpose: "Reserve an engineer slot as soon as an order needs an installation.",
        owner_approver: "raj.patel",
        reads_per_second: None,
    },
    DemoGrant {
        team: "usage-billing",
        application: "billing-engine",
        description: "Rates usage and bills completed orders.",
        requester: "hannah.schmidt",
        event: "order.completed",
        group: "usage-billing.billing-engine",
        purpose: "Start billing a product the moment its order is completed.",
        owner_approver: "emma.lindqvist",
        reads_per_second: None,
    },
];

/// The Kafka principal of a demo application.
pub fn principal_of(g: &DemoGrant) -> String {
    format!("User:svc-{}", g.application)
}

/// What seeding did: requests written now (by id).
#[derive(Debug, Default)]
pub struct SeededGrants {
    pub applications_added: usize,
    pub requests_added: Vec<i64>,
}

/// Seeds the demo applications and their active grants; safe at every start.
/// `default_months` is the grants' term (`access.default_months`).
pub async fn seed_grants(db: &Db, default_months: u32) -> Result<SeededGrants, DbError> {
    let mut seeded = SeededGrants::default();
    for g in &DEMO_GRANTS {
        let mut tx = db.begin().await?;
        match seed_one(&mut tx, g, default_months, &mut seeded).await {
            Ok(Some(request)) => {
                tx.commit().await?;
                seeded.requests_added.push(request);
                tracing::info!(
                    request,
                    application = %format!("{}/{}", g.team, g.application),
                    event = g.event,
                    group = g.group,
                    "demo grant seeded"
                );
            }
            Ok(None) => {}
            // Another replica seeded it at the same moment.
            Err(DbError::Conflict) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(seeded)
}

/// One grant in `tx`; `None` when there is nothing to do.
async fn seed_one(
    tx: &mut Tx,
    g: &DemoGrant,
    default_months: u32,
    seeded: &mut SeededGrants,
) -> Result<Option<i64>, DbError> {
    let Some(facts) = crate::catalogue::facts::event_facts(tx, g.event).await? else {
        tracing::warn!(event = g.event, "demo grant names an unknown event");
        return Ok(None);
    };
    let cluster = facts.home_cluster.as_str();
    let principal = principal_of(g);
    let app_id = match application_id(tx, g.team, g.application).await? {
        Some(id) => {
            if requested_before(tx, id, g.event, cluster).await? {
                return Ok(None);
            }
            id
        }
        None => {
            let id = register_application(tx, g, cluster, &principal).await?;
            seeded.applications_added += 1;
            id
        }
    };
    let application = repo::application(tx, app_id)
        .await?
        .ok_or(DbError::NotFound)?;
    if !application.principals.iter().any(|p| p.cluster == cluster) {
        repo::insert_principal(tx, app_id, cluster, &principal).await?;
    }
    let principal = application
        .principals
        .iter()
        .find(|p| p.cluster == cluster)
        .map_or(principal, |p| p.principal.clone());

    let end = policy::end_date(
        None,
        time::OffsetDateTime::now_utc().date(),
        default_months,
        default_months,
    )
    .map_err(|_| DbError::NotFound)?;
    let end_date = policy::format_date(end);
    let id = repo::insert_request(
        tx,
        &NewRequest {
            kind: RequestKind::Consume,
            requester: g.requester,
            team: g.team,
            event: g.event,
            cluster,
            topic: &facts.topic,
            application: Some(app_id),
            group: Some(g.group),
            group_is_prefix: false,
            purpose: g.purpose,
            end_date: Some(&end_date),
            proposal: None,
            open_key: &format!("consume|{app_id}|{}|{cluster}", g.event),
        },
    )
    .await?;
    let mut approvers = vec![(Step::Owner, facts.team.clone(), g.owner_approver)];
    if crate::catalogue::facts::needs_data_protection(tx, g.event).await? {
        approvers.push((
            Step::DataProtection,
            DATA_PROTECTION_TEAM.to_string(),
            DATA_PROTECTION_APPROVER,
        ));
    }
    for (position, (step, team, _)) in (0i64..).zip(&approvers) {
        repo::insert_step(tx, id, *step, position, team).await?;
    }
    let row = repo::request(tx, id).await?.ok_or(DbError::NotFound)?;
    let mut steps = repo::steps(tx, id).await?;
    let submitted = snapshot(
        &row,
        RequestState::Submitted,
        &steps,
        json!({ "purpose": row.purpose }),
    );
    record(tx, g.requester, "request.submitted", id, None, &submitted).await?;

    // Each step approved in turn, as its team's member would.
    let mut last_approver = g.requester;
    for (i, (step, _, by)) in approvers.iter().enumerate() {
        let before = snapshot(&row, RequestState::Submitted, &steps, json!({}));
        let comment = match step {
            Step::DataProtection => "Purpose and retention checked: approved.",
            _ => "Approved for the demo: a known consumer with a clear purpose.",
        };
        repo::decide_step(tx, id, *step, by, true, comment).await?;
        steps = repo::steps(tx, id).await?;
        let details = json!({
            "step": step.as_str(),
            "decision": "approved",
            "comment": comment,
            "decided_by": by,
        });
        let (to, action) = if i + 1 < approvers.len() {
            (RequestState::Submitted, "request.step_approved")
        } else {
            (RequestState::Approved, "request.approved")
        };
        if to != RequestState::Submitted {
            repo::set_state(tx, id, to).await?;
        }
        let after = snapshot(&row, to, &steps, details);
        record(tx, by, action, id, Some(&before), &after).await?;
        last_approver = by;
    }

    let bindings = consume_bindings(&facts.topic, g.group, false, &principal);
    let grant = repo::insert_grant(
        tx,
        &NewGrant {
            request: id,
            application: app_id,
            event: g.event,
            cluster,
            principal: &principal,
            topic: &facts.topic,
            bindings: &bindings,
            expires_at: &policy::expires_at(end),
        },
    )
    .await?;
    let approved = snapshot(&row, RequestState::Approved, &steps, json!({}));
    repo::set_state(tx, id, RequestState::Provisioning).await?;
    // No jobs: the demo brokers have no authorizer, and the topic is the
    // event's own on its home cluster.
    let provisioning = snapshot(
        &row,
        RequestState::Provisioning,
        &steps,
        json!({ "jobs": Vec::<String>::new() }),
    );
    record(
        tx,
        last_approver,
        "request.provisioning",
        id,
        Some(&approved),
        &provisioning,
    )
    .await?;
    repo::set_state(tx, id, RequestState::Active).await?;
    repo::set_grant_state(tx, grant, "active").await?;
    let active = snapshot(&row, RequestState::Active, &steps, json!({ "error": null }));
    let before = snapshot(&row, RequestState::Provisioning, &steps, json!({}));
    record(tx, SYSTEM, "request.active", id, Some(&before), &active).await?;
    Ok(Some(id))
}

async fn application_id(
    conn: &mut AnyConnection,
    team: &str,
    name: &str,
) -> Result<Option<i64>, DbError> {
    let team = [team.to_string()];
    Ok(repo::applications(conn, Some(&team))
        .await?
        .into_iter()
        .find(|a| a.name == name)
        .and_then(|a| a.id.parse().ok()))
}

/// Whether the application ever asked to consume the event there (in any
/// state: a grant revoked since stays revoked).
async fn requested_before(
    conn: &mut AnyConnection,
    application: i64,
    event: &str,
    cluster: &str,
) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE kind = 'consume' AND application_id = $1 \
         AND event_name = $2 AND cluster_id = $3",
    )
    .bind(application)
    .bind(event)
    .bind(cluster)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

async fn register_application(
    tx: &mut Tx,
    g: &DemoGrant,
    cluster: &str,
    principal: &str,
) -> Result<i64, DbError> {
    let id =
        repo::insert_application(tx, g.team, g.application, g.description, g.requester).await?;
    repo::insert_principal(tx, id, cluster, principal).await?;
    let registered = repo::application(tx, id).await?.ok_or(DbError::NotFound)?;
    audit::record(
        tx,
        audit::Entry::<(), _> {
            actor: g.requester,
            action: "application.registered",
            subject: &format!("application:{id}"),
            before: None,
            after: Some(&registered),
        },
    )
    .await?;
    Ok(id)
}

async fn record(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    request: i64,
    before: Option<&serde_json::Value>,
    after: &serde_json::Value,
) -> Result<(), DbError> {
    audit::record(
        tx,
        audit::Entry {
            actor,
            action,
            subject: &format!("request:{request}"),
            before,
            after: Some(after),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_grants_name_demo_events_teams_and_members() {
        let catalogue = crate::catalogue::seed::demo_catalogue().expect("demo catalogue");
        let mut groups = std::collections::BTreeSet::new();
        for g in &DEMO_GRANTS {
            let event = catalogue
                .events
                .iter()
                .find(|e| e.name == g.event)
                .unwrap_or_else(|| panic!("no demo event {}", g.event));
            let member = |team: &str, user: &str| {
                catalogue
                    .teams
                    .iter()
                    .any(|t| t.id == team && t.members.iter().any(|m| m == user))
            };
            assert!(member(g.team, g.requester), "{}: requester", g.application);
            assert!(
                member(&event.team, g.owner_approver),
                "{}: owner approver",
                g.application
            );
            assert!(member(DATA_PROTECTION_TEAM, DATA_PROTECTION_APPROVER));
            assert_eq!(g.group, format!("{}.{}", g.team, g.application));
            policy::group(g.group, false).expect("valid group");
            policy::principal(&principal_of(g)).expect("valid principal");
            assert!(groups.insert(g.group), "one group per grant");
        }
        assert_eq!(
            DEMO_GRANTS
                .iter()
                .filter(|g| g.reads_per_second.is_some())
                .count(),
            1,
            "one consumer falls behind"
        );
    }
}
