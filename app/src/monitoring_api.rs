//! Server functions of monitoring: thin wrappers that find the service and
//! call it with the caller. Ranges travel as their words (`hour`, `day`…).

use leptos::prelude::*;

use crate::error::AppError;
// `#[server]` makes a struct named after each function (`EventTraffic` for
// `event_traffic`): the wire types of the same names are used by path.
use crate::monitoring::{AlertRuleEdit, AlertRuleView, Chart, ChartRange, Overview};

fn range(word: &str) -> Result<ChartRange, AppError> {
    ChartRange::parse(word).ok_or_else(|| {
        AppError::invalid(format!(
            "unknown range `{word}`: use hour, day, week or month"
        ))
    })
}

#[server]
pub async fn event_traffic(
    event: String,
    range_word: String,
) -> Result<crate::monitoring::EventTraffic, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .monitoring
        .event_traffic(caller, &event, range(&range_word)?)
        .await
}

#[server]
pub async fn request_chart(request_id: String, range_word: String) -> Result<Chart, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .monitoring
        .request_chart(caller, &request_id, range(&range_word)?)
        .await
}

#[server]
pub async fn link_chart(link_id: String, range_word: String) -> Result<Chart, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .monitoring
        .link_chart(caller, &link_id, range(&range_word)?)
        .await
}

#[server]
pub async fn mesh_map() -> Result<crate::monitoring::MeshMap, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?.monitoring.map(caller).await
}

/// Admins only.
#[server]
pub async fn monitoring_overview() -> Result<Overview, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .monitoring
        .overview(caller)
        .await
}

#[server]
pub async fn alerts_page() -> Result<crate::monitoring::AlertsPage, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?.monitoring.alerts(caller).await
}

#[server]
pub async fn edit_alert_rule(
    id: String,
    threshold: f64,
    for_minutes: i64,
    enabled: Option<String>,
) -> Result<AlertRuleView, AppError> {
    let caller = crate::services::caller();
    let edit = AlertRuleEdit {
        threshold,
        for_minutes,
        enabled: enabled.is_some(),
    };
    crate::services::services()?
        .monitoring
        .edit_rule(caller, &id, edit)
        .await
}
