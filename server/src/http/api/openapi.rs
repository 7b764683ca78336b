//! The REST API's OpenAPI 3.1 document, built from the handlers' own
//! `#[utoipa::path]` attributes and wire types as the router registers them
//! (`utoipa_axum::routes!`), so it lists exactly the routes served. Served
//! at `/api/v1/openapi.json`; `/api/docs` shows it (a viewer bundled at
//! build time, no internet needed).

use std::sync::Arc;

use app::error::AppError;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, Server};
use utoipa::Modify;

/// Every error's body; each operation names it as its `default` response.
#[derive(serde::Serialize, utoipa::ToSchema, utoipa::ToResponse)]
#[response(description = "An error: `{\"error\": {\"code\", \"message\"}}`")]
pub struct ErrorBody {
    pub error: AppError,
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Switchboard REST API",
        version = "1",
        description = "The event mesh portal's API. Authenticate with the session cookie of a \
                       signed-in browser, or an API token (`Authorization: Bearer \
                       sbk_<key id>.<secret>`, made on /tokens) whose scopes each operation \
                       names. Errors are `{\"error\": {\"code\", \"message\"}}`."
    ),
    modifiers(&Security),
    components(responses(ErrorBody), schemas(ErrorBody, AppError, app::error::ErrorCode)),
    tags(
        (name = "events", description = "The event catalogue"),
        (name = "access", description = "Applications, requests and approvals"),
        (name = "clusters", description = "Clusters of the mesh"),
        (name = "mesh", description = "Links, drift and provisioning jobs"),
        (name = "monitoring", description = "Traffic, lag, the mesh map and alerts"),
        (name = "taxonomy", description = "Tags and teams"),
        (name = "discovery", description = "Topics no event covers"),
        (name = "audit", description = "The audit log"),
        (name = "notifications", description = "The caller's notifications"),
        (name = "webhooks", description = "Outgoing webhooks"),
        (name = "tokens", description = "API tokens (signed-in sessions only)"),
        (name = "account", description = "The caller and identities"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut OpenApi) {
        api.servers = Some(vec![Server::new("/api/v1")]);
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::sessions::COOKIE,
                "The session cookie of a signed-in browser (writes also need a same-site origin).",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("sbk_<key id>.<secret>")
                    .description(Some(
                        "An API token; the operation's security names the scope it needs.",
                    ))
                    .build(),
            ),
        );
    }
}

static JSON: std::sync::OnceLock<Arc<String>> = std::sync::OnceLock::new();

/// The document as the first router built made it (every router makes the same).
pub fn json() -> Arc<String> {
    JSON.get_or_init(|| Arc::new(String::from("{}"))).clone()
}

/// Keeps the document the router made, for `/api/docs`.
pub(super) fn keep(json: String) -> Arc<String> {
    JSON.get_or_init(|| Arc::new(json)).clone()
}

/// The document, built once with the router.
#[derive(Clone)]
pub struct Document(pub Arc<String>);

#[utoipa::path(
    get,
    operation_id = "openapi_document",
    path = "/openapi.json",
    tag = "account",
    responses((status = 200, description = "This document", body = Object)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn document(axum::Extension(doc): axum::Extension<Document>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.0.as_ref().clone(),
    )
}
