//! `GET /api/v1/me`: the signed-in caller, or 401.

use app::auth::Caller;
use app::error::{AppError, ErrorCode};
use axum::{Extension, Json};

use crate::http::ApiError;

pub async fn me(caller: Option<Extension<Caller>>) -> Result<Json<Caller>, ApiError> {
    caller
        .map(|Extension(c)| Json(c))
        .ok_or_else(|| ApiError(AppError::new(ErrorCode::Unauthenticated, "Sign in first.")))
}
