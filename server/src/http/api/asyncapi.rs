//! `GET /api/v1/events/{name}/asyncapi.json|yaml` and
//! `GET /api/v1/applications/{id}/asyncapi.json|yaml`: AsyncAPI 3.0
//! documents, as downloads. Axum cannot match `asyncapi.{format}` inside a
//! segment, so the last segment is read here; any other name is the API's 404.

use app::auth::Caller;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::Value;

use super::no_endpoint;
use crate::asyncapi::render;
use crate::errors::internal;
use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

#[derive(Clone, Copy)]
enum Format {
    Json,
    Yaml,
}

impl Format {
    fn of(file: &str) -> Result<Format, ApiError> {
        match file {
            "asyncapi.json" => Ok(Format::Json),
            "asyncapi.yaml" => Ok(Format::Yaml),
            _ => Err(no_endpoint()),
        }
    }
}

#[utoipa::path(
    get,
    operation_id = "asyncapi_event",
    path = "/events/{name}/{file}",
    tag = "events",
    params(("name" = String, Path, description = "Event name"), ("file" = String, Path, description = "`asyncapi.json` or `asyncapi.yaml`", pattern = "^asyncapi\\.(json|yaml)$")),
    responses((status = 200, description = "The event's AsyncAPI 3.0 document (connection details for signed-in callers)", content((Object = "application/json"), (Object = "application/yaml"))), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn event(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path((name, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let format = Format::of(&file)?;
    let caller = caller.map(|Extension(c)| c);
    let doc = state.asyncapi.event(caller.as_ref(), &name).await?;
    answer(&doc, format, &name)
}

#[utoipa::path(
    get,
    operation_id = "asyncapi_application",
    path = "/applications/{id}/{file}",
    tag = "access",
    params(("id" = String, Path, description = "Application id"), ("file" = String, Path, description = "`asyncapi.json` or `asyncapi.yaml`", pattern = "^asyncapi\\.(json|yaml)$")),
    responses((status = 200, description = "Everything the application may consume and produce, as AsyncAPI 3.0", content((Object = "application/json"), (Object = "application/yaml"))), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn application(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let format = Format::of(&file)?;
    let caller = caller.map(|Extension(c)| c);
    let doc = state.asyncapi.application(caller.as_ref(), &id).await?;
    let name = doc["info"]["title"].as_str().unwrap_or("application");
    answer(&doc, format, &format!("application-{id}-{name}"))
}

/// The document as a download named `<stem>.asyncapi.<ext>`.
fn answer(doc: &Value, format: Format, stem: &str) -> Result<Response, ApiError> {
    let (body, content_type, ext) = match format {
        Format::Json => (render::json(doc), "application/json", "json"),
        Format::Yaml => (
            render::yaml(doc).map_err(internal)?,
            "application/yaml",
            "yaml",
        ),
    };
    let disposition = format!("attachment; filename=\"{}.asyncapi.{ext}\"", safe(stem));
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// Event and application names are already of these characters; anything
/// else would not belong in a header's quoted file name.
fn safe(stem: &str) -> String {
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}
