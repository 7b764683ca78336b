//! What can go wrong in the catalogue — a missing event, bad input, and in
//! keeping its derived data in step (the search index, the registry's copies
//! of event schemas, the demo seed). The wire `AppError` is made from it once,
//! at the `Catalogue` trait; a store or index failure is logged there and
//! shown as a 500.

use app::error::{AppError, ErrorCode};

use crate::db::DbError;
use crate::kafka::KafkaError;
use crate::registry::RegistryError;
use crate::search::SearchError;

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Kafka(#[from] KafkaError),
    /// A kept search answer that does not read back.
    #[error("a kept search answer: {0}")]
    Answer(#[from] serde_json::Error),
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

impl From<CatalogueError> for AppError {
    fn from(e: CatalogueError) -> Self {
        match e {
            CatalogueError::NotFound(m) => AppError::not_found(m),
            CatalogueError::Invalid(m) => AppError::invalid(m),
            CatalogueError::Conflict(m) => AppError::new(ErrorCode::Conflict, m),
            CatalogueError::Wire(e) => e,
            CatalogueError::Registry(e) => registry_error(e),
            cause => crate::errors::internal(cause),
        }
    }
}

/// A registry refusal keeps its meaning (and the registry's public message);
/// a registry failure is logged as a 500.
fn registry_error(e: RegistryError) -> AppError {
    let code = match e.http_status() {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        400 | 413 | 415 | 422 => ErrorCode::InvalidInput,
        _ => return crate::errors::internal(e),
    };
    AppError::new(code, e.public_message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mapping_to_the_wire() {
        let cases = [
            (CatalogueError::NotFound("x".into()), ErrorCode::NotFound),
            (CatalogueError::Invalid("x".into()), ErrorCode::InvalidInput),
            (CatalogueError::Conflict("x".into()), ErrorCode::Conflict),
            (CatalogueError::Db(DbError::NotFound), ErrorCode::Internal),
            (
                CatalogueError::Demo("events.json".into()),
                ErrorCode::Internal,
            ),
        ];
        for (e, code) in cases {
            assert_eq!(AppError::from(e).code, code);
        }
        // The registry's refusals keep their meaning.
        let missing = CatalogueError::Registry(RegistryError::SubjectNotFound("s-value".into()));
        assert_eq!(AppError::from(missing).code, ErrorCode::NotFound);
        let invalid = CatalogueError::Registry(RegistryError::InvalidSchema("bad".into()));
        assert_eq!(AppError::from(invalid).code, ErrorCode::InvalidInput);
        let wire = AppError::from(CatalogueError::Demo("events.json".into()));
        assert!(!wire.message.contains("events.json"), "{}", wire.message);
    }
}
