//! OpenID Connect sign-in against a real provider: panva's `oidc-provider`
//! (end2end/oidc/provider.mjs, installed by `npm ci` in end2end/), driven
//! through its own login and consent pages by an HTTP client with a cookie
//! jar, on both databases.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use reqwest::cookie::CookieStore;
use reqwest::header::{HeaderMap, LOCATION};
use sqlx::Row;
use switchboard::config::Config;
use switchboard::db::Db;

use common::test_config;

backend_suite!(
    sign_in_creates_the_user_with_teams_and_roles_from_groups,
    users_without_a_username_and_held_names,
    a_second_identity_with_the_same_username_inherits_nothing,
    tampered_state_is_refused,
    replayed_or_tampered_codes_are_refused,
    a_nonce_mismatch_is_refused,
    expired_sessions_sign_in_again,
    logout_ends_the_session,
    sign_in_logs_no_secrets,
    next_is_a_path_of_this_site_only,
);

const CLIENT_ID: &str = "switchboard-test";
const SECRET_ENV: &str = "SB_TEST_OIDC_CLIENT_SECRET";
const SECRET: &str = "test-client-secret-4f1c9a";

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}

/// The provider process; killed on drop.
struct Provider {
    issuer: String,
    child: Child,
}

impl Provider {
    fn start(redirect_uri: &str) -> Provider {
        let port = common::free_port();
        let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .current_dir(workspace_root())
            .args(["end2end/oidc/provider.mjs", "--port", &port.to_string()])
            .args(["--client-id", CLIENT_ID, "--client-secret", SECRET])
            .args(["--redirect-uri", redirect_uri])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node must be installed, with end2end/node_modules (scripts/setup.sh)");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("provider output");
        // Keep reading: a closed pipe would kill the provider at its next line.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        assert!(
            line.starts_with("ready "),
            "the OpenID Connect provider did not start: {line:?} (run npm ci in end2end/)"
        );
        Provider {
            issuer: line["ready ".len()..].trim().to_string(),
            child,
        }
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Switchboard on a real loopback port with OpenID Connect configured, and
/// the provider it trusts.
struct Portal {
    url: String,
    callback: String,
    _provider: Provider,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Portal {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn portal(db: &Db) -> Portal {
    portal_with(db, |_| {}).await
}

/// `portal` with changes to its configuration.
async fn portal_with(db: &Db, configure: impl FnOnce(&mut Config)) -> Portal {
    capture_logs();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let url = format!("http://{addr}");
    let callback = format!("{url}/auth/oidc/callback");
    let provider = Provider::start(&callback);
    // Same value in every test: setting it concurrently is harmless.
    std::env::set_var(SECRET_ENV, SECRET);
    let mut config: Config = test_config();
    config.listen = addr;
    config.auth.sign_in_per_minute = 1000;
    config.oidc.issuer_url = provider.issuer.clone();
    config.oidc.display_name = "Test IdP".into();
    config.oidc.client_id = CLIENT_ID.into();
    config.oidc.client_secret_env = SECRET_ENV.into();
    config.oidc.redirect_url = callback.clone();
    config.oidc.scopes = vec!["profile".into(), "email".into(), "groups".into()];
    config.oidc.teams = [
        ("sb-team-crm".to_string(), "crm".to_string()),
        ("sb-team-billing".to_string(), "billing".to_string()),
    ]
    .into();
    config.oidc.admin_groups = vec!["sb-admins".into()];
    config.oidc.data_protection_groups = vec!["sb-privacy".into()];
    configure(&mut config);
    switchboard::auth::check_config(&config).expect("valid sign-in configuration");
    let index = Arc::new(switchboard::search::SearchIndex::in_memory().expect("index"));
    let state = switchboard::serve::app_state(db.clone(), &config, index, None);
    let app = switchboard::http::router(state)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Portal {
        url,
        callback,
        _provider: provider,
        server,
    }
}

/// A browser: a cookie jar, no automatic redirects (each step is visible).
struct Browser {
    http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Browser {
    fn new() -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser { http, jar }
    }

    fn cookie(&self, portal: &Portal, name: &str) -> Option<String> {
        let url = format!("{}/", portal.url).parse().expect("url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }

    async fn get(&self, url: &str) -> (u16, HeaderMap, String) {
        let r = self.http.get(url).send().await.expect("GET");
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, headers, r.text().await.unwrap_or_default())
    }

    /// From `/auth/oidc/start?next=…` through the provider's login and
    /// consent pages (as `login`) to the callback URL the provider sends the
    /// browser to, which is returned without being followed.
    async fn to_callback(&self, portal: &Portal, start: &str, login: &str) -> String {
        let mut url = format!("{}{start}", portal.url);
        for _ in 0..20 {
            if url.starts_with(&portal.callback) {
                return url;
            }
            let response = self.http.get(&url).send().await.expect("GET");
            let response = if response.status().is_redirection() {
                response
            } else {
                let status = response.status();
                let page = response.text().await.expect("page");
                assert_eq!(status, 200, "{url}: {page}");
                let (action, fields) = form(&page, login);
                let action = reqwest::Url::parse(&url)
                    .and_then(|u| u.join(&action))
                    .expect("form action");
                self.http
                    .post(action)
                    .form(&fields)
                    .send()
                    .await
                    .expect("POST")
            };
            assert!(
                response.status().is_redirection(),
                "expected a redirect from {url}, got {}",
                response.status()
            );
            let location = response.headers()[LOCATION].to_str().expect("ascii");
            url = reqwest::Url::parse(&url)
                .and_then(|u| u.join(location))
                .expect("location")
                .to_string();
        }
        panic!("no callback after 20 steps (last {url})");
    }

    /// The whole sign-in; returns the callback's answer.
    async fn sign_in(&self, portal: &Portal, login: &str) -> (u16, HeaderMap, String) {
        let callback = self.to_callback(portal, "/auth/oidc/start", login).await;
        self.get(&callback).await
    }

    async fn me(&self, portal: &Portal) -> (u16, serde_json::Value) {
        let (status, _, body) = self.get(&format!("{}/api/v1/me", portal.url)).await;
        (
            status,
            serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// The provider's development login or consent form: its action and fields
/// (hidden inputs kept, login and password filled in).
fn form(page: &str, login: &str) -> (String, Vec<(String, String)>) {
    let start = page.find("<form").expect("a form on the provider's page");
    let end = page[start..]
        .find("</form>")
        .map(|e| start + e)
        .unwrap_or(page.len());
    let form = &page[start..end];
    let action = attr(form, "action")
        .expect("form action")
        .replace("&amp;", "&");
    let mut fields = Vec::new();
    for input in form.split("<input").skip(1) {
        let tag = &input[..input.find('>').unwrap_or(input.len())];
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        let value = match name.as_str() {
            "login" => login.to_string(),
            "password" => "any password".to_string(),
            _ => attr(tag, "value").unwrap_or_default(),
        };
        fields.push((name, value));
    }
    (action, fields)
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].to_string())
}

fn query_param(url: &str, name: &str) -> String {
    reqwest::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{name} in {url}"))
}

fn with_param(url: &str, name: &str, value: &str) -> String {
    let mut parsed = reqwest::Url::parse(url).expect("url");
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

async fn team(db: &Db, id: &str, members: &[&str]) {
    let team = switchboard::catalogue::model::Team {
        id: id.into(),
        name: id.to_uppercase(),
        description: String::new(),
        members: members.iter().map(|m| m.to_string()).collect(),
    };
    switchboard::catalogue::repo::upsert_team(db, &team, "test")
        .await
        .expect("team");
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(db.pool())
        .await
        .expect("count")
}

async fn memberships(db: &Db, user: &str) -> Vec<(String, String)> {
    sqlx::query("SELECT team_id, source FROM team_members WHERE user_id = $1 ORDER BY team_id")
        .bind(user)
        .fetch_all(db.pool())
        .await
        .expect("memberships")
        .iter()
        .map(|r| (r.get("team_id"), r.get("source")))
        .collect()
}

fn refused(status: u16, body: &str, why: &str) {
    assert_eq!(status, 400, "{body}");
    assert!(body.contains(why), "expected {why:?} in {body}");
}

async fn sign_in_creates_the_user_with_teams_and_roles_from_groups(db: Db) {
    team(&db, "crm", &[]).await;
    team(&db, "billing", &[]).await;
    team(&db, "legacy", &[]).await;
    let portal = portal(&db).await;

    // The sign-in page offers the provider.
    let (status, _, page) = Browser::new().get(&format!("{}/signin", portal.url)).await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign in with Test IdP"), "{page}");

    let alice = Browser::new();
    assert_eq!(alice.me(&portal).await.0, 401);
    let callback = alice
        .to_callback(&portal, "/auth/oidc/start?next=/events?q=orders", "alice")
        .await;
    let (status, headers, body) = alice.get(&callback).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(headers[LOCATION], "/events?q=orders");
    let session_cookie = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sb_session="))
        .expect("a session cookie")
        .to_string();
    assert!(
        session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"),
        "{session_cookie}"
    );
    assert!(
        !session_cookie.contains("Secure"),
        "plain HTTP: {session_cookie}"
    );

    let (status, me) = alice.me(&portal).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user_id"], "alice");
    assert_eq!(me["admin"], true);
    assert_eq!(me["teams"], serde_json::json!(["crm"]));
    let row =
        sqlx::query("SELECT issuer, subject, name, email, admin FROM users WHERE id = 'alice'")
            .fetch_one(db.pool())
            .await
            .expect("user row");
    assert_eq!(row.get::<String, _>("subject"), "alice");
    assert_eq!(row.get::<String, _>("issuer"), portal._provider.issuer);
    assert_eq!(row.get::<String, _>("name"), "Alice Admin");
    assert_eq!(row.get::<String, _>("email"), "alice@example.com");
    assert_eq!(row.get::<i64, _>("admin"), 1);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.created' AND subject = 'user:alice'").await,
        1
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM oidc_logins").await, 0);

    // A membership made by hand, which sign-in keeps, and one from an
    // earlier sign-in whose group alice no longer has, which it drops.
    sqlx::query(
        "INSERT INTO team_members (team_id, user_id, source) \
         VALUES ('billing', 'alice', 'manual'), ('legacy', 'alice', 'oidc')",
    )
    .execute(db.pool())
    .await
    .expect("memberships");

    // Data protection comes from its group; the team is created for it.
    let dora = Browser::new();
    let (status, _, body) = dora.sign_in(&portal, "dora").await;
    assert_eq!(status, 303, "{body}");
    let (_, me) = dora.me(&portal).await;
    assert_eq!(me["user_id"], "dora");
    assert_eq!(me["admin"], false);
    assert_eq!(me["teams"], serde_json::json!(["data-protection"]));

    // Signing in again creates no second user and brings the teams in step.
    let (status, _, _) = alice.sign_in(&portal, "alice").await;
    assert_eq!(status, 303);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 2);
    assert_eq!(
        alice.me(&portal).await.1["teams"],
        serde_json::json!(["billing", "crm"])
    );
    assert_eq!(
        memberships(&db, "alice").await,
        [
            ("billing".to_string(), "manual".to_string()),
            ("crm".to_string(), "oidc".to_string())
        ]
    );
}

async fn users_without_a_username_and_held_names(db: Db) {
    let portal = portal(&db).await;
    // No preferred_username: the verified email is the id.
    let carol = Browser::new();
    let (status, _, body) = carol.sign_in(&portal, "carol-sub").await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(carol.me(&portal).await.1["user_id"], "carol@example.com");
    // An email the provider does not say is verified is not used: the subject is the id.
    let uma = Browser::new();
    let (status, _, body) = uma.sign_in(&portal, "uma-sub").await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(uma.me(&portal).await.1["user_id"], "uma-sub");
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = 'uma-sub'")
        .fetch_one(db.pool())
        .await
        .expect("user");
    assert_eq!(email, "");

    // "bob" is already bound to another identity: this one gets its own id.
    sqlx::query(
        "INSERT INTO users (id, issuer, subject, created_at, last_sign_in_at) \
         VALUES ('bob', 'https://other-idp.example', 'someone-else', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
    )
    .execute(db.pool())
    .await
    .expect("user");
    let bob = Browser::new();
    let (status, _, body) = bob.sign_in(&portal, "bob").await;
    assert_eq!(status, 303, "{body}");
    let id = bob.me(&portal).await.1["user_id"]
        .as_str()
        .expect("user id")
        .to_string();
    assert!(
        id.starts_with("bob-") && id.len() == "bob-".len() + 8,
        "{id}"
    );
    // The same identity keeps that id.
    let (status, _, _) = Browser::new().sign_in(&portal, "bob").await;
    assert_eq!(status, 303);
    let bound: String = sqlx::query_scalar("SELECT subject FROM users WHERE id = 'bob'")
        .fetch_one(db.pool())
        .await
        .expect("bob");
    assert_eq!(bound, "someone-else");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM users WHERE id LIKE 'bob-%'").await,
        1
    );
}

/// A PUT of JSON with the browser's session, from the portal's own origin.
async fn put_json(
    browser: &Browser,
    portal: &Portal,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let response = browser
        .http
        .put(format!("{}{path}", portal.url))
        .header("origin", &portal.url)
        .json(&body)
        .send()
        .await
        .expect("PUT");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

async fn a_second_identity_with_the_same_username_inherits_nothing(db: Db) {
    // Before anyone signed in, an admin made "alice" an admin and a member of billing.
    team(&db, "billing", &["alice"]).await;
    team(&db, "crm", &[]).await;
    let portal = portal_with(&db, |config| {
        config.auth.admins = vec!["alice".into(), "root".into()];
    })
    .await;

    // Another person whose provider name is also "alice" signs in first.
    let impostor = Browser::new();
    let (status, _, body) = impostor.sign_in(&portal, "alice-2").await;
    assert_eq!(status, 303, "{body}");
    let (_, me) = impostor.me(&portal).await;
    let impostor_id = me["user_id"].as_str().expect("user id").to_string();
    assert_ne!(impostor_id, "alice");
    assert!(impostor_id.starts_with("alice-"), "{impostor_id}");
    assert_eq!(me["admin"], false, "{me}");
    assert_eq!(me["teams"], serde_json::json!([]), "{me}");

    // Only an admin binds the id "alice" to an identity…
    let (status, _) = put_json(
        &impostor,
        &portal,
        "/api/v1/users/alice/identity",
        serde_json::json!({ "subject": "alice-2" }),
    )
    .await;
    assert_eq!(status, 403);
    let root = Browser::new();
    let token = switchboard::auth::sessions::create(&db, "root", time::Duration::hours(1))
        .await
        .expect("session");
    let url = format!("{}/", portal.url).parse().expect("url");
    root.jar
        .add_cookie_str(&format!("sb_session={token}"), &url);
    for bad in [
        serde_json::json!({ "subject": "" }),
        serde_json::json!({ "subject": "alice", "issuer": "not a url" }),
        serde_json::json!({ "sub": "alice" }),
    ] {
        let (status, body) = put_json(&root, &portal, "/api/v1/users/alice/identity", bad).await;
        assert_eq!(status, 400, "{body}");
    }
    // …here to the real alice (the configured issuer, subject "alice").
    let (status, linked) = put_json(
        &root,
        &portal,
        "/api/v1/users/alice/identity",
        serde_json::json!({ "subject": "alice" }),
    )
    .await;
    assert_eq!(status, 200, "{linked}");
    assert_eq!(linked["issuer"], portal._provider.issuer);
    assert_eq!(linked["changed"], true);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.identity_linked' AND subject = 'user:alice' AND actor = 'root'").await,
        1
    );

    let alice = Browser::new();
    let (status, _, body) = alice.sign_in(&portal, "alice").await;
    assert_eq!(status, 303, "{body}");
    let (_, me) = alice.me(&portal).await;
    assert_eq!(me["user_id"], "alice");
    assert_eq!(me["admin"], true);
    assert_eq!(me["teams"], serde_json::json!(["billing", "crm"]));

    // The other identity signs in again: still its own user, with nothing of alice's.
    let (status, _, _) = impostor.sign_in(&portal, "alice-2").await;
    assert_eq!(status, 303);
    let (_, me) = impostor.me(&portal).await;
    assert_eq!(me["user_id"], impostor_id.as_str());
    assert_eq!(me["admin"], false);
    assert_eq!(me["teams"], serde_json::json!([]));
}

async fn tampered_state_is_refused(db: Db) {
    let portal = portal(&db).await;
    let browser = Browser::new();
    let callback = browser
        .to_callback(&portal, "/auth/oidc/start", "bob")
        .await;

    let (status, _, body) = browser
        .get(&with_param(&callback, "state", "forged-state"))
        .await;
    refused(
        status,
        &body,
        "does not belong to a sign-in started in this browser",
    );
    let (status, _, body) = browser.get(&format!("{}?code=abc", portal.callback)).await;
    refused(status, &body, "no state");
    // The genuine answer in another browser (login CSRF): refused.
    let (status, _, body) = Browser::new().get(&callback).await;
    refused(
        status,
        &body,
        "does not belong to a sign-in started in this browser",
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions").await, 0);

    // None of that spent the genuine sign-in: it still completes.
    let (status, _, body) = browser.get(&callback).await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(browser.me(&portal).await.1["user_id"], "bob");
}

async fn replayed_or_tampered_codes_are_refused(db: Db) {
    let portal = portal(&db).await;
    let browser = Browser::new();
    let first = browser
        .to_callback(&portal, "/auth/oidc/start", "bob")
        .await;
    let (status, _, body) = browser.get(&first).await;
    assert_eq!(status, 303, "{body}");
    let used_code = query_param(&first, "code");

    // The same answer again: its sign-in is spent.
    let (status, _, body) = browser.get(&first).await;
    assert_eq!(status, 400, "{body}");

    // The spent code under a fresh, genuine state: the provider refuses it.
    let (status, headers, _) = browser
        .get(&format!("{}/auth/oidc/start", portal.url))
        .await;
    assert_eq!(status, 303);
    let fresh_state = query_param(headers[LOCATION].to_str().expect("ascii"), "state");
    let replay = format!("{}?code={used_code}&state={fresh_state}", portal.callback);
    let (status, _, body) = browser.get(&replay).await;
    refused(status, &body, "did not accept the authorization code");

    // A tampered code: refused by the provider too.
    let genuine = browser
        .to_callback(&portal, "/auth/oidc/start", "bob")
        .await;
    let code = query_param(&genuine, "code");
    let (status, _, body) = browser
        .get(&with_param(&genuine, "code", &format!("{code}x")))
        .await;
    refused(status, &body, "did not accept the authorization code");
    // Only the first sign-in made a session.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions").await, 1);
}

async fn a_nonce_mismatch_is_refused(db: Db) {
    let portal = portal(&db).await;
    let browser = Browser::new();
    let callback = browser
        .to_callback(&portal, "/auth/oidc/start", "bob")
        .await;
    // The ID token will carry the nonce sent to the provider, not this one.
    sqlx::query("UPDATE oidc_logins SET nonce = 'not-the-nonce-that-was-sent'")
        .execute(db.pool())
        .await
        .expect("tamper");
    let (status, _, body) = browser.get(&callback).await;
    refused(status, &body, "the ID token did not verify");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(browser.me(&portal).await.0, 401);
}

async fn expired_sessions_sign_in_again(db: Db) {
    let portal = portal(&db).await;
    let browser = Browser::new();
    let (status, _, _) = browser.sign_in(&portal, "bob").await;
    assert_eq!(status, 303);
    assert_eq!(browser.me(&portal).await.0, 200);
    sqlx::query("UPDATE sessions SET expires_at = '2000-01-01T00:00:00Z'")
        .execute(db.pool())
        .await
        .expect("expire");
    assert_eq!(browser.me(&portal).await.0, 401);
    // An expired sign-in attempt is refused as well.
    let callback = browser
        .to_callback(&portal, "/auth/oidc/start", "bob")
        .await;
    sqlx::query("UPDATE oidc_logins SET expires_at = '2000-01-01T00:00:00Z'")
        .execute(db.pool())
        .await
        .expect("expire");
    let (status, _, body) = browser.get(&callback).await;
    refused(status, &body, "expired or was already used");
    // Signing in again works (the provider remembers the user: no form).
    let (status, _, body) = browser.sign_in(&portal, "bob").await;
    assert_eq!(status, 303, "{body}");
    assert_eq!(browser.me(&portal).await.1["user_id"], "bob");
}

async fn logout_ends_the_session(db: Db) {
    let portal = portal(&db).await;
    let browser = Browser::new();
    let (status, _, _) = browser.sign_in(&portal, "bob").await;
    assert_eq!(status, 303);
    assert!(browser.cookie(&portal, "sb_session").is_some());
    let response = browser
        .http
        .post(format!("{}/auth/logout", portal.url))
        .header("origin", &portal.url)
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status().as_u16(), 303);
    assert_eq!(browser.me(&portal).await.0, 401);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sessions").await, 0);
}

/// A writer into a shared buffer, for a tracing subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Every log line of this test binary at TRACE level, in memory. A global
/// subscriber: a per-test (thread-scoped) one missed events while other
/// tests ran concurrently.
static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();

fn capture_logs() -> Captured {
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(logs.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        logs
    })
    .clone()
}

async fn sign_in_logs_no_secrets(db: Db) {
    let logs = capture_logs();
    let portal = portal(&db).await;
    let browser = Browser::new();
    // erin signs in in this test only, so her lines are this test's.
    let callback = browser
        .to_callback(&portal, "/auth/oidc/start", "erin")
        .await;
    let verifier: String = sqlx::query_scalar("SELECT pkce_verifier FROM oidc_logins")
        .fetch_one(db.pool())
        .await
        .expect("pending sign-in");
    let (status, _, body) = browser.get(&callback).await;
    assert_eq!(status, 303, "{body}");
    let session = browser.cookie(&portal, "sb_session").expect("session");
    // A refused attempt logs its reason, not its secrets.
    let forged = with_param(&callback, "state", "forged-state-value");
    assert_eq!(browser.get(&forged).await.0, 400);
    let logout = browser
        .http
        .post(format!("{}/auth/logout", portal.url))
        .header("origin", &portal.url)
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status().as_u16(), 303);

    let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8");
    // The capture works: the sign-in and the callback request are in it.
    assert!(
        text.lines()
            .any(|l| l.contains("signed in (OpenID Connect)") && l.contains("erin")),
        "{text}"
    );
    assert!(text.contains("uri=/auth/oidc/callback"), "{text}");
    for (what, secret) in [
        ("authorization code", query_param(&callback, "code")),
        ("state", query_param(&callback, "state")),
        ("forged state", "forged-state-value".to_string()),
        ("PKCE verifier", verifier),
        ("session token", session),
        ("client secret", SECRET.to_string()),
    ] {
        assert!(
            !text.contains(&secret),
            "the {what} is in the logs:\n{text}"
        );
    }
}

async fn next_is_a_path_of_this_site_only(db: Db) {
    let portal = portal(&db).await;
    for (next, landing) in [
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/events/orders", "/events/orders"),
    ] {
        let browser = Browser::new();
        let start = format!("/auth/oidc/start?next={}", next.replace(':', "%3A"));
        let callback = browser.to_callback(&portal, &start, "bob").await;
        let (status, headers, body) = browser.get(&callback).await;
        assert_eq!(status, 303, "{body}");
        assert_eq!(headers[LOCATION], landing, "next={next}");
    }
}
