//! Compatibility: the level in force for a subject, and checking a candidate
//! against the versions that level requires.

use sqlx::AnyConnection;
use switchboard_avro::{Direction, Level, ParsedSchema, Violation};

use super::error::RegistryError;
use super::model::{parse_level, validate_stored_subject, NewSchema, Verdict, VersionSpec};
use super::repo::{self, Setting, VersionRow, GLOBAL};
use super::schemas::precheck;
use super::service::{find_version, RegistryService};

/// One line per violation, naming the version it conflicts with.
pub fn describe(violation: &Violation, version: i32) -> String {
    let direction = match violation.direction {
        Direction::Backward => "the new schema cannot read data written with it",
        Direction::Forward => "it cannot read data written with the new schema",
    };
    format!(
        "Incompatible with version {version} ({direction}): {}",
        violation.incompatibility
    )
}

impl RegistryService {
    /// The level in force: the subject's, else the global one, else BACKWARD.
    pub(super) async fn level_in_scope(
        &self,
        conn: &mut AnyConnection,
        subject: &str,
    ) -> Result<Level, RegistryError> {
        for scope in [subject, GLOBAL] {
            if let Some(name) = repo::get_setting(conn, Setting::Compatibility, scope).await? {
                return parse_level(&name);
            }
        }
        Ok(Level::default())
    }

    /// Checks `candidate` against `previous` (live versions, oldest first) under
    /// the subject's level; the messages name each conflicting version.
    pub(super) async fn verdict(
        &self,
        conn: &mut AnyConnection,
        subject: &str,
        candidate: &ParsedSchema,
        previous: &[VersionRow],
    ) -> Result<Verdict, RegistryError> {
        let level = self.level_in_scope(conn, subject).await?;
        if level == Level::None || previous.is_empty() {
            return Ok(Verdict {
                compatible: true,
                messages: Vec::new(),
            });
        }
        let ids: Vec<i64> = previous.iter().map(|row| row.schema_id).collect();
        let parsed = self.cache.stored_all(conn, &ids).await?;
        let messages: Vec<String> = switchboard_avro::check(level, candidate, &parsed)
            .iter()
            .map(|v| {
                let version = previous.get(v.previous_index).map_or(0, |r| r.version);
                describe(v, version)
            })
            .collect();
        Ok(Verdict {
            compatible: messages.is_empty(),
            messages,
        })
    }

    /// `POST /compatibility/subjects/{s}/versions[/{v}]`: with a version, the
    /// candidate is checked against that one; without, against every live
    /// version the level requires. Nothing is stored.
    pub async fn check(
        &self,
        subject: &str,
        version: Option<VersionSpec>,
        schema: &NewSchema,
    ) -> Result<Verdict, RegistryError> {
        validate_stored_subject(subject)?;
        precheck(&schema.schema, schema.schema_type.as_deref())?;
        let mut conn = self.conn().await?;
        let previous: Vec<VersionRow> = match version {
            None => live(repo::versions(&mut conn, subject).await?),
            Some(spec) => match find_version(&mut conn, subject, spec, false).await {
                Ok(row) => vec![row],
                // Like Confluent: `latest` of a subject without versions checks nothing.
                Err(RegistryError::SubjectNotFound(_)) if spec == VersionSpec::Latest => Vec::new(),
                Err(RegistryError::SubjectNotFound(_)) => {
                    return Err(RegistryError::VersionNotFound(spec.to_string()))
                }
                Err(e) => return Err(e),
            },
        };
        let prepared = self
            .cache
            .prepare(&mut conn, &schema.schema, &schema.references)
            .await?;
        self.verdict(&mut conn, subject, &prepared.parsed, &previous)
            .await
    }
}

pub(super) fn live(versions: Vec<VersionRow>) -> Vec<VersionRow> {
    versions.into_iter().filter(|v| !v.deleted).collect()
}
