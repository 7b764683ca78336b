//! Turns a finding into the public `Incompatibility`: the JSON-pointer-like
//! path Java prints, and the message with the reader fields leading there.

use apache_avro::Schema;

use super::found::{Found, Token};
use crate::names::NameTable;
use crate::view::{view, Node};
use crate::Incompatibility;

/// The public form of `found`, located in the `reader` schema.
pub(super) fn finish(found: Found, reader: &Schema, names: &NameTable<'_>) -> Incompatibility {
    let tokens: Vec<Token> = found.rev_path.into_iter().rev().collect();
    let fields = field_chain(reader, names, &tokens);
    let field = (!fields.is_empty()).then(|| fields.join("."));
    Incompatibility {
        kind: found.detail.kind(),
        path: pointer(&tokens),
        message: found.detail.message(field.as_deref()),
    }
}

/// Java's `Incompatibility.getLocation()`: "/" then the tokens joined by
/// "/", each escaped as a JSON pointer reference token.
fn pointer(tokens: &[Token]) -> String {
    // Today's tokens never contain '~' or '/'; escaping keeps it a pointer
    // should a token ever carry a name.
    let escaped: Vec<String> = tokens
        .iter()
        .map(|t| t.text().replace('~', "~0").replace('/', "~1"))
        .collect();
    format!("/{}", escaped.join("/"))
}

/// The names of the reader fields the path passes through. Numeric tokens
/// are writer union branch indices: the reader node stays where it is.
fn field_chain<'a>(reader: &'a Schema, names: &NameTable<'a>, tokens: &[Token]) -> Vec<&'a str> {
    let mut chain = Vec::new();
    let mut node = reader;
    let mut rest = tokens;
    loop {
        match (rest, view(node, names).node) {
            ([Token::Fields, Token::Index(n), tail @ ..], Node::Record(record)) => {
                let Some(field) = record.fields.get(*n) else {
                    break;
                };
                chain.push(field.name.as_str());
                let [Token::Type, tail @ ..] = tail else {
                    break;
                };
                node = &field.schema;
                rest = tail;
            }
            ([Token::Items, tail @ ..], Node::Array(items)) => (node, rest) = (items, tail),
            ([Token::Values, tail @ ..], Node::Map(values)) => (node, rest) = (values, tail),
            ([Token::Index(_), tail @ ..], _) => rest = tail,
            _ => break,
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_a_slash_and_tokens_are_joined() {
        assert_eq!(pointer(&[]), "/");
        let tokens = [Token::Fields, Token::Index(2), Token::Type, Token::Items];
        assert_eq!(pointer(&tokens), "/fields/2/type/items");
    }
}
