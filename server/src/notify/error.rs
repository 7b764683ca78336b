//! What can go wrong with the audit log, notifications and webhooks, in the
//! module's own terms. The wire `AppError` is made from it once, at the
//! `AuditLog` and `Notifications` traits (and the REST handlers); a store
//! failure is logged there and shown as a 500.

use app::error::AppError;

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    /// From the caller check or the audit filter, already in wire form.
    #[error("{0}")]
    Wire(AppError),
    /// Something that cannot happen did (a row just written is missing).
    #[error("broken invariant: {0}")]
    Internal(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl NotifyError {
    pub fn invalid(message: impl Into<String>) -> Self {
        NotifyError::Invalid(message.into())
    }
}

impl From<sqlx::Error> for NotifyError {
    fn from(e: sqlx::Error) -> Self {
        NotifyError::Db(e.into())
    }
}

impl From<AppError> for NotifyError {
    fn from(e: AppError) -> Self {
        NotifyError::Wire(e)
    }
}

impl From<NotifyError> for AppError {
    fn from(e: NotifyError) -> Self {
        match e {
            NotifyError::Invalid(m) => AppError::invalid(m),
            NotifyError::NotFound(m) => AppError::not_found(m),
            NotifyError::Wire(e) => e,
            cause @ (NotifyError::Internal(_) | NotifyError::Db(_)) => {
                crate::errors::internal(cause)
            }
        }
    }
}
