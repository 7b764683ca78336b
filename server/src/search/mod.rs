//! Full-text search over the event catalogue (tantivy).
//!
//! The index is derived data: the database is the truth, and the caller can
//! rebuild the index from it at any time. tantivy stays inside this module;
//! its errors become [`SearchError`] here.

mod analysis;
mod error;
mod execute;
mod facets;
mod index;
mod model;
mod page;
mod query;
mod schema;
mod snippet;
#[cfg(test)]
mod tests;

pub use error::SearchError;
pub use index::{SearchIndex, LAYOUT_VERSION};
pub use model::{
    EventDoc, Facets, FieldDoc, Hit, SearchQuery, SearchResults, Sort, DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
};
pub use query::MAX_QUERY_CHARS;
