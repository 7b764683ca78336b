//! `GET /api/v1/me`: the signed-in caller, or 401.

use app::auth::Caller;
use app::error::{AppError, ErrorCode};
use axum::{Extension, Json};

use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;

#[utoipa::path(
    get,
    operation_id = "me_me",
    path = "/me",
    tag = "account",
    responses((status = 200, description = "The caller", body = Caller), (status = "default", description = "An error: `{\"error\": {\"code\", \"message\"}}`", body = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn me(caller: Option<Extension<Caller>>) -> Result<Json<Caller>, ApiError> {
    caller
        .map(|Extension(c)| Json(c))
        .ok_or_else(|| ApiError(AppError::new(ErrorCode::Unauthenticated, "Sign in first.")))
}
