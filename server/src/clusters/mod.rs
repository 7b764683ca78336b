//! Clusters of the mesh: validated specs, storage, live status, and the
//! `ClusterDirectory` service the UI and REST API use.

mod repo;
mod service;
mod spec;
mod status;

pub use repo::{client_settings, connection_of, get, in_mesh, list, upsert, ClientSettings};
pub use service::ClusterService;
pub use spec::{Cluster, ClusterSpec, InvalidCluster, SecuritySpec};
pub use status::StatusBoard;
