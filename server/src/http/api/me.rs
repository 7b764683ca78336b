//! `GET /api/v1/me`: the signed-in caller, or 401. Called with a token, the
//! answer also names the token and its scopes (`token`).

use app::auth::Caller;
use app::error::{AppError, ErrorCode};
use app::tokens::TokenInUse;
use axum::{Extension, Json};
use serde::Serialize;

use crate::auth::tokens::Authenticated;
use crate::http::ApiError;

#[derive(Serialize)]
pub struct Me {
    #[serde(flatten)]
    caller: Caller,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<TokenInUse>,
}

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
