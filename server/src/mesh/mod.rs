//! Mesh links: mirroring a topic from its home cluster to the cluster where a
//! consumer runs, by one of three backends (built-in, Confluent Cluster
//! Linking, MirrorMaker 2 on Kafka Connect).

pub mod cluster_linking;
pub mod connect;
pub mod remote;
