//! What a caller may see, over HTTP on both databases: connection details of
//! clusters (addresses, SASL user names, secret variable names, CA paths)
//! and team members for signed-in callers only, through the REST API, the
//! server functions and the pages; a request the caller may not see is as
//! unknown as a missing one, to read or to act on; pages of missing things
//! answer HTTP 404.

mod common;

use axum::body::Body;
use axum::http::Request;
use leptos::server_fn::ServerFn;
use serde_json::Value;
use switchboard::catalogue::seed;
use switchboard::config::Config;
use switchboard::db::Db;

use common::app::{Client, TestApp};
use common::json;

backend_suite!(
    anonymous_callers_get_clusters_without_connection_details,
    team_members_are_for_signed_in_callers,
    requests_the_caller_may_not_see_answer_404_like_missing_ones,
    pages_of_missing_things_answer_404,
);

// customer-insights
const ZOE: &str = "zoe.williams";
// service-desk: no stake in zoe's requests
const KATE: &str = "kate.morgan";

/// What anonymous callers must not read about the `onprem` cluster.
const USERNAME: &str = "portal-svc-onprem";
const PASSWORD_ENV: &str = "KAFKA_ONPREM_PASSWORD";
const CA: &str = "/etc/switchboard/onprem-ca.pem";

/// The demo catalogue and clusters; `onprem` with SASL settings and an
/// address nobody answers at, which the returned string names.
async fn setup(db: &Db) -> (Config, String) {
    let mut clusters = switchboard::demo::demo_clusters(19092);
    let address = format!("127.0.0.1:{}", common::free_port());
    let onprem = &mut clusters[0];
    assert_eq!(onprem.id, "onprem");
    onprem.bootstrap_servers = address.clone();
    onprem.security.protocol = "SASL_SSL".into();
    onprem.security.sasl_mechanism = Some("SCRAM-SHA-512".into());
    onprem.security.sasl_username = Some(USERNAME.into());
    onprem.security.sasl_password_env = Some(PASSWORD_ENV.into());
    onprem.security.ssl_ca_location = Some(CA.into());
    switchboard::serve::register_clusters(db, clusters)
        .await
        .expect("clusters");
    seed::seed_database(db).await.expect("seed");
    (common::test_config(), address)
}

/// Posts a server function's form, as `client` (signed in or not).
async fn server_fn<F: ServerFn>(client: &Client<'_>, form: &str) -> (u16, String) {
    let request = Request::post(F::PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form.to_string()))
        .expect("request");
    let answer = client.send(request).await;
    (answer.status.as_u16(), answer.body)
}

async fn page(client: &Client<'_>, uri: &str) -> (u16, String) {
    let request = Request::get(uri).body(Body::empty()).expect("request");
    let answer = client.send(request).await;
    (answer.status.as_u16(), answer.body)
}

fn assert_no_details(body: &str, address: &str) {
    for secret in [address, USERNAME, PASSWORD_ENV, CA] {
        assert!(!body.contains(secret), "`{secret}` shown: {body}");
    }
}

fn onprem(list: &Value) -> &Value {
    list.as_array()
        .expect("list")
        .iter()
        .find(|c| c["id"] == "onprem")
        .expect("onprem listed")
}

async fn anonymous_callers_get_clusters_without_connection_details(db: Db) {
    let (cfg, address) = setup(&db).await;
    let app = TestApp::over(db, cfg).await;
    let anonymous = app.anonymous();

    let (status, body) = anonymous.call("GET", "/api/v1/clusters", None).await;
    assert_eq!(status, 200, "{body}");
    let list = json(&body);
    assert_eq!(
        list.as_array().expect("list").len(),
        3,
        "every cluster listed"
    );
    for c in list.as_array().expect("list") {
        assert!(c.get("bootstrap_servers").is_none(), "{c}");
        assert!(c.get("security").is_none(), "{c}");
        assert!(
            c["name"].is_string() && c["status"]["state"].is_string(),
            "{c}"
        );
    }
    assert_no_details(&body, &address);
    let (status, body) = anonymous.call("GET", "/api/v1/clusters/onprem", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["id"], "onprem");
    assert_no_details(&body, &address);
    let (status, body) = server_fn::<app::api::ListClusters>(&anonymous, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body).as_array().expect("list").len(), 3);
    assert_no_details(&body, &address);
    let (status, body) = page(&anonymous, "/clusters").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("cluster-row"),
        "the page lists the clusters: {body}"
    );
    assert_no_details(&body, &address);

    // Signed in: every detail, through each of them.
    let kate = app.as_user(KATE);
    let (_, body) = kate.call("GET", "/api/v1/clusters", None).await;
    let c = onprem(&json(&body)).clone();
    assert_eq!(c["bootstrap_servers"], address.as_str());
    assert_eq!(c["security"]["sasl_username"], USERNAME);
    assert_eq!(c["security"]["sasl_password_env"], PASSWORD_ENV);
    assert_eq!(c["security"]["ssl_ca_location"], CA);
    let (_, body) = kate.call("GET", "/api/v1/clusters/onprem", None).await;
    assert_eq!(json(&body)["security"], c["security"]);
    let (_, body) = server_fn::<app::api::ListClusters>(&kate, "").await;
    assert_eq!(onprem(&json(&body))["security"], c["security"]);
    let (_, body) = page(&kate, "/clusters").await;
    assert!(body.contains(&address), "{body}");
}

async fn team_members_are_for_signed_in_callers(db: Db) {
    let (cfg, _) = setup(&db).await;
    let app = TestApp::over(db, cfg).await;
    let anonymous = app.anonymous();
    let (status, body) = anonymous.call("GET", "/api/v1/teams", None).await;
    assert_eq!(status, 200, "{body}");
    let teams = json(&body);
    assert!(teams
        .as_array()
        .expect("teams")
        .iter()
        .any(|t| t["id"] == "customer-insights"));
    for t in teams.as_array().expect("teams") {
        assert_eq!(t["members"], serde_json::json!([]), "{t}");
    }
    assert!(!body.contains(ZOE), "{body}");
    let (status, body) = server_fn::<app::api::ListTeamDefs>(&anonymous, "").await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains(ZOE), "{body}");

    let kate = app.as_user(KATE);
    let (_, body) = kate.call("GET", "/api/v1/teams", None).await;
    assert!(body.contains(ZOE), "{body}");
    let (_, body) = server_fn::<app::api::ListTeamDefs>(&kate, "").await;
    assert!(body.contains(ZOE), "{body}");
}

/// Zoe's consume request of a PII event, as its id.
async fn zoes_request(zoe: &Client<'_>) -> String {
    let app = serde_json::json!({
        "team": "customer-insights", "name": "churn-model", "description": "d",
        "principals": [{"cluster": "gcp", "principal": "User:svc-churn"}]
    });
    let (status, text) = zoe
        .call("POST", "/api/v1/applications", Some(&app.to_string()))
        .await;
    assert_eq!(status, 201, "{text}");
    let app_id = json(&text)["id"].as_str().expect("id").to_string();
    let form = serde_json::json!({
        "event": "customer.updated", "cluster": "gcp", "application": app_id,
        "group": "insights.churn", "group_is_prefix": false,
        "purpose": "churn model features", "end_date": null,
    });
    let (status, text) = zoe
        .call("POST", "/api/v1/requests/consume", Some(&form.to_string()))
        .await;
    assert!(status == 200 || status == 201, "{status} {text}");
    json(&text)["id"].as_str().expect("id").to_string()
}

async fn requests_the_caller_may_not_see_answer_404_like_missing_ones(db: Db) {
    let (cfg, _) = setup(&db).await;
    let app = TestApp::over(db, cfg).await;
    let zoe = app.as_user(ZOE);
    let kate = app.as_user(KATE);
    let id = zoes_request(&zoe).await;
    let missing = "999999";

    let (status, _) = zoe
        .call("GET", &format!("/api/v1/requests/{id}"), None)
        .await;
    assert_eq!(status, 200);
    let (hidden_status, hidden) = kate
        .call("GET", &format!("/api/v1/requests/{id}"), None)
        .await;
    let (missing_status, absent) = kate
        .call("GET", &format!("/api/v1/requests/{missing}"), None)
        .await;
    assert_eq!(hidden_status, 404, "{hidden}");
    assert_eq!(missing_status, 404, "{absent}");
    // The same answer but for the id itself.
    assert_eq!(hidden.replace(&id, "N"), absent.replace(missing, "N"));

    // Acting on it says no more than reading it.
    for (tail, body) in [
        ("/cancel", None),
        ("/decision", Some(r#"{"approve": true, "comment": "ok"}"#)),
        ("/revoke", Some(r#"{"reason": "probing"}"#)),
    ] {
        let (hidden_status, hidden) = kate
            .call("POST", &format!("/api/v1/requests/{id}{tail}"), body)
            .await;
        let (missing_status, absent) = kate
            .call("POST", &format!("/api/v1/requests/{missing}{tail}"), body)
            .await;
        assert_eq!(
            (hidden_status, missing_status),
            (404, 404),
            "{tail}: {hidden}"
        );
        assert_eq!(
            hidden.replace(&id, "N"),
            absent.replace(missing, "N"),
            "{tail}"
        );
    }

    let form = |id: &str| format!("id={id}");
    let (hidden_status, hidden) = server_fn::<app::access_api::GetRequest>(&kate, &form(&id)).await;
    let (missing_status, absent) =
        server_fn::<app::access_api::GetRequest>(&kate, &form(missing)).await;
    assert_eq!(hidden_status, 404, "{hidden}");
    assert_eq!(missing_status, 404, "{absent}");
    assert_eq!(hidden.replace(&id, "N"), absent.replace(missing, "N"));
    let (status, body) = server_fn::<app::access_api::GetRequest>(&zoe, &form(&id)).await;
    assert_eq!(status, 200, "{body}");
}

async fn pages_of_missing_things_answer_404(db: Db) {
    let (cfg, _) = setup(&db).await;
    let app = TestApp::over(db, cfg).await;
    let anonymous = app.anonymous();
    let zoe = app.as_user(ZOE);
    let kate = app.as_user(KATE);
    let id = zoes_request(&zoe).await;

    let (status, body) = page(&anonymous, "/events/customer.updated").await;
    assert_eq!(status, 200);
    assert!(body.contains("crm.customer.updated.v1"), "{body}");
    let (status, body) = page(&anonymous, "/events/does.not.exist").await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("does.not.exist"),
        "the page says what is missing: {body}"
    );

    let (status, _) = page(&zoe, &format!("/requests/{id}")).await;
    assert_eq!(status, 200);
    for (uri, client) in [
        ("/requests/999999".to_string(), &zoe),
        (format!("/requests/{id}"), &kate),
        ("/requests/not-a-number".to_string(), &zoe),
    ] {
        let (status, body) = page(client, &uri).await;
        assert_eq!(status, 404, "{uri}: {body}");
    }

    for uri in ["/no/such/page", "/events/customer.updated/no/such/tab"] {
        let (status, body) = page(&anonymous, uri).await;
        assert_eq!(status, 404, "{uri}");
        assert!(body.contains("Page not found"), "{uri}: {body}");
    }
}
