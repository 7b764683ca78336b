//! Answers to recent searches, and the tag taxonomy they are decorated with,
//! kept until the catalogue next changes.
//!
//! A search costs milliseconds of CPU (every match is visited for facet
//! counts) plus database reads for the cards; the same few queries arrive
//! over and over (people typing the same prefixes, the home page's empty
//! query). Every catalogue change bumps the generation, so the next search
//! never sees an answer computed before it ("a change is visible to the next
//! search"). Answers are kept as their JSON only (what the REST API sends;
//! the portal decodes it), within a byte budget: when full, the map is
//! simply emptied.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use app::catalogue::{SearchParams, SearchResponse};

use super::model::Tag;

/// Bytes of answers kept at most (a page of 20 cards and facets is ~10 KB,
/// so some 1,600 typical answers).
const BUDGET: usize = 16 * 1024 * 1024;

/// A kept answer, as JSON: a cache hit on the REST API costs a map lookup.
pub(crate) struct Answer {
    json: axum::body::Bytes,
}

impl Answer {
    pub(crate) fn new(response: &SearchResponse) -> Self {
        Answer {
            json: serde_json::to_vec(response).unwrap_or_default().into(),
        }
    }

    pub(crate) fn json(&self) -> axum::body::Bytes {
        self.json.clone()
    }

    pub(crate) fn response(&self) -> Result<SearchResponse, serde_json::Error> {
        serde_json::from_slice(&self.json)
    }
}

#[derive(Default)]
struct Answers {
    by_query: HashMap<String, (u64, Arc<Answer>)>,
    bytes: usize,
}

#[derive(Default)]
pub(crate) struct SearchCache {
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

    pub(crate) fn get(&self, params: &SearchParams, generation: u64) -> Option<Arc<Answer>> {
        let key = key(params);
        let answers = lock(&self.answers);
        let (at, answer) = answers.by_query.get(&key)?;
        (*at == generation).then(|| Arc::clone(answer))
    }

    /// Keeps `answer` unless the catalogue changed while it was computed.
    pub(crate) fn put(&self, params: &SearchParams, generation: u64, answer: Arc<Answer>) {
        let mut answers = lock(&self.answers);
        if generation != self.generation() {
            return;
        }
        let size = answer.json.len();
        if answers.bytes + size > BUDGET {
            *answers = Answers::default();
        }
        answers.bytes += size;
        if let Some((_, old)) = answers.by_query.insert(key(params), (generation, answer)) {
            answers.bytes -= old.json.len();
        }
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

fn key(params: &SearchParams) -> String {
    serde_json::to_string(params).unwrap_or_default()
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
