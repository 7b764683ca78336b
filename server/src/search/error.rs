//! The one error type of the search module; tantivy's errors end here.

use std::path::PathBuf;

use tantivy::directory::error::LockError;
use tantivy::TantivyError;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Another process (or another `SearchIndex`) holds the index writer.
    #[error("the search index is in use by another process")]
    Locked,
    #[error("search index file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Anything else tantivy reports; kept as text so tantivy's types stay here.
    #[error("search engine: {0}")]
    Engine(String),
}

impl SearchError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SearchError::Io {
            path: path.into(),
            source,
        }
    }
}

impl From<TantivyError> for SearchError {
    fn from(err: TantivyError) -> Self {
        match err {
            TantivyError::LockFailure(LockError::LockBusy, _) => SearchError::Locked,
            other => SearchError::Engine(other.to_string()),
        }
    }
}
