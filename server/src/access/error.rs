//! What can go wrong in the access workflow, in its own terms. The wire
//! `AppError` is made from it once, at the `Access` trait (`access/mod.rs`):
//! a store failure or broken invariant is logged there and shown as a 500.

use app::error::{AppError, ErrorCode};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The input breaks a rule; the message says which.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The request is in no state for it, or a duplicate.
    #[error("{0}")]
    Conflict(String),
    /// From the caller check or another service, already in wire form.
    #[error("{0}")]
    Wire(AppError),
    /// Something that cannot happen did (a row the workflow wrote is missing).
    #[error("broken invariant: {0}")]
    Internal(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl AccessError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AccessError::Invalid(message.into())
    }

    /// The code the wire will carry.
    pub fn code(&self) -> ErrorCode {
        match self {
            AccessError::Invalid(_) => ErrorCode::InvalidInput,
            AccessError::Forbidden(_) => ErrorCode::Forbidden,
            AccessError::NotFound(_) => ErrorCode::NotFound,
            AccessError::Conflict(_) => ErrorCode::Conflict,
            AccessError::Wire(e) => e.code,
            AccessError::Internal(_) | AccessError::Db(_) => ErrorCode::Internal,
        }
    }
}

impl From<sqlx::Error> for AccessError {
    fn from(e: sqlx::Error) -> Self {
        AccessError::Db(e.into())
    }
}

/// The catalogue's errors reach the caller as the catalogue maps them.
impl From<crate::catalogue::CatalogueError> for AccessError {
    fn from(e: crate::catalogue::CatalogueError) -> Self {
        AccessError::Wire(e.into())
    }
}

impl From<AppError> for AccessError {
    fn from(e: AppError) -> Self {
        AccessError::Wire(e)
    }
}

impl From<AccessError> for AppError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Invalid(m) => AppError::invalid(m),
            AccessError::Forbidden(m) => AppError::new(ErrorCode::Forbidden, m),
            AccessError::NotFound(m) => AppError::not_found(m),
            AccessError::Conflict(m) => AppError::new(ErrorCode::Conflict, m),
            AccessError::Wire(e) => e,
            cause @ (AccessError::Internal(_) | AccessError::Db(_)) => {
                crate::errors::internal(cause)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mapping_to_the_wire() {
        let cases = [
            (AccessError::invalid("x"), ErrorCode::InvalidInput),
            (AccessError::Forbidden("x".into()), ErrorCode::Forbidden),
            (AccessError::NotFound("x".into()), ErrorCode::NotFound),
            (AccessError::Conflict("x".into()), ErrorCode::Conflict),
            (AccessError::Internal("x"), ErrorCode::Internal),
            (AccessError::Db(DbError::NotFound), ErrorCode::Internal),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code, "{e}");
            let wire = AppError::from(e);
            assert_eq!(wire.code, code);
        }
        // A 500 never carries its cause to the caller.
        let wire = AppError::from(AccessError::Internal("grant without application"));
        assert!(!wire.message.contains("grant"), "{}", wire.message);
    }
}
