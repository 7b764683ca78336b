//! Deleting versions and subjects, Confluent's way: a soft delete first (the
//! version is hidden, its schema id keeps working), then `permanent` removes it.
//! A version another subject's live schema references cannot be deleted.

use app::auth::Caller;
use serde::Serialize;

use super::access::{Grant, Write};
use super::error::RegistryError;
use super::model::{validate_stored_subject, Mode, VersionSpec};
use super::repo::{self, Setting};
use super::service::RegistryService;
use crate::audit;
use crate::db::Tx;

#[derive(Serialize)]
struct Deleted<'a> {
    versions: &'a [i32],
    permanent: bool,
}

impl RegistryService {
    /// Deletes one version; returns its number.
    pub async fn delete_version(
        &self,
        caller: Option<&Caller>,
        subject: &str,
        spec: VersionSpec,
        permanent: bool,
    ) -> Result<i32, RegistryError> {
        // Subjects named before names were restricted can still be deleted.
        validate_stored_subject(subject)?;
        let actor = self.authorize_data(caller, subject).await?.actor;
        let mut tx = self.db.begin().await?;
        repo::lock_subject(&mut tx, subject).await?;
        let versions = repo::versions(&mut tx, subject).await?;
        let row = match spec {
            // `latest`: the newest live version; with `permanent`, the newest of all.
            VersionSpec::Latest => versions.iter().rev().find(|v| permanent || !v.deleted),
            VersionSpec::Number(n) => versions.iter().find(|v| v.version == n),
        }
        .copied();
        let Some(row) = row else {
            return Err(if versions.is_empty() {
                RegistryError::SubjectNotFound(subject.to_string())
            } else {
                RegistryError::VersionNotFound(spec.to_string())
            });
        };
        if row.deleted && !permanent {
            return Err(RegistryError::VersionSoftDeleted(
                subject.to_string(),
                row.version,
            ));
        }
        self.refuse_read_only(&mut tx, subject).await?;
        if !repo::referenced_by(&mut tx, subject, row.version, permanent, None)
            .await?
            .is_empty()
        {
            return Err(RegistryError::ReferenceExists(
                subject.to_string(),
                row.version,
            ));
        }
        if permanent && !row.deleted {
            return Err(RegistryError::VersionNotSoftDeleted(
                subject.to_string(),
                row.version,
            ));
        }
        if permanent {
            repo::hard_delete(&mut tx, subject, row.version).await?;
            if versions.len() == 1 {
                forget_settings(&mut tx, subject).await?;
            }
        } else {
            repo::soft_delete(&mut tx, subject, row.version).await?;
        }
        record(
            &mut tx,
            &actor,
            "schema.version_deleted",
            subject,
            &[row.version],
            permanent,
        )
        .await?;
        if permanent {
            announce_permanent_delete(&mut tx).await?;
        }
        tx.commit().await?;
        if permanent {
            self.by_id.forget_all();
        }
        Ok(row.version)
    }

    /// Deletes every version of a subject (soft: the live ones; permanent: the
    /// soft-deleted ones, all of them must be); returns their numbers.
    pub async fn delete_subject(
        &self,
        caller: Option<&Caller>,
        subject: &str,
        permanent: bool,
    ) -> Result<Vec<i32>, RegistryError> {
        // Subjects named before names were restricted can still be deleted.
        validate_stored_subject(subject)?;
        let actor = self.authorize_data(caller, subject).await?.actor;
        let mut tx = self.db.begin().await?;
        repo::lock_subject(&mut tx, subject).await?;
        let versions = repo::versions(&mut tx, subject).await?;
        if versions.is_empty() {
            return Err(RegistryError::SubjectNotFound(subject.to_string()));
        }
        if !permanent && versions.iter().all(|v| v.deleted) {
            return Err(RegistryError::SubjectSoftDeleted(subject.to_string()));
        }
        self.refuse_read_only(&mut tx, subject).await?;
        let doomed: Vec<i32> = versions
            .iter()
            .filter(|v| permanent || !v.deleted)
            .map(|v| v.version)
            .collect();
        for &v in &doomed {
            let others = repo::referenced_by(&mut tx, subject, v, permanent, Some(subject)).await?;
            if !others.is_empty() {
                return Err(RegistryError::ReferenceExists(subject.to_string(), v));
            }
        }
        if permanent && versions.iter().any(|v| !v.deleted) {
            return Err(RegistryError::SubjectNotSoftDeleted(subject.to_string()));
        }
        // Newest first: a version may reference an older one of the same subject.
        for &v in doomed.iter().rev() {
            if permanent {
                repo::hard_delete(&mut tx, subject, v).await?;
            } else {
                repo::soft_delete(&mut tx, subject, v).await?;
            }
        }
        if permanent {
            forget_settings(&mut tx, subject).await?;
        }
        record(
            &mut tx,
            &actor,
            "schema.subject_deleted",
            subject,
            &doomed,
            permanent,
        )
        .await?;
        if permanent {
            announce_permanent_delete(&mut tx).await?;
        }
        tx.commit().await?;
        if permanent {
            self.by_id.forget_all();
        }
        Ok(doomed)
    }

    /// Authorizes on a connection of its own: on SQLite the write transaction
    /// must start with its first write (the subject lock), not with a read.
    pub(super) async fn authorize_data(
        &self,
        caller: Option<&Caller>,
        subject: &str,
    ) -> Result<Grant, RegistryError> {
        let mut conn = self.conn().await?;
        self.authorize(&mut conn, caller, Some(subject), Write::Data)
            .await
    }

    async fn refuse_read_only(&self, tx: &mut Tx, subject: &str) -> Result<(), RegistryError> {
        if self.mode_in_scope(tx, subject).await? == Mode::ReadOnly {
            return Err(RegistryError::NotPermitted(format!(
                "Subject {subject} is in read-only mode"
            )));
        }
        Ok(())
    }
}

/// A subject without versions keeps no settings (Confluent drops them too).
async fn forget_settings(tx: &mut Tx, subject: &str) -> Result<(), RegistryError> {
    repo::delete_setting(tx, Setting::Compatibility, subject).await?;
    repo::delete_setting(tx, Setting::Mode, subject).await?;
    Ok(())
}

async fn record(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    subject: &str,
    versions: &[i32],
    permanent: bool,
) -> Result<(), RegistryError> {
    audit::record(
        tx,
        audit::Entry::<(), _> {
            actor,
            action,
            subject: &format!("schema-subject:{subject}"),
            before: None,
            after: Some(&Deleted {
                versions,
                permanent,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Other replicas on the database empty their by-id caches when this commits.
async fn announce_permanent_delete(tx: &mut crate::db::Tx) -> Result<(), RegistryError> {
    crate::db::channels::announce(tx, super::service::CHANGES_CHANNEL, "permanent_delete").await?;
    Ok(())
}
