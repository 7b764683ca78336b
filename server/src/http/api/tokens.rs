//! API tokens over REST, for signed-in sessions only (a token cannot manage
//! tokens): `GET /api/v1/tokens`, `POST /api/v1/tokens` (a `NewToken`; the
//! answer holds the secret, shown this once) and `DELETE /api/v1/tokens/{id}`
//! (revoke).

use app::auth::Caller;
use app::error::AppError;
use app::tokens::{CreatedToken, NewToken, TokenView};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};

use crate::auth::require_signed_in;
use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

#[utoipa::path(
    get,
    operation_id = "tokens_list",
    path = "/tokens",
    tag = "tokens",
    responses((status = 200, description = "Tokens the caller may manage, without secrets", body = Vec<TokenView>), (status = "default", response = ErrorBody)),
    security(("session" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(state.tokens.list(caller.map(|c| c.0)).await?))
}

#[utoipa::path(
    post,
    operation_id = "tokens_create",
    path = "/tokens",
    tag = "tokens",
    request_body = NewToken,
    responses((status = 201, description = "The token, with its secret shown this once", body = CreatedToken), (status = "default", response = ErrorBody)),
    security(("session" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    body: Result<Json<NewToken>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let caller = caller.map(|c| c.0);
    require_signed_in(caller.clone())?;
    let Json(new) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    let created = state.tokens.create(caller, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    delete,
    operation_id = "tokens_revoke",
    path = "/tokens/{id}",
    tag = "tokens",
    params(("id" = String, Path, description = "Key id")),
    responses((status = 200, description = "The revoked token", body = TokenView), (status = "default", response = ErrorBody)),
    security(("session" = []))
)]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<TokenView>, ApiError> {
    Ok(Json(state.tokens.revoke(caller.map(|c| c.0), &id).await?))
}
