//! Wire types of discovery: topics on the clusters that no event covers.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UnclaimedTopic {
    pub cluster: String,
    pub topic: String,
    pub partitions: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Discovery {
    /// When the clusters were last read (RFC 3339), if ever.
    pub refreshed_at: Option<String>,
    pub topics: Vec<UnclaimedTopic>,
    /// Clusters that could not be read, with the reason.
    pub errors: Vec<String>,
    /// Teams a claimed topic may be given to.
    pub teams: Vec<TeamRef>,
}

/// An admin's claim: the topic becomes a draft event owned by `team`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Claim {
    pub cluster: String,
    pub topic: String,
    pub name: String,
    pub title: String,
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TeamRef {
    pub id: String,
    pub name: String,
}
