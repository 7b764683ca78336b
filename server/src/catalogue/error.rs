//! What can go wrong keeping the catalogue's derived data in step — the
//! search index, the registry's copies of event schemas, the demo seed —
//! without `anyhow`, so callers can tell a store failure from an index one.

use app::error::AppError;

use crate::db::DbError;
use crate::kafka::KafkaError;
use crate::registry::RegistryError;
use crate::search::SearchError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    /// A blocking task of the index writer stopped abnormally.
    #[error("an index task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The bundled demo catalogue does not read or check.
    #[error("the demo catalogue: {0}")]
    Demo(String),
    /// From another service, already in wire form.
    #[error("{0}")]
    Wire(AppError),
}

impl From<AppError> for CatalogueError {
    fn from(e: AppError) -> Self {
        CatalogueError::Wire(e)
    }
}
