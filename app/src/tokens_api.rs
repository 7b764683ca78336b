//! Server functions of API tokens: thin wrappers that find the service and
//! call it with the caller.

use leptos::prelude::*;
#[allow(unused_imports)] // used by the #[server] macro's expansion
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::tokens::{CreatedToken, NewToken, TokenView};

#[server]
pub async fn list_tokens() -> Result<Vec<TokenView>, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?.tokens.list(caller).await
}

#[server(input = Json)]
pub async fn create_token(new: NewToken) -> Result<CreatedToken, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .tokens
        .create(caller, new)
        .await
}

#[server]
pub async fn revoke_token(id: String) -> Result<TokenView, AppError> {
    let caller = crate::services::caller();
    crate::services::services()?
        .tokens
        .revoke(caller, &id)
        .await
}
