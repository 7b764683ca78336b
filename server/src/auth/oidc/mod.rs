//! OpenID Connect sign-in: authorization code flow with PKCE, state and nonce
//! checked, ID token verified against the provider's published keys.
//!
//! - `GET /auth/oidc/start?next=/path` stores state (hashed), nonce and PKCE
//!   verifier in `oidc_logins` (ten minutes), binds the attempt to the browser
//!   with a short-lived cookie, and redirects to the provider.
//! - `GET /auth/oidc/callback` checks state (cookie and stored row, used once),
//!   exchanges the code with the PKCE verifier, verifies the ID token (issuer,
//!   audience, signature, expiry, nonce, access-token hash), reads the
//!   userinfo claims, creates or updates the user with its teams and roles
//!   (see `accounts`), starts a server-side session and returns to `next`.
//!
//! The `openidconnect` crate does the protocol work; its HTTP client is a
//! reqwest client that does not follow redirects (following them would open
//! the door to server-side request forgery, as the crate's documentation warns).

mod accounts;
mod flow;
mod link;
mod logins;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, ClientId, ClientSecret, EmptyExtraTokenFields, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, RedirectUrl, StandardErrorResponse,
    StandardTokenResponse,
};
use serde::{Deserialize, Serialize};

pub use flow::routes;
pub use link::{link as link_identity, LinkError, Linked};

use crate::config::OidcConfig;

/// Claims besides the standard ones (the groups claim is among them; its
/// name is configurable, so they are kept as a map).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;

/// A client made from the provider's discovery document: authorization and
/// token endpoints set, userinfo when the provider has one.
type Client = openidconnect::Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long the discovery document and the provider's keys are trusted
/// before they are read again (key rotation).
const METADATA_TTL: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, thiserror::Error)]
pub enum OidcConfigError {
    #[error("oidc.issuer_url is not a valid URL: {0}")]
    Issuer(String),
    #[error("oidc.redirect_url is not a valid URL: {0}")]
    Redirect(String),
    #[error("oidc.client_id is empty")]
    ClientId,
    #[error("the environment variable {0} named by oidc.client_secret_env is not set")]
    Secret(String),
    #[error("cannot build the HTTP client of OpenID Connect: {0}")]
    Http(String),
}

/// The `[oidc]` configuration, checked.
pub struct Settings {
    pub issuer: IssuerUrl,
    pub display_name: String,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect: RedirectUrl,
    scopes: Vec<String>,
    pub mapping: accounts::GroupMapping,
}

impl Settings {
    /// `None` when OpenID Connect is off (no issuer).
    pub fn from_config(config: &OidcConfig) -> Result<Option<Settings>, OidcConfigError> {
        if config.issuer_url.trim().is_empty() {
            return Ok(None);
        }
        let issuer = IssuerUrl::new(config.issuer_url.trim().to_string())
            .map_err(|e| OidcConfigError::Issuer(e.to_string()))?;
        let redirect = RedirectUrl::new(config.redirect_url.trim().to_string())
            .map_err(|e| OidcConfigError::Redirect(e.to_string()))?;
        if config.client_id.trim().is_empty() {
            return Err(OidcConfigError::ClientId);
        }
        let client_secret = match config.client_secret_env.trim() {
            "" => None,
            var => match std::env::var(var) {
                Ok(secret) if !secret.is_empty() => Some(ClientSecret::new(secret)),
                _ => return Err(OidcConfigError::Secret(var.to_string())),
            },
        };
        let display_name = if config.display_name.trim().is_empty() {
            issuer
                .url()
                .host_str()
                .unwrap_or("single sign-on")
                .to_string()
        } else {
            config.display_name.trim().to_string()
        };
        Ok(Some(Settings {
            issuer,
            display_name,
            client_id: ClientId::new(config.client_id.trim().to_string()),
            client_secret,
            redirect,
            scopes: config
                .scopes
                .iter()
                .map(|s| s.trim().to_string())
                // `openid` is always requested by the client.
                .filter(|s| !s.is_empty() && s != "openid")
                .collect(),
            mapping: accounts::GroupMapping {
                claim: config.groups_claim.clone(),
                teams: config
                    .teams
                    .iter()
                    .map(|(g, t)| (g.clone(), t.clone()))
                    .collect::<BTreeMap<_, _>>(),
                admin_groups: config.admin_groups.clone(),
                data_protection_groups: config.data_protection_groups.clone(),
            },
        }))
    }
}

/// OpenID Connect sign-in of one provider.
pub struct Oidc {
    pub settings: Settings,
    http: reqwest::Client,
    client: tokio::sync::Mutex<Option<(Instant, Arc<Client>)>>,
}

impl Oidc {
    pub fn new(settings: Settings) -> Result<Oidc, OidcConfigError> {
        let http = reqwest::Client::builder()
            // Required by openidconnect: never follow redirects (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| OidcConfigError::Http(e.to_string()))?;
        Ok(Oidc {
            settings,
            http,
            client: tokio::sync::Mutex::new(None),
        })
    }

    /// The client, from the provider's discovery document and keys (cached).
    async fn client(&self) -> Result<Arc<Client>, String> {
        let mut cached = self.client.lock().await;
        if let Some((at, client)) = cached.as_ref() {
            if at.elapsed() < METADATA_TTL {
                return Ok(client.clone());
            }
        }
        let metadata =
            CoreProviderMetadata::discover_async(self.settings.issuer.clone(), &self.http)
                .await
                .map_err(|e| error_chain(&e))?;
        let client = Arc::new(
            Client::from_provider_metadata(
                metadata,
                self.settings.client_id.clone(),
                self.settings.client_secret.clone(),
            )
            .set_redirect_uri(self.settings.redirect.clone()),
        );
        *cached = Some((Instant::now(), client.clone()));
        Ok(client)
    }

    /// Forgets the discovery document and keys, so that the next sign-in
    /// reads them again (after a signature failure: keys may have rotated).
    async fn forget_keys(&self) {
        *self.client.lock().await = None;
    }
}

/// An error and its causes on one line (the provider's answers never carry
/// our secrets; the code and tokens are not part of these errors).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
