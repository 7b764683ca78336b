//! `switchboard events search|show`: the catalogue's search and one event.

use std::process::ExitCode;

use app::catalogue::{EventDetail, SearchResponse};
use clap::Subcommand;

use super::client::Api;
use super::failure::Failure;
use super::output::{self, Format};

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Search the catalogue: words (names, titles, descriptions, fields) and
    /// facets, as on the portal's search page.
    Search {
        /// Words to look for; none lists every event.
        words: Vec<String>,
        #[arg(long)]
        team: Option<String>,
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        classification: Option<String>,
        #[arg(long)]
        cluster: Option<String>,
        /// draft, published, deprecated or retired.
        #[arg(long)]
        lifecycle: Option<String>,
        /// relevance (default), name or updated.
        #[arg(long)]
        sort: Option<String>,
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// At most 100.
        #[arg(long, default_value_t = 20)]
        per_page: usize,
    },
    /// One event: ownership, topic, tags, contacts, description and fields.
    Show { name: String },
}

pub async fn run(api: &Api, format: Format, command: EventsCommand) -> Result<ExitCode, Failure> {
    match command {
        EventsCommand::Search {
            words,
            team,
            domain,
            tag,
            classification,
            cluster,
            lifecycle,
            sort,
            page,
            per_page,
        } => {
            let mut query = vec![
                ("q", words.join(" ")),
                ("page", page.to_string()),
                ("per_page", per_page.to_string()),
            ];
            let facets = [
                ("team", team),
                ("domain", domain),
                ("tag", tag),
                ("classification", classification),
                ("cluster", cluster),
                ("lifecycle", lifecycle),
                ("sort", sort),
            ];
            query.extend(facets.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
            let found: SearchResponse = api.get(&["events"], &query).await?;
            match format {
                Format::Json => output::json(&found)?,
                Format::Table => print_hits(&found),
            }
        }
        EventsCommand::Show { name } => {
            let event: EventDetail = api.get(&["events", &name], &[]).await?;
            match format {
                Format::Json => output::json(&event)?,
                Format::Table => print_event(&event),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_hits(found: &SearchResponse) {
    if let Some(notice) = &found.notice {
        outln!("{notice}");
    }
    if found.hits.is_empty() {
        outln!("No events found.");
        return;
    }
    let rows: Vec<Vec<String>> = found
        .hits
        .iter()
        .map(|h| {
            vec![
                h.name.clone(),
                h.team.clone(),
                h.lifecycle.clone(),
                h.home_cluster.clone(),
                h.title.clone(),
            ]
        })
        .collect();
    outln!(
        "{}",
        output::table(&["NAME", "TEAM", "LIFECYCLE", "HOME", "TITLE"], &rows)
    );
    let shown_to = (found.page.saturating_sub(1)) * found.per_page + found.hits.len();
    if shown_to < found.total {
        outln!(
            "{} of {} events; the next ones with --page {}",
            shown_to,
            found.total,
            found.page + 1
        );
    }
}

fn print_event(e: &EventDetail) {
    outln!("{}  {}", e.name, e.title);
    let tags: Vec<&str> = e.tags.iter().map(|t| t.name.as_str()).collect();
    let mirrors: Vec<&str> = e
        .availability
        .iter()
        .filter(|a| a.kind != "master")
        .map(|a| a.cluster.as_str())
        .collect();
    outln!(
        "{}",
        output::fields(&[
            ("team", format!("{} ({})", e.team_id, e.team_name)),
            ("domain", e.domain.clone()),
            ("lifecycle", e.lifecycle.clone()),
            ("home", e.home_cluster.clone()),
            ("topic", e.topic.clone()),
            ("mirrors", mirrors.join(", ")),
            ("tags", tags.join(", ")),
            ("contacts", e.contacts.join(", ")),
            ("updated", e.updated_at.clone()),
        ])
    );
    if !e.description_markdown.trim().is_empty() {
        outln!("\n{}", e.description_markdown.trim_end());
    }
    for (label, fields) in [("value", &e.value_fields), ("key", &e.key_fields)] {
        if fields.is_empty() {
            continue;
        }
        let rows: Vec<Vec<String>> = fields
            .iter()
            .map(|f| vec![f.path.clone(), f.type_label.clone(), f.tags.join(", ")])
            .collect();
        outln!(
            "\n{}",
            output::table(
                &[&format!("{} FIELD", label.to_uppercase()), "TYPE", "TAGS"],
                &rows
            )
        );
    }
}
