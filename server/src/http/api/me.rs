//! `GET /api/v1/me`: the signed-in caller, or 401. Called with a token, the
//! answer also names the token and its scopes (`token`).

use app::auth::Caller;
use app::error::{AppError, ErrorCode};
use app::tokens::TokenInUse;
use axum::{Extension, Json};
use serde::Serialize;

use crate::auth::tokens::Authenticated;
use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    #[serde(flatten)]
    caller: Caller,
    /// The token of this call, when made with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<TokenInUse>,
}

#[utoipa::path(
    get,
    operation_id = "me_me",
    path = "/me",
    tag = "account",
    responses((status = 200, description = "The caller (and the token of this call)", body = Me), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn me(
    caller: Option<Extension<Caller>>,
    token: Option<Extension<Authenticated>>,
) -> Result<Json<Me>, ApiError> {
    let Some(Extension(caller)) = caller else {
        return Err(ApiError(AppError::new(
            ErrorCode::Unauthenticated,
            "Sign in first.",
        )));
    };
    let token = token.map(|Extension(t)| TokenInUse {
        id: t.key_id,
        scopes: t.scopes,
    });
    Ok(Json(Me { caller, token }))
}
