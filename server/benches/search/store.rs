//! The generated catalogue in a SQLite database, as the server stores it
//! (`catalogue::repo::insert_event_rows`, without the audit entry), inserted
//! in transactions of many events for speed.

use std::ops::Range;
use std::path::Path;

use switchboard::catalogue::repo;
use switchboard::db::{Db, Tx};
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
    Ok(switchboard::db::stamp(OffsetDateTime::from_unix_timestamp(
        unix,
    )?))
}

async fn insert_event(tx: &mut Tx, event: &GenEvent) -> anyhow::Result<()> {
    let updated = rfc3339(event.updated_at)?;
    let created = rfc3339(event.updated_at - 86_400 * 30)?;
    // The first cluster is the home cluster; the others hold mirrors.
    let mirrors = event.clusters.get(1..).unwrap_or_default();
    repo::insert_event_rows(tx, &event.spec, &created, &updated, mirrors).await?;
    Ok(())
}
