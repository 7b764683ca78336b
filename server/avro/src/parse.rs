//! `parse`: JSON, structure, apache-avro's parser (names, types, duplicate
//! fields and symbols, union rules), redefinitions, defaults, then the
//! self-contained schema and its canonical form.

use apache_avro::Schema;
use serde_json::Value;

use crate::names::NameTable;
use crate::{canonical, defaults, inline, json_checks, ParsedSchema, SchemaError};

/// See [`crate::parse`].
pub(crate) fn parse(text: &str, references: &[&str]) -> Result<ParsedSchema, SchemaError> {
    // apache-avro reports malformed JSON without serde's position, so JSON is
    // read here first for a useful message.
    let json = read_json(text).map_err(SchemaError)?;
    json_checks::check(&json).map_err(SchemaError)?;
    for (i, reference) in references.iter().enumerate() {
        check_reference(reference).map_err(|e| SchemaError(format!("reference {}: {e}", i + 1)))?;
    }

    let avro = |e: apache_avro::Error| SchemaError(e.to_string());
    let (main, refs) = if references.is_empty() {
        (Schema::parse_str(text).map_err(avro)?, Vec::new())
    } else {
        Schema::parse_str_with_list(text, references).map_err(avro)?
    };

    let mut names = NameTable::default();
    for reference in &refs {
        if let Some(name) = names.add(reference).first() {
            return Err(SchemaError(format!(
                "Can't redefine: {name} (defined twice by the references)"
            )));
        }
    }
    if let Some(name) = names.add(&main).first() {
        return Err(SchemaError(format!("Can't redefine: {name}")));
    }

    defaults::validate(&main, &names)?;
    for reference in &refs {
        defaults::validate(reference, &names)?;
    }

    let schema = inline::inline(&main, &names)?;
    let canonical = canonical::form(&schema);
    Ok(ParsedSchema { schema, canonical })
}

fn read_json(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("Invalid JSON: {e}"))
}

/// apache-avro takes references only as named types (it indexes them by
/// name), which is what Confluent references are.
fn check_reference(text: &str) -> Result<(), String> {
    let json = read_json(text)?;
    if !json.get("name").is_some_and(Value::is_string) {
        return Err("a referenced schema must be a named type (record, enum or fixed)".into());
    }
    json_checks::check(&json)
}
