//! Sign-ins in progress (`oidc_logins`): what the callback needs to finish
//! one, keyed by the hash of its state, usable once and for ten minutes.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{self, Db, DbError};

/// How long a started sign-in may take at the provider.
pub const TTL: time::Duration = time::Duration::minutes(10);

pub struct Pending {
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    pub expires_at: String,
}

pub fn state_hash(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

use crate::db::stamp as rfc3339;

pub async fn store(db: &Db, state: &str, pending: &Pending) -> Result<(), DbError> {
    // Expired attempts are swept as new ones start.
    sqlx::query("DELETE FROM oidc_logins WHERE expires_at < $1")
        .bind(db::now())
        .execute(db.pool())
        .await?;
    sqlx::query(
        "INSERT INTO oidc_logins (state_hash, nonce, pkce_verifier, return_to, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state_hash(state))
    .bind(&pending.nonce)
    .bind(&pending.pkce_verifier)
    .bind(&pending.return_to)
    .bind(db::now())
    .bind(&pending.expires_at)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub fn expiry_from_now() -> String {
    rfc3339(time::OffsetDateTime::now_utc() + TTL)
}

/// Takes the sign-in of this state out of the store: a second callback with
/// the same state finds nothing. Expired ones count as none.
pub async fn take(db: &Db, state: &str) -> Result<Option<Pending>, DbError> {
    let row = sqlx::query(
        "DELETE FROM oidc_logins WHERE state_hash = $1 \
         RETURNING nonce, pkce_verifier, return_to, expires_at",
    )
    .bind(state_hash(state))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let pending = Pending {
        nonce: row.try_get("nonce")?,
        pkce_verifier: row.try_get("pkce_verifier")?,
        return_to: row.try_get("return_to")?,
        expires_at: row.try_get("expires_at")?,
    };
    let expires = time::OffsetDateTime::parse(
        &pending.expires_at,
        &time::format_description::well_known::Rfc3339,
    );
    match expires {
        Ok(at) if at > time::OffsetDateTime::now_utc() => Ok(Some(pending)),
        _ => Ok(None),
    }
}
