//! Clusters of the mesh: validated specs, storage, live status, and the
//! `ClusterDirectory` service the UI and REST API use.

mod repo;
mod service;
mod spec;
mod status;

pub use repo::{connection_of, get, list, upsert};
pub use service::ClusterService;
pub use spec::{Cluster, ClusterSpec, InvalidCluster, SecuritySpec};
pub use status::StatusBoard;
