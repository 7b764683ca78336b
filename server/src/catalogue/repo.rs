//! Catalogue rows: teams, tags and events with their tags, in one transaction each.

use std::collections::{BTreeMap, HashMap};

use sqlx::any::AnyRow;
use sqlx::Row;

use super::model::{EventSpec, Lifecycle, Tag, Team, Volumetrics};
use crate::audit;
use crate::db::{self, Db, DbError};

/// Inserts or updates a team and its members.
pub async fn upsert_team(db: &Db, team: &Team, actor: &str) -> Result<(), DbError> {
    let now = db::now();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO teams (id, name, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (id) DO UPDATE SET name = $2, description = $3, updated_at = $4",
    )
    .bind(&team.id)
    .bind(&team.name)
    .bind(&team.description)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM team_members WHERE team_id = $1")
        .bind(&team.id)
        .execute(&mut *tx)
        .await?;
    for member in &team.members {
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
            .bind(&team.id)
            .bind(member)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        audit::Entry::<(), _> {
            actor,
            action: "team.saved",
            subject: &format!("team:{}", team.id),
            before: None,
            after: Some(team),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn upsert_tag(db: &Db, tag: &Tag, actor: &str) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO tags (name, description, colour, classification) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET description = $2, colour = $3, classification = $4",
    )
    .bind(&tag.name)
    .bind(&tag.description)
    .bind(&tag.colour)
    .bind(i64::from(tag.classification))
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        audit::Entry::<(), _> {
            actor,
            action: "tag.saved",
            subject: &format!("tag:{}", tag.name),
            before: None,
            after: Some(tag),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list_teams(db: &Db) -> Result<Vec<Team>, DbError> {
    let rows = sqlx::query("SELECT id, name, description FROM teams ORDER BY name")
        .fetch_all(db.pool())
        .await?;
    let members = sqlx::query("SELECT team_id, user_id FROM team_members ORDER BY user_id")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            Ok(Team {
                members: members
                    .iter()
                    .filter(|m| m.try_get::<String, _>("team_id").ok().as_deref() == Some(&id))
                    .filter_map(|m| m.try_get("user_id").ok())
                    .collect(),
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                id,
            })
        })
        .collect()
}

pub async fn list_tags(db: &Db) -> Result<Vec<Tag>, DbError> {
    let rows =
        sqlx::query("SELECT name, description, colour, classification FROM tags ORDER BY name")
            .fetch_all(db.pool())
            .await?;
    rows.iter()
        .map(|r| {
            Ok(Tag {
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                colour: r.try_get("colour")?,
                classification: crate::db::flag(r, "classification")?,
            })
        })
        .collect()
}

/// Inserts a new event with its tags, field tags and master availability.
/// A duplicate name or topic is `DbError::Conflict` and changes nothing.
pub async fn insert_event(db: &Db, e: &EventSpec, actor: &str) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    insert_event_in(&mut tx, e, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// `insert_event` inside the caller's transaction (the access workflow adds a
/// proposed event in the transaction that approves it).
pub async fn insert_event_in(tx: &mut db::Tx, e: &EventSpec, actor: &str) -> Result<(), DbError> {
    let now = db::now();
    insert_event_rows(tx, e, &now, &now, &[]).await?;
    audit::record(
        tx,
        audit::Entry::<(), _> {
            actor,
            action: "event.created",
            subject: &format!("event:{}", e.name),
            before: None,
            after: Some(e),
        },
    )
    .await?;
    Ok(())
}

/// The rows of an event (itself, its tags and field tags, its master
/// availability and any mirrors on the same topic), without the audit entry:
/// `insert_event_in` and the search bench's generated catalogue share it.
pub async fn insert_event_rows(
    tx: &mut db::Tx,
    e: &EventSpec,
    created_at: &str,
    updated_at: &str,
    mirrors: &[&str],
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO events (name, title, description, team_id, domain, lifecycle, home_cluster, \
           topic, value_schema, key_schema, messages_per_second, avg_size_bytes, sample_json, \
           contacts_json, partitions, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(&e.name)
    .bind(&e.title)
    .bind(&e.description)
    .bind(&e.team)
    .bind(&e.domain)
    .bind(e.lifecycle.as_str())
    .bind(&e.home_cluster)
    .bind(&e.topic)
    .bind(e.value_schema.as_ref().map(|s| s.to_string()))
    .bind(e.key_schema.as_ref().map(|s| s.to_string()))
    .bind(e.volumetrics.as_ref().map(|v| v.messages_per_second))
    .bind(e.volumetrics.as_ref().map(|v| v.avg_size_bytes))
    .bind(e.sample.as_ref().map(|s| s.to_string()))
    .bind(serde_json::to_string(&e.contacts).unwrap_or_else(|_| "[]".into()))
    .bind(e.partitions)
    .bind(created_at)
    .bind(updated_at)
    .execute(&mut **tx)
    .await?;
    for tag in &e.tags {
        sqlx::query("INSERT INTO event_tags (event_name, tag_name) VALUES ($1, $2)")
            .bind(&e.name)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
    }
    for (path, tags) in &e.field_tags {
        for tag in tags {
            sqlx::query(
                "INSERT INTO field_tags (event_name, field_path, tag_name) VALUES ($1, $2, $3)",
            )
            .bind(&e.name)
            .bind(path)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query(
        "INSERT INTO event_availability (event_name, cluster_id, topic, kind) \
         VALUES ($1, $2, $3, 'master')",
    )
    .bind(&e.name)
    .bind(&e.home_cluster)
    .bind(&e.topic)
    .execute(&mut **tx)
    .await?;
    for cluster in mirrors {
        sqlx::query(
            "INSERT INTO event_availability (event_name, cluster_id, topic, kind) \
             VALUES ($1, $2, $3, 'mirror')",
        )
        .bind(&e.name)
        .bind(*cluster)
        .bind(&e.topic)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn event_exists(db: &Db, name: &str) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE name = $1")
        .bind(name)
        .fetch_one(db.pool())
        .await?;
    Ok(n > 0)
}

/// A stored event with what the event page and the search index need.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub spec: EventSpec,
    pub created_at: String,
    pub updated_at: String,
    /// (cluster id, topic, kind)
    pub availability: Vec<(String, String, String)>,
}

const EVENT_COLUMNS: &str = "name, title, description, team_id, domain, lifecycle, home_cluster, \
    topic, value_schema, key_schema, messages_per_second, avg_size_bytes, sample_json, \
    contacts_json, partitions, created_at, updated_at";

pub async fn get_event(db: &Db, name: &str) -> Result<Option<StoredEvent>, DbError> {
    let row = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(db.pool())
    .await?;
    match row {
        Some(row) => {
            let mut events = with_relations(db, vec![row]).await?;
            Ok(events.pop())
        }
        None => Ok(None),
    }
}

/// Every event at once: for tests and small catalogues (a reindex pages).
pub async fn list_events(db: &Db) -> Result<Vec<StoredEvent>, DbError> {
    list_events_page(db, None, i64::MAX).await
}

/// One page of events in name order, after `after`: what a full reindex
/// reads, so it never holds the whole catalogue in memory.
pub async fn list_events_page(
    db: &Db,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<StoredEvent>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE name > $1 ORDER BY name LIMIT $2"
    ))
    .bind(after.unwrap_or(""))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    with_relations(db, rows).await
}

async fn with_relations(db: &Db, rows: Vec<AnyRow>) -> Result<Vec<StoredEvent>, DbError> {
    // Related rows of the events' name range only (one event for the event
    // page, one page for a reindex), in three queries rather than per event.
    let names: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("name"))
        .collect::<Result<_, _>>()?;
    let (Some(lo), Some(hi)) = (names.iter().min(), names.iter().max()) else {
        return Ok(Vec::new());
    };
    let tags = sqlx::query(
        "SELECT event_name, tag_name FROM event_tags \
         WHERE event_name >= $1 AND event_name <= $2 ORDER BY tag_name",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?;
    let field_tags = sqlx::query(
        "SELECT event_name, field_path, tag_name FROM field_tags \
         WHERE event_name >= $1 AND event_name <= $2 ORDER BY field_path, tag_name",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?;
    let availability = sqlx::query(
        "SELECT event_name, cluster_id, topic, kind FROM event_availability \
         WHERE event_name >= $1 AND event_name <= $2 ORDER BY cluster_id",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(db.pool())
    .await?;
    // Group the related rows by event once: scanning them per event was quadratic.
    let mut tags_of: HashMap<String, Vec<String>> = HashMap::new();
    for t in &tags {
        tags_of
            .entry(t.try_get("event_name")?)
            .or_default()
            .push(t.try_get("tag_name")?);
    }
    let mut field_tags_of: HashMap<String, BTreeMap<String, Vec<String>>> = HashMap::new();
    for ft in &field_tags {
        field_tags_of
            .entry(ft.try_get("event_name")?)
            .or_default()
            .entry(ft.try_get("field_path")?)
            .or_default()
            .push(ft.try_get("tag_name")?);
    }
    let mut availability_of: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    for a in &availability {
        availability_of
            .entry(a.try_get("event_name")?)
            .or_default()
            .push((
                a.try_get("cluster_id")?,
                a.try_get("topic")?,
                a.try_get("kind")?,
            ));
    }
    rows.iter()
        .map(|r| {
            let name: String = r.try_get("name")?;
            let lifecycle: String = r.try_get("lifecycle")?;
            let mps: Option<f64> = r.try_get("messages_per_second")?;
            let size: Option<i64> = r.try_get("avg_size_bytes")?;
            let json = |col: &str| -> Result<Option<serde_json::Value>, DbError> {
                let text: Option<String> = r.try_get(col)?;
                Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
            };
            let contacts: String = r.try_get("contacts_json")?;
            Ok(StoredEvent {
                spec: EventSpec {
                    title: r.try_get("title")?,
                    description: r.try_get("description")?,
                    team: r.try_get("team_id")?,
                    domain: r.try_get("domain")?,
                    lifecycle: Lifecycle::parse(&lifecycle).unwrap_or(Lifecycle::Draft),
                    home_cluster: r.try_get("home_cluster")?,
                    topic: r.try_get("topic")?,
                    tags: tags_of.remove(&name).unwrap_or_default(),
                    field_tags: field_tags_of.remove(&name).unwrap_or_default(),
                    value_schema: json("value_schema")?,
                    key_schema: json("key_schema")?,
                    volumetrics: mps.zip(size).map(|(m, s)| Volumetrics {
                        messages_per_second: m,
                        avg_size_bytes: s,
                    }),
                    sample: json("sample_json")?,
                    contacts: serde_json::from_str(&contacts).unwrap_or_default(),
                    partitions: r.try_get("partitions")?,
                    name: name.clone(),
                },
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                availability: availability_of.remove(&name).unwrap_or_default(),
            })
        })
        .collect()
}

/// Replaces an event's curated metadata and tags, with an audit entry holding
/// before and after, in one transaction.
pub async fn update_event(
    db: &Db,
    before: &EventSpec,
    after: &EventSpec,
    actor: &str,
) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    let changed = sqlx::query(
        "UPDATE events SET title = $2, description = $3, domain = $4, lifecycle = $5, \
         updated_at = $6, contacts_json = $7 WHERE name = $1",
    )
    .bind(&after.name)
    .bind(&after.title)
    .bind(&after.description)
    .bind(&after.domain)
    .bind(after.lifecycle.as_str())
    .bind(db::now())
    .bind(serde_json::to_string(&after.contacts).unwrap_or_else(|_| "[]".into()))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    sqlx::query("DELETE FROM event_tags WHERE event_name = $1")
        .bind(&after.name)
        .execute(&mut *tx)
        .await?;
    for tag in &after.tags {
        sqlx::query("INSERT INTO event_tags (event_name, tag_name) VALUES ($1, $2)")
            .bind(&after.name)
            .bind(tag)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM field_tags WHERE event_name = $1")
        .bind(&after.name)
        .execute(&mut *tx)
        .await?;
    for (path, tags) in &after.field_tags {
        for tag in tags {
            sqlx::query(
                "INSERT INTO field_tags (event_name, field_path, tag_name) VALUES ($1, $2, $3)",
            )
            .bind(&after.name)
            .bind(path)
            .bind(tag)
            .execute(&mut *tx)
            .await?;
        }
    }
    audit::record(
        &mut tx,
        audit::Entry {
            actor,
            action: "event.updated",
            subject: &format!("event:{}", after.name),
            before: Some(before),
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces the event's copy of its value or key schema (the registry holds
/// the versions) and records the change.
pub async fn set_event_schema(
    db: &Db,
    name: &str,
    role: app::schemas::SchemaRole,
    text: &str,
    actor: &str,
) -> Result<(), DbError> {
    let column = match role {
        app::schemas::SchemaRole::Value => "value_schema",
        app::schemas::SchemaRole::Key => "key_schema",
    };
    let mut tx = db.begin().await?;
    let changed = sqlx::query(&format!(
        "UPDATE events SET {column} = $2, updated_at = $3 WHERE name = $1"
    ))
    .bind(name)
    .bind(text)
    .bind(db::now())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(DbError::NotFound);
    }
    audit::record(
        &mut tx,
        audit::Entry::<(), _> {
            actor,
            action: "event.schema_changed",
            subject: &format!("event:{name}"),
            before: None,
            after: Some(&serde_json::json!({ "role": role.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
