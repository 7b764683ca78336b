//! A document as JSON or YAML text, its top-level sections in the order the
//! specification lists them (the JSON values themselves keep keys sorted).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

const ORDER: [&str; 8] = [
    "asyncapi",
    "id",
    "info",
    "defaultContentType",
    "servers",
    "channels",
    "operations",
    "components",
];

pub fn json(doc: &Value) -> String {
    // Serialising a JSON value cannot fail.
    serde_json::to_string_pretty(&Ordered(doc)).unwrap_or_default()
}

pub fn yaml(doc: &Value) -> Result<String, serde_yaml_ng::Error> {
    serde_yaml_ng::to_string(&Ordered(doc))
}

struct Ordered<'a>(&'a Value);

impl Serialize for Ordered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Value::Object(map) = self.0 else {
            return self.0.serialize(serializer);
        };
        let mut out = serializer.serialize_map(Some(map.len()))?;
        for key in ORDER {
            if let Some(v) = map.get(key) {
                out.serialize_entry(key, v)?;
            }
        }
        for (k, v) in map {
            if !ORDER.contains(&k.as_str()) {
                out.serialize_entry(k, v)?;
            }
        }
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sections_come_in_the_specifications_order_and_yaml_reads_back() {
        let doc = json!({
            "operations": {}, "asyncapi": "3.0.0", "info": {"title": "t", "version": "1"},
            "x-other": 1, "servers": {"a": {"host": "h:1", "protocol": "kafka"}}
        });
        let text = json(&doc);
        let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
        assert!(at("asyncapi") < at("info") && at("info") < at("servers"));
        assert!(at("servers") < at("operations") && at("operations") < at("x-other"));
        let y = yaml(&doc).unwrap();
        assert!(y.starts_with("asyncapi: 3.0.0"), "{y}");
        let back: Value = serde_yaml_ng::from_str(&y).unwrap();
        assert_eq!(back, doc);
    }
}
