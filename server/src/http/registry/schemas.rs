//! `/schemas…`: schemas by global id, and the supported types.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::wire::{raw, reply, Flags, P};
use crate::registry::{RegistryError, SchemaReference, AVRO};
use crate::state::AppState;

/// `{"schema", "references"}` as Confluent shows it: `schemaType` only when not
/// AVRO, `references` only when there are some.
#[derive(Serialize)]
struct SchemaView {
    #[serde(rename = "schemaType", skip_serializing_if = "Option::is_none")]
    schema_type: Option<String>,
    schema: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<SchemaReference>,
}

#[derive(Serialize)]
struct SubjectVersionView {
    subject: String,
    version: i32,
}

/// A non-numeric id names no schema (Confluent answers 404 too).
fn id_of(text: &str) -> Result<i64, RegistryError> {
    text.trim()
        .parse()
        .map_err(|_| RegistryError::SchemaNotFound)
}

pub async fn types() -> Response {
    reply(&[AVRO])
}

pub async fn by_id(State(s): State<AppState>, P(id): P<String>) -> Result<Response, RegistryError> {
    let found = s.registry.schema_by_id(id_of(&id)?).await?;
    Ok(reply(&SchemaView {
        schema_type: (found.schema_type != AVRO).then_some(found.schema_type),
        schema: found.schema,
        references: found.references,
    }))
}

pub async fn text(State(s): State<AppState>, P(id): P<String>) -> Result<Response, RegistryError> {
    let found = s.registry.schema_by_id(id_of(&id)?).await?;
    Ok(raw(StatusCode::OK, found.schema))
}

pub async fn subjects(
    State(s): State<AppState>,
    P(id): P<String>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    let subjects = s
        .registry
        .schema_subjects(id_of(&id)?, flags.get("deleted"))
        .await?;
    Ok(reply(&subjects))
}

pub async fn versions(
    State(s): State<AppState>,
    P(id): P<String>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    let versions: Vec<SubjectVersionView> = s
        .registry
        .schema_versions(id_of(&id)?, flags.get("deleted"))
        .await?
        .into_iter()
        .map(|(subject, version)| SubjectVersionView { subject, version })
        .collect();
    Ok(reply(&versions))
}
