//! The registry's SQL. Every function runs on a connection the caller holds
//! (a pool connection for reads, the transaction for writes).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{SchemaReference, MAX_SCHEMA_ID};
use crate::db::{self, DbError};

/// The global compatibility and mode rows use this subject.
pub const GLOBAL: &str = "";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRow {
    pub version: i32,
    pub schema_id: i64,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct SchemaRow {
    pub id: i64,
    pub schema_type: String,
    pub text: String,
}

fn version_row(r: &AnyRow) -> Result<VersionRow, sqlx::Error> {
    Ok(VersionRow {
        version: to_i32(r.try_get::<i64, _>("version")?),
        schema_id: r.try_get("schema_id")?,
        deleted: crate::db::flag(r, "deleted")?,
    })
}

fn to_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Takes the subject's row lock (creating the row): registrations and deletes of
/// one subject run one at a time on both backends, so version numbers and the
/// compatibility check always see the latest committed versions.
pub async fn lock_subject(conn: &mut AnyConnection, subject: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO registry_subjects (subject, writes, created_at) VALUES ($1, 1, $2) \
         ON CONFLICT (subject) DO UPDATE SET writes = registry_subjects.writes + 1",
    )
    .bind(subject)
    .bind(db::now())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn subjects(
    conn: &mut AnyConnection,
    include_deleted: bool,
) -> Result<Vec<String>, DbError> {
    let sql = if include_deleted {
        "SELECT DISTINCT subject FROM registry_versions ORDER BY subject"
    } else {
        "SELECT DISTINCT subject FROM registry_versions WHERE deleted = 0 ORDER BY subject"
    };
    let rows = sqlx::query(sql).fetch_all(conn).await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("subject"))
        .collect::<Result<_, _>>()?)
}

/// Every version of the subject, soft-deleted ones included, oldest first.
pub async fn versions(conn: &mut AnyConnection, subject: &str) -> Result<Vec<VersionRow>, DbError> {
    let rows = sqlx::query(
        "SELECT version, schema_id, deleted FROM registry_versions \
         WHERE subject = $1 ORDER BY version",
    )
    .bind(subject)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(version_row).collect::<Result<_, _>>()?)
}

pub async fn schema(conn: &mut AnyConnection, id: i64) -> Result<Option<SchemaRow>, DbError> {
    let row =
        sqlx::query("SELECT id, schema_type, schema_text FROM registry_schemas WHERE id = $1")
            .bind(id)
            .fetch_optional(conn)
            .await?;
    row.map(|r| -> Result<SchemaRow, DbError> {
        Ok(SchemaRow {
            id: r.try_get("id")?,
            schema_type: r.try_get("schema_type")?,
            text: r.try_get("schema_text")?,
        })
    })
    .transpose()
}

/// Bind parameters per statement of the batched reads below (SQLite allows 999
/// in old builds).
const BATCH: usize = 500;

fn placeholders(n: usize) -> String {
    crate::db::placeholders(1, n)
}

/// (id, text) of those of the schemas `ids` that exist, in one query per
/// [`BATCH`] ids.
pub async fn schema_texts(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, DbError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH) {
        let sql = format!(
            "SELECT id, schema_text FROM registry_schemas WHERE id IN ({})",
            placeholders(chunk.len())
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for r in query.fetch_all(&mut *conn).await? {
            found.push((r.try_get("id")?, r.try_get("schema_text")?));
        }
    }
    Ok(found)
}

/// Those of the schemas `ids` that have references, in one query per [`BATCH`] ids.
pub async fn with_references(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<i64>, DbError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(BATCH) {
        let sql = format!(
            "SELECT DISTINCT schema_id FROM registry_references WHERE schema_id IN ({})",
            placeholders(chunk.len())
        );
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        found.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

pub async fn references(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<SchemaReference>, DbError> {
    let rows = sqlx::query(
        "SELECT name, ref_subject, ref_version FROM registry_references \
         WHERE schema_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SchemaReference {
                name: r.try_get("name")?,
                subject: r.try_get("ref_subject")?,
                version: to_i32(r.try_get::<i64, _>("ref_version")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

pub async fn id_by_fingerprint(
    conn: &mut AnyConnection,
    fingerprint: &str,
) -> Result<Option<i64>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM registry_schemas WHERE fingerprint = $1")
            .bind(fingerprint)
            .fetch_optional(conn)
            .await?,
    )
}

/// The next free id at or after the counter, and the counter moved past it;
/// `None` when no id is left below [`MAX_SCHEMA_ID`]. Imported ids are skipped,
/// never followed: the counter only moves by allocations. The counter row's
/// update comes first, so allocations queue on it on both backends.
pub async fn allocate_id(conn: &mut AnyConnection) -> Result<Option<i64>, DbError> {
    let start: i64 = sqlx::query_scalar(
        "UPDATE registry_id_counter SET next_id = next_id WHERE id = 1 RETURNING next_id",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !(1..=MAX_SCHEMA_ID).contains(&start) {
        return Ok(None);
    }
    // Candidates: the counter itself, and the id after each taken one from
    // there on; the smallest one not taken is the first free id.
    let free: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(c.id) FROM (SELECT CAST($1 AS BIGINT) AS id \
           UNION ALL SELECT s.id + 1 FROM registry_schemas s WHERE s.id >= $1 AND s.id < $2) c \
         WHERE NOT EXISTS (SELECT 1 FROM registry_schemas t WHERE t.id = c.id)",
    )
    .bind(start)
    .bind(MAX_SCHEMA_ID)
    .fetch_one(&mut *conn)
    .await?;
    let Some(id) = free else { return Ok(None) };
    sqlx::query("UPDATE registry_id_counter SET next_id = $1 WHERE id = 1")
        .bind(id + 1)
        .execute(&mut *conn)
        .await?;
    Ok(Some(id))
}

pub struct NewSchemaRow<'a> {
    /// Requested (IMPORT) or from [`allocate_id`].
    pub id: i64,
    pub fingerprint: &'a str,
    pub schema_type: &'a str,
    pub text: &'a str,
    pub canonical: &'a str,
    pub references: &'a [SchemaReference],
}

/// Inserts a schema and its references; a concurrent insert of the same
/// fingerprint or id fails with `DbError::Conflict` (the caller retries).
pub async fn insert_schema(conn: &mut AnyConnection, s: NewSchemaRow<'_>) -> Result<i64, DbError> {
    let id = s.id;
    sqlx::query(
        "INSERT INTO registry_schemas (id, fingerprint, schema_type, schema_text, canonical, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(s.fingerprint)
    .bind(s.schema_type)
    .bind(s.text)
    .bind(s.canonical)
    .bind(db::now())
    .execute(&mut *conn)
    .await?;
    for (position, r) in s.references.iter().enumerate() {
        sqlx::query(
            "INSERT INTO registry_references (schema_id, position, name, ref_subject, ref_version) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(&r.name)
        .bind(&r.subject)
        .bind(i64::from(r.version))
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn insert_version(
    conn: &mut AnyConnection,
    subject: &str,
    version: i32,
    schema_id: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO registry_versions (subject, version, schema_id, deleted, created_at) \
         VALUES ($1, $2, $3, 0, $4)",
    )
    .bind(subject)
    .bind(i64::from(version))
    .bind(schema_id)
    .bind(db::now())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn soft_delete(
    conn: &mut AnyConnection,
    subject: &str,
    version: i32,
) -> Result<(), DbError> {
    sqlx::query("UPDATE registry_versions SET deleted = 1 WHERE subject = $1 AND version = $2")
        .bind(subject)
        .bind(i64::from(version))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn hard_delete(
    conn: &mut AnyConnection,
    subject: &str,
    version: i32,
) -> Result<(), DbError> {
    sqlx::query("DELETE FROM registry_versions WHERE subject = $1 AND version = $2")
        .bind(subject)
        .bind(i64::from(version))
        .execute(conn)
        .await?;
    Ok(())
}

/// Ids of schemas that reference `subject` version `version` and are held by a
/// version (a live one unless `include_deleted`), other than versions of `except_subject`.
pub async fn referenced_by(
    conn: &mut AnyConnection,
    subject: &str,
    version: i32,
    include_deleted: bool,
    except_subject: Option<&str>,
) -> Result<Vec<i64>, DbError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT r.schema_id FROM registry_references r \
         JOIN registry_versions v ON v.schema_id = r.schema_id \
         WHERE r.ref_subject = $1 AND r.ref_version = $2 \
           AND (v.deleted = 0 OR $3 = 1) AND v.subject <> $4 \
         ORDER BY r.schema_id",
    )
    .bind(subject)
    .bind(i64::from(version))
    .bind(i64::from(include_deleted))
    .bind(except_subject.unwrap_or(""))
    .fetch_all(conn)
    .await?;
    Ok(ids)
}

/// (subject, version, deleted) of every version holding schema `id`.
pub async fn versions_of_schema(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Vec<(String, i32, bool)>, DbError> {
    let rows = sqlx::query(
        "SELECT subject, version, deleted FROM registry_versions WHERE schema_id = $1 \
         ORDER BY subject, version",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("subject")?,
                to_i32(r.try_get::<i64, _>("version")?),
                crate::db::flag(r, "deleted")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(DbError::from)
}

/// Whether any subject (or, with `subject`, that one) has a live version.
pub async fn has_live_versions(
    conn: &mut AnyConnection,
    subject: Option<&str>,
) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registry_versions WHERE deleted = 0 AND ($1 = '' OR subject = $1)",
    )
    .bind(subject.unwrap_or(""))
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// A setting row (`registry_config` or `registry_mode`).
#[derive(Debug, Clone, Copy)]
pub enum Setting {
    Compatibility,
    Mode,
}

impl Setting {
    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            Setting::Compatibility => ("registry_config", "compatibility"),
            Setting::Mode => ("registry_mode", "mode"),
        }
    }
}

pub async fn get_setting(
    conn: &mut AnyConnection,
    setting: Setting,
    subject: &str,
) -> Result<Option<String>, DbError> {
    let (table, column) = setting.table_and_column();
    Ok(
        sqlx::query_scalar(&format!("SELECT {column} FROM {table} WHERE subject = $1"))
            .bind(subject)
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn put_setting(
    conn: &mut AnyConnection,
    setting: Setting,
    subject: &str,
    value: &str,
) -> Result<(), DbError> {
    let (table, column) = setting.table_and_column();
    sqlx::query(&format!(
        "INSERT INTO {table} (subject, {column}) VALUES ($1, $2) \
         ON CONFLICT (subject) DO UPDATE SET {column} = $2"
    ))
    .bind(subject)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_setting(
    conn: &mut AnyConnection,
    setting: Setting,
    subject: &str,
) -> Result<(), DbError> {
    let (table, _) = setting.table_and_column();
    sqlx::query(&format!("DELETE FROM {table} WHERE subject = $1"))
        .bind(subject)
        .execute(conn)
        .await?;
    Ok(())
}

/// Topics a subject may belong to: every prefix before a `-` (`orders-value`,
/// `orders-key` and `orders-com.acme.Order` all name topic `orders`; `a-b-value`
/// may be topic `a` or `a-b`).
fn candidate_topics(subject: &str) -> Vec<&str> {
    subject
        .char_indices()
        .filter(|&(i, c)| c == '-' && i > 0)
        .map(|(i, _)| &subject[..i])
        .collect()
}

/// Who reserves a subject: the events on a topic it names, and the open
/// new-event proposals for such a topic, each with its team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// `event billing.invoice` or `proposal 12`.
    pub holder: String,
    pub team: String,
}

pub async fn reservations(
    conn: &mut AnyConnection,
    subject: &str,
) -> Result<Vec<Reservation>, DbError> {
    let topics = candidate_topics(subject);
    if topics.is_empty() {
        return Ok(Vec::new());
    }
    let mut held: Vec<Reservation> = crate::catalogue::facts::events_on_topics(conn, &topics)
        .await?
        .into_iter()
        .map(|(event, team)| Reservation {
            holder: format!("event {event}"),
            team,
        })
        .collect();
    held.extend(
        crate::access::repo::open_proposals_on_topics(conn, &topics)
            .await?
            .into_iter()
            .map(|(id, team)| Reservation {
                holder: format!("proposal {id}"),
                team,
            }),
    );
    held.sort_by(|a, b| a.holder.cmp(&b.holder));
    Ok(held)
}

/// The teams that own a subject (none: nobody claimed it).
pub async fn owners(conn: &mut AnyConnection, subject: &str) -> Result<Vec<String>, DbError> {
    Ok(sqlx::query_scalar(
        "SELECT team_id FROM registry_subject_owners WHERE subject = $1 ORDER BY team_id",
    )
    .bind(subject)
    .fetch_all(conn)
    .await?)
}

/// Records the owners of a subject (its row must exist: take the lock first).
pub async fn add_owners(
    conn: &mut AnyConnection,
    subject: &str,
    teams: &[String],
) -> Result<(), DbError> {
    for team in teams {
        sqlx::query(
            "INSERT INTO registry_subject_owners (subject, team_id) VALUES ($1, $2) \
             ON CONFLICT (subject, team_id) DO NOTHING",
        )
        .bind(subject)
        .bind(team)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_every_topic_before_a_dash() {
        assert_eq!(candidate_topics("orders-value"), vec!["orders"]);
        assert_eq!(candidate_topics("a-b-com.acme.Order"), vec!["a", "a-b"]);
        assert!(candidate_topics("com.acme.Order").is_empty());
        assert!(candidate_topics("-value").is_empty());
    }
}
