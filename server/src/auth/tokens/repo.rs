//! The `api_tokens` table: its only reader and writer.

use sqlx::AnyConnection;

use crate::db::DbError;

/// One row as stored (the secret's hash included; it never leaves `tokens`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    pub secret_hash: String,
    pub name: String,
    pub user_id: String,
    pub application_id: Option<i64>,
    pub scopes: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub last_used_from: Option<String>,
    pub revoked_at: Option<String>,
}

const COLUMNS: &str = "id, secret_hash, name, user_id, application_id, scopes, created_at, \
                       expires_at, last_used_at, last_used_from, revoked_at";

pub async fn insert(conn: &mut AnyConnection, row: &TokenRow) -> Result<(), DbError> {
    sqlx::query(&format!(
        "INSERT INTO api_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&row.id)
    .bind(&row.secret_hash)
    .bind(&row.name)
    .bind(&row.user_id)
    .bind(row.application_id)
    .bind(&row.scopes)
    .bind(&row.created_at)
    .bind(&row.expires_at)
    .bind(&row.last_used_at)
    .bind(&row.last_used_from)
    .bind(&row.revoked_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<TokenRow>, DbError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Every token, newest first (callers filter by what they may see).
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<TokenRow>, DbError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"
    ))
    .fetch_all(conn)
    .await?)
}

/// Marks it revoked; `false` when it already was.
pub async fn revoke(conn: &mut AnyConnection, id: &str, at: &str) -> Result<bool, DbError> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn touch(
    conn: &mut AnyConnection,
    id: &str,
    at: &str,
    from: &str,
) -> Result<(), DbError> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1, last_used_from = $2 WHERE id = $3")
        .bind(at)
        .bind(from)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
