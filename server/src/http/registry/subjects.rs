//! `/subjects…`: list, register, look up, read and delete versions.

use app::auth::Caller;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use serde::{Deserialize, Serialize};

use super::wire::{raw, reply, Body, Flags, P};
use crate::registry::{
    NewSchema, RegistryError, SchemaReference, SubjectVersion, VersionSpec, AVRO,
};
use crate::state::AppState;

/// A schema as clients send it to register, look up or check.
#[derive(Debug, Deserialize)]
pub struct SchemaBody {
    schema: Option<String>,
    #[serde(rename = "schemaType")]
    schema_type: Option<String>,
    references: Option<Vec<SchemaReference>>,
    /// IMPORT mode only; negative means "none" (Confluent's Java client sends -1).
    id: Option<i64>,
    /// IMPORT mode only; 0 or less means "none".
    version: Option<i32>,
}

impl SchemaBody {
    pub fn into_new_schema(self) -> Result<NewSchema, RegistryError> {
        let schema = self
            .schema
            .ok_or_else(|| RegistryError::InvalidSchema("Empty schema".to_string()))?;
        Ok(NewSchema {
            schema,
            schema_type: self.schema_type,
            references: self.references.unwrap_or_default(),
            id: self.id.filter(|id| *id >= 0),
            version: self.version.filter(|v| *v > 0),
        })
    }
}

/// A version as Confluent shows it: `schemaType` only when not AVRO,
/// `references` only when there are some.
#[derive(Serialize)]
pub struct VersionView {
    subject: String,
    version: i32,
    id: i64,
    #[serde(rename = "schemaType", skip_serializing_if = "Option::is_none")]
    schema_type: Option<String>,
    schema: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<SchemaReference>,
}

impl From<SubjectVersion> for VersionView {
    fn from(v: SubjectVersion) -> Self {
        VersionView {
            subject: v.subject,
            version: v.version,
            id: v.id,
            schema_type: (v.schema_type != AVRO).then_some(v.schema_type),
            schema: v.schema,
            references: v.references,
        }
    }
}

fn caller_of(caller: &Option<Extension<Caller>>) -> Option<&Caller> {
    caller.as_ref().map(|Extension(c)| c)
}

pub async fn list(State(s): State<AppState>, flags: Flags) -> Result<Response, RegistryError> {
    Ok(reply(&s.registry.subjects(flags.get("deleted")).await?))
}

pub async fn versions(
    State(s): State<AppState>,
    P(subject): P<String>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    Ok(reply(
        &s.registry.versions(&subject, flags.get("deleted")).await?,
    ))
}

pub async fn register(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    P(subject): P<String>,
    Body(body): Body<SchemaBody>,
) -> Result<Response, RegistryError> {
    let schema = body.into_new_schema()?;
    let registered = s
        .registry
        .register(caller_of(&caller), &subject, &schema)
        .await?;
    Ok(reply(&serde_json::json!({ "id": registered.id })))
}

pub async fn lookup(
    State(s): State<AppState>,
    P(subject): P<String>,
    flags: Flags,
    Body(body): Body<SchemaBody>,
) -> Result<Response, RegistryError> {
    let schema = body.into_new_schema()?;
    let found = s
        .registry
        .lookup(&subject, &schema, flags.get("deleted"))
        .await?;
    Ok(reply(&VersionView::from(found)))
}

pub async fn version(
    State(s): State<AppState>,
    P((subject, version)): P<(String, String)>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    let spec: VersionSpec = version.parse()?;
    let found = s
        .registry
        .version(&subject, spec, flags.get("deleted"))
        .await?;
    Ok(reply(&VersionView::from(found)))
}

/// The schema text alone, as registered.
pub async fn version_schema(
    State(s): State<AppState>,
    P((subject, version)): P<(String, String)>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    let spec: VersionSpec = version.parse()?;
    let found = s
        .registry
        .version(&subject, spec, flags.get("deleted"))
        .await?;
    Ok(raw(StatusCode::OK, found.schema))
}

pub async fn referenced_by(
    State(s): State<AppState>,
    P((subject, version)): P<(String, String)>,
) -> Result<Response, RegistryError> {
    let spec: VersionSpec = version.parse()?;
    Ok(reply(&s.registry.referenced_by(&subject, spec).await?))
}

pub async fn delete_subject(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    P(subject): P<String>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    let deleted = s
        .registry
        .delete_subject(caller_of(&caller), &subject, flags.get("permanent"))
        .await?;
    Ok(reply(&deleted))
}

pub async fn delete_version(
    State(s): State<AppState>,
    caller: Option<Extension<Caller>>,
    P((subject, version)): P<(String, String)>,
    flags: Flags,
) -> Result<Response, RegistryError> {
    let spec: VersionSpec = version.parse()?;
    let deleted = s
        .registry
        .delete_version(caller_of(&caller), &subject, spec, flags.get("permanent"))
        .await?;
    Ok(reply(&deleted))
}
