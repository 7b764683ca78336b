//! The event catalogue: teams, tags, events with schemas, the demo seed, and
//! the `Catalogue` service that keeps the search index in step with the database.

mod curation;
mod discovery;
pub mod error;
pub mod facts;
pub mod markdown;
pub mod model;
pub mod names;
pub mod repo;
pub mod schema_diff;
pub mod schema_tree;
pub mod schemas;
mod search_cache;
pub mod seed;
mod service;
mod topic_facts;

pub use discovery::DiscoveryService;
pub use error::CatalogueError;
pub use schemas::EventSchemaService;
pub use service::CatalogueService;
pub use topic_facts::TopicFacts;
