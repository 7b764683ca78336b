//! Field-level differences between two versions of a record schema, for the
//! owner who proposes a new version: what was added, removed or changed
//! (type, default or doc), by field path.

use std::collections::BTreeMap;

use app::schemas::FieldChange;

use super::schema_tree::{field_tree, FieldNode};

/// Changes from `before` to `after`; an unparsable side counts as no fields.
pub fn diff(before: Option<&str>, after: &str) -> Vec<FieldChange> {
    let fields = |text: Option<&str>| {
        let mut out = BTreeMap::new();
        if let Some(nodes) = text.and_then(|t| field_tree(t).ok()) {
            collect(&nodes, &mut out);
        }
        out
    };
    let (old, new) = (fields(before), fields(Some(after)));
    let mut changes = Vec::new();
    for (path, was) in &old {
        match new.get(path) {
            None => changes.push(change(path, "removed", Some(was), None)),
            Some(now) if now != was => changes.push(change(path, "changed", Some(was), Some(now))),
            Some(_) => {}
        }
    }
    for (path, now) in &new {
        if !old.contains_key(path) {
            changes.push(change(path, "added", None, Some(now)));
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

/// Path → "type = default · doc", the parts a reader of the diff compares.
fn collect(nodes: &[FieldNode], out: &mut BTreeMap<String, String>) {
    for n in nodes {
        let mut text = n.type_label.clone();
        if let Some(d) = &n.default {
            text.push_str(&format!(" = {d}"));
        }
        if let Some(doc) = n.doc.as_deref().filter(|d| !d.is_empty()) {
            text.push_str(&format!(" · {doc}"));
        }
        out.insert(n.path.clone(), text);
        collect(&n.children, out);
    }
}

fn change(path: &str, kind: &str, before: Option<&String>, after: Option<&String>) -> FieldChange {
    FieldChange {
        path: path.to_string(),
        change: kind.to_string(),
        before: before.cloned(),
        after: after.cloned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &str = r#"{"type":"record","name":"R","fields":[
        {"name":"id","type":"string"},
        {"name":"gone","type":"int"},
        {"name":"addr","type":{"type":"record","name":"A","fields":[{"name":"zip","type":"string"}]}}]}"#;
    const V2: &str = r#"{"type":"record","name":"R","fields":[
        {"name":"id","type":"string","doc":"The id"},
        {"name":"note","type":["null","string"],"default":null},
        {"name":"addr","type":{"type":"record","name":"A","fields":[{"name":"zip","type":"long"}]}}]}"#;

    #[test]
    fn added_removed_and_changed_fields_by_path() {
        let found: Vec<(String, String)> = diff(Some(V1), V2)
            .into_iter()
            .map(|c| (c.path, c.change))
            .collect();
        let expect = [
            ("addr.zip", "changed"),
            ("gone", "removed"),
            ("id", "changed"),
            ("note", "added"),
        ];
        let expect: Vec<(String, String)> = expect
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        assert_eq!(found, expect);
        let note = diff(Some(V1), V2).into_iter().find(|c| c.path == "note");
        assert_eq!(
            note.and_then(|c| c.after).as_deref(),
            Some("null | string = null")
        );
    }

    #[test]
    fn first_version_is_all_added_and_same_schema_is_empty() {
        assert!(diff(None, V1).iter().all(|c| c.change == "added"));
        assert!(diff(Some(V1), V1).is_empty());
    }
}
