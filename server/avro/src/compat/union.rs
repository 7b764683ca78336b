//! Unions on either side.

use apache_avro::Schema;

use super::found::{under, Detail, Found, Token};
use super::Checker;
use crate::view::{view, View};

impl<'a> Checker<'a> {
    /// Reader and writer unions: each writer branch must be readable by the
    /// reader union; an unreadable branch is one MISSING_UNION_BRANCH at the
    /// branch's index (its own reasons are not reported, as in Java).
    pub(super) fn union_union(&mut self, reader: &'a Schema, branches: &'a [Schema]) -> Vec<Found> {
        let mut found = Vec::new();
        for (i, branch) in branches.iter().enumerate() {
            if !self.pair(reader, branch).is_empty() {
                let writer = describe(&view(branch, &self.writers));
                found.push(Found::at(
                    &[Token::Index(i)],
                    Detail::UnionBranch { writer },
                ));
            }
        }
        found
    }

    /// A writer union read by a non-union reader: every branch must be
    /// readable; each branch's reasons are reported under its index (Java
    /// 1.12 does so; Python and older Java restart the location at "/").
    pub(super) fn writer_union(
        &mut self,
        reader: &'a Schema,
        branches: &'a [Schema],
    ) -> Vec<Found> {
        let mut found = Vec::new();
        for (i, branch) in branches.iter().enumerate() {
            found.extend(under(&[Token::Index(i)], self.pair(reader, branch)));
        }
        found
    }

    /// A non-union writer read by a reader union: some branch must read it.
    pub(super) fn reader_union(
        &mut self,
        branches: &'a [Schema],
        writer: &'a Schema,
        wv: &View<'a>,
    ) -> Vec<Found> {
        if branches.iter().any(|b| self.pair(b, writer).is_empty()) {
            return Vec::new();
        }
        vec![Found::at(
            &[],
            Detail::UnionBranch {
                writer: describe(wv),
            },
        )]
    }
}

/// Java's type name, with the full name of a named type.
fn describe(v: &View<'_>) -> String {
    match v.name() {
        Some(name) => format!("{} {}", v.kind().java_name(), name.fullname(None)),
        None => v.kind().java_name().to_string(),
    }
}
