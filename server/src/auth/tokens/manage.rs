//! Creating, listing and revoking tokens: signed-in users only (a token
//! cannot reach these: `rules` keeps tokens off `/api/v1/tokens`, and server
//! functions never read tokens). Creation and revocation are audited.

use std::collections::HashMap;

use app::access::Application;
use app::auth::Caller;
use app::tokens::{CreatedToken, NewToken, Scope, TokenApplication, TokenState, TokenView};

use super::repo::{self, TokenRow};
use super::{secret, TokenError, TokenService};
use crate::audit::{self, Entry};
use crate::db;

const NAME_MAX: usize = 80;

impl TokenService {
    pub async fn create(
        &self,
        caller: Option<Caller>,
        new: NewToken,
    ) -> Result<CreatedToken, TokenError> {
        let caller = signed_in(caller)?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(TokenError::Invalid(format!(
                "Give the token a name of 1 to {NAME_MAX} characters."
            )));
        }
        if !(1..=app::tokens::MAX_DAYS).contains(&new.expires_in_days) {
            return Err(TokenError::Invalid(format!(
                "A token lives 1 to {} days.",
                app::tokens::MAX_DAYS
            )));
        }
        let mut scopes = new.scopes.clone();
        scopes.sort_by_key(|s| Scope::ALL.iter().position(|a| a == s));
        scopes.dedup();
        if scopes.is_empty() {
            return Err(TokenError::Invalid("Choose at least one scope.".into()));
        }
        let mut tx = self.db.begin().await?;
        let application = match new.application_id.as_deref().map(str::trim) {
            None | Some("") => {
                if scopes.contains(&Scope::Admin) && !caller.admin {
                    return Err(TokenError::Forbidden(
                        "Only platform admins may give a token the admin scope.".into(),
                    ));
                }
                None
            }
            Some(id) => {
                let app = application(&mut tx, id).await?;
                if !caller.can_curate(&app.team) {
                    return Err(TokenError::Forbidden(format!(
                        "Only members of team {} and platform admins make tokens for {}.",
                        app.team, app.name
                    )));
                }
                if let Some(s) = scopes.iter().find(|s| !Scope::FOR_APPLICATIONS.contains(s)) {
                    return Err(TokenError::Invalid(format!(
                        "An application token cannot have the {s} scope (allowed: read, \
                         request, registry:write)."
                    )));
                }
                Some(app)
            }
        };
        let now = time::OffsetDateTime::now_utc();
        let key_id = secret::new_key_id();
        let plain = secret::new_secret();
        let row = TokenRow {
            id: key_id.clone(),
            secret_hash: secret::hash(&plain),
            name: name.to_string(),
            user_id: caller.user_id.clone(),
            application_id: application.as_ref().and_then(|a| a.id.parse().ok()),
            scopes: words(&scopes),
            created_at: db::stamp(now),
            expires_at: db::stamp(now + time::Duration::days(i64::from(new.expires_in_days))),
            last_used_at: None,
            last_used_from: None,
            revoked_at: None,
        };
        repo::insert(&mut tx, &row).await?;
        let token = view(&row, application.as_ref());
        audit::record(
            &mut tx,
            Entry::<(), _> {
                actor: &caller.user_id,
                action: "token.created",
                subject: &subject(&key_id),
                before: None,
                after: Some(&token),
            },
        )
        .await?;
        tx.commit().await.map_err(crate::db::DbError::from)?;
        Ok(CreatedToken {
            bearer: secret::bearer(&key_id, &plain),
            secret: plain,
            token,
        })
    }

    /// The caller's own tokens and their teams' application tokens (all for admins).
    pub async fn list(&self, caller: Option<Caller>) -> Result<Vec<TokenView>, TokenError> {
        let caller = signed_in(caller)?;
        let mut conn = self.db.pool().acquire().await?;
        let apps: HashMap<i64, Application> = crate::access::repo::applications(&mut conn, None)
            .await?
            .into_iter()
            .filter_map(|a| Some((a.id.parse().ok()?, a)))
            .collect();
        let rows = repo::all(&mut conn).await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let app = row.application_id.and_then(|id| apps.get(&id));
                may_manage(&caller, row, app).then(|| view(row, app))
            })
            .collect())
    }

    pub async fn revoke(&self, caller: Option<Caller>, id: &str) -> Result<TokenView, TokenError> {
        let caller = signed_in(caller)?;
        let mut tx = self.db.begin().await?;
        let unknown = || TokenError::NotFound(format!("No token {id}."));
        let mut row = repo::get(&mut tx, id).await?.ok_or_else(unknown)?;
        let app = match row.application_id {
            Some(app_id) => crate::access::repo::application(&mut tx, app_id).await?,
            None => None,
        };
        // Someone else's token is not even confirmed to exist.
        if !may_manage(&caller, &row, app.as_ref()) {
            return Err(unknown());
        }
        let before = view(&row, app.as_ref());
        let now = db::now();
        if repo::revoke(&mut tx, id, &now).await? {
            row.revoked_at = Some(now);
            let after = view(&row, app.as_ref());
            audit::record(
                &mut tx,
                Entry {
                    actor: &caller.user_id,
                    action: "token.revoked",
                    subject: &subject(id),
                    before: Some(&before),
                    after: Some(&after),
                },
            )
            .await?;
            tx.commit().await.map_err(crate::db::DbError::from)?;
            return Ok(after);
        }
        Ok(before)
    }
}

fn signed_in(caller: Option<Caller>) -> Result<Caller, TokenError> {
    caller.ok_or_else(|| TokenError::Unauthenticated("Sign in first.".into()))
}

/// Its creator, members of its application's team, and admins.
fn may_manage(caller: &Caller, row: &TokenRow, app: Option<&Application>) -> bool {
    caller.admin
        || row.user_id == caller.user_id
        || app.is_some_and(|a| caller.teams.contains(&a.team))
}

async fn application(conn: &mut sqlx::AnyConnection, id: &str) -> Result<Application, TokenError> {
    let missing = || TokenError::NotFound(format!("No application {id}."));
    let id: i64 = id.parse().map_err(|_| missing())?;
    crate::access::repo::application(conn, id)
        .await?
        .ok_or_else(missing)
}

pub(super) fn subject(id: &str) -> String {
    format!("token:{id}")
}

pub(super) fn words(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn parse_scopes(words: &str) -> Vec<Scope> {
    words.split_whitespace().filter_map(Scope::parse).collect()
}

pub(super) fn view(row: &TokenRow, app: Option<&Application>) -> TokenView {
    let state = if row.revoked_at.is_some() {
        TokenState::Revoked
    } else if row.expires_at <= db::now() {
        TokenState::Expired
    } else {
        TokenState::Active
    };
    TokenView {
        id: row.id.clone(),
        name: row.name.clone(),
        owner: row.user_id.clone(),
        application: app.map(|a| TokenApplication {
            id: a.id.clone(),
            team: a.team.clone(),
            name: a.name.clone(),
        }),
        scopes: parse_scopes(&row.scopes),
        state,
        created_at: row.created_at.clone(),
        expires_at: row.expires_at.clone(),
        last_used_at: row.last_used_at.clone(),
        last_used_from: row.last_used_from.clone(),
        revoked_at: row.revoked_at.clone(),
    }
}
