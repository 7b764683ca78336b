//! Mesh links: mirroring a topic from its home cluster to the cluster where a
//! consumer runs, by one of three backends (built-in, Confluent Cluster
//! Linking, MirrorMaker 2 on Kafka Connect).

pub mod apply;
pub mod builtin;
pub mod cluster_linking;
pub mod config;
pub mod connect;
pub mod links;
pub mod remote;
pub mod service;

pub use apply::LinkOps;
pub use builtin::{LinkRunner, RunnerTask};
pub use config::MeshConfig;
pub use service::MeshService;
