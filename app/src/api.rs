//! Server functions: thin wrappers that find the service and call it.

use leptos::prelude::*;
#[allow(unused_imports)] // used by the #[server] macro's expansion
use leptos::server_fn::codec::Json;

use crate::clusters::ClusterView;
use crate::error::AppError;

#[server]
pub async fn list_clusters() -> Result<Vec<ClusterView>, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .clusters
        .list(caller.as_ref())
        .await
}

#[server]
pub async fn refresh_clusters() -> Result<Vec<ClusterView>, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .clusters
        .refresh(caller.as_ref())
        .await
}

#[server]
pub async fn search_events(
    params: crate::catalogue::SearchParams,
) -> Result<crate::catalogue::SearchResponse, AppError> {
    crate::services::services()?.catalogue.search(params).await
}

#[server]
pub async fn get_event(name: String) -> Result<crate::catalogue::EventDetail, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .catalogue
        .event(&name, caller)
        .await
}

#[server(input = Json)]
pub async fn update_event(
    name: String,
    patch: crate::catalogue::EventPatch,
) -> Result<crate::catalogue::EventDetail, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .catalogue
        .update(caller, &name, patch)
        .await
}

#[server]
pub async fn list_tags() -> Result<Vec<crate::catalogue::TagDef>, AppError> {
    crate::services::services()?.catalogue.tags().await
}

#[server]
pub async fn save_tag(
    name: String,
    description: String,
    colour: String,
    classification: Option<String>,
) -> Result<(), AppError> {
    let caller = crate::services::caller();
    let tag = crate::catalogue::TagDef {
        name,
        description,
        colour,
        classification: classification.is_some(),
    };
    crate::services::services()?
        .catalogue
        .save_tag(caller, tag)
        .await
}

#[server]
pub async fn list_team_defs() -> Result<Vec<crate::catalogue::TeamDef>, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .catalogue
        .team_defs(caller.as_ref())
        .await
}

#[server]
pub async fn save_team(
    id: String,
    name: String,
    description: String,
    members: String,
) -> Result<(), AppError> {
    let caller = crate::services::caller();
    let team = crate::catalogue::TeamDef {
        id,
        name,
        description,
        members: members
            .split([',', '\n'])
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect(),
    };
    crate::services::services()?
        .catalogue
        .save_team(caller, team)
        .await
}

#[server]
pub async fn current_caller() -> Result<Option<crate::auth::Caller>, AppError> {
    Ok(crate::services::caller())
}

#[server]
pub async fn dev_login_users() -> Result<Option<Vec<String>>, AppError> {
    crate::services::services()?
        .accounts
        .dev_login_users()
        .await
}

#[server]
pub async fn oidc_provider() -> Result<Option<String>, AppError> {
    crate::services::services()?.accounts.oidc_provider().await
}

#[server]
pub async fn unclaimed_topics() -> Result<crate::discovery::Discovery, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .discovery
        .unclaimed(caller)
        .await
}

#[server]
pub async fn refresh_unclaimed() -> Result<crate::discovery::Discovery, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?.discovery.refresh(caller).await
}

#[server]
pub async fn claim_topic(
    cluster: String,
    topic: String,
    name: String,
    title: String,
    team: String,
) -> Result<String, AppError> {
    let caller = crate::services::caller();
    let claim = crate::discovery::Claim {
        cluster,
        topic,
        name,
        title,
        team,
    };
    crate::services::services()?
        .discovery
        .claim(caller, claim)
        .await
}

#[server]
pub async fn list_teams() -> Result<Vec<crate::discovery::TeamRef>, AppError> {
    crate::services::services()?.discovery.teams().await
}
