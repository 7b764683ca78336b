//! Notifications, webhooks and the audit log API on both databases: who is
//! notified of which audit entry, cursor and idempotence, per-user reads,
//! signed and retried webhook calls to a real local HTTP server, and the
//! admin-only audit search and export.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use switchboard::audit;
use switchboard::config::Config;
use switchboard::db::Db;
use switchboard::notify::NotifyService;
use time::OffsetDateTime;

use common::app::{Client, TestApp};
use common::json;

backend_suite!(
    notifier_notifies_requester_and_teams_but_not_the_actor,
    notifications_are_read_per_user,
    webhook_calls_are_signed_and_recorded,
    failing_webhook_is_retried_until_it_answers,
    webhook_is_parked_after_the_last_attempt,
    webhooks_to_internal_addresses_are_refused,
    delivery_checks_the_address_again,
    webhook_secrets_come_only_from_their_own_variables,
    audit_search_is_admin_only_and_filters,
    audit_export_streams_json_lines_that_round_trip,
    audit_log_refuses_updates_and_deletes,
);

const ADMIN: &str = "root.admin";
const SECRET_ENV: &str = "SWITCHBOARD_WEBHOOK_TEST_SECRET";
const SECRET: &str = "correct horse battery staple";

fn config() -> Config {
    let mut c = common::test_config();
    c.auth.admins = vec![ADMIN.into()];
    c.notifications.webhook_max_attempts = 3;
    // The receivers below listen on loopback, which webhooks may not call
    // unless an operator allows it.
    c.notifications.webhook_allow = vec!["127.0.0.1".parse().expect("allowed address")];
    c
}

/// The configuration of an operator who allowed no internal address.
fn strict_config() -> Config {
    let mut c = config();
    c.notifications.webhook_allow.clear();
    c
}

fn notifier(db: &Db) -> NotifyService {
    NotifyService::new(db.clone(), &config())
}

async fn team(db: &Db, id: &str, members: &[&str]) {
    sqlx::query(
        "INSERT INTO teams (id, name, description, created_at, updated_at) VALUES ($1, $1, '', $2, $2)",
    )
    .bind(id)
    .bind(switchboard::db::now())
    .execute(db.pool())
    .await
    .expect("team");
    for m in members {
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*m)
            .execute(db.pool())
            .await
            .expect("member");
    }
}

/// Writes one audit entry the way the workflow does: in a transaction.
async fn record(db: &Db, actor: &str, action: &str, subject: &str, after: Value) -> i64 {
    let mut tx = db.begin().await.expect("tx");
    audit::record(
        &mut tx,
        audit::Entry::<(), _> {
            actor,
            action,
            subject,
            before: None,
            after: Some(&after),
        },
    )
    .await
    .expect("audit");
    tx.commit().await.expect("commit");
    sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
        .fetch_one(db.pool())
        .await
        .expect("id")
}

fn facts(state: &str, pending: &[&str]) -> Value {
    json!({
        "id": "1", "kind": "consume", "state": state, "requester": "ann",
        "team": "insights", "event": "orders.placed", "cluster": "aws",
        "pending_teams": pending,
    })
}

/// Teams and the life of request 1; returns the audit ids in order.
async fn story(db: &Db) -> Vec<i64> {
    team(db, "insights", &["ann", "ivan"]).await;
    team(db, "orders", &["olga", "oscar"]).await;
    team(db, "data-protection", &["dora", "dan"]).await;
    vec![
        record(
            db,
            "ann",
            "request.submitted",
            "request:1",
            facts("submitted", &["orders"]),
        )
        .await,
        record(
            db,
            "olga",
            "request.step_approved",
            "request:1",
            facts("submitted", &["data-protection"]),
        )
        .await,
        record(
            db,
            "ann",
            "event.updated",
            "event:orders.placed",
            json!({"title": "x"}),
        )
        .await,
        record(
            db,
            "dora",
            "request.approved",
            "request:1",
            facts("approved", &[]),
        )
        .await,
        record(
            db,
            "system",
            "grant.expiring_soon",
            "grant:1",
            facts("active", &[]),
        )
        .await,
    ]
}

async fn recipients(db: &Db, audit_id: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT user_id FROM notifications WHERE audit_id = $1 ORDER BY user_id")
        .bind(audit_id)
        .fetch_all(db.pool())
        .await
        .expect("recipients")
}

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(db.pool())
        .await
        .expect("count")
}

async fn notifier_notifies_requester_and_teams_but_not_the_actor(db: Db) {
    let ids = story(&db).await;
    let n = notifier(&db);
    let report = n.run_pass().await.expect("pass");
    assert_eq!(report.handled, 5);
    assert_eq!(report.cursor, ids[4]);
    assert!(!report.waiting);

    // The actor (ann) is left out; her team and the pending team hear of it.
    assert_eq!(recipients(&db, ids[0]).await, ["ivan", "olga", "oscar"]);
    // The owners' step: the requester, her team and the next pending team.
    assert_eq!(
        recipients(&db, ids[1]).await,
        ["ann", "dan", "dora", "ivan"]
    );
    // Not a notified action.
    assert!(recipients(&db, ids[2]).await.is_empty());
    assert_eq!(recipients(&db, ids[3]).await, ["ann", "ivan"]);
    assert_eq!(recipients(&db, ids[4]).await, ["ann", "ivan"]);
    let total = count(&db, "notifications").await;
    assert_eq!(total, 11);
    assert_eq!(report.notifications, 11);

    let (title, link, kind): (String, String, String) = sqlx::query_as(
        "SELECT title, link, kind FROM notifications WHERE audit_id = $1 AND user_id = 'olga'",
    )
    .bind(ids[0])
    .fetch_one(db.pool())
    .await
    .expect("row");
    assert_eq!(title, "ann asks to consume orders.placed on aws");
    assert_eq!(link, "/requests/1");
    assert_eq!(kind, "request.submitted");

    // Idempotent: nothing new, nothing twice.
    let again = n.run_pass().await.expect("pass");
    assert_eq!(again.handled, 0);
    assert_eq!(again.cursor, ids[4]);
    assert_eq!(count(&db, "notifications").await, total);
    let cursor: i64 =
        sqlx::query_scalar("SELECT audit_id FROM notifier_cursor WHERE name = 'notifications'")
            .fetch_one(db.pool())
            .await
            .expect("cursor");
    assert_eq!(cursor, ids[4]);

    // A later entry is picked up from the cursor on.
    let later = record(
        &db,
        "ivan",
        "request.cancelled",
        "request:1",
        facts("cancelled", &[]),
    )
    .await;
    let third = n.run_pass().await.expect("pass");
    assert_eq!((third.handled, third.cursor), (1, later));
    assert_eq!(recipients(&db, later).await, ["ann"]);

    // `admins` in pending_teams: configured admins and admins by provider groups.
    sqlx::query(
        "INSERT INTO users (id, issuer, subject, admin, created_at, last_sign_in_at) \
         VALUES ('oidc.admin', 'https://idp', 's1', 1, 'x', 'x')",
    )
    .execute(db.pool())
    .await
    .expect("user");
    let proposal = record(
        &db,
        "ann",
        "request.submitted",
        "request:2",
        json!({"id": 2, "kind": "new_event", "requester": "ann", "team": "insights",
               "event": "order.payment.captured", "cluster": "onprem", "pending_teams": ["admins"]}),
    )
    .await;
    n.run_pass().await.expect("pass");
    assert_eq!(
        recipients(&db, proposal).await,
        ["ivan", "oidc.admin", ADMIN]
    );
}

/// The caller's unread count.
async fn unread(client: &Client<'_>) -> i64 {
    let (status, body) = client
        .call("GET", "/api/v1/notifications/unread", None)
        .await;
    assert_eq!(status, 200, "{body}");
    json(&body)["unread"].as_i64().expect("count")
}

async fn notifications_are_read_per_user(db: Db) {
    let ids = story(&db).await;
    notifier(&db).run_pass().await.expect("pass");
    let app = TestApp::over(db.clone(), config()).await;
    let anonymous = app.anonymous();
    for uri in ["/api/v1/notifications", "/api/v1/notifications/unread"] {
        let (status, _) = anonymous.call("GET", uri, None).await;
        assert_eq!(status, 401, "{uri}");
    }
    let (status, _) = anonymous
        .call("POST", "/api/v1/notifications/read-all", None)
        .await;
    assert_eq!(status, 401);
    let ivan = app.as_user("ivan");
    let olga = app.as_user("olga");

    assert_eq!(unread(&ivan).await, 4);
    assert_eq!(unread(&olga).await, 1);

    let (status, body) = ivan.call("GET", "/api/v1/notifications", None).await;
    assert_eq!(status, 200, "{body}");
    let page = json(&body);
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["kind"], "grant.expiring_soon", "newest first");
    assert!(items
        .iter()
        .all(|i| i["link"] == "/requests/1" && i["read_at"].is_null()));
    let ivans_first = items[3]["id"].as_i64().expect("id");

    let olgas: i64 =
        sqlx::query_scalar("SELECT id FROM notifications WHERE user_id = 'olga' AND audit_id = $1")
            .bind(ids[0])
            .fetch_one(db.pool())
            .await
            .expect("olga's");
    // Someone else's notification is not found, and stays unread.
    let (status, _) = ivan
        .call("POST", &format!("/api/v1/notifications/{olgas}/read"), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(unread(&olga).await, 1);
    for missing in ["999999", "abc"] {
        let uri = format!("/api/v1/notifications/{missing}/read");
        let (status, _) = ivan.call("POST", &uri, None).await;
        assert_eq!(status, 404, "{missing}");
    }

    let mark = format!("/api/v1/notifications/{ivans_first}/read");
    for _ in 0..2 {
        let (status, body) = ivan.call("POST", &mark, None).await;
        assert_eq!(status, 204, "{body}");
    }
    assert_eq!(unread(&ivan).await, 3);

    let (status, body) = ivan
        .call("POST", "/api/v1/notifications/read-all", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["marked"], 3);
    assert_eq!(unread(&ivan).await, 0);
    assert_eq!(unread(&olga).await, 1, "only the caller's are marked");
}

/// Requests a local webhook receiver got, and how many it answers with 500.
#[derive(Clone)]
struct Receiver {
    url: String,
    calls: Arc<Mutex<Vec<(HeaderMap, String)>>>,
}

#[derive(Clone)]
struct ReceiverState {
    calls: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    failures: usize,
}

/// What a failing receiver answers: an internal page that must never be stored.
const INTERNAL_ANSWER: &str = "internal-only answer: db_password=hunter2";

async fn receive(
    State(s): State<ReceiverState>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, &'static str) {
    let n = {
        let mut calls = s.calls.lock().expect("lock");
        calls.push((headers, body));
        calls.len()
    };
    if n <= s.failures {
        (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_ANSWER)
    } else {
        (StatusCode::NO_CONTENT, "")
    }
}

/// A real HTTP server on a loopback port that fails the first `failures` calls.
async fn receiver(failures: usize) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let calls = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(ReceiverState {
            calls: calls.clone(),
            failures,
        });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver {
        url: format!("http://{addr}/hook"),
        calls,
    }
}

impl Receiver {
    fn calls(&self) -> Vec<(HeaderMap, String)> {
        self.calls.lock().expect("lock").clone()
    }
}

/// Creates a webhook through the API as an admin; returns its id.
async fn webhook(app: &TestApp, url: &str, events: &[&str]) -> String {
    // The same value from every test: setting it concurrently is harmless.
    std::env::set_var(SECRET_ENV, SECRET);
    let body = json!({ "url": url, "secret_env": SECRET_ENV, "events": events }).to_string();
    let (status, text) = app
        .as_user(ADMIN)
        .call("POST", "/api/v1/webhooks", Some(&body))
        .await;
    assert_eq!(status, 201, "{text}");
    json(&text)["id"].as_str().expect("id").to_string()
}

async fn deliveries(app: &TestApp, id: &str) -> Vec<Value> {
    json(&deliveries_text(app, id).await)
        .as_array()
        .expect("list")
        .clone()
}

async fn deliveries_text(app: &TestApp, id: &str) -> String {
    let uri = format!("/api/v1/webhooks/{id}/deliveries");
    let (status, text) = app.as_user(ADMIN).call("GET", &uri, None).await;
    assert_eq!(status, 200, "{text}");
    text
}

async fn webhook_calls_are_signed_and_recorded(db: Db) {
    team(&db, "insights", &["ann", "ivan"]).await;
    let app = TestApp::over(db.clone(), config()).await;
    let hook = receiver(0).await;

    // Only admins manage webhooks, and bad forms are refused.
    let body = json!({ "url": hook.url, "secret_env": SECRET_ENV }).to_string();
    let (status, _) = app
        .anonymous()
        .call("POST", "/api/v1/webhooks", Some(&body))
        .await;
    assert_eq!(status, 401);
    let ivan = app.as_user("ivan");
    let (status, _) = ivan.call("POST", "/api/v1/webhooks", Some(&body)).await;
    assert_eq!(status, 403);
    let (status, _) = ivan.call("GET", "/api/v1/webhooks", None).await;
    assert_eq!(status, 403);
    let admin = app.as_user(ADMIN);
    for bad in [
        json!({ "url": "ftp://x/y", "secret_env": SECRET_ENV }),
        json!({ "url": hook.url, "secret_env": "not an env name" }),
        json!({ "url": hook.url, "secret_env": SECRET_ENV, "events": ["event.updated"] }),
    ] {
        let (status, text) = admin
            .call("POST", "/api/v1/webhooks", Some(&bad.to_string()))
            .await;
        assert_eq!(status, 400, "{bad}: {text}");
    }
    assert_eq!(count(&db, "webhooks").await, 0);

    // The URL may carry a token: the audit log keeps scheme, host and port only.
    let tokened = format!("{}?token=T0K3N", hook.url);
    let id = webhook(&app, &tokened, &["request.approved"]).await;
    let (status, text) = admin.call("GET", "/api/v1/webhooks", None).await;
    assert_eq!(status, 200, "{text}");
    let list = json(&text);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["active"], true);
    assert_eq!(list[0]["secret_env"], SECRET_ENV);
    assert!(!text.contains(SECRET), "the secret is never shown");
    let (created,): (String,) = sqlx::query_as("SELECT action FROM audit_log WHERE subject = $1")
        .bind(format!("webhook:{id}"))
        .fetch_one(db.pool())
        .await
        .expect("audited");
    assert_eq!(created, "webhook.created");
    let (audited,): (String,) =
        sqlx::query_as("SELECT after_json FROM audit_log WHERE subject = $1")
            .bind(format!("webhook:{id}"))
            .fetch_one(db.pool())
            .await
            .expect("audited");
    let origin = hook.url.trim_end_matches("/hook");
    assert_eq!(json(&audited)["url"], format!("{origin}/…"), "{audited}");
    assert!(
        !audited.contains("T0K3N") && !audited.contains("/hook"),
        "{audited}"
    );

    record(
        &db,
        "ann",
        "request.submitted",
        "request:1",
        facts("submitted", &[]),
    )
    .await;
    let approved = record(
        &db,
        "dora",
        "request.approved",
        "request:1",
        facts("approved", &[]),
    )
    .await;
    let n = notifier(&db);
    let report = n.run_pass().await.expect("pass");
    assert_eq!(report.deliveries, 1, "only the subscribed action");
    let sent = n.deliver_due().await.expect("deliver");
    assert_eq!(sent.delivered, 1);

    let calls = hook.calls();
    assert_eq!(calls.len(), 1);
    let (headers, body) = &calls[0];
    assert_eq!(headers["x-switchboard-event"], "request.approved");
    assert_eq!(headers["content-type"], "application/json");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body.as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        headers["x-switchboard-signature"].to_str().expect("ascii"),
        format!("sha256={expected}")
    );
    let payload: Value = serde_json::from_str(body).expect("JSON body");
    assert_eq!(payload["id"], approved);
    assert_eq!(payload["event"], "request.approved");
    assert_eq!(payload["actor"], "dora");
    assert_eq!(payload["data"]["requester"], "ann");

    let list = deliveries(&app, &id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "delivered");
    assert_eq!(list[0]["attempts"], 1);
    assert_eq!(list[0]["audit_id"], approved);
    // Nothing is sent twice.
    assert_eq!(n.deliver_due().await.expect("deliver").attempted(), 0);
    assert_eq!(n.run_pass().await.expect("pass").deliveries, 0);
    assert_eq!(hook.calls().len(), 1);

    let (status, _) = admin
        .call("GET", "/api/v1/webhooks/nope/deliveries", None)
        .await;
    assert_eq!(status, 404);
}

async fn failing_webhook_is_retried_until_it_answers(db: Db) {
    team(&db, "insights", &["ann"]).await;
    let app = TestApp::over(db.clone(), config()).await;
    let hook = receiver(1).await;
    let id = webhook(&app, &hook.url, &[]).await;
    record(
        &db,
        "dora",
        "request.rejected",
        "request:1",
        facts("rejected", &[]),
    )
    .await;
    let n = notifier(&db);
    assert_eq!(n.run_pass().await.expect("pass").deliveries, 1);

    let t0 = OffsetDateTime::now_utc();
    let first = n.deliver_due_at(t0).await.expect("deliver");
    assert_eq!(first.retrying, 1);
    let list = deliveries(&app, &id).await;
    assert_eq!(list[0]["state"], "pending");
    assert_eq!(list[0]["attempts"], 1);
    // The status only: nothing the endpoint answered is kept.
    assert_eq!(list[0]["last_error"], "HTTP 500");
    assert!(!deliveries_text(&app, &id).await.contains("hunter2"));
    // Backed off: not due again right away.
    assert_eq!(n.deliver_due_at(t0).await.expect("deliver").attempted(), 0);
    let later = n
        .deliver_due_at(t0 + time::Duration::hours(2))
        .await
        .expect("deliver");
    assert_eq!(later.delivered, 1);
    assert_eq!(hook.calls().len(), 2);
    // The same body both times, so the receiver can tell a retry.
    let calls = hook.calls();
    assert_eq!(calls[0].1, calls[1].1);
    assert_eq!(
        calls[0].0["x-switchboard-delivery"],
        calls[1].0["x-switchboard-delivery"]
    );
    let list = deliveries(&app, &id).await;
    assert_eq!(list[0]["state"], "delivered");
    assert_eq!(list[0]["attempts"], 2);
    assert!(list[0]["last_error"].is_null());
}

async fn webhook_is_parked_after_the_last_attempt(db: Db) {
    team(&db, "insights", &["ann"]).await;
    let app = TestApp::over(db.clone(), config()).await;
    let hook = receiver(usize::MAX).await;
    let id = webhook(&app, &hook.url, &["request.failed"]).await;
    record(
        &db,
        "system",
        "request.failed",
        "request:1",
        facts("failed", &[]),
    )
    .await;
    let n = notifier(&db);
    n.run_pass().await.expect("pass");
    let t0 = OffsetDateTime::now_utc();
    let mut reports = Vec::new();
    for hours in [0, 2, 4, 6] {
        reports.push(
            n.deliver_due_at(t0 + time::Duration::hours(hours))
                .await
                .expect("deliver"),
        );
    }
    assert_eq!(reports[0].retrying, 1);
    assert_eq!(reports[1].retrying, 1);
    assert_eq!(reports[2].parked, 1, "third of three attempts");
    assert_eq!(reports[3].attempted(), 0, "parked deliveries are not tried");
    assert_eq!(hook.calls().len(), 3);

    let list = deliveries(&app, &id).await;
    assert_eq!(list[0]["state"], "parked");
    assert_eq!(list[0]["attempts"], 3);
    assert!(list[0]["parked_at"].is_string());
    assert!(list[0]["next_attempt_at"].is_null());
    let (_, text) = app
        .as_user(ADMIN)
        .call("GET", "/api/v1/webhooks", None)
        .await;
    let hooks = json(&text);
    assert_eq!(hooks[0]["parked"], 1, "{text}");
    assert_eq!(hooks[0]["pending"], 0, "{text}");
}

/// Saves a webhook as the admin of `app` (and under its configuration);
/// returns status and body.
async fn save_webhook(app: &TestApp, form: Value) -> (u16, String) {
    app.as_user(ADMIN)
        .call("POST", "/api/v1/webhooks", Some(&form.to_string()))
        .await
}

async fn webhooks_to_internal_addresses_are_refused(db: Db) {
    let strict = TestApp::over(db.clone(), strict_config()).await;
    let hook = receiver(0).await;
    let port = hook.url.split(':').nth(2).and_then(|p| p.split('/').next());
    let port = port.expect("port");
    let audited = count(&db, "audit_log").await;
    for (url, class) in [
        (hook.url.clone(), "loopback"),
        (format!("http://localhost:{port}/hook"), "loopback"),
        ("http://[::1]/x".to_string(), "loopback"),
        ("http://[::ffff:127.0.0.1]/x".to_string(), "loopback"),
        ("http://0.0.0.0:3000/".to_string(), "unspecified"),
        ("http://10.1.2.3/x".to_string(), "private"),
        ("http://172.20.0.1/x".to_string(), "private"),
        ("http://192.168.0.10/x".to_string(), "private"),
        ("http://[fd12::1]/x".to_string(), "private"),
        ("http://169.254.1.1/x".to_string(), "link-local"),
        ("http://[fe80::1]/x".to_string(), "link-local"),
        (
            "http://169.254.169.254/latest/meta-data/".to_string(),
            "cloud metadata",
        ),
        ("http://[fd00:ec2::254]/".to_string(), "cloud metadata"),
        ("http://100.64.0.1/x".to_string(), "shared (CGNAT)"),
        ("http://224.0.0.1/x".to_string(), "multicast"),
    ] {
        let form = json!({ "url": url, "secret_env": SECRET_ENV, "events": [] });
        let (status, text) = save_webhook(&strict, form).await;
        assert_eq!(status, 400, "{url}: {text}");
        let message = json(&text)["error"]["message"]
            .as_str()
            .expect("message")
            .to_string();
        assert!(message.contains(class), "{url}: {message}");
        assert!(message.contains("webhook_allow"), "{url}: {message}");
    }
    assert_eq!(count(&db, "webhooks").await, 0);
    assert_eq!(count(&db, "audit_log").await, audited);
    // The same receiver, allowed by the operator (address and port): another
    // configuration, so another app over the same database.
    let mut allowed = strict_config();
    allowed.notifications.webhook_allow = vec![format!("127.0.0.1:{port}").parse().expect("entry")];
    let allowed = TestApp::over(db.clone(), allowed).await;
    for url in [hook.url.clone(), format!("http://localhost:{port}/hook")] {
        let form = json!({ "url": url, "secret_env": SECRET_ENV, "events": [] });
        let (status, text) = save_webhook(&allowed, form).await;
        assert_eq!(status, 201, "{url}: {text}");
    }
    // Another port of that address is still refused.
    let form = json!({ "url": "http://127.0.0.1:1/x", "secret_env": SECRET_ENV });
    assert_eq!(save_webhook(&allowed, form).await.0, 400);
    assert_eq!(count(&db, "webhooks").await, 2);
}

async fn delivery_checks_the_address_again(db: Db) {
    team(&db, "insights", &["ann"]).await;
    let app = TestApp::over(db.clone(), config()).await;
    let hook = receiver(0).await;
    // Saved while allowed (or while its name resolved elsewhere)…
    let id = webhook(&app, &hook.url, &[]).await;
    record(
        &db,
        "dora",
        "request.rejected",
        "request:1",
        facts("rejected", &[]),
    )
    .await;
    // …then delivered by a notifier that may not call loopback.
    let strict = NotifyService::new(db.clone(), &strict_config());
    assert_eq!(strict.run_pass().await.expect("pass").deliveries, 1);
    let t0 = OffsetDateTime::now_utc();
    let report = strict.deliver_due_at(t0).await.expect("deliver");
    assert_eq!(report.retrying, 1);
    assert!(hook.calls().is_empty(), "nothing was sent");
    let list = deliveries(&app, &id).await;
    assert_eq!(list[0]["last_error"], "refused: loopback address");
    // Allowed again: the retry goes out.
    let report = notifier(&db)
        .deliver_due_at(t0 + time::Duration::hours(2))
        .await
        .expect("deliver");
    assert_eq!(report.delivered, 1);
    assert_eq!(hook.calls().len(), 1);
}

async fn webhook_secrets_come_only_from_their_own_variables(db: Db) {
    let app = TestApp::over(db.clone(), config()).await;
    let hook = receiver(0).await;
    // Set or not, every variable outside the prefix gets the same answer.
    std::env::set_var("SB_TEST_SET_VARIABLE", "value");
    let mut messages = Vec::new();
    for env in [
        "DATABASE_URL",
        "PATH",
        "SB_TEST_SET_VARIABLE",
        "SB_TEST_VARIABLE_NEVER_SET",
        "SWITCHBOARD_WEBHOOK_",
        "SWITCHBOARD_WEBHOOKS_X",
    ] {
        let form = json!({ "url": hook.url, "secret_env": env, "events": [] });
        let (status, text) = save_webhook(&app, form).await;
        assert_eq!(status, 400, "{env}: {text}");
        messages.push(json(&text)["error"]["message"].clone());
    }
    assert!(messages.windows(2).all(|w| w[0] == w[1]), "{messages:?}");
    assert!(
        messages[0]
            .as_str()
            .expect("message")
            .contains("SWITCHBOARD_WEBHOOK_"),
        "{messages:?}"
    );
    assert_eq!(count(&db, "webhooks").await, 0);

    // A row stored before the rule names another variable: it is never read.
    team(&db, "insights", &["ann"]).await;
    let id = webhook(&app, &hook.url, &[]).await;
    sqlx::query("UPDATE webhooks SET secret_env = 'SB_TEST_SET_VARIABLE' WHERE id = $1")
        .bind(&id)
        .execute(db.pool())
        .await
        .expect("legacy row");
    record(
        &db,
        "dora",
        "request.rejected",
        "request:1",
        facts("rejected", &[]),
    )
    .await;
    let n = notifier(&db);
    n.run_pass().await.expect("pass");
    assert_eq!(n.deliver_due().await.expect("deliver").retrying, 1);
    assert!(hook.calls().is_empty(), "not signed with another variable");
    let list = deliveries(&app, &id).await;
    assert_eq!(
        list[0]["last_error"],
        "secret_env is not a SWITCHBOARD_WEBHOOK_* variable"
    );
}

async fn audit_page(client: &Client<'_>, query: &str) -> Value {
    let (status, text) = client
        .call("GET", &format!("/api/v1/audit?{query}"), None)
        .await;
    assert_eq!(status, 200, "{query}: {text}");
    json(&text)
}

fn actions(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_string())
        .collect()
}

async fn audit_search_is_admin_only_and_filters(db: Db) {
    let ids = story(&db).await;
    let app = TestApp::over(db.clone(), config()).await;
    for uri in ["/api/v1/audit", "/api/v1/audit/export"] {
        let (status, _) = app.anonymous().call("GET", uri, None).await;
        assert_eq!(status, 401, "{uri}");
        let ivan = app.as_user("ivan");
        let (status, _) = ivan.call("GET", uri, None).await;
        assert_eq!(status, 403, "{uri}");
    }
    let admin = app.as_user(ADMIN);

    let all = audit_page(&admin, "").await;
    assert_eq!(
        actions(&all),
        [
            "grant.expiring_soon",
            "request.approved",
            "event.updated",
            "request.step_approved",
            "request.submitted"
        ],
        "newest first"
    );
    assert_eq!(all["entries"][4]["id"], ids[0]);
    assert_eq!(all["entries"][4]["after"]["pending_teams"][0], "orders");
    assert!(all["entries"][4]["before"].is_null());
    assert!(all["next_before"].is_null());

    let by_action = audit_page(&admin, "action=request.").await;
    assert_eq!(
        actions(&by_action),
        [
            "request.approved",
            "request.step_approved",
            "request.submitted"
        ]
    );
    let by_actor = audit_page(&admin, "actor=olga").await;
    assert_eq!(actions(&by_actor), ["request.step_approved"]);
    let by_subject = audit_page(&admin, "subject=EVENT%3Aorders").await;
    assert_eq!(actions(&by_subject), ["event.updated"]);
    let by_text = audit_page(&admin, "q=Data-Protection").await;
    assert_eq!(actions(&by_text), ["request.step_approved"]);
    // LIKE wildcards in the input are literal.
    assert!(actions(&audit_page(&admin, "q=%25").await).is_empty());
    let combined = audit_page(&admin, "action=request.&actor=ann").await;
    assert_eq!(actions(&combined), ["request.submitted"]);

    let today = OffsetDateTime::now_utc().date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let tomorrow = today.next_day().expect("date");
    let yesterday = today.previous_day().expect("date");
    let within = audit_page(&admin, &format!("from={}&to={}", day(today), day(today))).await;
    assert_eq!(actions(&within).len(), 5);
    let after = audit_page(&admin, &format!("from={}", day(tomorrow))).await;
    assert!(actions(&after).is_empty());
    let before = audit_page(&admin, &format!("to={}", day(yesterday))).await;
    assert!(actions(&before).is_empty());
    for bad in [
        "from=2025-13-01",
        "to=soon",
        "before=x",
        &format!("from={}&to={}", day(tomorrow), day(today)),
    ] {
        let (status, text) = admin
            .call("GET", &format!("/api/v1/audit?{bad}"), None)
            .await;
        assert_eq!(status, 400, "{bad}: {text}");
    }

    // Keyset paging.
    let first = audit_page(&admin, "limit=2").await;
    assert_eq!(actions(&first), ["grant.expiring_soon", "request.approved"]);
    let next = first["next_before"].as_i64().expect("more");
    let second = audit_page(&admin, &format!("limit=2&before={next}")).await;
    assert_eq!(actions(&second), ["event.updated", "request.step_approved"]);
    let next = second["next_before"].as_i64().expect("more");
    let last = audit_page(&admin, &format!("limit=2&before={next}")).await;
    assert_eq!(actions(&last), ["request.submitted"]);
    assert!(last["next_before"].is_null());
}

async fn audit_export_streams_json_lines_that_round_trip(db: Db) {
    story(&db).await;
    // More than one export chunk (500 rows).
    let mut tx = db.begin().await.expect("tx");
    for i in 0..1100 {
        audit::record(
            &mut tx,
            audit::Entry::<(), _> {
                actor: "loader",
                action: "bulk.loaded",
                subject: &format!("item:{i}"),
                before: None,
                after: Some(&json!({ "n": i, "text": "ünïcode \"quoted\"\nline" })),
            },
        )
        .await
        .expect("audit");
    }
    tx.commit().await.expect("commit");

    let app = TestApp::over(db.clone(), config()).await;
    let admin = app.as_user(ADMIN);
    let answer = admin.get("/api/v1/audit/export").await;
    let (status, headers, body) = (answer.status, answer.headers, answer.body);
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/x-ndjson");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 1105);
    assert!(body.ends_with('\n'));
    let entries: Vec<app::notify::AuditEntry> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("each line is one entry"))
        .collect();
    assert!(
        entries.windows(2).all(|w| w[0].id < w[1].id),
        "oldest first"
    );
    assert_eq!(entries[0].action, "request.submitted");
    assert_eq!(
        entries[0].after.as_ref().expect("after")["requester"],
        "ann"
    );
    let bulk = &entries[5 + 1099];
    assert_eq!(bulk.subject, "item:1099");
    assert_eq!(
        bulk.after,
        Some(json!({ "n": 1099, "text": "ünïcode \"quoted\"\nline" }))
    );
    // Each line is exactly what the search API says of that entry.
    let page = audit_page(&admin, "action=request.&limit=200").await;
    let from_search: Vec<app::notify::AuditEntry> =
        serde_json::from_value(page["entries"].clone()).expect("entries");
    let (status, filtered) = admin
        .call("GET", "/api/v1/audit/export?action=request.", None)
        .await;
    assert_eq!(status, 200);
    let exported: Vec<app::notify::AuditEntry> = filtered
        .lines()
        .map(|l| serde_json::from_str(l).expect("entry"))
        .collect();
    assert_eq!(exported.len(), 3);
    assert_eq!(exported, from_search.into_iter().rev().collect::<Vec<_>>());
}

async fn audit_log_refuses_updates_and_deletes(db: Db) {
    let ids = story(&db).await;
    for sql in [
        "UPDATE audit_log SET actor = 'mallory'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = 1",
    ] {
        let result = sqlx::query(sql).execute(db.pool()).await;
        let err = result.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(count(&db, "audit_log").await, ids.len() as i64);
    let actors: Vec<String> = sqlx::query_scalar("SELECT actor FROM audit_log ORDER BY id")
        .fetch_all(db.pool())
        .await
        .expect("actors");
    assert_eq!(actors, ["ann", "olga", "ann", "dora", "system"]);

    // The API has no way to change it either.
    let app = TestApp::over(db.clone(), config()).await;
    let admin = app.as_user(ADMIN);
    for method in ["DELETE", "PUT", "PATCH", "POST"] {
        for uri in ["/api/v1/audit", "/api/v1/audit/export"] {
            let (status, _) = admin.call(method, uri, Some("{}")).await;
            assert_eq!(status, 405, "{method} {uri}");
        }
    }
    assert_eq!(count(&db, "audit_log").await, ids.len() as i64);
}

/// No code path updates or deletes audit rows: only `audit::record` writes them.
#[test]
fn no_code_changes_audit_rows() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .expect("read")
                    .to_lowercase()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                for bad in [
                    "update audit_log",
                    "delete from audit_log",
                    "truncate audit_log",
                ] {
                    if text.contains(bad) {
                        found.push(format!("{}: {bad}", path.display()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(found.is_empty(), "{found:?}");
    let writes = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/audit.rs"),
    )
    .expect("audit.rs");
    assert!(writes.contains("INSERT INTO audit_log"));
}
