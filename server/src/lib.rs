//! Switchboard's server. The UI (pages, server functions, wire types and the
//! `Services` traits they call) lives in the `app` crate; this crate provides
//! those services over the database, the clusters and the search index.
//!
//! # How a request flows
//!
//! 1. `serve` builds one [`state::AppState`] (every service behind its `app`
//!    trait) and the router of [`http`]; `auth` middleware turns the session
//!    cookie into a `Caller` and checks cross-site writes.
//! 2. A transport — a REST handler in `http::api`, a registry handler in
//!    `http::registry`, or a Leptos server function in `app` — parses the
//!    input and calls one service method with the caller. Transports hold no
//!    rules.
//! 3. The service (`access`, `catalogue`, `clusters`, `registry`, `mesh`,
//!    `notify`) checks who may do it, then reads and writes through its own
//!    `repo` in one transaction, with the audit entry (`audit`) and any jobs
//!    it enqueues (`provision::enqueue`) in that same transaction.
//! 4. Background tasks act on what was committed: the provisioning worker
//!    (`provision`) runs the jobs against the clusters through `kafka` and
//!    `mesh`; the notifier (`notify`) turns new audit entries into
//!    notifications and webhook calls; `registry::propagation` copies schemas
//!    to clusters' own registries; `catalogue::discovery` finds topics no
//!    event covers.
//!
//! # Errors
//!
//! A service returns its own error enum (`AccessError`, `CatalogueError`,
//! `NotifyError`, `ProvisionError`, `RegistryError`, `TokenError`) with `From<DbError>`; the wire's
//! `AppError` is made from it once, where the service's `app` trait is
//! implemented (and by `ApiError` for REST handlers), which logs the cause of
//! a 500 and never sends it. The inherent methods carry the trait's names.
//! Discovery and event schemas return `CatalogueError`, the job admin
//! `ProvisionError`. Clusters, mesh and accounts still return `AppError`
//! directly.
//!
//! # Modules
//!
//! | module | holds |
//! | --- | --- |
//! | `access` | applications, requests and their approval steps (`state.rs` is the pure state machine), grants; owns `applications`, `application_principals`, `requests`, `request_approvals`, `grants` |
//! | `asyncapi` | AsyncAPI 3.0 documents of events and applications, built from the other modules' public reads (`document.rs` is pure) |
//! | `audit` | the append-only audit log, written in the caller's transaction |
//! | `auth` | sessions, the development sign-in, OpenID Connect, CSRF and rate limits; API tokens (`tokens/`: hashed secrets, the route → scope rules, the caller a token acts as; owns `api_tokens`); the `Caller` of a request |
//! | `catalogue` | teams, tags, events and their schemas, curation, discovery, the demo seed; keeps the search index in step |
//! | `cli` | the `switchboard` subcommands: the server's own (`server.rs`) and the client commands that call a portal's REST API with a token (`client.rs`; one file per command group; `catalogue_code/`, the catalogue as code) |
//! | `clusters` | cluster specs, their storage and live status |
//! | `config` | the TOML configuration and its defaults |
//! | `db` | the pool for SQLite or PostgreSQL and every dialect choice: migrations, error codes, time stamps (`db::stamp`), flags, locking, `LISTEN/NOTIFY` |
//! | `demo` | the local demo mesh (three Nisshi brokers), its demo grants and its traffic (producers at a daily rhythm, a consumer per demo grant) |
//! | `errors` | mapping of lower errors to the wire `AppError` |
//! | `http` | the router: REST API (`api/`, each route registered with its OpenAPI path; `api/openapi.rs` the document, `api_docs.rs` its page), schema registry API, health, static files, security headers |
//! | `kafka` | the only rdkafka user: topics, ACL bindings (typed, `kafka::acls`), consumer groups, metadata |
//! | `mesh` | links that mirror a topic to another cluster, by backend (built-in, Cluster Linking, MirrorMaker 2) |
//! | `metrics` | `GET /metrics` in the Prometheus text format: the request-metrics middleware (`http.rs`), the format writer (`exposition.rs`), and read-only aggregates over other modules' tables at each scrape (`collect.rs`, the one reader of them outside their module) |
//! | `notify` | audit search and export, notifications, webhooks |
//! | `provision` | the job queue (`queue.rs`, the only code touching `provisioning_jobs`), one file per job kind (`jobs/`), the worker, reconciliation |
//! | `registry` | the Confluent-compatible schema registry and its propagation |
//! | `search` | the tantivy index (the only tantivy user) |
//! | `serve`, `state`, `shutdown`, `telemetry` | start-up, the shared state, graceful stop, logging |

pub mod access;
pub mod asyncapi;
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
pub mod metrics;
pub mod monitoring;
pub mod notify;
pub mod provision;
pub mod registry;
pub mod search;
pub mod serve;
pub mod shutdown;
pub mod state;
pub mod telemetry;
