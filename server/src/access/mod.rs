//! The request → approval workflow: applications and their principals,
//! requests to consume, produce or create events, approval steps and their
//! routing, grants and provisioning jobs written on final approval,
//! revocation and expiry. Every change writes its audit entry in the same
//! transaction (`request.*`, `grant.expiring_soon`, `application.registered`).

mod decide;
pub mod error;
mod lifecycle;
pub mod model;
pub mod policy;
pub mod repo;
pub mod rules;
mod service;
pub mod state;
mod submit;

use app::access::{
    AccessPolicy, Application, ConsumeForm, Decision, DecisionOutcome, InboxFilter, NewApplication,
    NewEventForm, ProduceForm, RequestView,
};
use app::auth::Caller;
use app::error::AppError;

pub(crate) use decide::consume_bindings;
pub use error::AccessError;
pub use lifecycle::Swept;
pub(crate) use service::snapshot;
pub use service::AccessService;

/// The trait is the service's inherent methods under the same names; here
/// each `AccessError` becomes the wire's `AppError`, once.
#[async_trait::async_trait]
impl app::services::Access for AccessService {
    async fn policy(&self) -> Result<AccessPolicy, AppError> {
        Ok(AccessService::policy(self))
    }

    async fn applications(&self, caller: Option<Caller>) -> Result<Vec<Application>, AppError> {
        Ok(AccessService::applications(self, caller).await?)
    }

    async fn register_application(
        &self,
        caller: Option<Caller>,
        app: NewApplication,
    ) -> Result<Application, AppError> {
        Ok(AccessService::register_application(self, caller, app).await?)
    }

    async fn submit_consume(
        &self,
        caller: Option<Caller>,
        form: ConsumeForm,
    ) -> Result<RequestView, AppError> {
        Ok(AccessService::submit_consume(self, caller, form).await?)
    }

    async fn submit_produce(
        &self,
        caller: Option<Caller>,
        form: ProduceForm,
    ) -> Result<RequestView, AppError> {
        Ok(AccessService::submit_produce(self, caller, form).await?)
    }

    async fn check_new_event(
        &self,
        caller: Option<Caller>,
        form: NewEventForm,
    ) -> Result<Vec<String>, AppError> {
        Ok(AccessService::check_new_event(self, caller, form).await?)
    }

    async fn submit_new_event(
        &self,
        caller: Option<Caller>,
        form: NewEventForm,
    ) -> Result<RequestView, AppError> {
        Ok(AccessService::submit_new_event(self, caller, form).await?)
    }

    async fn my_requests(&self, caller: Option<Caller>) -> Result<Vec<RequestView>, AppError> {
        Ok(AccessService::my_requests(self, caller).await?)
    }

    async fn request(&self, caller: Option<Caller>, id: &str) -> Result<RequestView, AppError> {
        Ok(AccessService::request(self, caller, id).await?)
    }

    async fn inbox(
        &self,
        caller: Option<Caller>,
        filter: InboxFilter,
    ) -> Result<Vec<RequestView>, AppError> {
        Ok(AccessService::inbox(self, caller, filter).await?)
    }

    async fn inbox_count(&self, caller: Option<Caller>) -> Result<usize, AppError> {
        Ok(AccessService::inbox_count(self, caller).await?)
    }

    async fn decide(
        &self,
        caller: Option<Caller>,
        decision: Decision,
    ) -> Result<RequestView, AppError> {
        Ok(AccessService::decide(self, caller, decision).await?)
    }

    async fn decide_many(
        &self,
        caller: Option<Caller>,
        decisions: Vec<Decision>,
    ) -> Result<Vec<DecisionOutcome>, AppError> {
        Ok(AccessService::decide_many(self, caller, decisions).await?)
    }

    async fn cancel(&self, caller: Option<Caller>, id: &str) -> Result<RequestView, AppError> {
        Ok(AccessService::cancel(self, caller, id).await?)
    }

    async fn reassign(
        &self,
        caller: Option<Caller>,
        id: &str,
        team: &str,
    ) -> Result<RequestView, AppError> {
        Ok(AccessService::reassign(self, caller, id, team).await?)
    }

    async fn revoke(
        &self,
        caller: Option<Caller>,
        id: &str,
        reason: &str,
    ) -> Result<RequestView, AppError> {
        Ok(AccessService::revoke(self, caller, id, reason).await?)
    }
}
