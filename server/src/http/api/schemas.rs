//! An event's schema over REST: `POST /api/v1/events/{name}/schemas/check`
//! (field diff and compatibility verdict; changes nothing) and
//! `POST /api/v1/events/{name}/schemas` (register the version). The body is
//! `{schema, role?}` (`role` is `value` unless `key`); the event is the
//! path's. Thin: the `Schemas` service checks who may do it.

use app::auth::Caller;
use app::error::AppError;
use app::schemas::{Registered, SchemaCheck, SchemaProposal, SchemaRole};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

use crate::auth::require_signed_in;
use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProposalBody {
    schema: String,
    #[serde(default = "value_role")]
    #[schema(required = false)]
    role: SchemaRole,
}

fn value_role() -> SchemaRole {
    SchemaRole::Value
}

/// The proposal, once the caller is known to be signed in (a 401 comes before a 400).
fn proposal(
    caller: &Option<Caller>,
    event: String,
    body: Result<Json<ProposalBody>, JsonRejection>,
) -> Result<SchemaProposal, ApiError> {
    require_signed_in(caller.clone())?;
    let Json(body) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    Ok(SchemaProposal {
        event,
        role: body.role,
        schema: body.schema,
    })
}

#[utoipa::path(
    post,
    operation_id = "schemas_check",
    path = "/events/{name}/schemas/check",
    tag = "events",
    params(("name" = String, Path, description = "Event name")),
    request_body = ProposalBody,
    responses((status = 200, description = "Field diff and compatibility verdict; stores nothing", body = SchemaCheck), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn check(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(name): Path<String>,
    body: Result<Json<ProposalBody>, JsonRejection>,
) -> Result<Json<SchemaCheck>, ApiError> {
    let caller = caller.map(|c| c.0);
    let proposal = proposal(&caller, name, body)?;
    Ok(Json(state.schemas.check(caller, proposal).await?))
}

#[utoipa::path(
    post,
    operation_id = "schemas_propose",
    path = "/events/{name}/schemas",
    tag = "events",
    params(("name" = String, Path, description = "Event name")),
    request_body = ProposalBody,
    responses((status = 201, description = "Registered as the next version", body = Registered), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["registry:write"]))
)]
pub async fn propose(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(name): Path<String>,
    body: Result<Json<ProposalBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let caller = caller.map(|c| c.0);
    let proposal = proposal(&caller, name, body)?;
    let registered = state.schemas.propose(caller, proposal).await?;
    Ok((StatusCode::CREATED, Json(registered)))
}
