//! Development sign-in (when it is on, and for which requests), sessions
//! and the caller, on both databases.

mod common;

use axum::body::Body;
use axum::http::Request;
use switchboard::config::Config;
use switchboard::db::Db;

use common::{dev_login_request, send, set_peer, test_config};

backend_suite!(
    dev_login_starts_a_session_and_logout_ends_it,
    unknown_users_and_tampered_cookies_are_refused,
    dev_login_is_refused_off_loopback,
    expired_sessions_count_as_signed_out,
    dev_login_is_off_by_default_and_on_with_demo,
    dev_login_is_refused_with_oidc_configured,
    dev_login_only_serves_this_machine_by_loopback_names,
    a_new_sign_in_ends_the_previous_session_of_the_browser,
    expired_sessions_are_purged_at_sign_in,
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
    login_with(db, config, dev_login_request(user)).await
}

async fn login_with(db: &Db, config: &Config, request: Request<Body>) -> (u16, Option<String>) {
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
        .header("host", common::HOST)
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

async fn sessions(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(db.pool())
        .await
        .expect("count")
}

async fn dev_login_is_off_by_default_and_on_with_demo(db: Db) {
    with_team(&db).await;
    let mut config = test_config();
    config.auth.dev_login = Config::default().auth.dev_login;
    let (status, cookie) = login(&db, &config, "amira.haddad").await;
    assert_eq!(status, 403);
    assert!(cookie.is_none());
    assert_eq!(sessions(&db).await, 0);
    // The sign-in page offers no demo users either.
    let offered = |config: Config| {
        let db = db.clone();
        async move {
            let mut request = Request::get("/signin")
                .header("host", common::HOST)
                .body(Body::empty())
                .expect("request");
            set_peer(&mut request, "127.0.0.1");
            let (status, _, page) = send(&db, &config, request).await;
            assert_eq!(status.as_u16(), 200);
            page.contains("data-user=\"amira.haddad\"")
        }
    };
    assert!(!offered(config.clone()).await);

    // `--demo` turns it on.
    config.demo.enabled = true;
    assert!(offered(config.clone()).await);
    let (status, cookie) = login(&db, &config, "amira.haddad").await;
    assert_eq!(status, 303);
    assert!(cookie.is_some());
}

async fn dev_login_is_refused_with_oidc_configured(db: Db) {
    with_team(&db).await;
    let mut config = test_config();
    config.demo.enabled = true;
    config.oidc.issuer_url = "https://idp.example.com".into();
    config.oidc.client_id = "switchboard".into();
    config.oidc.client_secret_env = String::new();
    config.oidc.redirect_url = "http://127.0.0.1:3000/auth/oidc/callback".into();
    switchboard::auth::check_config(&config).expect("a valid configuration");
    let request = dev_login_request("amira.haddad");
    let (status, _, body) = send(&db, &config, request).await;
    assert_eq!(status.as_u16(), 403, "{body}");
    assert!(body.contains("OpenID Connect is configured"), "{body}");
    assert_eq!(sessions(&db).await, 0);
}

async fn dev_login_only_serves_this_machine_by_loopback_names(db: Db) {
    with_team(&db).await;
    let mut config = test_config();
    config.auth.public_url = Some("http://switchboard.test:3000".into());
    let refused: Vec<(&str, Request<Body>)> = vec![
        // DNS rebinding: a page of the attacker's name reached our port.
        ("rebinding", {
            let mut r = dev_login_request("amira.haddad");
            r.headers_mut()
                .insert("host", "rebind.evil.example:3000".parse().expect("value"));
            r.headers_mut().insert(
                "origin",
                "http://rebind.evil.example:3000".parse().expect("value"),
            );
            r
        }),
        // A reverse proxy on this machine: the peer is loopback, the client is not.
        ("x-forwarded-for", {
            let mut r = dev_login_request("amira.haddad");
            r.headers_mut()
                .insert("x-forwarded-for", "203.0.113.9".parse().expect("value"));
            r
        }),
        ("forwarded", {
            let mut r = dev_login_request("amira.haddad");
            r.headers_mut()
                .insert("forwarded", "for=203.0.113.9".parse().expect("value"));
            r
        }),
        ("remote peer", {
            let mut r = dev_login_request("amira.haddad");
            set_peer(&mut r, "192.0.2.7");
            r
        }),
        ("unknown peer", {
            let mut r = dev_login_request("amira.haddad");
            r.extensions_mut()
                .remove::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
            r
        }),
    ];
    for (case, request) in refused {
        let (status, _, body) = send(&db, &config, request).await;
        assert_eq!(status.as_u16(), 403, "{case}: {body}");
        assert!(body.contains("refused"), "{case}: {body}");
    }
    assert_eq!(sessions(&db).await, 0);
    // The sign-in page offers the demo users only where they would be accepted.
    for (host, offered) in [
        ("rebind.evil.example:3000", false),
        ("localhost:3000", true),
    ] {
        let mut request = Request::get("/signin")
            .header("host", host)
            .body(Body::empty())
            .expect("request");
        set_peer(&mut request, "127.0.0.1");
        let (_, _, page) = send(&db, &config, request).await;
        assert_eq!(
            page.contains("data-user=\"amira.haddad\""),
            offered,
            "{host}"
        );
    }

    // Loopback names with any port, over IPv4 or IPv6, and the public URL's host.
    for (host, peer) in [
        ("localhost:8080", "127.0.0.1"),
        ("[::1]:3000", "::1"),
        ("switchboard.test:3000", "127.0.0.1"),
    ] {
        let mut r = dev_login_request("amira.haddad");
        r.headers_mut().insert("host", host.parse().expect("value"));
        r.headers_mut()
            .insert("origin", format!("http://{host}").parse().expect("value"));
        set_peer(&mut r, peer);
        let (status, cookie) = login_with(&db, &config, r).await;
        assert_eq!(status, 303, "{host}");
        assert!(cookie.is_some(), "{host}");
    }
}

async fn a_new_sign_in_ends_the_previous_session_of_the_browser(db: Db) {
    with_team(&db).await;
    let config = test_config();
    let (_, first) = login(&db, &config, "amira.haddad").await;
    let first = pair(&first.expect("cookie"));
    assert_eq!(me(&db, Some(&first)).await.0, 200);
    // The same browser signs in again (as anyone): its old session ends.
    let mut again = dev_login_request("amira.haddad");
    again
        .headers_mut()
        .insert("cookie", first.parse().expect("value"));
    let (status, second) = login_with(&db, &config, again).await;
    assert_eq!(status, 303);
    let second = pair(&second.expect("cookie"));
    assert_ne!(first, second);
    assert_eq!(me(&db, Some(&first)).await.0, 401);
    assert_eq!(me(&db, Some(&second)).await.0, 200);
    assert_eq!(sessions(&db).await, 1);
}

async fn expired_sessions_are_purged_at_sign_in(db: Db) {
    with_team(&db).await;
    let live = switchboard::auth::sessions::create(&db, "someone", time::Duration::hours(1))
        .await
        .expect("session");
    // Expired ones as a browser leaves them: never used again, never logged out.
    for i in 0..3 {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) \
             VALUES ($1, 'someone', '2026-01-01T00:00:00Z', '2026-01-01T12:00:00Z')",
        )
        .bind(format!("expired-{i}"))
        .execute(db.pool())
        .await
        .expect("expired session");
    }
    assert_eq!(sessions(&db).await, 4);
    let (status, _) = login(&db, &test_config(), "amira.haddad").await;
    assert_eq!(status, 303);
    // The three expired ones are gone; the live one and the new one stay.
    assert_eq!(sessions(&db).await, 2);
    assert_eq!(me(&db, Some(&format!("sb_session={live}"))).await.0, 200);
}
