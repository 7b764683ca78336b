//! `switchboard approvals list|approve|reject`: the caller's approval inbox
//! and decisions on it (every decision carries a comment).

use std::process::ExitCode;

use app::access::{RequestKind, RequestView};
use clap::Subcommand;
use reqwest::Method;

use super::client::Api;
use super::failure::Failure;
use super::output::{self, Format};
use super::requests::{kind_word, waiting_for};

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// Requests with a step waiting for one of your teams (admins: every
    /// pending step).
    List {
        /// consume, produce or new_event.
        #[arg(long, value_parser = kind)]
        kind: Option<RequestKind>,
        #[arg(long)]
        event: Option<String>,
        #[arg(long)]
        team: Option<String>,
    },
    /// Approve your team's pending step of request ID.
    Approve {
        id: String,
        /// Why (required: the requester reads it).
        #[arg(long, short = 'm')]
        comment: String,
    },
    /// Reject request ID.
    Reject {
        id: String,
        #[arg(long, short = 'm')]
        comment: String,
    },
}

fn kind(s: &str) -> Result<RequestKind, String> {
    serde_json::from_value(serde_json::Value::String(s.replace('-', "_")))
        .map_err(|_| format!("`{s}` is not one of consume, produce, new_event"))
}

#[derive(serde::Serialize)]
struct DecisionBody {
    approve: bool,
    comment: String,
}

pub async fn run(
    api: &Api,
    format: Format,
    command: ApprovalsCommand,
) -> Result<ExitCode, Failure> {
    match command {
        ApprovalsCommand::List { kind, event, team } => {
            let mut query = Vec::new();
            if let Some(k) = kind {
                query.push(("kind", super::requests::word(&k)));
            }
            query.extend(event.map(|e| ("event", e)));
            query.extend(team.map(|t| ("team", t)));
            let inbox: Vec<RequestView> = api.get(&["approvals"], &query).await?;
            match format {
                Format::Json => output::json(&inbox)?,
                Format::Table if inbox.is_empty() => outln!("Nothing waits for you."),
                Format::Table => print_inbox(&inbox),
            }
        }
        ApprovalsCommand::Approve { id, comment } => decide(api, format, id, true, comment).await?,
        ApprovalsCommand::Reject { id, comment } => decide(api, format, id, false, comment).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn decide(
    api: &Api,
    format: Format,
    id: String,
    approve: bool,
    comment: String,
) -> Result<(), Failure> {
    let view: RequestView = api
        .write(
            Method::POST,
            &["requests", &id, "decision"],
            &DecisionBody { approve, comment },
        )
        .await?;
    match format {
        Format::Json => output::json(&view)?,
        Format::Table => outln!(
            "request {} {}: {}",
            view.id,
            if approve { "approved" } else { "rejected" },
            waiting_for(&view)
        ),
    }
    Ok(())
}

fn print_inbox(inbox: &[RequestView]) {
    let rows: Vec<Vec<String>> = inbox
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                kind_word(r).to_string(),
                r.event.clone(),
                r.cluster.clone(),
                r.requester.clone(),
                r.application.clone().unwrap_or_else(|| r.team.clone()),
                waiting_for(r),
                r.purpose.clone(),
            ]
        })
        .collect();
    outln!(
        "{}",
        output::table(
            &[
                "ID",
                "KIND",
                "EVENT",
                "CLUSTER",
                "REQUESTER",
                "FOR",
                "STEPS",
                "PURPOSE"
            ],
            &rows
        )
    );
}
