//! `PUT /api/v1/users/{id}/identity` (admins only): binds a user id to a
//! provider identity, so that the identity's next sign-in is as that user.
//! How a user hand-added to teams (or `auth.admins`) before signing in gets
//! what the id holds: first sign-in alone never hands it out.

use app::auth::Caller;
use app::error::AppError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::Deserialize;

use crate::auth::{LinkError, Linked};
use crate::errors::internal;
use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityBody {
    /// The provider's issuer; the configured one (`oidc.issuer_url`) when absent.
    issuer: Option<String>,
    /// The provider's `sub` claim for the person.
    subject: String,
}

#[utoipa::path(
    put,
    operation_id = "users_link_identity",
    path = "/users/{id}/identity",
    tag = "account",
    params(("id" = String, Path, description = "User id")),
    request_body = IdentityBody,
    responses((status = 200, description = "The binding", body = Linked), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
pub async fn link_identity(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(user_id): Path<String>,
    body: Result<Json<IdentityBody>, JsonRejection>,
) -> Result<Json<Linked>, ApiError> {
    let admin = crate::auth::require_admin(caller.map(|c| c.0))?;
    let Json(body) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    let issuer = match body.issuer {
        Some(issuer) => issuer,
        None => state
            .auth
            .oidc_issuer()
            .map(str::to_string)
            .ok_or_else(|| {
                AppError::invalid("OpenID Connect is not configured: name the issuer")
            })?,
    };
    let linked =
        crate::auth::link_identity(&state.db, &admin.user_id, &user_id, &issuer, &body.subject)
            .await
            .map_err(|e| match e {
                LinkError::Invalid(why) => AppError::invalid(why),
                LinkError::Db(e) => internal(e),
            })?;
    if linked.changed {
        tracing::info!(
            user = %linked.user_id,
            previous_user = ?linked.previous_user,
            by = %admin.user_id,
            "identity linked to a user id"
        );
    }
    Ok(Json(linked))
}
