//! `switchboard catalogue export DIR [--team T]`: the catalogue in the
//! catalogue-as-code form, so a team starts from what it has: `<name>.yaml`
//! per event with its schemas in `<name>.avsc` and `<name>.key.avsc`.
//! Files of the same names are overwritten; others are left alone.

use std::path::Path;
use std::process::ExitCode;

use app::catalogue::EventDetail;

use super::file::EventFile;
use super::portal;
use crate::catalogue::model::Lifecycle;
use crate::cli::client::Api;
use crate::cli::failure::Failure;
use crate::cli::output::{self, Format};

pub async fn export(
    api: &Api,
    dir: &Path,
    team: Option<String>,
    format: Format,
) -> Result<ExitCode, Failure> {
    let hits = portal::list_events(api, team.as_deref()).await?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::refused(format!("{}: cannot create: {e}", dir.display())))?;
    let mut written = Vec::new();
    for hit in &hits {
        let event: EventDetail = api.get(&["events", &hit.name], &[]).await?;
        let (file, schemas) = as_file(&event)?;
        let yaml = serde_yaml_ng::to_string(&file)
            .map_err(|e| Failure::refused(format!("{}: cannot write YAML: {e}", event.name)))?;
        let mut outputs = vec![(format!("{}.yaml", event.name), yaml)];
        outputs.extend(schemas);
        for (name, text) in outputs {
            let path = dir.join(&name);
            std::fs::write(&path, text)
                .map_err(|e| Failure::refused(format!("{}: cannot write: {e}", path.display())))?;
            written.push(path.display().to_string());
        }
    }
    match format {
        Format::Json => output::json(&serde_json::json!({ "written": written }))?,
        Format::Table => outln!(
            "wrote {} event{} ({} files) to {}",
            hits.len(),
            if hits.len() == 1 { "" } else { "s" },
            written.len(),
            dir.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// The event's file and its schema files (name, text).
fn as_file(event: &EventDetail) -> Result<(EventFile, Vec<(String, String)>), Failure> {
    let lifecycle = Lifecycle::parse(&event.lifecycle).ok_or_else(|| {
        Failure::unavailable(format!(
            "the portal gave `{}` the unknown lifecycle `{}`",
            event.name, event.lifecycle
        ))
    })?;
    let mut schemas = Vec::new();
    let mut schema_file = |suffix: &str, text: &Option<String>| {
        text.as_ref().map(|text| {
            let name = format!("{}{suffix}", event.name);
            schemas.push((name.clone(), format!("{}\n", text.trim_end())));
            name
        })
    };
    let schema = schema_file(".avsc", &event.value_schema);
    let key_schema = schema_file(".key.avsc", &event.key_schema);
    let file = EventFile {
        name: event.name.clone(),
        title: event.title.clone(),
        team: event.team_id.clone(),
        domain: event.domain.clone(),
        lifecycle,
        home_cluster: event.home_cluster.clone(),
        topic: event.topic.clone(),
        template: None,
        schema,
        key_schema,
        tags: portal::tags(event),
        field_tags: portal::field_tags(event),
        contacts: event.contacts.clone(),
        description: event.description_markdown.trim_end().to_string(),
    };
    Ok((file, schemas))
}
