//! Web safety: cross-site request checks on cookie-carrying writes, and the
//! sign-in rate limit, on both databases.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use http_body_util::BodyExt;
use switchboard::config::Config;
use switchboard::db::Db;
use tower::ServiceExt;

use common::test_config;

backend_suite!(
    cross_site_writes_with_the_session_cookie_are_refused,
    same_origin_writes_go_through,
    requests_without_the_session_cookie_are_not_checked,
    the_public_url_is_accepted_as_own_origin,
    sign_in_is_rate_limited_per_client_address,
);

const USER: &str = "amira.haddad";
const HOST: &str = "127.0.0.1:3000";

/// One router (and so one rate limiter) for all requests of a test, driven
/// in-process; requests go out exactly as built (no helper headers).
struct App {
    router: axum::Router,
}

impl App {
    async fn new(db: &Db, config: &Config) -> App {
        let index = std::sync::Arc::new(
            switchboard::search::SearchIndex::in_memory().expect("in-memory index"),
        );
        let state = switchboard::serve::app_state(db.clone(), config, index, None);
        App {
            router: switchboard::http::router(state),
        }
    }

    async fn send(&self, request: Request<Body>) -> (u16, HeaderMap, String) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// Signs in through the development sign-in; returns the cookie pair.
    async fn sign_in(&self) -> String {
        let (status, headers, body) = self.send(dev_login(None)).await;
        assert_eq!(status, 303, "{body}");
        let cookie = headers["set-cookie"].to_str().expect("ascii");
        cookie.split(';').next().expect("pair").to_string()
    }

    async fn signed_in(&self, cookie: &str) -> bool {
        let request = Request::get("/api/v1/me")
            .header("host", HOST)
            .header("cookie", cookie)
            .body(Body::empty())
            .expect("request");
        let (status, _, _) = self.send(request).await;
        status == 200
    }
}

fn dev_login(peer: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/auth/dev-login")
        .header("host", HOST)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("user_id={USER}")))
        .expect("request");
    if let Some(peer) = peer {
        let addr: SocketAddr = format!("{peer}:40000").parse().expect("peer");
        request.extensions_mut().insert(ConnectInfo(addr));
    }
    request
}

fn logout(cookie: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut request = Request::post("/auth/logout")
        .header("host", HOST)
        .header("cookie", cookie);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(Body::empty()).expect("request")
}

async fn with_team(db: &Db) {
    let team = switchboard::catalogue::model::Team {
        id: "crm".into(),
        name: "CRM".into(),
        description: String::new(),
        members: vec![USER.into()],
    };
    switchboard::catalogue::repo::upsert_team(db, &team, "test")
        .await
        .expect("team");
}

fn assert_refused(status: u16, body: &str) {
    assert_eq!(status, 403, "{body}");
    let error = common::json(body);
    assert_eq!(error["error"]["code"], "forbidden", "{body}");
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Cross-site")),
        "{body}"
    );
}

async fn cross_site_writes_with_the_session_cookie_are_refused(db: Db) {
    with_team(&db).await;
    let app = App::new(&db, &test_config()).await;
    let cookie = app.sign_in().await;

    // A form on another site posting to logout: Origin names that site.
    let (status, _, body) = app
        .send(logout(&cookie, &[("origin", "http://evil.example")]))
        .await;
    assert_refused(status, &body);
    // Fetch metadata says cross-site (even with a look-alike Origin).
    let (status, _, body) = app
        .send(logout(
            &cookie,
            &[
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://127.0.0.1:3000"),
            ],
        ))
        .await;
    assert_refused(status, &body);
    // Another port is another origin.
    let (status, _, body) = app
        .send(logout(
            &cookie,
            &[("referer", "http://127.0.0.1:3001/events")],
        ))
        .await;
    assert_refused(status, &body);
    // No Sec-Fetch-Site, Origin or Referer at all: refused too.
    let (status, _, body) = app.send(logout(&cookie, &[])).await;
    assert_refused(status, &body);
    // Server functions and the REST API sit behind the same check.
    for (method, uri) in [
        ("POST", "/api/dev_login_users"),
        ("PATCH", "/api/v1/events/orders"),
        ("DELETE", "/registry/subjects/orders-value"),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", HOST)
            .header("cookie", &cookie)
            .header("sec-fetch-site", "same-site")
            .body(Body::empty())
            .expect("request");
        let (status, _, body) = app.send(request).await;
        assert_refused(status, &body);
    }
    // None of it ended the session.
    assert!(app.signed_in(&cookie).await);
}

async fn same_origin_writes_go_through(db: Db) {
    with_team(&db).await;
    let app = App::new(&db, &test_config()).await;
    for headers in [
        vec![("sec-fetch-site", "same-origin")],
        vec![("origin", "http://127.0.0.1:3000")],
        vec![("referer", "http://127.0.0.1:3000/events?q=orders")],
    ] {
        let cookie = app.sign_in().await;
        assert!(app.signed_in(&cookie).await);
        let (status, _, body) = app.send(logout(&cookie, &headers)).await;
        assert_eq!(status, 303, "{headers:?}: {body}");
        assert!(!app.signed_in(&cookie).await, "{headers:?}");
    }
}

async fn requests_without_the_session_cookie_are_not_checked(db: Db) {
    with_team(&db).await;
    let app = App::new(&db, &test_config()).await;
    // A schema registry client: no cookie, no browser headers.
    let request = Request::post("/registry/subjects/anything/versions")
        .header("host", HOST)
        .header("content-type", "application/vnd.schemaregistry.v1+json")
        .body(Body::from(r#"{"schema": "\"string\""}"#))
        .expect("request");
    let (status, _, body) = app.send(request).await;
    assert!(!body.contains("Cross-site"), "{status}: {body}");
    // Even from another site: without the cookie it acts for nobody.
    let mut request = dev_login(None);
    request
        .headers_mut()
        .insert("origin", "http://evil.example".parse().expect("value"));
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, 303, "{body}");
}

async fn the_public_url_is_accepted_as_own_origin(db: Db) {
    with_team(&db).await;
    let mut config = test_config();
    config.auth.public_url = Some("https://switchboard.example.com".into());
    let app = App::new(&db, &config).await;
    let cookie = app.sign_in().await;
    // A proxy rewrote Host; the browser's Origin is the public one.
    let (status, _, body) = app
        .send(logout(&cookie, &[("origin", "http://evil.example")]))
        .await;
    assert_refused(status, &body);
    let (status, headers, body) = app
        .send(logout(
            &cookie,
            &[("origin", "https://switchboard.example.com")],
        ))
        .await;
    assert_eq!(status, 303, "{body}");
    // Served over HTTPS: the cookies are Secure.
    let cleared = headers["set-cookie"].to_str().expect("ascii");
    assert!(cleared.contains("Secure"), "{cleared}");
}

async fn sign_in_is_rate_limited_per_client_address(db: Db) {
    with_team(&db).await;
    let mut config = test_config();
    config.auth.sign_in_per_minute = 5;
    let app = App::new(&db, &config).await;
    for attempt in 0..5 {
        let (status, _, body) = app.send(dev_login(Some("192.0.2.7"))).await;
        assert_eq!(status, 303, "attempt {attempt}: {body}");
    }
    let (status, headers, body) = app.send(dev_login(Some("192.0.2.7"))).await;
    assert_eq!(status, 429, "{body}");
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=12).contains(&retry), "Retry-After {retry}");
    // The OpenID Connect routes draw from the same bucket.
    for uri in ["/auth/oidc/start", "/auth/oidc/callback?code=x&state=y"] {
        let mut request = Request::get(uri)
            .header("host", HOST)
            .body(Body::empty())
            .expect("request");
        let addr: SocketAddr = "192.0.2.7:40001".parse().expect("peer");
        request.extensions_mut().insert(ConnectInfo(addr));
        let (status, _, body) = app.send(request).await;
        assert_eq!(status, 429, "{uri}: {body}");
    }
    // Another client is not held back.
    let (status, _, body) = app.send(dev_login(Some("198.51.100.9"))).await;
    assert_eq!(status, 303, "{body}");
}
