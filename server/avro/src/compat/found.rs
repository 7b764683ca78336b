//! An incompatibility while the check runs: what was found and where,
//! relative to the reader/writer pair that found it, so that a memoized
//! result can be reused at another location.

use crate::view::{Decimal, Kind};

/// What is wrong; the Java kind and the message follow from it.
#[derive(Debug, Clone)]
pub(crate) enum Detail {
    /// Reader and writer types do not resolve.
    TypeMismatch { reader: Kind, writer: Kind },
    /// Both decimal, with different precision or scale.
    Decimal { reader: Decimal, writer: Decimal },
    /// Java's handling of a missing reader field of enum type that has no
    /// field default but an enum default: it compares the enum with the
    /// writer record, a type mismatch.
    EnumFieldMissing { record: String },
    /// A named type's name is neither the writer's nor a reader alias of it.
    Name { reader: String, writer: String },
    /// Fixed sizes differ.
    Size {
        name: String,
        reader: usize,
        writer: usize,
    },
    /// Writer symbols the reader enum lacks, reader enum without default.
    Symbols { name: String, missing: Vec<String> },
    /// A reader field absent from the writer, without default.
    MissingField { record: String },
    /// A reference to a name the schema does not define (only in a
    /// `ParsedSchema` built by hand).
    Undefined { name: String },
    /// No reader union branch reads this writer type.
    UnionBranch { writer: String },
}

impl Detail {
    /// Java's `SchemaIncompatibilityType` name.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Detail::TypeMismatch { .. }
            | Detail::Decimal { .. }
            | Detail::EnumFieldMissing { .. }
            | Detail::Undefined { .. } => "TYPE_MISMATCH",
            Detail::Name { .. } => "NAME_MISMATCH",
            Detail::Size { .. } => "FIXED_SIZE_MISMATCH",
            Detail::Symbols { .. } => "MISSING_ENUM_SYMBOLS",
            Detail::MissingField { .. } => "READER_FIELD_MISSING_DEFAULT_VALUE",
            Detail::UnionBranch { .. } => "MISSING_UNION_BRANCH",
        }
    }

    /// The human message; `field` is the dotted chain of reader field names
    /// leading to the location (for a missing field, ending with it).
    pub(crate) fn message(&self, field: Option<&str>) -> String {
        let within = field.map(|f| format!(" (field '{f}')")).unwrap_or_default();
        let field = field.unwrap_or("?");
        match self {
            Detail::TypeMismatch { reader, writer } => format!(
                "reader type: {} not compatible with writer type: {}{within}",
                reader.java_name(),
                writer.java_name()
            ),
            Detail::Decimal { reader, writer } => format!(
                "reader decimal({}, {}) not compatible with writer decimal({}, {}): \
                 precision and scale must match{within}",
                reader.precision, reader.scale, writer.precision, writer.scale
            ),
            Detail::EnumFieldMissing { record } => format!(
                "reader field '{field}' is missing from writer record {record} and has no default value \
                 (its enum's default symbol does not stand in for a missing field; \
                 reader type: ENUM not compatible with writer type: RECORD)"
            ),
            Detail::Name { reader, writer } => {
                format!("expected: {writer}, found: {reader} (name and reader aliases do not match){within}")
            }
            Detail::Size { name, reader, writer } => {
                format!("expected: {writer}, found: {reader} (size of fixed {name}){within}")
            }
            Detail::Symbols { name, missing } => format!(
                "reader enum {name} lacks writer symbols [{}] and has no default symbol{within}",
                missing.join(", ")
            ),
            Detail::MissingField { record } => format!(
                "reader field '{field}' has no default value and is missing from writer record {record}"
            ),
            Detail::Undefined { name } => {
                format!("type {name} is not defined in the schema{within}")
            }
            Detail::UnionBranch { writer } => {
                format!("reader union lacking writer type: {writer}{within}")
            }
        }
    }
}

/// One step of a location, as Java names it. `Copy`, so that reusing a
/// memoized result at another location costs no allocation per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Token {
    Fields,
    /// A reader field position or a writer union branch index.
    Index(usize),
    Type,
    Items,
    Values,
    Name,
    Size,
    Symbols,
}

impl Token {
    /// The JSON-pointer reference token.
    pub(crate) fn text(self) -> String {
        match self {
            Token::Fields => "fields".into(),
            Token::Index(i) => i.to_string(),
            Token::Type => "type".into(),
            Token::Items => "items".into(),
            Token::Values => "values".into(),
            Token::Name => "name".into(),
            Token::Size => "size".into(),
            Token::Symbols => "symbols".into(),
        }
    }
}

/// One incompatibility with its location relative to the pair being checked.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    /// Location tokens, innermost first (so prefixing is a push).
    pub rev_path: Vec<Token>,
    pub detail: Detail,
}

impl Found {
    /// An incompatibility at `tokens` (outermost first) below the pair.
    pub(crate) fn at(tokens: &[Token], detail: Detail) -> Self {
        Found {
            rev_path: tokens.iter().rev().copied().collect(),
            detail,
        }
    }
}

/// Moves every incompatibility of `found` below `tokens` (outermost first).
pub(crate) fn under(tokens: &[Token], mut found: Vec<Found>) -> Vec<Found> {
    for f in &mut found {
        f.rev_path.extend(tokens.iter().rev().copied());
    }
    found
}
