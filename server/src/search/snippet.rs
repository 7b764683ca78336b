//! Highlighted snippets. Matching is done here on the document's own tokens
//! (exact, typo and prefix alike), since tantivy's generator only knows
//! exact query terms. The best fragment is chosen as tantivy's
//! `SnippetGenerator` chooses it, in the same single pass over the tokens
//! that finds the matches (the generator would analyze the text again).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use super::query::QueryTerm;

/// Snippet length in bytes, roughly two lines.
const SNIPPET_BYTES: usize = 200;

pub(crate) struct Highlighter<'a> {
    terms: &'a [QueryTerm],
    analyzer: TextAnalyzer,
    /// Whether a token matches a query term, remembered across the page:
    /// descriptions share most of their words, and typo matching is costly.
    seen: HashMap<String, bool>,
}

/// One token as the fragment search needs it.
struct Token {
    range: Range<usize>,
    matched: bool,
    /// The token lower-cased, when that changes it (tantivy's generator
    /// looks up the lower-cased token).
    lower: Option<String>,
}

/// A window of the text and its matches (tantivy's `FragmentCandidate`,
/// every matched term weighing 1).
struct Fragment {
    score: f32,
    start: usize,
    stop: usize,
    highlighted: Vec<Range<usize>>,
}

impl Fragment {
    fn new(start: usize) -> Self {
        Fragment {
            score: 0.0,
            start,
            stop: start,
            highlighted: Vec::new(),
        }
    }
}

impl<'a> Highlighter<'a> {
    pub(crate) fn new(terms: &'a [QueryTerm], analyzer: TextAnalyzer) -> Self {
        Highlighter {
            terms,
            analyzer,
            seen: HashMap::new(),
        }
    }

    /// HTML for a hit: highlighted description, else highlighted title, else
    /// the start of the description (or the title when there is none).
    pub(crate) fn snippet_html(&mut self, description: &str, title: &str) -> String {
        if let Some(html) = self.highlight(description) {
            return html;
        }
        if let Some(html) = self.highlight(title) {
            return html;
        }
        let plain = if description.trim().is_empty() {
            title
        } else {
            description
        };
        let end = cut_at(plain, SNIPPET_BYTES);
        let mut html = render(&plain[..end], &[]);
        if end < plain.len() {
            html.push('…');
        }
        html
    }

    fn highlight(&mut self, text: &str) -> Option<String> {
        let (tokens, matched) = self.tokens(text)?;
        let fragment = best_fragment(&tokens, &matched)?;
        if fragment.highlighted.is_empty() {
            return None;
        }
        let range = fragment.start..fragment.stop;
        let marks: Vec<Range<usize>> = fragment
            .highlighted
            .iter()
            .map(|r| r.start - range.start..r.end - range.start)
            .collect();
        Some(with_ellipses(&text[range.clone()], range, &marks, text))
    }

    /// The analyzed tokens of `text` and the distinct matching ones, or
    /// `None` when none matches.
    fn tokens(&mut self, text: &str) -> Option<(Vec<Token>, HashSet<String>)> {
        let mut stream = self.analyzer.token_stream(text);
        let mut tokens = Vec::new();
        let mut matched_words = HashSet::new();
        while let Some(token) = stream.next() {
            let word = token.text.as_str();
            let matched = match self.seen.get(word) {
                Some(&matched) => matched,
                None => {
                    let matched = self.terms.iter().any(|t| t.matches(word));
                    self.seen.insert(word.to_owned(), matched);
                    matched
                }
            };
            if matched && !matched_words.contains(word) {
                matched_words.insert(word.to_owned());
            }
            let lower = word
                .chars()
                .any(char::is_uppercase)
                .then(|| word.to_lowercase());
            tokens.push(Token {
                range: token.offset_from..token.offset_to,
                matched,
                lower,
            });
        }
        (!matched_words.is_empty()).then_some((tokens, matched_words))
    }
}

/// tantivy's `search_fragments` and `select_best_fragment_combination`:
/// windows of at most `SNIPPET_BYTES`, the highest score wins, the earliest
/// on ties.
fn best_fragment(tokens: &[Token], matched: &HashSet<String>) -> Option<Fragment> {
    let mut fragments = Vec::new();
    let mut fragment = Fragment::new(0);
    for token in tokens {
        if token.range.end - fragment.start > SNIPPET_BYTES {
            if fragment.score > 0.0 {
                fragments.push(fragment);
            }
            fragment = Fragment::new(token.range.start);
        }
        fragment.stop = token.range.end;
        let hit = match &token.lower {
            None => token.matched,
            Some(lower) => matched.contains(lower.as_str()),
        };
        if hit {
            fragment.score += 1.0;
            fragment.highlighted.push(token.range.clone());
        }
    }
    if fragment.score > 0.0 {
        fragments.push(fragment);
    }
    fragments.into_iter().reduce(|best, next| {
        let better = next.score > best.score
            || (next.score == best.score && (next.start, next.stop) < (best.start, best.stop));
        if better {
            next
        } else {
            best
        }
    })
}

fn with_ellipses(
    fragment: &str,
    range: Range<usize>,
    marks: &[Range<usize>],
    text: &str,
) -> String {
    let mut html = String::new();
    if range.start > 0 {
        html.push('…');
    }
    html.push_str(&render(fragment, marks));
    if range.end < text.len() {
        html.push('…');
    }
    html
}

/// `text` HTML-escaped, the `marks` byte ranges wrapped in `<mark>`.
/// Markdown emphasis and code marks are dropped and line breaks flattened,
/// since a snippet is one short line of prose.
fn render(text: &str, marks: &[Range<usize>]) -> String {
    let mut marks = marks.to_vec();
    marks.sort_by_key(|r| r.start);
    let mut html = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for mark in marks {
        if mark.start < at || mark.end > text.len() || mark.start >= mark.end {
            continue; // overlapping or out of range: skip rather than panic
        }
        let (Some(before), Some(marked)) = (text.get(at..mark.start), text.get(mark.clone()))
        else {
            continue;
        };
        escape_into(&mut html, before);
        html.push_str("<mark>");
        escape_into(&mut html, marked);
        html.push_str("</mark>");
        at = mark.end;
    }
    escape_into(&mut html, text.get(at..).unwrap_or_default());
    html
}

fn escape_into(html: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            '*' | '`' => {}
            '\n' | '\r' | '\t' => html.push(' '),
            c => html.push(c),
        }
    }
}

/// The largest char boundary at or below `max` bytes.
fn cut_at(text: &str, max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    (0..=max)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_escapes_everything_but_marks() {
        let text = "<b>a</b> & \"x\" **bold**\nnext";
        assert_eq!(
            render(text, &[1..2, 3..4]),
            "&lt;<mark>b</mark>&gt;<mark>a</mark>&lt;/b&gt; &amp; &quot;x&quot; bold next"
        );
        assert_eq!(
            render("abcd", &[2..3, 0..1, 0..2, 3..9]),
            "<mark>a</mark>b<mark>c</mark>d"
        );
    }

    #[test]
    fn cut_respects_char_boundaries() {
        assert_eq!(cut_at("héllo", 2), 1);
        assert_eq!(cut_at("abc", 10), 3);
    }
}
