//! A presented token turned into the request's caller, or refused. Every
//! refusal reads the same for an unknown id and a wrong secret. Use is
//! recorded at most once a minute per token, and at once (with an audit
//! entry) when it comes from an address the token was not last used from.

use std::net::IpAddr;

use app::auth::Caller;
use app::tokens::Scope;

use super::manage::{parse_scopes, subject};
use super::repo::{self, TokenRow};
use super::secret::{self, Presented};
use super::{TokenError, TokenService};
use crate::audit::{self, Entry};
use crate::db;

/// How often a token's last use is written when nothing else changed.
const TOUCH_EVERY: time::Duration = time::Duration::seconds(60);

/// Who a token acts as, and what it may do.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub key_id: String,
    pub caller: Caller,
    pub scopes: Vec<Scope>,
}

impl TokenService {
    pub async fn authenticate(
        &self,
        presented: &Presented,
        peer: Option<IpAddr>,
    ) -> Result<Authenticated, TokenError> {
        let refused = |why: &str| TokenError::Unauthenticated(why.to_string());
        let mut conn = self.db.pool().acquire().await?;
        let row = repo::get(&mut conn, &presented.key_id)
            .await?
            .filter(|row| secret::same_hash(&secret::hash(&presented.secret), &row.secret_hash))
            .ok_or_else(|| refused("Unknown token."))?;
        if row.revoked_at.is_some() {
            return Err(refused("This token was revoked."));
        }
        if row.expires_at <= db::now() {
            return Err(refused("This token has expired."));
        }
        let scopes = parse_scopes(&row.scopes);
        let caller = match row.application_id {
            Some(app_id) => {
                let app = crate::access::repo::application(&mut conn, app_id)
                    .await?
                    .ok_or_else(|| refused("This token's application no longer exists."))?;
                Caller {
                    user_id: format!("app:{}/{}", app.team, app.name),
                    admin: false,
                    teams: vec![app.team],
                }
            }
            None => {
                let mut caller = self.auth.caller(&row.user_id).await?;
                caller.admin &= scopes.contains(&Scope::Admin);
                caller
            }
        };
        drop(conn);
        self.record_use(&row, peer).await?;
        Ok(Authenticated {
            key_id: row.id,
            caller,
            scopes,
        })
    }

    async fn record_use(&self, row: &TokenRow, peer: Option<IpAddr>) -> Result<(), TokenError> {
        let from = peer.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
        let now = time::OffsetDateTime::now_utc();
        let new_address = row.last_used_from.as_deref() != Some(from.as_str());
        let stale = row
            .last_used_at
            .as_deref()
            .is_none_or(|at| at < db::stamp(now - TOUCH_EVERY).as_str());
        if !new_address && !stale {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        repo::touch(&mut tx, &row.id, &db::stamp(now), &from).await?;
        if new_address {
            audit::record(
                &mut tx,
                Entry::<(), _> {
                    actor: &row.user_id,
                    action: "token.used_from_new_address",
                    subject: &subject(&row.id),
                    before: None,
                    after: Some(&serde_json::json!({
                        "from": from,
                        "previously": row.last_used_from,
                    })),
                },
            )
            .await?;
        }
        tx.commit().await.map_err(crate::db::DbError::from)?;
        Ok(())
    }
}
