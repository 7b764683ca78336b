//! Domain types of the schema registry, shared by the service, the REST API
//! and (later) the portal's server functions.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use switchboard_avro::Level;

use super::error::RegistryError;

/// Schemas larger than this are refused before anything is parsed or stored.
pub const MAX_SCHEMA_BYTES: usize = 1024 * 1024;

/// The only schema type this registry stores.
pub const AVRO: &str = "AVRO";

/// A named type taken from another subject's version (Confluent schema reference).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SchemaReference {
    pub name: String,
    pub subject: String,
    pub version: i32,
}

/// What a registration asks for. `id` and `version` are only honoured in IMPORT mode
/// (a `version` alone must be the next one, as Confluent requires).
#[derive(Debug, Clone, Default)]
pub struct NewSchema {
    pub schema: String,
    /// `None` means AVRO; any other type is refused.
    pub schema_type: Option<String>,
    pub references: Vec<SchemaReference>,
    pub id: Option<i64>,
    pub version: Option<i32>,
}

impl NewSchema {
    pub fn avro(schema: impl Into<String>, references: Vec<SchemaReference>) -> Self {
        NewSchema {
            schema: schema.into(),
            references,
            ..NewSchema::default()
        }
    }
}

/// The outcome of a registration: the global id and the subject's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Registered {
    pub id: i64,
    pub version: i32,
}

/// A schema by its global id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredSchema {
    pub id: i64,
    pub schema_type: String,
    pub schema: String,
    pub references: Vec<SchemaReference>,
}

/// One version of a subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectVersion {
    pub subject: String,
    pub version: i32,
    pub id: i64,
    pub schema_type: String,
    pub schema: String,
    pub references: Vec<SchemaReference>,
    pub deleted: bool,
}

/// Result of a compatibility check; `messages` name the version each problem is with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub compatible: bool,
    pub messages: Vec<String>,
}

/// A version as given in a path: a number ≥ 1, or `latest` (also `-1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionSpec {
    Latest,
    Number(i32),
}

impl std::fmt::Display for VersionSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VersionSpec::Latest => f.write_str("latest"),
            VersionSpec::Number(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for VersionSpec {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self, RegistryError> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("latest") {
            return Ok(VersionSpec::Latest);
        }
        match t.parse::<i32>() {
            Ok(-1) => Ok(VersionSpec::Latest),
            Ok(n) if n >= 1 => Ok(VersionSpec::Number(n)),
            _ => Err(RegistryError::InvalidVersion(s.to_string())),
        }
    }
}

/// Registry modes (Confluent's `FORWARD` is not offered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Mode {
    #[default]
    ReadWrite,
    ReadOnly,
    Import,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::ReadWrite => "READWRITE",
            Mode::ReadOnly => "READONLY",
            Mode::Import => "IMPORT",
        }
    }
}

impl FromStr for Mode {
    type Err = RegistryError;
    fn from_str(s: &str) -> Result<Self, RegistryError> {
        match s.trim().to_ascii_uppercase().as_str() {
            "READWRITE" => Ok(Mode::ReadWrite),
            "READONLY" => Ok(Mode::ReadOnly),
            "IMPORT" => Ok(Mode::Import),
            _ => Err(RegistryError::InvalidMode),
        }
    }
}

/// Parses a level name, case-insensitively, as Confluent does.
pub fn parse_level(s: &str) -> Result<Level, RegistryError> {
    s.trim()
        .parse()
        .map_err(|_| RegistryError::InvalidCompatibility)
}

/// Confluent's name of a level, e.g. `BACKWARD_TRANSITIVE`.
pub fn level_name(level: Level) -> &'static str {
    level.as_str()
}

/// The longest subject name, in characters.
pub const MAX_SUBJECT_CHARS: usize = 255;

/// Invisible characters that make two subjects look alike (zero-width,
/// bidirectional overrides, the byte order mark).
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// Why a name cannot be a new subject: Confluent's clients put subjects in
/// URL paths, so no `/` or `\`, no `.`/`..` segment, no whitespace, nothing
/// unprintable or invisible, at most [`MAX_SUBJECT_CHARS`].
fn subject_problem(subject: &str) -> Option<&'static str> {
    if subject.is_empty() {
        Some("it is empty")
    } else if subject.chars().count() > MAX_SUBJECT_CHARS {
        Some("it is longer than 255 characters")
    } else if subject.chars().any(|c| c.is_control() || invisible(c)) {
        Some("it contains control or invisible characters")
    } else if subject.chars().any(char::is_whitespace) {
        Some("it contains whitespace")
    } else if subject.contains(['/', '\\']) {
        Some("it contains a slash or backslash")
    } else if subject == "." || subject == ".." {
        Some("it is a path segment")
    } else {
        None
    }
}

/// Names a subject may be created, written or configured under.
pub fn validate_subject(subject: &str) -> Result<(), RegistryError> {
    match subject_problem(subject) {
        None => Ok(()),
        Some(why) => Err(RegistryError::InvalidSubject(format!(
            "The specified subject '{}' is not valid: {why}.",
            shown(subject)
        ))),
    }
}

/// Whether a subject could be stored at all (older versions accepted any
/// name up to 255 characters without control characters): reads and deletes
/// of such names go to the store; others name nothing.
pub fn storable_subject(subject: &str) -> bool {
    !subject.is_empty()
        && subject.chars().count() <= MAX_SUBJECT_CHARS
        && !subject.chars().any(char::is_control)
}

/// Names of subjects that may exist: deletes accept them.
pub fn validate_stored_subject(subject: &str) -> Result<(), RegistryError> {
    if storable_subject(subject) {
        Ok(())
    } else {
        validate_subject(subject)
    }
}

/// A name as shown in an error: escaped and cut short.
fn shown(subject: &str) -> String {
    let escaped: String = subject
        .chars()
        .take(80)
        .flat_map(char::escape_debug)
        .collect();
    if subject.chars().count() > 80 {
        format!("{escaped}…")
    } else {
        escaped
    }
}

/// The largest schema id: Confluent's clients hold ids in a 32-bit int.
pub const MAX_SCHEMA_ID: i64 = i32::MAX as i64;

pub fn validate_schema_id(id: i64) -> Result<(), RegistryError> {
    if (1..=MAX_SCHEMA_ID).contains(&id) {
        Ok(())
    } else {
        Err(RegistryError::NotPermitted(format!(
            "Invalid schema id {id}: ids are between 1 and {MAX_SCHEMA_ID}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_confluent() {
        assert_eq!(
            "latest".parse::<VersionSpec>().unwrap(),
            VersionSpec::Latest
        );
        assert_eq!("-1".parse::<VersionSpec>().unwrap(), VersionSpec::Latest);
        assert_eq!("3".parse::<VersionSpec>().unwrap(), VersionSpec::Number(3));
        for bad in ["0", "-2", "x", "", "99999999999"] {
            assert!(matches!(
                bad.parse::<VersionSpec>(),
                Err(RegistryError::InvalidVersion(_))
            ));
        }
    }

    #[test]
    fn levels_and_modes_round_trip() {
        for name in ["NONE", "BACKWARD", "FORWARD_TRANSITIVE", "FULL"] {
            assert_eq!(level_name(parse_level(&name.to_lowercase()).unwrap()), name);
        }
        assert!(parse_level("SIDEWAYS").is_err());
        assert_eq!("readonly".parse::<Mode>().unwrap(), Mode::ReadOnly);
        assert!("FORWARD".parse::<Mode>().is_err());
    }

    #[test]
    fn subject_names() {
        assert!(validate_subject("orders-value").is_ok());
        assert!(validate_subject("").is_err());
        assert!(validate_subject("a\nb").is_err());
        assert!(validate_subject(&"x".repeat(256)).is_err());
        assert!(validate_subject(&"x".repeat(255)).is_ok());
        for ok in [
            "com.acme.Order",
            "orders-com.acme.Order",
            ":.ctx:orders-value",
            "a..b",
            "é-value",
        ] {
            assert!(validate_subject(ok).is_ok(), "{ok}");
        }
        for bad in [
            " orders",
            "orders ",
            "or ders",
            "a/b",
            "a\\b",
            "..",
            ".",
            "a\u{202E}b",
            "a\tb",
            "a\u{0}b",
        ] {
            assert!(validate_subject(bad).is_err(), "{bad:?}");
        }
        assert!(storable_subject("or ders"));
        assert!(!storable_subject("a\u{0}b"));
    }

    #[test]
    fn schema_ids_fit_an_int32() {
        assert!(validate_schema_id(1).is_ok());
        assert!(validate_schema_id(2_147_483_647).is_ok());
        for bad in [0, -5, 2_147_483_648, i64::MAX] {
            assert!(matches!(
                validate_schema_id(bad),
                Err(RegistryError::NotPermitted(_))
            ));
        }
    }
}
