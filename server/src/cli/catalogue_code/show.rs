//! A plan for people (a diff: `+` new, `~` changed, `-` retired, `=`
//! waiting) or as JSON. Problems go to stderr as `error:` lines, by the
//! caller.

use serde::Serialize;

use super::plan::{Action, Plan, Step};
use crate::cli::failure::Failure;
use crate::cli::output;
use crate::cli::schemas;

/// One write `apply` made.
#[derive(Debug, Serialize)]
pub struct Applied {
    pub event: String,
    pub done: String,
}

pub fn json(plan: &Plan, applied: Option<&[Applied]>) -> Result<(), Failure> {
    #[derive(Serialize)]
    struct Out<'a> {
        steps: &'a [Step],
        unchanged: usize,
        problems: &'a [String],
        notes: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        applied: Option<&'a [Applied]>,
    }
    output::json(&Out {
        steps: &plan.steps,
        unchanged: plan.unchanged,
        problems: &plan.problems,
        notes: &plan.notes,
        applied,
    })
}

pub fn human(plan: &Plan) {
    for step in &plan.steps {
        out!("{}", describe(step));
    }
    outln!("{}", summary(plan));
    for note in &plan.notes {
        outln!("note: {note}");
    }
}

fn describe(step: &Step) -> String {
    let file = step
        .file
        .as_deref()
        .map(|f| format!("  ({f})"))
        .unwrap_or_default();
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    match &step.action {
        Action::NewEvent { request } => {
            line(format!("+ {}  new-event request{file}", step.event));
            line(format!(
                "    team {}, topic {} on {}, template {}: the platform approves it",
                request.team, request.topic, request.home_cluster, request.template
            ));
        }
        Action::Pending { request } => line(format!(
            "= {}  new-event request {request} waits for the platform's approval{file}",
            step.event
        )),
        Action::Update {
            changes, schemas, ..
        } => {
            line(format!("~ {}{file}", step.event));
            for c in changes {
                line(format!(
                    "    {}: {} → {}",
                    c.field,
                    brief(&c.before),
                    brief(&c.after)
                ));
            }
            for s in schemas {
                for l in schemas::describe(&s.check, s.role).lines() {
                    line(format!("    {l}"));
                }
            }
        }
        Action::Retire { changes, .. } => {
            line(format!("- {}  retired: not in the folder", step.event));
            for c in changes {
                line(format!("    {}: {} → {}", c.field, c.before, c.after));
            }
        }
    }
    out
}

/// A value on one line: quoted, its first line only, at most 60 characters.
fn brief(value: &str) -> String {
    if value.is_empty() {
        return "(none)".to_string();
    }
    let first = value.lines().next().unwrap_or_default();
    let mut shown: String = first.chars().take(60).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    format!("\"{shown}\"")
}

fn summary(plan: &Plan) -> String {
    let count = |f: fn(&Action) -> bool| plan.steps.iter().filter(|s| f(&s.action)).count();
    let new = count(|a| matches!(a, Action::NewEvent { .. }));
    let waiting = count(|a| matches!(a, Action::Pending { .. }));
    let edits = count(|a| matches!(a, Action::Update { patch: Some(_), .. }));
    let versions: usize = plan
        .steps
        .iter()
        .map(|s| match &s.action {
            Action::Update { schemas, .. } => schemas.len(),
            _ => 0,
        })
        .sum();
    let retired = count(|a| matches!(a, Action::Retire { .. }));
    if new + edits + versions + retired == 0 {
        let waits = if waiting > 0 {
            format!("; {waiting} waiting for approval")
        } else {
            String::new()
        };
        return format!(
            "No changes: {} event{} match the portal{waits}.",
            plan.unchanged,
            plural(plan.unchanged)
        );
    }
    format!(
        "Plan: {new} new-event request{}, {edits} edit{}, {versions} schema version{}, {retired} retirement{}; {} unchanged, {waiting} waiting for approval.",
        plural(new),
        plural(edits),
        plural(versions),
        plural(retired),
        plan.unchanged
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
