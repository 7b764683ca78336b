//! `TestApp`: one Switchboard per test — its database (dropped with it), one
//! `AppState` and one router built once, named users signed in through the
//! development sign-in, and the provisioning worker run on demand.
//!
//! ```ignore
//! let app = TestApp::seeded(db, admin_config()).await;
//! let answer = app.as_user(ZOE).post_json("/api/v1/requests", &body).await;
//! assert_eq!(answer.status, 201, "{}", answer.body);
//! app.run_jobs().await;
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use app::access::{ConsumeForm, Decision, NewApplication, Principal, RequestView};
use app::auth::Caller;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::Value;
use sqlx::Row;
use switchboard::clusters::ClusterSpec;
use switchboard::config::Config;
use switchboard::db::Db;
use switchboard::provision::{PassReport, Provisioner};
use switchboard::state::AppState;
use tokio::sync::Mutex;

/// The admin every harness configuration names.
pub const ADMIN: &str = "platform.admin";

/// `test_config()` with [`ADMIN`] as the one admin.
pub fn admin_config() -> Config {
    let mut c = super::test_config();
    c.auth.admins = vec![ADMIN.into()];
    c
}

pub struct TestApp {
    pub db: Db,
    pub config: Config,
    pub state: AppState,
    router: axum::Router,
    /// Session cookies of the users signed in so far.
    cookies: Mutex<HashMap<String, String>>,
}

/// What the router answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The body as JSON; fails the test with the body when it is not.
    pub fn json(&self) -> Value {
        super::json(&self.body)
    }
}

impl TestApp {
    /// The demo mesh's clusters (where nothing listens: broker calls fail
    /// fast) and the demo catalogue.
    pub async fn seeded(db: Db, config: Config) -> TestApp {
        Self::with_clusters(db, config, switchboard::demo::demo_clusters(19092)).await
    }

    /// These clusters and the demo catalogue.
    pub async fn with_clusters(db: Db, config: Config, clusters: Vec<ClusterSpec>) -> TestApp {
        switchboard::serve::register_clusters(&db, clusters)
            .await
            .expect("clusters");
        switchboard::catalogue::seed::seed_database(&db)
            .await
            .expect("seed");
        Self::over(db, config).await
    }

    /// The app over a database as it is.
    pub async fn over(db: Db, config: Config) -> TestApp {
        let index =
            Arc::new(switchboard::search::SearchIndex::in_memory().expect("in-memory index"));
        let state = switchboard::serve::app_state(db.clone(), &config, index, None);
        // A database that was never migrated (readiness tests) has nothing to index.
        if db.readiness().await.ok() {
            state.catalogue.reindex().await.expect("index builds");
        }
        let router = switchboard::http::router(state.clone());
        TestApp {
            db,
            config,
            state,
            router,
            cookies: Mutex::new(HashMap::new()),
        }
    }

    /// What the services see for `user` (their teams, whether admin).
    pub async fn caller(&self, user: &str) -> Option<Caller> {
        Some(self.state.auth.caller(user).await.expect("caller"))
    }

    /// Requests without a session.
    pub fn anonymous(&self) -> Client<'_> {
        Client {
            app: self,
            user: None,
        }
    }

    /// Requests as `user`, signed in through the development sign-in at the
    /// first request.
    pub fn as_user(&self, user: &str) -> Client<'_> {
        Client {
            app: self,
            user: Some(user.to_string()),
        }
    }

    /// `user`'s session cookie (`name=value`), signing in once.
    pub async fn cookie(&self, user: &str) -> String {
        let mut cookies = self.cookies.lock().await;
        if let Some(c) = cookies.get(user) {
            return c.clone();
        }
        let answer = self.send(super::dev_login_request(user)).await;
        assert_eq!(answer.status, 303, "{user} signs in: {}", answer.body);
        let set = answer.headers["set-cookie"].to_str().expect("ascii");
        let pair = set.split(';').next().expect("pair").to_string();
        cookies.insert(user.to_string(), pair.clone());
        pair
    }

    /// Sends any request through the router, as `common::send` describes.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let (status, headers, body) =
            super::oneshot(&self.router, super::same_origin(request)).await;
        Answer {
            status,
            headers,
            body,
        }
    }

    /// A JSON API call with a session cookie of the test's own making (or
    /// none) and an optional body as text (which may be malformed on purpose).
    pub async fn request_with_cookie(
        &self,
        method: &str,
        uri: &str,
        cookie: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
            .expect("request");
        self.send(request).await
    }

    /// A provisioning worker over this app's services.
    pub fn worker(&self) -> Provisioner {
        Provisioner::new(
            self.db.clone(),
            self.state.access.clone(),
            self.state.registry.clone(),
            self.config.provision.clone(),
        )
        .with_mesh(self.config.mesh.clone())
    }

    /// Runs the due provisioning jobs once.
    pub async fn run_jobs(&self) -> PassReport {
        self.worker().run_pass().await.expect("provisioning pass")
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.db.pool())
            .await
            .expect("count")
    }

    /// (action, after JSON) of a subject's audit entries, oldest first.
    pub async fn audit_of(&self, subject: &str) -> Vec<(String, Value)> {
        sqlx::query("SELECT action, after_json FROM audit_log WHERE subject = $1 ORDER BY id")
            .bind(subject)
            .fetch_all(self.db.pool())
            .await
            .expect("audit")
            .iter()
            .map(|r| {
                let after: Option<String> = r.get("after_json");
                (
                    r.get("action"),
                    after.map(|a| super::json(&a)).unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    // ---- the access workflow through the services ----

    /// Registers application `name` of `team` with principal `User:svc-<name>`
    /// on each of `clusters`; returns its id.
    pub async fn register_app(
        &self,
        user: &str,
        team: &str,
        name: &str,
        clusters: &[&str],
    ) -> String {
        let new = NewApplication {
            team: team.into(),
            name: name.into(),
            description: "an application".into(),
            principals: clusters
                .iter()
                .map(|c| Principal {
                    cluster: (*c).into(),
                    principal: format!("User:svc-{name}"),
                })
                .collect(),
        };
        self.state
            .access
            .register_application(self.caller(user).await, new)
            .await
            .expect("application registered")
            .id
    }

    /// A consume request for `app` with group `insights.churn`.
    pub async fn consume(&self, user: &str, app: &str, event: &str, cluster: &str) -> RequestView {
        self.state
            .access
            .submit_consume(self.caller(user).await, consume_form(app, event, cluster))
            .await
            .expect("consume request submitted")
    }

    /// `user` approves (or rejects) request `id` with a comment.
    pub async fn decide(&self, user: &str, id: &str, approve: bool) -> RequestView {
        self.state
            .access
            .decide(
                self.caller(user).await,
                Decision {
                    request: id.into(),
                    approve,
                    comment: "looks right".into(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{user} decides {id}: {e:?}"))
    }
}

/// A consume form for `app` with group `insights.churn` and no end date.
pub fn consume_form(app: &str, event: &str, cluster: &str) -> ConsumeForm {
    ConsumeForm {
        event: event.into(),
        cluster: cluster.into(),
        application: app.into(),
        group: "insights.churn".into(),
        group_is_prefix: false,
        purpose: "churn model features".into(),
        end_date: None,
    }
}

/// Requests of one user (or none) to a [`TestApp`].
pub struct Client<'a> {
    app: &'a TestApp,
    user: Option<String>,
}

impl Client<'_> {
    pub async fn get(&self, uri: &str) -> Answer {
        self.request("GET", uri, None).await
    }

    pub async fn delete(&self, uri: &str) -> Answer {
        self.request("DELETE", uri, None).await
    }

    pub async fn post_json(&self, uri: &str, body: &Value) -> Answer {
        self.request("POST", uri, Some(&body.to_string())).await
    }

    pub async fn put_json(&self, uri: &str, body: &Value) -> Answer {
        self.request("PUT", uri, Some(&body.to_string())).await
    }

    /// Status and body of any call, with a JSON body as text.
    pub async fn call(&self, method: &str, uri: &str, body: Option<&str>) -> (u16, String) {
        let answer = self.request(method, uri, body).await;
        (answer.status.as_u16(), answer.body)
    }

    /// Sends a hand-built request (its own method, headers and body) as this
    /// client: with the user's session cookie, when there is a user.
    pub async fn send(&self, mut request: Request<Body>) -> Answer {
        if let Some(user) = &self.user {
            let cookie = self.app.cookie(user).await;
            request
                .headers_mut()
                .insert("cookie", cookie.parse().expect("cookie header"));
        }
        self.app.send(request).await
    }

    /// Any method, with a JSON body as text (which may be malformed on purpose).
    pub async fn request(&self, method: &str, uri: &str, body: Option<&str>) -> Answer {
        let cookie = match &self.user {
            Some(user) => Some(self.app.cookie(user).await),
            None => None,
        };
        self.app
            .request_with_cookie(method, uri, cookie.as_deref(), body)
            .await
    }
}
