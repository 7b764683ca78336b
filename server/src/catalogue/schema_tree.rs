//! An Avro schema (JSON text) as a tree of fields for the event page and the
//! search index: path, type, doc, default, logical type, nested fields.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldNode {
    /// Dotted path from the record root, e.g. `customer.address.postcode`.
    pub path: String,
    pub name: String,
    /// A readable type such as `string`, `long (timestamp-millis)`, `enum Status`,
    /// `array<record Item>`, `null | string`.
    pub type_label: String,
    pub doc: Option<String>,
    pub default: Option<String>,
    pub logical_type: Option<String>,
    pub children: Vec<FieldNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaTreeError {
    #[error("the schema is not valid JSON: {0}")]
    Json(String),
    #[error("the schema's top level is not a record")]
    NotARecord,
}

/// Fields of a record schema; nested records (also inside unions, arrays and
/// maps) become children.
pub fn field_tree(schema_text: &str) -> Result<Vec<FieldNode>, SchemaTreeError> {
    let root: Value =
        serde_json::from_str(schema_text).map_err(|e| SchemaTreeError::Json(e.to_string()))?;
    match root.get("type").and_then(Value::as_str) {
        Some("record") => Ok(record_fields(&root, "")),
        _ => Err(SchemaTreeError::NotARecord),
    }
}

/// Every field path with its doc, flattened (for the search index).
pub fn flatten(nodes: &[FieldNode]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for n in nodes {
        out.push((n.path.clone(), n.doc.clone().unwrap_or_default()));
        out.extend(flatten(&n.children));
    }
    out
}

fn record_fields(record: &Value, prefix: &str) -> Vec<FieldNode> {
    let Some(fields) = record.get("fields").and_then(Value::as_array) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter_map(|f| {
            let name = f.get("name")?.as_str()?.to_string();
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            let ty = f.get("type").unwrap_or(&Value::Null);
            Some(FieldNode {
                type_label: type_label(ty),
                doc: f.get("doc").and_then(Value::as_str).map(str::to_string),
                default: f.get("default").map(Value::to_string),
                logical_type: logical_type(ty),
                children: nested_record(ty)
                    .map(|r| record_fields(r, &path))
                    .unwrap_or_default(),
                path,
                name,
            })
        })
        .collect()
}

fn type_label(ty: &Value) -> String {
    match ty {
        Value::String(s) => s.clone(),
        Value::Array(branches) => branches
            .iter()
            .map(type_label)
            .collect::<Vec<_>>()
            .join(" | "),
        Value::Object(o) => {
            let kind = o.get("type").map(type_label).unwrap_or_default();
            let name = o.get("name").and_then(Value::as_str);
            match (kind.as_str(), name) {
                ("record" | "enum" | "fixed", Some(n)) => format!("{kind} {n}"),
                ("array", _) => format!(
                    "array<{}>",
                    o.get("items").map(type_label).unwrap_or_default()
                ),
                ("map", _) => format!(
                    "map<{}>",
                    o.get("values").map(type_label).unwrap_or_default()
                ),
                _ => match o.get("logicalType").and_then(Value::as_str) {
                    Some(l) => format!("{kind} ({l})"),
                    None => kind,
                },
            }
        }
        _ => "unknown".to_string(),
    }
}

fn logical_type(ty: &Value) -> Option<String> {
    match ty {
        Value::Object(o) => o
            .get("logicalType")
            .and_then(Value::as_str)
            .map(str::to_string),
        Value::Array(branches) => branches.iter().find_map(logical_type),
        _ => None,
    }
}

/// The record a field holds, directly or through a union, array or map.
fn nested_record(ty: &Value) -> Option<&Value> {
    match ty {
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("record") => Some(ty),
            Some("array") => o.get("items").and_then(nested_record),
            Some("map") => o.get("values").and_then(nested_record),
            _ => None,
        },
        Value::Array(branches) => branches.iter().find_map(nested_record),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{
      "type": "record", "name": "CustomerChanged", "namespace": "com.telco.crm",
      "fields": [
        {"name": "customerId", "type": "string", "doc": "CRM customer number"},
        {"name": "changedAt", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "email", "type": ["null", "string"], "default": null, "doc": "Contact email"},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["ACTIVE", "CLOSED"]}},
        {"name": "address", "type": ["null", {"type": "record", "name": "Address",
          "fields": [{"name": "postcode", "type": "string", "doc": "Postal code"}]}], "default": null},
        {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line",
          "fields": [{"name": "sku", "type": "string"}]}}}
      ]
    }"#;

    #[test]
    fn fields_with_types_docs_defaults_and_nesting() {
        let tree = field_tree(SCHEMA).unwrap();
        assert_eq!(tree.len(), 6);
        assert_eq!(tree[0].doc.as_deref(), Some("CRM customer number"));
        assert_eq!(tree[1].type_label, "long (timestamp-millis)");
        assert_eq!(tree[1].logical_type.as_deref(), Some("timestamp-millis"));
        assert_eq!(tree[2].type_label, "null | string");
        assert_eq!(tree[2].default.as_deref(), Some("null"));
        assert_eq!(tree[3].type_label, "enum Status");
        assert_eq!(tree[4].children[0].path, "address.postcode");
        assert_eq!(tree[5].type_label, "array<record Line>");
        assert_eq!(tree[5].children[0].path, "lines.sku");
    }

    #[test]
    fn flatten_lists_every_path_with_its_doc() {
        let flat = flatten(&field_tree(SCHEMA).unwrap());
        assert!(flat.contains(&("address.postcode".to_string(), "Postal code".to_string())));
        assert_eq!(flat.len(), 8);
    }

    #[test]
    fn non_records_and_bad_json_are_refused() {
        assert_eq!(
            field_tree(r#"{"type":"string"}"#),
            Err(SchemaTreeError::NotARecord)
        );
        assert!(matches!(field_tree("{"), Err(SchemaTreeError::Json(_))));
    }
}
