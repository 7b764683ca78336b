//! Development sign-in, sessions and the caller, on both databases.

mod common;

use axum::body::Body;
use axum::http::Request;
use switchboard::config::Config;
use switchboard::db::Db;

use common::{send, test_config};

backend_suite!(
    dev_login_starts_a_session_and_logout_ends_it,
    unknown_users_and_tampered_cookies_are_refused,
    dev_login_is_refused_off_loopback,
    expired_sessions_count_as_signed_out,
);

async fn with_team(db: &Db) {
    let team = switchboard::catalogue::model::Team {
        id: "crm".into(),
        name: "CRM".into(),
        description: String::new(),
        members: vec!["amira.haddad".into()],
    };
    switchboard::catalogue::repo::upsert_team(db, &team, "test")
        .await
        .expect("team");
}

async fn login(db: &Db, config: &Config, user: &str) -> (u16, Option<String>) {
    let request = Request::post("/auth/dev-login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("user_id={user}")))
        .expect("request");
    let (status, headers, _) = send(db, config, request).await;
    let cookie = headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status.as_u16(), cookie)
}

async fn me(db: &Db, cookie: Option<&str>) -> (u16, String) {
    let mut request = Request::get("/api/v1/me");
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    let (status, _, body) = send(
        db,
        &test_config(),
        request.body(Body::empty()).expect("req"),
    )
    .await;
    (status.as_u16(), body)
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().expect("pair").to_string()
}

async fn dev_login_starts_a_session_and_logout_ends_it(db: Db) {
    with_team(&db).await;
    assert_eq!(me(&db, None).await.0, 401);
    let (status, cookie) = login(&db, &test_config(), "amira.haddad").await;
    assert_eq!(status, 303);
    let cookie = cookie.expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let (status, body) = me(&db, Some(&pair(&cookie))).await;
    assert_eq!(status, 200, "{body}");
    let caller = common::json(&body);
    assert_eq!(caller["user_id"], "amira.haddad");
    assert_eq!(caller["teams"][0], "crm");
    assert_eq!(caller["admin"], false);

    let request = Request::post("/auth/logout")
        .header("cookie", pair(&cookie))
        .body(Body::empty())
        .expect("req");
    let (status, headers, _) = send(&db, &test_config(), request).await;
    assert_eq!(status, 303);
    assert!(headers["set-cookie"]
        .to_str()
        .expect("ascii")
        .contains("Max-Age=0"));
    assert_eq!(me(&db, Some(&pair(&cookie))).await.0, 401);
}

async fn unknown_users_and_tampered_cookies_are_refused(db: Db) {
    with_team(&db).await;
    let (status, cookie) = login(&db, &test_config(), "mallory").await;
    assert_eq!(status, 400);
    assert!(cookie.is_none());
    assert_eq!(me(&db, Some("sb_session=forged-token")).await.0, 401);
}

async fn dev_login_is_refused_off_loopback(db: Db) {
    with_team(&db).await;
    let mut config = test_config();
    config.listen = "0.0.0.0:3000".parse().expect("addr");
    let (status, cookie) = login(&db, &config, "amira.haddad").await;
    assert_eq!(status, 403);
    assert!(cookie.is_none());
}

async fn expired_sessions_count_as_signed_out(db: Db) {
    with_team(&db).await;
    let token =
        switchboard::auth::sessions::create(&db, "amira.haddad", time::Duration::seconds(-5))
            .await
            .expect("session");
    assert_eq!(me(&db, Some(&format!("sb_session={token}"))).await.0, 401);
}
