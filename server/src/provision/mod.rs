//! The provisioning worker (first slice): claims the provisioning jobs that
//! final approval enqueued and applies them — `create_topic` on the job's
//! cluster from its template, `register_schema` in the portal's registry —
//! retrying failures with backoff and jitter and parking a job after
//! `provision.max_attempts`. Both kinds are idempotent (an existing topic, or
//! the same schema under the subject, is success). ACL and mirror-link jobs
//! are not executed yet: they stay queued, untouched.

pub mod jobs;
pub mod worker;

pub use worker::{PassReport, ProvisionTask, Provisioner};
