//! What can go wrong with tokens, in the module's own terms; the wire
//! `AppError` is made from it once (a store failure is logged as a 500).

use app::error::{AppError, ErrorCode};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    /// A presented token that does not authenticate: unknown, wrong secret,
    /// revoked or expired.
    #[error("{0}")]
    Unauthenticated(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        TokenError::Db(e.into())
    }
}

impl From<TokenError> for AppError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Invalid(m) => AppError::invalid(m),
            TokenError::NotFound(m) => AppError::not_found(m),
            TokenError::Forbidden(m) => AppError::new(ErrorCode::Forbidden, m),
            TokenError::Unauthenticated(m) => AppError::new(ErrorCode::Unauthenticated, m),
            cause @ TokenError::Db(_) => crate::errors::internal(cause),
        }
    }
}
