//! The schema registry: Avro schemas per subject with global ids, versions,
//! compatibility levels and modes, stored in the database. The REST API in
//! `http::registry` speaks Confluent Schema Registry's protocol over it.

mod access;
mod by_id;
mod compat;
mod delete;
pub mod error;
pub mod model;
pub mod propagation;
mod register;
pub mod repo;
mod schemas;
mod service;
mod settings;

pub use access::ANONYMOUS;
pub use compat::describe;
pub use error::RegistryError;
pub use model::{
    level_name, parse_level, Mode, NewSchema, Registered, SchemaReference, StoredSchema,
    SubjectVersion, Verdict, VersionSpec, AVRO, MAX_SCHEMA_BYTES,
};
pub use service::RegistryService;
pub use switchboard_avro::Level;
