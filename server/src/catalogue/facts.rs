//! The catalogue's read API for other modules (access, provision, registry):
//! facts of events, tags and teams, read on the caller's connection or in its
//! transaction. Only the catalogue writes these tables.

use sqlx::{AnyConnection, Row};

use crate::db::DbError;

/// Whether the event carries a classification tag that needs data protection
/// (`pii` or `confidential`, as classification tags of the taxonomy).
pub async fn needs_data_protection(conn: &mut AnyConnection, event: &str) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM event_tags et JOIN tags t ON t.name = et.tag_name \
         WHERE et.event_name = $1 AND t.classification = 1 AND t.name IN ('pii', 'confidential')",
    )
    .bind(event)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

pub async fn team_exists(conn: &mut AnyConnection, team: &str) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM teams WHERE id = $1")
        .bind(team)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// The event using `topic` on `cluster` as master, if any.
pub async fn event_on_topic(
    conn: &mut AnyConnection,
    cluster: &str,
    topic: &str,
) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT name FROM events WHERE home_cluster = $1 AND topic = $2")
            .bind(cluster)
            .bind(topic)
            .fetch_optional(conn)
            .await?,
    )
}

pub async fn event_name_taken(conn: &mut AnyConnection, name: &str) -> Result<bool, DbError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE name = $1")
        .bind(name)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// What a request needs to know of an event.
#[derive(Debug, Clone)]
pub struct EventFacts {
    pub team: String,
    pub home_cluster: String,
    pub topic: String,
    pub lifecycle: String,
}

pub async fn event_facts(
    conn: &mut AnyConnection,
    name: &str,
) -> Result<Option<EventFacts>, DbError> {
    let row =
        sqlx::query("SELECT team_id, home_cluster, topic, lifecycle FROM events WHERE name = $1")
            .bind(name)
            .fetch_optional(conn)
            .await?;
    row.map(|r| {
        Ok(EventFacts {
            team: r.try_get("team_id")?,
            home_cluster: r.try_get("home_cluster")?,
            topic: r.try_get("topic")?,
            lifecycle: r.try_get("lifecycle")?,
        })
    })
    .transpose()
}

/// What reconciliation expects of a live event's home topic.
#[derive(Debug, Clone)]
pub struct LiveTopic {
    pub event: String,
    pub home_cluster: String,
    pub topic: String,
    pub partitions: Option<i64>,
    pub retention_ms: Option<i64>,
}

/// Home topics of published and deprecated events.
pub async fn live_topics(conn: &mut AnyConnection) -> Result<Vec<LiveTopic>, DbError> {
    let rows = sqlx::query(
        "SELECT name, home_cluster, topic, partitions, retention_ms FROM events \
         WHERE lifecycle IN ('published', 'deprecated')",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(LiveTopic {
                event: r.try_get("name")?,
                home_cluster: r.try_get("home_cluster")?,
                topic: r.try_get("topic")?,
                partitions: r.try_get("partitions")?,
                retention_ms: r.try_get("retention_ms")?,
            })
        })
        .collect()
}

/// (event, owning team) of the events whose home topic is one of `topics`.
pub async fn events_on_topics(
    conn: &mut AnyConnection,
    topics: &[&str],
) -> Result<Vec<(String, String)>, DbError> {
    let sql = format!(
        "SELECT name, team_id FROM events WHERE topic IN ({}) ORDER BY name",
        crate::db::placeholders(1, topics.len())
    );
    let mut query = sqlx::query_as(&sql);
    for t in topics {
        query = query.bind(*t);
    }
    Ok(query.fetch_all(conn).await?)
}

/// Where an event is published: its home topic or a mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    pub event: String,
    pub cluster: String,
    pub topic: String,
    pub owning_team: String,
    pub home: bool,
}

/// Every availability, on one cluster or all. Monitoring samples these.
pub async fn availability(
    conn: &mut AnyConnection,
    cluster: Option<&str>,
) -> Result<Vec<Availability>, DbError> {
    let sql = "SELECT a.event_name, a.cluster_id, a.topic, e.team_id, a.kind \
               FROM event_availability a JOIN events e ON e.name = a.event_name";
    let rows: Vec<(String, String, String, String, String)> = match cluster {
        Some(c) => {
            sqlx::query_as(&format!(
                "{sql} WHERE a.cluster_id = $1 ORDER BY a.event_name"
            ))
            .bind(c)
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query_as(&format!("{sql} ORDER BY a.event_name"))
                .fetch_all(conn)
                .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(event, cluster, topic, owning_team, kind)| Availability {
            event,
            cluster,
            topic,
            owning_team,
            home: kind == "master",
        })
        .collect())
}

/// The team owning `event`, if it exists.
pub async fn owning_team(conn: &mut AnyConnection, event: &str) -> Result<Option<String>, DbError> {
    Ok(
        sqlx::query_scalar("SELECT team_id FROM events WHERE name = $1")
            .bind(event)
            .fetch_optional(conn)
            .await?,
    )
}
