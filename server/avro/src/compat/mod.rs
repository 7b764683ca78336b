//! Reader/writer compatibility: the schema resolution rules of the Avro
//! specification as Java's `SchemaCompatibility` (Avro 1.12) applies them,
//! reporting every incompatibility with Java's kind names and locations.
//!
//! Not `apache_avro::schema_compatibility`: it ignores reader aliases of
//! named types and answers `Partial` where Java says incompatible.
//!
//! Like Java (and the specification) named types match on their unqualified
//! name or a reader alias; like Java 1.12, a writer union read by a
//! non-union reader reports each branch's findings under the branch index.
//!
//! Where this deliberately differs from Java (documented at each place):
//! - decimal precision and scale must match (the specification's rule;
//!   Java and Python ignore logical types here), reported as TYPE_MISMATCH;
//! - a named pair met again at another location reports its findings at
//!   that location (Java's memo repeats the first location); because a
//!   type shared along many paths multiplies its findings (in Java too),
//!   each pair's findings are capped at [`MAX_FINDINGS`], which keeps the
//!   work polynomial on hostile schemas;
//! - a reader field matching several writer fields (by name and aliases)
//!   takes the one named like it, else the first alias that matches (Java
//!   throws).

mod found;
mod location;
mod named;
mod record;
mod rules;
mod union;

use std::collections::HashMap;

use apache_avro::schema::Name;
use apache_avro::Schema;

use crate::names::NameTable;
use crate::view::{view, Node, View};
use crate::Incompatibility;
use found::Found;

/// The most incompatibilities reported for one reader/writer pair (and so
/// by `can_read`); only a type shared along very many paths reaches it.
pub(crate) const MAX_FINDINGS: usize = 1000;

/// Every incompatibility of `reader` reading data written with `writer`;
/// both are self-contained schemas.
pub(crate) fn can_read(reader: &Schema, writer: &Schema) -> Vec<Incompatibility> {
    let mut checker = Checker {
        readers: NameTable::of(reader),
        writers: NameTable::of(writer),
        memo: HashMap::new(),
    };
    let found = checker.pair(reader, writer);
    found
        .into_iter()
        .map(|f| location::finish(f, reader, &checker.readers))
        .collect()
}

/// The state of one `can_read`.
struct Checker<'a> {
    readers: NameTable<'a>,
    writers: NameTable<'a>,
    /// Results of named pairs by (reader, writer) full name; `None` while
    /// the pair is being examined, so a recursive schema meeting it again
    /// assumes it compatible (as Java does) and the walk terminates.
    memo: HashMap<(&'a Name, &'a Name), Option<Vec<Found>>>,
}

impl<'a> Checker<'a> {
    /// The incompatibilities of reader `r` with writer `w`, relative to them.
    fn pair(&mut self, r: &'a Schema, w: &'a Schema) -> Vec<Found> {
        let rv = view(r, &self.readers);
        let wv = view(w, &self.writers);
        let Some(key) = named(&rv).zip(named(&wv)) else {
            return capped(self.compute(r, w, rv, wv));
        };
        match self.memo.get(&key) {
            Some(Some(done)) => return done.clone(),
            Some(None) => return Vec::new(),
            None => {}
        }
        self.memo.insert(key, None);
        let found = capped(self.compute(r, w, rv, wv));
        self.memo.insert(key, Some(found.clone()));
        found
    }
}

/// At most [`MAX_FINDINGS`], the first in schema order; never empties a
/// non-empty list, so emptiness still means compatible.
fn capped(mut found: Vec<Found>) -> Vec<Found> {
    found.truncate(MAX_FINDINGS);
    found
}

/// The name of a defined named type (only these can recur).
fn named<'a>(v: &View<'a>) -> Option<&'a Name> {
    match v.node {
        Node::Record(_) | Node::Enum(_) | Node::Fixed(_) => v.name(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain of `depth` records, each with two fields of the next one:
    /// 2^depth paths, but only `depth` named pairs.
    fn chain(depth: usize, leaf: &str) -> Schema {
        let mut text = format!(
            r#"{{"type":"record","name":"T{depth}","fields":[{{"name":"x","type":"{leaf}"}}]}}"#
        );
        for level in (0..depth).rev() {
            let next = level + 1;
            text = format!(
                r#"{{"type":"record","name":"T{level}","fields":[{{"name":"a","type":{text}}},{{"name":"b","type":"T{next}"}}]}}"#
            );
        }
        Schema::parse_str(&text).expect("chain parses")
    }

    #[test]
    fn shared_named_types_are_examined_once_per_pair() {
        // 2^40 paths lead to the one int/long mismatch; the memo and the
        // cap keep this fast, and the first findings are the leftmost paths.
        let found = can_read(&chain(40, "int"), &chain(40, "long"));
        assert_eq!(found.len(), MAX_FINDINGS);
        assert!(found.iter().all(|f| f.kind == "TYPE_MISMATCH"));
        assert_eq!(
            found[0].path,
            format!("{}/fields/0/type", "/fields/0/type".repeat(40))
        );
    }

    #[test]
    fn a_self_recursive_pair_terminates_and_is_compatible() {
        let list = r#"{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}"#;
        let schema = Schema::parse_str(list).unwrap();
        assert!(can_read(&schema, &schema).is_empty());
    }
}
