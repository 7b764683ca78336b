//! The generated catalogue in a SQLite database, as the server stores it
//! (rows as `catalogue::repo::insert_event` writes them, minus the audit
//! entry), inserted in transactions of many events for speed.

use std::ops::Range;
use std::path::Path;

use switchboard::catalogue::repo;
use switchboard::db::{Db, Tx};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::corpus::{self, GenEvent};

const BATCH: usize = 1_000;

/// A migrated database with the demo clusters, the teams and the tag taxonomy.
pub async fn open(dir: &Path) -> anyhow::Result<Db> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    switchboard::serve::register_clusters(&db, switchboard::demo::demo_clusters(19092)).await?;
    for team in corpus::teams() {
        repo::upsert_team(&db, &team, "bench").await?;
    }
    for tag in corpus::tags() {
        repo::upsert_tag(&db, &tag, "bench").await?;
    }
    Ok(db)
}

/// Inserts the events numbered `range`.
pub async fn insert(db: &Db, range: Range<usize>) -> anyhow::Result<()> {
    let end = range.end;
    for start in range.step_by(BATCH) {
        let mut tx = db.begin().await?;
        for i in start..(start + BATCH).min(end) {
            insert_event(&mut tx, &corpus::event(i)).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

fn rfc3339(unix: i64) -> anyhow::Result<String> {
    Ok(OffsetDateTime::from_unix_timestamp(unix)?.format(&Rfc3339)?)
}

async fn insert_event(tx: &mut Tx, event: &GenEvent) -> anyhow::Result<()> {
    let e = &event.spec;
    let updated = rfc3339(event.updated_at)?;
    let created = rfc3339(event.updated_at - 86_400 * 30)?;
    let to_text = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
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
    .bind(to_text(&e.value_schema))
    .bind(to_text(&e.key_schema))
    .bind(e.volumetrics.as_ref().map(|v| v.messages_per_second))
    .bind(e.volumetrics.as_ref().map(|v| v.avg_size_bytes))
    .bind(to_text(&e.sample))
    .bind(serde_json::to_string(&e.contacts)?)
    .bind(e.partitions)
    .bind(&created)
    .bind(&updated)
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
    for (n, cluster) in event.clusters.iter().enumerate() {
        let kind = if n == 0 { "master" } else { "mirror" };
        sqlx::query(
            "INSERT INTO event_availability (event_name, cluster_id, topic, kind) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&e.name)
        .bind(*cluster)
        .bind(&e.topic)
        .bind(kind)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
