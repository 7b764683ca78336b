//! Who may change what. Reads are open. Writes need a signed-in caller, or
//! `registry.anonymous_writes`. A subject naming the topic of an event or of
//! an open new-event proposal (`<topic>-value`, `<topic>-key`,
//! `<topic>-<RecordName>`) is reserved to that team and admins, and only
//! admins change its settings. A subject first registered by a team member is
//! owned by the member's teams: only their members and admins write to it or
//! change its settings. Global settings and IMPORT (choosing ids) are for
//! admins only.

use app::auth::Caller;
use sqlx::AnyConnection;

use super::error::RegistryError;
use super::repo;
use super::service::RegistryService;

/// The audit actor of writes without a signed-in caller.
pub const ANONYMOUS: &str = "anonymous";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Write {
    /// Register or delete versions.
    Data,
    /// Compatibility level or mode.
    Settings,
}

/// A write allowed: who makes it, and the teams that own the subject once its
/// first version is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Grant {
    pub actor: String,
    pub owners: Vec<String>,
}

impl Grant {
    fn to(actor: &str, owners: Vec<String>) -> Self {
        Grant {
            actor: actor.to_string(),
            owners,
        }
    }
}

impl RegistryService {
    /// Decides whether `caller` may make this write. `subject` `None` is the
    /// global scope.
    pub(super) async fn authorize(
        &self,
        conn: &mut AnyConnection,
        caller: Option<&Caller>,
        subject: Option<&str>,
        write: Write,
    ) -> Result<Grant, RegistryError> {
        let Some(subject) = subject else {
            let actor = admin_only(
                caller,
                "Only platform admins may change global registry settings.",
            )?;
            return Ok(Grant::to(&actor, Vec::new()));
        };
        let reservations = repo::reservations(conn, subject).await?;
        if !reservations.is_empty() {
            return self.reserved(caller, subject, &reservations, write);
        }
        let owners = repo::owners(conn, subject).await?;
        if !owners.is_empty() {
            return self.owned(caller, subject, owners);
        }
        match caller {
            Some(c) => Ok(Grant::to(&c.user_id, c.teams.clone())),
            None if self.anonymous_writes => Ok(Grant::to(ANONYMOUS, Vec::new())),
            None => Err(sign_in_first()),
        }
    }

    fn reserved(
        &self,
        caller: Option<&Caller>,
        subject: &str,
        reservations: &[repo::Reservation],
        write: Write,
    ) -> Result<Grant, RegistryError> {
        let holders: Vec<&str> = reservations.iter().map(|r| r.holder.as_str()).collect();
        let holders = holders.join(", ");
        let mut teams: Vec<String> = reservations.iter().map(|r| r.team.clone()).collect();
        teams.sort();
        teams.dedup();
        if write == Write::Settings {
            let actor = admin_only(
                caller,
                &format!(
                    "Subject '{subject}' belongs to {holders}: only platform admins may change \
                     its settings."
                ),
            )?;
            return Ok(Grant::to(&actor, teams));
        }
        let caller = self.signed_in(caller, subject, &holders)?;
        match teams.iter().find(|team| !caller.can_curate(team)) {
            None => Ok(Grant::to(&caller.user_id, teams)),
            Some(team) => Err(RegistryError::Forbidden(format!(
                "Subject '{subject}' belongs to {holders}: only members of team {team} and \
                 platform admins may change it."
            ))),
        }
    }

    fn owned(
        &self,
        caller: Option<&Caller>,
        subject: &str,
        owners: Vec<String>,
    ) -> Result<Grant, RegistryError> {
        let teams = owners.join(", ");
        let caller = self.signed_in(caller, subject, &format!("team {teams}"))?;
        if caller.admin || owners.iter().any(|t| caller.teams.contains(t)) {
            return Ok(Grant::to(&caller.user_id, owners));
        }
        Err(RegistryError::Forbidden(format!(
            "Subject '{subject}' belongs to team {teams}: only its members and platform admins \
             may change it."
        )))
    }

    /// The caller of a write to a subject `holder` owns.
    fn signed_in<'c>(
        &self,
        caller: Option<&'c Caller>,
        subject: &str,
        holder: &str,
    ) -> Result<&'c Caller, RegistryError> {
        match caller {
            Some(c) => Ok(c),
            None if self.anonymous_writes => Err(RegistryError::Forbidden(format!(
                "Subject '{subject}' belongs to {holder}: sign in as a member of its owning team."
            ))),
            None => Err(sign_in_first()),
        }
    }
}

/// IMPORT mode, and registering with a chosen id, are for admins (as in
/// Confluent): an id is global, and one taken cannot be given again.
pub(super) fn import_needs_admin(caller: Option<&Caller>) -> Result<(), RegistryError> {
    admin_only(
        caller,
        "Only platform admins may import schemas with their ids (IMPORT mode).",
    )
    .map(drop)
}

fn sign_in_first() -> RegistryError {
    RegistryError::Unauthenticated(
        "Sign in first: writes to the schema registry need a signed-in user.".to_string(),
    )
}

fn admin_only(caller: Option<&Caller>, why: &str) -> Result<String, RegistryError> {
    match caller {
        None => Err(sign_in_first()),
        Some(c) if c.admin => Ok(c.user_id.clone()),
        Some(_) => Err(RegistryError::Forbidden(why.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_settings_and_imports_need_an_admin() {
        let user = Caller {
            user_id: "u".into(),
            admin: false,
            teams: vec![],
        };
        let admin = Caller {
            admin: true,
            ..user.clone()
        };
        assert!(matches!(
            admin_only(None, "x"),
            Err(RegistryError::Unauthenticated(_))
        ));
        assert!(matches!(
            admin_only(Some(&user), "x"),
            Err(RegistryError::Forbidden(_))
        ));
        assert_eq!(admin_only(Some(&admin), "x").unwrap(), "u");
        assert!(import_needs_admin(Some(&admin)).is_ok());
        assert!(matches!(
            import_needs_admin(Some(&user)),
            Err(RegistryError::Forbidden(_))
        ));
    }
}
