//! Access pages: requests, approvals inbox, applications, event proposals.

pub mod applications;
pub mod approvals;
pub mod connect;
pub mod detail;
pub mod jobs;
pub mod list;
pub mod new_event;
mod quote;
pub mod request_form;
pub mod request_traffic;
pub mod steps;
pub mod widgets;
