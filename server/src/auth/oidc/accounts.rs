//! Users from the provider's claims, and their teams and roles from its groups.
//!
//! A user is its (issuer, subject) pair, never a name: sign-ins find the
//! user by that pair, so a renamed account keeps its id. An identity signing
//! in for the first time gets the `preferred_username` claim as its id, else
//! the `email` claim when the provider says it is verified, else the subject;
//! but only if nothing holds that id yet (a user, a team membership, an
//! access request, a notification, a session, `auth.admins`): otherwise it
//! gets `<name>-<8 hex digits of its identity>` and none of what that name
//! holds. Only an admin gives an identity an existing id (`super::link`).
//!
//! Groups map to team memberships (`oidc.teams`), the admin role
//! (`oidc.admin_groups`) and the data-protection team
//! (`oidc.data_protection_groups`). Memberships made this way carry
//! `source = 'oidc'` and follow the groups at each sign-in; memberships made
//! by hand (`manual`) are never removed here.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::audit;
use crate::db::{self, Db, DbError, Tx};

pub const SOURCE: &str = "oidc";

pub struct GroupMapping {
    /// Name of the groups claim.
    pub claim: String,
    pub teams: BTreeMap<String, String>,
    pub admin_groups: Vec<String>,
    pub data_protection_groups: Vec<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Roles {
    pub admin: bool,
    pub teams: BTreeSet<String>,
}

impl GroupMapping {
    pub fn roles(&self, groups: &[String]) -> Roles {
        let has = |list: &[String]| groups.iter().any(|g| list.contains(g));
        let mut teams: BTreeSet<String> = groups
            .iter()
            .filter_map(|g| self.teams.get(g).cloned())
            .collect();
        if has(&self.data_protection_groups) {
            teams.insert(app::auth::DATA_PROTECTION_TEAM.to_string());
        }
        Roles {
            admin: has(&self.admin_groups),
            teams,
        }
    }

    /// The groups claim: a list of strings (or one string); anything else is none.
    pub fn groups(&self, claims: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
        match claims.get(&self.claim) {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        }
    }
}

/// Who the provider says signed in.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub groups: Vec<String>,
}

impl Identity {
    /// The id a new user would like: preferred_username, else an email the
    /// provider says is verified (no claim counts as unverified), else the
    /// subject.
    pub fn user_id(&self) -> Option<String> {
        fn usable(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| valid_id(s))
        }
        usable(&self.preferred_username)
            .or_else(|| self.verified_email().filter(|e| valid_id(e)))
            .or_else(|| Some(self.subject.trim()).filter(|s| valid_id(s)))
            .map(str::to_string)
    }

    /// The email, when the provider says it is verified.
    pub fn verified_email(&self) -> Option<&str> {
        (self.email_verified == Some(true))
            .then(|| self.email.as_deref().map(str::trim))
            .flatten()
    }

    /// The id given when the wished-for one is held: it names this identity,
    /// so the same identity always gets the same one.
    fn fallback_id(&self, wished: &str) -> String {
        let digest = Sha256::digest(format!("{}\n{}", self.issuer, self.subject).as_bytes());
        let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let mut base = wished.to_string();
        while base.len() > 190 {
            base.pop();
        }
        format!("{base}-{tag}")
    }
}

pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 200 && !id.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Whether anything holds this user id already: then a new identity must
/// not get it (it would inherit teams, requests, notifications, the admin role).
async fn held(tx: &mut Tx, id: &str, reserved: &[String]) -> Result<bool, AccountError> {
    if reserved.iter().any(|r| r == id) {
        return Ok(true);
    }
    let found = sqlx::query(
        "SELECT 1 AS one FROM users WHERE id = $1 \
         UNION ALL SELECT 1 FROM team_members WHERE user_id = $1 \
         UNION ALL SELECT 1 FROM requests WHERE requester = $1 \
         UNION ALL SELECT 1 FROM notifications WHERE user_id = $1 \
         UNION ALL SELECT 1 FROM sessions WHERE user_id = $1 \
         LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(found.is_some())
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the user id {0} belongs to another identity")]
    Taken(String),
    #[error("the provider gave no usable user name, email or subject")]
    NoUsableId,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Db(e.into())
    }
}

/// Creates or updates the user and its teams and roles; returns its id.
/// `reserved` are ids held by configuration (`auth.admins`).
pub async fn sign_in(
    db: &Db,
    identity: &Identity,
    mapping: &GroupMapping,
    reserved: &[String],
) -> Result<String, AccountError> {
    let roles = mapping.roles(&identity.groups);
    let now = db::now();
    let mut tx = db.begin().await?;
    let known = sqlx::query("SELECT id, admin FROM users WHERE issuer = $1 AND subject = $2")
        .bind(&identity.issuer)
        .bind(&identity.subject)
        .fetch_optional(&mut *tx)
        .await?;
    let (id, admin_before) = match known {
        Some(row) => (
            row.try_get::<String, _>("id")?,
            crate::db::flag(&row, "admin")?,
        ),
        None => {
            let wished = identity.user_id().ok_or(AccountError::NoUsableId)?;
            let id = if held(&mut tx, &wished, reserved).await? {
                let fallback = identity.fallback_id(&wished);
                if held(&mut tx, &fallback, reserved).await? {
                    return Err(AccountError::Taken(fallback));
                }
                tracing::info!(
                    wished = %wished,
                    user = %fallback,
                    "a new identity's user name is held by another user; it gets its own id"
                );
                fallback
            } else {
                wished
            };
            sqlx::query(
                "INSERT INTO users (id, issuer, subject, name, email, admin, created_at, last_sign_in_at) \
                 VALUES ($1, $2, $3, '', '', 0, $4, $4)",
            )
            .bind(&id)
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            let created = serde_json::json!({
                "id": id,
                "issuer": identity.issuer,
                "subject": identity.subject,
            });
            audit::record(
                &mut tx,
                audit::Entry::<(), _> {
                    actor: &id,
                    action: "user.created",
                    subject: &format!("user:{id}"),
                    before: None,
                    after: Some(&created),
                },
            )
            .await?;
            (id, false)
        }
    };
    sqlx::query(
        "UPDATE users SET name = $1, email = $2, admin = $3, last_sign_in_at = $4 WHERE id = $5",
    )
    .bind(identity.name.clone().unwrap_or_default())
    .bind(identity.verified_email().unwrap_or_default())
    .bind(i64::from(roles.admin))
    .bind(&now)
    .bind(&id)
    .execute(&mut *tx)
    .await?;

    let teams_before = sync_teams(&mut tx, &id, &roles.teams, &now).await?;
    let before = Roles {
        admin: admin_before,
        teams: teams_before,
    };
    let after = Roles {
        admin: roles.admin,
        teams: oidc_teams(&mut tx, &id).await?,
    };
    if before != after {
        audit::record(
            &mut tx,
            audit::Entry {
                actor: &id,
                action: "user.roles_synced",
                subject: &format!("user:{id}"),
                before: Some(&before),
                after: Some(&after),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(id)
}

async fn oidc_teams(tx: &mut Tx, user: &str) -> Result<BTreeSet<String>, AccountError> {
    Ok(
        sqlx::query("SELECT team_id FROM team_members WHERE user_id = $1 AND source = $2")
            .bind(user)
            .bind(SOURCE)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.try_get("team_id"))
            .collect::<Result<_, _>>()?,
    )
}

/// Brings the user's `oidc` memberships in line with `wanted`; returns the
/// `oidc` memberships it had before.
async fn sync_teams(
    tx: &mut Tx,
    user: &str,
    wanted: &BTreeSet<String>,
    now: &str,
) -> Result<BTreeSet<String>, AccountError> {
    let rows = sqlx::query("SELECT team_id, source FROM team_members WHERE user_id = $1")
        .bind(user)
        .fetch_all(&mut **tx)
        .await?;
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    for r in &rows {
        current.insert(r.try_get("team_id")?, r.try_get("source")?);
    }
    let before: BTreeSet<String> = current
        .iter()
        .filter(|(_, source)| *source == SOURCE)
        .map(|(team, _)| team.clone())
        .collect();
    for team in before.difference(wanted) {
        sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 AND source = $3")
            .bind(team)
            .bind(user)
            .bind(SOURCE)
            .execute(&mut **tx)
            .await?;
    }
    for team in wanted.iter().filter(|t| !current.contains_key(*t)) {
        if team == app::auth::DATA_PROTECTION_TEAM {
            // A role more than a team: created the first time someone holds it.
            sqlx::query(
                "INSERT INTO teams (id, name, description, created_at, updated_at) \
                 VALUES ($1, 'Data protection', 'Second approval of personal and confidential data', $2, $2) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(team)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        let exists = sqlx::query("SELECT 1 AS one FROM teams WHERE id = $1")
            .bind(team)
            .fetch_optional(&mut **tx)
            .await?;
        if exists.is_none() {
            tracing::warn!(
                user,
                team = team.as_str(),
                "oidc.teams maps a group to a team that does not exist; membership skipped"
            );
            continue;
        }
        sqlx::query("INSERT INTO team_members (team_id, user_id, source) VALUES ($1, $2, $3)")
            .bind(team)
            .bind(user)
            .bind(SOURCE)
            .execute(&mut **tx)
            .await?;
    }
    Ok(before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_id_names_the_identity() {
        let a = Identity {
            issuer: "https://idp.example".into(),
            subject: "a-1".into(),
            ..Identity::default()
        };
        let b = Identity {
            subject: "b-2".into(),
            ..a.clone()
        };
        let fa = a.fallback_id("alice");
        assert!(
            fa.starts_with("alice-") && fa.len() == "alice-".len() + 8,
            "{fa}"
        );
        assert_eq!(fa, a.fallback_id("alice"));
        assert_ne!(fa, b.fallback_id("alice"));
        assert!(valid_id(&fa));
    }

    fn mapping() -> GroupMapping {
        GroupMapping {
            claim: "groups".into(),
            teams: [("g-crm".to_string(), "crm".to_string())].into(),
            admin_groups: vec!["g-admins".into()],
            data_protection_groups: vec!["g-privacy".into()],
        }
    }

    #[test]
    fn groups_map_to_teams_and_roles() {
        let roles = mapping().roles(&["g-crm".into(), "g-privacy".into(), "other".into()]);
        assert!(!roles.admin);
        assert_eq!(
            roles.teams.into_iter().collect::<Vec<_>>(),
            vec!["crm".to_string(), "data-protection".to_string()]
        );
        assert!(mapping().roles(&["g-admins".into()]).admin);
        assert_eq!(mapping().roles(&[]), Roles::default());
    }

    #[test]
    fn the_groups_claim_is_a_list_or_one_string() {
        let claims = |v: serde_json::Value| {
            serde_json::json!({ "groups": v })
                .as_object()
                .cloned()
                .expect("object")
        };
        let m = mapping();
        assert_eq!(
            m.groups(&claims(serde_json::json!(["a", 1, "b"]))),
            ["a", "b"]
        );
        assert_eq!(m.groups(&claims(serde_json::json!("a"))), ["a"]);
        assert!(m.groups(&claims(serde_json::json!({"a": 1}))).is_empty());
        assert!(m.groups(&serde_json::Map::new()).is_empty());
    }

    #[test]
    fn the_user_id_prefers_username_then_email_then_subject() {
        let mut id = Identity {
            subject: "abc-123".into(),
            preferred_username: Some("alice".into()),
            email: Some("alice@example.com".into()),
            ..Identity::default()
        };
        assert_eq!(id.user_id().as_deref(), Some("alice"));
        id.preferred_username = Some("  ".into());
        // No email_verified claim: the email is not used.
        assert_eq!(id.user_id().as_deref(), Some("abc-123"));
        id.email_verified = Some(true);
        assert_eq!(id.user_id().as_deref(), Some("alice@example.com"));
        id.email_verified = Some(false);
        assert_eq!(id.user_id().as_deref(), Some("abc-123"));
        id.subject = String::new();
        assert_eq!(id.user_id(), None);
    }
}
