//! A plan: what `apply` would do to make the portal match a folder, found by
//! reading the portal and running its checks (the new-event check, the
//! schema check), writing nothing. Every problem is collected, so one run
//! reports them all; a plan with problems is never applied.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use app::access::{AccessPolicy, NewEventForm};
use app::catalogue::{EventDetail, EventPatch, TagDef};
use app::schemas::{SchemaCheck, SchemaRole};
use reqwest::Method;
use serde::Serialize;

use super::file::{self, Local};
use super::{portal, Me, Prune};
use crate::cli::client::Api;
use crate::cli::failure::Failure;
use crate::cli::schemas;

pub struct Plan {
    pub steps: Vec<Step>,
    pub problems: Vec<String>,
    /// Said but not refused: scopes `apply` would need that this token (a
    /// plan-only token, say) lacks.
    pub notes: Vec<String>,
    /// Events of the folder that match the portal already.
    pub unchanged: usize,
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub event: String,
    /// The file it comes from; none for a retirement.
    pub file: Option<String>,
    #[serde(flatten)]
    pub action: Action,
}

#[derive(Debug, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Not in the catalogue: a new-event request for the platform to approve.
    NewEvent { request: NewEventForm },
    /// Proposed already; waits for the platform's decision. Nothing to do.
    Pending { request: String },
    /// An existing event's edits (one PATCH) and new schema versions.
    Update {
        changes: Vec<Change>,
        schemas: Vec<SchemaChange>,
        #[serde(skip)]
        patch: Option<EventPatch>,
    },
    /// In the catalogue, missing from the folder (`--prune`): retired.
    Retire {
        changes: Vec<Change>,
        #[serde(skip)]
        patch: EventPatch,
    },
}

#[derive(Debug, Serialize)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize)]
pub struct SchemaChange {
    pub role: SchemaRole,
    /// The portal's verdict: field diff and compatibility.
    pub check: SchemaCheck,
    #[serde(skip)]
    pub text: String,
}

/// What every file's plan needs from the portal, read once.
struct Facts {
    me: Me,
    taxonomy: Vec<TagDef>,
    policy: AccessPolicy,
    open: HashMap<String, String>,
}

/// The plan for `dir`; `for_apply` makes missing scopes problems (notes
/// otherwise: a pull request's plan may run with a lesser token).
pub async fn make(
    api: &Api,
    dir: &Path,
    prune: Option<&Prune>,
    for_apply: bool,
) -> Result<Plan, Failure> {
    let folder = file::read_folder(dir)?;
    let facts = Facts {
        me: api.get(&["me"], &[]).await?,
        taxonomy: api.get(&["tags"], &[]).await?,
        policy: api.get(&["access", "policy"], &[]).await?,
        open: portal::open_proposals(api).await?,
    };
    let mut plan = Plan {
        steps: Vec::new(),
        problems: folder.problems,
        notes: Vec::new(),
        unchanged: 0,
    };
    for local in &folder.files {
        // A file with problems of its own is not compared: its schema may be
        // missing only because it did not parse.
        if folder.broken.contains(&local.path) {
            continue;
        }
        match api
            .find::<EventDetail>(&["events", &local.event.name])
            .await?
        {
            Some(current) => plan_existing(api, &facts, local, &current, &mut plan).await?,
            None => plan_new(api, &facts, local, &mut plan).await?,
        }
    }
    if let Some(prune) = prune {
        let names: BTreeSet<&str> = folder.files.iter().map(|l| l.event.name.as_str()).collect();
        super::prune::plan(api, &facts.me, dir, &names, prune, &mut plan).await?;
    }
    let missing = super::scopes::missing(&facts.me, &plan);
    if for_apply {
        plan.problems.extend(missing);
    } else {
        plan.notes.extend(missing);
    }
    Ok(plan)
}

async fn plan_existing(
    api: &Api,
    facts: &Facts,
    local: &Local,
    current: &EventDetail,
    plan: &mut Plan,
) -> Result<(), Failure> {
    let file = &local.event;
    let before = plan.problems.len();
    // Ownership and placement do not move through files.
    if current.team_id != file.team {
        plan.problems.push(format!(
            "{}: event `{}` belongs to team `{}`, not `{}`: ownership does not change here",
            local.at("team"),
            file.name,
            current.team_id,
            file.team
        ));
    }
    for (key, now, wanted) in [
        ("home_cluster", &current.home_cluster, &file.home_cluster),
        ("topic", &current.topic, &file.topic),
    ] {
        if now != wanted {
            plan.problems.push(format!(
                "{}: `{key}` of `{}` is `{now}`: an event's home cluster and topic do not change (propose a new event)",
                local.at(key),
                file.name
            ));
        }
    }
    if plan.problems.len() > before {
        return Ok(());
    }
    let changes = differences(current, file);
    let new_schemas: Vec<(SchemaRole, &str, &String)> = [
        (
            SchemaRole::Value,
            "schema",
            &local.value_schema,
            &current.value_schema,
        ),
        (
            SchemaRole::Key,
            "key_schema",
            &local.key_schema,
            &current.key_schema,
        ),
    ]
    .into_iter()
    .filter_map(|(role, key, wanted, now)| {
        let text = wanted.as_ref()?;
        let same = now.as_deref().is_some_and(|n| portal::same_schema(n, text));
        (!same).then_some((role, key, text))
    })
    .collect();
    if changes.is_empty() && new_schemas.is_empty() {
        plan.unchanged += 1;
        return Ok(());
    }
    if !facts.me.caller.can_curate(&current.team_id) {
        plan.problems.push(format!(
            "{}: event `{}` belongs to team `{}`: edits need that team's token (this one acts as `{}`)",
            local.at("team"),
            file.name,
            current.team_id,
            facts.me.caller.user_id
        ));
        return Ok(());
    }
    if !changes.is_empty() {
        plan.problems.extend(tag_problems(&facts.taxonomy, local));
    }
    let mut versions = Vec::new();
    for (role, key, text) in new_schemas {
        let check = schemas::check(api, &file.name, role, text).await?;
        match schemas::Verdict::of(&check) {
            schemas::Verdict::Incompatible | schemas::Verdict::Invalid => {
                plan.problems.push(format!(
                    "{}: {}",
                    local.at(key),
                    schemas::describe(&check, role)
                        .trim_end()
                        .replace('\n', "; ")
                ));
            }
            _ => versions.push(SchemaChange {
                role,
                check,
                text: text.clone(),
            }),
        }
    }
    let patch = (!changes.is_empty()).then(|| EventPatch {
        title: file.title.clone(),
        description: file.description.clone(),
        domain: file.domain.clone(),
        lifecycle: file.lifecycle.as_str().to_string(),
        tags: file.tags.clone(),
        field_tags: file.field_tags.clone(),
        contacts: Some(file.contacts.clone()),
    });
    plan.steps.push(Step {
        event: file.name.clone(),
        file: Some(local.path.display().to_string()),
        action: Action::Update {
            changes,
            schemas: versions,
            patch,
        },
    });
    Ok(())
}

/// Field by field, what the file changes.
fn differences(current: &EventDetail, file: &file::EventFile) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut compare = |field: &str, before: String, after: String| {
        if before != after {
            changes.push(Change {
                field: field.to_string(),
                before,
                after,
            });
        }
    };
    compare("title", current.title.clone(), file.title.clone());
    compare(
        "description",
        current.description_markdown.trim_end().to_string(),
        file.description.clone(),
    );
    compare("domain", current.domain.clone(), file.domain.clone());
    compare(
        "lifecycle",
        current.lifecycle.clone(),
        file.lifecycle.as_str().to_string(),
    );
    compare(
        "tags",
        portal::tags(current).join(", "),
        file.tags.join(", "),
    );
    let now = portal::field_tags(current);
    let paths: BTreeSet<&String> = now.keys().chain(file.field_tags.keys()).collect();
    for path in paths {
        let list = |m: &BTreeMap<String, Vec<String>>| m.get(path).map(|t| t.join(", "));
        compare(
            &format!("field_tags.{path}"),
            list(&now).unwrap_or_default(),
            list(&file.field_tags).unwrap_or_default(),
        );
    }
    compare(
        "contacts",
        current.contacts.join(", "),
        file.contacts.join(", "),
    );
    changes
}

/// Tags the portal's taxonomy lacks, and more than one classification.
fn tag_problems(taxonomy: &[TagDef], local: &Local) -> Vec<String> {
    let file = &local.event;
    let known = |t: &String| taxonomy.iter().find(|d| &d.name == t);
    let mut problems = Vec::new();
    for tag in file.tags.iter().filter(|t| known(t).is_none()) {
        problems.push(format!(
            "{}: there is no tag `{tag}` in the portal's taxonomy",
            local.at("tags")
        ));
    }
    let classifications = file
        .tags
        .iter()
        .filter(|t| known(t).is_some_and(|d| d.classification))
        .count();
    if classifications > 1 {
        problems.push(format!(
            "{}: an event carries at most one classification tag",
            local.at("tags")
        ));
    }
    for tag in file.field_tags.values().flatten() {
        if known(tag).is_none() {
            problems.push(format!(
                "{}: there is no tag `{tag}` in the portal's taxonomy",
                local.at("field_tags")
            ));
        }
    }
    problems
}

async fn plan_new(api: &Api, facts: &Facts, local: &Local, plan: &mut Plan) -> Result<(), Failure> {
    let file = &local.event;
    let shown = local.path.display().to_string();
    if let Some(id) = facts.open.get(&file.name) {
        plan.steps.push(Step {
            event: file.name.clone(),
            file: Some(shown),
            action: Action::Pending {
                request: id.clone(),
            },
        });
        return Ok(());
    }
    let Some(schema) = &local.value_schema else {
        plan.problems.push(format!(
            "{shown}: `{}` is not in the catalogue yet, and a new event needs `schema` (its value schema)",
            file.name
        ));
        return Ok(());
    };
    let Some(template) = &file.template else {
        let names: Vec<&str> = facts
            .policy
            .templates
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        plan.problems.push(format!(
            "{shown}: `{}` is not in the catalogue yet, and a new event needs `template` (one of: {})",
            file.name,
            names.join(", ")
        ));
        return Ok(());
    };
    let form = NewEventForm {
        team: file.team.clone(),
        name: file.name.clone(),
        title: file.title.clone(),
        home_cluster: file.home_cluster.clone(),
        topic: file.topic.clone(),
        template: template.clone(),
        value_schema: schema.clone(),
        description: file.description.clone(),
        tags: file.tags.clone(),
    };
    let answer: serde_json::Value = api
        .write(Method::POST, &["requests", "new-event", "check"], &form)
        .await?;
    let problems: Vec<String> = answer["problems"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|p| p.as_str())
                .map(|p| format!("{shown}: {p}"))
                .collect()
        })
        .unwrap_or_default();
    if problems.is_empty() {
        plan.steps.push(Step {
            event: file.name.clone(),
            file: Some(shown),
            action: Action::NewEvent { request: form },
        });
    } else {
        plan.problems.extend(problems);
    }
    Ok(())
}
