//! What can go wrong in admins' hands on the job queue, in the module's own
//! terms; the wire `AppError` is made from it once (the `Mesh` trait and
//! `ApiError`), where a store failure is logged and shown as a 500.

use app::error::{AppError, ErrorCode};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// The job is in no state for it.
    #[error("{0}")]
    Conflict(String),
    /// From the caller check or another service, already in wire form.
    #[error("{0}")]
    Wire(AppError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for ProvisionError {
    fn from(e: sqlx::Error) -> Self {
        ProvisionError::Db(e.into())
    }
}

impl From<AppError> for ProvisionError {
    fn from(e: AppError) -> Self {
        ProvisionError::Wire(e)
    }
}

impl From<crate::access::AccessError> for ProvisionError {
    fn from(e: crate::access::AccessError) -> Self {
        ProvisionError::Wire(e.into())
    }
}

impl From<ProvisionError> for AppError {
    fn from(e: ProvisionError) -> Self {
        match e {
            ProvisionError::Invalid(m) => AppError::invalid(m),
            ProvisionError::NotFound(m) => AppError::not_found(m),
            ProvisionError::Conflict(m) => AppError::new(ErrorCode::Conflict, m),
            ProvisionError::Wire(e) => e,
            cause @ ProvisionError::Db(_) => crate::errors::internal(cause),
        }
    }
}
