//! The request → approval workflow: applications and their principals,
//! requests to consume, produce or create events, approval steps and their
//! routing, grants and provisioning jobs written on final approval,
//! revocation and expiry. Every change writes its audit entry in the same
//! transaction (`request.*`, `grant.expiring_soon`, `application.registered`).

mod decide;
mod lifecycle;
pub mod model;
pub mod policy;
pub mod repo;
pub mod rules;
mod service;
pub mod state;
mod submit;

use app::access::{
    AccessPolicy, Application, ConsumeForm, Decision, DecisionOutcome, InboxFilter, JobView,
    NewApplication, NewEventForm, ProduceForm, RequestView,
};
use app::auth::Caller;
use app::error::AppError;

pub use lifecycle::Swept;
pub use service::AccessService;

#[async_trait::async_trait]
impl app::services::Access for AccessService {
    async fn policy(&self) -> Result<AccessPolicy, AppError> {
        Ok(self.access_policy())
    }

    async fn applications(&self, caller: Option<Caller>) -> Result<Vec<Application>, AppError> {
        self.list_applications(caller).await
    }

    async fn register_application(
        &self,
        caller: Option<Caller>,
        app: NewApplication,
    ) -> Result<Application, AppError> {
        self.register(caller, app).await
    }

    async fn submit_consume(
        &self,
        caller: Option<Caller>,
        form: ConsumeForm,
    ) -> Result<RequestView, AppError> {
        self.consume(caller, form).await
    }

    async fn submit_produce(
        &self,
        caller: Option<Caller>,
        form: ProduceForm,
    ) -> Result<RequestView, AppError> {
        self.produce(caller, form).await
    }

    async fn check_new_event(
        &self,
        caller: Option<Caller>,
        form: NewEventForm,
    ) -> Result<Vec<String>, AppError> {
        self.new_event_problems(caller, &form).await
    }

    async fn submit_new_event(
        &self,
        caller: Option<Caller>,
        form: NewEventForm,
    ) -> Result<RequestView, AppError> {
        self.new_event(caller, form).await
    }

    async fn my_requests(&self, caller: Option<Caller>) -> Result<Vec<RequestView>, AppError> {
        self.mine(caller).await
    }

    async fn request(&self, caller: Option<Caller>, id: &str) -> Result<RequestView, AppError> {
        self.show(caller, id).await
    }

    async fn inbox(
        &self,
        caller: Option<Caller>,
        filter: InboxFilter,
    ) -> Result<Vec<RequestView>, AppError> {
        self.inbox_of(caller, filter).await
    }

    async fn inbox_count(&self, caller: Option<Caller>) -> Result<usize, AppError> {
        self.inbox_size(caller).await
    }

    async fn decide(
        &self,
        caller: Option<Caller>,
        decision: Decision,
    ) -> Result<RequestView, AppError> {
        self.decide_one(caller, decision).await
    }

    async fn decide_many(
        &self,
        caller: Option<Caller>,
        decisions: Vec<Decision>,
    ) -> Result<Vec<DecisionOutcome>, AppError> {
        self.decide_all(caller, decisions).await
    }

    async fn cancel(&self, caller: Option<Caller>, id: &str) -> Result<RequestView, AppError> {
        self.cancel_request(caller, id).await
    }

    async fn reassign(
        &self,
        caller: Option<Caller>,
        id: &str,
        team: &str,
    ) -> Result<RequestView, AppError> {
        self.reassign_owner(caller, id, team).await
    }

    async fn revoke(
        &self,
        caller: Option<Caller>,
        id: &str,
        reason: &str,
    ) -> Result<RequestView, AppError> {
        self.revoke_request(caller, id, reason).await
    }

    async fn jobs(&self, caller: Option<Caller>) -> Result<Vec<JobView>, AppError> {
        self.queued_jobs(caller).await
    }
}
