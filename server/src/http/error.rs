//! REST error responses: `{"error": {"code": …, "message": …}}` with the status
//! that `ErrorCode` decides.

use app::error::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// A service's own error, mapped to the wire by that service's one mapping.
impl From<crate::access::AccessError> for ApiError {
    fn from(e: crate::access::AccessError) -> Self {
        ApiError(e.into())
    }
}

impl From<crate::auth::tokens::TokenError> for ApiError {
    fn from(e: crate::auth::tokens::TokenError) -> Self {
        ApiError(e.into())
    }
}

impl From<crate::catalogue::CatalogueError> for ApiError {
    fn from(e: crate::catalogue::CatalogueError) -> Self {
        ApiError(e.into())
    }
}

impl From<crate::notify::NotifyError> for ApiError {
    fn from(e: crate::notify::NotifyError) -> Self {
        ApiError(e.into())
    }
}

impl From<crate::provision::ProvisionError> for ApiError {
    fn from(e: crate::provision::ProvisionError) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body =
            serde_json::json!({ "error": { "code": self.0.code, "message": self.0.message } });
        (status, Json(body)).into_response()
    }
}

impl From<crate::monitoring::MonitoringError> for ApiError {
    fn from(e: crate::monitoring::MonitoringError) -> Self {
        AppError::from(e).into()
    }
}
