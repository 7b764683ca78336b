//! Compatibility levels and modes, global (`subject` `None`) and per subject.

use app::auth::Caller;
use serde::Serialize;
use sqlx::AnyConnection;
use switchboard_avro::Level;

use super::access::{import_needs_admin, Write};
use super::error::RegistryError;
use super::model::{level_name, parse_level, validate_subject, Mode};
use super::repo::{self, Setting, GLOBAL};
use super::service::{known_name, RegistryService};
use crate::audit;

#[derive(Serialize)]
struct Value<'a> {
    value: &'a str,
}

impl RegistryService {
    /// The mode in force: the subject's, else the global one, else READWRITE.
    pub(super) async fn mode_in_scope(
        &self,
        conn: &mut AnyConnection,
        subject: &str,
    ) -> Result<Mode, RegistryError> {
        for scope in [subject, GLOBAL] {
            if let Some(name) = repo::get_setting(conn, Setting::Mode, scope).await? {
                return name.parse();
            }
        }
        Ok(Mode::default())
    }

    /// The compatibility level of a subject (40408 when it has none of its own,
    /// unless `default_to_global`) or the global one (BACKWARD when unset).
    pub async fn level(
        &self,
        subject: Option<&str>,
        default_to_global: bool,
    ) -> Result<Level, RegistryError> {
        if let Some(s) = subject {
            known_name(s)?;
        }
        let mut conn = self.conn().await?;
        match subject {
            None => self.level_in_scope(&mut conn, GLOBAL).await,
            Some(s) => match repo::get_setting(&mut conn, Setting::Compatibility, s).await? {
                Some(name) => parse_level(&name),
                None if default_to_global => self.level_in_scope(&mut conn, GLOBAL).await,
                None => Err(RegistryError::SubjectConfigNotFound(s.to_string())),
            },
        }
    }

    /// The mode of a subject (40409 when it has none of its own, unless
    /// `default_to_global`) or the global one (READWRITE when unset).
    pub async fn mode(
        &self,
        subject: Option<&str>,
        default_to_global: bool,
    ) -> Result<Mode, RegistryError> {
        if let Some(s) = subject {
            known_name(s)?;
        }
        let mut conn = self.conn().await?;
        match subject {
            None => self.mode_in_scope(&mut conn, GLOBAL).await,
            Some(s) => match repo::get_setting(&mut conn, Setting::Mode, s).await? {
                Some(name) => name.parse(),
                None if default_to_global => self.mode_in_scope(&mut conn, GLOBAL).await,
                None => Err(RegistryError::SubjectModeNotFound(s.to_string())),
            },
        }
    }

    pub async fn set_level(
        &self,
        caller: Option<&Caller>,
        subject: Option<&str>,
        level: Level,
    ) -> Result<Level, RegistryError> {
        self.write_setting(
            caller,
            subject,
            Setting::Compatibility,
            Some(level_name(level)),
        )
        .await?;
        Ok(level)
    }

    /// Removes a level; returns the one removed (the global default when none was set).
    pub async fn delete_level(
        &self,
        caller: Option<&Caller>,
        subject: Option<&str>,
    ) -> Result<Level, RegistryError> {
        match self
            .write_setting(caller, subject, Setting::Compatibility, None)
            .await?
        {
            Some(name) => parse_level(&name),
            None => Ok(Level::default()),
        }
    }

    /// Sets a mode. Switching to IMPORT needs a scope without live versions,
    /// unless `force` (Confluent's rule: imported ids must not clash).
    pub async fn set_mode(
        &self,
        caller: Option<&Caller>,
        subject: Option<&str>,
        mode: Mode,
        force: bool,
    ) -> Result<Mode, RegistryError> {
        if mode == Mode::Import {
            import_needs_admin(caller)?;
        }
        if mode == Mode::Import && !force {
            let occupied = {
                let mut conn = self.conn().await?;
                let current = self
                    .mode_in_scope(&mut conn, subject.unwrap_or(GLOBAL))
                    .await?;
                current != Mode::Import && repo::has_live_versions(&mut conn, subject).await?
            };
            if occupied {
                // Authorization first: a refusal must not reveal more than a 403 would.
                self.authorize_setting(caller, subject).await?;
                return Err(RegistryError::NotPermitted(
                    "Cannot import since found existing subjects".to_string(),
                ));
            }
        }
        self.write_setting(caller, subject, Setting::Mode, Some(mode.as_str()))
            .await?;
        Ok(mode)
    }

    /// Removes a mode; returns the one removed (READWRITE when no global one was set).
    pub async fn delete_mode(
        &self,
        caller: Option<&Caller>,
        subject: Option<&str>,
    ) -> Result<Mode, RegistryError> {
        match self
            .write_setting(caller, subject, Setting::Mode, None)
            .await?
        {
            Some(name) => name.parse(),
            None => Ok(Mode::default()),
        }
    }

    async fn authorize_setting(
        &self,
        caller: Option<&Caller>,
        subject: Option<&str>,
    ) -> Result<String, RegistryError> {
        if let Some(s) = subject {
            validate_subject(s)?;
        }
        let mut conn = self.conn().await?;
        Ok(self
            .authorize(&mut conn, caller, subject, Write::Settings)
            .await?
            .actor)
    }

    /// Puts (`Some`) or deletes (`None`) a setting with its audit entry; returns
    /// the previous value. Deleting a subject setting that is not there is 40401.
    async fn write_setting(
        &self,
        caller: Option<&Caller>,
        subject: Option<&str>,
        setting: Setting,
        value: Option<&str>,
    ) -> Result<Option<String>, RegistryError> {
        let actor = self.authorize_setting(caller, subject).await?;
        let scope = subject.unwrap_or(GLOBAL);
        let mut tx = self.db.begin().await?;
        // The first statement writes: it serialises with other writers on SQLite too.
        repo::lock_subject(&mut tx, scope).await?;
        let before = repo::get_setting(&mut tx, setting, scope).await?;
        match value {
            Some(v) => repo::put_setting(&mut tx, setting, scope, v).await?,
            None if before.is_none() && subject.is_some() => {
                return Err(RegistryError::SubjectNotFound(scope.to_string()));
            }
            None => repo::delete_setting(&mut tx, setting, scope).await?,
        }
        let (action, audit_subject) = match (setting, subject) {
            (Setting::Compatibility, Some(s)) => {
                ("schema.config_changed", format!("schema-subject:{s}"))
            }
            (Setting::Compatibility, None) => {
                ("schema.config_changed", "schema-registry".to_string())
            }
            (Setting::Mode, Some(s)) => ("schema.mode_changed", format!("schema-subject:{s}")),
            (Setting::Mode, None) => ("schema.mode_changed", "schema-registry".to_string()),
        };
        audit::record(
            &mut tx,
            audit::Entry {
                actor: &actor,
                action,
                subject: &audit_subject,
                before: before.as_deref().map(|value| Value { value }).as_ref(),
                after: value.map(|value| Value { value }).as_ref(),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            subject = scope,
            ?setting,
            ?value,
            actor,
            "registry setting changed"
        );
        Ok(before)
    }
}
