//! `switchboard schemas check|register EVENT FILE`: a local `.avsc` against
//! the event's subject in the portal's registry. `check` prints the field
//! diff and the verdict and exits 1 when the schema is incompatible, so a CI
//! job can gate on it; `register` checks the same way, then registers.

use std::path::Path;
use std::process::ExitCode;

use app::schemas::{Registered, SchemaCheck, SchemaRole};
use clap::Subcommand;
use reqwest::Method;
use serde::Serialize;

use super::client::Api;
use super::failure::Failure;
use super::output::{self, Format};

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Compare FILE with the event's latest schema: field diff and
    /// compatibility verdict; registers nothing. Exit status 1 when
    /// incompatible or not a valid schema.
    Check {
        event: String,
        file: std::path::PathBuf,
        /// The key schema instead of the value schema.
        #[arg(long)]
        key: bool,
    },
    /// Register FILE as the event's next schema version if it is compatible
    /// (the same check first; exit status 1 and nothing registered if not).
    Register {
        event: String,
        file: std::path::PathBuf,
        #[arg(long)]
        key: bool,
    },
}

#[derive(Serialize)]
struct ProposalBody<'a> {
    role: SchemaRole,
    schema: &'a str,
}

pub async fn run(api: &Api, format: Format, command: SchemasCommand) -> Result<ExitCode, Failure> {
    let (event, file, key, register) = match command {
        SchemasCommand::Check { event, file, key } => (event, file, key, false),
        SchemasCommand::Register { event, file, key } => (event, file, key, true),
    };
    let role = if key {
        SchemaRole::Key
    } else {
        SchemaRole::Value
    };
    let schema = read_avro(&file).map_err(Failure::refused)?;
    let check = check(api, &event, role, &schema).await?;
    let verdict = Verdict::of(&check);
    let registered = if register && verdict == Verdict::Compatible {
        Some(propose(api, &event, role, &schema).await?)
    } else {
        None
    };
    match format {
        Format::Json => output::json(&serde_json::json!({
            "check": check,
            "registered": registered,
        }))?,
        Format::Table => {
            out!("{}", describe(&check, role));
            match &registered {
                Some(r) => outln!(
                    "registered {} version {} (schema id {})",
                    r.subject,
                    r.version,
                    r.id
                ),
                None if register && verdict == Verdict::Unchanged => {
                    outln!("nothing registered: it is the latest version already")
                }
                None => {}
            }
        }
    }
    if verdict.refused() {
        let what = if register { "not registered: " } else { "" };
        return Err(Failure::refused(format!(
            "{what}{} is {} the {} schema of `{event}`",
            file.display(),
            verdict.word(&check.level),
            role.as_str(),
        )));
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn check(
    api: &Api,
    event: &str,
    role: SchemaRole,
    schema: &str,
) -> Result<SchemaCheck, Failure> {
    api.write(
        Method::POST,
        &["events", event, "schemas", "check"],
        &ProposalBody { role, schema },
    )
    .await
}

pub async fn propose(
    api: &Api,
    event: &str,
    role: SchemaRole,
    schema: &str,
) -> Result<Registered, Failure> {
    api.write(
        Method::POST,
        &["events", event, "schemas"],
        &ProposalBody { role, schema },
    )
    .await
}

/// What a check says, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Unchanged,
    Compatible,
    Incompatible,
    Invalid,
}

impl Verdict {
    pub fn of(check: &SchemaCheck) -> Verdict {
        match (check.error.is_some(), check.unchanged, check.compatible) {
            (true, _, _) => Verdict::Invalid,
            (false, true, _) => Verdict::Unchanged,
            (false, false, Some(true)) => Verdict::Compatible,
            _ => Verdict::Incompatible,
        }
    }

    pub fn refused(self) -> bool {
        matches!(self, Verdict::Incompatible | Verdict::Invalid)
    }

    pub fn word(self, level: &str) -> String {
        match self {
            Verdict::Unchanged => "the same as".into(),
            Verdict::Compatible => format!("compatible ({level}) with"),
            Verdict::Incompatible => format!("incompatible ({level}) with"),
            Verdict::Invalid => "not a valid replacement for".into(),
        }
    }
}

/// The field diff and the verdict, as lines ending in a newline.
pub fn describe(check: &SchemaCheck, role: SchemaRole) -> String {
    let mut out = String::new();
    for change in &check.diff {
        let was = change.before.as_deref().unwrap_or("");
        let now = change.after.as_deref().unwrap_or("");
        let line = match change.change.as_str() {
            "added" => format!("  + {}: {now}", change.path),
            "removed" => format!("  - {}: {was}", change.path),
            _ => format!("  ~ {}: {was} → {now}", change.path),
        };
        out.push_str(&line);
        out.push('\n');
    }
    let role = role.as_str();
    let verdict = match Verdict::of(check) {
        Verdict::Invalid => format!(
            "invalid {role} schema: {}",
            check.error.as_deref().unwrap_or("refused")
        ),
        Verdict::Unchanged => format!(
            "unchanged: the same {role} schema as the latest version (docs and layout aside)"
        ),
        Verdict::Compatible => format!("compatible {role} schema ({})", check.level),
        Verdict::Incompatible => format!("incompatible {role} schema ({})", check.level),
    };
    out.push_str(&verdict);
    out.push('\n');
    for message in &check.messages {
        out.push_str(&format!("  {message}\n"));
    }
    out
}

/// A local `.avsc` file's text, checked to be an Avro schema. The problem
/// names the file, and the line and column when it is not JSON.
pub fn read_avro(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
        let message = e.to_string();
        let message = message
            .rfind(" at line ")
            .map_or(message.as_str(), |at| &message[..at]);
        return Err(format!(
            "{shown}:{}:{}: not JSON, so not an Avro schema: {message}",
            e.line(),
            e.column()
        ));
    }
    switchboard_avro::parse(&text, &[])
        .map_err(|e| format!("{shown}: not a valid Avro schema: {e}"))?;
    Ok(text)
}
