//! REST API v1, JSON only. Unknown paths answer a JSON 404.

mod clusters;
mod discovery;
mod events;
mod me;
mod taxonomy;

use app::error::AppError;
use axum::routing::{get, post};
use axum::Router;

use super::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/clusters", get(clusters::list))
        .route("/clusters/{id}", get(clusters::show))
        .route("/me", get(me::me))
        .route("/tags", get(taxonomy::tags).post(taxonomy::save_tag))
        .route("/teams", get(taxonomy::teams).post(taxonomy::save_team))
        .route("/discovery", get(discovery::show))
        .route("/discovery/refresh", post(discovery::refresh))
        .route("/discovery/claim", post(discovery::claim))
        .route("/events", get(events::search))
        .route("/events/{name}", get(events::show).patch(events::update))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError(AppError::not_found("no such API endpoint"))
}
