//! The HTTP surface: health probes, the REST API, and the Leptos app with its
//! server functions and static files.

mod api;
mod api_docs;
mod error;
mod health;
mod nul_bytes;
mod registry;
mod security_headers;
mod server_fn_status;
mod static_files;

use app::{shell, App};
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::trace::TraceLayer;

pub use error::ApiError;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    // Listed once per process. Listing renders the whole app, whose resources
    // leave tasks on the runtime; where routers are built while pages stream on
    // the same runtime (tests build one per request), those tasks now and then
    // stopped another page's stream for good.
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| generate_route_list(App)).clone();
    let services = state.services();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::metrics::serve))
        .nest("/api/v1", api::router())
        .route("/api/docs", get(api_docs::page))
        .nest("/registry", registry::router())
        .merge(crate::auth::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(services.clone()),
            move || page_shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            page_shell,
        ))
        .layer(axum::middleware::from_fn(static_files::vary_by_encoding))
        .layer(axum::middleware::from_fn(server_fn_status::set_status))
        .layer(axum::middleware::from_fn(nul_bytes::refuse_nul))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::resolve_caller,
        ))
        // Outside the caller lookup: cross-site writes are refused first.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::verify_origin,
        ))
        // Request spans without query strings of /auth/ (codes, states).
        // Outermost but the trace: every answer, refusals included, gets them.
        .layer(axum::middleware::from_fn(security_headers::set))
        .layer(TraceLayer::new_for_http().make_span_with(crate::auth::request_span))
        // Outermost: times every answer, refusals included. `Router::layer`
        // wraps each route, so the matched route template is known here.
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.http.clone(),
            crate::metrics::http::record,
        ))
        .with_state(state)
}

/// The app's shell, with the page's Content-Security-Policy set for its nonce.
fn page_shell(options: leptos::config::LeptosOptions) -> impl leptos::IntoView {
    security_headers::page_policy();
    shell(options)
}
