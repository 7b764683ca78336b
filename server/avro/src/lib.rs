//! Avro schemas as the schema registry needs them: parse and validate (with
//! references to named types of other schemas), Parsing Canonical Form, and
//! the reader/writer compatibility rules of Apache Avro's Java
//! `SchemaCompatibility`, applied per Confluent compatibility level.
//!
//! Kept free of I/O so it compiles and tests in seconds on its own.
//!
//! Layout: `parse` (orchestration) with `json_checks`, `names`, `inline`,
//! `defaults` and `canonical`; `view` (one reading of a schema node shared by
//! all rules); `compat/` (reader/writer rules); `level` (Confluent levels).

mod canonical;
mod compat;
mod defaults;
mod inline;
mod json_checks;
mod level;

pub use level::ALL as ALL_LEVELS;
mod names;
mod parse;
mod view;

use std::fmt;

/// A schema that parsed and validated.
#[derive(Debug, Clone)]
pub struct ParsedSchema {
    /// The parsed schema, named types resolved: types taken from references
    /// are inlined at their first use, so the schema is self-contained.
    pub schema: apache_avro::Schema,
    /// Parsing Canonical Form: equal forms mean the same schema.
    ///
    /// It is the form of the self-contained schema (referenced types inlined,
    /// as Java's `SchemaNormalization` does for a schema parsed with its
    /// references). It follows the specification's transformations, with one
    /// extension: logical types keep `logicalType`, `precision` and `scale`
    /// (after the standard attributes), because changing them changes the
    /// meaning of the data; a schema without logical types has exactly the
    /// standard form.
    pub canonical: String,
}

/// Why a schema text is not a valid Avro schema; the message is the parser's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SchemaError(pub String);

/// Parses `text`; `references` are the texts of schemas whose named types
/// `text` may use (Confluent schema references), in dependency order.
pub fn parse(text: &str, references: &[&str]) -> Result<ParsedSchema, SchemaError> {
    parse::parse(text, references)
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
    compat::can_read(&reader.schema, &writer.schema)
}

/// Confluent compatibility levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// No check at all.
    None,
    /// The candidate can read data written with the latest previous version.
    #[default]
    Backward,
    /// The candidate can read data written with every previous version.
    BackwardTransitive,
    /// The latest previous version can read data written with the candidate.
    Forward,
    /// Every previous version can read data written with the candidate.
    ForwardTransitive,
    /// Backward and forward against the latest previous version.
    Full,
    /// Backward and forward against every previous version.
    FullTransitive,
}

// `Level::as_str` and `impl FromStr for Level` live in `level.rs`.

/// One failed check of a candidate against an earlier version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Index into `previous` of the version it conflicts with.
    pub previous_index: usize,
    /// "new schema cannot read old data" (backward) or the reverse (forward).
    pub direction: Direction,
    /// What the reader of that direction cannot read.
    pub incompatibility: Incompatibility,
}

/// Which schema reads in a [`Violation`].
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
    level::check(level, candidate, previous)
}
