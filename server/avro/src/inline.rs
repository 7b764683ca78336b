//! Makes a parsed schema self-contained: a reference to a type defined in a
//! referenced schema is replaced by that definition at its first use and
//! stays a name afterwards, exactly where Java's `Schema.toString()` would
//! print the definition. Compatibility and canonical form then need nothing
//! but the schema itself.

use std::collections::HashSet;

use apache_avro::schema::{Name, UnionSchema};
use apache_avro::Schema;

use crate::names::{definition_name, NameTable};
use crate::SchemaError;

/// The self-contained copy of `schema`; `names` holds every definition of
/// the schema and of its references.
pub(crate) fn inline(schema: &Schema, names: &NameTable<'_>) -> Result<Schema, SchemaError> {
    Inliner {
        names,
        defined: HashSet::new(),
    }
    .copy(schema)
}

struct Inliner<'t, 'a> {
    names: &'t NameTable<'a>,
    /// Names whose definition the copy already holds.
    defined: HashSet<Name>,
}

impl Inliner<'_, '_> {
    fn copy(&mut self, schema: &Schema) -> Result<Schema, SchemaError> {
        if let Schema::Ref { name } = schema {
            if self.defined.contains(name) {
                return Ok(schema.clone());
            }
            let def = self
                .names
                .get(name)
                .ok_or_else(|| SchemaError(format!("Unknown type: {}", name.fullname(None))))?;
            return self.copy(def);
        }
        if let Some(name) = definition_name(schema) {
            // A referenced type may itself contain a definition the copy
            // already inlined from an earlier use: keep only the first.
            if !self.defined.insert(name.clone()) {
                return Ok(Schema::Ref { name: name.clone() });
            }
        }
        Ok(match schema {
            Schema::Record(record) => {
                let mut record = record.clone();
                for field in &mut record.fields {
                    field.schema = self.copy(&field.schema)?;
                }
                Schema::Record(record)
            }
            Schema::Array(array) => {
                let mut array = array.clone();
                *array.items = self.copy(&array.items)?;
                Schema::Array(array)
            }
            Schema::Map(map) => {
                let mut map = map.clone();
                *map.types = self.copy(&map.types)?;
                Schema::Map(map)
            }
            Schema::Union(union) => {
                let branches = union
                    .variants()
                    .iter()
                    .map(|branch| self.copy(branch))
                    .collect::<Result<Vec<_>, _>>()?;
                Schema::Union(UnionSchema::new(branches).map_err(|e| SchemaError(e.to_string()))?)
            }
            other => other.clone(),
        })
    }
}
