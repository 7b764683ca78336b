//! The provisioning worker: claims the jobs that approvals, revocations and
//! expiries enqueue and applies them to the clusters — topics from templates,
//! value schemas, ACL bindings, mesh links — retrying failures with backoff and
//! jitter and parking a job after `provision.max_attempts` (admins are told and
//! can retry or cancel it). Every kind is idempotent. Beside the queue run the
//! built-in link runner, housekeeping of stopped links, and reconciliation.

pub mod admin;
pub mod jobs;
pub mod reconcile;
pub mod run;
pub mod worker;

pub use run::Worker;
pub use worker::{PassReport, ProvisionTask, Provisioner, NO_AUTHORIZER};
