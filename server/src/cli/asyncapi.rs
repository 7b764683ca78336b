//! `switchboard asyncapi export EVENT`: the event's AsyncAPI document as the
//! portal serves it (`GET /api/v1/events/{name}/asyncapi.yaml`), on stdout
//! or into a file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use super::client::Api;
use super::failure::Failure;

#[derive(Debug, Subcommand)]
pub enum AsyncapiCommand {
    /// Write EVENT's AsyncAPI document (YAML) to stdout or --out.
    Export {
        event: String,
        /// A file to write instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(api: &Api, command: AsyncapiCommand) -> Result<ExitCode, Failure> {
    let AsyncapiCommand::Export { event, out } = command;
    let document = api.get_text(&["events", &event, "asyncapi.yaml"]).await?;
    match out {
        None => out!("{document}"),
        Some(path) => {
            std::fs::write(&path, &document)
                .map_err(|e| Failure::refused(format!("{}: cannot write: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
