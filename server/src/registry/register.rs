//! Registering a schema under a subject: one transaction that locks the
//! subject, reuses the global id of an identical schema, checks compatibility
//! (not in IMPORT mode), adds the version and writes the audit entry.

use std::time::Duration;

use app::auth::Caller;
use serde::Serialize;

use super::access::{import_needs_admin, Grant, Write};
use super::compat::live;
use super::error::RegistryError;
use super::model::{
    validate_schema_id, validate_subject, Mode, NewSchema, Registered, AVRO, MAX_SCHEMA_ID,
};
use super::repo::{self, NewSchemaRow, VersionRow};
use super::schemas::{precheck, Prepared};
use super::service::RegistryService;
use crate::audit;
use crate::db::Tx;

/// Attempts when a concurrent registration took the same id, fingerprint or version.
const ATTEMPTS: u32 = 30;

#[derive(Serialize)]
struct Audited<'a> {
    id: i64,
    version: i32,
    references: &'a [super::model::SchemaReference],
}

impl RegistryService {
    /// Registers `schema` under `subject` and returns its global id and version.
    /// An identical schema already live under the subject returns its existing
    /// id and version and changes nothing.
    pub async fn register(
        &self,
        caller: Option<&Caller>,
        subject: &str,
        schema: &NewSchema,
    ) -> Result<Registered, RegistryError> {
        validate_subject(subject)?;
        if let Some(id) = schema.id {
            validate_schema_id(id)?;
            import_needs_admin(caller)?;
        }
        // Refused callers hear so before their schema is looked at; the
        // decision that counts is taken again under the subject's lock.
        self.authorize_data(caller, subject).await?;
        precheck(&schema.schema, schema.schema_type.as_deref())?;
        let mut attempt = 0;
        loop {
            match self.try_register(caller, subject, schema).await {
                Err(e) if e.is_conflict() && attempt < ATTEMPTS => {
                    attempt += 1;
                    tracing::debug!(subject, attempt, "registration raced another; retrying");
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt % 7) * 3)).await;
                }
                other => return other,
            }
        }
    }

    async fn try_register(
        &self,
        caller: Option<&Caller>,
        subject: &str,
        schema: &NewSchema,
    ) -> Result<Registered, RegistryError> {
        let mut tx = self.db.begin().await?;
        repo::lock_subject(&mut tx, subject).await?;
        let Grant { actor, owners } = self
            .authorize(&mut tx, caller, Some(subject), Write::Data)
            .await?;
        let actor = actor.as_str();
        let prepared = self
            .cache
            .prepare(&mut tx, &schema.schema, &schema.references)
            .await?;
        let versions = repo::versions(&mut tx, subject).await?;
        let known_id = repo::id_by_fingerprint(&mut tx, &prepared.fingerprint).await?;
        if let Some(existing) = existing_version(&versions, known_id, schema) {
            // Nothing changes: the lock row's update is rolled back with the transaction.
            return Ok(existing);
        }
        let mode = self.mode_in_scope(&mut tx, subject).await?;
        check_mode(subject, mode, schema)?;
        let version = next_version(subject, &versions, mode, schema)?;
        if mode != Mode::Import {
            let verdict = self
                .verdict(&mut tx, subject, &prepared.parsed, &live(versions.clone()))
                .await?;
            if !verdict.compatible {
                return Err(RegistryError::Incompatible(format!(
                    "Schema being registered is incompatible with an earlier schema for subject \
                     \"{subject}\", details: {}",
                    verdict.messages.join("; ")
                )));
            }
        }
        let id = schema_id(&mut tx, known_id, schema, &prepared).await?;
        if versions.is_empty() {
            // The first version: the subject belongs to its reserving or
            // registering teams from now on (no-op when already owned).
            repo::add_owners(&mut tx, subject, &owners).await?;
        }
        repo::insert_version(&mut tx, subject, version, id).await?;
        // As Confluent does: older soft-deleted versions of the same schema go for good.
        for old in versions
            .iter()
            .filter(|v| v.deleted && v.schema_id == id && v.version < version)
        {
            if repo::referenced_by(&mut tx, subject, old.version, true, None)
                .await?
                .is_empty()
            {
                repo::hard_delete(&mut tx, subject, old.version).await?;
            }
        }
        let after = Audited {
            id,
            version,
            references: &prepared.references,
        };
        audit::record(
            &mut tx,
            audit::Entry::<(), _> {
                actor,
                action: "schema.registered",
                subject: &format!("schema-subject:{subject}"),
                before: None,
                after: Some(&after),
            },
        )
        .await?;
        tx.commit().await?;
        tracing::info!(subject, id, version, actor, "schema registered");
        Ok(Registered { id, version })
    }
}

/// The live version already holding this schema, if the request does not ask
/// for another id or version.
fn existing_version(
    versions: &[VersionRow],
    known_id: Option<i64>,
    schema: &NewSchema,
) -> Option<Registered> {
    let id = known_id?;
    let row = versions
        .iter()
        .rev()
        .find(|v| !v.deleted && v.schema_id == id)?;
    let same_id = schema.id.is_none_or(|want| want == id);
    let same_version = schema.version.is_none_or(|want| want == row.version);
    (same_id && same_version).then_some(Registered {
        id,
        version: row.version,
    })
}

/// Confluent's mode rules: READONLY refuses; an explicit id needs IMPORT;
/// IMPORT accepts only registrations with an explicit id.
fn check_mode(subject: &str, mode: Mode, schema: &NewSchema) -> Result<(), RegistryError> {
    match (mode, schema.id) {
        (Mode::ReadOnly, _) => Err(RegistryError::NotPermitted(format!(
            "Subject {subject} is in read-only mode"
        ))),
        (Mode::ReadWrite, Some(_)) => Err(RegistryError::NotPermitted(format!(
            "Subject {subject} is not in import mode"
        ))),
        (Mode::Import, None) => Err(RegistryError::NotPermitted(format!(
            "Subject {subject} is not in read-write mode"
        ))),
        _ => Ok(()),
    }
}

fn next_version(
    subject: &str,
    versions: &[VersionRow],
    mode: Mode,
    schema: &NewSchema,
) -> Result<i32, RegistryError> {
    let next = versions.last().map_or(1, |v| v.version.saturating_add(1));
    match schema.version {
        None => Ok(next),
        Some(v) if v < 1 => Err(RegistryError::InvalidVersion(v.to_string())),
        Some(v) if mode == Mode::Import => {
            if versions.iter().any(|row| row.version == v) {
                return Err(RegistryError::NotPermitted(format!(
                    "Subject {subject} already has a version {v}: overwriting it is not permitted"
                )));
            }
            Ok(v)
        }
        Some(v) if v == next => Ok(v),
        Some(_) => Err(RegistryError::InvalidSchema(
            "Version is not one more than previous version".to_string(),
        )),
    }
}

/// The id of this schema: the existing one, the requested one (IMPORT) or a new one.
async fn schema_id(
    tx: &mut Tx,
    known_id: Option<i64>,
    schema: &NewSchema,
    prepared: &Prepared,
) -> Result<i64, RegistryError> {
    if let Some(id) = known_id {
        return match schema.id {
            Some(want) if want != id => Err(RegistryError::NotPermitted(format!(
                "This schema is already registered with id {id}; it cannot also have id {want}"
            ))),
            _ => Ok(id),
        };
    }
    let id = match schema.id {
        Some(want) => {
            validate_schema_id(want)?;
            if repo::schema(tx, want).await?.is_some() {
                return Err(RegistryError::NotPermitted(format!(
                    "Overwrite new schema with id {want} is not permitted."
                )));
            }
            want
        }
        None => repo::allocate_id(tx).await?.ok_or_else(|| {
            RegistryError::NotPermitted(format!("No schema id is left: ids end at {MAX_SCHEMA_ID}"))
        })?,
    };
    Ok(repo::insert_schema(
        tx,
        NewSchemaRow {
            id,
            fingerprint: &prepared.fingerprint,
            schema_type: AVRO,
            text: &schema.schema,
            canonical: &prepared.parsed.canonical,
            references: &prepared.references,
        },
    )
    .await?)
}
