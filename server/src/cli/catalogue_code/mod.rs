//! `switchboard catalogue plan|apply|export DIR`: a team's events kept as
//! YAML files in git. `plan` says what would change and writes nothing;
//! `apply` runs every check first and writes nothing if one fails, then
//! makes the changes through the same REST calls (and rules) as the portal;
//! `export` writes the current catalogue in that form.
//!
//! Layout: `file` (the format, read and checked locally), `plan` (the
//! differences with the portal and the portal's checks), `prune`
//! (retirements), `scopes` (the token's scopes against the plan), `portal`
//! (what plans and exports read from it), `show` (printing a plan), `apply`
//! (the writes), `export`.

mod apply;
mod export;
mod file;
mod plan;
mod portal;
mod prune;
mod scopes;
mod show;

use std::path::PathBuf;
use std::process::ExitCode;

use app::auth::Caller;
use app::tokens::TokenInUse;
use clap::Subcommand;
use serde::Deserialize;

use super::client::Api;
use super::failure::Failure;
use super::output::Format;

#[derive(Debug, Subcommand)]
pub enum CatalogueCommand {
    /// Show what `apply` would change, as a diff; writes nothing. Exit
    /// status 1 when a file or a check fails.
    Plan {
        dir: PathBuf,
        /// Also list the team's events missing from DIR, which `apply
        /// --prune` retires.
        #[arg(long)]
        prune: bool,
        /// The team whose missing events --prune retires (default: the
        /// token's one team).
        #[arg(long)]
        team: Option<String>,
    },
    /// Make the portal match DIR: new events become new-event requests,
    /// edits and compatible schema versions are applied. All checks run
    /// first; if one fails nothing is written. Running it again changes
    /// nothing.
    Apply {
        dir: PathBuf,
        /// Retire (lifecycle `retired`, never delete) the team's events
        /// missing from DIR.
        #[arg(long)]
        prune: bool,
        #[arg(long)]
        team: Option<String>,
    },
    /// Write the catalogue's events (one team's with --team) into DIR: one
    /// YAML file per event and its `.avsc` schemas.
    Export {
        dir: PathBuf,
        #[arg(long)]
        team: Option<String>,
    },
}

/// `GET /api/v1/me`: who the token acts as, and its scopes.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    #[serde(flatten)]
    pub caller: Caller,
    #[serde(default)]
    pub token: Option<TokenInUse>,
}

/// Whose events `--prune` looks at.
pub struct Prune {
    pub team: Option<String>,
}

pub async fn run(
    api: &Api,
    format: Format,
    command: CatalogueCommand,
) -> Result<ExitCode, Failure> {
    let (dir, prune, team, write) = match command {
        CatalogueCommand::Export { dir, team } => {
            return export::export(api, &dir, team, format).await
        }
        CatalogueCommand::Plan { dir, prune, team } => (dir, prune, team, false),
        CatalogueCommand::Apply { dir, prune, team } => (dir, prune, team, true),
    };
    let prune = prune.then_some(Prune { team });
    let plan = plan::make(api, &dir, prune.as_ref(), write).await?;
    if !write || !plan.problems.is_empty() {
        match format {
            Format::Json => show::json(&plan, None)?,
            Format::Table => show::human(&plan),
        }
        if plan.problems.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        let count = plan.problems.len();
        let mut failure = Failure::problems(plan.problems);
        if write {
            failure = failure.with_line(format!(
                "nothing applied: {count} problem{} to fix first",
                if count == 1 { "" } else { "s" }
            ));
        }
        return Err(failure);
    }
    if format == Format::Table {
        show::human(&plan);
    }
    let applied = apply::apply(api, &plan, format == Format::Table).await?;
    if format == Format::Json {
        show::json(&plan, Some(&applied))?;
    }
    Ok(ExitCode::SUCCESS)
}
