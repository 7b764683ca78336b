//! Running a search: facet counts, the sorted page of hits, their snippets.

use tantivy::collector::sort_key::{SortBySimilarityScore, SortByStaticFastValue, SortByString};
use tantivy::collector::TopDocs;
use tantivy::query::Query;
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, Order, Score, Searcher, TantivyDocument};

use super::error::SearchError;
use super::facets::{FacetCounter, FacetCounts};
use super::index::SearchIndex;
use super::model::{Hit, SearchQuery, SearchResults, Sort};
use super::page::FilteredTop;
use super::query::ParsedQuery;
use super::schema::{NAME, UPDATED_AT};
use super::snippet::Highlighter;

/// Hits beyond this rank are never returned: the page collector keeps
/// offset + limit entries in memory (Elasticsearch's `max_result_window`).
pub const MAX_RESULT_WINDOW: usize = 10_000;

impl SearchIndex {
    /// Never fails on user input: any text gives a query (see `query`).
    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let mut analyzer = self.analyzer.clone();
        let parsed = ParsedQuery::parse(&mut analyzer, &query.text);
        let text_query = parsed.to_query(&self.fields.weighted_text());
        let searcher = self.reader.searcher();

        let (page, per_page) = query.paging();
        let offset = (page - 1).saturating_mul(per_page);
        let sort = match (query.sort, parsed.is_match_all()) {
            (Sort::Relevance, true) => Sort::Name,
            (sort, _) => sort,
        };
        // One pass: facets count every text match, the page keeps only
        // those passing every filter.
        let counter = FacetCounter::new(query, self.facet_tables.for_searcher(&searcher)?);
        let (counts, page_docs) = if offset.saturating_add(per_page) <= MAX_RESULT_WINDOW {
            top_docs(&searcher, &*text_query, counter, sort, per_page, offset)?
        } else {
            (searcher.search(&*text_query, &counter)?, Vec::new())
        };
        let total = usize::try_from(counts.total).unwrap_or(usize::MAX);

        let mut hits = Vec::new();
        if !page_docs.is_empty() {
            let mut highlighter = Highlighter::new(&parsed.terms, analyzer);
            for (score, address) in page_docs {
                let doc: TantivyDocument = searcher.doc(address)?;
                let text = |field| first_text(&doc, field);
                hits.push(Hit {
                    name: text(self.fields.name),
                    score,
                    snippet_html: highlighter
                        .snippet_html(&text(self.fields.description), &text(self.fields.title)),
                });
            }
        }
        Ok(SearchResults {
            total,
            hits,
            facets: counts.into_facets(query),
            notice: parsed.notice,
        })
    }
}

/// Facet counts and one page of (score, doc); ties broken by name so pages
/// are stable.
fn top_docs(
    searcher: &Searcher,
    query: &dyn Query,
    facets: FacetCounter,
    sort: Sort,
    limit: usize,
    offset: usize,
) -> tantivy::Result<(FacetCounts, Vec<(Score, DocAddress)>)> {
    let top = TopDocs::with_limit(limit).and_offset(offset);
    let by_score = (SortBySimilarityScore, Order::Desc);
    let by_name = (SortByString::for_field(NAME), Order::Asc);
    Ok(match sort {
        Sort::Relevance => {
            let top = top.order_by((by_score, by_name));
            let (counts, docs) = searcher.search(query, &FilteredTop::new(facets, top))?;
            let docs = docs.into_iter().map(|((score, _), doc)| (score, doc));
            (counts, docs.collect())
        }
        Sort::Name => {
            let top = top.order_by((by_name, by_score));
            let (counts, docs) = searcher.search(query, &FilteredTop::new(facets, top))?;
            let docs = docs.into_iter().map(|((_, score), doc)| (score, doc));
            (counts, docs.collect())
        }
        Sort::Updated => {
            let by_updated = (
                SortByStaticFastValue::<i64>::for_field(UPDATED_AT),
                Order::Desc,
            );
            let top = top.order_by((by_updated, by_name, by_score));
            let (counts, docs) = searcher.search(query, &FilteredTop::new(facets, top))?;
            let docs = docs.into_iter().map(|((_, _, score), doc)| (score, doc));
            (counts, docs.collect())
        }
    })
}

fn first_text(doc: &TantivyDocument, field: Field) -> String {
    doc.get_first(field)
        .and_then(|value| value.as_str())
        .unwrap_or_default()
        .to_owned()
}
