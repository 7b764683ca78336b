//! `GET /api/v1/events?q=&team=&domain=&tag=&classification=&cluster=&lifecycle=&sort=&page=&per_page=`
//! and `GET /api/v1/events/{name}`.

use app::auth::Caller;
use app::catalogue::{EventDetail, EventPatch, SearchParams, SearchResponse};
use app::error::AppError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::{Extension, Json};

use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

/// Full-text search of the catalogue with facet counts and paging.
#[utoipa::path(
    get,
    operation_id = "events_search",
    path = "/events",
    tag = "events",
    params(SearchParams),
    responses((status = 200, description = "Hits, facets and paging", body = SearchResponse), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(params) = params.map_err(|e| AppError::invalid(e.body_text()))?;
    let body = state.catalogue.search_json(params).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

#[utoipa::path(
    get,
    operation_id = "events_show",
    path = "/events/{name}",
    tag = "events",
    params(("name" = String, Path, description = "Event name")),
    responses((status = 200, description = "The event", body = EventDetail), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn show(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(name): Path<String>,
) -> Result<Json<EventDetail>, ApiError> {
    Ok(Json(
        state.catalogue.event(&name, caller.map(|c| c.0)).await?,
    ))
}

/// Changes an event's description, tags and field tags (owners and admins).
#[utoipa::path(
    patch,
    operation_id = "events_update",
    path = "/events/{name}",
    tag = "events",
    params(("name" = String, Path, description = "Event name")),
    request_body = EventPatch,
    responses((status = 200, description = "The event as changed", body = EventDetail), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["decide"]))
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(name): Path<String>,
    body: Result<Json<EventPatch>, JsonRejection>,
) -> Result<Json<EventDetail>, ApiError> {
    let caller = caller.map(|c| c.0);
    crate::auth::require_signed_in(caller.clone())?;
    let Json(patch) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    Ok(Json(state.catalogue.update(caller, &name, patch).await?))
}
