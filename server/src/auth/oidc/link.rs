//! Binding a user id to a provider identity, at an admin's word (REST
//! `PUT /api/v1/users/{id}/identity`, CLI `switchboard link-identity`): how
//! a person gets an id that already holds teams, requests or the admin role,
//! which first sign-in never hands out (see `accounts`).

use serde::Serialize;
use sqlx::Row;

use super::accounts::{valid_id, SOURCE};
use crate::audit;
use crate::db::{self, Db, DbError};

/// What `link` did: the identity now signs in as `user_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Linked {
    pub user_id: String,
    pub issuer: String,
    pub subject: String,
    /// The user the identity signed in as before, when another one; that
    /// user is removed with its provider-made memberships and sessions.
    pub previous_user: Option<String>,
    /// Whether anything changed (false: already linked so).
    pub changed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for LinkError {
    fn from(e: sqlx::Error) -> Self {
        LinkError::Db(e.into())
    }
}

/// Binds the user id to the provider identity (issuer, subject), at an
/// admin's word: the identity's next sign-in is as this user, with what the
/// id holds. The id's former identity and the identity's former user lose
/// their sessions. Audited as `user.identity_linked`.
pub async fn link(
    db: &Db,
    actor: &str,
    user_id: &str,
    issuer: &str,
    subject: &str,
) -> Result<Linked, LinkError> {
    let (user_id, issuer, subject) = (user_id.trim(), issuer.trim(), subject.trim());
    if !valid_id(user_id) {
        return Err(LinkError::Invalid(
            "the user id must be 1 to 200 characters without spaces",
        ));
    }
    let issuer_ok = issuer.len() <= 500
        && url::Url::parse(issuer).is_ok_and(|u| matches!(u.scheme(), "https" | "http"));
    if !issuer_ok {
        return Err(LinkError::Invalid("the issuer must be an http(s) URL"));
    }
    if subject.is_empty() || subject.len() > 255 || subject.chars().any(char::is_control) {
        return Err(LinkError::Invalid(
            "the subject must be 1 to 255 characters without control characters",
        ));
    }
    let mut tx = db.begin().await?;
    let previous_user: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&mut *tx)
            .await?;
    let mut linked = Linked {
        user_id: user_id.to_string(),
        issuer: issuer.to_string(),
        subject: subject.to_string(),
        previous_user: previous_user.clone().filter(|p| p != user_id),
        changed: false,
    };
    if previous_user.as_deref() == Some(user_id) {
        return Ok(linked);
    }
    let before = sqlx::query("SELECT issuer, subject FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| {
            Ok::<_, sqlx::Error>(serde_json::json!({
                "issuer": r.try_get::<String, _>("issuer")?,
                "subject": r.try_get::<String, _>("subject")?,
            }))
        })
        .transpose()?;
    // Whoever signed in with the identity or held the id before starts afresh.
    let mut affected: Vec<&str> = vec![user_id];
    affected.extend(linked.previous_user.as_deref());
    for user in &affected {
        sqlx::query("DELETE FROM team_members WHERE user_id = $1 AND source = $2")
            .bind(user)
            .bind(SOURCE)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(previous) = &linked.previous_user {
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(previous)
            .execute(&mut *tx)
            .await?;
    }
    if before.is_some() {
        sqlx::query("UPDATE users SET issuer = $1, subject = $2, admin = 0 WHERE id = $3")
            .bind(issuer)
            .bind(subject)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO users (id, issuer, subject, name, email, admin, created_at, last_sign_in_at) \
             VALUES ($1, $2, $3, '', '', 0, $4, '')",
        )
        .bind(user_id)
        .bind(issuer)
        .bind(subject)
        .bind(db::now())
        .execute(&mut *tx)
        .await?;
    }
    let before = serde_json::json!({ "identity": before, "identity_user": previous_user });
    let after = serde_json::json!({ "identity": { "issuer": issuer, "subject": subject } });
    audit::record(
        &mut tx,
        audit::Entry {
            actor,
            action: "user.identity_linked",
            subject: &format!("user:{user_id}"),
            before: Some(&before),
            after: Some(&after),
        },
    )
    .await?;
    tx.commit().await?;
    linked.changed = true;
    Ok(linked)
}
