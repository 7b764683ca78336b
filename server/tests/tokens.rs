//! API tokens on both databases, through the router as a client sends them:
//! made and revoked by signed-in users, accepted as `Authorization: Bearer`
//! on the REST API and HTTP Basic on the registry, held to their scopes and
//! to their user's own rights, refused at once (401) when revoked, expired or
//! wrong, with nothing changed; never stored or shown again in clear.

mod common;

use axum::body::Body;
use axum::http::Request;
use base64::Engine;
use serde_json::{json, Value};
use switchboard::db::Db;

use common::app::{admin_config, Answer, TestApp, ADMIN};

backend_suite!(
    a_personal_token_acts_as_its_user_within_its_scopes,
    revoked_expired_and_wrong_tokens_are_refused_and_change_nothing,
    a_token_never_widens_its_users_rights,
    an_application_token_writes_its_teams_subjects_only,
);

const ZOE: &str = "zoe.williams"; // customer-insights
const SOFIA: &str = "sofia.martins"; // crm-customer-data, owns customer.updated
const PLAIN_EVENT: &str = "fieldservice.job.assigned";

/// A call with this `Authorization` header and no cookie, announced as
/// cross-site: a token is not subject to the cookie's cross-site check.
async fn with_auth(
    app: &TestApp,
    method: &str,
    uri: &str,
    auth: &str,
    body: Option<&Value>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", auth)
        .header("sec-fetch-site", "cross-site");
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_default();
    app.send(request.body(body).expect("request")).await
}

async fn bearer(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: &str,
    body: Option<&Value>,
) -> Answer {
    with_auth(app, method, uri, &format!("Bearer {token}"), body).await
}

/// `user` makes a token; returns the creation answer's JSON.
async fn make_token(app: &TestApp, user: &str, body: Value) -> Value {
    let answer = app.as_user(user).post_json("/api/v1/tokens", &body).await;
    assert_eq!(answer.status, 201, "{user} makes a token: {}", answer.body);
    answer.json()
}

fn personal(name: &str, scopes: &[&str]) -> Value {
    json!({ "name": name, "scopes": scopes, "expires_in_days": 30 })
}

async fn a_personal_token_acts_as_its_user_within_its_scopes(db: Db) {
    let app = TestApp::seeded(db, admin_config()).await;
    let app_id = app
        .register_app(ZOE, "customer-insights", "churn", &["onprem"])
        .await;
    let created = make_token(&app, ZOE, personal("ci", &["read", "request"])).await;
    let token = created["bearer"].as_str().expect("bearer");
    let secret = created["secret"].as_str().expect("secret");
    assert!(
        token.ends_with(secret) && token.starts_with("sbk_"),
        "{created}"
    );

    // Only a hash is kept: the secret is in no column of the table.
    let stored: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, secret_hash, scopes FROM api_tokens")
            .fetch_all(app.db.pool())
            .await
            .expect("tokens");
    assert_eq!(stored.len(), 1);
    assert!(!format!("{stored:?}").contains(secret));
    // Nor does any listing show it again.
    let listed = app.as_user(ZOE).get("/api/v1/tokens").await;
    assert_eq!(listed.status, 200);
    assert!(!listed.body.contains(secret), "{}", listed.body);
    assert_eq!(listed.json()[0]["scopes"], json!(["read", "request"]));

    let me = bearer(&app, "GET", "/api/v1/me", token, None).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["user_id"], ZOE);

    let form = json!({
        "event": PLAIN_EVENT, "cluster": "onprem", "application": app_id,
        "group": "insights.churn", "group_is_prefix": false,
        "purpose": "churn model features", "end_date": null
    });
    let asked = bearer(&app, "POST", "/api/v1/requests/consume", token, Some(&form)).await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    assert_eq!(asked.json()["requester"], ZOE);
    let id = asked.json()["id"].as_str().expect("id").to_string();

    // Deciding needs `decide`, tags need `admin`, tokens need a session.
    let before = app.count("audit_log").await;
    let decision = json!({ "approve": true, "comment": "ok" });
    let refused = [
        bearer(
            &app,
            "POST",
            &format!("/api/v1/requests/{id}/decision"),
            token,
            Some(&decision),
        )
        .await,
        bearer(
            &app,
            "POST",
            "/api/v1/tags",
            token,
            Some(&json!({ "name": "x" })),
        )
        .await,
        bearer(&app, "GET", "/api/v1/tokens", token, None).await,
        bearer(
            &app,
            "POST",
            "/api/v1/tokens",
            token,
            Some(&personal("more", &["read"])),
        )
        .await,
    ];
    for answer in &refused {
        assert_eq!(answer.status, 403, "{}", answer.body);
    }
    assert!(
        refused[0].body.contains("`decide` scope"),
        "{}",
        refused[0].body
    );
    assert!(refused[2].body.contains("sign in"), "{}", refused[2].body);
    assert_eq!(app.count("api_tokens").await, 1);

    // Its use is recorded, and audited once from this (new) address.
    let view = &app.as_user(ZOE).get("/api/v1/tokens").await.json()[0];
    assert!(view["last_used_at"].is_string(), "{view}");
    let key = created["token"]["id"].as_str().expect("key id");
    let actions: Vec<String> = app
        .audit_of(&format!("token:{key}"))
        .await
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert_eq!(actions, ["token.created", "token.used_from_new_address"]);
    assert_eq!(
        app.count("audit_log").await,
        before,
        "refusals audit nothing"
    );
}

async fn revoked_expired_and_wrong_tokens_are_refused_and_change_nothing(db: Db) {
    let app = TestApp::seeded(db, admin_config()).await;
    let app_id = app
        .register_app(ZOE, "customer-insights", "churn", &["onprem"])
        .await;
    let revoked = make_token(&app, ZOE, personal("old", &["read", "request"])).await;
    let expired = make_token(&app, ZOE, personal("late", &["read", "request"])).await;
    let live = make_token(&app, ZOE, personal("live", &["read"])).await;
    let key = |t: &Value| t["token"]["id"].as_str().expect("id").to_string();

    let gone = app
        .as_user(ZOE)
        .delete(&format!("/api/v1/tokens/{}", key(&revoked)))
        .await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(gone.json()["state"], "revoked");
    // Someone else cannot revoke (or even see) Zoe's token.
    let other = app
        .as_user(SOFIA)
        .delete(&format!("/api/v1/tokens/{}", key(&live)))
        .await;
    assert_eq!(other.status, 404, "{}", other.body);
    sqlx::query("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00.000000Z' WHERE id = $1")
        .bind(key(&expired))
        .execute(app.db.pool())
        .await
        .expect("expire");

    let form = json!({
        "event": PLAIN_EVENT, "cluster": "onprem", "application": app_id,
        "group": "g", "group_is_prefix": false, "purpose": "p", "end_date": null
    });
    let requests = app.count("requests").await;
    let audit = app.count("audit_log").await;
    let wrong_secret = format!("{}.{}", key(&live), "0".repeat(64));
    for (auth, why) in [
        (
            format!("Bearer {}", revoked["bearer"].as_str().unwrap()),
            "revoked",
        ),
        (
            format!("Bearer {}", expired["bearer"].as_str().unwrap()),
            "expired",
        ),
        (format!("Bearer {wrong_secret}"), "Unknown token"),
        ("Bearer sbk_nothing.here".to_string(), "Unknown token"),
        ("Bearer not-a-token".to_string(), "not a Switchboard token"),
        ("Basic emVkOmRlYWQ=".to_string(), "Bearer"),
    ] {
        let answer = with_auth(&app, "POST", "/api/v1/requests/consume", &auth, Some(&form)).await;
        assert_eq!(answer.status, 401, "{auth}: {}", answer.body);
        assert!(answer.body.contains(why), "{auth}: {}", answer.body);
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
    }
    assert_eq!(app.count("requests").await, requests);
    assert_eq!(app.count("audit_log").await, audit);

    // The registry answers in its own format, and challenges for Basic.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        key(&revoked),
        revoked["secret"].as_str().unwrap()
    ));
    let answer = with_auth(
        &app,
        "GET",
        "/registry/subjects",
        &format!("Basic {basic}"),
        None,
    )
    .await;
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(answer.json()["error_code"], 40101);
    assert!(answer.headers["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
}

async fn a_token_never_widens_its_users_rights(db: Db) {
    let app = TestApp::seeded(db, admin_config()).await;
    let app_id = app
        .register_app(ZOE, "customer-insights", "churn", &["onprem"])
        .await;
    let refused = |body: Value| {
        let app = &app;
        async move { app.as_user(ZOE).post_json("/api/v1/tokens", &body).await }
    };
    let admin_scope = refused(personal("root", &["read", "admin"])).await;
    assert_eq!(admin_scope.status, 403, "{}", admin_scope.body);
    let deciding_app = refused(json!({
        "name": "app", "application_id": app_id, "scopes": ["decide"], "expires_in_days": 7
    }))
    .await;
    assert_eq!(deciding_app.status, 400, "{}", deciding_app.body);
    for days in [0, 366] {
        let answer =
            refused(json!({ "name": "x", "scopes": ["read"], "expires_in_days": days })).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
    }
    let no_scope = refused(personal("none", &[])).await;
    assert_eq!(no_scope.status, 400);
    let unknown_scope = refused(personal("what", &["write-everything"])).await;
    assert_eq!(unknown_scope.status, 400);
    let foreign = app
        .as_user(SOFIA)
        .post_json(
            "/api/v1/tokens",
            &json!({ "name": "x", "application_id": app_id, "scopes": ["read"], "expires_in_days": 7 }),
        )
        .await;
    assert_eq!(foreign.status, 403, "{}", foreign.body);
    assert_eq!(app.count("api_tokens").await, 0);

    // An admin's token without `admin` is not an admin's: admin reads fail.
    let reader = make_token(&app, ADMIN, personal("reader", &["read"])).await;
    let token = reader["bearer"].as_str().unwrap();
    let jobs = bearer(&app, "GET", "/api/v1/jobs", token, None).await;
    assert_eq!(jobs.status, 403, "{}", jobs.body);
    let me = bearer(&app, "GET", "/api/v1/me", token, None).await;
    assert_eq!(me.json()["admin"], false, "{}", me.body);
    let root = make_token(&app, ADMIN, personal("root", &["read", "admin"])).await;
    let jobs = bearer(
        &app,
        "GET",
        "/api/v1/jobs",
        root["bearer"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(jobs.status, 200, "{}", jobs.body);
}

async fn an_application_token_writes_its_teams_subjects_only(db: Db) {
    let app = TestApp::seeded(db, admin_config()).await;
    let crm = app
        .register_app(SOFIA, "crm-customer-data", "crm-sync", &["onprem"])
        .await;
    let insights = app
        .register_app(ZOE, "customer-insights", "churn", &["onprem"])
        .await;
    let app_token =
        |user: &'static str, id: String, scopes: &'static [&'static str]| {
            let app = &app;
            async move {
                make_token(app, user, json!({
                "name": "registry", "application_id": id, "scopes": scopes, "expires_in_days": 7
            }))
            .await
            }
        };
    let owner = app_token(SOFIA, crm, &["read", "registry:write"]).await;
    let outsider = app_token(ZOE, insights.clone(), &["read", "registry:write"]).await;
    let reader = app_token(ZOE, insights, &["read"]).await;
    assert_eq!(owner["token"]["application"]["team"], "crm-customer-data");
    let basic = |t: &Value| {
        let pair = format!(
            "{}:{}",
            t["token"]["id"].as_str().unwrap(),
            t["secret"].as_str().unwrap()
        );
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    };
    let subject = "/registry/subjects/crm.customer.updated.v1-value/versions";
    let schema = json!({ "schema": r#"{"type":"record","name":"Probe","fields":[]}"# });
    let versions = app.count("registry_versions").await;
    for (token, status, why) in [
        (&outsider, 403, "crm-customer-data"),
        (&reader, 403, "registry:write"),
    ] {
        let answer = with_auth(&app, "POST", subject, &basic(token), Some(&schema)).await;
        assert_eq!(answer.status, status, "{}", answer.body);
        assert!(answer.body.contains(why), "{}", answer.body);
    }
    assert_eq!(app.count("registry_versions").await, versions);
    // The owning team's application reaches the registry's own rules (here
    // the compatibility check or a registration), not a refusal of the caller.
    let answer = with_auth(&app, "POST", subject, &basic(&owner), Some(&schema)).await;
    assert!(
        ![401, 403].contains(&answer.status.as_u16()),
        "{}",
        answer.body
    );
}
