//! Field defaults must match their field's type.
//!
//! apache-avro 0.22 checks defaults, but loosely: a union default may match
//! any branch, a fixed default may have any length, a double default may be
//! the string "NaN". The Avro specification (up to 1.11, and the JSON
//! encoding of defaults, which carries no branch index) says a union's
//! default belongs to its FIRST branch; this module applies that and the
//! per-type table of the specification, recursively. Avro 1.12's Java parser
//! relaxed the union rule to "any branch"; to follow it, change
//! [`union_default_branches`].

use apache_avro::schema::RecordSchema;
use apache_avro::Schema;
use serde_json::Value;

use crate::names::NameTable;
use crate::view::{view, Kind, Node};
use crate::SchemaError;

/// Checks every field default of every record defined in `root`.
pub(crate) fn validate(root: &Schema, names: &NameTable<'_>) -> Result<(), SchemaError> {
    match root {
        Schema::Record(record) => {
            check_record(record, names)?;
            record
                .fields
                .iter()
                .try_for_each(|field| validate(&field.schema, names))
        }
        Schema::Array(array) => validate(&array.items, names),
        Schema::Map(map) => validate(&map.types, names),
        Schema::Union(union) => union.variants().iter().try_for_each(|b| validate(b, names)),
        _ => Ok(()),
    }
}

fn check_record(record: &RecordSchema, names: &NameTable<'_>) -> Result<(), SchemaError> {
    for field in &record.fields {
        let Some(default) = &field.default else {
            continue;
        };
        if !is_valid(default, &field.schema, names) {
            let union_note = match &field.schema {
                Schema::Union(_) => " (a union's default must match its first branch)",
                _ => "",
            };
            return Err(SchemaError(format!(
                "Invalid default for field {} of record {}: {} is not a valid {}{}",
                field.name,
                record.name.fullname(None),
                default,
                describe(&field.schema, names),
                union_note,
            )));
        }
    }
    Ok(())
}

/// The branches a union default may match: the first, per the specification.
fn union_default_branches(branches: &[Schema]) -> &[Schema] {
    &branches[..branches.len().min(1)]
}

/// Whether `value` is a valid JSON default for `schema`.
fn is_valid(value: &Value, schema: &Schema, names: &NameTable<'_>) -> bool {
    let v = view(schema, names);
    match v.node {
        Node::Primitive(kind) => match kind {
            Kind::Null => value.is_null(),
            Kind::Boolean => value.is_boolean(),
            Kind::Int => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            Kind::Long => value.is_i64(),
            Kind::Float | Kind::Double => value.is_number(),
            Kind::Bytes => value.as_str().is_some_and(|s| byte_string_len(s).is_some()),
            Kind::String => value.is_string(),
            _ => false,
        },
        Node::Enum(e) => value
            .as_str()
            .is_some_and(|s| e.symbols.iter().any(|symbol| symbol == s)),
        Node::Fixed(fixed) => value
            .as_str()
            .and_then(byte_string_len)
            .is_some_and(|len| len == fixed.size),
        Node::Array(items) => value
            .as_array()
            .is_some_and(|elements| elements.iter().all(|e| is_valid(e, items, names))),
        Node::Map(values) => value
            .as_object()
            .is_some_and(|entries| entries.values().all(|e| is_valid(e, values, names))),
        Node::Record(record) => value.as_object().is_some_and(|object| {
            record
                .fields
                .iter()
                .all(|field| match object.get(&field.name) {
                    Some(v) => is_valid(v, &field.schema, names),
                    // The field's own default fills in; it is checked on its own.
                    None => field.default.is_some(),
                })
        }),
        Node::Union(branches) => union_default_branches(branches)
            .iter()
            .any(|branch| is_valid(value, branch, names)),
        Node::Undefined(_) => false,
    }
}

/// Length in bytes of a bytes/fixed default, whose code points 0–255 each
/// stand for one byte; `None` if a code point is above 255.
fn byte_string_len(s: &str) -> Option<usize> {
    s.chars()
        .try_fold(0, |n, c| (u32::from(c) <= 0xFF).then_some(n + 1))
}

/// A short description of the expected type for the error message.
fn describe(schema: &Schema, names: &NameTable<'_>) -> String {
    let v = view(schema, names);
    match v.node {
        Node::Fixed(fixed) => format!("fixed {} of size {}", fixed.name.fullname(None), fixed.size),
        Node::Union(branches) => match branches.first() {
            Some(first) => format!("union whose first branch is {}", describe(first, names)),
            None => "empty union".to_string(),
        },
        _ => match v.name() {
            Some(name) => format!(
                "{} {}",
                v.kind().java_name().to_lowercase(),
                name.fullname(None)
            ),
            None => v.kind().java_name().to_lowercase(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Checks `value` against the schema `text` with this module's rules
    /// alone (apache-avro's looser check is not involved).
    fn valid(value: Value, text: &str) -> bool {
        let schema = Schema::parse_str(text).expect("test schema parses");
        is_valid(&value, &schema, &NameTable::of(&schema))
    }

    #[test]
    fn union_defaults_follow_the_first_branch_at_any_depth() {
        assert!(valid(json!(null), r#"["null","int"]"#));
        assert!(!valid(json!(1), r#"["null","int"]"#));
        assert!(!valid(
            json!([null, 1]),
            r#"{"type":"array","items":["null","int"]}"#
        ));
        assert!(valid(
            json!({"a": 1}),
            r#"{"type":"map","values":["int","null"]}"#
        ));
        assert!(!valid(json!(null), "[]"));
    }

    #[test]
    fn records_need_every_field_without_default() {
        let schema = r#"{"type":"record","name":"S","fields":[
            {"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]}"#;
        assert!(valid(json!({"a": 1}), schema));
        assert!(!valid(json!({"b": "y"}), schema));
        assert!(!valid(json!([1]), schema));
    }

    #[test]
    fn references_resolve_through_the_table() {
        let schema = r#"{"type":"record","name":"S","fields":[
            {"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}},
            {"name":"l","type":{"type":"array","items":"E"}}]}"#;
        assert!(valid(json!({"e": "A", "l": ["A", "A"]}), schema));
        assert!(!valid(json!({"e": "A", "l": ["B"]}), schema));
    }

    #[test]
    fn byte_strings_count_code_points_up_to_255() {
        assert_eq!(byte_string_len("\u{0}\u{ff}a"), Some(3));
        assert_eq!(byte_string_len("€"), None);
    }
}
