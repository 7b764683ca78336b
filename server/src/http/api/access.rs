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

pub async fn policy(State(state): State<AppState>) -> Result<Json<AccessPolicy>, ApiError> {
    Ok(Json(state.access.policy()))
}

pub async fn applications(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<Application>>, ApiError> {
    Ok(Json(state.access.applications(who(caller)).await?))
}

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

/// `{"problems": [...]}`; stores nothing.
pub async fn check_new_event(
    State(state): State<AppState>,
    caller: MaybeCaller,
    json: Result<Json<NewEventForm>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let caller = who(caller);
    let form = body(&caller, json)?;
    let problems = state.access.check_new_event(caller, form).await?;
    Ok(Json(serde_json::json!({ "problems": problems })))
}

pub async fn my_requests(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    Ok(Json(state.access.my_requests(who(caller)).await?))
}

pub async fn request(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(state.access.request(who(caller), &id).await?))
}

#[derive(Deserialize)]
pub struct DecisionBody {
    approve: bool,
    #[serde(default)]
    comment: String,
}

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

pub async fn cancel(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    Ok(Json(state.access.cancel(who(caller), &id).await?))
}

#[derive(Deserialize)]
pub struct ReassignBody {
    team: String,
}

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

#[derive(Deserialize)]
pub struct RevokeBody {
    #[serde(default)]
    reason: String,
}

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
#[derive(Deserialize)]
pub struct InboxQuery {
    kind: Option<RequestKind>,
    event: Option<String>,
    team: Option<String>,
}

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

pub async fn inbox_count(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<serde_json::Value>, ApiError> {
    let count = state.access.inbox_count(who(caller)).await?;
    Ok(Json(serde_json::json!({ "count": count })))
}

pub async fn bulk(
    State(state): State<AppState>,
    caller: MaybeCaller,
    json: Result<Json<Vec<Decision>>, JsonRejection>,
) -> Result<Json<Vec<DecisionOutcome>>, ApiError> {
    let caller = who(caller);
    let decisions = body(&caller, json)?;
    Ok(Json(state.access.decide_many(caller, decisions).await?))
}

pub async fn jobs(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Vec<JobView>>, ApiError> {
    Ok(Json(
        crate::provision::admin::unfinished_jobs(&state.db, who(caller)).await?,
    ))
}
