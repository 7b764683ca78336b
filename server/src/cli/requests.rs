//! `switchboard request consume|produce` (ask for access for one of your
//! teams' applications) and `switchboard grants list` (the access they have).

use std::process::ExitCode;

use app::access::{Application, ConsumeForm, ProduceForm, RequestView};
use clap::Subcommand;
use reqwest::Method;

use super::client::Api;
use super::failure::Failure;
use super::output::{self, Format};

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    /// Ask to consume EVENT on a cluster of the mesh.
    Consume {
        event: String,
        /// The application: its id, its name, or `team/name`.
        #[arg(long)]
        application: String,
        /// Where the consumer runs.
        #[arg(long)]
        cluster: String,
        /// The consumer group (or its prefix with --group-prefix).
        #[arg(long)]
        group: String,
        #[arg(long)]
        group_prefix: bool,
        /// Why the application needs it (the owners read this).
        #[arg(long)]
        purpose: String,
        /// `YYYY-MM-DD`; the policy's default when not given.
        #[arg(long)]
        end_date: Option<String>,
    },
    /// Ask to produce EVENT on its home cluster.
    Produce {
        event: String,
        #[arg(long)]
        application: String,
        #[arg(long)]
        purpose: String,
        #[arg(long)]
        end_date: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GrantsCommand {
    /// Grants of the requests you can see: your teams' applications (admins: all).
    List,
}

pub async fn run(api: &Api, format: Format, command: RequestCommand) -> Result<ExitCode, Failure> {
    let view: RequestView = match command {
        RequestCommand::Consume {
            event,
            application,
            cluster,
            group,
            group_prefix,
            purpose,
            end_date,
        } => {
            let form = ConsumeForm {
                event,
                cluster,
                application: application_id(api, &application).await?,
                group,
                group_is_prefix: group_prefix,
                purpose,
                end_date,
            };
            api.write(Method::POST, &["requests", "consume"], &form)
                .await?
        }
        RequestCommand::Produce {
            event,
            application,
            purpose,
            end_date,
        } => {
            let form = ProduceForm {
                event,
                application: application_id(api, &application).await?,
                purpose,
                end_date,
            };
            api.write(Method::POST, &["requests", "produce"], &form)
                .await?
        }
    };
    match format {
        Format::Json => output::json(&view)?,
        Format::Table => {
            outln!(
                "request {} submitted: {} {} on {}",
                view.id,
                kind_word(&view),
                view.event,
                view.cluster
            );
            outln!("{}", waiting_for(&view));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn run_grants(
    api: &Api,
    format: Format,
    command: GrantsCommand,
) -> Result<ExitCode, Failure> {
    let GrantsCommand::List = command;
    let requests: Vec<RequestView> = api.get(&["requests"], &[]).await?;
    let grants: Vec<_> = requests.iter().filter_map(|r| r.grant.as_ref()).collect();
    match format {
        Format::Json => output::json(&grants)?,
        Format::Table if grants.is_empty() => outln!("No grants."),
        Format::Table => {
            let rows: Vec<Vec<String>> = grants
                .iter()
                .map(|g| {
                    vec![
                        g.id.clone(),
                        g.event.clone(),
                        g.cluster.clone(),
                        g.application.clone(),
                        g.principal.clone(),
                        g.state.clone(),
                        g.expires_at.clone(),
                    ]
                })
                .collect();
            outln!(
                "{}",
                output::table(
                    &[
                        "GRANT",
                        "EVENT",
                        "CLUSTER",
                        "APPLICATION",
                        "PRINCIPAL",
                        "STATE",
                        "EXPIRES"
                    ],
                    &rows
                )
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The application's id: given as such, or found by name (`team/name` when
/// two teams use the name) among the caller's applications.
async fn application_id(api: &Api, given: &str) -> Result<String, Failure> {
    if !given.is_empty() && given.chars().all(|c| c.is_ascii_digit()) {
        return Ok(given.to_string());
    }
    let apps: Vec<Application> = api.get(&["applications"], &[]).await?;
    let (team, name) = match given.split_once('/') {
        Some((team, name)) => (Some(team), name),
        None => (None, given),
    };
    let matching: Vec<&Application> = apps
        .iter()
        .filter(|a| a.name == name && team.is_none_or(|t| a.team == t))
        .collect();
    match matching.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(Failure::refused(format!(
            "there is no application `{given}` among your teams' applications"
        ))),
        _ => Err(Failure::refused(format!(
            "several teams have an application `{given}`: name it `team/{given}`"
        ))),
    }
}

pub fn kind_word(view: &RequestView) -> &'static str {
    match view.kind {
        app::access::RequestKind::Consume => "consume",
        app::access::RequestKind::Produce => "produce",
        app::access::RequestKind::NewEvent => "new event",
    }
}

/// "waiting for owner (crm-customer-data)", or the state once decided.
pub fn waiting_for(view: &RequestView) -> String {
    let pending: Vec<String> = view
        .approvals
        .iter()
        .filter(|s| s.decision.is_none())
        .map(|s| format!("{} ({})", s.role, s.team))
        .collect();
    if pending.is_empty() || view.state != app::access::RequestState::Submitted {
        format!("state: {}", word(&view.state))
    } else {
        format!("waiting for: {}", pending.join(", "))
    }
}

/// A wire enum's name (`submitted`, `new_event`).
pub fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
