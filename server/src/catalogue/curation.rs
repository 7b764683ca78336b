//! Curation rules: who may change what, and what a valid change is.

use std::collections::BTreeMap;

use app::auth::Caller;
use app::catalogue::{EventPatch, TagDef, TeamDef};
use app::error::{AppError, ErrorCode};

use super::model::{EventSpec, Lifecycle, Tag, Team};
use super::schema_tree;
use crate::auth::require_signed_in;

/// Owners (members of the owning team) and admins; 401 signed out, 403 otherwise.
pub fn require_curator(caller: Option<Caller>, owning_team: &str) -> Result<Caller, AppError> {
    let caller = require_signed_in(caller)?;
    if caller.can_curate(owning_team) {
        Ok(caller)
    } else {
        Err(AppError::new(
            ErrorCode::Forbidden,
            "Only the owning team's members and admins may change this event.",
        ))
    }
}

/// Applies a patch to an event, refusing anything invalid with a clear message.
pub fn apply(
    current: &EventSpec,
    patch: EventPatch,
    taxonomy: &[Tag],
) -> Result<EventSpec, AppError> {
    let lifecycle = Lifecycle::parse(&patch.lifecycle).ok_or_else(|| {
        AppError::invalid(format!(
            "lifecycle `{}` is not one of draft, published, deprecated, retired",
            patch.lifecycle
        ))
    })?;
    let domain = patch.domain.trim().to_string();
    if domain.is_empty() || domain.len() > 60 {
        return Err(AppError::invalid("the domain must be 1-60 characters"));
    }
    let known = |t: &String| taxonomy.iter().find(|d| &d.name == t);
    let mut tags = patch.tags;
    tags.sort();
    tags.dedup();
    if let Some(unknown) = tags.iter().find(|t| known(t).is_none()) {
        return Err(AppError::invalid(format!(
            "there is no tag `{unknown}` in the taxonomy"
        )));
    }
    let classifications = tags
        .iter()
        .filter(|t| known(t).is_some_and(|d| d.classification))
        .count();
    if classifications > 1 {
        return Err(AppError::invalid(
            "an event carries at most one classification tag",
        ));
    }
    let paths: Vec<String> = current
        .value_schema
        .iter()
        .chain(current.key_schema.iter())
        .filter_map(|s| schema_tree::field_tree(&s.to_string()).ok())
        .flat_map(|tree| schema_tree::flatten(&tree).into_iter().map(|(p, _)| p))
        .collect();
    let mut field_tags = BTreeMap::new();
    for (path, mut ftags) in patch.field_tags {
        ftags.sort();
        ftags.dedup();
        if ftags.is_empty() {
            continue;
        }
        if !paths.contains(&path) {
            return Err(AppError::invalid(format!(
                "the schema has no field `{path}`"
            )));
        }
        if let Some(unknown) = ftags.iter().find(|t| known(t).is_none()) {
            return Err(AppError::invalid(format!(
                "there is no tag `{unknown}` in the taxonomy"
            )));
        }
        field_tags.insert(path, ftags);
    }
    let contacts = match patch.contacts {
        Some(list) => contacts(list)?,
        None => current.contacts.clone(),
    };
    let next = EventSpec {
        title: patch.title.trim().to_string(),
        description: patch.description,
        domain,
        lifecycle,
        tags,
        field_tags,
        contacts,
        ..current.clone()
    };
    next.check().map_err(|e| AppError::invalid(e.0))?;
    Ok(next)
}

/// Contacts trimmed, in the order given, each once: 1-200 characters of
/// text (an e-mail address, a user id, a channel), at most 20.
fn contacts(list: Vec<String>) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for c in list {
        let c = c.trim().to_string();
        if c.is_empty() || c.chars().count() > 200 || c.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "a contact is 1-200 characters on one line",
            ));
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.len() > 20 {
        return Err(AppError::invalid("an event has at most 20 contacts"));
    }
    Ok(out)
}

pub fn tag_from(def: TagDef) -> Result<Tag, AppError> {
    let name = def.name.trim().to_lowercase();
    if name.is_empty()
        || name.len() > 40
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AppError::invalid(
            "a tag name is 1-40 characters: lowercase letters, digits and '-'",
        ));
    }
    let colour = def.colour.trim().to_string();
    let hex = colour.len() == 7
        && colour.starts_with('#')
        && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !hex {
        return Err(AppError::invalid("the colour must look like #1a2b3c"));
    }
    Ok(Tag {
        name,
        description: def.description.trim().to_string(),
        colour,
        classification: def.classification,
    })
}

pub fn team_from(def: TeamDef) -> Result<Team, AppError> {
    let id = def.id.trim().to_string();
    if id.is_empty()
        || id.len() > 60
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(AppError::invalid(
            "a team id is 1-60 characters: lowercase letters, digits and '-'",
        ));
    }
    if def.name.trim().is_empty() || def.name.len() > 100 {
        return Err(AppError::invalid("the team name must be 1-100 characters"));
    }
    let mut members = def.members;
    members.sort();
    members.dedup();
    if let Some(bad) = members.iter().find(|m| {
        m.is_empty()
            || m.len() > 100
            || !m
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_@".contains(c))
    }) {
        return Err(AppError::invalid(format!("`{bad}` is not a valid user id")));
    }
    Ok(Team {
        id,
        name: def.name.trim().to_string(),
        description: def.description.trim().to_string(),
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxonomy() -> Vec<Tag> {
        let tag = |n: &str, c: bool| Tag {
            name: n.into(),
            description: String::new(),
            colour: "#000000".into(),
            classification: c,
        };
        vec![tag("pii", true), tag("internal", true), tag("cdc", false)]
    }

    fn event() -> EventSpec {
        serde_json::from_value(serde_json::json!({
            "name": "crm.customer.updated", "title": "Customer updated", "team": "crm",
            "domain": "customer", "lifecycle": "published", "home_cluster": "aws",
            "topic": "crm.customer.updated.v1",
            "value_schema": {"type": "record", "name": "C", "fields": [
                {"name": "email", "type": "string"}]},
            "key_schema": null, "volumetrics": null, "sample": null, "partitions": 3
        }))
        .unwrap()
    }

    fn patch() -> EventPatch {
        EventPatch {
            title: "Customer changed".into(),
            description: "d".into(),
            domain: "customer".into(),
            lifecycle: "deprecated".into(),
            tags: vec!["pii".into(), "cdc".into()],
            field_tags: [("email".to_string(), vec!["pii".to_string()])].into(),
            contacts: None,
        }
    }

    #[test]
    fn a_valid_patch_applies() {
        let next = apply(&event(), patch(), &taxonomy()).unwrap();
        assert_eq!(next.title, "Customer changed");
        assert_eq!(next.lifecycle, Lifecycle::Deprecated);
        assert_eq!(next.field_tags["email"], vec!["pii".to_string()]);
        assert_eq!(next.topic, "crm.customer.updated.v1");
        assert_eq!(next.contacts, event().contacts, "no contacts given: kept");
        let next = apply(
            &event(),
            EventPatch {
                contacts: Some(vec![" b@x ".into(), "a@x".into(), "b@x".into()]),
                ..patch()
            },
            &taxonomy(),
        )
        .unwrap();
        assert_eq!(next.contacts, ["b@x", "a@x"]);
    }

    #[test]
    fn invalid_patches_are_refused_with_reasons() {
        let cases: Vec<(EventPatch, &str)> = vec![
            (
                EventPatch {
                    lifecycle: "gone".into(),
                    ..patch()
                },
                "lifecycle",
            ),
            (
                EventPatch {
                    tags: vec!["nope".into()],
                    ..patch()
                },
                "no tag",
            ),
            (
                EventPatch {
                    tags: vec!["pii".into(), "internal".into()],
                    ..patch()
                },
                "at most one",
            ),
            (
                EventPatch {
                    field_tags: [("phone".to_string(), vec!["pii".to_string()])].into(),
                    ..patch()
                },
                "no field",
            ),
            (
                EventPatch {
                    title: " ".into(),
                    ..patch()
                },
                "title",
            ),
            (
                EventPatch {
                    domain: String::new(),
                    ..patch()
                },
                "domain",
            ),
            (
                EventPatch {
                    contacts: Some(vec!["two\nlines".into()]),
                    ..patch()
                },
                "contact",
            ),
        ];
        for (p, expected) in cases {
            let err = apply(&event(), p, &taxonomy()).unwrap_err();
            assert!(
                err.message.contains(expected),
                "{} / {expected}",
                err.message
            );
        }
    }

    #[test]
    fn curators_are_owners_and_admins() {
        let member = Caller {
            user_id: "a".into(),
            admin: false,
            teams: vec!["crm".into()],
        };
        assert!(require_curator(Some(member.clone()), "crm").is_ok());
        assert_eq!(
            require_curator(Some(member), "network").unwrap_err().code,
            ErrorCode::Forbidden
        );
        assert_eq!(
            require_curator(None, "crm").unwrap_err().code,
            ErrorCode::Unauthenticated
        );
    }

    #[test]
    fn tags_and_teams_are_checked() {
        assert!(tag_from(TagDef {
            name: "Bad Tag".into(),
            description: String::new(),
            colour: "#fff".into(),
            classification: false
        })
        .is_err());
        assert!(tag_from(TagDef {
            name: "gdpr".into(),
            description: String::new(),
            colour: "#00aa00".into(),
            classification: false
        })
        .is_ok());
        assert!(team_from(TeamDef {
            id: "x y".into(),
            name: "X".into(),
            description: String::new(),
            members: vec![]
        })
        .is_err());
        assert!(team_from(TeamDef {
            id: "ops".into(),
            name: "Ops".into(),
            description: String::new(),
            members: vec!["a b".into()]
        })
        .is_err());
    }
}
