//! An event's message: its Avro value schema as the payload, the key schema
//! in the Kafka binding, tags (PII among them), personal-data fields and
//! examples.

use serde_json::{json, Map, Value};

use super::facts::EventFacts;
use super::sample::sample;
use super::servers::KAFKA_BINDING;

/// The schema format of Avro schemas (the version AsyncAPI tools know).
pub const AVRO: &str = "application/vnd.apache.avro+json;version=1.9.0";

/// `components.messages` key of an event's message (event names are valid keys).
pub fn message_key(event: &str) -> &str {
    event
}

/// `components.schemas` key of an event's key schema.
pub fn key_schema_key(event: &str) -> String {
    format!("{event}.key")
}

/// The message of `e` and, when it has a key schema, the
/// `components.schemas` entry the Kafka binding refers to.
pub fn message(e: &EventFacts) -> (Value, Option<Value>) {
    let mut m = json!({
        "name": e.name,
        "title": e.title,
        "summary": format!("{}: the `{}` event of {}.", e.title, e.name, e.team_name),
        "tags": tags(e),
    });
    if let Some(schema) = &e.value_schema {
        m["payload"] = json!({ "schemaFormat": AVRO, "schema": schema });
    }
    let key = e
        .key_schema
        .as_ref()
        .map(|schema| json!({ "schemaFormat": AVRO, "schema": schema }));
    let mut binding = json!({
        // Confluent's wire format: the schema id in the first bytes of the
        // payload, subjects named after the topic (`<topic>-value`).
        "schemaIdLocation": "payload",
        "schemaIdPayloadEncoding": "confluent",
        "schemaLookupStrategy": "TopicNameStrategy",
        "bindingVersion": KAFKA_BINDING,
    });
    if key.is_some() {
        binding["key"] =
            json!({ "$ref": format!("#/components/schemas/{}", key_schema_key(&e.name)) });
    }
    m["bindings"] = json!({ "kafka": binding });
    let examples = examples(e);
    if !examples.is_empty() {
        m["examples"] = Value::Array(examples);
    }
    if matches!(e.lifecycle.as_str(), "deprecated" | "retired") {
        m["deprecated"] = json!(true);
    }
    if !e.pii_value_fields.is_empty() || !e.pii_key_fields.is_empty() {
        let mut pii = Map::new();
        if !e.pii_value_fields.is_empty() {
            pii.insert("value".into(), json!(e.pii_value_fields));
        }
        if !e.pii_key_fields.is_empty() {
            pii.insert("key".into(), json!(e.pii_key_fields));
        }
        m["x-pii-fields"] = Value::Object(pii);
    }
    (m, key)
}

/// The event's tags (`pii` among them when flagged) as AsyncAPI tags.
pub fn tags(e: &EventFacts) -> Value {
    e.tags
        .iter()
        .map(|t| {
            if t.description.is_empty() {
                json!({ "name": t.name })
            } else {
                json!({ "name": t.name, "description": t.description })
            }
        })
        .collect()
}

fn examples(e: &EventFacts) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(schema) = &e.value_schema {
        out.push(json!({
            "name": "generated",
            "summary": "Made from the schema: defaults where it has them, else a sample value of each type (unions as their first non-null branch).",
            "payload": sample(schema),
        }));
    }
    if let Some(recorded) = &e.sample {
        out.push(json!({
            "name": "catalogue",
            "summary": "The sample message the owners keep in the catalogue.",
            "payload": recorded,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asyncapi::facts::fixtures::event;

    #[test]
    fn payload_is_the_avro_schema_and_the_key_a_reference() {
        let e = event();
        let (m, key) = message(&e);
        assert_eq!(m["payload"]["schemaFormat"], AVRO);
        assert_eq!(&m["payload"]["schema"], e.value_schema.as_ref().unwrap());
        assert_eq!(
            m["bindings"]["kafka"]["key"]["$ref"],
            "#/components/schemas/customer.updated.key"
        );
        assert_eq!(key.unwrap()["schema"], json!({"type": "string"}));
        assert_eq!(
            m["tags"][0],
            json!({"name": "pii", "description": "Personal data."})
        );
        assert_eq!(m["tags"][1], json!({"name": "cdc"}));
        assert_eq!(m["x-pii-fields"], json!({"value": ["email"]}));
        assert_eq!(m["examples"][0]["payload"], json!({"email": null}));
        assert!(m.get("deprecated").is_none());
    }

    #[test]
    fn no_key_schema_no_key_and_deprecated_is_said() {
        let mut e = event();
        e.key_schema = None;
        e.lifecycle = "deprecated".into();
        let (m, key) = message(&e);
        assert!(key.is_none());
        assert!(m["bindings"]["kafka"].get("key").is_none());
        assert_eq!(m["deprecated"], true);
    }
}
