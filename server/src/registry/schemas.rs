//! Turning stored or submitted schema text into `ParsedSchema`s: references
//! resolved (dependencies first), canonical form and the fingerprint that
//! identifies a schema, and a small cache of parsed stored schemas.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use futures::future::BoxFuture;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use switchboard_avro::ParsedSchema;

use super::error::RegistryError;
use super::model::{storable_subject, SchemaReference, AVRO, MAX_SCHEMA_BYTES};
use super::repo;

/// References deeper than this are refused (they cannot be cyclic, but may be long).
const MAX_REFERENCE_DEPTH: usize = 32;
/// Parsed stored schemas kept; the cache is emptied when it grows past this.
const CACHE_CAPACITY: usize = 1024;

/// A submitted schema that parsed, with its references pinned to versions.
pub struct Prepared {
    pub parsed: ParsedSchema,
    pub references: Vec<SchemaReference>,
    pub fingerprint: String,
}

/// Refuses what is not worth parsing: too large, or not Avro.
pub fn precheck(text: &str, schema_type: Option<&str>) -> Result<(), RegistryError> {
    if text.len() > MAX_SCHEMA_BYTES {
        return Err(RegistryError::SchemaTooLarge {
            size: text.len(),
            limit: MAX_SCHEMA_BYTES,
        });
    }
    match schema_type.map(str::trim) {
        None | Some("") => {}
        Some(t) if t.eq_ignore_ascii_case(AVRO) => {}
        Some(t) if ["JSON", "PROTOBUF"].contains(&t.to_ascii_uppercase().as_str()) => {
            return Err(RegistryError::InvalidSchema(format!(
                "Schema type {} is not supported: this registry stores AVRO schemas only",
                t.to_ascii_uppercase()
            )))
        }
        Some(t) => {
            return Err(RegistryError::InvalidSchema(format!(
                "Invalid schema type {t}: the only supported type is AVRO"
            )))
        }
    }
    if text.trim().is_empty() {
        return Err(RegistryError::InvalidSchema("Empty schema".to_string()));
    }
    // A NUL byte is never part of a schema worth keeping, and PostgreSQL
    // cannot store one.
    if text.contains('\0') {
        return Err(RegistryError::InvalidSchema(
            "Invalid schema: it contains a NUL character".to_string(),
        ));
    }
    Ok(())
}

/// Identifies a schema: its Parsing Canonical Form and its references.
pub fn fingerprint(canonical: &str, references: &[SchemaReference]) -> String {
    let mut h = Sha256::new();
    h.update(canonical.as_bytes());
    for r in references {
        h.update([0u8]);
        h.update(r.name.as_bytes());
        h.update([0u8]);
        h.update(r.subject.as_bytes());
        h.update([0u8]);
        h.update(r.version.to_string().as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Default)]
pub struct SchemaCache {
    parsed: Mutex<HashMap<i64, ParsedSchema>>,
}

impl SchemaCache {
    fn get(&self, id: i64) -> Option<ParsedSchema> {
        self.parsed.lock().ok()?.get(&id).cloned()
    }

    fn put(&self, id: i64, schema: &ParsedSchema) {
        if let Ok(mut map) = self.parsed.lock() {
            if map.len() >= CACHE_CAPACITY {
                map.clear();
            }
            map.insert(id, schema.clone());
        }
    }

    /// Parses a submitted schema against its (resolved) references.
    pub async fn prepare(
        &self,
        conn: &mut AnyConnection,
        text: &str,
        references: &[SchemaReference],
    ) -> Result<Prepared, RegistryError> {
        let (texts, pinned) = resolve(conn, references).await?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let parsed = switchboard_avro::parse(text, &refs)
            .map_err(|e| RegistryError::InvalidSchema(e.to_string()))?;
        let fingerprint = fingerprint(&parsed.canonical, &pinned);
        Ok(Prepared {
            parsed,
            references: pinned,
            fingerprint,
        })
    }

    /// A stored schema, parsed (from the cache when it can).
    pub async fn stored(
        &self,
        conn: &mut AnyConnection,
        id: i64,
    ) -> Result<ParsedSchema, RegistryError> {
        if let Some(p) = self.get(id) {
            return Ok(p);
        }
        let row = repo::schema(conn, id)
            .await?
            .ok_or(RegistryError::SchemaIdNotFound(id))?;
        let references = repo::references(conn, id).await?;
        let (texts, _) = resolve(conn, &references).await?;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let parsed = parse_stored(id, &row.text, &refs)?;
        self.put(id, &parsed);
        Ok(parsed)
    }

    /// Stored schemas, parsed, in the order of `ids`: what [`Self::stored`]
    /// gives for each, but the texts of those not cached are read in one query
    /// rather than two per schema (a FULL_TRANSITIVE check wants every version).
    pub async fn stored_all(
        &self,
        conn: &mut AnyConnection,
        ids: &[i64],
    ) -> Result<Vec<ParsedSchema>, RegistryError> {
        let mut parsed: Vec<Option<ParsedSchema>> = ids.iter().map(|&id| self.get(id)).collect();
        let mut missing: Vec<i64> = ids
            .iter()
            .zip(&parsed)
            .filter(|(_, p)| p.is_none())
            .map(|(&id, _)| id)
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(parsed.into_iter().flatten().collect());
        }
        let texts: HashMap<i64, String> = repo::schema_texts(conn, &missing)
            .await?
            .into_iter()
            .collect();
        let with_references: HashSet<i64> = repo::with_references(conn, &missing)
            .await?
            .into_iter()
            .collect();
        for (slot, &id) in parsed.iter_mut().zip(ids) {
            if slot.is_some() {
                continue;
            }
            let schema = match texts.get(&id) {
                Some(text) if !with_references.contains(&id) => {
                    let schema = parse_stored(id, text, &[])?;
                    self.put(id, &schema);
                    schema
                }
                // References to resolve, or not found: one at a time, as before.
                _ => self.stored(conn, id).await?,
            };
            *slot = Some(schema);
        }
        Ok(parsed.into_iter().flatten().collect())
    }
}

/// Parses a stored schema; one that no longer parses is logged.
fn parse_stored(id: i64, text: &str, references: &[&str]) -> Result<ParsedSchema, RegistryError> {
    switchboard_avro::parse(text, references).map_err(|e| {
        tracing::error!(id, error = %e, "a stored schema no longer parses");
        RegistryError::InvalidSchema(format!("Stored schema {id} does not parse: {e}"))
    })
}

/// The texts of every schema `references` needs, dependencies first, and the
/// references with `-1` (latest) pinned to the version it names now.
pub async fn resolve(
    conn: &mut AnyConnection,
    references: &[SchemaReference],
) -> Result<(Vec<String>, Vec<SchemaReference>), RegistryError> {
    let mut texts = Vec::new();
    let mut seen = HashSet::new();
    let mut pinned = Vec::with_capacity(references.len());
    for r in references {
        if r.name.trim().is_empty() || r.subject.trim().is_empty() {
            return Err(RegistryError::InvalidSchema(
                "Invalid reference: name and subject are required".to_string(),
            ));
        }
        // No stored subject has such a name, and PostgreSQL refuses NUL bytes.
        if r.name.chars().any(char::is_control) || !storable_subject(&r.subject) {
            return Err(RegistryError::InvalidSchema(
                "Invalid reference: name and subject must be at most 255 characters without \
                 control characters"
                    .to_string(),
            ));
        }
        let version = pin(conn, r).await?;
        pinned.push(SchemaReference {
            version,
            ..r.clone()
        });
    }
    collect(conn, pinned.clone(), &mut texts, &mut seen, 0).await?;
    Ok((texts, pinned))
}

/// The version a reference names: itself, or the latest live one for `-1`.
async fn pin(conn: &mut AnyConnection, r: &SchemaReference) -> Result<i32, RegistryError> {
    let versions = repo::versions(conn, &r.subject).await?;
    let found = if r.version == -1 {
        versions.iter().rev().find(|v| !v.deleted)
    } else {
        versions.iter().find(|v| v.version == r.version)
    };
    found.map(|v| v.version).ok_or_else(|| {
        RegistryError::InvalidSchema(format!(
            "Invalid reference {}: subject '{}' version {} not found",
            r.name, r.subject, r.version
        ))
    })
}

fn collect<'a>(
    conn: &'a mut AnyConnection,
    references: Vec<SchemaReference>,
    texts: &'a mut Vec<String>,
    seen: &'a mut HashSet<(String, i32)>,
    depth: usize,
) -> BoxFuture<'a, Result<(), RegistryError>> {
    Box::pin(async move {
        if depth > MAX_REFERENCE_DEPTH {
            return Err(RegistryError::InvalidSchema(
                "References are nested too deeply".to_string(),
            ));
        }
        for r in references {
            if !seen.insert((r.subject.clone(), r.version)) {
                continue;
            }
            let row = repo::versions(conn, &r.subject)
                .await?
                .into_iter()
                .find(|v| v.version == r.version)
                .ok_or_else(|| {
                    RegistryError::InvalidSchema(format!(
                        "Invalid reference {}: subject '{}' version {} not found",
                        r.name, r.subject, r.version
                    ))
                })?;
            let inner = repo::references(conn, row.schema_id).await?;
            collect(conn, inner, texts, seen, depth + 1).await?;
            let schema = repo::schema(conn, row.schema_id)
                .await?
                .ok_or(RegistryError::SchemaIdNotFound(row.schema_id))?;
            texts.push(schema.text);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_and_foreign_schemas_are_refused_before_parsing() {
        let big = "x".repeat(MAX_SCHEMA_BYTES + 1);
        assert!(matches!(
            precheck(&big, None),
            Err(RegistryError::SchemaTooLarge { .. })
        ));
        let e = precheck("{}", Some("PROTOBUF")).unwrap_err();
        assert!(e.to_string().contains("AVRO schemas only"), "{e}");
        assert!(precheck("{}", Some("XML")).is_err());
        assert!(precheck("  ", None).is_err());
        assert!(precheck("\"int\"", Some("avro")).is_ok());
    }

    #[test]
    fn fingerprints_depend_on_references() {
        let r = SchemaReference {
            name: "a.B".into(),
            subject: "b".into(),
            version: 1,
        };
        let plain = fingerprint("x", &[]);
        assert_eq!(plain, fingerprint("x", &[]));
        assert_ne!(plain, fingerprint("x", std::slice::from_ref(&r)));
        assert_ne!(
            fingerprint("x", std::slice::from_ref(&r)),
            fingerprint(
                "x",
                &[SchemaReference {
                    version: 2,
                    ..r.clone()
                }]
            )
        );
        assert_eq!(plain.len(), 64);
    }
}
