//! No name or id in Switchboard contains a NUL character, and PostgreSQL
//! cannot even compare text with one (SQLite can): a URL whose path or query
//! carries `%00` is refused here with a 400, for every route, rather than
//! failing at the database with a 500.

use app::error::AppError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use crate::registry::RegistryError;

pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let uri = req.uri();
    // A raw NUL cannot be in a URI: only its escape can.
    let has_nul = |s: &str| s.contains("%00");
    if !has_nul(uri.path()) && !uri.query().is_some_and(has_nul) {
        return next.run(req).await;
    }
    const MESSAGE: &str = "The URL contains a NUL character (%00), which no name or id has.";
    if uri.path().starts_with("/registry/") || uri.path() == "/registry" {
        RegistryError::BadRequest(MESSAGE.into()).into_response()
    } else {
        ApiError(AppError::invalid(MESSAGE)).into_response()
    }
}
