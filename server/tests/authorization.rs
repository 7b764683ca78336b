//! Authorization per role on both databases (issue 5, "Roles, enforced on
//! the server"): every mutating REST handler (`/api/v1`), every write of the
//! schema registry API (`/registry`), every mutating Leptos server function
//! (posted to its `ServerFn::PATH`), and the reads only some roles may make,
//! called by each role — anonymous, staff, a member of an unrelated team, the
//! requester (a member of the requesting team), the event owner, data
//! protection and an admin. Each role the action is not for gets 401
//! (anonymous) or 403 (404 for a request it may not see: as unknown as a
//! missing one) and no row of any table changes, the audit log
//! included; each role it is for succeeds and changes what the action
//! changes, so a check that is too strict, or a request this test builds
//! wrong, fails the test too.
//!
//! The actions are the table in `rows()`: adding an endpoint is one row.
//! Deviations found are listed in `KNOWN_GAPS`, printed, and kept honest: the
//! test fails on a deviation not listed, and on a listed one no longer seen.
//!
//! Not rows: the read-only POSTs (`/requests/new-event/check`, the registry's
//! lookup and compatibility checks, the `check_new_event` and `check_schema`
//! server functions), reads open to everyone or scoped to the caller (lists,
//! inbox, notifications; access_roles.rs covers the access ones),
//! `refresh_clusters` (re-probes the brokers, writes no row), and `/auth/*`
//! (sign-in and sign-out: auth.rs, oidc.rs, web_safety.rs).

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};
use sqlx::{Column, Row as _};
use switchboard::config::Config;
use switchboard::db::{Backend, Db};

backend_suite!(every_action_is_refused_to_the_roles_it_is_not_for);

const ADMIN: &str = "platform.admin";
/// The requester's team: it owns the requests of the targets below.
const REQUESTING_TEAM: &str = "customer-insights";
/// Owned by crm-customer-data; tagged PII: owner and data protection decide.
const PII_EVENT: &str = "customer.updated";
/// Owned by crm-customer-data; internal: the owner alone decides.
const PLAIN_EVENT: &str = "account.closed";
/// The value subject of `PII_EVENT` (its topic is `crm.customer.updated.v1`).
const SUBJECT: &str = "crm.customer.updated.v1-value";
const REGISTRY_JSON: &str = "application/vnd.schemaregistry.v1+json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Anonymous,
    /// Signed in, in no team.
    Staff,
    /// kate.morgan, of service-desk: a team with no stake in the targets.
    Member,
    /// zoe.williams, of customer-insights: makes every request of the targets.
    Requester,
    /// sofia.martins, of crm-customer-data: owns `PII_EVENT` and `PLAIN_EVENT`.
    Owner,
    /// margaret.oduya, of data-protection only.
    DataProtection,
    /// In `auth.admins`, in no team.
    Admin,
}

use Role::*;

const ROLES: [Role; 7] = [
    Anonymous,
    Staff,
    Member,
    Requester,
    Owner,
    DataProtection,
    Admin,
];
const SIGNED_IN: &[Role] = &[Staff, Member, Requester, Owner, DataProtection, Admin];

impl Role {
    fn user(self) -> Option<&'static str> {
        match self {
            Anonymous => None,
            Staff => Some("staff.member"),
            Member => Some("kate.morgan"),
            Requester => Some("zoe.williams"),
            Owner => Some("sofia.martins"),
            DataProtection => Some("margaret.oduya"),
            Admin => Some(ADMIN),
        }
    }
}

/// What a row acts on; made fresh (through the API, as the roles who may)
/// before the refused roles try, and again before each allowed role.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// The call carries its own unique names (`Prepared::n`).
    Nothing,
    /// A new application of the requester's team, with principals on every cluster.
    Application,
    /// The requester's submitted request to consume `PII_EVENT` on gcp
    /// (owner step and data-protection step pending).
    PiiRequest,
    /// The requester's submitted request to consume `PLAIN_EVENT` on onprem
    /// (owner step only: data protection has no say).
    PlainRequest,
    /// The requester's submitted proposal of a new event (platform step pending).
    Proposal,
    /// The requester's request to consume `PLAIN_EVENT`, approved by the owner:
    /// provisioning, so revocable.
    Granted,
    /// An unread notification of the owner (of the requester's request).
    OwnersNotification,
    /// `SUBJECT` read-write, compatibility NONE, with a live version.
    EventSubject,
    /// A webhook (made by the admin).
    Webhook,
    /// A queued provisioning job (of a `Granted` request).
    Job,
}

impl Target {
    /// Whether `role` may see the target. A request it may not see is as
    /// unknown to it as a missing one: refused with 404, not 403.
    fn seen_by(self, role: Role) -> bool {
        let viewers: &[Role] = match self {
            Target::PiiRequest => &[Requester, Owner, DataProtection, Admin],
            Target::PlainRequest | Target::Granted => &[Requester, Owner, Admin],
            Target::Proposal => &[Requester, Admin],
            _ => return true,
        };
        viewers.contains(&role)
    }
}

struct Prepared {
    /// The request, application or notification id; empty for `Nothing`.
    id: String,
    /// Unique per preparation: for names that must not collide.
    n: usize,
}

enum Payload {
    Empty,
    Json(Value),
    Registry(Value),
    Form(Vec<(&'static str, String)>),
}

struct Call {
    method: &'static str,
    uri: String,
    payload: Payload,
}

impl Call {
    fn server_fn(&self) -> bool {
        self.uri.starts_with("/api/") && !self.uri.starts_with("/api/v1/")
    }
}

fn rest(method: &'static str, uri: impl Into<String>, body: Option<Value>) -> Call {
    Call {
        method,
        uri: uri.into(),
        payload: body.map_or(Payload::Empty, Payload::Json),
    }
}

fn registry(method: &'static str, path: impl AsRef<str>, body: Option<Value>) -> Call {
    Call {
        method,
        uri: format!("/registry{}", path.as_ref()),
        payload: body.map_or(Payload::Empty, Payload::Registry),
    }
}

/// A server function with the `Json` input codec: the arguments as one object.
fn server_json<F: ServerFn>(args: Value) -> Call {
    Call {
        method: "POST",
        uri: F::PATH.to_string(),
        payload: Payload::Json(args),
    }
}

/// A server function with the default `PostUrl` codec: the arguments as a form.
fn server_form<F: ServerFn>(fields: Vec<(&'static str, String)>) -> Call {
    Call {
        method: "POST",
        uri: F::PATH.to_string(),
        payload: Payload::Form(fields),
    }
}

/// How a role the action is not for is turned away (anonymous: always 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// 403 `forbidden`.
    Forbidden,
    /// 404 `not_found`: someone else's notification is as unknown as a missing one.
    NotFound,
    /// An action on a request: 403 for a role that may see the request, 404
    /// for one that may not (as unknown to it as a missing one).
    Unseen,
    /// Bulk decisions: 200, every item refused (`ok: false`).
    PerItem,
}

struct Row {
    action: &'static str,
    /// The signed-in roles that may; every other role is refused.
    allowed: &'static [Role],
    target: Target,
    refusal: Refusal,
    call: fn(&Prepared) -> Call,
    /// Tables an allowed call must change.
    changes: &'static [&'static str],
}

/// Deviations from "a 403 and no change" this test observes; printed, and
/// reported. A deviation not listed fails the test, and so does a listed one
/// that is no longer observed (remove it then).
struct KnownGap {
    /// A row's action, or `SERVER_FNS` for every server function.
    action: &'static str,
    kind: Gap,
    why: &'static str,
}

const SERVER_FNS: &str = "every server function";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    /// Refused with the right error code in the body but HTTP status 500.
    Status500,
}

/// None at present: server functions used to answer refusals with HTTP 500
/// (fixed by `http::server_fn_status`).
const KNOWN_GAPS: &[KnownGap] = &[];

fn new_application(n: usize) -> Value {
    let principals: Vec<Value> = ["onprem", "aws", "gcp"]
        .into_iter()
        .map(|c| json!({"cluster": c, "principal": format!("User:svc-authz-{n}")}))
        .collect();
    json!({
        "team": REQUESTING_TEAM, "name": format!("authz-app-{n}"), "description": "",
        "principals": principals,
    })
}

fn consume(application: &str, event: &str, cluster: &str, n: usize) -> Value {
    json!({
        "event": event, "cluster": cluster, "application": application,
        "group": format!("authz.group{n}"), "group_is_prefix": false,
        "purpose": "reports", "end_date": null,
    })
}

fn produce(application: &str) -> Value {
    // insights.nps.response: the requesting team's own event, home cluster gcp.
    json!({
        "event": "insights.nps.response", "application": application,
        "purpose": "writes answers", "end_date": null,
    })
}

fn new_event(n: usize) -> Value {
    json!({
        "team": REQUESTING_TEAM, "name": format!("insights.proposal{n}.made"),
        "title": "Proposal", "home_cluster": "gcp",
        "topic": format!("insights.proposal{n}.made.v1"), "template": "standard",
        "value_schema": r#"{"type":"record","name":"P","fields":[{"name":"a","type":"string"}]}"#,
        "description": "", "tags": [],
    })
}

fn patch(n: usize) -> Value {
    json!({
        "title": format!("Customer updated ({n})"), "description": "Curated.",
        "domain": "customer", "lifecycle": "published", "tags": ["pii", "cdc"],
        "field_tags": {},
    })
}

/// A schema unlike every other one (the subject is at compatibility NONE).
fn schema(n: usize) -> String {
    format!(r#"{{"type":"record","name":"Changed","fields":[{{"name":"f{n}","type":"string"}}]}}"#)
}

fn decision(p: &Prepared) -> Value {
    json!({"request": p.id, "approve": true, "comment": "looks fine"})
}

fn claim(n: usize) -> Value {
    json!({
        "cluster": "onprem", "topic": format!("found.topic{n}.v1"),
        "name": format!("found.topic{n}.claimed"), "title": "Claimed",
        "team": "crm-customer-data",
    })
}

/// A row refused with 403 (401 for anonymous callers).
fn row(
    action: &'static str,
    allowed: &'static [Role],
    target: Target,
    call: fn(&Prepared) -> Call,
    changes: &'static [&'static str],
) -> Row {
    Row {
        action,
        allowed,
        target,
        refusal: Refusal::Forbidden,
        call,
        changes,
    }
}

/// Every write of the app, and the reads only some roles may make, with who may.
fn rows() -> Vec<Row> {
    use app::access_api as access;
    use app::api;
    use app::mesh_api as mesh;
    use app::notify_api as notify;
    use app::schemas_api as schemas;

    const SUBMITTED: &[&str] = &["requests", "request_approvals", "audit_log"];
    const APPLICATION: &[&str] = &["applications", "application_principals", "audit_log"];
    vec![
        // ---- REST API, /api/v1 ----
        row(
            "POST /api/v1/tags",
            &[Admin],
            Target::Nothing,
            |p| {
                rest(
                    "POST",
                    "/api/v1/tags",
                    Some(json!({"name": format!("tag-{}", p.n), "description": "New",
                                "colour": "#aa0000", "classification": false})),
                )
            },
            &["tags", "audit_log"],
        ),
        row(
            "POST /api/v1/teams",
            &[Admin],
            Target::Nothing,
            |p| {
                rest(
                    "POST",
                    "/api/v1/teams",
                    Some(json!({"id": format!("team-{}", p.n), "name": "New team",
                                "description": "", "members": ["new.person"]})),
                )
            },
            &["teams", "team_members", "audit_log"],
        ),
        row(
            "POST /api/v1/discovery/refresh",
            &[Admin],
            Target::Nothing,
            |_| rest("POST", "/api/v1/discovery/refresh", None),
            &[],
        ),
        row(
            "POST /api/v1/discovery/claim",
            &[Admin],
            Target::Nothing,
            |p| rest("POST", "/api/v1/discovery/claim", Some(claim(p.n))),
            &["events", "audit_log"],
        ),
        row(
            "PATCH /api/v1/events/{name}",
            &[Owner, Admin],
            Target::Nothing,
            |p| {
                rest(
                    "PATCH",
                    format!("/api/v1/events/{PII_EVENT}"),
                    Some(patch(p.n)),
                )
            },
            &["events", "audit_log"],
        ),
        Row {
            refusal: Refusal::NotFound,
            ..row(
                "POST /api/v1/notifications/{id}/read",
                &[Owner],
                Target::OwnersNotification,
                |p| rest("POST", format!("/api/v1/notifications/{}/read", p.id), None),
                &["notifications"],
            )
        },
        row(
            "POST /api/v1/notifications/read-all",
            SIGNED_IN,
            Target::Nothing,
            |_| rest("POST", "/api/v1/notifications/read-all", None),
            &[],
        ),
        row(
            "POST /api/v1/webhooks",
            &[Admin],
            Target::Nothing,
            |p| {
                rest(
                    "POST",
                    "/api/v1/webhooks",
                    Some(json!({"url": format!("http://127.0.0.1:9/hook{}", p.n),
                                "secret_env": "SWITCHBOARD_WEBHOOK_AUTHZ", "events": []})),
                )
            },
            &["webhooks", "audit_log"],
        ),
        row(
            "POST /api/v1/applications",
            &[Requester, Admin],
            Target::Nothing,
            |p| rest("POST", "/api/v1/applications", Some(new_application(p.n))),
            APPLICATION,
        ),
        row(
            "POST /api/v1/requests/consume",
            &[Requester, Admin],
            Target::Application,
            |p| {
                rest(
                    "POST",
                    "/api/v1/requests/consume",
                    Some(consume(&p.id, PLAIN_EVENT, "onprem", p.n)),
                )
            },
            SUBMITTED,
        ),
        row(
            "POST /api/v1/requests/produce",
            &[Requester, Admin],
            Target::Application,
            |p| rest("POST", "/api/v1/requests/produce", Some(produce(&p.id))),
            SUBMITTED,
        ),
        row(
            "POST /api/v1/requests/new-event",
            &[Requester, Admin],
            Target::Nothing,
            |p| rest("POST", "/api/v1/requests/new-event", Some(new_event(p.n))),
            SUBMITTED,
        ),
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "POST /api/v1/requests/{id}/decision (PII consume)",
                &[Owner, DataProtection, Admin],
                Target::PiiRequest,
                |p| {
                    rest(
                        "POST",
                        format!("/api/v1/requests/{}/decision", p.id),
                        Some(json!({"approve": true, "comment": "looks fine"})),
                    )
                },
                &["request_approvals", "audit_log"],
            )
        },
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "POST /api/v1/requests/{id}/decision (internal consume)",
                &[Owner, Admin],
                Target::PlainRequest,
                |p| {
                    rest(
                        "POST",
                        format!("/api/v1/requests/{}/decision", p.id),
                        Some(json!({"approve": false, "comment": "not for reports"})),
                    )
                },
                &["requests", "request_approvals", "audit_log"],
            )
        },
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "POST /api/v1/requests/{id}/decision (new event)",
                &[Admin],
                Target::Proposal,
                |p| {
                    rest(
                        "POST",
                        format!("/api/v1/requests/{}/decision", p.id),
                        Some(json!({"approve": true, "comment": "looks fine"})),
                    )
                },
                &["requests", "request_approvals", "audit_log"],
            )
        },
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "POST /api/v1/requests/{id}/cancel",
                &[Requester],
                Target::PiiRequest,
                |p| rest("POST", format!("/api/v1/requests/{}/cancel", p.id), None),
                &["requests", "audit_log"],
            )
        },
        row(
            "POST /api/v1/requests/{id}/reassign",
            &[Admin],
            Target::PiiRequest,
            |p| {
                rest(
                    "POST",
                    format!("/api/v1/requests/{}/reassign", p.id),
                    Some(json!({"team": "service-desk"})),
                )
            },
            &["request_approvals", "audit_log"],
        ),
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "POST /api/v1/requests/{id}/revoke",
                &[Owner, Requester, Admin],
                Target::Granted,
                |p| {
                    rest(
                        "POST",
                        format!("/api/v1/requests/{}/revoke", p.id),
                        Some(json!({"reason": "no longer needed"})),
                    )
                },
                &["requests", "audit_log"],
            )
        },
        Row {
            refusal: Refusal::PerItem,
            ..row(
                "POST /api/v1/approvals/bulk",
                &[Owner, DataProtection, Admin],
                Target::PiiRequest,
                |p| rest("POST", "/api/v1/approvals/bulk", Some(json!([decision(p)]))),
                &["request_approvals", "audit_log"],
            )
        },
        // ---- schema registry, /registry ----
        row(
            "POST /registry/subjects/{event subject}/versions",
            &[Owner, Admin],
            Target::EventSubject,
            |p| {
                registry(
                    "POST",
                    format!("/subjects/{SUBJECT}/versions"),
                    Some(json!({"schema": schema(p.n)})),
                )
            },
            &["registry_versions", "audit_log"],
        ),
        row(
            "POST /registry/subjects/{subject of no event}/versions",
            SIGNED_IN,
            Target::Nothing,
            |p| {
                registry(
                    "POST",
                    format!("/subjects/free{}-value/versions", p.n),
                    Some(json!({"schema": schema(p.n)})),
                )
            },
            &["registry_versions", "audit_log"],
        ),
        row(
            "DELETE /registry/subjects/{event subject}",
            &[Owner, Admin],
            Target::EventSubject,
            |_| registry("DELETE", format!("/subjects/{SUBJECT}"), None),
            &["registry_versions", "audit_log"],
        ),
        row(
            "DELETE /registry/subjects/{event subject}/versions/{v}",
            &[Owner, Admin],
            Target::EventSubject,
            |_| {
                registry(
                    "DELETE",
                    format!("/subjects/{SUBJECT}/versions/latest"),
                    None,
                )
            },
            &["registry_versions", "audit_log"],
        ),
        row(
            "PUT /registry/config",
            &[Admin],
            Target::Nothing,
            |_| registry("PUT", "/config", Some(json!({"compatibility": "BACKWARD"}))),
            &["audit_log"],
        ),
        row(
            "DELETE /registry/config",
            &[Admin],
            Target::Nothing,
            |_| registry("DELETE", "/config", None),
            &["audit_log"],
        ),
        row(
            "PUT /registry/config/{event subject}",
            &[Admin],
            Target::EventSubject,
            |_| {
                registry(
                    "PUT",
                    format!("/config/{SUBJECT}"),
                    Some(json!({"compatibility": "FULL"})),
                )
            },
            &["registry_config", "audit_log"],
        ),
        row(
            "DELETE /registry/config/{event subject}",
            &[Admin],
            Target::EventSubject,
            |_| registry("DELETE", format!("/config/{SUBJECT}"), None),
            &["registry_config", "audit_log"],
        ),
        row(
            "PUT /registry/mode",
            &[Admin],
            Target::Nothing,
            |_| registry("PUT", "/mode", Some(json!({"mode": "READWRITE"}))),
            &["audit_log"],
        ),
        row(
            "DELETE /registry/mode",
            &[Admin],
            Target::Nothing,
            |_| registry("DELETE", "/mode", None),
            &["audit_log"],
        ),
        row(
            "PUT /registry/mode/{event subject}",
            &[Admin],
            Target::EventSubject,
            |_| {
                registry(
                    "PUT",
                    format!("/mode/{SUBJECT}"),
                    Some(json!({"mode": "READONLY"})),
                )
            },
            &["registry_mode", "audit_log"],
        ),
        row(
            "DELETE /registry/mode/{event subject}",
            &[Admin],
            Target::EventSubject,
            |_| registry("DELETE", format!("/mode/{SUBJECT}"), None),
            &["registry_mode", "audit_log"],
        ),
        // ---- server functions, POST ServerFn::PATH ----
        row(
            "server fn update_event",
            &[Owner, Admin],
            Target::Nothing,
            |p| server_json::<api::UpdateEvent>(json!({"name": PII_EVENT, "patch": patch(p.n)})),
            &["events", "audit_log"],
        ),
        row(
            "server fn save_tag",
            &[Admin],
            Target::Nothing,
            |p| {
                server_form::<api::SaveTag>(vec![
                    ("name", format!("tag-{}", p.n)),
                    ("description", "New".into()),
                    ("colour", "#00aa00".into()),
                ])
            },
            &["tags", "audit_log"],
        ),
        row(
            "server fn save_team",
            &[Admin],
            Target::Nothing,
            |p| {
                server_form::<api::SaveTeam>(vec![
                    ("id", format!("team-{}", p.n)),
                    ("name", "New team".into()),
                    ("description", String::new()),
                    ("members", "new.person, other.person".into()),
                ])
            },
            &["teams", "team_members", "audit_log"],
        ),
        row(
            "server fn refresh_unclaimed",
            &[Admin],
            Target::Nothing,
            |_| server_form::<api::RefreshUnclaimed>(vec![]),
            &[],
        ),
        row(
            "server fn claim_topic",
            &[Admin],
            Target::Nothing,
            |p| {
                let claim = claim(p.n);
                let field = |k: &str| claim[k].as_str().expect("a string").to_string();
                server_form::<api::ClaimTopic>(
                    ["cluster", "topic", "name", "title", "team"]
                        .into_iter()
                        .map(|k| (k, field(k)))
                        .collect(),
                )
            },
            &["events", "audit_log"],
        ),
        row(
            "server fn register_application",
            &[Requester, Admin],
            Target::Nothing,
            |p| server_json::<access::RegisterApplication>(json!({"app": new_application(p.n)})),
            APPLICATION,
        ),
        row(
            "server fn submit_consume",
            &[Requester, Admin],
            Target::Application,
            |p| {
                server_json::<access::SubmitConsume>(
                    json!({"form": consume(&p.id, PLAIN_EVENT, "onprem", p.n)}),
                )
            },
            SUBMITTED,
        ),
        row(
            "server fn submit_produce",
            &[Requester, Admin],
            Target::Application,
            |p| server_json::<access::SubmitProduce>(json!({"form": produce(&p.id)})),
            SUBMITTED,
        ),
        row(
            "server fn submit_new_event",
            &[Requester, Admin],
            Target::Nothing,
            |p| server_json::<access::SubmitNewEvent>(json!({"form": new_event(p.n)})),
            SUBMITTED,
        ),
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "server fn decide_request (PII consume)",
                &[Owner, DataProtection, Admin],
                Target::PiiRequest,
                |p| server_json::<access::DecideRequest>(json!({"decision": decision(p)})),
                &["request_approvals", "audit_log"],
            )
        },
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "server fn decide_request (internal consume)",
                &[Owner, Admin],
                Target::PlainRequest,
                |p| server_json::<access::DecideRequest>(json!({"decision": decision(p)})),
                &[
                    "requests",
                    "request_approvals",
                    "grants",
                    "provisioning_jobs",
                    "audit_log",
                ],
            )
        },
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "server fn decide_request (new event)",
                &[Admin],
                Target::Proposal,
                |p| server_json::<access::DecideRequest>(json!({"decision": decision(p)})),
                &["requests", "request_approvals", "audit_log"],
            )
        },
        Row {
            refusal: Refusal::PerItem,
            ..row(
                "server fn decide_many",
                &[Owner, DataProtection, Admin],
                Target::PiiRequest,
                |p| server_json::<access::DecideMany>(json!({"decisions": [decision(p)]})),
                &["request_approvals", "audit_log"],
            )
        },
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "server fn cancel_request",
                &[Requester],
                Target::PiiRequest,
                |p| server_form::<access::CancelRequest>(vec![("id", p.id.clone())]),
                &["requests", "audit_log"],
            )
        },
        row(
            "server fn reassign_request",
            &[Admin],
            Target::PiiRequest,
            |p| {
                server_form::<access::ReassignRequest>(vec![
                    ("id", p.id.clone()),
                    ("team", "service-desk".into()),
                ])
            },
            &["request_approvals", "audit_log"],
        ),
        Row {
            refusal: Refusal::Unseen,
            ..row(
                "server fn revoke_request",
                &[Owner, Requester, Admin],
                Target::Granted,
                |p| {
                    server_form::<access::RevokeRequest>(vec![
                        ("id", p.id.clone()),
                        ("reason", "no longer needed".into()),
                    ])
                },
                &["requests", "audit_log"],
            )
        },
        Row {
            refusal: Refusal::NotFound,
            ..row(
                "server fn mark_notification_read",
                &[Owner],
                Target::OwnersNotification,
                |p| server_form::<notify::MarkNotificationRead>(vec![("id", p.id.clone())]),
                &["notifications"],
            )
        },
        row(
            "server fn mark_all_notifications_read",
            SIGNED_IN,
            Target::Nothing,
            |_| server_form::<notify::MarkAllNotificationsRead>(vec![]),
            &[],
        ),
        row(
            "server fn propose_schema",
            &[Owner, Admin],
            Target::EventSubject,
            |p| {
                server_json::<schemas::ProposeSchema>(json!({"proposal": {
                    "event": PII_EVENT, "role": "value", "schema": schema(p.n),
                }}))
            },
            &["registry_versions", "events", "audit_log"],
        ),
        row(
            "server fn set_schema_level",
            &[Admin],
            Target::EventSubject,
            |_| {
                server_form::<schemas::SetSchemaLevel>(vec![
                    ("event", PII_EVENT.into()),
                    ("role", "value".into()),
                    ("level", "FULL".into()),
                ])
            },
            &["registry_config", "audit_log"],
        ),
        // ---- reads that only some roles may make (they change nothing) ----
        // Someone else's request is as unknown as a missing one.
        Row {
            refusal: Refusal::NotFound,
            ..row(
                "GET /api/v1/requests/{id}",
                &[Requester, Owner, DataProtection, Admin],
                Target::PiiRequest,
                |p| rest("GET", format!("/api/v1/requests/{}", p.id), None),
                &[],
            )
        },
        row(
            "GET /api/v1/discovery",
            &[Admin],
            Target::Nothing,
            |_| rest("GET", "/api/v1/discovery", None),
            &[],
        ),
        row(
            "GET /api/v1/audit",
            &[Admin],
            Target::Nothing,
            |_| rest("GET", "/api/v1/audit?action=request.", None),
            &[],
        ),
        row(
            "GET /api/v1/audit/export",
            &[Admin],
            Target::Nothing,
            |_| rest("GET", "/api/v1/audit/export", None),
            &[],
        ),
        row(
            "GET /api/v1/webhooks",
            &[Admin],
            Target::Nothing,
            |_| rest("GET", "/api/v1/webhooks", None),
            &[],
        ),
        row(
            "GET /api/v1/webhooks/{id}/deliveries",
            &[Admin],
            Target::Webhook,
            |p| rest("GET", format!("/api/v1/webhooks/{}/deliveries", p.id), None),
            &[],
        ),
        row(
            "GET /api/v1/jobs",
            &[Admin],
            Target::Nothing,
            |_| rest("GET", "/api/v1/jobs", None),
            &[],
        ),
        // Someone else's request is as unknown as a missing one.
        Row {
            refusal: Refusal::NotFound,
            ..row(
                "server fn get_request",
                &[Requester, Owner, DataProtection, Admin],
                Target::PiiRequest,
                |p| server_form::<access::GetRequest>(vec![("id", p.id.clone())]),
                &[],
            )
        },
        row(
            "server fn unclaimed_topics",
            &[Admin],
            Target::Nothing,
            |_| server_form::<api::UnclaimedTopics>(vec![]),
            &[],
        ),
        row(
            "server fn search_audit",
            &[Admin],
            Target::Nothing,
            |_| server_json::<notify::SearchAudit>(json!({"filter": {"action": "request."}})),
            &[],
        ),
        row(
            "server fn provisioning_jobs",
            &[Admin],
            Target::Nothing,
            |_| server_form::<mesh::ProvisioningJobs>(vec![]),
            &[],
        ),
        row(
            "POST /api/v1/jobs/{id}/retry",
            &[Admin],
            Target::Job,
            |p| rest("POST", format!("/api/v1/jobs/{}/retry", p.id), None),
            &["provisioning_jobs", "audit_log"],
        ),
        row(
            "POST /api/v1/jobs/{id}/cancel",
            &[Admin],
            Target::Job,
            |p| rest("POST", format!("/api/v1/jobs/{}/cancel", p.id), None),
            &["provisioning_jobs", "audit_log"],
        ),
        row(
            "server fn job_action",
            &[Admin],
            Target::Job,
            |p| {
                server_form::<mesh::JobAction>(vec![
                    ("id", p.id.clone()),
                    ("action", "cancel".into()),
                ])
            },
            &["provisioning_jobs", "audit_log"],
        ),
        row(
            "GET /api/v1/drift",
            &[Admin],
            Target::Nothing,
            |_| rest("GET", "/api/v1/drift", None),
            &[],
        ),
        row(
            "POST /api/v1/drift/run",
            &[Admin],
            Target::Nothing,
            |_| rest("POST", "/api/v1/drift/run", None),
            &["drift_findings"],
        ),
        row(
            "server fn drift_report",
            &[Admin],
            Target::Nothing,
            |_| server_form::<mesh::DriftReport>(vec![]),
            &[],
        ),
        row(
            "server fn reconcile_now",
            &[Admin],
            Target::Nothing,
            |_| server_form::<mesh::ReconcileNow>(vec![]),
            &["drift_findings"],
        ),
        row(
            "PUT /api/v1/users/{id}/identity",
            &[Admin],
            Target::Nothing,
            |_| {
                rest(
                    "PUT",
                    "/api/v1/users/zoe.williams/identity",
                    Some(json!({"issuer": "https://idp.example.com", "subject": "zoe-1"})),
                )
            },
            // `users` is sign-in bookkeeping, outside the snapshot; the link's
            // audit entry is written in the same transaction.
            &["audit_log"],
        ),
    ]
}

struct Answer {
    status: u16,
    /// server_fn marks its error responses with this header.
    server_fn_error: bool,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The error code, whichever surface answered: REST `{error: {code}}`,
    /// server functions `{code}`, the registry `{error_code: 40301}`.
    fn code(&self) -> Option<String> {
        let v = self.json();
        if let Some(c) = v["error"]["code"].as_str().or(v["code"].as_str()) {
            return Some(c.to_string());
        }
        v["error_code"].as_i64().map(|c| {
            match c / 100 {
                401 => "unauthenticated",
                403 => "forbidden",
                404 => "not_found",
                _ => "other",
            }
            .to_string()
        })
    }
}

type Snapshot = BTreeMap<String, Vec<String>>;

struct Ctx {
    db: Db,
    cfg: Config,
    router: axum::Router,
    cookies: Vec<Option<String>>,
    n: usize,
}

fn config() -> Config {
    let mut c = common::test_config();
    c.auth.admins = vec![ADMIN.into()];
    c.registry.anonymous_writes = false;
    // Reconciliation calls the (absent) demo brokers: answers come fast.
    c.provision.kafka_timeout_ms = 300;
    // The webhooks made here point at a closed loopback port.
    c.notifications.webhook_allow = vec!["127.0.0.1:9".parse().expect("allowed address")];
    c
}

impl Ctx {
    async fn new(db: Db) -> Ctx {
        let cfg = config();
        switchboard::serve::register_clusters(&db, switchboard::demo::demo_clusters(19092))
            .await
            .expect("clusters");
        switchboard::catalogue::seed::seed_database(&db)
            .await
            .expect("seed");
        let index =
            Arc::new(switchboard::search::SearchIndex::in_memory().expect("in-memory index"));
        let state = switchboard::serve::app_state(db.clone(), &cfg, index, None);
        state.catalogue.reindex().await.expect("index");
        // One router for the whole test, as one server answers every request.
        let router = switchboard::http::router(state);
        let mut cookies = Vec::new();
        for role in ROLES {
            cookies.push(match role.user() {
                None => None,
                // The development sign-in offers team members and admins only.
                Some(user) if role == Staff => {
                    let token =
                        switchboard::auth::sessions::create(&db, user, time::Duration::hours(2))
                            .await
                            .expect("session");
                    Some(format!("{}={token}", switchboard::auth::sessions::COOKIE))
                }
                Some(user) => Some(common::session(&db, &cfg, user).await),
            });
        }
        Ctx {
            db,
            cfg,
            router,
            cookies,
            n: 0,
        }
    }

    async fn send(&self, role: Role, call: &Call) -> Answer {
        let mut request = Request::builder().method(call.method).uri(&call.uri);
        if let Some(cookie) = &self.cookies[role as usize] {
            // A browser on a Switchboard page (the cross-site check wants it).
            request = request
                .header("cookie", cookie)
                .header("sec-fetch-site", "same-origin");
        }
        let body = match &call.payload {
            Payload::Empty => Body::empty(),
            Payload::Json(v) => {
                request = request.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            Payload::Registry(v) => {
                request = request.header("content-type", REGISTRY_JSON);
                Body::from(v.to_string())
            }
            Payload::Form(fields) => {
                request = request.header("content-type", "application/x-www-form-urlencoded");
                Body::from(
                    url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(fields)
                        .finish(),
                )
            }
        };
        let (status, headers, body) =
            common::oneshot(&self.router, request.body(body).expect("request")).await;
        Answer {
            status: status.as_u16(),
            server_fn_error: headers.contains_key("serverfnerror"),
            body,
        }
    }

    /// A call that must succeed (preparing a target); returns the JSON answer.
    async fn must(&self, role: Role, call: Call) -> Value {
        let answer = self.send(role, &call).await;
        assert!(
            (200..300).contains(&answer.status),
            "preparing: {role:?} {} {}: {} {}",
            call.method,
            call.uri,
            answer.status,
            answer.body
        );
        answer.json()
    }

    async fn prepare(&mut self, target: Target) -> Prepared {
        self.n += 1;
        let n = self.n;
        let id = |v: Value| match &v["id"] {
            Value::String(s) => s.clone(),
            Value::Number(x) => x.to_string(),
            other => panic!("no id in {v}: {other}"),
        };
        let id = match target {
            Target::Nothing => String::new(),
            Target::Application => id(self.application(n).await),
            Target::PiiRequest => {
                let app = id(self.application(n).await);
                id(self.request(consume(&app, PII_EVENT, "gcp", n)).await)
            }
            Target::PlainRequest => {
                let app = id(self.application(n).await);
                id(self.request(consume(&app, PLAIN_EVENT, "onprem", n)).await)
            }
            Target::Proposal => id(self
                .must(
                    Requester,
                    rest("POST", "/api/v1/requests/new-event", Some(new_event(n))),
                )
                .await),
            Target::Granted => {
                let app = id(self.application(n).await);
                let request = id(self.request(consume(&app, PLAIN_EVENT, "onprem", n)).await);
                let decided = self
                    .must(
                        Owner,
                        rest(
                            "POST",
                            format!("/api/v1/requests/{request}/decision"),
                            Some(json!({"approve": true, "comment": "granted"})),
                        ),
                    )
                    .await;
                assert_eq!(decided["state"], "provisioning", "{decided}");
                request
            }
            Target::OwnersNotification => {
                let app = id(self.application(n).await);
                self.request(consume(&app, PLAIN_EVENT, "onprem", n)).await;
                switchboard::notify::NotifyService::new(self.db.clone(), &self.cfg)
                    .run_pass_at(time::OffsetDateTime::now_utc() + time::Duration::hours(1))
                    .await
                    .expect("notifier pass");
                let latest: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(id) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
                )
                .bind(Owner.user())
                .fetch_one(self.db.pool())
                .await
                .expect("notification");
                latest
                    .expect("the owner is notified of the request")
                    .to_string()
            }
            Target::EventSubject => {
                for (path, body) in [
                    (format!("/mode/{SUBJECT}"), json!({"mode": "READWRITE"})),
                    (
                        format!("/config/{SUBJECT}"),
                        json!({"compatibility": "NONE"}),
                    ),
                ] {
                    self.must(Admin, registry("PUT", path, Some(body))).await;
                }
                self.must(
                    Admin,
                    registry(
                        "POST",
                        format!("/subjects/{SUBJECT}/versions"),
                        Some(json!({"schema": schema(n + 1_000_000)})),
                    ),
                )
                .await;
                String::new()
            }
            Target::Job => {
                let app = id(self.application(n).await);
                let request = id(self.request(consume(&app, PLAIN_EVENT, "onprem", n)).await);
                self.must(
                    Owner,
                    rest(
                        "POST",
                        format!("/api/v1/requests/{request}/decision"),
                        Some(json!({"approve": true, "comment": "granted"})),
                    ),
                )
                .await;
                let job: i64 = sqlx::query_scalar(
                    "SELECT MAX(id) FROM provisioning_jobs WHERE request_id = $1",
                )
                .bind(request.parse::<i64>().expect("request id"))
                .fetch_one(self.db.pool())
                .await
                .expect("job");
                job.to_string()
            }
            Target::Webhook => id(self
                .must(
                    Admin,
                    rest(
                        "POST",
                        "/api/v1/webhooks",
                        Some(json!({"url": format!("http://127.0.0.1:9/target{n}"),
                                    "secret_env": "SWITCHBOARD_WEBHOOK_AUTHZ", "events": []})),
                    ),
                )
                .await),
        };
        Prepared { id, n }
    }

    async fn application(&self, n: usize) -> Value {
        self.must(
            Requester,
            rest("POST", "/api/v1/applications", Some(new_application(n))),
        )
        .await
    }

    async fn request(&self, form: Value) -> Value {
        self.must(
            Requester,
            rest("POST", "/api/v1/requests/consume", Some(form)),
        )
        .await
    }

    /// Every row of every table but the sign-in bookkeeping (sessions, users,
    /// OpenID Connect logins), rendered and sorted.
    async fn snapshot(&self) -> Snapshot {
        let tables_sql = match self.db.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'"
            }
            Backend::Postgres => {
                "SELECT CAST(tablename AS TEXT) FROM pg_tables \
                 WHERE schemaname = current_schema() AND tablename NOT LIKE '_sqlx%'"
            }
        };
        let tables: Vec<String> = sqlx::query_scalar(tables_sql)
            .fetch_all(self.db.pool())
            .await
            .expect("tables");
        let mut out = Snapshot::new();
        for table in tables {
            if ["sessions", "users", "oidc_logins"].contains(&table.as_str()) {
                continue;
            }
            let rows = sqlx::query(&format!("SELECT * FROM {table}"))
                .fetch_all(self.db.pool())
                .await
                .unwrap_or_else(|e| panic!("read {table}: {e}"));
            let mut rendered: Vec<String> = rows.iter().map(render).collect();
            rendered.sort();
            out.insert(table, rendered);
        }
        assert!(out.contains_key("audit_log"), "{:?}", out.keys());
        out
    }
}

fn render(row: &sqlx::any::AnyRow) -> String {
    let mut line = String::new();
    for (i, column) in row.columns().iter().enumerate() {
        let value = row
            .try_get::<Option<String>, _>(i)
            .map(|v| format!("{v:?}"))
            .or_else(|_| row.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
            .or_else(|_| row.try_get::<Option<i32>, _>(i).map(|v| format!("{v:?}")))
            .or_else(|_| row.try_get::<Option<f64>, _>(i).map(|v| format!("{v:?}")))
            .or_else(|_| row.try_get::<Option<bool>, _>(i).map(|v| format!("{v:?}")))
            .or_else(|_| {
                row.try_get::<Option<Vec<u8>>, _>(i)
                    .map(|v| format!("{v:?}"))
            })
            .unwrap_or_else(|e| panic!("column {}: {e}", column.name()));
        let _ = write!(line, "{}={value} ", column.name());
    }
    line
}

fn changed_tables(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|t| before.get(*t) != after.get(*t))
        .cloned()
        .collect()
}

/// One deviation: a row, a role, what was wrong.
struct Observed {
    action: &'static str,
    role: Role,
    kind: Option<Gap>,
    detail: String,
}

fn known(o: &Observed, server_fn: bool) -> bool {
    KNOWN_GAPS.iter().any(|g| {
        Some(g.kind) == o.kind && (g.action == o.action || (g.action == SERVER_FNS && server_fn))
    })
}

/// Checks one refusal; returns the deviation, if any.
fn refusal_deviation(row: &Row, role: Role, call: &Call, answer: &Answer) -> Option<Observed> {
    let (status, code) = match (role, row.refusal) {
        (Anonymous, _) => (401, "unauthenticated"),
        (_, Refusal::Forbidden) => (403, "forbidden"),
        (_, Refusal::Unseen) if !row.target.seen_by(role) => (404, "not_found"),
        (_, Refusal::Unseen) => (403, "forbidden"),
        (_, Refusal::NotFound) => (404, "not_found"),
        (_, Refusal::PerItem) => {
            let v = answer.json();
            let items = v.as_array().cloned().unwrap_or_default();
            let refused =
                answer.status == 200 && !items.is_empty() && items.iter().all(|o| o["ok"] == false);
            return (!refused).then(|| Observed {
                action: row.action,
                role,
                kind: None,
                detail: format!(
                    "wanted 200 with every item refused, got {} {}",
                    answer.status, answer.body
                ),
            });
        }
    };
    let code_ok = answer.code().as_deref() == Some(code);
    if code_ok && answer.status == status {
        return None;
    }
    let kind = (code_ok && call.server_fn() && answer.status == 500 && answer.server_fn_error)
        .then_some(Gap::Status500);
    Some(Observed {
        action: row.action,
        role,
        kind,
        detail: format!(
            "wanted {status} {code}, got {} {}",
            answer.status, answer.body
        ),
    })
}

fn allowed_ok(row: &Row, answer: &Answer) -> bool {
    if !(200..300).contains(&answer.status) {
        return false;
    }
    match row.refusal {
        Refusal::PerItem => {
            let items = answer.json().as_array().cloned().unwrap_or_default();
            !items.is_empty() && items.iter().all(|o| o["ok"] == true)
        }
        _ => true,
    }
}

async fn every_action_is_refused_to_the_roles_it_is_not_for(db: Db) {
    let mut ctx = Ctx::new(db).await;
    let rows = rows();
    let mut observed: Vec<Observed> = Vec::new();
    // Per role: (refusals checked, successes checked).
    let mut tally: BTreeMap<Role, (usize, usize)> = ROLES.iter().map(|r| (*r, (0, 0))).collect();

    for row in &rows {
        assert!(!row.allowed.is_empty(), "{}: no role may?", row.action);
        assert!(
            !row.allowed.contains(&Anonymous),
            "{}: rows are for actions that need a caller",
            row.action
        );
        let p = ctx.prepare(row.target).await;
        let call = (row.call)(&p);
        let mut before = ctx.snapshot().await;
        for role in ROLES.into_iter().filter(|r| !row.allowed.contains(r)) {
            let answer = ctx.send(role, &call).await;
            let after = ctx.snapshot().await;
            let changed = changed_tables(&before, &after);
            tally.get_mut(&role).expect("role").0 += 1;
            let mut deviations = Vec::new();
            if let Some(o) = refusal_deviation(row, role, &call, &answer) {
                deviations.push(o);
            }
            if !changed.is_empty() {
                deviations.push(Observed {
                    action: row.action,
                    role,
                    kind: None,
                    detail: format!("changed {changed:?} ({} {})", answer.status, answer.body),
                });
            }
            for o in deviations {
                assert!(
                    known(&o, call.server_fn()),
                    "{} as {role:?} ({} {}): {}",
                    row.action,
                    call.method,
                    call.uri,
                    o.detail
                );
                observed.push(o);
            }
            before = after;
        }
        for &role in row.allowed {
            let p = ctx.prepare(row.target).await;
            let call = (row.call)(&p);
            let before = ctx.snapshot().await;
            let answer = ctx.send(role, &call).await;
            assert!(
                allowed_ok(row, &answer),
                "{} as {role:?} may ({} {}): {} {}",
                row.action,
                call.method,
                call.uri,
                answer.status,
                answer.body
            );
            let changed = changed_tables(&before, &ctx.snapshot().await);
            for table in row.changes {
                assert!(
                    changed.iter().any(|c| c == table),
                    "{} as {role:?}: {table} unchanged (changed: {changed:?}); {}",
                    row.action,
                    answer.body
                );
            }
            tally.get_mut(&role).expect("role").1 += 1;
        }
    }

    println!("{} actions:", rows.len());
    for (role, (refused, allowed)) in &tally {
        println!("  {role:?}: {refused} refused, {allowed} allowed");
    }
    println!("KNOWN_GAPS (reported; see the top of this file):");
    for gap in KNOWN_GAPS {
        let seen: Vec<String> = observed
            .iter()
            .filter(|o| o.kind == Some(gap.kind))
            .map(|o| format!("{} as {:?}", o.action, o.role))
            .collect();
        println!(
            "  {} [{:?}], seen {} times: {}",
            gap.action,
            gap.kind,
            seen.len(),
            gap.why
        );
        assert!(
            !seen.is_empty(),
            "known gap no longer seen, remove it from KNOWN_GAPS: {} {:?}",
            gap.action,
            gap.kind
        );
    }
    // Every role was refused something, and every refusal and success ran.
    for (role, (refused, _)) in &tally {
        assert!(*refused > 0, "{role:?} was refused nothing");
    }
}
