//! Web safety: cross-site request checks on cookie-carrying writes and on
//! sign-in and sign-out, the sign-in rate limit, and the security headers of
//! every response, on both databases.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use switchboard::config::Config;
use switchboard::db::Db;

use common::test_config;

backend_suite!(
    cross_site_writes_with_the_session_cookie_are_refused,
    same_origin_writes_go_through,
    requests_without_the_session_cookie_are_not_checked,
    the_public_url_is_accepted_as_own_origin,
    sign_in_is_rate_limited_per_client_address,
    sign_in_and_sign_out_are_checked_without_a_session,
    every_response_has_security_headers,
    pages_allow_only_their_own_scripts,
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
        let (status, headers, body) = common::oneshot(&self.router, request).await;
        (status.as_u16(), headers, body)
    }

    /// Signs in through the development sign-in; returns the cookie pair.
    async fn sign_in(&self) -> String {
        let (status, headers, body) = self.send(dev_login(LOOPBACK)).await;
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

const LOOPBACK: &str = "127.0.0.1";

/// The development sign-in from a page of the site, from the peer `peer`.
fn dev_login(peer: &str) -> Request<Body> {
    let mut request = Request::post("/auth/dev-login")
        .header("host", HOST)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("user_id={USER}")))
        .expect("request");
    common::set_peer(&mut request, peer);
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
    // So is another scheme: this site is served over http.
    for header in ["origin", "referer"] {
        let (status, _, body) = app
            .send(logout(&cookie, &[(header, "https://127.0.0.1:3000")]))
            .await;
        assert_refused(status, &body);
    }
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
    let request = Request::post("/registry/subjects/anything/versions")
        .header("host", HOST)
        .header("origin", "http://evil.example")
        .header("content-type", "application/vnd.schemaregistry.v1+json")
        .body(Body::from(r#"{"schema": "\"string\""}"#))
        .expect("request");
    let (status, _, body) = app.send(request).await;
    assert!(!body.contains("Cross-site"), "{status}: {body}");
}

async fn sign_in_and_sign_out_are_checked_without_a_session(db: Db) {
    with_team(&db).await;
    let app = App::new(&db, &test_config()).await;
    // A page of another site signs the browser in as someone (login CSRF)…
    for headers in [
        vec![("origin", "http://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("origin", "https://127.0.0.1:3000")],
        vec![],
    ] {
        let mut request = dev_login(LOOPBACK);
        request.headers_mut().remove("sec-fetch-site");
        for (name, value) in &headers {
            request
                .headers_mut()
                .insert(*name, value.parse().expect("value"));
        }
        let (status, response, body) = app.send(request).await;
        assert_refused(status, &body);
        assert!(response.get("set-cookie").is_none(), "{headers:?}");
    }
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(sessions, 0);
    // …or signs it out.
    let request = Request::post("/auth/logout")
        .header("host", HOST)
        .header("origin", "http://evil.example")
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = app.send(request).await;
    assert_refused(status, &body);
    // From the site itself both go through.
    let mut request = dev_login(LOOPBACK);
    request.headers_mut().remove("sec-fetch-site");
    request
        .headers_mut()
        .insert("origin", "http://127.0.0.1:3000".parse().expect("value"));
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
    // Loopback peers (the development sign-in serves no other), each its own client.
    for attempt in 0..5 {
        let (status, _, body) = app.send(dev_login("127.0.0.7")).await;
        assert_eq!(status, 303, "attempt {attempt}: {body}");
    }
    let (status, headers, body) = app.send(dev_login("127.0.0.7")).await;
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
        let addr: SocketAddr = "127.0.0.7:40001".parse().expect("peer");
        request.extensions_mut().insert(ConnectInfo(addr));
        let (status, _, body) = app.send(request).await;
        assert_eq!(status, 429, "{uri}: {body}");
    }
    // Another client is not held back.
    let (status, _, body) = app.send(dev_login("127.0.0.9")).await;
    assert_eq!(status, 303, "{body}");
}

async fn get(app: &App, uri: &str) -> (u16, HeaderMap, String) {
    let request = Request::get(uri)
        .header("host", HOST)
        .body(Body::empty())
        .expect("request");
    app.send(request).await
}

async fn every_response_has_security_headers(db: Db) {
    with_team(&db).await;
    let app = App::new(&db, &test_config()).await;
    let cookie = app.sign_in().await;
    let mut answers = Vec::new();
    for uri in [
        "/",
        "/signin",
        "/no-such-page",
        "/healthz",
        "/api/v1/me",
        "/api/v1/events/no-such-event",
        "/registry/subjects",
        "/pkg/switchboard.css",
    ] {
        answers.push((uri.to_string(), get(&app, uri).await));
    }
    // A refusal, and a redirect.
    let (status, headers, body) = app
        .send(logout(&cookie, &[("origin", "http://evil.example")]))
        .await;
    assert_refused(status, &body);
    answers.push(("refused logout".into(), (status, headers, body)));
    let signed_in = app.send(dev_login(LOOPBACK)).await;
    assert_eq!(signed_in.0, 303);
    answers.push(("sign-in".into(), signed_in));
    for (what, (status, headers, _)) in &answers {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| panic!("{what} ({status}): no {name}"))
                .to_string()
        };
        assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header("referrer-policy"), "same-origin", "{what}");
        let csp = header("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        // Nothing but pages may run scripts at all.
        if !headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
        {
            assert!(csp.starts_with("default-src 'none'"), "{what}: {csp}");
        }
    }
}

/// The nonce of the page's policy: `'nonce-…'` in `script-src`.
fn policy_nonce(csp: &str) -> String {
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {csp}"));
    assert!(
        !script_src.contains("'unsafe-inline'") && !script_src.contains("'unsafe-eval'"),
        "{script_src}"
    );
    assert!(script_src.contains("'wasm-unsafe-eval'"), "{script_src}");
    script_src
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce in {script_src}"))
        .to_string()
}

async fn pages_allow_only_their_own_scripts(db: Db) {
    with_team(&db).await;
    let app = App::new(&db, &test_config()).await;
    let cookie = app.sign_in().await;
    let mut nonces = Vec::new();
    let pages = [
        "/",
        "/signin",
        "/clusters",
        "/requests",
        "/requests/new-event",
        "/approvals",
        "/applications",
        "/notifications",
        "/admin",
        "/admin/audit",
        "/events/no-such-event",
        "/no-such-page",
    ];
    // Signed out and signed in: the pages stream different parts.
    for (uri, signed_in) in pages.iter().flat_map(|p| [(*p, false), (*p, true)]) {
        let mut request = Request::get(uri).header("host", HOST);
        if signed_in {
            request = request.header("cookie", &cookie);
        }
        let (_, headers, page) = app
            .send(request.body(Body::empty()).expect("request"))
            .await;
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        let nonce = policy_nonce(csp);
        // Every script of the page carries the policy's nonce: all run, and
        // a script injected without it would not.
        let scripts: Vec<&str> = page.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "{uri}: no scripts");
        for script in scripts {
            let tag = &script[..script.find('>').expect("tag end")];
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{uri}: a script without the nonce: <script{tag}>"
            );
        }
        nonces.push(nonce);
    }
    // A fresh nonce per response.
    let unique: std::collections::BTreeSet<_> = nonces.iter().collect();
    assert_eq!(unique.len(), nonces.len(), "{nonces:?}");
}
