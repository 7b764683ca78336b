//! Schemas by global id, as `GET /schemas/ids/{id}` answers them, kept in
//! memory. Serializers and deserializers ask for schemas by id; answering from
//! the database took three queries per request, each a round trip to an SQLite
//! worker thread: about 12% of `/healthz`'s throughput under 16 clients on 2
//! CPUs, against 50% wanted (`scripts/bench.sh registry`).
//!
//! A stored schema's text, type and references never change, so an answer
//! stays right until no version holds the schema any more, which only a
//! permanent delete can cause. Every committed permanent delete empties the
//! cache (they are rare); a generation keeps a read that raced it from putting
//! back what it saw before. Only found schemas are kept, so a new one is seen
//! at once. Bounded by the bytes it holds: when full, it is emptied.
//!
//! Per process, like the catalogue's search cache: a permanent delete made by
//! another server on the same database is not seen here.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::model::StoredSchema;

/// Bytes of schemas kept at most (texts and references, roughly).
const CAPACITY_BYTES: usize = 64 * 1024 * 1024;

#[derive(Default)]
pub struct ByIdCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    bytes: usize,
    schemas: HashMap<i64, StoredSchema>,
}

fn size(s: &StoredSchema) -> usize {
    let references: usize = s
        .references
        .iter()
        .map(|r| r.name.len() + r.subject.len() + 16)
        .sum();
    s.schema.len() + s.schema_type.len() + references + 64
}

impl ByIdCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get(&self, id: i64) -> Option<StoredSchema> {
        self.lock().schemas.get(&id).cloned()
    }

    /// Read before the database, and handed back to `put` with what it answered.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps `schema` unless a permanent delete committed since `generation`.
    pub fn put(&self, generation: u64, schema: &StoredSchema) {
        let size = size(schema);
        let mut inner = self.lock();
        if inner.generation != generation || size > CAPACITY_BYTES {
            return;
        }
        if inner.bytes + size > CAPACITY_BYTES {
            inner.schemas.clear();
            inner.bytes = 0;
        }
        if let Some(old) = inner.schemas.insert(schema.id, schema.clone()) {
            inner.bytes -= self::size(&old);
        }
        inner.bytes += size;
    }

    /// After a permanent delete has committed: no schema is known to be held.
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.schemas.clear();
        inner.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(id: i64) -> StoredSchema {
        StoredSchema {
            id,
            schema_type: "AVRO".into(),
            schema: "\"string\"".into(),
            references: vec![],
        }
    }

    #[test]
    fn a_read_that_raced_a_permanent_delete_is_not_kept() {
        let cache = ByIdCache::default();
        let g = cache.generation();
        cache.put(g, &schema(1));
        assert_eq!(cache.get(1), Some(schema(1)));
        let before = cache.generation();
        cache.forget_all();
        assert_eq!(cache.get(1), None);
        cache.put(before, &schema(2));
        assert_eq!(cache.get(2), None);
        cache.put(cache.generation(), &schema(2));
        assert_eq!(cache.get(2), Some(schema(2)));
    }

    #[test]
    fn bytes_are_counted_once_per_id() {
        let cache = ByIdCache::default();
        let g = cache.generation();
        cache.put(g, &schema(1));
        cache.put(g, &schema(1));
        assert_eq!(cache.lock().bytes, size(&schema(1)));
    }
}
