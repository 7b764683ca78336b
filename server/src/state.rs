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
            monitoring: Arc::new(pending_monitoring::Pending),
        }
    }
}

/// TEMPORARY, for the `/metrics` branch only: `app`'s `Services` names a
/// monitoring service whose implementation is being written on another
/// branch (`server/src/monitoring/`). Drop this module and the line above
/// when merging with it.
mod pending_monitoring {
    use app::auth::Caller;
    use app::error::{AppError, ErrorCode};
    use app::monitoring::{
        AlertRuleEdit, AlertRuleView, AlertsPage, Chart, ChartRange, EventTraffic, MeshMap,
        Overview,
    };

    pub struct Pending;

    fn pending<T>() -> Result<T, AppError> {
        Err(AppError::new(
            ErrorCode::Unavailable,
            "Monitoring is not available yet.",
        ))
    }

    #[async_trait::async_trait]
    impl app::services::Monitoring for Pending {
        async fn event_traffic(
            &self,
            _: Option<Caller>,
            _: &str,
            _: ChartRange,
        ) -> Result<EventTraffic, AppError> {
            pending()
        }
        async fn request_chart(
            &self,
            _: Option<Caller>,
            _: &str,
            _: ChartRange,
        ) -> Result<Chart, AppError> {
            pending()
        }
        async fn link_chart(
            &self,
            _: Option<Caller>,
            _: &str,
            _: ChartRange,
        ) -> Result<Chart, AppError> {
            pending()
        }
        async fn map(&self, _: Option<Caller>) -> Result<MeshMap, AppError> {
            pending()
        }
        async fn overview(&self, _: Option<Caller>) -> Result<Overview, AppError> {
            pending()
        }
        async fn alerts(&self, _: Option<Caller>) -> Result<AlertsPage, AppError> {
            pending()
        }
        async fn edit_rule(
            &self,
            _: Option<Caller>,
            _: &str,
            _: AlertRuleEdit,
        ) -> Result<AlertRuleView, AppError> {
            pending()
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
