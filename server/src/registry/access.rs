//! Who may change what. Reads are open. Writes need a signed-in caller, or
//! `registry.anonymous_writes`; subjects of catalogue events (`<topic>-value`,
//! `<topic>-key`) only their owning team or admins; global settings, and the
//! settings of event subjects, only admins.

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

/// The topic a subject names under Confluent's default TopicNameStrategy.
pub fn topic_of(subject: &str) -> Option<&str> {
    subject
        .strip_suffix("-value")
        .or_else(|| subject.strip_suffix("-key"))
        .filter(|t| !t.is_empty())
}

impl RegistryService {
    /// Decides whether `caller` may make this write; returns the audit actor.
    /// `subject` `None` is the global scope.
    pub(super) async fn authorize(
        &self,
        conn: &mut AnyConnection,
        caller: Option<&Caller>,
        subject: Option<&str>,
        write: Write,
    ) -> Result<String, RegistryError> {
        let Some(subject) = subject else {
            return admin_only(
                caller,
                "Only platform admins may change global registry settings.",
            );
        };
        let events = match topic_of(subject) {
            Some(topic) => repo::events_for_topic(conn, topic).await?,
            None => Vec::new(),
        };
        if events.is_empty() {
            return match caller {
                Some(c) => Ok(c.user_id.clone()),
                None if self.anonymous_writes => Ok(ANONYMOUS.to_string()),
                None => Err(sign_in_first()),
            };
        }
        let event_names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
        if write == Write::Settings {
            return admin_only(
                caller,
                &format!(
                    "Subject '{subject}' belongs to event {}: only platform admins may change its settings.",
                    event_names.join(", ")
                ),
            );
        }
        let Some(caller) = caller else {
            return Err(if self.anonymous_writes {
                RegistryError::Forbidden(format!(
                    "Subject '{subject}' belongs to event {}: sign in as a member of its owning team.",
                    event_names.join(", ")
                ))
            } else {
                sign_in_first()
            });
        };
        match events.iter().find(|(_, team)| !caller.can_curate(team)) {
            None => Ok(caller.user_id.clone()),
            Some((event, team)) => Err(RegistryError::Forbidden(format!(
                "Subject '{subject}' belongs to event {event}: only members of team {team} and \
                 platform admins may change it."
            ))),
        }
    }
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
    fn subjects_name_topics() {
        assert_eq!(topic_of("orders-value"), Some("orders"));
        assert_eq!(topic_of("orders-key"), Some("orders"));
        assert_eq!(topic_of("-value"), None);
        assert_eq!(topic_of("com.acme.Order"), None);
    }

    #[test]
    fn global_settings_need_an_admin() {
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
    }
}
