//! What monitoring refuses or fails at, mapped once to the wire's error.

use app::error::{AppError, ErrorCode};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum MonitoringError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("sign in first")]
    SignIn,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl MonitoringError {
    pub fn invalid(message: impl Into<String>) -> Self {
        MonitoringError::Invalid(message.into())
    }
}

impl From<MonitoringError> for AppError {
    fn from(e: MonitoringError) -> Self {
        match e {
            MonitoringError::Invalid(m) => AppError::invalid(m),
            MonitoringError::NotFound(m) => AppError::not_found(m),
            MonitoringError::Forbidden(m) => AppError::new(ErrorCode::Forbidden, m),
            MonitoringError::SignIn => AppError::new(ErrorCode::Unauthenticated, "sign in first"),
            MonitoringError::Db(e) => {
                tracing::error!(error = %e, "monitoring failed");
                AppError::internal()
            }
        }
    }
}
