//! The access workflow over REST: applications, requests, decisions, the
//! approval inbox and provisioning jobs. Thin: each handler reads the caller
//! and the body and calls the `Access` service, which checks everything.

use app::access::{
    AccessPolicy, Application, ConsumeForm, Decision, DecisionOutcome, InboxFilter, JobView,
    NewApplication, NewEventForm, ProduceForm, RequestKind, RequestView,
};
use app::auth::Caller;
use app::error::AppError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;

use crate::auth::require_signed_in;
use crate::http::api::openapi::ErrorBody;

/// Naming and template problems of a draft (empty when none).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Problems {
    problems: Vec<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Count {
    count: usize,
}

use crate::http::ApiError;
use crate::state::AppState;

type MaybeCaller = Option<Extension<Caller>>;

fn who(caller: MaybeCaller) -> Option<Caller> {
    caller.map(|c| c.0)
}

/// The body, once the caller is known to be signed in (a 401 comes before a 400).
fn body<T>(caller: &Option<Caller>, body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    require_signed_in(caller.clone())?;
    let Json(value) = body.map_err(|e| AppError::invalid(e.body_text()))?;
    Ok(value)
}

#[utoipa::path(
    get,
    operation_id = "access_policy",
    path = "/access/policy",
    tag = "access",
    responses((status = 200, description = "End dates and topic templates", body = AccessPolicy), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn policy(State(state): State<AppState>) -> Result<Json<AccessPolicy>, ApiError> {
    Ok(Json(state.access.policy()))
}

#[utoipa::path(
    get,
    operation_id = "access_applications",
    path = "/applications",
    tag = "access",
    responses((status = 200, description = "Applications of the caller's teams (all for admins)", body = Vec<Application>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn applications(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<Application>>, ApiError> {
    Ok(Json(state.access.applications(who(caller)).await?))
}

#[utoipa::path(
    post,
    operation_id = "access_register_application",
    path = "/applications",
    tag = "access",
    request_body = NewApplication,
    responses((status = 201, description = "Registered", body = Application), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["request"]))
)]
pub async fn register_application(
    State(state): State<AppState>,
    caller: MaybeCaller,
    json: Result<Json<NewApplication>, JsonRejection>,
) -> Result<(StatusCode, Json<Application>), ApiError> {
    let caller = who(caller);
    let new = body(&caller, json)?;
    let app = state.access.register_application(caller, new).await?;
    Ok((StatusCode::CREATED, Json(app)))
}

#[utoipa::path(
    post,
    operation_id = "access_consume",
    path = "/requests/consume",
    tag = "access",
    request_body = ConsumeForm,
    responses((status = 201, description = "The request", body = RequestView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["request"]))
)]
pub async fn consume(
    State(state): State<AppState>,
    caller: MaybeCaller,
    json: Result<Json<ConsumeForm>, JsonRejection>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let caller = who(caller);
    let form = body(&caller, json)?;
    let view = state.access.submit_consume(caller, form).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(
    post,
    operation_id = "access_produce",
    path = "/requests/produce",
    tag = "access",
    request_body = ProduceForm,
    responses((status = 201, description = "The request", body = RequestView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["request"]))
)]
pub async fn produce(
    State(state): State<AppState>,
    caller: MaybeCaller,
    json: Result<Json<ProduceForm>, JsonRejection>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let caller = who(caller);
    let form = body(&caller, json)?;
    let view = state.access.submit_produce(caller, form).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(
    post,
    operation_id = "access_new_event",
    path = "/requests/new-event",
    tag = "access",
    request_body = NewEventForm,
    responses((status = 201, description = "The request", body = RequestView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["request"]))
)]
pub async fn new_event(
    State(state): State<AppState>,
    caller: MaybeCaller,
    json: Result<Json<NewEventForm>, JsonRejection>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let caller = who(caller);
    let form = body(&caller, json)?;
    let view = state.access.submit_new_event(caller, form).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Naming and template problems of a new-event draft; stores nothing.
#[utoipa::path(
    post,
    operation_id = "access_check_new_event",
    path = "/requests/new-event/check",
    tag = "access",
    request_body = NewEventForm,
    responses((status = 200, description = "Policy problems; stores nothing", body = Problems), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["request"]))
)]
pub async fn check_new_event(
    State(state): State<AppState>,
    caller: MaybeCaller,
    json: Result<Json<NewEventForm>, JsonRejection>,
) -> Result<Json<Problems>, ApiError> {
    let caller = who(caller);
    let form = body(&caller, json)?;
    let problems = state.access.check_new_event(caller, form).await?;
    Ok(Json(Problems { problems }))
}

#[utoipa::path(
    get,
    operation_id = "access_my_requests",
    path = "/requests",
    tag = "access",
    responses((status = 200, description = "Requests the caller made or that concern their teams", body = Vec<RequestView>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn my_requests(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    Ok(Json(state.access.my_requests(who(caller)).await?))
}

#[utoipa::path(
    get,
    operation_id = "access_request",
    path = "/requests/{id}",
    tag = "access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = RequestView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn request(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(state.access.request(who(caller), &id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionBody {
    approve: bool,
    #[serde(default)]
    comment: String,
}

#[utoipa::path(
    post,
    operation_id = "access_decide",
    path = "/requests/{id}/decision",
    tag = "access",
    params(("id" = String, Path, description = "Request id")),
    request_body = DecisionBody,
    responses((status = 200, description = "The request after the decision", body = RequestView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["decide"]))
)]
pub async fn decide(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
    json: Result<Json<DecisionBody>, JsonRejection>,
) -> Result<Json<RequestView>, ApiError> {
    let caller = who(caller);
    let d = body(&caller, json)?;
    let decision = Decision {
        request: id,
        approve: d.approve,
        comment: d.comment,
    };
    Ok(Json(state.access.decide(caller, decision).await?))
}

#[utoipa::path(
    post,
    operation_id = "access_cancel",
    path = "/requests/{id}/cancel",
    tag = "access",
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The cancelled request", body = RequestView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["request"]))
)]
pub async fn cancel(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(state.access.cancel(who(caller), &id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReassignBody {
    team: String,
}

#[utoipa::path(
    post,
    operation_id = "access_reassign",
    path = "/requests/{id}/reassign",
    tag = "access",
    params(("id" = String, Path, description = "Request id")),
    request_body = ReassignBody,
    responses((status = 200, description = "The request", body = RequestView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["admin"]))
)]
pub async fn reassign(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
    json: Result<Json<ReassignBody>, JsonRejection>,
) -> Result<Json<RequestView>, ApiError> {
    let caller = who(caller);
    let b = body(&caller, json)?;
    Ok(Json(state.access.reassign(caller, &id, &b.team).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevokeBody {
    #[serde(default)]
    reason: String,
}

#[utoipa::path(
    post,
    operation_id = "access_revoke",
    path = "/requests/{id}/revoke",
    tag = "access",
    params(("id" = String, Path, description = "Request id")),
    request_body = RevokeBody,
    responses((status = 200, description = "The revoked request", body = RequestView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["decide"]))
)]
pub async fn revoke(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
    json: Result<Json<RevokeBody>, JsonRejection>,
) -> Result<Json<RequestView>, ApiError> {
    let caller = who(caller);
    let b = body(&caller, json)?;
    Ok(Json(state.access.revoke(caller, &id, &b.reason).await?))
}

/// `GET /approvals?kind=consume&event=…&team=…`
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    kind: Option<RequestKind>,
    event: Option<String>,
    team: Option<String>,
}

#[utoipa::path(
    get,
    operation_id = "access_inbox",
    path = "/approvals",
    tag = "access",
    params(InboxQuery),
    responses((status = 200, description = "What the caller can decide now", body = Vec<RequestView>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn inbox(
    State(state): State<AppState>,
    caller: MaybeCaller,
    query: Result<Query<InboxQuery>, QueryRejection>,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    let Query(q) = query.map_err(|e| AppError::invalid(e.body_text()))?;
    let filter = InboxFilter {
        kind: q.kind,
        event: q.event,
        team: q.team,
    };
    Ok(Json(state.access.inbox(who(caller), filter).await?))
}

#[utoipa::path(
    get,
    operation_id = "access_inbox_count",
    path = "/approvals/count",
    tag = "access",
    responses((status = 200, description = "Size of the inbox", body = Count), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn inbox_count(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Count>, ApiError> {
    let count = state.access.inbox_count(who(caller)).await?;
    Ok(Json(Count { count }))
}

#[utoipa::path(
    post,
    operation_id = "access_bulk",
    path = "/approvals/bulk",
    tag = "access",
    request_body = Vec<Decision>,
    responses((status = 200, description = "Each decision's outcome", body = Vec<DecisionOutcome>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["decide"]))
)]
pub async fn bulk(
    State(state): State<AppState>,
    caller: MaybeCaller,
    json: Result<Json<Vec<Decision>>, JsonRejection>,
) -> Result<Json<Vec<DecisionOutcome>>, ApiError> {
    let caller = who(caller);
    let decisions = body(&caller, json)?;
    Ok(Json(state.access.decide_many(caller, decisions).await?))
}

#[utoipa::path(
    get,
    operation_id = "access_jobs",
    path = "/jobs",
    tag = "mesh",
    responses((status = 200, description = "Provisioning jobs not done yet (admins)", body = Vec<JobView>), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read", "admin"]))
)]
pub async fn jobs(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<JobView>>, ApiError> {
    Ok(Json(
        crate::provision::admin::unfinished_jobs(&state.db, who(caller)).await?,
    ))
}
