//! API tokens for automation: what a token may do (`Scope`), how it is shown
//! (`TokenView`, never with its secret) and the form that creates one.
//! A personal token acts as its user, an application token for its
//! application's team; either way with the rights of that user or team at
//! the moment of use, narrowed to its scopes.

use serde::{Deserialize, Serialize};

use crate::words::words;

words! {
    /// What a token may do. Reads need `read`; every write names one scope
    /// (the server's route rules say which).
    Scope {
        /// Every GET of the REST API and the registry.
        Read = "read",
        /// Register applications; ask to consume, produce or create events.
        Request = "request",
        /// Decide requests and edit events, as an owner.
        Decide = "decide",
        /// Register and delete schema versions in the registry.
        RegistryWrite = "registry:write",
        /// Platform administration, for admins' personal tokens only.
        Admin = "admin",
    }
}

impl Scope {
    /// Scopes an application token may carry: it never decides or administers.
    pub const FOR_APPLICATIONS: &'static [Scope] =
        &[Scope::Read, Scope::Request, Scope::RegistryWrite];

    pub fn describe(self) -> &'static str {
        match self {
            Scope::Read => "read the catalogue, requests and registry",
            Scope::Request => "register applications and ask for access",
            Scope::Decide => "approve or reject requests, edit owned events",
            Scope::RegistryWrite => "register and delete schema versions",
            Scope::Admin => "platform administration (admins only)",
        }
    }
}

words! {
    TokenState {
        Active = "active",
        Expired = "expired",
        Revoked = "revoked",
    }
}

/// The longest life a token may be given, in days.
pub const MAX_DAYS: u32 = 365;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenView {
    /// The public key id: the HTTP Basic user name, and the part before the
    /// dot of the bearer token.
    pub id: String,
    pub name: String,
    /// Who created it (and, for a personal token, who it acts as).
    pub owner: String,
    /// Set for an application token: it acts for this application's team.
    pub application: Option<TokenApplication>,
    pub scopes: Vec<Scope>,
    pub state: TokenState,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub last_used_from: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenApplication {
    pub id: String,
    pub team: String,
    pub name: String,
}

/// What creating a token asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    /// An application's id for an application token; none for a personal one.
    #[serde(default)]
    pub application_id: Option<String>,
    pub scopes: Vec<Scope>,
    /// 1 to `MAX_DAYS`.
    pub expires_in_days: u32,
}

/// The token a call was made with, as `GET /api/v1/me` shows it: its key id
/// and scopes (never its secret), so a client learns what it may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenInUse {
    pub id: String,
    pub scopes: Vec<Scope>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: TokenView,
    /// `Authorization: Bearer <bearer>` on the REST API.
    pub bearer: String,
    /// HTTP Basic password on the registry, with `token.id` as the user
    /// (`basic.auth.user.info = <id>:<secret>`).
    pub secret: String,
}
