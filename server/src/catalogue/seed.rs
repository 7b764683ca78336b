//! The demo catalogue (a telecom's event mesh), seeded at start with `--demo`:
//! teams, the tag taxonomy, events, and their topics created on the demo brokers,
//! plus a few topics that no event covers, for discovery.

use super::CatalogueError;
use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::model::{EventSpec, Tag, Team};
use super::repo;
use crate::clusters;
use crate::db::Db;
use crate::kafka::{self, TopicSpec};

const CATALOGUE: &str = include_str!("../../demo/catalogue.json");

#[derive(Debug, Deserialize)]
pub struct DemoCatalogue {
    pub teams: Vec<Team>,
    pub tags: Vec<Tag>,
    pub events: Vec<EventSpec>,
    pub unclaimed_topics: Vec<UnclaimedTopic>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UnclaimedTopic {
    pub cluster: String,
    pub topic: String,
    pub partitions: i32,
}

pub fn demo_catalogue() -> Result<DemoCatalogue, serde_json::Error> {
    serde_json::from_str(CATALOGUE)
}

/// What seeding did.
#[derive(Debug, Default)]
pub struct Seeded {
    pub events_added: usize,
    pub topics_created: usize,
}

/// Seeds the database and creates the topics on the demo brokers.
pub async fn seed(db: &Db, topic_timeout: Duration) -> Result<Seeded, CatalogueError> {
    let events_added = seed_database(db).await?;
    let topics_created = create_demo_topics(db, topic_timeout).await?;
    Ok(Seeded {
        events_added,
        topics_created,
    })
}

/// Adds what is missing; never overwrites an event that exists (it may have
/// been curated since). Safe to run at every start. Returns the events added.
pub async fn seed_database(db: &Db) -> Result<usize, CatalogueError> {
    let catalogue = demo_catalogue().map_err(|e| CatalogueError::Demo(e.to_string()))?;
    let mut added = 0;
    let known_teams = repo::list_teams(db).await?;
    for team in &catalogue.teams {
        if !known_teams.iter().any(|t| t.id == team.id) {
            repo::upsert_team(db, team, "demo-seed").await?;
        }
    }
    let known_tags = repo::list_tags(db).await?;
    for tag in &catalogue.tags {
        if !known_tags.iter().any(|t| t.name == tag.name) {
            repo::upsert_tag(db, tag, "demo-seed").await?;
        }
    }
    for event in &catalogue.events {
        event
            .check()
            .map_err(|e| CatalogueError::Demo(format!("event `{}`: {}", event.name, e.0)))?;
        if !repo::event_exists(db, &event.name).await? {
            repo::insert_event(db, event, "demo-seed").await?;
            added += 1;
        }
    }
    Ok(added)
}

/// Creates every demo event's topic, and the unclaimed ones, on its cluster.
/// Existing topics are left alone. Returns how many topics were asked for.
pub async fn create_demo_topics(db: &Db, timeout: Duration) -> Result<usize, CatalogueError> {
    let catalogue = demo_catalogue().map_err(|e| CatalogueError::Demo(e.to_string()))?;
    let mut topics: BTreeMap<String, Vec<TopicSpec>> = BTreeMap::new();
    for event in &catalogue.events {
        topics
            .entry(event.home_cluster.clone())
            .or_default()
            .push(TopicSpec {
                name: event.topic.clone(),
                partitions: event
                    .partitions
                    .and_then(|p| i32::try_from(p).ok())
                    .unwrap_or(3),
                replication: 1,
            });
    }
    for extra in &catalogue.unclaimed_topics {
        topics
            .entry(extra.cluster.clone())
            .or_default()
            .push(TopicSpec {
                name: extra.topic.clone(),
                partitions: extra.partitions,
                replication: 1,
            });
    }
    let mut created = 0;
    for (cluster_id, specs) in topics {
        let Some(cluster) = clusters::get(db, &cluster_id).await? else {
            tracing::warn!(cluster = %cluster_id, "demo catalogue names an unknown cluster");
            continue;
        };
        kafka::create_topics(&cluster.connection(), &specs, timeout).await?;
        created += specs.len();
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalogue_is_complete_and_consistent() {
        let c = demo_catalogue().expect("demo catalogue parses");
        assert!(c.events.len() >= 40, "{} events", c.events.len());
        assert!(c.teams.len() >= 6);
        let teams_used: std::collections::BTreeSet<_> = c.events.iter().map(|e| &e.team).collect();
        assert!(teams_used.len() >= 6);
        for e in &c.events {
            e.check().unwrap_or_else(|err| panic!("{}: {err}", e.name));
            assert!(
                c.teams.iter().any(|t| t.id == e.team),
                "{}: unknown team",
                e.name
            );
            for tag in e.tags.iter().chain(e.field_tags.values().flatten()) {
                assert!(
                    c.tags.iter().any(|t| &t.name == tag),
                    "{}: unknown tag {tag}",
                    e.name
                );
            }
            let schema = e
                .value_schema
                .as_ref()
                .expect("every demo event has a schema");
            let fields = super::super::schema_tree::field_tree(&schema.to_string())
                .unwrap_or_else(|err| panic!("{}: {err}", e.name));
            let paths: Vec<String> = super::super::schema_tree::flatten(&fields)
                .into_iter()
                .map(|(p, _)| p)
                .collect();
            for path in e.field_tags.keys() {
                assert!(paths.contains(path), "{}: no field {path}", e.name);
            }
        }
        assert!(c.events.iter().any(|e| e.tags.iter().any(|t| t == "pii")));
        assert!(!c.unclaimed_topics.is_empty());
    }
}
