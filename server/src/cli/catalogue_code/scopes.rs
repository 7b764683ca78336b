//! The token's scopes against the writes a plan makes, checked before the
//! first write with the server's own route table (`auth::tokens::rules`),
//! so a token without a scope applies nothing.

use reqwest::Method;

use super::plan::{Action, Plan, Step};
use super::Me;
use crate::auth::tokens::rules;

/// The calls a step makes, for the token's scopes: (method, path, what).
fn calls(step: &Step) -> Vec<(Method, String, String)> {
    let name = &step.event;
    let edit = || {
        (
            Method::PATCH,
            format!("/api/v1/events/{name}"),
            format!("editing {name}"),
        )
    };
    match &step.action {
        Action::NewEvent { .. } => vec![(
            Method::POST,
            "/api/v1/requests/new-event".to_string(),
            format!("proposing {name}"),
        )],
        Action::Pending { .. } => Vec::new(),
        Action::Update { schemas, patch, .. } => {
            let mut out = Vec::new();
            if !schemas.is_empty() {
                out.push((
                    Method::POST,
                    format!("/api/v1/events/{name}/schemas"),
                    format!("registering a schema of {name}"),
                ));
            }
            if patch.is_some() {
                out.push(edit());
            }
            out
        }
        Action::Retire { .. } => vec![edit()],
    }
}

/// Scopes the plan's writes need that the token lacks (from the server's own
/// route table), one line per scope.
pub fn missing(me: &Me, plan: &Plan) -> Vec<String> {
    let Some(token) = &me.token else {
        return Vec::new();
    };
    let mut missing: Vec<(String, Vec<String>)> = Vec::new();
    for step in &plan.steps {
        for (method, path, what) in calls(step) {
            let scope = match rules::required(&method, &path) {
                Some(scope) if token.scopes.contains(&scope) => continue,
                Some(scope) => scope.to_string(),
                None => "(none: a session)".to_string(),
            };
            match missing.iter_mut().find(|(s, _)| *s == scope) {
                Some((_, list)) => list.push(what),
                None => missing.push((scope, vec![what])),
            }
        }
    }
    missing
        .into_iter()
        .map(|(scope, what)| {
            format!(
                "token {} lacks the `{scope}` scope needed for {}",
                token.id,
                what.join(", ")
            )
        })
        .collect()
}
