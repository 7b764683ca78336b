//! Catalogue domain types: teams, tags, events.

use serde::{Deserialize, Serialize};

use super::names::{EventName, InvalidName, TopicName};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub colour: String,
    /// Classification tags (pii, confidential, internal, public): one per event.
    #[serde(default)]
    pub classification: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    Draft,
    Published,
    Deprecated,
    Retired,
}

impl Lifecycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Draft => "draft",
            Lifecycle::Published => "published",
            Lifecycle::Deprecated => "deprecated",
            Lifecycle::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Lifecycle> {
        [
            Lifecycle::Draft,
            Lifecycle::Published,
            Lifecycle::Deprecated,
            Lifecycle::Retired,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Volumetrics {
    pub messages_per_second: f64,
    pub avg_size_bytes: i64,
}

/// An event as written to the catalogue (seed, claim or curation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSpec {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub team: String,
    pub domain: String,
    pub lifecycle: Lifecycle,
    pub home_cluster: String,
    pub topic: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Field path → tags (for example `customer.email` → `["pii"]`).
    #[serde(default)]
    pub field_tags: std::collections::BTreeMap<String, Vec<String>>,
    pub value_schema: Option<serde_json::Value>,
    pub key_schema: Option<serde_json::Value>,
    pub volumetrics: Option<Volumetrics>,
    pub sample: Option<serde_json::Value>,
    #[serde(default)]
    pub contacts: Vec<String>,
    pub partitions: Option<i64>,
}

impl EventSpec {
    /// Checks what can be checked without the database.
    pub fn check(&self) -> Result<(EventName, TopicName), InvalidName> {
        let name = EventName::parse(&self.name)?;
        let topic = TopicName::parse(&self.topic)?;
        if self.title.trim().is_empty() || self.title.len() > 200 {
            return Err(InvalidName(format!(
                "event `{}`: the title must be 1-200 characters",
                self.name
            )));
        }
        if self.description.len() > 20_000 {
            return Err(InvalidName(format!(
                "event `{}`: the description is longer than 20,000 characters",
                self.name
            )));
        }
        Ok((name, topic))
    }
}
