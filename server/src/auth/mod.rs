//! Sign-in and the caller of each request. For now the only sign-in is the
//! development one (pick a demo user), offered only while bound to loopback;
//! OpenID Connect comes with the access-workflow work.

mod dev_login;
mod middleware;
pub mod sessions;

use app::auth::Caller;
use app::error::AppError;
use sqlx::Row;

pub use dev_login::routes;
pub use middleware::resolve_caller;

use crate::db::{Db, DbError};
use crate::errors::internal;

pub struct AuthService {
    db: Db,
    admins: Vec<String>,
    dev_login: bool,
    session_ttl: time::Duration,
    secure_cookies: bool,
}

impl AuthService {
    pub fn new(db: Db, config: &crate::config::Config) -> Self {
        let mut admins = config.auth.admins.clone();
        if config.demo.enabled {
            admins.push(DEMO_ADMIN.to_string());
        }
        Self {
            db,
            admins,
            // Never offered on a non-loopback address, whatever the configuration says.
            dev_login: config.auth.dev_login && config.listen.ip().is_loopback(),
            session_ttl: time::Duration::hours(i64::from(config.auth.session_hours)),
            secure_cookies: config.auth.secure_cookies,
        }
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
        Ok(Caller {
            user_id: user_id.to_string(),
            admin: self.admins.iter().any(|a| a == user_id),
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

/// The demo mesh's platform administrator.
pub const DEMO_ADMIN: &str = "platform.admin";

#[async_trait::async_trait]
impl app::services::Accounts for AuthService {
    async fn dev_login_users(&self) -> Result<Option<Vec<String>>, AppError> {
        if !self.dev_login {
            return Ok(None);
        }
        self.demo_users().await.map(Some).map_err(internal)
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
