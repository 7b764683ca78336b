//! Alert rules on the sampled series: created for every consume grant, event
//! and link from `[[monitoring.alert_defaults]]`, edited by those the rule
//! concerns, evaluated after each sampling pass with a duration and
//! hysteresis; each firing and resolution is an audit entry the notifier
//! sends to the rule's team.

pub mod condition;
pub mod defaults;
pub mod evaluate;
pub mod repo;

pub use evaluate::evaluate;
