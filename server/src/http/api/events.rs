//! `GET /api/v1/events?q=&team=&domain=&tag=&classification=&cluster=&lifecycle=&sort=&page=&per_page=`
//! and `GET /api/v1/events/{name}`.

use app::catalogue::{EventDetail, SearchParams, SearchResponse};
use app::error::AppError;
use app::services::Catalogue;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;

use crate::http::ApiError;
use crate::state::AppState;

pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchResponse>, ApiError> {
    let Query(params) = params.map_err(|e| AppError::invalid(e.body_text()))?;
    Ok(Json(state.catalogue.search(params).await?))
}

pub async fn show(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<EventDetail>, ApiError> {
    Ok(Json(state.catalogue.event(&name).await?))
}
