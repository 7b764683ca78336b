//! Text analysis shared by indexing, querying and highlighting, so all three
//! see the same tokens.

use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter,
    TextAnalyzer, TokenStream,
};

/// Name under which [`text_analyzer`] is registered on every index.
pub(crate) const TEXT_TOKENIZER: &str = "sb_text";

/// Longer tokens are noise (hashes, base64) and bloat the term dictionary.
const MAX_TOKEN_BYTES: usize = 40;

// Lucene's English list, as tantivy's `stopwords` feature has it; that feature
// does not compile without `stemmer` in tantivy 0.27, so the list lives here.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with",
];

/// Words split on anything not alphanumeric (so `.`, `_`, `-` separate
/// words), lower-cased, accents folded, English stop words dropped.
pub(crate) fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| (*w).to_owned()),
        ))
        .build()
}

/// The analyzed tokens of `text` with their positions.
pub(crate) fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while let Some(token) = stream.next() {
        tokens.push((token.position, token.text.clone()));
    }
    tokens
}

/// `text` followed by the camelCase words of its identifiers:
/// `customer.customerId` → `customer.customerId customer Id`. Once analyzed,
/// the raw identifier (`customerid`) and its words (`customer`, `id`) are
/// all terms, so either finds the field.
pub(crate) fn expand_identifiers(text: &str) -> String {
    let mut out = String::from(text);
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let parts = camel_case_words(word);
        if parts.len() > 1 {
            for part in parts {
                out.push(' ');
                out.push_str(part);
            }
        }
    }
    out
}

/// `customerId` → [customer, Id]; `HTTPServer` → [HTTP, Server].
fn camel_case_words(word: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, &(at, c)) in chars.iter().enumerate().skip(1) {
        let prev = chars[i - 1].1;
        let next_is_lower = chars.get(i + 1).is_some_and(|(_, n)| n.is_lowercase());
        let boundary = c.is_uppercase()
            && (prev.is_lowercase() || prev.is_numeric() || (prev.is_uppercase() && next_is_lower));
        if boundary {
            parts.push(&word[start..at]);
            start = at;
        }
    }
    if start < word.len() {
        parts.push(&word[start..]);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        analyze(&mut text_analyzer(), text)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn camel_case_splits_at_case_changes() {
        assert_eq!(camel_case_words("customerId"), ["customer", "Id"]);
        assert_eq!(camel_case_words("HTTPServer"), ["HTTP", "Server"]);
        assert_eq!(camel_case_words("postCode2Line"), ["post", "Code2", "Line"]);
        assert_eq!(camel_case_words("ID"), ["ID"]);
        assert!(camel_case_words("").is_empty());
    }

    #[test]
    fn identifiers_index_raw_and_split_words() {
        assert_eq!(
            words(&expand_identifiers("customer.customerId")),
            ["customer", "customerid", "customer", "id"]
        );
        assert_eq!(words("order_line-item"), ["order", "line", "item"]);
    }

    #[test]
    fn analyzer_lowercases_folds_and_drops_stop_words() {
        assert_eq!(words("The Café AND a Router"), ["cafe", "router"]);
        let long = "x".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(words(&format!("{long} ok")), ["ok"]);
    }
}
