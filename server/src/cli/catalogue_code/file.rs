//! The catalogue as code's format: one YAML file per event, its Avro schema
//! in an `.avsc` file named relative to it. Reading a folder checks all that
//! can be checked without the portal; each problem names the file and, where
//! it can, the line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalogue::model::Lifecycle;
use crate::catalogue::names::{EventName, TopicName};
use crate::catalogue::schema_tree;
use crate::cli::failure::Failure;
use crate::cli::schemas::read_avro;

/// One event as a team keeps it. Unknown keys are refused (a typo must not
/// silently drop a setting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFile {
    pub name: String,
    pub title: String,
    /// The owning team's id.
    pub team: String,
    pub domain: String,
    pub lifecycle: Lifecycle,
    pub home_cluster: String,
    pub topic: String,
    /// Topic template of a new event; not used once the event exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The value schema's `.avsc` file, relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The key schema's `.avsc` file, if the event has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_schema: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Field path → tags, e.g. `customer.email: [pii]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub field_tags: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<String>,
    /// Markdown.
    #[serde(default)]
    pub description: String,
}

impl EventFile {
    /// The same event in the form compared with the portal: tags sorted
    /// and once, empty field tags dropped, text trimmed as the portal
    /// stores it.
    pub fn normalised(mut self) -> EventFile {
        let sorted = |list: Vec<String>| -> Vec<String> {
            let set: BTreeSet<String> = list.into_iter().map(|t| t.trim().to_string()).collect();
            set.into_iter().collect()
        };
        self.title = self.title.trim().to_string();
        self.domain = self.domain.trim().to_string();
        self.description = self.description.trim_end().to_string();
        self.tags = sorted(self.tags);
        self.field_tags = self
            .field_tags
            .into_iter()
            .map(|(path, tags)| (path, sorted(tags)))
            .filter(|(_, tags)| !tags.is_empty())
            .collect();
        let mut contacts: Vec<String> = Vec::new();
        for c in self.contacts {
            let c = c.trim().to_string();
            if !contacts.contains(&c) {
                contacts.push(c);
            }
        }
        self.contacts = contacts;
        self
    }
}

/// A file read and checked, with its schemas' texts.
#[derive(Debug)]
pub struct Local {
    pub path: PathBuf,
    text: String,
    pub event: EventFile,
    pub value_schema: Option<String>,
    pub key_schema: Option<String>,
}

impl Local {
    /// `file:line` of a top-level key (the file alone if it is not there).
    pub fn at(&self, key: &str) -> String {
        match line_of(&self.text, key) {
            Some(line) => format!("{}:{line}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }
}

/// The line (from 1) where a top-level key starts.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// The event files of a folder, and every problem found in them.
pub struct Folder {
    pub files: Vec<Local>,
    pub problems: Vec<String>,
    /// Files that parsed but have problems of their own: not compared.
    pub broken: BTreeSet<PathBuf>,
}

/// Reads every `*.yaml` and `*.yml` under `dir` (sub-folders too, hidden
/// ones skipped), in path order.
pub fn read_folder(dir: &Path) -> Result<Folder, Failure> {
    if !dir.is_dir() {
        return Err(Failure::refused(format!("{}: not a folder", dir.display())));
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    let mut folder = Folder {
        files: Vec::new(),
        problems: Vec::new(),
        broken: BTreeSet::new(),
    };
    for path in paths {
        match read_file(&path) {
            Ok((local, problems)) => {
                if !problems.is_empty() {
                    folder.broken.insert(local.path.clone());
                }
                folder.problems.extend(problems);
                folder.files.push(local);
            }
            Err(problem) => folder.problems.push(problem),
        }
    }
    let mut seen: BTreeMap<&str, &Path> = BTreeMap::new();
    for local in &folder.files {
        if let Some(first) = seen.insert(&local.event.name, &local.path) {
            folder.problems.push(format!(
                "{}: event `{}` is also in {}: one file per event",
                local.at("name"),
                local.event.name,
                first.display()
            ));
            folder.broken.insert(local.path.clone());
        }
    }
    Ok(folder)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::refused(format!("{}: cannot read: {e}", dir.display())))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| Failure::refused(format!("{}: cannot read: {e}", dir.display())))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        // Linked folders are not followed (no loops); linked files are read.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&path, out)?;
        } else if path.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// One file: parsed (or the one problem that stops it), then its checks.
fn read_file(path: &Path) -> Result<(Local, Vec<String>), String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let event: EventFile = serde_yaml_ng::from_str(&text).map_err(|e| yaml_problem(path, &e))?;
    let mut local = Local {
        path: path.to_path_buf(),
        text,
        event: event.normalised(),
        value_schema: None,
        key_schema: None,
    };
    let mut problems = Vec::new();
    let dir = path.parent().unwrap_or(Path::new("."));
    for key in ["schema", "key_schema"] {
        let named = match key {
            "schema" => local.event.schema.clone(),
            _ => local.event.key_schema.clone(),
        };
        let Some(named) = named else { continue };
        match read_avro(&dir.join(&named)) {
            Ok(text) if key == "schema" => local.value_schema = Some(text),
            Ok(text) => local.key_schema = Some(text),
            Err(problem) => problems.push(format!("{problem} (named at {})", local.at(key))),
        }
    }
    problems.extend(checks(&local));
    Ok((local, problems))
}

/// What the portal would refuse anyway, found before any call.
fn checks(local: &Local) -> Vec<String> {
    let e = &local.event;
    let mut problems = Vec::new();
    if let Err(why) = EventName::parse(&e.name) {
        problems.push(format!("{}: {why}", local.at("name")));
    }
    if let Err(why) = TopicName::parse(&e.topic) {
        problems.push(format!("{}: {why}", local.at("topic")));
    }
    if e.title.is_empty() || e.title.chars().count() > 200 {
        problems.push(format!(
            "{}: the title must be 1-200 characters",
            local.at("title")
        ));
    }
    if e.domain.is_empty() || e.domain.len() > 60 {
        problems.push(format!(
            "{}: the domain must be 1-60 characters",
            local.at("domain")
        ));
    }
    if e.description.len() > 20_000 {
        problems.push(format!(
            "{}: the description is longer than 20,000 characters",
            local.at("description")
        ));
    }
    if e.contacts.iter().any(|c| c.is_empty()) {
        problems.push(format!("{}: a contact is empty", local.at("contacts")));
    }
    let paths: BTreeSet<String> = [&local.value_schema, &local.key_schema]
        .into_iter()
        .flatten()
        .filter_map(|text| schema_tree::field_tree(text).ok())
        .flat_map(|tree| schema_tree::flatten(&tree).into_iter().map(|(p, _)| p))
        .collect();
    let have_schema = local.value_schema.is_some() || local.key_schema.is_some();
    for path in e.field_tags.keys() {
        if have_schema && !paths.contains(path) {
            problems.push(format!(
                "{}: the schema has no field `{path}`",
                local.at("field_tags")
            ));
        }
    }
    problems
}

/// `file:line:column: message`, with the YAML parser's location.
fn yaml_problem(path: &Path, e: &serde_yaml_ng::Error) -> String {
    let message = e.to_string();
    match e.location() {
        Some(at) => {
            // The message ends with the location too; say it once, up front.
            let message = message
                .rfind(" at line ")
                .map_or(message.as_str(), |i| &message[..i]);
            format!(
                "{}:{}:{}: {message}",
                path.display(),
                at.line(),
                at.column()
            )
        }
        None => format!("{}: {message}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_bad_values_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(
            &path,
            "name: a.b.c\ntitle: A\nteam: t\ndomain: d\nlifecycle: published\n\
             home_cluster: aws\ntopic: a.b.c\ncolour: red\n",
        )
        .unwrap();
        let problem = read_file(&path).unwrap_err();
        assert!(problem.contains("a.yaml:8:"), "{problem}");
        assert!(problem.contains("unknown field `colour`"), "{problem}");
        std::fs::write(&path, "name: a.b.c\nlifecycle: alive\n").unwrap();
        let problem = read_file(&path).unwrap_err();
        assert!(problem.contains("a.yaml:2:"), "{problem}");
    }

    #[test]
    fn keys_are_found_by_line() {
        let text = "name: x\n# schema: no\nschema : x.avsc\n";
        assert_eq!(line_of(text, "name"), Some(1));
        assert_eq!(line_of(text, "schema"), Some(3));
        assert_eq!(line_of(text, "tags"), None);
    }

    #[test]
    fn normalising_sorts_tags_and_keeps_contact_order() {
        let file: EventFile = serde_yaml_ng::from_str(
            "name: a.b.c\ntitle: ' A '\nteam: t\ndomain: d\nlifecycle: draft\n\
             home_cluster: aws\ntopic: a.b.c\ntags: [z, a, z]\n\
             field_tags: {x: [], y: [b, a]}\ncontacts: [q, p, q]\ndescription: |\n  text\n",
        )
        .unwrap();
        let file = file.normalised();
        assert_eq!(file.title, "A");
        assert_eq!(file.tags, ["a", "z"]);
        assert_eq!(file.field_tags.len(), 1);
        assert_eq!(file.field_tags["y"], ["a", "b"]);
        assert_eq!(file.contacts, ["q", "p"]);
        assert_eq!(file.description, "text");
    }
}
