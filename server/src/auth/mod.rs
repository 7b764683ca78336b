//! Sign-in and the caller of each request: OpenID Connect (`oidc`), and the
//! development sign-in (pick a demo user), off unless `--demo` or
//! `auth.dev_login` turns it on, never with OpenID Connect, and only for
//! requests straight from this machine (`local_only`). Also the web-safety layers: cross-site request checks (`csrf`),
//! sign-in rate limiting (`rate_limit`) and request logs without secrets
//! (`logging`).

mod csrf;
mod dev_login;
mod local_only;
mod logging;
mod middleware;
pub mod oidc;
pub mod rate_limit;
pub mod sessions;
pub mod tokens;

use std::sync::Arc;

use app::auth::Caller;
use app::error::AppError;
use sqlx::Row;

pub use csrf::verify_origin;
pub use logging::request_span;
pub use middleware::resolve_caller;
pub use oidc::{link_identity, LinkError, Linked, OidcConfigError};

use crate::db::{Db, DbError};
use crate::errors::internal;

/// Sign-in routes: development sign-in, logout, OpenID Connect.
pub fn routes() -> axum::Router<crate::state::AppState> {
    dev_login::routes().merge(oidc::routes())
}

/// Checks the sign-in configuration, so that `serve` stops at start on a
/// mistake instead of failing at the first sign-in.
pub fn check_config(config: &crate::config::Config) -> Result<(), OidcConfigError> {
    if let Some(settings) = oidc::Settings::from_config(&config.oidc)? {
        oidc::Oidc::new(settings)?;
    }
    Ok(())
}

pub struct AuthService {
    db: Db,
    admins: Vec<String>,
    /// `Ok` when the development sign-in is on, else why it is off.
    dev_login: Result<(), &'static str>,
    session_ttl: time::Duration,
    secure_cookies: bool,
    /// OpenID Connect sign-in, when configured.
    oidc: Option<Arc<oidc::Oidc>>,
    limiter: rate_limit::RateLimiter,
    /// Origin of `auth.public_url`, accepted by the cross-site request check.
    public_origin: Option<String>,
    /// Host of `auth.public_url`, accepted by the development sign-in.
    public_host: Option<String>,
}

impl AuthService {
    pub fn new(db: Db, config: &crate::config::Config) -> Self {
        let mut admins = config.auth.admins.clone();
        if config.demo.enabled {
            admins.push(DEMO_ADMIN.to_string());
        }
        let oidc = match oidc::Settings::from_config(&config.oidc).and_then(|s| match s {
            Some(settings) => oidc::Oidc::new(settings).map(Some),
            None => Ok(None),
        }) {
            Ok(oidc) => oidc.map(Arc::new),
            Err(e) => {
                // `serve` refuses to start on this (check_config); tests and tools go on without.
                tracing::error!(error = %e, "OpenID Connect sign-in is off");
                None
            }
        };
        let https = |url: Option<&str>| url.is_some_and(|u| u.trim().starts_with("https://"));
        Self {
            db,
            admins,
            dev_login: dev_login_setting(config),
            session_ttl: time::Duration::hours(i64::from(config.auth.session_hours)),
            // Browsers that reach us over HTTPS get Secure cookies.
            secure_cookies: config.auth.secure_cookies
                || https(config.auth.public_url.as_deref())
                || (oidc.is_some() && https(Some(&config.oidc.redirect_url))),
            oidc,
            limiter: rate_limit::RateLimiter::new(config.auth.sign_in_per_minute),
            public_origin: csrf::public_origin(config.auth.public_url.as_deref()),
            public_host: local_only::public_host(config.auth.public_url.as_deref()),
        }
    }

    /// The scheme browsers use for this site: `https` once cookies are
    /// `Secure` (served behind HTTPS), else `http`.
    fn scheme(&self) -> &'static str {
        if self.secure_cookies {
            "https"
        } else {
            "http"
        }
    }

    /// The configured provider's issuer, as users are bound to it.
    pub fn oidc_issuer(&self) -> Option<&str> {
        self.oidc.as_ref().map(|o| o.settings.issuer.as_str())
    }

    /// "Sign in with <name>" when OpenID Connect is configured.
    pub fn oidc_provider(&self) -> Option<&str> {
        self.oidc.as_ref().map(|o| o.settings.display_name.as_str())
    }

    pub async fn caller(&self, user_id: &str) -> Result<Caller, DbError> {
        let teams =
            sqlx::query("SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id")
                .bind(user_id)
                .fetch_all(self.db.pool())
                .await?
                .iter()
                .map(|r| r.try_get("team_id"))
                .collect::<Result<Vec<String>, _>>()?;
        // Admins by configuration, or by the provider's groups at sign-in.
        let admin_by_groups = sqlx::query("SELECT admin FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.db.pool())
            .await?
            .map(|r| crate::db::flag(&r, "admin"))
            .transpose()?
            .unwrap_or(false);
        Ok(Caller {
            user_id: user_id.to_string(),
            admin: admin_by_groups || self.admins.iter().any(|a| a == user_id),
            teams,
        })
    }

    /// Users the development sign-in offers: admins and every team member.
    pub async fn demo_users(&self) -> Result<Vec<String>, DbError> {
        let mut users: Vec<String> =
            sqlx::query("SELECT DISTINCT user_id FROM team_members ORDER BY user_id")
                .fetch_all(self.db.pool())
                .await?
                .iter()
                .map(|r| r.try_get("user_id"))
                .collect::<Result<_, _>>()?;
        for admin in self.admins.iter().rev() {
            if !users.contains(admin) {
                users.insert(0, admin.clone());
            }
        }
        Ok(users)
    }
}

/// Whether the configuration turns the development sign-in on, or why not.
fn dev_login_setting(config: &crate::config::Config) -> Result<(), &'static str> {
    if !(config.auth.dev_login || config.demo.enabled) {
        return Err("it is off (turn it on with --demo or auth.dev_login = true)");
    }
    if !config.oidc.issuer_url.trim().is_empty() {
        // Anyone who can reach the port could sign in as any user, bypassing the provider.
        tracing::warn!(
            "the development sign-in is refused: OpenID Connect is configured (oidc.issuer_url)"
        );
        return Err("OpenID Connect is configured");
    }
    if !config.listen.ip().is_loopback() {
        return Err("it is only offered on a loopback address");
    }
    Ok(())
}

/// The demo mesh's platform administrator.
pub const DEMO_ADMIN: &str = "platform.admin";

#[async_trait::async_trait]
impl app::services::Accounts for AuthService {
    async fn dev_login_users(&self) -> Result<Option<Vec<String>>, AppError> {
        if self.dev_login.is_err() {
            return Ok(None);
        }
        // Offered only where it would be accepted: when rendering for a
        // request (the sign-in page), that request must pass its checks.
        if let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() {
            let peer = parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip());
            if local_only::check(peer, &parts.headers, self.public_host.as_deref()).is_err() {
                return Ok(None);
            }
        }
        self.demo_users().await.map(Some).map_err(internal)
    }

    async fn oidc_provider(&self) -> Result<Option<String>, AppError> {
        Ok(AuthService::oidc_provider(self).map(str::to_string))
    }
}

/// The caller if signed in, else `Unauthenticated` (401).
pub fn require_signed_in(caller: Option<Caller>) -> Result<Caller, AppError> {
    caller.ok_or_else(|| AppError::new(app::error::ErrorCode::Unauthenticated, "Sign in first."))
}

/// The caller if an admin: 401 when signed out, 403 otherwise.
pub fn require_admin(caller: Option<Caller>) -> Result<Caller, AppError> {
    let caller = require_signed_in(caller)?;
    if caller.admin {
        Ok(caller)
    } else {
        Err(AppError::new(
            app::error::ErrorCode::Forbidden,
            "Only platform admins may do this.",
        ))
    }
}
