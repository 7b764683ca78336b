//! Audit log search and export, in-app notifications and outgoing webhooks.
//! Notifications and webhook deliveries are derived from the audit log by the
//! notifier task, decoupled from the code that writes it.

pub mod audit_log;
pub mod delivery;
pub mod message;
pub mod notifier;
pub mod reach;
mod service;
mod task;
pub mod webhooks;

pub use delivery::{sign, DeliveryPolicy, DeliveryReport};
pub use notifier::PassReport;
pub use service::NotifyService;
pub use task::NotifierTask;

pub use crate::db::stamp;
