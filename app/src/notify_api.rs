//! Server functions of the audit log and notifications: thin wrappers that
//! find the service and call it with the caller.

use leptos::prelude::*;
#[allow(unused_imports)] // used by the #[server] macro's expansion
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::notify::{AuditFilter, AuditPage, NotificationPage};

/// Admins only. JSON input: a filter with every field empty must still arrive.
#[server(input = Json)]
pub async fn search_audit(filter: AuditFilter) -> Result<AuditPage, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .audit
        .search(caller, filter)
        .await
}

#[server]
pub async fn list_notifications(before: Option<i64>) -> Result<NotificationPage, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .notifications
        .list(caller, before)
        .await
}

/// The caller's unread count, or `None` when signed out.
#[server]
pub async fn unread_notifications() -> Result<Option<i64>, AppError> {
    let Some(caller) = crate::services::caller() else {
        return Ok(None);
    };
    crate::services::services()?
        .notifications
        .unread_count(Some(caller))
        .await
        .map(Some)
}

#[server]
pub async fn mark_notification_read(id: i64) -> Result<(), AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .notifications
        .mark_read(caller, id)
        .await
}

#[server]
pub async fn mark_all_notifications_read() -> Result<u64, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .notifications
        .mark_all_read(caller)
        .await
}
