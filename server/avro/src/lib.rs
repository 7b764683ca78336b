//! Avro schemas as the schema registry needs them: parse and validate (with
//! references to named types of other schemas), Parsing Canonical Form, and
//! the reader/writer compatibility rules of Apache Avro's Java
//! `SchemaCompatibility`, applied per Confluent compatibility level.
//!
//! Kept free of I/O so it compiles and tests in seconds on its own.

// INTERFACE STUB — to be implemented (parse.rs, canonical.rs, compat/*.rs, level.rs).

use std::fmt;
use std::str::FromStr;

/// A schema that parsed and validated.
#[derive(Debug, Clone)]
pub struct ParsedSchema {
    /// The parsed schema, named types resolved.
    pub schema: apache_avro::Schema,
    /// Parsing Canonical Form: equal forms mean the same schema.
    pub canonical: String,
}

/// Why a schema text is not a valid Avro schema; the message is the parser's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SchemaError(pub String);

/// Parses `text`; `references` are the texts of schemas whose named types
/// `text` may use (Confluent schema references), in dependency order.
pub fn parse(text: &str, references: &[&str]) -> Result<ParsedSchema, SchemaError> {
    let _ = (text, references);
    unimplemented!()
}

/// One reason a reader cannot read what a writer wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatibility {
    /// Java's `SchemaIncompatibilityType` name, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE`.
    pub kind: &'static str,
    /// JSON-pointer-like location in the reader schema, e.g. `/fields/2/type`.
    pub path: String,
    /// Human explanation naming the field, type or symbol concerned.
    pub message: String,
}

impl fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at '{}': {}", self.kind, self.path, self.message)
    }
}

/// Every reason `reader` cannot read data written with `writer` (empty: compatible).
pub fn can_read(reader: &ParsedSchema, writer: &ParsedSchema) -> Vec<Incompatibility> {
    let _ = (reader, writer);
    unimplemented!()
}

/// Confluent compatibility levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    None,
    #[default]
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        unimplemented!()
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let _ = s;
        unimplemented!()
    }
}

/// One failed check of a candidate against an earlier version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Index into `previous` of the version it conflicts with.
    pub previous_index: usize,
    /// "new schema cannot read old data" (backward) or the reverse (forward).
    pub direction: Direction,
    pub incompatibility: Incompatibility,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The new schema as reader of data written with the old one.
    Backward,
    /// The old schema as reader of data written with the new one.
    Forward,
}

/// Checks `candidate` against `previous` (oldest first) under `level`:
/// non-transitive levels check only the last element; transitive ones all.
/// Empty result: compatible.
pub fn check(level: Level, candidate: &ParsedSchema, previous: &[ParsedSchema]) -> Vec<Violation> {
    let _ = (level, candidate, previous);
    unimplemented!()
}
