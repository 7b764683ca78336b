//! Roles of the access workflow over REST, on both databases: for each role
//! (anonymous, staff, team member, event owner, data protection, admin) and
//! each access action it may not take, the call answers 401 or 403 (404 for a
//! request it may not see) and the access tables and the audit log are unchanged.

mod common;

use app::access::{ConsumeForm, Decision, NewApplication, NewEventForm, Principal};
use sqlx::Row;
use switchboard::config::Config;
use switchboard::db::Db;

use common::app::TestApp;
use common::json;

backend_suite!(
    each_role_is_refused_what_it_may_not_do,
    bulk_decisions_of_outsiders_change_nothing,
);

const ADMIN: &str = "platform.admin";
const ZOE: &str = "zoe.williams"; // customer-insights, the requester
const ARJUN: &str = "arjun.mehta"; // customer-insights, team mate
const SOFIA: &str = "sofia.martins"; // crm-customer-data, owns customer.updated (PII)
const MARGARET: &str = "margaret.oduya"; // data-protection
const GARETH: &str = "gareth.evans"; // field-service, owns fieldservice.job.assigned
const KATE: &str = "kate.morgan"; // service-desk
const STAFF: &str = "staff.member"; // in no team

const TABLES: [&str; 7] = [
    "applications",
    "application_principals",
    "requests",
    "request_approvals",
    "grants",
    "provisioning_jobs",
    "audit_log",
];

fn config() -> Config {
    let mut c = common::test_config();
    c.auth.admins = vec![ADMIN.into()];
    c
}

/// Row counts of the access tables and the audit log, plus every request's
/// state and every step's decision and team.
async fn snapshot(db: &Db) -> String {
    let mut out = String::new();
    for t in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}"))
            .fetch_one(db.pool())
            .await
            .expect("count");
        out.push_str(&format!("{t}={n}\n"));
    }
    for r in sqlx::query("SELECT id, state, updated_at, open_key FROM requests ORDER BY id")
        .fetch_all(db.pool())
        .await
        .expect("requests")
    {
        let id: i64 = r.get("id");
        let state: String = r.get("state");
        let at: String = r.get("updated_at");
        let key: Option<String> = r.get("open_key");
        out.push_str(&format!("request {id} {state} {at} {key:?}\n"));
    }
    for r in sqlx::query(
        "SELECT request_id, step, team_id, decision FROM request_approvals ORDER BY request_id, step",
    )
    .fetch_all(db.pool())
    .await
    .expect("steps")
    {
        let id: i64 = r.get("request_id");
        let step: String = r.get("step");
        let team: String = r.get("team_id");
        let decision: Option<String> = r.get("decision");
        out.push_str(&format!("step {id} {step} {team} {decision:?}\n"));
    }
    for r in sqlx::query("SELECT id, state FROM grants ORDER BY id")
        .fetch_all(db.pool())
        .await
        .expect("grants")
    {
        let id: i64 = r.get("id");
        let state: String = r.get("state");
        out.push_str(&format!("grant {id} {state}\n"));
    }
    out
}

struct World {
    /// zoe's application (customer-insights), principals on gcp and onprem.
    app: String,
    /// zoe: consume the PII event on gcp, submitted (owner + data protection).
    pii: String,
    /// kate: consume fieldservice.job.assigned, approved: provisioning.
    granted: String,
    /// gareth: new event, submitted (platform step).
    proposal: String,
    /// the admin's own request, submitted.
    admins_own: String,
}

async fn register(app: &TestApp, user: &str, team: &str, name: &str, clusters: &[&str]) -> String {
    app.state
        .access
        .register_application(
            app.caller(user).await,
            NewApplication {
                team: team.into(),
                name: name.into(),
                description: String::new(),
                principals: clusters
                    .iter()
                    .map(|c| Principal {
                        cluster: (*c).into(),
                        principal: format!("User:svc-{name}"),
                    })
                    .collect(),
            },
        )
        .await
        .expect("registered")
        .id
}

fn consume(app: &str, event: &str, cluster: &str) -> ConsumeForm {
    ConsumeForm {
        event: event.into(),
        cluster: cluster.into(),
        application: app.into(),
        group: "grp.one".into(),
        group_is_prefix: false,
        purpose: "reports".into(),
        end_date: None,
    }
}

fn proposal_form(team: &str, name: &str) -> NewEventForm {
    NewEventForm {
        team: team.into(),
        name: name.into(),
        title: "Part ordered".into(),
        home_cluster: "onprem".into(),
        topic: format!("{name}.v1"),
        template: "standard".into(),
        value_schema: r#"{"type":"record","name":"P","fields":[{"name":"a","type":"string"}]}"#
            .into(),
        description: String::new(),
        tags: vec![],
    }
}

/// The applications and requests of [`World`], made through the services of
/// `app` (seeded: the demo clusters and catalogue).
async fn world(app: &TestApp) -> World {
    let access = app.state.access.clone();
    let zoes_app = register(app, ZOE, "customer-insights", "churn", &["gcp", "onprem"]).await;
    let pii = access
        .submit_consume(
            app.caller(ZOE).await,
            consume(&zoes_app, "customer.updated", "gcp"),
        )
        .await
        .expect("pii")
        .id;
    let desk = register(app, KATE, "service-desk", "desk", &["onprem"]).await;
    let granted = access
        .submit_consume(
            app.caller(KATE).await,
            consume(&desk, "fieldservice.job.assigned", "onprem"),
        )
        .await
        .expect("granted")
        .id;
    access
        .decide(
            app.caller(GARETH).await,
            Decision {
                request: granted.clone(),
                approve: true,
                comment: "ok".into(),
            },
        )
        .await
        .expect("approved");
    let proposal = access
        .submit_new_event(
            app.caller(GARETH).await,
            proposal_form("field-service", "fieldservice.part.ordered"),
        )
        .await
        .expect("proposal")
        .id;
    let admin_app = register(app, ADMIN, "network-operations", "noc-tool", &["onprem"]).await;
    let admins_own = access
        .submit_consume(
            app.caller(ADMIN).await,
            consume(&admin_app, "fieldservice.job.assigned", "onprem"),
        )
        .await
        .expect("admin's own")
        .id;
    World {
        app: zoes_app,
        pii,
        granted,
        proposal,
        admins_own,
    }
}

async fn cookie_of(app: &TestApp, user: &str) -> Option<String> {
    match user {
        "" => None,
        STAFF => {
            // The development sign-in offers team members and admins only.
            let token =
                switchboard::auth::sessions::create(&app.db, STAFF, time::Duration::hours(1))
                    .await
                    .expect("session");
            Some(format!("{}={token}", switchboard::auth::sessions::COOKIE))
        }
        user => Some(app.cookie(user).await),
    }
}

/// A JSON API call to `app` with an optional session cookie and body (a
/// cookie, not a user: staff have no development sign-in).
async fn api(
    app: &TestApp,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let answer = app.request_with_cookie(method, uri, cookie, body).await;
    (answer.status.as_u16(), answer.body)
}

async fn each_role_is_refused_what_it_may_not_do(db: Db) {
    let app = TestApp::seeded(db.clone(), config()).await;
    let w = world(&app).await;
    let app_body = |team: &str| {
        serde_json::json!({
            "team": team, "name": "intruder", "description": "",
            "principals": [{"cluster": "gcp", "principal": "User:intruder"}]
        })
        .to_string()
    };
    let consume_body =
        serde_json::to_string(&consume(&w.app, "order.placed", "gcp")).expect("json");
    let produce_body = serde_json::json!({
        "event": "insights.nps.response", "application": w.app, "purpose": "x", "end_date": null
    })
    .to_string();
    let new_event_body = serde_json::to_string(&proposal_form(
        "field-service",
        "fieldservice.part.returned",
    ))
    .expect("json");
    let approve = r#"{"approve": true, "comment": "ok"}"#;
    let reassign = r#"{"team": "service-desk"}"#;
    let revoke = r#"{"reason": "because"}"#;
    let bulk =
        serde_json::json!([{"request": w.pii, "approve": true, "comment": "ok"}]).to_string();

    let pii = |tail: &str| format!("/api/v1/requests/{}{tail}", w.pii);
    let granted = |tail: &str| format!("/api/v1/requests/{}{tail}", w.granted);
    let proposal = |tail: &str| format!("/api/v1/requests/{}{tail}", w.proposal);
    let own = |tail: &str| format!("/api/v1/requests/{}{tail}", w.admins_own);

    // (user, method, uri, body, status); "" is anonymous.
    let mut cases: Vec<(&str, &str, String, Option<String>, u16)> = Vec::new();
    // Anonymous: every access call but the policy needs a session.
    for (method, uri, body) in [
        ("GET", "/api/v1/applications".to_string(), None),
        (
            "POST",
            "/api/v1/applications".to_string(),
            Some(app_body("customer-insights")),
        ),
        (
            "POST",
            "/api/v1/requests/consume".to_string(),
            Some(consume_body.clone()),
        ),
        (
            "POST",
            "/api/v1/requests/produce".to_string(),
            Some(produce_body.clone()),
        ),
        (
            "POST",
            "/api/v1/requests/new-event".to_string(),
            Some(new_event_body.clone()),
        ),
        (
            "POST",
            "/api/v1/requests/new-event/check".to_string(),
            Some(new_event_body.clone()),
        ),
        ("GET", "/api/v1/requests".to_string(), None),
        ("GET", pii(""), None),
        ("POST", pii("/decision"), Some(approve.to_string())),
        ("POST", pii("/cancel"), None),
        ("POST", pii("/reassign"), Some(reassign.to_string())),
        ("POST", granted("/revoke"), Some(revoke.to_string())),
        ("GET", "/api/v1/approvals".to_string(), None),
        ("GET", "/api/v1/approvals/count".to_string(), None),
        (
            "POST",
            "/api/v1/approvals/bulk".to_string(),
            Some(bulk.clone()),
        ),
        ("GET", "/api/v1/jobs".to_string(), None),
    ] {
        cases.push(("", method, uri, body, 401));
    }
    // Staff (no team): may browse and see its own (none), nothing else.
    for (method, uri, body) in [
        (
            "POST",
            "/api/v1/applications".to_string(),
            Some(app_body("customer-insights")),
        ),
        (
            "POST",
            "/api/v1/requests/consume".to_string(),
            Some(consume_body.clone()),
        ),
        (
            "POST",
            "/api/v1/requests/produce".to_string(),
            Some(produce_body.clone()),
        ),
        (
            "POST",
            "/api/v1/requests/new-event".to_string(),
            Some(new_event_body.clone()),
        ),
        ("POST", pii("/reassign"), Some(reassign.to_string())),
        ("GET", "/api/v1/jobs".to_string(), None),
    ] {
        cases.push((STAFF, method, uri, body, 403));
    }
    // A request the caller may not see is as unknown as a missing one.
    for (method, uri, body) in [
        ("GET", pii(""), None),
        ("POST", pii("/decision"), Some(approve.to_string())),
        ("POST", pii("/cancel"), None),
        ("POST", granted("/revoke"), Some(revoke.to_string())),
    ] {
        cases.push((STAFF, method, uri, body, 404));
    }
    // Team member (the requester's team mate): not the owner, not the requester.
    for (method, uri, body) in [
        (
            "POST",
            "/api/v1/applications".to_string(),
            Some(app_body("crm-customer-data")),
        ),
        (
            "POST",
            "/api/v1/requests/new-event".to_string(),
            Some(new_event_body.clone()),
        ),
        ("POST", pii("/decision"), Some(approve.to_string())),
        ("POST", pii("/cancel"), None),
        ("POST", pii("/reassign"), Some(reassign.to_string())),
        ("GET", "/api/v1/jobs".to_string(), None),
    ] {
        cases.push((ARJUN, method, uri, body, 403));
    }
    for (method, uri, body) in [
        ("GET", granted(""), None),
        ("POST", granted("/revoke"), Some(revoke.to_string())),
    ] {
        cases.push((ARJUN, method, uri, body, 404));
    }
    // Event owner: decides its own events' owner step, nothing else.
    for (method, uri, body) in [
        (
            "POST",
            "/api/v1/requests/consume".to_string(),
            Some(consume_body.clone()),
        ),
        ("POST", pii("/cancel"), None),
        ("POST", pii("/reassign"), Some(reassign.to_string())),
        ("GET", "/api/v1/jobs".to_string(), None),
    ] {
        cases.push((SOFIA, method, uri, body, 403));
    }
    // Gareth's proposal and Kate's grant are not the owner's to see.
    for (method, uri, body) in [
        ("POST", proposal("/decision"), Some(approve.to_string())),
        ("POST", granted("/revoke"), Some(revoke.to_string())),
    ] {
        cases.push((SOFIA, method, uri, body, 404));
    }
    // Data protection: its step only.
    for (method, uri, body) in [
        ("POST", pii("/cancel"), None),
        ("POST", pii("/reassign"), Some(reassign.to_string())),
        (
            "POST",
            "/api/v1/requests/new-event".to_string(),
            Some(new_event_body.clone()),
        ),
        ("GET", "/api/v1/jobs".to_string(), None),
    ] {
        cases.push((MARGARET, method, uri, body, 403));
    }
    for (method, uri, body) in [
        ("POST", proposal("/decision"), Some(approve.to_string())),
        ("POST", granted("/revoke"), Some(revoke.to_string())),
    ] {
        cases.push((MARGARET, method, uri, body, 404));
    }
    // Admin: not its own request, and only the requester cancels.
    for (method, uri, body) in [
        ("POST", own("/decision"), Some(approve.to_string())),
        ("POST", pii("/cancel"), None),
    ] {
        cases.push((ADMIN, method, uri, body, 403));
    }

    let mut cookies = std::collections::HashMap::new();
    for user in ["", STAFF, ARJUN, SOFIA, MARGARET, ADMIN] {
        cookies.insert(user, cookie_of(&app, user).await);
    }
    let before = snapshot(&db).await;
    assert!(before.contains("requests=4"), "{before}");
    for (user, method, uri, body, expected) in &cases {
        let (status, text) =
            api(&app, method, uri, cookies[user].as_deref(), body.as_deref()).await;
        assert_eq!(
            status,
            *expected,
            "{} {method} {uri}: {text}",
            if user.is_empty() { "anonymous" } else { user }
        );
        let code = json(&text)["error"]["code"].as_str().map(str::to_string);
        let want = match *expected {
            401 => "unauthenticated",
            404 => "not_found",
            _ => "forbidden",
        };
        assert_eq!(code.as_deref(), Some(want), "{method} {uri}: {text}");
        assert_eq!(
            snapshot(&db).await,
            before,
            "{user} {method} {uri} changed something"
        );
    }
    // The policy is public; the refusals above were not for lack of routes.
    let (status, _) = api(&app, "GET", "/api/v1/access/policy", None, None).await;
    assert_eq!(status, 200);
    let (status, text) = api(
        &app,
        "POST",
        &pii("/decision"),
        cookies[SOFIA].as_deref(),
        Some(approve),
    )
    .await;
    assert_eq!(status, 200, "the owner may: {text}");
}

async fn bulk_decisions_of_outsiders_change_nothing(db: Db) {
    let app = TestApp::seeded(db.clone(), config()).await;
    let w = world(&app).await;
    let body = serde_json::json!([
        {"request": w.pii, "approve": true, "comment": "ok"},
        {"request": w.proposal, "approve": true, "comment": "ok"},
        {"request": w.admins_own, "approve": false, "comment": "no"},
    ])
    .to_string();
    let before = snapshot(&db).await;
    for user in [STAFF, ARJUN, KATE, ZOE] {
        let cookie = cookie_of(&app, user).await;
        let (status, text) = api(
            &app,
            "POST",
            "/api/v1/approvals/bulk",
            cookie.as_deref(),
            Some(&body),
        )
        .await;
        assert_eq!(status, 200, "{user}: {text}");
        let outcomes = json(&text);
        for o in outcomes.as_array().expect("list") {
            assert_eq!(o["ok"], false, "{user}: {o}");
        }
        assert_eq!(snapshot(&db).await, before, "{user} changed something");
    }
}
