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

/// Subject names: not empty, at most 255 characters, no control characters.
pub fn validate_subject(subject: &str) -> Result<(), RegistryError> {
    if subject.trim().is_empty()
        || subject.chars().count() > 255
        || subject.chars().any(char::is_control)
    {
        return Err(RegistryError::InvalidSubject(subject.to_string()));
    }
    Ok(())
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
    }
}
