//! The index's life: open or create, rebuild, upsert, delete. One writer
//! behind a mutex; the reader is reloaded by hand after each commit so the
//! next search sees the change. A rebuild ends with its segments merged into
//! one: a search pays per segment (term lookups, automaton walks, facet
//! columns), and the parallel writer leaves dozens of them behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, MmapDirectory, INDEX_WRITER_LOCK};
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use super::analysis::{text_analyzer, TEXT_TOKENIZER};
use super::error::SearchError;
use super::facets::FacetTables;
use super::model::EventDoc;
use super::schema::{build_schema, to_document, Fields};

/// Version of the on-disk layout (schema and analysis). Bump it on any
/// change there: indexes of an older version are wiped and rebuilt.
pub const LAYOUT_VERSION: u32 = 1;

/// Written after a successful rebuild, so a crash mid-rebuild is redone.
const MARKER_FILE: &str = "switchboard-layout";
/// Total indexing memory; tantivy needs at least 15 MB per thread.
const WRITER_MEMORY_BYTES: usize = 50_000_000;
const WRITER_THREADS: usize = 2;

/// The search index. Send + Sync: share it in an `Arc`.
pub struct SearchIndex {
    pub(super) fields: Fields,
    pub(super) reader: IndexReader,
    pub(super) analyzer: TextAnalyzer,
    /// Facet values of the searched segments, for counting.
    pub(super) facet_tables: FacetTables,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    /// Layout marker path; `None` in memory.
    marker: Option<PathBuf>,
}

impl SearchIndex {
    /// Opens the index in `dir` (created if missing; the directory belongs
    /// to the index). Returns whether it must be rebuilt: true when it was
    /// missing, unreadable or of another layout, in which case it is empty.
    pub fn open(dir: &Path) -> Result<(SearchIndex, bool), SearchError> {
        fs::create_dir_all(dir).map_err(|e| SearchError::io(dir, e))?;
        let marker = dir.join(MARKER_FILE);
        let (schema, fields) = build_schema();
        if read_marker(&marker) == Some(LAYOUT_VERSION) {
            // Unreadable, or a schema changed without a version bump: rebuild.
            if let Ok(index) = Index::open_in_dir(dir) {
                if index.schema() == schema {
                    match Self::from_index(index, fields.clone(), Some(marker.clone())) {
                        Ok(index) => return Ok((index, false)),
                        Err(SearchError::Locked) => return Err(SearchError::Locked),
                        Err(err) => tracing::warn!(error = %err, "search index unreadable"),
                    }
                }
            }
        }
        ensure_unlocked(dir)?;
        clear_dir(dir)?;
        let index = Index::create_in_dir(dir, schema)?;
        Ok((Self::from_index(index, fields, Some(marker))?, true))
    }

    /// An empty index in memory (tests, tools).
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = build_schema();
        Self::from_index(Index::create_in_ram(schema), fields, None)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        marker: Option<PathBuf>,
    ) -> Result<SearchIndex, SearchError> {
        let analyzer = text_analyzer();
        index
            .tokenizers()
            .register(TEXT_TOKENIZER, analyzer.clone());
        let writer = index.writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY_BYTES)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            fields,
            reader,
            analyzer,
            facet_tables: FacetTables::default(),
            writer: Mutex::new(writer),
            marker,
        })
    }

    /// Replaces every document with `docs` (names must be unique, as the
    /// database guarantees) in one commit.
    pub fn rebuild(&self, docs: impl IntoIterator<Item = EventDoc>) -> Result<(), SearchError> {
        self.write(Compact::Yes, |writer, fields| {
            writer.delete_all_documents()?;
            for doc in docs {
                writer.add_document(to_document(fields, &doc))?;
            }
            Ok(())
        })?;
        if let Some(marker) = &self.marker {
            let version = format!("{LAYOUT_VERSION}\n");
            fs::write(marker, version).map_err(|e| SearchError::io(marker, e))?;
        }
        Ok(())
    }

    /// Adds `doc`, replacing any document of the same name.
    pub fn upsert(&self, doc: EventDoc) -> Result<(), SearchError> {
        self.write(Compact::No, |writer, fields| {
            writer.delete_term(fields.name_term(&doc.name));
            writer.add_document(to_document(fields, &doc))?;
            Ok(())
        })
    }

    /// Removes the document named `name`, if any.
    pub fn delete(&self, name: &str) -> Result<(), SearchError> {
        self.write(Compact::No, |writer, fields| {
            writer.delete_term(fields.name_term(name));
            Ok(())
        })
    }

    /// Runs `change`, commits and reloads the reader; on failure the
    /// uncommitted part is rolled back so it cannot ride on a later commit.
    /// With `Compact::Yes`, no segment is merged in the background while
    /// `change` writes, and all are merged into one after the commit.
    fn write(
        &self,
        compact: Compact,
        change: impl FnOnce(&mut IndexWriter<TantivyDocument>, &Fields) -> tantivy::Result<()>,
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer();
        if compact == Compact::Yes {
            writer.set_merge_policy(Box::new(NoMergePolicy));
        }
        let done =
            change(&mut writer, &self.fields).and_then(|()| writer.commit().map(|_opstamp| ()));
        if compact == Compact::Yes {
            if done.is_ok() {
                merge_all(&mut writer);
            }
            writer.set_merge_policy(Box::new(LogMergePolicy::default()));
        }
        if let Err(err) = done {
            if let Err(rollback) = writer.rollback() {
                tracing::warn!(error = %rollback, "search index rollback failed");
            }
            return Err(err.into());
        }
        self.reader.reload()?;
        // The new segments' facet tables now rather than in the next search
        // (the others are kept: a commit only adds segments or merges them).
        if let Err(err) = self.facet_tables.for_searcher(&self.reader.searcher()) {
            tracing::warn!(error = %err, "search facet tables not built");
        }
        Ok(())
    }

    /// A panic while writing poisons the lock; the writer is still usable
    /// once what that panic left uncommitted is rolled back.
    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter<TantivyDocument>> {
        self.writer.lock().unwrap_or_else(|poisoned| {
            let mut writer = poisoned.into_inner();
            if let Err(err) = writer.rollback() {
                tracing::warn!(error = %err, "search index rollback after a panic failed");
            }
            self.writer.clear_poison();
            writer
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Compact {
    Yes,
    No,
}

/// Merges the committed segments into one and waits for it. A failure only
/// costs speed (the segments stay as they are), so it is logged, not returned.
fn merge_all(writer: &mut IndexWriter<TantivyDocument>) {
    let ids = match writer.index().searchable_segment_ids() {
        Ok(ids) if ids.len() > 1 => ids,
        Ok(_) => return,
        Err(err) => {
            tracing::warn!(error = %err, "search index segments unreadable for merging");
            return;
        }
    };
    if let Err(err) = writer.merge(&ids).wait() {
        tracing::warn!(error = %err, segments = ids.len(), "search index merge failed");
    }
}

fn read_marker(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Refuses to wipe an index that another process is writing.
fn ensure_unlocked(dir: &Path) -> Result<(), SearchError> {
    let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Engine(e.to_string()))?;
    match directory.acquire_lock(&INDEX_WRITER_LOCK) {
        Ok(_released_on_drop) => Ok(()),
        Err(LockError::LockBusy) => Err(SearchError::Locked),
        Err(other) => Err(SearchError::Engine(other.to_string())),
    }
}

/// Removes the files of a stale index (tantivy keeps them flat in `dir`).
fn clear_dir(dir: &Path) -> Result<(), SearchError> {
    let entries = fs::read_dir(dir).map_err(|e| SearchError::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| SearchError::io(dir, e))?.path();
        if path.is_file() {
            fs::remove_file(&path).map_err(|e| SearchError::io(&path, e))?;
        }
    }
    Ok(())
}
