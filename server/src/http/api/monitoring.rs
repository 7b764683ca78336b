//! Traffic, lag, the mesh map, the overview and alerts.

use app::monitoring::{
    AlertRuleEdit, AlertRuleView, AlertsPage, Chart, ChartRange, EventTraffic, MeshMap, Overview,
};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::Deserialize;

use crate::http::api::openapi::ErrorBody;
use crate::http::ApiError;
use crate::state::AppState;

type MaybeCaller = Option<Extension<app::auth::Caller>>;

fn who(caller: MaybeCaller) -> Option<app::auth::Caller> {
    caller.map(|c| c.0)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    /// `hour` (the default), `day`, `week` or `month`.
    #[serde(default)]
    range: Option<String>,
}

fn range(query: Result<Query<RangeQuery>, QueryRejection>) -> Result<ChartRange, ApiError> {
    let Query(q) = query.map_err(|e| app::error::AppError::invalid(e.body_text()))?;
    match q.range.as_deref() {
        None | Some("") => Ok(ChartRange::Hour),
        Some(word) => ChartRange::parse(word).ok_or_else(|| {
            app::error::AppError::invalid(format!(
                "unknown range `{word}`: use hour, day, week or month"
            ))
            .into()
        }),
    }
}

#[utoipa::path(
    get,
    operation_id = "event_traffic",
    path = "/events/{name}/traffic",
    tag = "monitoring",
    params(("name" = String, Path, description = "Event name"), RangeQuery),
    responses((status = 200, description = "Records/s per cluster and the consumers", body = EventTraffic), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn event_traffic(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(name): Path<String>,
    query: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<EventTraffic>, ApiError> {
    let range = range(query)?;
    Ok(Json(
        state
            .monitoring
            .event_traffic(who(caller), &name, range)
            .await?,
    ))
}

#[utoipa::path(
    get,
    operation_id = "request_traffic",
    path = "/requests/{id}/traffic",
    tag = "monitoring",
    params(("id" = String, Path, description = "Request id"), RangeQuery),
    responses((status = 200, description = "The consumer's lag or the producer's records/s", body = Chart), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn request_traffic(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
    query: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<Chart>, ApiError> {
    let range = range(query)?;
    Ok(Json(
        state
            .monitoring
            .request_chart(who(caller), &id, range)
            .await?,
    ))
}

#[utoipa::path(
    get,
    operation_id = "link_traffic",
    path = "/links/{id}/traffic",
    tag = "monitoring",
    params(("id" = String, Path, description = "Link id"), RangeQuery),
    responses((status = 200, description = "The link's lag and rate", body = Chart), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn link_traffic(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
    query: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<Chart>, ApiError> {
    let range = range(query)?;
    Ok(Json(
        state.monitoring.link_chart(who(caller), &id, range).await?,
    ))
}

#[utoipa::path(
    get,
    operation_id = "mesh_map",
    path = "/mesh/map",
    tag = "monitoring",
    responses((status = 200, description = "Clusters and running links with their rates", body = MeshMap), (status = "default", response = ErrorBody)),
    security((), ("session" = []), ("token" = ["read"]))
)]
pub async fn map(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<MeshMap>, ApiError> {
    Ok(Json(state.monitoring.map(who(caller)).await?))
}

#[utoipa::path(
    get,
    operation_id = "monitoring_overview",
    path = "/monitoring/overview",
    tag = "monitoring",
    responses((status = 200, description = "Busiest events, lagging and idle consumers, silent events", body = Overview), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read", "admin"]))
)]
pub async fn overview(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<Overview>, ApiError> {
    Ok(Json(state.monitoring.overview(who(caller)).await?))
}

#[utoipa::path(
    get,
    operation_id = "alerts",
    path = "/alerts",
    tag = "monitoring",
    responses((status = 200, description = "Firing and recent alerts, and the rules", body = AlertsPage), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["read"]))
)]
pub async fn alerts(
    State(state): State<AppState>,
    caller: MaybeCaller,
) -> Result<Json<AlertsPage>, ApiError> {
    Ok(Json(state.monitoring.alerts(who(caller)).await?))
}

#[utoipa::path(
    put,
    operation_id = "edit_alert_rule",
    path = "/alerts/rules/{id}",
    tag = "monitoring",
    params(("id" = String, Path, description = "Rule id")),
    request_body = AlertRuleEdit,
    responses((status = 200, description = "The rule as saved", body = AlertRuleView), (status = "default", response = ErrorBody)),
    security(("session" = []), ("token" = ["request"]))
)]
pub async fn edit_rule(
    State(state): State<AppState>,
    caller: MaybeCaller,
    Path(id): Path<String>,
    body: Result<Json<AlertRuleEdit>, JsonRejection>,
) -> Result<Json<AlertRuleView>, ApiError> {
    let Json(edit) = body.map_err(|e| app::error::AppError::invalid(e.body_text()))?;
    Ok(Json(
        state.monitoring.edit_rule(who(caller), &id, edit).await?,
    ))
}
