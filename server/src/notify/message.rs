//! What a notified audit entry says and to whom: pure functions over the
//! request facts the access workflow writes as `after_json`.

use std::collections::BTreeSet;

use serde::Deserialize;

/// `after_json` of `request.*` and `grant.expiring_soon` entries. Every field
/// is optional so that an entry written by an older or newer workflow still
/// notifies whoever it can.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RequestFacts {
    #[serde(default)]
    pub id: Option<serde_json::Value>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub requester: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub event: Option<String>,
    #[serde(default)]
    pub cluster: Option<String>,
    #[serde(default)]
    pub pending_teams: Vec<String>,
    /// Alerts: what fired, and where its chart is.
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
}

impl RequestFacts {
    /// From the entry's after value, else its before value.
    pub fn from_json(after: Option<&str>, before: Option<&str>) -> Option<RequestFacts> {
        [after, before]
            .into_iter()
            .flatten()
            .find_map(|text| serde_json::from_str::<RequestFacts>(text).ok())
    }

    /// The request's id as text (`7` and `"7"` alike).
    pub fn id_text(&self) -> Option<String> {
        match self.id.as_ref()? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// Teams whose members hear about it: the acting team, then pending ones.
    pub fn teams(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in self.team.iter().chain(self.pending_teams.iter()) {
            if !t.is_empty() && !out.contains(t) {
                out.push(t.clone());
            }
        }
        out
    }
}

/// Link of the notification.
pub fn link(action: &str, facts: &RequestFacts) -> String {
    if action == "job.parked" {
        return "/admin#jobs".to_string();
    }
    if action.starts_with("alert.") {
        return facts
            .link
            .clone()
            .filter(|l| l.starts_with('/'))
            .unwrap_or_else(|| "/alerts".to_string());
    }
    match facts.id_text() {
        Some(id) => format!("/requests/{id}"),
        None => "/requests".to_string(),
    }
}

/// One line saying what happened.
pub fn title(action: &str, actor: &str, facts: &RequestFacts) -> String {
    let event = facts.event.as_deref().unwrap_or("an event");
    let on = facts
        .cluster
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| format!(" on {c}"))
        .unwrap_or_default();
    let what = match facts.kind.as_deref() {
        Some("produce") => format!("produce {event}"),
        Some("new_event") => format!("create the event {event}"),
        _ => format!("consume {event}{on}"),
    };
    let requester = facts.requester.as_deref().unwrap_or("someone");
    let summary = facts.summary.as_deref().unwrap_or("a rule");
    match action {
        "alert.firing" => return format!("Alert: {summary}"),
        "alert.resolved" => return format!("Resolved: {summary}"),
        _ => {}
    }
    match action {
        "request.submitted" => format!("{requester} asks to {what}"),
        "request.step_approved" => format!("{actor} approved a step of the request to {what}"),
        "request.approved" => format!("Request to {what} approved"),
        "request.rejected" => format!("Request to {what} rejected by {actor}"),
        "request.cancelled" => format!("Request to {what} cancelled"),
        "request.provisioning" => format!("Access to {what} is being provisioned"),
        "request.active" => format!("Access to {what} is active"),
        "request.failed" => format!("Provisioning of access to {what} failed"),
        "request.revoked" => format!("Access to {what} revoked"),
        "request.expired" => format!("Access to {what} expired"),
        "grant.expiring_soon" => format!("Access to {what} expires soon"),
        "job.parked" => format!(
            "A provisioning job for {what} gave up after its last attempt: retry or cancel it"
        ),
        other => format!("{other}: {what}"),
    }
}

/// The requester and the members of the teams, never the actor, each once.
pub fn recipients(
    actor: &str,
    facts: &RequestFacts,
    team_members: impl IntoIterator<Item = String>,
) -> BTreeSet<String> {
    facts
        .requester
        .iter()
        .cloned()
        .chain(team_members)
        .filter(|u| !u.is_empty() && u != actor)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> RequestFacts {
        RequestFacts::from_json(
            Some(
                r#"{"id":"12","kind":"consume","state":"submitted","requester":"ann",
                "team":"orders","event":"orders.placed","cluster":"aws",
                "pending_teams":["orders","data-protection"]}"#,
            ),
            None,
        )
        .expect("parses")
    }

    #[test]
    fn titles_and_links_name_the_request() {
        let f = facts();
        assert_eq!(
            title("request.submitted", "ann", &f),
            "ann asks to consume orders.placed on aws"
        );
        assert_eq!(
            title("request.rejected", "bob", &f),
            "Request to consume orders.placed on aws rejected by bob"
        );
        assert_eq!(link("request.active", &f), "/requests/12");
        let numeric = RequestFacts {
            id: Some(serde_json::json!(7)),
            ..RequestFacts::default()
        };
        assert_eq!(link("request.active", &numeric), "/requests/7");
        assert_eq!(link("job.parked", &RequestFacts::default()), "/admin#jobs");
    }

    #[test]
    fn teams_are_listed_once_and_the_actor_is_left_out() {
        let f = facts();
        assert_eq!(f.teams(), vec!["orders", "data-protection"]);
        let got = recipients(
            "bob",
            &f,
            ["bob".to_string(), "cat".to_string(), "ann".to_string()],
        );
        assert_eq!(got.into_iter().collect::<Vec<_>>(), vec!["ann", "cat"]);
    }

    #[test]
    fn before_is_used_when_after_is_missing_or_not_json() {
        let f = RequestFacts::from_json(Some("not json"), Some(r#"{"requester":"ann"}"#))
            .expect("before");
        assert_eq!(f.requester.as_deref(), Some("ann"));
        assert!(RequestFacts::from_json(None, None).is_none());
    }
}
