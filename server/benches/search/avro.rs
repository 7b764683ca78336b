//! Avro record schemas of 10-60 fields (nested records, enums, unions,
//! logical types), field names in camelCase or snake_case, all with docs.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use super::rng::Rng;
use super::vocab::{FIELD_SUFFIXES, FIELD_WORDS, STATUSES, SYSTEMS};

/// A value schema and the field paths to tag as PII.
pub struct Schema {
    pub json: Value,
    pub field_tags: BTreeMap<String, Vec<String>>,
    /// Flattened field count (nested records count with their fields).
    pub fields: usize,
}

struct Builder<'a> {
    rng: &'a mut Rng,
    camel: bool,
    /// Personal-data fields may appear (pii or confidential events).
    personal: bool,
    tag_pii: bool,
    field_tags: BTreeMap<String, Vec<String>>,
    named_types: usize,
}

/// `personal`: personal-data fields may appear; `tag_pii`: they are tagged `pii`.
pub fn value_schema(
    rng: &mut Rng,
    record: &str,
    namespace: &str,
    personal: bool,
    tag_pii: bool,
) -> Schema {
    let total = rng.range(10, 60);
    let mut builder = Builder {
        camel: rng.chance(50),
        rng,
        personal,
        tag_pii,
        field_tags: BTreeMap::new(),
        named_types: 0,
    };
    let fields = builder.record_fields("", total);
    let doc = format!(
        "{record} as published by the {}.",
        builder.rng.pick(&SYSTEMS)
    );
    Schema {
        json: json!({
            "type": "record",
            "name": record,
            "namespace": namespace,
            "doc": doc,
            "fields": fields,
        }),
        field_tags: builder.field_tags,
        fields: total,
    }
}

/// A one-field key record, e.g. `{customerId}`.
pub fn key_schema(rng: &mut Rng, entity: &str, record: &str) -> Value {
    let name = if rng.chance(50) {
        format!("{entity}Id")
    } else {
        format!("{entity}_id")
    };
    json!({
        "type": "record",
        "name": format!("{record}Key"),
        "fields": [{ "name": name, "type": "string", "doc": format!("Partitioning key: the {entity} the event is about.") }],
    })
}

impl Builder<'_> {
    /// `count` flattened fields under `prefix`.
    fn record_fields(&mut self, prefix: &str, count: usize) -> Vec<Value> {
        let mut names = HashSet::new();
        let mut out = Vec::new();
        let mut left = count;
        while left > 0 {
            if left >= 5 && self.rng.chance(12) {
                let children = self.rng.range(3, (left - 1).min(8));
                let word = *self.rng.pick(&FIELD_WORDS);
                let name = self.unique(&mut names, word, "details");
                let path = join(prefix, &name);
                self.named_types += 1;
                let type_name = format!("{}Details{}", pascal(word), self.named_types);
                let fields = self.record_fields(&path, children);
                out.push(json!({
                    "name": name,
                    "type": { "type": "record", "name": type_name, "doc": format!("Details of the {word}."), "fields": fields },
                    "doc": format!("The {word} the event refers to, as known to the {}.", self.rng.pick(&SYSTEMS)),
                }));
                left -= 1 + children;
            } else {
                out.push(self.leaf(prefix, &mut names));
                left -= 1;
            }
        }
        out
    }

    fn leaf(&mut self, prefix: &str, names: &mut HashSet<String>) -> Value {
        let (suffix, kind, phrase, personal) = loop {
            let candidate = *self.rng.pick(&FIELD_SUFFIXES);
            if !candidate.3 || self.personal {
                break candidate;
            }
        };
        let word = *self.rng.pick(&FIELD_WORDS);
        let name = self.unique(names, word, suffix);
        if personal && self.tag_pii {
            self.field_tags
                .insert(join(prefix, &name), vec!["pii".to_owned()]);
        }
        let extra = match self.rng.below(4) {
            0 => format!(" as held in the {}.", self.rng.pick(&SYSTEMS)),
            1 => " at the time of the event.".to_owned(),
            2 => "; empty when not known yet.".to_owned(),
            _ => ".".to_owned(),
        };
        let doc = format!("{phrase} {word}{extra}");
        let mut field =
            json!({ "name": name, "type": self.avro_type(kind, word, suffix), "doc": doc });
        if kind == "nullable" {
            field["default"] = Value::Null;
        }
        field
    }

    fn avro_type(&mut self, kind: &str, word: &str, suffix: &str) -> Value {
        match kind {
            "uuid" => json!({ "type": "string", "logicalType": "uuid" }),
            "timestamp" => json!({ "type": "long", "logicalType": "timestamp-millis" }),
            "date" => json!({ "type": "int", "logicalType": "date" }),
            "decimal" => {
                json!({ "type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2 })
            }
            "nullable" => json!(["null", "string"]),
            "enum" => {
                self.named_types += 1;
                let symbols = &STATUSES[..self.rng.range(3, STATUSES.len())];
                json!({
                    "type": "enum",
                    "name": format!("{}{}{}", pascal(word), pascal(suffix), self.named_types),
                    "symbols": symbols,
                })
            }
            other => json!(other),
        }
    }

    /// `word` + `suffix` in the schema's style, made unique in its record.
    fn unique(&mut self, names: &mut HashSet<String>, word: &str, suffix: &str) -> String {
        let camel = if self.rng.chance(10) {
            !self.camel
        } else {
            self.camel
        };
        let base = if camel {
            format!("{word}{}", pascal(suffix))
        } else {
            format!("{word}_{suffix}")
        };
        let mut name = base.clone();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        name
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

pub fn pascal(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
