//! Audit log search and export, in-app notifications and outgoing webhooks.
//! Notifications and webhook deliveries are derived from the audit log by the
//! notifier task, decoupled from the code that writes it.

pub mod audit_log;
pub mod delivery;
pub mod error;
pub mod message;
pub mod notifier;
pub mod reach;
mod service;
mod task;
pub mod webhooks;

pub use delivery::{sign, DeliveryPolicy, DeliveryReport};
pub use error::NotifyError;
pub use notifier::PassReport;
pub use service::NotifyService;
pub use task::NotifierTask;

pub use crate::db::stamp;

use app::auth::Caller;
use app::error::AppError;
use app::notify::{AuditFilter, AuditPage, NotificationPage};

/// The traits are the service's inherent methods under the same names; here
/// each `NotifyError` becomes the wire's `AppError`, once.
#[async_trait::async_trait]
impl app::services::AuditLog for NotifyService {
    async fn search(
        &self,
        caller: Option<Caller>,
        filter: AuditFilter,
    ) -> Result<AuditPage, AppError> {
        Ok(NotifyService::search(self, caller, filter).await?)
    }
}

#[async_trait::async_trait]
impl app::services::Notifications for NotifyService {
    async fn list(
        &self,
        caller: Option<Caller>,
        before: Option<i64>,
    ) -> Result<NotificationPage, AppError> {
        Ok(NotifyService::list(self, caller, before).await?)
    }

    async fn unread_count(&self, caller: Option<Caller>) -> Result<i64, AppError> {
        Ok(NotifyService::unread_count(self, caller).await?)
    }

    async fn mark_read(&self, caller: Option<Caller>, id: i64) -> Result<(), AppError> {
        Ok(NotifyService::mark_read(self, caller, id).await?)
    }

    async fn mark_all_read(&self, caller: Option<Caller>) -> Result<u64, AppError> {
        Ok(NotifyService::mark_all_read(self, caller).await?)
    }
}
