//! `RegistryService`: the schema registry's domain logic, usable from the REST
//! API and from server functions alike. Reads live here; registration,
//! deletion, settings and authorization in the sibling modules.

use sqlx::pool::PoolConnection;
use sqlx::Any;

use super::by_id::ByIdCache;
use super::error::RegistryError;
use super::model::{storable_subject, NewSchema, StoredSchema, SubjectVersion, VersionSpec};
use super::repo::{self, VersionRow};
use super::schemas::{precheck, SchemaCache};
use crate::db::channels::Heard;
use crate::db::Db;

/// The PostgreSQL channel on which replicas announce permanent deletes.
pub const CHANGES_CHANNEL: &str = "switchboard_registry";

pub struct RegistryService {
    pub(super) db: Db,
    /// Writes to subjects no event owns are allowed without signing in.
    pub(super) anonymous_writes: bool,
    pub(super) cache: SchemaCache,
    /// Answers of `schema_by_id`, until a permanent delete.
    pub(super) by_id: ByIdCache,
}

impl RegistryService {
    pub fn new(db: Db, anonymous_writes: bool) -> Self {
        RegistryService {
            db,
            anonymous_writes,
            cache: SchemaCache::default(),
            by_id: ByIdCache::default(),
        }
    }

    /// Empties this replica's by-id cache whenever another replica on the
    /// database deletes permanently (and after a lost connection, when such a
    /// delete may have gone unheard). `None` on SQLite.
    pub fn follow_replicas(self: &std::sync::Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        let me = std::sync::Arc::clone(self);
        crate::db::channels::listen(&self.db, CHANGES_CHANNEL, move |heard| {
            if !matches!(heard, Heard::Listening { reconnected: false }) {
                me.by_id.forget_all();
            }
            async {}
        })
    }

    pub(super) async fn conn(&self) -> Result<PoolConnection<Any>, RegistryError> {
        Ok(self.db.pool().acquire().await?)
    }

    /// Subjects with a live version (or any version with `include_deleted`).
    pub async fn subjects(&self, include_deleted: bool) -> Result<Vec<String>, RegistryError> {
        let mut conn = self.conn().await?;
        Ok(repo::subjects(&mut conn, include_deleted).await?)
    }

    /// Version numbers of a subject, oldest first; 40401 when it has none.
    pub async fn versions(
        &self,
        subject: &str,
        include_deleted: bool,
    ) -> Result<Vec<i32>, RegistryError> {
        known_name(subject)?;
        let mut conn = self.conn().await?;
        let versions: Vec<i32> = repo::versions(&mut conn, subject)
            .await?
            .into_iter()
            .filter(|v| include_deleted || !v.deleted)
            .map(|v| v.version)
            .collect();
        if versions.is_empty() {
            return Err(RegistryError::SubjectNotFound(subject.to_string()));
        }
        Ok(versions)
    }

    /// One version of a subject: 40401 if the subject has none, 40402 if this one is missing.
    pub async fn version(
        &self,
        subject: &str,
        spec: VersionSpec,
        include_deleted: bool,
    ) -> Result<SubjectVersion, RegistryError> {
        let mut conn = self.conn().await?;
        let row = find_version(&mut conn, subject, spec, include_deleted).await?;
        subject_version(&mut conn, subject, row).await
    }

    /// Ids of the live schemas that reference this version.
    pub async fn referenced_by(
        &self,
        subject: &str,
        spec: VersionSpec,
    ) -> Result<Vec<i64>, RegistryError> {
        let mut conn = self.conn().await?;
        let row = find_version(&mut conn, subject, spec, true).await?;
        Ok(repo::referenced_by(&mut conn, subject, row.version, false, None).await?)
    }

    /// A schema by id, while some version (soft-deleted ones included) holds it.
    pub async fn schema_by_id(&self, id: i64) -> Result<StoredSchema, RegistryError> {
        if let Some(found) = self.by_id.get(id) {
            return Ok(found);
        }
        let generation = self.by_id.generation();
        let mut conn = self.conn().await?;
        if repo::versions_of_schema(&mut conn, id).await?.is_empty() {
            return Err(RegistryError::SchemaIdNotFound(id));
        }
        let row = repo::schema(&mut conn, id)
            .await?
            .ok_or(RegistryError::SchemaIdNotFound(id))?;
        let found = StoredSchema {
            id,
            schema_type: row.schema_type,
            schema: row.text,
            references: repo::references(&mut conn, id).await?,
        };
        self.by_id.put(generation, &found);
        Ok(found)
    }

    /// (subject, version) pairs holding schema `id`; 40403 when there are none.
    pub async fn schema_versions(
        &self,
        id: i64,
        include_deleted: bool,
    ) -> Result<Vec<(String, i32)>, RegistryError> {
        let mut conn = self.conn().await?;
        let all = repo::versions_of_schema(&mut conn, id).await?;
        if all.is_empty() {
            return Err(RegistryError::SchemaIdNotFound(id));
        }
        Ok(all
            .into_iter()
            .filter(|(_, _, deleted)| include_deleted || !deleted)
            .map(|(s, v, _)| (s, v))
            .collect())
    }

    /// Subjects holding schema `id`.
    pub async fn schema_subjects(
        &self,
        id: i64,
        include_deleted: bool,
    ) -> Result<Vec<String>, RegistryError> {
        let mut subjects: Vec<String> = self
            .schema_versions(id, include_deleted)
            .await?
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        subjects.dedup();
        Ok(subjects)
    }

    /// Finds `schema` among the subject's versions (`POST /subjects/{s}`): the
    /// latest version holding the same schema (same canonical form and references).
    pub async fn lookup(
        &self,
        subject: &str,
        schema: &NewSchema,
        include_deleted: bool,
    ) -> Result<SubjectVersion, RegistryError> {
        known_name(subject)?;
        let mut conn = self.conn().await?;
        let versions = repo::versions(&mut conn, subject).await?;
        if !versions.iter().any(|v| include_deleted || !v.deleted) {
            return Err(RegistryError::SubjectNotFound(subject.to_string()));
        }
        precheck(&schema.schema, schema.schema_type.as_deref())?;
        let prepared = self
            .cache
            .prepare(&mut conn, &schema.schema, &schema.references)
            .await?;
        let Some(id) = repo::id_by_fingerprint(&mut conn, &prepared.fingerprint).await? else {
            return Err(RegistryError::SchemaNotFound);
        };
        let row = versions
            .into_iter()
            .rev()
            .find(|v| v.schema_id == id && (include_deleted || !v.deleted))
            .ok_or(RegistryError::SchemaNotFound)?;
        subject_version(&mut conn, subject, row).await
    }
}

/// Resolves a version spec: `latest` is the newest live version (or newest of
/// all with `include_deleted`).
pub(super) async fn find_version(
    conn: &mut sqlx::AnyConnection,
    subject: &str,
    spec: VersionSpec,
    include_deleted: bool,
) -> Result<VersionRow, RegistryError> {
    known_name(subject)?;
    let versions = repo::versions(conn, subject).await?;
    let mut visible = versions
        .iter()
        .filter(|v| include_deleted || !v.deleted)
        .copied();
    let found = match spec {
        VersionSpec::Latest => visible.next_back(),
        VersionSpec::Number(n) => visible.find(|v| v.version == n),
    };
    match found {
        Some(row) => Ok(row),
        None if !versions.iter().any(|v| include_deleted || !v.deleted) => {
            Err(RegistryError::SubjectNotFound(subject.to_string()))
        }
        None => Err(RegistryError::VersionNotFound(spec.to_string())),
    }
}

/// A name no subject can have (a NUL byte, which PostgreSQL cannot even
/// compare) names nothing: 40401 without asking the store.
pub(super) fn known_name(subject: &str) -> Result<(), RegistryError> {
    if storable_subject(subject) {
        Ok(())
    } else {
        Err(RegistryError::SubjectNotFound(
            subject.escape_debug().to_string(),
        ))
    }
}

async fn subject_version(
    conn: &mut sqlx::AnyConnection,
    subject: &str,
    row: VersionRow,
) -> Result<SubjectVersion, RegistryError> {
    let schema = repo::schema(conn, row.schema_id)
        .await?
        .ok_or(RegistryError::SchemaIdNotFound(row.schema_id))?;
    Ok(SubjectVersion {
        subject: subject.to_string(),
        version: row.version,
        id: schema.id,
        schema_type: schema.schema_type,
        schema: schema.text,
        references: repo::references(conn, row.schema_id).await?,
        deleted: row.deleted,
    })
}
