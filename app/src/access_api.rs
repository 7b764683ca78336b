//! Server functions of the access pages: thin wrappers over the `Access` service.

use leptos::prelude::*;
#[allow(unused_imports)] // used by the #[server] macro's expansion
use leptos::server_fn::codec::Json;

use crate::access::{
    AccessPolicy, Application, ConsumeForm, Decision, DecisionOutcome, InboxFilter, NewApplication,
    NewEventForm, ProduceForm, RequestView,
};
use crate::error::AppError;

#[cfg(feature = "ssr")]
fn access() -> Result<std::sync::Arc<dyn crate::services::Access>, AppError> {
    Ok(crate::services::services()?.access)
}

#[cfg(feature = "ssr")]
fn caller() -> Option<crate::auth::Caller> {
    crate::services::caller()
}

#[server]
pub async fn get_access_policy() -> Result<AccessPolicy, AppError> {
    access()?.policy().await
}

#[server]
pub async fn list_applications() -> Result<Vec<Application>, AppError> {
    access()?.applications(caller()).await
}

#[server(input = Json)]
pub async fn register_application(app: NewApplication) -> Result<Application, AppError> {
    access()?.register_application(caller(), app).await
}

#[server(input = Json)]
pub async fn submit_consume(form: ConsumeForm) -> Result<RequestView, AppError> {
    access()?.submit_consume(caller(), form).await
}

#[server(input = Json)]
pub async fn submit_produce(form: ProduceForm) -> Result<RequestView, AppError> {
    access()?.submit_produce(caller(), form).await
}

#[server(input = Json)]
pub async fn check_new_event(form: NewEventForm) -> Result<Vec<String>, AppError> {
    access()?.check_new_event(caller(), form).await
}

#[server(input = Json)]
pub async fn submit_new_event(form: NewEventForm) -> Result<RequestView, AppError> {
    access()?.submit_new_event(caller(), form).await
}

#[server]
pub async fn my_requests() -> Result<Vec<RequestView>, AppError> {
    access()?.my_requests(caller()).await
}

#[server]
pub async fn get_request(id: String) -> Result<RequestView, AppError> {
    access()?.request(caller(), &id).await
}

#[server(input = Json)]
pub async fn approval_inbox(filter: InboxFilter) -> Result<Vec<RequestView>, AppError> {
    access()?.inbox(caller(), filter).await
}

#[server]
pub async fn approval_count() -> Result<usize, AppError> {
    access()?.inbox_count(caller()).await
}

#[server(input = Json)]
pub async fn decide_request(decision: Decision) -> Result<RequestView, AppError> {
    access()?.decide(caller(), decision).await
}

#[server(input = Json)]
pub async fn decide_many(decisions: Vec<Decision>) -> Result<Vec<DecisionOutcome>, AppError> {
    access()?.decide_many(caller(), decisions).await
}

#[server]
pub async fn cancel_request(id: String) -> Result<RequestView, AppError> {
    access()?.cancel(caller(), &id).await
}

#[server]
pub async fn reassign_request(id: String, team: String) -> Result<RequestView, AppError> {
    access()?.reassign(caller(), &id, &team).await
}

#[server]
pub async fn revoke_request(id: String, reason: String) -> Result<RequestView, AppError> {
    access()?.revoke(caller(), &id, &reason).await
}
