//! Facet counts in one pass over the documents matching the text. Each facet
//! is counted over the documents that pass every OTHER facet's filter
//! ("disjunctive" faceting), so selecting `team=crm` still shows the other
//! teams with their counts. The same pass counts the fully filtered total.
//!
//! The pass reads each document's facet values from a [`SegmentTable`]:
//! plain arrays of term ordinals built once per segment from its columns
//! (segments never change; a new one is added by each commit). Reading the
//! columns themselves for every match took about half of a search.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::model::{Facets, SearchQuery};
use super::schema::Facet;

/// Values returned per facet at most (selected values are always kept).
const MAX_VALUES: usize = 50;
/// No filter failed: the match counts for every facet and the total.
const PASSED: usize = usize::MAX;

pub(crate) fn selected(query: &SearchQuery, facet: Facet) -> &[String] {
    match facet {
        Facet::Team => &query.team,
        Facet::Domain => &query.domain,
        Facet::Tag => &query.tag,
        Facet::Classification => &query.classification,
        Facet::Cluster => &query.cluster,
        Facet::Lifecycle => &query.lifecycle,
    }
}

/// One facet's values for every document of a segment.
struct FacetValues {
    /// Turns ordinals back into values; `None` when no document has one.
    column: Option<StrColumn>,
    /// The ordinals of document `d` are `ords[starts[d]..starts[d + 1]]`.
    starts: Vec<u32>,
    ords: Vec<u32>,
}

impl FacetValues {
    fn build(column: Option<StrColumn>, max_doc: DocId) -> Self {
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut ords = Vec::with_capacity(max_doc as usize);
        starts.push(0);
        for doc in 0..max_doc {
            if let Some(column) = &column {
                ords.extend(column.term_ords(doc).filter_map(|o| u32::try_from(o).ok()));
            }
            starts.push(u32::try_from(ords.len()).unwrap_or(u32::MAX));
        }
        FacetValues {
            column,
            starts,
            ords,
        }
    }

    #[inline]
    fn of(&self, doc: DocId) -> &[u32] {
        let doc = doc as usize;
        match (self.starts.get(doc), self.starts.get(doc + 1)) {
            (Some(&from), Some(&to)) => self.ords.get(from as usize..to as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn num_terms(&self) -> usize {
        self.column
            .as_ref()
            .map_or(0, |c| c.dictionary().num_terms())
    }
}

/// Every facet's values for every document of one segment.
pub(crate) struct SegmentTable {
    /// In the order of `Facet::ALL`.
    facets: Vec<FacetValues>,
}

impl SegmentTable {
    fn build(reader: &SegmentReader) -> tantivy::Result<SegmentTable> {
        let mut facets = Vec::with_capacity(Facet::ALL.len());
        for facet in Facet::ALL {
            let column = reader.fast_fields().str(facet.column())?;
            facets.push(FacetValues::build(column, reader.max_doc()));
        }
        Ok(SegmentTable { facets })
    }
}

/// The tables of the segments being searched, built on first use.
#[derive(Default)]
pub(crate) struct FacetTables {
    by_segment: Mutex<HashMap<SegmentId, Arc<SegmentTable>>>,
}

impl FacetTables {
    /// The table of each of `searcher`'s segments, by segment ordinal;
    /// tables of segments no longer searched are dropped.
    pub(crate) fn for_searcher(
        &self,
        searcher: &Searcher,
    ) -> tantivy::Result<Vec<Arc<SegmentTable>>> {
        let mut by_segment = self
            .by_segment
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut tables = Vec::with_capacity(searcher.segment_readers().len());
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let table = match by_segment.get(&id) {
                Some(table) => Arc::clone(table),
                None => {
                    let table = Arc::new(SegmentTable::build(reader)?);
                    by_segment.insert(id, Arc::clone(&table));
                    table
                }
            };
            tables.push(table);
        }
        if by_segment.len() > tables.len() {
            let current: Vec<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .collect();
            by_segment.retain(|id, _| current.contains(id));
        }
        Ok(tables)
    }
}

pub(crate) struct FacetCounter {
    /// Selected values per facet, in the order of `Facet::ALL`.
    selected: Vec<Vec<String>>,
    /// By segment ordinal, from `FacetTables::for_searcher`.
    tables: Vec<Arc<SegmentTable>>,
}

/// Counts per facet (order of `Facet::ALL`) and the fully filtered total.
pub(crate) struct FacetCounts {
    pub total: u64,
    pub counts: Vec<HashMap<String, u64>>,
}

impl FacetCounter {
    pub(crate) fn new(query: &SearchQuery, tables: Vec<Arc<SegmentTable>>) -> Self {
        let selected = Facet::ALL.iter().map(|f| selected(query, *f).to_vec());
        FacetCounter {
            selected: selected.collect(),
            tables,
        }
    }
}

impl FacetCounts {
    /// Sorted by count (then value), cut to `MAX_VALUES` keeping selected ones.
    pub(crate) fn into_facets(self, query: &SearchQuery) -> Facets {
        let mut lists = Facet::ALL
            .iter()
            .zip(self.counts)
            .map(|(facet, counts)| top_values(counts, selected(query, *facet)));
        let mut next = || lists.next().unwrap_or_default();
        Facets {
            team: next(),
            domain: next(),
            tag: next(),
            classification: next(),
            cluster: next(),
            lifecycle: next(),
        }
    }
}

fn top_values(counts: HashMap<String, u64>, selected: &[String]) -> Vec<(String, u64)> {
    let mut values: Vec<(String, u64)> = counts.into_iter().collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut kept = 0;
    values.retain(|(value, _)| {
        kept += 1;
        kept <= MAX_VALUES || selected.contains(value)
    });
    values
}

pub(crate) struct FacetSegmentCounter {
    table: Arc<SegmentTable>,
    /// Term ordinals of the selected values per facet; `None` when nothing
    /// is selected.
    filters: Vec<Option<Vec<u32>>>,
    /// Whether any facet has a filter (else every match passes).
    filtered: bool,
    /// Count per term ordinal, per facet.
    counts: Vec<Vec<u64>>,
    total: u64,
}

impl Collector for FacetCounter {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCounter;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCounter> {
        let table = match self.tables.get(segment as usize) {
            Some(table) => Arc::clone(table),
            None => Arc::new(SegmentTable::build(reader)?),
        };
        let mut filters = Vec::with_capacity(Facet::ALL.len());
        let mut counts = Vec::with_capacity(Facet::ALL.len());
        for (values, selected) in table.facets.iter().zip(&self.selected) {
            let filter = match (&values.column, selected.is_empty()) {
                (_, true) => None,
                (None, false) => Some(Vec::new()),
                (Some(column), false) => {
                    let mut ords = Vec::new();
                    for value in selected {
                        let ord = column.dictionary().term_ord(value)?;
                        ords.extend(ord.and_then(|o| u32::try_from(o).ok()));
                    }
                    Some(ords)
                }
            };
            filters.push(filter);
            counts.push(vec![0; values.num_terms()]);
        }
        let filtered = filters.iter().any(Option::is_some);
        Ok(FacetSegmentCounter {
            table,
            filters,
            filtered,
            counts,
            total: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetSegmentCounter>) -> tantivy::Result<FacetCounts> {
        let mut merged = FacetCounts {
            total: 0,
            counts: vec![HashMap::new(); Facet::ALL.len()],
        };
        let mut value = String::new();
        for segment in segments {
            merged.total += segment.total;
            let facets = segment.table.facets.iter().zip(segment.counts);
            for ((values, counts), into) in facets.zip(&mut merged.counts) {
                let Some(column) = &values.column else {
                    continue;
                };
                for (ord, count) in counts.into_iter().enumerate() {
                    if count > 0 && column.ord_to_str(ord as u64, &mut value)? {
                        *into.entry(value.clone()).or_default() += count;
                    }
                }
            }
        }
        Ok(merged)
    }
}

impl FacetSegmentCounter {
    /// Counts `doc`; true when it passes every filter (it belongs in the page).
    pub(crate) fn count(&mut self, doc: DocId) -> bool {
        // A doc counts for facet F if it passes all filters but maybe F's own.
        let mut failed = PASSED;
        if self.filtered {
            let facets = self.table.facets.iter().zip(&self.filters);
            for (i, (values, filter)) in facets.enumerate() {
                let Some(filter) = filter else { continue };
                if !values.of(doc).iter().any(|o| filter.contains(o)) {
                    if failed != PASSED {
                        return false;
                    }
                    failed = i;
                }
            }
        }
        if failed == PASSED {
            self.total += 1;
        }
        let facets = self.table.facets.iter().zip(&mut self.counts);
        for (i, (values, counts)) in facets.enumerate() {
            if failed == PASSED || failed == i {
                for &ord in values.of(doc) {
                    if let Some(count) = counts.get_mut(ord as usize) {
                        *count += 1;
                    }
                }
            }
        }
        failed == PASSED
    }
}

impl SegmentCollector for FacetSegmentCounter {
    type Fruit = FacetSegmentCounter;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count(doc);
    }

    fn harvest(self) -> FacetSegmentCounter {
        self
    }
}
