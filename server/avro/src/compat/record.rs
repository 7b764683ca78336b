//! Record fields: each reader field is read from the writer field of the
//! same name, or of one of the reader field's aliases, or needs a default.

use apache_avro::schema::{RecordField, RecordSchema};

use super::found::{under, Detail, Found, Token};
use super::Checker;
use crate::view::{view, Node};

impl<'a> Checker<'a> {
    /// Java's `checkReaderWriterRecordFields`.
    pub(super) fn fields(
        &mut self,
        reader: &'a RecordSchema,
        writer: &'a RecordSchema,
    ) -> Vec<Found> {
        let mut found = Vec::new();
        for (i, field) in reader.fields.iter().enumerate() {
            let index = Token::Index(i);
            match writer_field(writer, field) {
                Some(w) => found.extend(under(
                    &[Token::Fields, index, Token::Type],
                    self.pair(&field.schema, &w.schema),
                )),
                None if field.default.is_some() => {}
                None => {
                    let record = writer.name.fullname(None);
                    // Java compares an enum-typed field whose enum has a
                    // default with the writer record itself: a type mismatch
                    // at /fields/i/type. Kept for the same kind and path.
                    let enum_with_default = matches!(
                        view(&field.schema, &self.readers).node,
                        Node::Enum(e) if e.default.is_some()
                    );
                    found.push(if enum_with_default {
                        Found::at(
                            &[Token::Fields, index, Token::Type],
                            Detail::EnumFieldMissing { record },
                        )
                    } else {
                        Found::at(&[Token::Fields, index], Detail::MissingField { record })
                    });
                }
            }
        }
        found
    }
}

/// Java's `lookupWriterField`, by writer field names only (a writer field's
/// own aliases do not count). Where Java throws because several writer
/// fields match, the one named like the reader field wins, then the first
/// matching alias.
fn writer_field<'w>(writer: &'w RecordSchema, field: &RecordField) -> Option<&'w RecordField> {
    let by_name = |name: &str| writer.fields.iter().find(|w| w.name == name);
    by_name(&field.name).or_else(|| field.aliases.iter().find_map(|alias| by_name(alias)))
}
