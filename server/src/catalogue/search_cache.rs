//! Answers to recent searches, and the tag taxonomy they are decorated with,
//! kept until the catalogue next changes.
//!
//! A search costs milliseconds of CPU (every match is visited for facet
//! counts) plus database reads for the cards; the same few queries arrive
//! over and over (people typing the same prefixes, the home page's empty
//! query). Every catalogue change bumps the generation, so the next search
//! never sees an answer computed before it ("a change is visible to the next
//! search"). Answers are kept as their JSON only (what the REST API sends;
//! the portal decodes it), within a byte budget and an entry cap: when
//! either is reached, the map is simply emptied.
//!
//! A query's text and filters can be megabytes long, so an answer is keyed by
//! a SHA-256 digest of what the search actually uses (the text cut as the
//! index cuts it, paging clamped), never by the query itself: every entry
//! costs a fixed key plus its answer, and both count against the budget.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use app::catalogue::{SearchParams, SearchResponse};
use sha2::{Digest, Sha256};

use super::model::Tag;
use crate::search::{SearchQuery, MAX_QUERY_CHARS};

/// Bytes of answers and keys kept at most (a page of 20 cards and facets is
/// ~10 KB, so some 1,600 typical answers).
const BUDGET: usize = 16 * 1024 * 1024;
/// Answers kept at most, however small (an empty answer is ~100 bytes).
const MAX_ENTRIES: usize = 4096;
/// What an entry costs besides its answer: the key and the map's bookkeeping.
const ENTRY_OVERHEAD: usize = std::mem::size_of::<Key>() + 64;

/// The digest of a query's normalised parameters.
type Key = [u8; 32];

/// A kept answer, as JSON: a cache hit on the REST API costs a map lookup.
pub(crate) struct Answer {
    json: bytes::Bytes,
}

impl Answer {
    pub(crate) fn new(response: &SearchResponse) -> Self {
        Answer {
            json: serde_json::to_vec(response).unwrap_or_default().into(),
        }
    }

    pub(crate) fn json(&self) -> bytes::Bytes {
        self.json.clone()
    }

    pub(crate) fn response(&self) -> Result<SearchResponse, serde_json::Error> {
        serde_json::from_slice(&self.json)
    }
}

#[derive(Default)]
struct Answers {
    by_query: HashMap<Key, (u64, Arc<Answer>)>,
    /// Answers' bytes plus `ENTRY_OVERHEAD` per entry.
    bytes: usize,
}

impl Answers {
    fn cost(answer: &Answer) -> usize {
        answer.json.len() + ENTRY_OVERHEAD
    }
}

#[derive(Default)]
pub(crate) struct SearchCache {
    /// Answers are neither kept nor served (the search benchmark measures
    /// the cost of a search nobody made before with it).
    answers_off: AtomicBool,
    generation: AtomicU64,
    answers: Mutex<Answers>,
    taxonomy: Mutex<Option<(u64, Arc<Vec<Tag>>)>>,
}

impl SearchCache {
    /// Read before computing an answer, and handed back to `put` with it.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Called after every change to events, tags or the index.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        *lock(&self.answers) = Answers::default();
        *lock(&self.taxonomy) = None;
    }

    /// Turns keeping and serving answers on or off; off also drops them.
    pub(crate) fn set_answers(&self, on: bool) {
        self.answers_off.store(!on, Ordering::Release);
        if !on {
            *lock(&self.answers) = Answers::default();
        }
    }

    pub(crate) fn get(&self, params: &SearchParams, generation: u64) -> Option<Arc<Answer>> {
        if self.answers_off.load(Ordering::Acquire) {
            return None;
        }
        let key = key(params);
        let answers = lock(&self.answers);
        let (at, answer) = answers.by_query.get(&key)?;
        (*at == generation).then(|| Arc::clone(answer))
    }

    /// Keeps `answer` unless the catalogue changed while it was computed.
    pub(crate) fn put(&self, params: &SearchParams, generation: u64, answer: Arc<Answer>) {
        if self.answers_off.load(Ordering::Acquire) {
            return;
        }
        let mut answers = lock(&self.answers);
        if generation != self.generation() {
            return;
        }
        let size = Answers::cost(&answer);
        if size > BUDGET {
            return;
        }
        let key = key(params);
        if let Some((_, old)) = answers.by_query.remove(&key) {
            answers.bytes -= Answers::cost(&old);
        }
        if answers.bytes + size > BUDGET || answers.by_query.len() >= MAX_ENTRIES {
            *answers = Answers::default();
        }
        answers.bytes += size;
        answers.by_query.insert(key, (generation, answer));
    }

    /// Entries held, and the bytes their keys and answers take (read from
    /// the map itself, not from the running count).
    pub(crate) fn footprint(&self) -> (usize, usize) {
        let answers = lock(&self.answers);
        let bytes = answers
            .by_query
            .iter()
            .map(|(k, (_, a))| std::mem::size_of_val(k) + a.json.len())
            .sum();
        (answers.by_query.len(), bytes)
    }

    pub(crate) fn taxonomy(&self, generation: u64) -> Option<Arc<Vec<Tag>>> {
        match &*lock(&self.taxonomy) {
            Some((at, tags)) if *at == generation => Some(Arc::clone(tags)),
            _ => None,
        }
    }

    pub(crate) fn put_taxonomy(&self, generation: u64, tags: Arc<Vec<Tag>>) {
        let mut taxonomy = lock(&self.taxonomy);
        if generation == self.generation() {
            *taxonomy = Some((generation, tags));
        }
    }
}

/// Two queries have the same key exactly when the search treats them alike:
/// the text as the index reads it (trimmed, and only its first
/// `MAX_QUERY_CHARS` characters plus whether there were more), filters as
/// given (they match exactly), paging as clamped.
fn key(params: &SearchParams) -> Key {
    let mut digest = Sha256::new();
    let mut field = |value: Option<&str>| {
        // Length-prefixed, so no two field lists hash the same bytes.
        match value {
            None => digest.update([0u8]),
            Some(v) => {
                digest.update([1u8]);
                digest.update((v.len() as u64).to_le_bytes());
                digest.update(v.as_bytes());
            }
        }
    };
    let text = params.q.trim();
    let cut = text
        .char_indices()
        .nth(MAX_QUERY_CHARS + 1)
        .map_or(text.len(), |(i, _)| i);
    field(Some(&text[..cut]));
    for (facet, _) in app::catalogue::FACETS {
        field(params.facet(facet).map(String::as_str));
    }
    // Anything but `name` and `updated` sorts by relevance.
    field(Some(match params.sort.as_deref() {
        Some(sort @ ("name" | "updated")) => sort,
        _ => "relevance",
    }));
    let query = SearchQuery {
        page: params.page.unwrap_or(1),
        per_page: params.per_page.unwrap_or(0),
        ..SearchQuery::default()
    };
    let (page, per_page) = query.paging();
    field(Some(&format!("{page}/{per_page}")));
    digest.finalize().into()
}

/// A panic elsewhere cannot leave these maps half-written: use them anyway.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(total: usize) -> Arc<Answer> {
        Arc::new(Answer::new(&SearchResponse {
            total,
            page: 1,
            per_page: 20,
            hits: Vec::new(),
            facets: Vec::new(),
            notice: None,
        }))
    }

    fn params(q: &str) -> SearchParams {
        SearchParams {
            q: q.into(),
            ..SearchParams::default()
        }
    }

    #[test]
    fn answers_are_kept_per_query_until_the_catalogue_changes() {
        let cache = SearchCache::default();
        let g = cache.generation();
        cache.put(&params("a"), g, answer(1));
        assert_eq!(
            cache
                .get(&params("a"), g)
                .map(|a| a.response().expect("json").total),
            Some(1)
        );
        assert!(cache.get(&params("b"), g).is_none());
        cache.invalidate();
        assert!(cache.get(&params("a"), cache.generation()).is_none());
    }

    #[test]
    fn huge_distinct_queries_stay_within_the_budget() {
        let cache = SearchCache::default();
        let g = cache.generation();
        let huge = "x".repeat(1_500_000);
        for i in 0..40 {
            let p = SearchParams {
                q: format!("{i} {huge}"),
                team: Some(format!("{huge}{i}")),
                tag: Some(huge.clone()),
                sort: Some(huge.clone()),
                ..SearchParams::default()
            };
            cache.put(&p, g, answer(i));
            assert_eq!(
                cache.get(&p, g).map(|a| a.response().expect("json").total),
                Some(i),
                "kept"
            );
        }
        let (entries, bytes) = cache.footprint();
        assert_eq!(entries, 40);
        assert!(bytes <= BUDGET, "{bytes} bytes held");
        assert!(bytes < 40 * 1024, "keys are not the queries: {bytes} bytes");
    }

    #[test]
    fn queries_the_search_reads_alike_share_an_answer() {
        let cache = SearchCache::default();
        let g = cache.generation();
        let long = "y".repeat(MAX_QUERY_CHARS + 1);
        let with = |q: &str, f: fn(&mut SearchParams)| {
            let mut p = params(q);
            f(&mut p);
            p
        };
        cache.put(&params(&format!("{long}tail one")), g, answer(1));
        cache.put(&params("orders"), g, answer(2));
        let same = [
            (params(&format!("  {long}tail two  ")), 1),
            (params(" orders "), 2),
            (with("orders", |p| p.sort = Some("bogus".into())), 2),
            (with("orders", |p| p.page = Some(0)), 2),
            (with("orders", |p| p.per_page = Some(20)), 2),
        ];
        for (p, total) in same {
            assert_eq!(
                cache.get(&p, g).map(|a| a.response().expect("json").total),
                Some(total),
                "{:?}",
                (&p.sort, p.page, p.per_page)
            );
        }
        let different = [
            params(&long[..MAX_QUERY_CHARS]),
            with("orders", |p| p.team = Some("crm".into())),
            with("orders", |p| p.sort = Some("name".into())),
            with("orders", |p| p.page = Some(2)),
            with("orders", |p| p.per_page = Some(21)),
        ];
        for p in different {
            assert!(cache.get(&p, g).is_none(), "{p:?}");
        }
    }

    #[test]
    fn entries_are_capped_however_small() {
        let cache = SearchCache::default();
        let g = cache.generation();
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(&params(&i.to_string()), g, answer(i));
            let (entries, bytes) = cache.footprint();
            assert!(entries <= MAX_ENTRIES, "{entries} entries");
            assert!(bytes <= BUDGET);
        }
        let (entries, _) = cache.footprint();
        assert!(entries > 0);
    }

    #[test]
    fn answers_turned_off_are_neither_kept_nor_served() {
        let cache = SearchCache::default();
        let g = cache.generation();
        cache.put(&params("a"), g, answer(1));
        cache.set_answers(false);
        assert!(cache.get(&params("a"), g).is_none());
        cache.put(&params("b"), g, answer(2));
        assert_eq!(cache.footprint().0, 0);
        cache.set_answers(true);
        assert!(cache.get(&params("b"), g).is_none());
        cache.put(&params("b"), g, answer(2));
        assert!(cache.get(&params("b"), g).is_some());
    }

    #[test]
    fn an_answer_computed_across_a_change_is_not_kept() {
        let cache = SearchCache::default();
        let before = cache.generation();
        cache.invalidate();
        cache.put(&params("a"), before, answer(1));
        assert!(cache.get(&params("a"), cache.generation()).is_none());
        cache.put_taxonomy(before, Arc::new(Vec::new()));
        assert!(cache.taxonomy(cache.generation()).is_none());
    }
}
