//! Turning domain errors into the user-facing `AppError`: the cause of a 500 is
//! logged here and never sent to the caller.

use app::error::AppError;

pub fn internal(cause: impl std::fmt::Display) -> AppError {
    tracing::error!(%cause, "internal error");
    AppError::internal()
}
