//! `POST /compatibility/subjects/{s}/versions[/{v}]`: `{"is_compatible": …}`,
//! with `?verbose=true` also `"messages"`.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

use super::subjects::SchemaBody;
use super::wire::{reply, Body, Flags, P};
use crate::registry::{RegistryError, Verdict, VersionSpec};
use crate::state::AppState;

#[derive(Serialize)]
struct CheckView {
    is_compatible: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<Vec<String>>,
}

async fn check(
    s: &AppState,
    subject: &str,
    version: Option<VersionSpec>,
    verbose: bool,
    body: SchemaBody,
) -> Result<Response, RegistryError> {
    let verdict = match s
        .registry
        .check(subject, version, &body.into_new_schema()?)
        .await
    {
        Ok(v) => v,
        // Verbose checks report an invalid schema as a message, as Confluent does.
        Err(RegistryError::InvalidSchema(message)) if verbose => Verdict {
            compatible: false,
            messages: vec![message],
        },
        Err(e) => return Err(e),
    };
    Ok(reply(&CheckView {
        is_compatible: verdict.compatible,
        messages: verbose.then_some(verdict.messages),
    }))
}

pub async fn against_all(
    State(s): State<AppState>,
    P(subject): P<String>,
    flags: Flags,
    Body(body): Body<SchemaBody>,
) -> Result<Response, RegistryError> {
    check(&s, &subject, None, flags.get("verbose"), body).await
}

pub async fn against_version(
    State(s): State<AppState>,
    P((subject, version)): P<(String, String)>,
    flags: Flags,
    Body(body): Body<SchemaBody>,
) -> Result<Response, RegistryError> {
    let spec: VersionSpec = version.parse()?;
    check(&s, &subject, Some(spec), flags.get("verbose"), body).await
}
