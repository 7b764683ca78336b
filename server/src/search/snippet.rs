//! Highlighted snippets. Matching is done here on the document's own tokens
//! (exact, typo and prefix alike), since tantivy's generator only knows
//! exact query terms; tantivy then picks the best fragment.

use std::collections::BTreeMap;

use tantivy::schema::Field;
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::tokenizer::TextAnalyzer;

use super::analysis::analyze;
use super::query::QueryTerm;

/// Snippet length in bytes, roughly two lines.
const SNIPPET_BYTES: usize = 200;

pub(crate) struct Highlighter<'a> {
    terms: &'a [QueryTerm],
    analyzer: TextAnalyzer,
    /// Only labels the generator; the text is passed in.
    field: Field,
}

impl<'a> Highlighter<'a> {
    pub(crate) fn new(terms: &'a [QueryTerm], analyzer: TextAnalyzer, field: Field) -> Self {
        Highlighter {
            terms,
            analyzer,
            field,
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
        let matched: BTreeMap<String, f32> = analyze(&mut self.analyzer, text)
            .into_iter()
            .filter(|(_, token)| self.terms.iter().any(|t| t.matches(token)))
            .map(|(_, token)| (token, 1.0))
            .collect();
        if matched.is_empty() {
            return None;
        }
        let generator =
            SnippetGenerator::new(matched, self.analyzer.clone(), self.field, SNIPPET_BYTES);
        let snippet = generator.snippet(text);
        if snippet.highlighted().is_empty() {
            return None;
        }
        Some(with_ellipses(&snippet, text))
    }
}

fn with_ellipses(snippet: &Snippet, text: &str) -> String {
    let range = snippet.fragment_range();
    let mut html = String::new();
    if range.start > 0 {
        html.push('…');
    }
    html.push_str(&render(snippet.fragment(), snippet.highlighted()));
    if range.end < text.len() {
        html.push('…');
    }
    html
}

/// `text` HTML-escaped, the `marks` byte ranges wrapped in `<mark>`.
/// Markdown emphasis and code marks are dropped and line breaks flattened,
/// since a snippet is one short line of prose.
fn render(text: &str, marks: &[std::ops::Range<usize>]) -> String {
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
