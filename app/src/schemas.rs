//! Wire types of an event's schemas in the portal: its registry subjects,
//! version history, per-cluster copies, and a proposed new version's check.

use serde::{Deserialize, Serialize};

/// Which of an event's two subjects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SchemaRole {
    Value,
    Key,
}

impl SchemaRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaRole::Value => "value",
            SchemaRole::Key => "key",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SubjectOverview {
    pub role: SchemaRole,
    /// `<topic>-value` or `<topic>-key`.
    pub subject: String,
    /// The compatibility level in force (the subject's own or the global one).
    pub level: String,
    /// Whether `level` is set on the subject itself.
    pub level_is_own: bool,
    /// Oldest first; soft-deleted versions are not listed.
    pub versions: Vec<VersionView>,
    /// Every cluster with a local registry, and what it holds of this subject.
    pub clusters: Vec<ClusterCopy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct VersionView {
    pub version: i64,
    pub id: i64,
    /// Pretty-printed schema JSON.
    pub schema: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ClusterCopy {
    pub cluster: String,
    pub registry_url: String,
    /// The latest version copied there, if any.
    pub version: Option<i64>,
    pub in_sync: bool,
    /// The last propagation error, while it keeps failing.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EventSchemas {
    pub event: String,
    pub subjects: Vec<SubjectOverview>,
    /// Owners and admins may propose versions; the server checks again.
    pub can_propose: bool,
    /// Admins may change compatibility levels; the server checks again.
    pub can_set_level: bool,
    pub levels: Vec<String>,
}

/// A proposed new version of one of an event's schemas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SchemaProposal {
    pub event: String,
    pub role: SchemaRole,
    pub schema: String,
}

/// How a proposal compares with the current version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SchemaCheck {
    /// `None` when the text is not a valid Avro schema (see `error`).
    pub compatible: Option<bool>,
    pub level: String,
    /// Why it is incompatible: where and why, per earlier version.
    pub messages: Vec<String>,
    /// The parser's message for an invalid schema.
    pub error: Option<String>,
    /// Same schema as the latest version: registering changes nothing.
    pub unchanged: bool,
    pub diff: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub path: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Registered {
    pub subject: String,
    pub version: i64,
    pub id: i64,
}
