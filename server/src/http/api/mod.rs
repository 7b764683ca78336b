//! REST API v1, JSON only. Unknown paths answer a JSON 404.

mod access;
mod audit;
mod clusters;
mod discovery;
mod events;
mod me;
mod mesh;
mod notifications;
mod schemas;
mod taxonomy;
mod tokens;
mod users;
mod webhooks;

use app::error::AppError;
use axum::routing::{delete, get, post, put};
use axum::Router;

use super::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/clusters", get(clusters::list))
        .route("/clusters/{id}", get(clusters::show))
        .route("/me", get(me::me))
        .route("/users/{id}/identity", put(users::link_identity))
        .route("/tags", get(taxonomy::tags).post(taxonomy::save_tag))
        .route("/teams", get(taxonomy::teams).post(taxonomy::save_team))
        .route("/discovery", get(discovery::show))
        .route("/discovery/refresh", post(discovery::refresh))
        .route("/discovery/claim", post(discovery::claim))
        .route("/events", get(events::search))
        .route("/events/{name}", get(events::show).patch(events::update))
        .route("/events/{name}/schemas", post(schemas::propose))
        .route("/events/{name}/schemas/check", post(schemas::check))
        .route("/audit", get(audit::search))
        .route("/audit/export", get(audit::export))
        .route("/notifications", get(notifications::list))
        .route("/notifications/unread", get(notifications::unread))
        .route(
            "/notifications/read-all",
            post(notifications::mark_all_read),
        )
        .route("/notifications/{id}/read", post(notifications::mark_read))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", delete(tokens::revoke))
        .route("/webhooks", get(webhooks::list).post(webhooks::save))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/access/policy", get(access::policy))
        .route(
            "/applications",
            get(access::applications).post(access::register_application),
        )
        .route("/requests", get(access::my_requests))
        .route("/requests/consume", post(access::consume))
        .route("/requests/produce", post(access::produce))
        .route("/requests/new-event", post(access::new_event))
        .route("/requests/new-event/check", post(access::check_new_event))
        .route("/requests/{id}", get(access::request))
        .route("/requests/{id}/decision", post(access::decide))
        .route("/requests/{id}/cancel", post(access::cancel))
        .route("/requests/{id}/reassign", post(access::reassign))
        .route("/requests/{id}/revoke", post(access::revoke))
        .route("/approvals", get(access::inbox))
        .route("/approvals/count", get(access::inbox_count))
        .route("/approvals/bulk", post(access::bulk))
        .route("/jobs", get(access::jobs))
        .route("/jobs/{id}/retry", post(mesh::retry_job))
        .route("/jobs/{id}/cancel", post(mesh::cancel_job))
        .route("/links", get(mesh::links))
        .route("/drift", get(mesh::drift))
        .route("/drift/run", post(mesh::reconcile))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError(AppError::not_found("no such API endpoint"))
}
