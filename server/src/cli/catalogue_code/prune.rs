//! `--prune`: the team's events missing from the folder are retired
//! (lifecycle `retired`), never deleted. Which team: `--team`, or the
//! token's user's one team.

use std::collections::BTreeSet;
use std::path::Path;

use app::catalogue::{EventDetail, EventPatch};

use super::plan::{Action, Change, Plan, Step};
use super::{portal, Me, Prune};
use crate::cli::client::Api;
use crate::cli::failure::Failure;

/// Retirements of the team's events that the folder lacks.
pub async fn plan(
    api: &Api,
    me: &Me,
    dir: &Path,
    names: &BTreeSet<&str>,
    prune: &Prune,
    plan: &mut Plan,
) -> Result<(), Failure> {
    if names.is_empty() {
        plan.problems.push(format!(
            "{}: holds no event files, so --prune would retire every event of the team",
            dir.display()
        ));
        return Ok(());
    }
    let team = match (&prune.team, me.caller.teams.as_slice()) {
        (Some(team), _) => team.clone(),
        (None, [one]) => one.clone(),
        (None, teams) => {
            plan.problems.push(format!(
                "--prune: name the team whose events to retire with --team (the token acts as `{}`, in teams: {})",
                me.caller.user_id,
                if teams.is_empty() { "none".to_string() } else { teams.join(", ") }
            ));
            return Ok(());
        }
    };
    if !me.caller.can_curate(&team) {
        plan.problems.push(format!(
            "--prune: the token acts as `{}`, who may not change team `{team}`'s events",
            me.caller.user_id
        ));
        return Ok(());
    }
    for hit in portal::list_events(api, Some(&team)).await? {
        if names.contains(hit.name.as_str()) || hit.lifecycle == "retired" {
            continue;
        }
        let current: EventDetail = api.get(&["events", &hit.name], &[]).await?;
        let patch = EventPatch {
            title: current.title.clone(),
            description: current.description_markdown.clone(),
            domain: current.domain.clone(),
            lifecycle: "retired".to_string(),
            tags: portal::tags(&current),
            field_tags: portal::field_tags(&current),
            contacts: None,
        };
        plan.steps.push(Step {
            event: hit.name.clone(),
            file: None,
            action: Action::Retire {
                changes: vec![Change {
                    field: "lifecycle".into(),
                    before: current.lifecycle.clone(),
                    after: "retired".into(),
                }],
                patch,
            },
        });
    }
    Ok(())
}
