//! REST API v1, JSON only. Unknown paths answer a JSON 404.

mod access;
mod asyncapi;
mod audit;
mod clusters;
mod discovery;
mod events;
mod me;
mod mesh;
mod monitoring;
mod notifications;
pub mod openapi;
mod schemas;
mod taxonomy;
mod tokens;
mod users;
mod webhooks;

use app::error::AppError;
use axum::Router;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiError;
use crate::state::AppState;

/// The API's routes, each registered with its OpenAPI path (one `routes!`
/// per path), and the document they make, served at `/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, api) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(openapi::document))
        .routes(routes!(clusters::list))
        .routes(routes!(clusters::show))
        .routes(routes!(me::me))
        .routes(routes!(users::link_identity))
        .routes(routes!(taxonomy::tags, taxonomy::save_tag))
        .routes(routes!(taxonomy::teams, taxonomy::save_team))
        .routes(routes!(discovery::show))
        .routes(routes!(discovery::refresh))
        .routes(routes!(discovery::claim))
        .routes(routes!(events::search))
        .routes(routes!(events::show, events::update))
        .routes(routes!(asyncapi::event))
        .routes(routes!(schemas::propose))
        .routes(routes!(schemas::check))
        .routes(routes!(audit::search))
        .routes(routes!(audit::export))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::unread))
        .routes(routes!(notifications::mark_all_read))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(webhooks::list, webhooks::save))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(access::policy))
        .routes(routes!(access::applications, access::register_application))
        .routes(routes!(asyncapi::application))
        .routes(routes!(access::my_requests))
        .routes(routes!(access::consume))
        .routes(routes!(access::produce))
        .routes(routes!(access::new_event))
        .routes(routes!(access::check_new_event))
        .routes(routes!(access::request))
        .routes(routes!(access::decide))
        .routes(routes!(access::cancel))
        .routes(routes!(access::reassign))
        .routes(routes!(access::revoke))
        .routes(routes!(access::inbox))
        .routes(routes!(access::inbox_count))
        .routes(routes!(access::bulk))
        .routes(routes!(access::jobs))
        .routes(routes!(mesh::retry_job))
        .routes(routes!(mesh::cancel_job))
        .routes(routes!(mesh::links))
        .routes(routes!(mesh::drift))
        .routes(routes!(mesh::reconcile))
        .routes(routes!(monitoring::event_traffic))
        .routes(routes!(monitoring::request_traffic))
        .routes(routes!(monitoring::link_traffic))
        .routes(routes!(monitoring::map))
        .routes(routes!(monitoring::overview))
        .routes(routes!(monitoring::alerts))
        .routes(routes!(monitoring::edit_rule))
        .split_for_parts();
    let json = openapi::keep(api.to_json().expect("the OpenAPI document serializes"));
    router
        .layer(axum::Extension(openapi::Document(json)))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    no_endpoint()
}

/// The answer to a path no route serves.
fn no_endpoint() -> ApiError {
    ApiError(AppError::not_found("no such API endpoint"))
}
