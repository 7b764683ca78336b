//! What a document is made from, gathered by the service from the modules
//! that own it (catalogue, clusters, registry, access, mesh): plain data, so
//! the documents are built without I/O and tested without a database.

use app::clusters::SecurityView;
use serde_json::Value;

/// A topic on a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub cluster: String,
    pub topic: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFacts {
    pub name: String,
    pub description: String,
}

/// One event as its documents describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFacts {
    pub name: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub team_id: String,
    pub team_name: String,
    pub contacts: Vec<String>,
    pub domain: String,
    pub lifecycle: String,
    /// The event's tags, `pii` among them when any field is personal data.
    pub tags: Vec<TagFacts>,
    /// Paths of value and key fields tagged as personal data.
    pub pii_value_fields: Vec<String>,
    pub pii_key_fields: Vec<String>,
    /// The latest registered versions (the catalogue's copy when the
    /// registry has none yet).
    pub value_schema: Option<Value>,
    pub key_schema: Option<Value>,
    /// The value subject's latest version number, when registered.
    pub version: Option<i64>,
    /// The sample the catalogue keeps, if any.
    pub sample: Option<Value>,
    pub home: Place,
    /// Where mesh links keep a copy of the home topic.
    pub mirrors: Vec<Place>,
    /// Of the home topic, when recorded or reported.
    pub partitions: Option<i64>,
}

impl EventFacts {
    pub fn is_pii(&self) -> bool {
        self.tags.iter().any(|t| t.name == "pii")
    }

    /// The home topic first, then the mirrors.
    pub fn places(&self) -> impl Iterator<Item = &Place> {
        std::iter::once(&self.home).chain(&self.mirrors)
    }
}

/// A cluster as the caller may see it: connection details only for
/// signed-in callers, as the clusters API shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFacts {
    pub id: String,
    pub name: String,
    /// "AWS, eu-west-1 (Apache Kafka)".
    pub summary: String,
    pub bootstrap_servers: Option<String>,
    pub security: Option<SecurityView>,
    /// The cluster's own schema registry, if it has one.
    pub registry_url: Option<String>,
}

/// What an application may do with one event, from one live grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseFacts {
    pub event: String,
    pub place: Place,
    /// `None` for a produce grant.
    pub consumer_group: Option<Group>,
    pub principal: String,
    pub request_id: i64,
    /// `active`, or `pending` while it is being provisioned.
    pub state: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub is_prefix: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationFacts {
    pub id: String,
    pub name: String,
    pub description: String,
    pub team_id: String,
    pub team_name: String,
    /// (cluster, `User:…`).
    pub principals: Vec<(String, String)>,
    pub uses: Vec<UseFacts>,
}

#[cfg(test)]
pub mod fixtures {
    use super::*;
    use serde_json::json;

    /// A PII event on `aws` with a key schema, as the unit tests use it.
    pub fn event() -> EventFacts {
        EventFacts {
            name: "customer.updated".into(),
            title: "Customer Updated".into(),
            description: "A profile changed.".into(),
            team_id: "crm".into(),
            team_name: "CRM".into(),
            contacts: vec!["crm@example.com".into()],
            domain: "customer".into(),
            lifecycle: "published".into(),
            tags: vec![
                TagFacts {
                    name: "pii".into(),
                    description: "Personal data.".into(),
                },
                TagFacts {
                    name: "cdc".into(),
                    description: String::new(),
                },
            ],
            pii_value_fields: vec!["email".into()],
            pii_key_fields: Vec::new(),
            value_schema: Some(json!({
                "type": "record", "name": "CustomerUpdated",
                "fields": [{"name": "email", "type": ["null", "string"], "default": null}]
            })),
            key_schema: Some(json!({"type": "string"})),
            version: Some(3),
            sample: None,
            home: Place {
                cluster: "aws".into(),
                topic: "crm.customer.updated.v1".into(),
            },
            mirrors: Vec::new(),
            partitions: Some(6),
        }
    }
}
