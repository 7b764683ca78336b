//! A token's two parts and how they travel. The key id (`sbk_` and 16 hex
//! digits) is public: it names the token in lists, audit entries and as the
//! HTTP Basic user. The secret (64 hex digits, 256 random bits) is shown once
//! and only its SHA-256 is stored; being random, it needs no slow hash.
//! On the REST API the two travel as one bearer token `<key id>.<secret>`.

use base64::Engine;
use sha2::{Digest, Sha256};

/// A credential as the request presented it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presented {
    pub key_id: String,
    pub secret: String,
}

pub fn new_key_id() -> String {
    format!("sbk_{}", &uuid::Uuid::new_v4().simple().to_string()[..16])
}

pub fn new_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

pub fn bearer(key_id: &str, secret: &str) -> String {
    format!("{key_id}.{secret}")
}

pub fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two hashes in time that does not depend on where they differ.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The `Authorization` header's credential: `Bearer <key id>.<secret>`, or
/// (where `basic` is allowed, the registry) `Basic base64(<key id>:<secret>)`.
/// `Ok(None)` without the header; `Err` with why a present one is unusable.
pub fn from_header(value: Option<&str>, basic: bool) -> Result<Option<Presented>, &'static str> {
    let Some(value) = value else { return Ok(None) };
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    let pair = if scheme.eq_ignore_ascii_case("bearer") {
        rest.trim()
            .split_once('.')
            .map(|(k, s)| (k.to_string(), s.to_string()))
    } else if scheme.eq_ignore_ascii_case("basic") && basic {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or("the Basic credentials are not base64 of `<key id>:<secret>`")?;
        decoded
            .split_once(':')
            .map(|(k, s)| (k.to_string(), s.to_string()))
    } else if basic {
        return Err("use `Authorization: Bearer <token>` or HTTP Basic `<key id>:<secret>`");
    } else {
        return Err("use `Authorization: Bearer <token>`");
    };
    match pair {
        Some((key_id, secret)) if key_id.starts_with("sbk_") && !secret.is_empty() => {
            Ok(Some(Presented { key_id, secret }))
        }
        _ => Err("the credential is not a Switchboard token (`sbk_….<secret>`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_and_basic_name_the_same_token() {
        let id = new_key_id();
        let secret = new_secret();
        let from_bearer = from_header(Some(&format!("Bearer {}", bearer(&id, &secret))), false);
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        let from_basic = from_header(Some(&format!("Basic {basic}")), true);
        assert_eq!(from_bearer, from_basic);
        assert_eq!(from_bearer.unwrap().unwrap().key_id, id);
    }

    #[test]
    fn other_credentials_are_refused_not_ignored() {
        assert_eq!(from_header(None, true), Ok(None));
        assert!(from_header(Some("Bearer abc"), false).is_err());
        assert!(from_header(Some("Basic Zm9vOmJhcg=="), true).is_err()); // foo:bar
        assert!(from_header(Some("Basic Zm9vOmJhcg=="), false).is_err());
        assert!(from_header(Some("Digest x"), false).is_err());
    }

    #[test]
    fn hashes_compare_whole() {
        let h = hash("s");
        assert!(same_hash(&h, &hash("s")));
        assert!(!same_hash(&h, &hash("t")));
        assert!(!same_hash(&h, &h[..10]));
    }
}
