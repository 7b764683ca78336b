//! Command line. Server commands (`serve`, `migrate`, `reindex`, `worker`,
//! `link-identity`, in `server.rs`) read the configuration and open the
//! database. Client commands (`events`, `schemas`, `request`, `approvals`,
//! `grants`, `asyncapi`, `catalogue`) talk to a running portal's REST API
//! with a token (`client.rs`) and read no configuration, so a CI job needs
//! only `SWITCHBOARD_URL` and `SWITCHBOARD_TOKEN`.

// `outln!`/`out!` write stdout; first, so every command module has them.
#[macro_use]
mod stdout;
mod approvals;
mod asyncapi;
mod catalogue_code;
mod client;
mod events;
mod failure;
mod output;
mod requests;
mod schemas;
mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DemoOverride, Overrides};
use client::{Api, Remote};
use failure::Failure;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Portal and control plane of an event mesh"
)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, short, global = true, env = "SWITCHBOARD_CONFIG")]
    config: Option<PathBuf>,
    /// Directory for the SQLite database and other local state.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// `postgres://…` or `sqlite://…` (also read from DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Address to listen on, for example 127.0.0.1:3000.
    #[arg(long, global = true)]
    listen: Option<SocketAddr>,
    /// Directory of the compiled site (WASM, JS, CSS).
    #[arg(long, global = true)]
    site_root: Option<PathBuf>,
    /// Start the local demo mesh (three brokers) and register its clusters.
    #[arg(long, global = true)]
    demo: bool,
    /// First of the three demo broker ports.
    #[arg(long, global = true)]
    demo_base_port: Option<u16>,
    /// The portal and token of the client commands.
    #[command(flatten)]
    remote: Remote,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Server(server::ServerCommand),
    #[command(flatten)]
    Client(ClientCommand),
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// Search and read a portal's events.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Check or register a local Avro schema against an event's subject.
    #[command(subcommand)]
    Schemas(schemas::SchemasCommand),
    /// Ask to consume or produce an event.
    #[command(subcommand)]
    Request(requests::RequestCommand),
    /// Requests waiting for your decision; approve or reject them.
    #[command(subcommand)]
    Approvals(approvals::ApprovalsCommand),
    /// Access granted to your teams' applications.
    #[command(subcommand)]
    Grants(requests::GrantsCommand),
    /// An event's AsyncAPI document.
    #[command(subcommand)]
    Asyncapi(asyncapi::AsyncapiCommand),
    /// The catalogue as code: a folder of event YAML files, planned against
    /// and applied to the portal, or exported from it.
    #[command(subcommand)]
    Catalogue(catalogue_code::CatalogueCommand),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let overrides = Overrides {
        listen: cli.listen,
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        site_root: cli.site_root.clone(),
        demo: (cli.demo || cli.demo_base_port.is_some()).then(|| DemoOverride {
            enabled: cli.demo.then_some(true),
            base_port: cli.demo_base_port,
        }),
    };
    match cli.command {
        Some(Command::Client(command)) => client_main(&cli.remote, command),
        Some(Command::Server(command)) => server::main(cli.config, overrides, command),
        None => server::main(cli.config, overrides, server::ServerCommand::Serve),
    }
}

/// Runs one client command: no configuration and no logging (nothing can
/// leak the token); a failure is `error: …` lines and its exit status.
fn client_main(remote: &Remote, command: ClientCommand) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_client(remote, command)) {
        Ok(code) => code,
        Err(failure) => failure.report(),
    }
}

async fn run_client(remote: &Remote, command: ClientCommand) -> Result<ExitCode, Failure> {
    use ClientCommand as C;
    let api = Api::new(remote)?;
    let format = remote.output;
    match command {
        C::Events(command) => events::run(&api, format, command).await,
        C::Schemas(command) => schemas::run(&api, format, command).await,
        C::Request(command) => requests::run(&api, format, command).await,
        C::Approvals(command) => approvals::run(&api, format, command).await,
        C::Grants(command) => requests::run_grants(&api, format, command).await,
        C::Asyncapi(command) => asyncapi::run(&api, command).await,
        C::Catalogue(command) => catalogue_code::run(&api, format, command).await,
    }
}
