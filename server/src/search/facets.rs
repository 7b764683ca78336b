//! Facet counts in one pass over the documents matching the text. Each facet
//! is counted over the documents that pass every OTHER facet's filter
//! ("disjunctive" faceting), so selecting `team=crm` still shows the other
//! teams with their counts. The same pass counts the fully filtered total.
//!
//! Counting is deferred: the pass only records each match (and which filter
//! it failed), and the values are then read column by column in batches,
//! which reads a single-valued column several times faster than one
//! document at a time (no dynamic call per document and value).

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{ColumnIndex, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::model::{Facets, SearchQuery};
use super::schema::Facet;

/// Values returned per facet at most (selected values are always kept).
const MAX_VALUES: usize = 50;
/// Matches recorded before their values are counted (bounds the buffers).
const BATCH: usize = 4096;
/// No filter failed: the match counts for every facet and the total.
const PASSED: u8 = u8::MAX;

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

pub(crate) struct FacetCounter {
    /// Selected values per facet, in the order of `Facet::ALL`.
    selected: Vec<Vec<String>>,
}

/// Counts per facet (order of `Facet::ALL`) and the fully filtered total.
pub(crate) struct FacetCounts {
    pub total: u64,
    pub counts: Vec<HashMap<String, u64>>,
}

impl FacetCounter {
    pub(crate) fn new(query: &SearchQuery) -> Self {
        let selected = Facet::ALL.iter().map(|f| selected(query, *f).to_vec());
        FacetCounter {
            selected: selected.collect(),
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

/// One facet within one segment.
struct SegmentFacet {
    column: Option<StrColumn>,
    /// Term ordinals of the selected values; `None` when nothing is selected.
    filter: Option<Vec<u64>>,
    /// Count per term ordinal.
    counts: Vec<u64>,
}

impl SegmentFacet {
    fn passes(&self, doc: DocId) -> bool {
        match (&self.filter, &self.column) {
            (None, _) => true,
            (Some(ords), Some(column)) => column.term_ords(doc).any(|o| ords.contains(&o)),
            (Some(_), None) => false,
        }
    }

    /// Counts the values of `docs`; `ords` is scratch space.
    fn count(&mut self, docs: &[DocId], ords: &mut Vec<u64>) {
        let Some(column) = &self.column else { return };
        let column = column.ords();
        if matches!(column.index, ColumnIndex::Full) {
            ords.clear();
            ords.resize(docs.len(), 0);
            column.values.get_vals(docs, ords);
            for &ord in ords.iter() {
                bump(&mut self.counts, ord);
            }
        } else {
            for &doc in docs {
                for ord in column.values_for_doc(doc) {
                    bump(&mut self.counts, ord);
                }
            }
        }
    }
}

fn bump(counts: &mut [u64], ord: u64) {
    if let Some(count) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
        *count += 1;
    }
}

pub(crate) struct FacetSegmentCounter {
    facets: Vec<SegmentFacet>,
    total: u64,
    /// Whether any facet has a filter (else every match passes).
    filtered: bool,
    /// Matches not counted yet, and the facet whose filter each failed
    /// (`PASSED` for none).
    docs: Vec<DocId>,
    failed: Vec<u8>,
    /// Scratch: the documents a facet counts, and their values.
    selection: Vec<DocId>,
    ords: Vec<u64>,
}

impl Collector for FacetCounter {
    type Fruit = FacetCounts;
    type Child = FacetSegmentCounter;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCounter> {
        let mut facets = Vec::with_capacity(Facet::ALL.len());
        for (facet, selected) in Facet::ALL.iter().zip(&self.selected) {
            let column = reader.fast_fields().str(facet.column())?;
            let filter = match (&column, selected.is_empty()) {
                (_, true) => None,
                (None, false) => Some(Vec::new()),
                (Some(column), false) => {
                    let mut ords = Vec::new();
                    for value in selected {
                        ords.extend(column.dictionary().term_ord(value)?);
                    }
                    Some(ords)
                }
            };
            let terms = column.as_ref().map_or(0, |c| c.dictionary().num_terms());
            facets.push(SegmentFacet {
                column,
                filter,
                counts: vec![0; terms],
            });
        }
        let filtered = facets.iter().any(|f| f.filter.is_some());
        Ok(FacetSegmentCounter {
            facets,
            total: 0,
            filtered,
            docs: Vec::with_capacity(BATCH),
            failed: Vec::new(),
            selection: Vec::new(),
            ords: Vec::new(),
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
            for (facet, into) in segment.facets.into_iter().zip(&mut merged.counts) {
                let Some(column) = facet.column else { continue };
                for (ord, count) in facet.counts.into_iter().enumerate() {
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
    /// Records `doc`; true when it passes every filter (it belongs in the page).
    pub(crate) fn count(&mut self, doc: DocId) -> bool {
        let mut failed = PASSED;
        if self.filtered {
            // A doc counts for facet F if it passes all filters but maybe F's own.
            for (i, facet) in self.facets.iter().enumerate() {
                if !facet.passes(doc) {
                    if failed != PASSED {
                        return false;
                    }
                    failed = i as u8;
                }
            }
            self.failed.push(failed);
        }
        self.docs.push(doc);
        if failed == PASSED {
            self.total += 1;
        }
        if self.docs.len() == BATCH {
            self.flush();
        }
        failed == PASSED
    }

    /// Counts the recorded matches into each facet.
    fn flush(&mut self) {
        for (i, facet) in self.facets.iter_mut().enumerate() {
            if self.filtered {
                self.selection.clear();
                let counted = self.docs.iter().zip(&self.failed);
                self.selection.extend(
                    counted
                        .filter(|(_, f)| **f == PASSED || usize::from(**f) == i)
                        .map(|(doc, _)| *doc),
                );
                facet.count(&self.selection, &mut self.ords);
            } else {
                facet.count(&self.docs, &mut self.ords);
            }
        }
        self.docs.clear();
        self.failed.clear();
    }
}

impl SegmentCollector for FacetSegmentCounter {
    type Fruit = FacetSegmentCounter;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.count(doc);
    }

    fn harvest(mut self) -> FacetSegmentCounter {
        self.flush();
        self
    }
}
