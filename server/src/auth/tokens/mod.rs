//! API tokens: personal (act as their user) and application tokens (act for
//! an application's team), each with scopes, an expiry, a name and its last
//! use. Created, listed and revoked by signed-in users (`manage`), presented
//! as `Authorization: Bearer` on the REST API and also as HTTP Basic on the
//! registry (`secret`), turned into the request's caller (`authenticate`),
//! and held to the scope each call needs (`rules`). A token never widens its
//! user's rights: the caller is computed at each use from the user's (or
//! team's) current rights, then narrowed to the token's scopes.

mod authenticate;
mod error;
mod manage;
mod repo;
pub mod rules;
pub mod secret;

use std::sync::Arc;

use app::auth::Caller;
use app::error::AppError;
use app::tokens::{CreatedToken, NewToken, TokenView};

pub use authenticate::Authenticated;
pub use error::TokenError;

use crate::db::Db;

pub struct TokenService {
    db: Db,
    auth: Arc<super::AuthService>,
}

impl TokenService {
    pub fn new(db: Db, auth: Arc<super::AuthService>) -> Self {
        Self { db, auth }
    }
}

#[async_trait::async_trait]
impl app::services::Tokens for TokenService {
    async fn list(&self, caller: Option<Caller>) -> Result<Vec<TokenView>, AppError> {
        Ok(TokenService::list(self, caller).await?)
    }

    async fn create(
        &self,
        caller: Option<Caller>,
        new: NewToken,
    ) -> Result<CreatedToken, AppError> {
        Ok(TokenService::create(self, caller, new).await?)
    }

    async fn revoke(&self, caller: Option<Caller>, id: &str) -> Result<TokenView, AppError> {
        Ok(TokenService::revoke(self, caller, id).await?)
    }
}
