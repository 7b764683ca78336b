//! Append-only audit log, written in the same transaction as the change it records.

use serde::Serialize;

use crate::db::{self, DbError, Tx};

pub struct Entry<'a, B: Serialize, A: Serialize> {
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub before: Option<&'a B>,
    pub after: Option<&'a A>,
}

pub async fn record<B: Serialize, A: Serialize>(
    tx: &mut Tx,
    entry: Entry<'_, B, A>,
) -> Result<(), DbError> {
    let before = entry.before.and_then(|b| serde_json::to_string(b).ok());
    let after = entry.after.and_then(|a| serde_json::to_string(a).ok());
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(db::now())
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.subject)
    .bind(before)
    .bind(after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// (at, actor, action) of the latest `limit` entries about any of `subjects`,
/// newest first.
pub async fn latest_of(
    conn: &mut sqlx::AnyConnection,
    subjects: &[String],
    limit: i64,
) -> Result<Vec<(String, String, String)>, DbError> {
    if subjects.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT at, actor, action FROM audit_log WHERE subject IN ({}) ORDER BY id DESC LIMIT {limit}",
        crate::db::placeholders(1, subjects.len())
    );
    let mut query = sqlx::query_as(&sql);
    for s in subjects {
        query = query.bind(s);
    }
    Ok(query.fetch_all(conn).await?)
}
