//! The dispatch of Java's `calculateCompatibility`: same types compare their
//! parts, a writer union must be readable branch by branch, a reader union
//! must have a branch reading the writer, and primitives may be promoted.

use apache_avro::Schema;

use super::found::{under, Detail, Found, Token};
use super::Checker;
use crate::view::{Kind, Node, View};

impl<'a> Checker<'a> {
    /// See [`Checker::pair`]; `rv` and `wv` are the views of `r` and `w`.
    pub(super) fn compute(
        &mut self,
        r: &'a Schema,
        w: &'a Schema,
        rv: View<'a>,
        wv: View<'a>,
    ) -> Vec<Found> {
        match (rv.node, wv.node) {
            (Node::Undefined(name), _) | (_, Node::Undefined(name)) => vec![Found::at(
                &[],
                Detail::Undefined {
                    name: name.fullname(None),
                },
            )],
            (Node::Primitive(a), Node::Primitive(b)) if a == b => decimal(&rv, &wv),
            (Node::Array(ri), Node::Array(wi)) => under(&[Token::Items], self.pair(ri, wi)),
            (Node::Map(rv_), Node::Map(wv_)) => under(&[Token::Values], self.pair(rv_, wv_)),
            (Node::Fixed(rf), Node::Fixed(wf)) => {
                let mut found = Vec::new();
                found.extend(super::named::names(&rv, &wv));
                found.extend(super::named::size(rf, wf));
                found.extend(decimal(&rv, &wv));
                found
            }
            (Node::Enum(re), Node::Enum(we)) => {
                let mut found = Vec::new();
                found.extend(super::named::names(&rv, &wv));
                found.extend(super::named::symbols(re, we));
                found
            }
            (Node::Record(rr), Node::Record(wr)) => {
                let mut found = Vec::new();
                found.extend(super::named::names(&rv, &wv));
                found.extend(self.fields(rr, wr));
                found
            }
            (Node::Union(_), Node::Union(wb)) => self.union_union(r, wb),
            (_, Node::Union(wb)) => self.writer_union(r, wb),
            (Node::Union(rb), _) => self.reader_union(rb, w, &wv),
            (Node::Primitive(a), Node::Primitive(b)) if promotes(a, b) => Vec::new(),
            _ => vec![Found::at(
                &[],
                Detail::TypeMismatch {
                    reader: rv.kind(),
                    writer: wv.kind(),
                },
            )],
        }
    }
}

/// Whether a reader of type `reader` reads a `writer` value (the
/// specification's promotions).
fn promotes(reader: Kind, writer: Kind) -> bool {
    use Kind::*;
    matches!(
        (reader, writer),
        (Long, Int)
            | (Float, Int | Long)
            | (Double, Int | Long | Float)
            | (Bytes, String)
            | (String, Bytes)
    )
}

/// Two decimals match only with equal precision and scale (specification,
/// "Decimal"). Java's `SchemaCompatibility` and Python's checker ignore
/// logical types; this crate follows the specification because a scale
/// change silently rescales every value. A decimal against a plain
/// bytes/fixed is left to the underlying types, as in Java.
fn decimal(rv: &View<'_>, wv: &View<'_>) -> Vec<Found> {
    match (rv.decimal, wv.decimal) {
        (Some(reader), Some(writer)) if reader != writer => {
            vec![Found::at(&[], Detail::Decimal { reader, writer })]
        }
        _ => Vec::new(),
    }
}
