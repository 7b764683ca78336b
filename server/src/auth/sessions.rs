//! Server-side sessions: the cookie holds a random token, the database its hash.

use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{self, Db, DbError};

pub const COOKIE: &str = "sb_session";

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

use crate::db::stamp as rfc3339;

/// Starts a session; returns the token for the cookie. Expired sessions of
/// everyone are purged first, so they do not pile up.
pub async fn create(db: &Db, user_id: &str, ttl: time::Duration) -> Result<String, DbError> {
    purge_expired(db).await?;
    // Two v4 UUIDs: 244 random bits from the OS generator.
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let now = time::OffsetDateTime::now_utc();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash(&token))
    .bind(user_id)
    .bind(rfc3339(now))
    .bind(rfc3339(now + ttl))
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The user of a live session; expired sessions count as none.
pub async fn resolve(db: &Db, token: &str) -> Result<Option<String>, DbError> {
    let row = sqlx::query("SELECT user_id, expires_at FROM sessions WHERE token_hash = $1")
        .bind(hash(token))
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let expires: String = row.try_get("expires_at")?;
    // RFC 3339 UTC strings of one format compare in time order.
    if expires <= db::now() {
        return Ok(None);
    }
    Ok(Some(row.try_get("user_id")?))
}

/// The `Set-Cookie` value that hands the browser a session token.
pub fn cookie(token: &str, ttl: time::Duration, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        ttl.whole_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Deletes the sessions past their expiry; returns how many.
pub async fn purge_expired(db: &Db) -> Result<u64, DbError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(db::now())
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}

pub async fn end(db: &Db, token: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash(token))
        .execute(db.pool())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_stored_hashed() {
        let h = super::hash("abc");
        assert_eq!(h.len(), 64);
        assert_ne!(h, "abc");
    }
}
