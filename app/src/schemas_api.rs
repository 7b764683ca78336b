//! Server functions of the schema panel: thin wrappers over the `Schemas` service.

use leptos::prelude::*;
#[allow(unused_imports)] // used by the #[server] macro's expansion
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::schemas::{EventSchemas, Registered, SchemaCheck, SchemaProposal, SchemaRole};

#[server]
pub async fn get_event_schemas(event: String) -> Result<EventSchemas, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .schemas
        .overview(caller, &event)
        .await
}

#[server(input = Json)]
pub async fn check_schema(proposal: SchemaProposal) -> Result<SchemaCheck, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .schemas
        .check(caller, proposal)
        .await
}

#[server(input = Json)]
pub async fn propose_schema(proposal: SchemaProposal) -> Result<Registered, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .schemas
        .propose(caller, proposal)
        .await
}

#[server]
pub async fn set_schema_level(
    event: String,
    role: SchemaRole,
    level: String,
) -> Result<(), AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .schemas
        .set_level(caller, &event, role, &level)
        .await
}
