//! Rules of named types: names (with reader aliases), fixed sizes, enum
//! symbols.

use apache_avro::schema::{EnumSchema, FixedSchema};

use super::found::{Detail, Found, Token};
use crate::view::{Node, View};

/// Java's `schemaNameEquals`: equal unqualified names (the specification
/// says "(unqualified) name"), or a reader alias equal to the writer's full
/// name. The writer's aliases play no part.
pub(super) fn names(rv: &View<'_>, wv: &View<'_>) -> Option<Found> {
    let (reader, writer) = rv.name().zip(wv.name())?;
    if reader.name() == writer.name() {
        return None;
    }
    let aliases = match rv.node {
        Node::Record(r) => r.aliases.as_deref(),
        Node::Enum(e) => e.aliases.as_deref(),
        Node::Fixed(f) => f.aliases.as_deref(),
        _ => None,
    };
    // apache-avro stores aliases already qualified with the type's namespace.
    if aliases
        .unwrap_or_default()
        .iter()
        .any(|alias| *alias.fully_qualified_name(None) == *writer)
    {
        return None;
    }
    Some(Found::at(
        &[Token::Name],
        Detail::Name {
            reader: reader.fullname(None),
            writer: writer.fullname(None),
        },
    ))
}

/// Fixed sizes must be equal.
pub(super) fn size(reader: &FixedSchema, writer: &FixedSchema) -> Option<Found> {
    (reader.size != writer.size).then(|| {
        Found::at(
            &[Token::Size],
            Detail::Size {
                name: reader.name.fullname(None),
                reader: reader.size,
                writer: writer.size,
            },
        )
    })
}

/// Every writer symbol must be a reader symbol, unless the reader enum has a
/// default symbol to read unknown ones as.
pub(super) fn symbols(reader: &EnumSchema, writer: &EnumSchema) -> Option<Found> {
    if reader.default.is_some() {
        // apache-avro refuses a default that is not one of the symbols.
        return None;
    }
    let missing: Vec<String> = writer
        .symbols
        .iter()
        .filter(|s| !reader.symbols.contains(s))
        .cloned()
        .collect();
    (!missing.is_empty()).then(|| {
        Found::at(
            &[Token::Symbols],
            Detail::Symbols {
                name: reader.name.fullname(None),
                missing,
            },
        )
    })
}
