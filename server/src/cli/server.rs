//! The server's own commands: they read the configuration and open the
//! database (`serve`, `migrate`, `reindex`, `worker`, `link-identity`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::config::{Config, Overrides};

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Serve the portal and API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Rebuild the search index from the database and exit.
    Reindex,
    /// Run only the provisioning worker (jobs, links, reconciliation); start
    /// several on PostgreSQL to share the work.
    Worker,
    /// Bind a user id to an OpenID Connect identity: the identity's next
    /// sign-in is as that user, with its teams and roles (audited, actor `cli`).
    /// How a user hand-added to teams or `auth.admins` gets them.
    LinkIdentity {
        /// The user id to bind.
        user_id: String,
        /// The person's subject (`sub` claim) at the provider.
        #[arg(long)]
        subject: String,
        /// The provider's issuer; `oidc.issuer_url` when not given.
        #[arg(long)]
        issuer: Option<String>,
    },
}

pub fn main(file: Option<PathBuf>, overrides: Overrides, command: ServerCommand) -> ExitCode {
    let config = match Config::load(file.as_deref(), overrides) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            ServerCommand::Serve => crate::serve::serve(config).await,
            ServerCommand::Migrate => migrate(config).await,
            ServerCommand::Reindex => reindex(config).await,
            ServerCommand::Worker => worker(config).await,
            ServerCommand::LinkIdentity {
                user_id,
                subject,
                issuer,
            } => link_identity(config, &user_id, &subject, issuer).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.data_dir).ok();
    let db = crate::serve::open_database(&config).await?;
    let readiness = db.readiness().await;
    outln!(
        "{:?} database migrated: {} of {} migrations applied",
        db.backend(),
        readiness.migrations_applied,
        readiness.migrations_expected
    );
    db.close().await;
    Ok(())
}

async fn link_identity(
    config: Config,
    user_id: &str,
    subject: &str,
    issuer: Option<String>,
) -> anyhow::Result<()> {
    let configured = config.oidc.issuer_url.trim();
    let issuer = match issuer {
        Some(issuer) => issuer,
        None if !configured.is_empty() => configured.to_string(),
        None => anyhow::bail!("name the issuer with --issuer: oidc.issuer_url is not set"),
    };
    let db = crate::serve::open_database(&config).await?;
    let result = crate::auth::link_identity(&db, "cli", user_id, &issuer, subject).await;
    db.close().await;
    let linked = result.map_err(|e| anyhow::anyhow!("cannot link the identity: {e}"))?;
    match (&linked.previous_user, linked.changed) {
        (_, false) => outln!("{user_id} is already linked to {issuer} {subject}"),
        (Some(previous), true) => outln!(
            "{user_id} linked to {issuer} {subject} (which signed in as {previous} until now)"
        ),
        (None, true) => outln!("{user_id} linked to {issuer} {subject}"),
    }
    Ok(())
}

async fn worker(config: Config) -> anyhow::Result<()> {
    config
        .mesh
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid [mesh] configuration: {e}"))?;
    std::fs::create_dir_all(&config.data_dir).ok();
    let db = crate::serve::open_database(&config).await?;
    // The worker serves no search: an empty in-memory index is enough.
    let index = crate::search::SearchIndex::in_memory()?;
    let state = crate::serve::app_state(db.clone(), &config, std::sync::Arc::new(index), None);
    let worker =
        crate::provision::Worker::start(&db, state.access.clone(), state.registry.clone(), &config);
    tracing::info!(backend = ?db.backend(), "Switchboard worker running");
    crate::shutdown::signal_received().await;
    worker.stop().await;
    db.close().await;
    tracing::info!("worker stopped");
    Ok(())
}

async fn reindex(config: Config) -> anyhow::Result<()> {
    let db = crate::serve::open_database(&config).await?;
    let dir = config.data_dir.join("index");
    let (index, _) = crate::search::SearchIndex::open(&dir)?;
    let state = crate::serve::app_state(
        db.clone(),
        &config,
        std::sync::Arc::new(index),
        Some(dir.join("db-state")),
    );
    let count = state.catalogue.reindex().await?;
    outln!("search index rebuilt: {count} events");
    db.close().await;
    Ok(())
}
