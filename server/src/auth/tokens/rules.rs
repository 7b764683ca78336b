//! Which scope a call needs when a token makes it: one table for the REST
//! API and the registry. Reads need `read`; writes are listed; a write not
//! listed needs `admin`, so a new route is closed to tokens until it is
//! placed here. The services still check the caller's own rights: a scope
//! only narrows them.

use app::tokens::Scope;
use axum::http::Method;

/// Where a token may be used, and with which credential forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/api/v1/…`: bearer tokens.
    Rest,
    /// `/registry/…`: bearer tokens and HTTP Basic, as Confluent clients send.
    Registry,
}

impl Surface {
    /// The surface of a path, or `None` where tokens are not accepted (pages,
    /// server functions, sign-in): there the `Authorization` header is not
    /// read at all, so a proxy's own Basic sign-in does not interfere.
    pub fn of(path: &str) -> Option<Surface> {
        if path.starts_with("/api/v1/") || path == "/api/v1" {
            Some(Surface::Rest)
        } else if path.starts_with("/registry/") || path == "/registry" {
            Some(Surface::Registry)
        } else {
            None
        }
    }
}

/// What a token needs for this call; `None` when no token may make it
/// (managing tokens takes a signed-in session).
pub fn required(method: &Method, path: &str) -> Option<Scope> {
    let surface = Surface::of(path)?;
    let rest = match surface {
        Surface::Rest => path.trim_start_matches("/api/v1"),
        Surface::Registry => path.trim_start_matches("/registry"),
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    if surface == Surface::Rest && parts.first() == Some(&"tokens") {
        return None;
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Some(Scope::Read);
    }
    Some(match surface {
        Surface::Registry => registry_write(method, &parts),
        Surface::Rest => rest_write(method, &parts),
    })
}

fn registry_write(method: &Method, parts: &[&str]) -> Scope {
    match (method, parts) {
        // A lookup and a compatibility check change nothing.
        (&Method::POST, ["subjects", _]) | (&Method::POST, ["compatibility", ..]) => Scope::Read,
        // Settings are admins' (the registry checks the caller is one).
        (_, ["config", ..]) | (_, ["mode", ..]) => Scope::Admin,
        _ => Scope::RegistryWrite,
    }
}

fn rest_write(method: &Method, parts: &[&str]) -> Scope {
    match (method, parts) {
        (&Method::POST, ["applications"])
        | (&Method::POST, ["requests", "consume" | "produce" | "new-event"])
        | (&Method::POST, ["requests", "new-event", "check"])
        | (&Method::POST, ["requests", _, "cancel"])
        | (&Method::PUT, ["alerts", "rules", _]) => Scope::Request,
        (&Method::POST, ["events", _, "schemas"]) => Scope::RegistryWrite,
        (&Method::POST, ["requests", _, "decision" | "revoke"])
        | (&Method::POST, ["approvals", "bulk"])
        | (&Method::PATCH, ["events", _]) => Scope::Decide,
        // Marking one's own notifications read changes nothing of others;
        // a schema check stores nothing.
        (&Method::POST, ["notifications", ..])
        | (&Method::POST, ["events", _, "schemas", "check"]) => Scope::Read,
        _ => Scope::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_need_read_and_writes_their_scope() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(required(&get, "/api/v1/events"), Some(Scope::Read));
        assert_eq!(
            required(&post, "/api/v1/requests/consume"),
            Some(Scope::Request)
        );
        assert_eq!(
            required(&post, "/api/v1/requests/7/decision"),
            Some(Scope::Decide)
        );
        assert_eq!(
            required(&Method::PATCH, "/api/v1/events/a.b.c"),
            Some(Scope::Decide)
        );
        assert_eq!(
            required(&post, "/api/v1/events/a.b.c/schemas/check"),
            Some(Scope::Read)
        );
        assert_eq!(
            required(&post, "/api/v1/events/a.b.c/schemas"),
            Some(Scope::RegistryWrite)
        );
        assert_eq!(
            required(&post, "/registry/subjects/a-value/versions"),
            Some(Scope::RegistryWrite)
        );
        assert_eq!(
            required(&post, "/registry/subjects/a-value"),
            Some(Scope::Read)
        );
        assert_eq!(
            required(&Method::PUT, "/registry/config"),
            Some(Scope::Admin)
        );
    }

    #[test]
    fn unlisted_writes_need_admin_and_tokens_cannot_manage_tokens() {
        assert_eq!(required(&Method::POST, "/api/v1/tags"), Some(Scope::Admin));
        assert_eq!(
            required(&Method::POST, "/api/v1/anything-new"),
            Some(Scope::Admin)
        );
        assert_eq!(required(&Method::GET, "/api/v1/tokens"), None);
        assert_eq!(required(&Method::DELETE, "/api/v1/tokens/sbk_1"), None);
        assert_eq!(required(&Method::GET, "/events/x"), None);
        assert_eq!(required(&Method::POST, "/api/list_tokens"), None);
    }
}
