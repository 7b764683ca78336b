//! What the catalogue as code reads from the portal besides single events:
//! a team's (or every) event, open new-event proposals, an event's field
//! tags, and schema sameness.

use std::collections::{BTreeMap, HashMap};

use app::access::{RequestKind, RequestState, RequestView};
use app::catalogue::{EventDetail, EventHit, SearchResponse};

use crate::cli::client::Api;
use crate::cli::failure::Failure;

/// Every event (of `team`), by name, read a page of 100 at a time.
pub async fn list_events(api: &Api, team: Option<&str>) -> Result<Vec<EventHit>, Failure> {
    let mut hits = Vec::new();
    for page in 1.. {
        let mut query = vec![
            ("sort", "name".to_string()),
            ("per_page", "100".to_string()),
            ("page", page.to_string()),
        ];
        if let Some(team) = team {
            query.push(("team", team.to_string()));
        }
        let answer: SearchResponse = api.get(&["events"], &query).await?;
        let done = answer.hits.is_empty();
        hits.extend(answer.hits);
        if done || hits.len() >= answer.total {
            break;
        }
    }
    Ok(hits)
}

/// Event name → id of its new-event request that waits for a decision
/// (among the requests the token can see).
pub async fn open_proposals(api: &Api) -> Result<HashMap<String, String>, Failure> {
    let requests: Vec<RequestView> = api.get(&["requests"], &[]).await?;
    Ok(requests
        .into_iter()
        .filter(|r| r.kind == RequestKind::NewEvent && r.state == RequestState::Submitted)
        .map(|r| (r.event, r.id))
        .collect())
}

/// The field tags an event shows (those on fields of its schemas).
pub fn field_tags(event: &EventDetail) -> BTreeMap<String, Vec<String>> {
    event
        .value_fields
        .iter()
        .chain(&event.key_fields)
        .filter(|f| !f.tags.is_empty())
        .map(|f| {
            let mut tags = f.tags.clone();
            tags.sort();
            tags.dedup();
            (f.path.clone(), tags)
        })
        .collect()
}

/// The event's tags, sorted.
pub fn tags(event: &EventDetail) -> Vec<String> {
    let mut tags: Vec<String> = event.tags.iter().map(|t| t.name.clone()).collect();
    tags.sort();
    tags.dedup();
    tags
}

/// Same schema text as JSON (layout and attribute order aside). Docs and
/// defaults count: the registry's canonical form drops them, but readers
/// of the catalogue see them.
pub fn same_schema(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
