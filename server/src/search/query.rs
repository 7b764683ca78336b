//! User text → tantivy query. The query is built from analyzed tokens, never
//! with tantivy's query parser, so every input gives a query: operators,
//! colons and brackets are just dropped by the analyzer.

use std::fmt;
use std::sync::Arc;

use tantivy::query::{
    AllQuery, AutomatonWeight, BooleanQuery, BoostQuery, DfaWrapper, EnableScoring, FuzzyTermQuery,
    Occur, PhraseQuery, Query, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;

use super::analysis::analyze;
use super::schema::TextField;

/// Longer query text is cut (and the caller told so).
pub const MAX_QUERY_CHARS: usize = 256;
/// Words plus phrases searched at most; each costs several sub-queries.
const MAX_CLAUSES: usize = 16;
/// Typo and prefix matches rank below exact ones.
const FUZZY_WEIGHT: f32 = 0.3;
const PREFIX_WEIGHT: f32 = 0.5;
/// A shorter last word is not expanded as a prefix: it would match too much.
const MIN_PREFIX_CHARS: usize = 2;

/// One analyzed query word and how loosely it may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryTerm {
    pub text: String,
    /// Edits allowed (0 = exact).
    pub distance: u8,
    /// Also match words starting with `text` (the word being typed).
    pub prefix: bool,
}

impl QueryTerm {
    fn fuzzy(text: String) -> Self {
        // No typos below 4 chars, one up to 7, two above.
        let distance = match text.chars().count() {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        QueryTerm {
            text,
            distance,
            prefix: false,
        }
    }

    fn exact(text: String) -> Self {
        QueryTerm {
            text,
            distance: 0,
            prefix: false,
        }
    }

    /// Whether a document's analyzed token matches, as the index would match it.
    pub(crate) fn matches(&self, token: &str) -> bool {
        token == self.text
            || (self.prefix && token.starts_with(&self.text))
            || (self.distance > 0 && within_distance(token, &self.text, self.distance))
    }
}

/// The user's text as required terms and phrases.
#[derive(Debug, Default)]
pub(crate) struct ParsedQuery {
    pub terms: Vec<QueryTerm>,
    /// Phrases of two or more tokens, with their positions.
    pub phrases: Vec<Vec<(usize, String)>>,
    /// Tells the user how their text was changed.
    pub notice: Option<String>,
}

enum Clause<'a> {
    Words(&'a str),
    Phrase(&'a str),
}

impl ParsedQuery {
    pub(crate) fn parse(analyzer: &mut TextAnalyzer, text: &str) -> ParsedQuery {
        let text = text.trim();
        let (text, mut shortened) = match text.char_indices().nth(MAX_QUERY_CHARS) {
            Some((cut, _)) => (&text[..cut], true),
            None => (text, false),
        };
        let mut parsed = ParsedQuery::default();
        let mut clauses = 0;
        let mut ends_with_word = false;
        for clause in split_clauses(text) {
            let (tokens, is_phrase) = match clause {
                Clause::Words(words) => (analyze(analyzer, words), false),
                Clause::Phrase(phrase) => (analyze(analyzer, phrase), true),
            };
            ends_with_word = !is_phrase && !tokens.is_empty();
            if is_phrase && tokens.len() > 1 {
                if clauses < MAX_CLAUSES {
                    parsed
                        .phrases
                        .push(tokens.into_iter().take(MAX_CLAUSES).collect());
                    clauses += 1;
                } else {
                    shortened = true;
                }
                continue;
            }
            for (_, token) in tokens {
                if clauses == MAX_CLAUSES {
                    shortened = true;
                    break;
                }
                let term = if is_phrase {
                    QueryTerm::exact(token)
                } else {
                    QueryTerm::fuzzy(token)
                };
                parsed.terms.push(term);
                clauses += 1;
            }
        }
        if let (true, false, Some(last)) = (ends_with_word, shortened, parsed.terms.last_mut()) {
            last.prefix = last.text.chars().count() >= MIN_PREFIX_CHARS;
        }
        parsed.notice = if shortened {
            Some(format!(
                "The query was shortened: only its first {MAX_QUERY_CHARS} characters \
                 and {MAX_CLAUSES} words are searched."
            ))
        } else if !text.is_empty() && parsed.is_match_all() {
            Some("The query has no searchable words; showing all events.".to_owned())
        } else {
            None
        };
        parsed
    }

    pub(crate) fn is_match_all(&self) -> bool {
        self.terms.is_empty() && self.phrases.is_empty()
    }

    /// Every term and phrase must match, each in any of `fields`.
    pub(crate) fn to_query(&self, fields: &[TextField]) -> Box<dyn Query> {
        if self.is_match_all() {
            return Box::new(AllQuery);
        }
        let terms = self.terms.iter().map(|term| term_query(term, fields));
        let phrases = self.phrases.iter().map(|p| phrase_query(p, fields));
        let required = terms.chain(phrases).map(|q| (Occur::Must, q)).collect();
        Box::new(BooleanQuery::new(required))
    }
}

/// Quotes pair up from the left; an unpaired quote is ignored and the text
/// after it searched as plain words.
fn split_clauses(text: &str) -> Vec<Clause<'_>> {
    let quotes: Vec<usize> = text.match_indices('"').map(|(at, _)| at).collect();
    let mut clauses = Vec::new();
    let mut rest = 0;
    for pair in quotes.chunks_exact(2) {
        clauses.push(Clause::Words(&text[rest..pair[0]]));
        clauses.push(Clause::Phrase(&text[pair[0] + 1..pair[1]]));
        rest = pair[1] + 1;
    }
    clauses.push(Clause::Words(&text[rest..]));
    clauses
}

fn term_query(term: &QueryTerm, fields: &[TextField]) -> Box<dyn Query> {
    // The typo and prefix automata depend on the word only: built once here
    // and shared by every field (tantivy's fuzzy query builds its own per
    // field, and a distance-2 automaton costs about as much as the search).
    let fuzzy = (term.distance > 0).then(|| Loose::new(&term.text, term.distance, false));
    let prefix = term.prefix.then(|| Loose::new(&term.text, 0, true));
    let mut any_field = Vec::new();
    for &TextField {
        field,
        boost,
        loose,
    } in fields
    {
        let exact = Term::from_field_text(field, &term.text);
        if let (true, Some(fuzzy)) = (loose, &fuzzy) {
            any_field.push(boosted_box(fuzzy.query(field), boost * FUZZY_WEIGHT));
        }
        if let (true, Some(prefix)) = (loose, &prefix) {
            any_field.push(boosted_box(prefix.query(field), boost * PREFIX_WEIGHT));
        }
        let scored = TermQuery::new(exact, IndexRecordOption::WithFreqs);
        any_field.push(boosted(scored, boost));
    }
    Box::new(BooleanQuery::union(any_field))
}

/// A typo (or prefix) match of one word, as `FuzzyTermQuery` does it.
struct Loose {
    text: String,
    distance: u8,
    prefix: bool,
    /// `None` if tantivy refused to build it (it does not for our words);
    /// then each field gets its own `FuzzyTermQuery`, as before.
    automaton: Option<Arc<DfaWrapper>>,
}

impl Loose {
    fn new(text: &str, distance: u8, prefix: bool) -> Self {
        let query = Self::fuzzy_query(
            Term::from_field_text(Field::from_field_id(0), text),
            distance,
            prefix,
        );
        Loose {
            text: text.to_owned(),
            distance,
            prefix,
            automaton: query.automaton().ok().map(Arc::new),
        }
    }

    fn fuzzy_query(term: Term, distance: u8, prefix: bool) -> FuzzyTermQuery {
        // Swapped neighbours count as one edit.
        if prefix {
            FuzzyTermQuery::new_prefix(term, distance, true)
        } else {
            FuzzyTermQuery::new(term, distance, true)
        }
    }

    fn query(&self, field: Field) -> Box<dyn Query> {
        match &self.automaton {
            Some(automaton) => Box::new(SharedAutomatonQuery {
                field,
                automaton: Arc::clone(automaton),
            }),
            None => Box::new(Self::fuzzy_query(
                Term::from_field_text(field, &self.text),
                self.distance,
                self.prefix,
            )),
        }
    }
}

/// `FuzzyTermQuery` with its automaton built beforehand: the same weight
/// (every matching term's documents, one constant score).
#[derive(Clone)]
struct SharedAutomatonQuery {
    field: Field,
    automaton: Arc<DfaWrapper>,
}

impl fmt::Debug for SharedAutomatonQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedAutomatonQuery")
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

impl Query for SharedAutomatonQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::<DfaWrapper>::new(
            self.field,
            Arc::clone(&self.automaton),
        )))
    }
}

fn phrase_query(tokens: &[(usize, String)], fields: &[TextField]) -> Box<dyn Query> {
    let first = tokens.first().map_or(0, |(position, _)| *position);
    let any_field = fields
        .iter()
        .map(|&TextField { field, boost, .. }| {
            let terms = tokens
                .iter()
                .map(|(position, text)| (position - first, Term::from_field_text(field, text)))
                .collect();
            boosted(PhraseQuery::new_with_offset(terms), boost)
        })
        .collect();
    Box::new(BooleanQuery::union(any_field))
}

fn boosted(query: impl Query, boost: f32) -> Box<dyn Query> {
    boosted_box(Box::new(query), boost)
}

fn boosted_box(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(query, boost))
}

/// Optimal string alignment distance of `a` and `b` is at most `max`
/// (a swap of neighbours counts as one edit, as in the fuzzy query).
fn within_distance(a: &str, b: &str, max: u8) -> bool {
    let max = usize::from(max);
    // Most words differ in length by more than `max`: no allocation for them.
    if a.chars().count().abs_diff(b.chars().count()) > max {
        return false;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::analysis::text_analyzer;

    fn parse(text: &str) -> ParsedQuery {
        ParsedQuery::parse(&mut text_analyzer(), text)
    }

    fn term_texts(parsed: &ParsedQuery) -> Vec<&str> {
        parsed.terms.iter().map(|t| t.text.as_str()).collect()
    }

    #[test]
    fn words_get_typo_distance_by_length_and_last_is_prefix() {
        let parsed = parse("net customer notification");
        let found: Vec<(&str, u8, bool)> = parsed
            .terms
            .iter()
            .map(|t| (t.text.as_str(), t.distance, t.prefix))
            .collect();
        assert_eq!(
            found,
            [
                ("net", 0, false),
                ("customer", 2, false),
                ("notification", 2, true)
            ]
        );
        assert_eq!(parse("order").terms[0].distance, 1);
        assert!(parse("custo").terms[0].prefix);
        assert!(!parse("c").terms[0].prefix);
    }

    #[test]
    fn quotes_make_phrases_and_unpaired_quotes_are_plain_words() {
        let parsed = parse(r#"alarm "network fault" raised"#);
        assert_eq!(term_texts(&parsed), ["alarm", "raised"]);
        assert_eq!(parsed.phrases.len(), 1);
        assert!(parsed.terms[1].prefix);

        let parsed = parse(r#"alarm "network fault"#);
        assert_eq!(term_texts(&parsed), ["alarm", "network", "fault"]);
        assert!(parsed.phrases.is_empty());

        let parsed = parse(r#"alarm "fault""#);
        assert_eq!(parsed.terms[1], QueryTerm::exact("fault".into()));
    }

    #[test]
    fn phrase_positions_keep_stop_word_gaps() {
        let parsed = parse(r#""state of network""#);
        assert_eq!(
            parsed.phrases[0],
            [(0, "state".to_owned()), (2, "network".to_owned())]
        );
    }

    #[test]
    fn operators_and_syntax_are_dropped() {
        assert_eq!(
            term_texts(&parse("customer AND +order -(team:crm)")),
            ["customer", "order", "team", "crm"]
        );
        let parsed = parse("AND + - : ( )");
        assert!(parsed.is_match_all());
        assert!(parsed.notice.is_some());
        let parsed = parse("   ");
        assert!(parsed.is_match_all());
        assert_eq!(parsed.notice, None);
    }

    #[test]
    fn long_queries_are_capped_with_a_notice() {
        let parsed = parse(&"é".repeat(1000));
        assert!(parsed.notice.is_some_and(|n| n.contains("shortened")));
        let many: Vec<String> = (0..40).map(|i| format!("w{i}")).collect();
        let parsed = parse(&many.join(" "));
        assert_eq!(parsed.terms.len(), MAX_CLAUSES);
        assert!(!parsed.terms[MAX_CLAUSES - 1].prefix);
        assert!(parsed.notice.is_some());
        assert_eq!(parse("short query").notice, None);
    }

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert!(within_distance("custmer", "customer", 1));
        assert!(within_distance("cusotmer", "customer", 1));
        assert!(!within_distance("cstmr", "customer", 2));
        assert!(within_distance("same", "same", 0));
        assert!(!within_distance("abcd", "abce", 0));
    }

    #[test]
    fn matches_follows_distance_and_prefix() {
        let mut term = QueryTerm::fuzzy("custo".into());
        assert!(term.matches("custom"));
        assert!(!term.matches("customer"));
        term.prefix = true;
        assert!(term.matches("customer"));
    }
}
