//! Switchboard's server: configuration, database, clusters, Kafka adapter,
//! demo mesh and the HTTP surface. The UI lives in the `app` crate.

pub mod access;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod cli;
pub mod clusters;
pub mod config;
pub mod db;
pub mod demo;
pub mod errors;
pub mod http;
pub mod kafka;
pub mod mesh;
pub mod notify;
pub mod provision;
pub mod registry;
pub mod search;
pub mod serve;
pub mod shutdown;
pub mod state;
pub mod telemetry;
