//! The local demo mesh: three Kafka-protocol brokers (Nisshi, memory storage)
//! on loopback ports standing for an on-premises, an AWS and a GCP cluster.

mod mesh;

pub use mesh::{demo_clusters, DemoError, DemoMesh};
