//! The Confluent Schema Registry compatible API, mounted at `/registry` (a
//! client's `schema.registry.url` is `http://HOST:PORT/registry`). Handlers are
//! thin: they parse the wire format and call `RegistryService`.

mod compat;
mod schemas;
mod settings;
mod subjects;
mod wire;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::registry::RegistryError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    use settings as cfg;
    Router::new()
        .route("/", get(|| async { wire::reply(&serde_json::json!({})) }))
        .route("/subjects", get(subjects::list))
        .route(
            "/subjects/{subject}",
            post(subjects::lookup).delete(subjects::delete_subject),
        )
        .route(
            "/subjects/{subject}/versions",
            get(subjects::versions).post(subjects::register),
        )
        .route(
            "/subjects/{subject}/versions/{version}",
            get(subjects::version).delete(subjects::delete_version),
        )
        .route(
            "/subjects/{subject}/versions/{version}/schema",
            get(subjects::version_schema),
        )
        .route(
            "/subjects/{subject}/versions/{version}/referencedby",
            get(subjects::referenced_by),
        )
        .route("/schemas/types", get(schemas::types))
        .route("/schemas/ids/{id}", get(schemas::by_id))
        .route("/schemas/ids/{id}/schema", get(schemas::text))
        .route("/schemas/ids/{id}/subjects", get(schemas::subjects))
        .route("/schemas/ids/{id}/versions", get(schemas::versions))
        .route(
            "/config",
            get(cfg::global_config)
                .put(cfg::set_global_config)
                .delete(cfg::delete_global_config),
        )
        .route(
            "/config/{subject}",
            get(cfg::subject_config)
                .put(cfg::set_subject_config)
                .delete(cfg::delete_subject_config),
        )
        .route(
            "/mode",
            get(cfg::global_mode)
                .put(cfg::set_global_mode)
                .delete(cfg::delete_global_mode),
        )
        .route(
            "/mode/{subject}",
            get(cfg::subject_mode)
                .put(cfg::set_subject_mode)
                .delete(cfg::delete_subject_mode),
        )
        .route(
            "/compatibility/subjects/{subject}/versions",
            post(compat::against_all),
        )
        .route(
            "/compatibility/subjects/{subject}/versions/{version}",
            post(compat::against_version),
        )
        .fallback(|| async { RegistryError::NoSuchEndpoint })
        .method_not_allowed_fallback(|| async { RegistryError::MethodNotAllowed })
        .layer(axum::middleware::from_fn(wire::json_bodies_only))
        .layer(DefaultBodyLimit::max(wire::BODY_LIMIT))
}
