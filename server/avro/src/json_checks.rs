//! Structural checks on the schema JSON that apache-avro 0.22 lets through
//! but Java's parser refuses: a `fields` entry that is not an object (apache
//! silently drops it, changing the schema), an unknown field `order`, and
//! `aliases` that are not an array of strings.

use serde_json::Value;

/// Walks the JSON schema and reports the first structural fault.
pub(crate) fn check(schema: &Value) -> Result<(), String> {
    match schema {
        Value::Array(branches) => branches.iter().try_for_each(check),
        Value::Object(object) => {
            check_aliases(object.get("aliases"))?;
            match object.get("type") {
                Some(Value::String(t)) if t == "record" || t == "error" => {
                    if let Some(Value::Array(fields)) = object.get("fields") {
                        fields.iter().try_for_each(check_field)?;
                    }
                    Ok(())
                }
                Some(Value::String(t)) if t == "array" => object.get("items").map_or(Ok(()), check),
                Some(Value::String(t)) if t == "map" => object.get("values").map_or(Ok(()), check),
                Some(nested @ (Value::Object(_) | Value::Array(_))) => check(nested),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn check_field(field: &Value) -> Result<(), String> {
    let Value::Object(object) = field else {
        return Err(format!("Not a field: {field}"));
    };
    let name = object.get("name").and_then(Value::as_str).unwrap_or("?");
    if let Some(order) = object.get("order") {
        if !matches!(order.as_str(), Some("ascending" | "descending" | "ignore")) {
            return Err(format!(
                "Invalid order {order} of field {name}: must be \"ascending\", \"descending\" or \"ignore\""
            ));
        }
    }
    check_aliases(object.get("aliases")).map_err(|e| format!("{e} (field {name})"))?;
    object.get("type").map_or(Ok(()), check)
}

fn check_aliases(aliases: Option<&Value>) -> Result<(), String> {
    match aliases {
        None => Ok(()),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        Some(other) => Err(format!("aliases must be an array of strings, got {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refuses_what_apache_avro_would_drop_silently() {
        let s = json!({"type": "record", "name": "R", "fields": [1, {"name": "a", "type": "int"}]});
        assert_eq!(check(&s), Err("Not a field: 1".to_string()));
    }

    #[test]
    fn refuses_unknown_order_even_when_nested() {
        let s = json!(["null", {"type": "array", "items": {"type": "record", "name": "R",
            "fields": [{"name": "a", "type": "int", "order": "up"}]}}]);
        assert!(check(&s).unwrap_err().contains("Invalid order"));
    }

    #[test]
    fn refuses_aliases_that_are_not_strings() {
        let s = json!({"type": "enum", "name": "E", "symbols": ["A"], "aliases": "F"});
        assert!(check(&s).unwrap_err().contains("aliases"));
    }

    #[test]
    fn accepts_a_plain_schema() {
        let s = json!({"type": "record", "name": "R", "aliases": ["Q"], "fields": [
            {"name": "a", "type": {"type": "map", "values": "int"}, "order": "descending", "aliases": ["b"]}]});
        assert_eq!(check(&s), Ok(()));
    }
}
