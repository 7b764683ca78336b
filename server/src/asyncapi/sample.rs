//! A sample value of an Avro schema, for the examples of an AsyncAPI message:
//! a field's default where it has one, else a plausible value of its type.
//! Plain JSON as a person reads it (a union's value is not wrapped in its
//! branch name, as Avro's JSON encoding would).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

/// Deeper than this, a value is `null`: a recursive record with no way out
/// would otherwise never end.
const MAX_DEPTH: usize = 12;

/// A sample of `schema` (the Avro schema as JSON).
pub fn sample(schema: &Value) -> Value {
    Sampler::default().value(schema, "", "", 0)
}

/// Named types (records, enums, fixed) seen so far, by full name, since a
/// later field may refer to one by name only.
#[derive(Default)]
struct Sampler {
    named: HashMap<String, Value>,
}

impl Sampler {
    /// `field` is the enclosing field's name (for plausible strings),
    /// `namespace` the one that names without a dot resolve in.
    fn value(&mut self, schema: &Value, field: &str, namespace: &str, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        match schema {
            Value::String(name) => self.named_or_primitive(name, field, namespace, depth),
            Value::Array(branches) => {
                // The first branch that is not null, else null.
                match branches.iter().find(|b| !is_null(b)) {
                    Some(branch) => self.value(branch, field, namespace, depth + 1),
                    None => Value::Null,
                }
            }
            Value::Object(o) => self.complex(o, field, namespace, depth),
            _ => Value::Null,
        }
    }

    fn named_or_primitive(&mut self, name: &str, field: &str, ns: &str, depth: usize) -> Value {
        if let Some(v) = primitive(name, None, field) {
            return v;
        }
        let full = full_name(name, ns);
        let found = self
            .named
            .get(&full)
            .or_else(|| self.named.get(name))
            .cloned();
        match found {
            Some(def) => {
                let def_ns = namespace_of(&def, ns);
                self.value(&def, field, &def_ns, depth + 1)
            }
            None => Value::Null,
        }
    }

    fn complex(&mut self, o: &Map<String, Value>, field: &str, ns: &str, depth: usize) -> Value {
        let kind = o.get("type").cloned().unwrap_or(Value::Null);
        let Some(kind_name) = kind.as_str() else {
            // `{"type": {...}}` or `{"type": [...]}`: the type is nested.
            return self.value(&kind, field, ns, depth + 1);
        };
        let own_ns = namespace_of(&Value::Object(o.clone()), ns);
        if matches!(kind_name, "record" | "error" | "enum" | "fixed") {
            if let Some(name) = o.get("name").and_then(Value::as_str) {
                self.named
                    .insert(full_name(name, &own_ns), Value::Object(o.clone()));
            }
        }
        match kind_name {
            "record" | "error" => {
                let mut out = Map::new();
                for f in o
                    .get("fields")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let Some(name) = f.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    // Walk the type even when a default wins: it may define
                    // named types that later fields use.
                    let ty = f.get("type").cloned().unwrap_or(Value::Null);
                    let generated = self.value(&ty, name, &own_ns, depth + 1);
                    let v = f.get("default").cloned().unwrap_or(generated);
                    out.insert(name.to_string(), v);
                }
                Value::Object(out)
            }
            "enum" => o
                .get("default")
                .cloned()
                .or_else(|| {
                    o.get("symbols")
                        .and_then(Value::as_array)
                        .and_then(|s| s.first().cloned())
                })
                .unwrap_or(Value::Null),
            "array" => {
                let items = o.get("items").cloned().unwrap_or(Value::Null);
                json!([self.value(&items, field, ns, depth + 1)])
            }
            "map" => {
                let values = o.get("values").cloned().unwrap_or(Value::Null);
                json!({ "key": self.value(&values, field, ns, depth + 1) })
            }
            "fixed" => {
                let size = o.get("size").and_then(Value::as_u64).unwrap_or(1).min(64);
                Value::String("0".repeat(size as usize))
            }
            other => {
                let logical = o.get("logicalType").and_then(Value::as_str);
                primitive(other, logical, field)
                    .unwrap_or_else(|| self.named_or_primitive(other, field, ns, depth))
            }
        }
    }
}

fn is_null(schema: &Value) -> bool {
    schema == "null" || schema.get("type").is_some_and(|t| t == "null")
}

/// A plausible value of a primitive type (with its logical type), or `None`
/// when `name` is not a primitive type.
fn primitive(name: &str, logical: Option<&str>, field: &str) -> Option<Value> {
    Some(match (name, logical) {
        ("null", _) => Value::Null,
        ("boolean", _) => json!(true),
        ("int", Some("date")) => json!(20_454), // 2026-01-01
        ("int", Some("time-millis")) => json!(43_200_000), // noon
        ("int", _) => json!(1),
        ("long", Some("timestamp-millis" | "local-timestamp-millis")) => {
            json!(1_767_225_600_000_i64)
        }
        ("long", Some("timestamp-micros" | "local-timestamp-micros")) => {
            json!(1_767_225_600_000_000_i64)
        }
        ("long", Some("time-micros")) => json!(43_200_000_000_i64),
        ("long", _) => json!(1),
        ("float" | "double", _) => json!(1.5),
        ("bytes", _) => json!(""),
        ("string", Some("uuid")) => json!("3f2b8c1e-7d4a-4c2b-9e1f-5a6b7c8d9e0f"),
        ("string", _) => json!(plausible_text(field)),
        _ => return None,
    })
}

/// Text that reads like the field it fills.
fn plausible_text(field: &str) -> String {
    let f = field.to_ascii_lowercase();
    if f.contains("email") {
        "someone@example.com".into()
    } else if f.contains("phone") || f.contains("msisdn") {
        "+447700900000".into()
    } else if f.contains("url") || f.contains("uri") {
        "https://example.com/".into()
    } else if f.is_empty() {
        "text".into()
    } else {
        format!("{f}-1")
    }
}

fn full_name(name: &str, namespace: &str) -> String {
    if name.contains('.') || namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}.{name}")
    }
}

/// The namespace names inside `schema` resolve in: its own, the one of a
/// dotted name, else the enclosing one.
fn namespace_of(schema: &Value, enclosing: &str) -> String {
    if let Some(ns) = schema.get("namespace").and_then(Value::as_str) {
        return ns.to_string();
    }
    match schema.get("name").and_then(Value::as_str) {
        Some(name) if name.contains('.') => name
            .rsplit_once('.')
            .map(|(ns, _)| ns.to_string())
            .unwrap_or_default(),
        _ => enclosing.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_win_and_types_get_plausible_values() {
        let schema = json!({
            "type": "record", "name": "Order", "namespace": "com.example",
            "fields": [
                {"name": "order_id", "type": {"type": "string", "logicalType": "uuid"}},
                {"name": "email", "type": ["null", "string"], "default": null},
                {"name": "phone", "type": ["null", "string"]},
                {"name": "language", "type": "string", "default": "en-GB"},
                {"name": "placed_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"]}},
                {"name": "previous", "type": ["null", "Status"]},
                {"name": "lines", "type": {"type": "array", "items": {
                    "type": "record", "name": "Line",
                    "fields": [{"name": "qty", "type": "int"}, {"name": "price", "type": "double"}]
                }}},
                {"name": "attributes", "type": {"type": "map", "values": "string"}},
                {"name": "paid", "type": "boolean"},
                {"name": "nothing", "type": "null"}
            ]
        });
        assert_eq!(
            sample(&schema),
            json!({
                "order_id": "3f2b8c1e-7d4a-4c2b-9e1f-5a6b7c8d9e0f",
                "email": null,
                "phone": "+447700900000",
                "language": "en-GB",
                "placed_at": 1_767_225_600_000_i64,
                "status": "NEW",
                "previous": "NEW",
                "lines": [{"qty": 1, "price": 1.5}],
                "attributes": {"key": "attributes-1"},
                "paid": true,
                "nothing": null
            })
        );
    }

    #[test]
    fn primitives_and_a_recursive_record_end() {
        assert_eq!(sample(&json!("string")), json!("text"));
        assert_eq!(sample(&json!({"type": "int"})), json!(1));
        assert_eq!(sample(&json!(["null"])), Value::Null);
        let list = json!({
            "type": "record", "name": "Node",
            "fields": [{"name": "value", "type": "int"}, {"name": "next", "type": "Node"}]
        });
        let mut v = sample(&list);
        let mut depth = 0;
        while let Some(next) = v.get("next").cloned() {
            v = next;
            depth += 1;
        }
        assert!(depth <= MAX_DEPTH, "{depth}");
    }
}
