//! Shared state of the HTTP server.

use std::sync::Arc;

use app::services::Services;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::auth::AuthService;
use crate::catalogue::{CatalogueService, DiscoveryService, EventSchemaService};
use crate::clusters::ClusterService;
use crate::db::Db;
use crate::registry::RegistryService;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub clusters: Arc<ClusterService>,
    pub catalogue: Arc<CatalogueService>,
    pub auth: Arc<AuthService>,
    pub discovery: Arc<DiscoveryService>,
    pub registry: Arc<RegistryService>,
    pub schemas: Arc<EventSchemaService>,
    pub access: Arc<crate::access::AccessService>,
    pub notify: Arc<crate::notify::NotifyService>,
    pub mesh: Arc<crate::mesh::MeshService>,
    pub tokens: Arc<crate::auth::tokens::TokenService>,
    pub asyncapi: Arc<crate::asyncapi::AsyncApiService>,
    pub monitoring: Arc<crate::monitoring::MonitoringService>,
    /// `/metrics`: this process's request counts and who may read them.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    /// The services handed to server functions through Leptos context.
    pub fn services(&self) -> Services {
        Services {
            clusters: self.clusters.clone(),
            catalogue: self.catalogue.clone(),
            accounts: self.auth.clone(),
            discovery: self.discovery.clone(),
            schemas: self.schemas.clone(),
            access: self.access.clone(),
            audit: self.notify.clone(),
            notifications: self.notify.clone(),
            mesh: self.mesh.clone(),
            tokens: self.tokens.clone(),
            monitoring: self.monitoring.clone(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
