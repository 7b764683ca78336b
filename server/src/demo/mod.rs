//! The local demo mesh: three Kafka-protocol brokers (Nisshi, memory storage)
//! on loopback ports standing for an on-premises, an AWS and a GCP cluster;
//! demo applications with active consume grants (`grants`), and traffic on
//! the demo events with a consumer per grant (`traffic`).

pub mod grants;
mod mesh;
pub mod traffic;

pub use grants::{seed_grants, DEMO_GRANTS};
pub use mesh::{demo_clusters, DemoError, DemoMesh};
pub use traffic::{Traffic, TrafficOptions, QUIET_EVENT};
