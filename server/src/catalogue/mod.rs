//! The event catalogue: teams, tags, events with schemas, the demo seed, and
//! the `Catalogue` service that keeps the search index in step with the database.

mod curation;
mod discovery;
pub mod error;
pub mod facts;
pub mod markdown;
pub mod model;
pub mod names;
pub mod repo;
pub mod schema_diff;
pub mod schema_tree;
pub mod schemas;
mod search_cache;
pub mod seed;
mod service;
mod topic_facts;

pub use discovery::DiscoveryService;
pub use error::CatalogueError;
pub use schemas::EventSchemaService;
pub use service::CatalogueService;
pub use topic_facts::TopicFacts;

use app::auth::Caller;
use app::catalogue::{EventDetail, EventPatch, SearchParams, SearchResponse, TagDef, TeamDef};
use app::discovery::{Claim, Discovery, TeamRef};
use app::error::AppError;
use app::schemas::{EventSchemas, Registered, SchemaCheck, SchemaProposal, SchemaRole};

/// The trait is the service's inherent methods under the same names; here
/// each `CatalogueError` becomes the wire's `AppError`, once.
#[async_trait::async_trait]
impl app::services::Catalogue for CatalogueService {
    async fn search(&self, params: SearchParams) -> Result<SearchResponse, AppError> {
        Ok(CatalogueService::search(self, params).await?)
    }

    async fn event(&self, name: &str, caller: Option<Caller>) -> Result<EventDetail, AppError> {
        Ok(CatalogueService::event(self, name, caller).await?)
    }

    async fn update(
        &self,
        caller: Option<Caller>,
        name: &str,
        patch: EventPatch,
    ) -> Result<EventDetail, AppError> {
        Ok(CatalogueService::update(self, caller, name, patch).await?)
    }

    async fn tags(&self) -> Result<Vec<TagDef>, AppError> {
        Ok(CatalogueService::tags(self).await?)
    }

    async fn save_tag(&self, caller: Option<Caller>, tag: TagDef) -> Result<(), AppError> {
        Ok(CatalogueService::save_tag(self, caller, tag).await?)
    }

    async fn team_defs(&self, caller: Option<&Caller>) -> Result<Vec<TeamDef>, AppError> {
        Ok(CatalogueService::team_defs(self, caller).await?)
    }

    async fn save_team(&self, caller: Option<Caller>, team: TeamDef) -> Result<(), AppError> {
        Ok(CatalogueService::save_team(self, caller, team).await?)
    }
}

#[async_trait::async_trait]
impl app::services::Discovery for DiscoveryService {
    async fn unclaimed(&self, caller: Option<Caller>) -> Result<Discovery, AppError> {
        Ok(DiscoveryService::unclaimed(self, caller).await?)
    }

    async fn refresh(&self, caller: Option<Caller>) -> Result<Discovery, AppError> {
        Ok(DiscoveryService::refresh(self, caller).await?)
    }

    async fn claim(&self, caller: Option<Caller>, claim: Claim) -> Result<String, AppError> {
        Ok(DiscoveryService::claim(self, caller, claim).await?)
    }

    async fn teams(&self) -> Result<Vec<TeamRef>, AppError> {
        Ok(DiscoveryService::teams(self).await?)
    }
}

#[async_trait::async_trait]
impl app::services::Schemas for EventSchemaService {
    async fn overview(
        &self,
        caller: Option<Caller>,
        event: &str,
    ) -> Result<EventSchemas, AppError> {
        Ok(EventSchemaService::overview(self, caller, event).await?)
    }

    async fn check(
        &self,
        caller: Option<Caller>,
        proposal: SchemaProposal,
    ) -> Result<SchemaCheck, AppError> {
        Ok(EventSchemaService::check(self, caller, proposal).await?)
    }

    async fn propose(
        &self,
        caller: Option<Caller>,
        proposal: SchemaProposal,
    ) -> Result<Registered, AppError> {
        Ok(EventSchemaService::propose(self, caller, proposal).await?)
    }

    async fn set_level(
        &self,
        caller: Option<Caller>,
        event: &str,
        role: SchemaRole,
        level: &str,
    ) -> Result<(), AppError> {
        Ok(EventSchemaService::set_level(self, caller, event, role, level).await?)
    }
}
