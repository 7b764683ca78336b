//! The named types (record, enum, fixed) a schema defines, by full name.
//!
//! apache-avro leaves `Schema::Ref { name }` wherever a named type is used
//! after its definition, and its parser silently lets a later definition
//! replace an earlier one of the same name; this table resolves the former
//! and refuses the latter, as Java's parser does ("Can't redefine").

use std::collections::HashMap;

use apache_avro::schema::Name;
use apache_avro::Schema;

/// Full name → the schema node that defines it (a record, enum or fixed,
/// possibly carrying a logical type such as decimal on fixed).
#[derive(Debug, Default)]
pub(crate) struct NameTable<'a> {
    defs: HashMap<&'a Name, &'a Schema>,
}

impl<'a> NameTable<'a> {
    /// The table of a self-contained schema; a redefinition is ignored here
    /// (the first definition wins) because `parse` has already refused it.
    pub(crate) fn of(root: &'a Schema) -> Self {
        let mut table = Self::default();
        table.walk(root, &mut |_| ());
        table
    }

    /// Adds every definition found in `root`; returns the full names that
    /// were already defined (by `root` itself or by an earlier `add`).
    pub(crate) fn add(&mut self, root: &'a Schema) -> Vec<String> {
        let mut clashes = Vec::new();
        self.walk(root, &mut |name| clashes.push(name.fullname(None)));
        clashes
    }

    /// The definition of `name`, if any.
    pub(crate) fn get(&self, name: &Name) -> Option<&'a Schema> {
        self.defs.get(name).copied()
    }

    fn walk(&mut self, schema: &'a Schema, clash: &mut impl FnMut(&Name)) {
        if let Some(name) = definition_name(schema) {
            if self.defs.contains_key(name) {
                clash(name);
            } else {
                self.defs.insert(name, schema);
            }
        }
        match schema {
            Schema::Record(record) => {
                for field in &record.fields {
                    self.walk(&field.schema, clash);
                }
            }
            Schema::Array(array) => self.walk(&array.items, clash),
            Schema::Map(map) => self.walk(&map.types, clash),
            Schema::Union(union) => {
                for branch in union.variants() {
                    self.walk(branch, clash);
                }
            }
            _ => {}
        }
    }
}

/// The name a node defines: named types, but not references to them.
pub(crate) fn definition_name(schema: &Schema) -> Option<&Name> {
    match schema {
        Schema::Ref { .. } => None,
        other => other.name(),
    }
}
