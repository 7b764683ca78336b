//! Wire types of the event catalogue, shared by pages, server functions and REST.

use serde::{Deserialize, Serialize};

/// Search input; one value per facet (the REST API takes the same names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    pub team: Option<String>,
    pub domain: Option<String>,
    pub tag: Option<String>,
    pub classification: Option<String>,
    pub cluster: Option<String>,
    pub lifecycle: Option<String>,
    /// `relevance` (default), `name` or `updated`.
    pub sort: Option<String>,
    pub page: Option<usize>,
    pub per_page: Option<usize>,
}

pub const FACETS: [(&str, &str); 6] = [
    ("classification", "Classification"),
    ("tag", "Tag"),
    ("team", "Team"),
    ("domain", "Domain"),
    ("cluster", "Cluster"),
    ("lifecycle", "Lifecycle"),
];

impl SearchParams {
    pub fn facet(&self, key: &str) -> Option<&String> {
        match key {
            "team" => self.team.as_ref(),
            "domain" => self.domain.as_ref(),
            "tag" => self.tag.as_ref(),
            "classification" => self.classification.as_ref(),
            "cluster" => self.cluster.as_ref(),
            "lifecycle" => self.lifecycle.as_ref(),
            _ => None,
        }
    }

    pub fn with_facet(&self, key: &str, value: Option<String>) -> SearchParams {
        let mut p = self.clone();
        let slot = match key {
            "team" => &mut p.team,
            "domain" => &mut p.domain,
            "tag" => &mut p.tag,
            "classification" => &mut p.classification,
            "cluster" => &mut p.cluster,
            _ => &mut p.lifecycle,
        };
        *slot = value;
        p.page = None;
        p
    }

    /// The query string of these parameters (for links and the address bar).
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        let mut push = |k: &str, v: &str| {
            if !v.is_empty() {
                parts.push(format!("{k}={}", encode(v)));
            }
        };
        push("q", &self.q);
        for (key, _) in FACETS {
            if let Some(v) = self.facet(key) {
                push(key, v);
            }
        }
        if let Some(s) = &self.sort {
            push("sort", s);
        }
        if let Some(p) = self.page.filter(|p| *p > 1) {
            push("page", &p.to_string());
        }
        parts.join("&")
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TagChip {
    pub name: String,
    pub colour: String,
    pub classification: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventHit {
    pub name: String,
    pub title: String,
    pub team: String,
    pub domain: String,
    pub lifecycle: String,
    pub home_cluster: String,
    pub tags: Vec<TagChip>,
    /// Escaped text with `<mark>` around matches: safe to inject.
    pub snippet_html: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
    pub selected: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FacetGroup {
    pub key: String,
    pub label: String,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<EventHit>,
    pub facets: Vec<FacetGroup>,
    pub notice: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldView {
    pub path: String,
    pub name: String,
    pub depth: usize,
    pub type_label: String,
    pub doc: Option<String>,
    pub default: Option<String>,
    pub logical_type: Option<String>,
    pub tags: Vec<String>,
    pub pii: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Availability {
    pub cluster: String,
    pub topic: String,
    /// `master` on the home cluster, `mirror` elsewhere.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HistoryEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventDetail {
    pub name: String,
    pub title: String,
    /// Sanitised HTML rendered from the Markdown description.
    pub description_html: String,
    pub description_markdown: String,
    pub team_id: String,
    pub team_name: String,
    pub domain: String,
    pub lifecycle: String,
    pub tags: Vec<TagChip>,
    pub home_cluster: String,
    pub topic: String,
    pub availability: Vec<Availability>,
    pub value_fields: Vec<FieldView>,
    pub key_fields: Vec<FieldView>,
    pub value_schema: Option<String>,
    pub key_schema: Option<String>,
    pub messages_per_second: Option<f64>,
    pub avg_size_bytes: Option<i64>,
    pub sample_json: Option<String>,
    pub contacts: Vec<String>,
    pub partitions: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub history: Vec<HistoryEntry>,
    /// Whether the caller may edit it (owner or admin); the server checks again.
    pub can_edit: bool,
    /// The master topic as the home cluster last reported it (cached, never read on the page's path).
    pub live_topic: LiveTopic,
}

/// Why topic facts are not current, and how old they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StaleFacts {
    /// When the cluster last answered (RFC 3339, UTC).
    pub read_at: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LiveTopic {
    Found {
        partitions: usize,
        replication: usize,
        retention_ms: Option<String>,
        cleanup_policy: Option<String>,
        /// Set only while the cluster does not answer: the facts are its last
        /// report. (A time that changed at every read would make the page
        /// re-render for nothing.)
        stale: Option<StaleFacts>,
    },
    /// The cluster answered and has no such topic.
    Missing,
    Unavailable {
        error: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_round_trips_what_is_set() {
        let p = SearchParams {
            q: "customer id".into(),
            tag: Some("pii".into()),
            page: Some(2),
            ..SearchParams::default()
        };
        assert_eq!(p.to_query(), "q=customer+id&tag=pii&page=2");
        let cleared = p.with_facet("tag", None);
        assert_eq!(cleared.to_query(), "q=customer+id");
    }
}

/// What owners and admins may change on an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventPatch {
    pub title: String,
    pub description: String,
    pub domain: String,
    pub lifecycle: String,
    pub tags: Vec<String>,
    /// Field path → tags.
    pub field_tags: std::collections::BTreeMap<String, Vec<String>>,
    /// Who to ask about the event, in order; `None` keeps them (the portal's
    /// editor does not show them; the catalogue as code sets them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TagDef {
    pub name: String,
    pub description: String,
    pub colour: String,
    pub classification: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamDef {
    pub id: String,
    pub name: String,
    pub description: String,
    pub members: Vec<String>,
}
