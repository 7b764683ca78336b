//! The one error type that crosses the wire from server functions to pages,
//! and the closed set of error codes shared with the REST API.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

/// Closed set of error codes. The HTTP status of each is decided here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    /// A request body over the size limit.
    TooLarge,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidInput => 400,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

/// Error returned by every server function. `message` is meant for the user;
/// internal causes are logged on the server and never put here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// A 500: the caller sees a generic message; the server logs the cause.
    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "Something went wrong on our side. The cause has been logged.",
        )
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server, these are the caller's arguments that could not
            // be read (the client reports `Deserialization` of an answer).
            ServerFnErrorErr::Args(detail)
            | ServerFnErrorErr::MissingArg(detail)
            | ServerFnErrorErr::Deserialization(detail)
                if cfg!(feature = "ssr") =>
            {
                Self::invalid(format!(
                    "The request's input could not be read: {}",
                    shortened(&detail)
                ))
            }
            // Transport or (de)serialisation failures between browser and server.
            value => Self::new(
                ErrorCode::Unavailable,
                format!("Could not reach Switchboard: {value}"),
            ),
        }
    }
}

/// A parser's message quotes the input it choked on: keep the start only.
fn shortened(detail: &str) -> String {
    const MAX: usize = 200;
    match detail.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &detail[..cut]),
        None => detail.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_distinct_status() {
        let codes = [
            ErrorCode::InvalidInput,
            ErrorCode::Unauthenticated,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::TooLarge,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ];
        let mut statuses: Vec<u16> = codes.iter().map(|c| c.http_status()).collect();
        statuses.sort_unstable();
        statuses.dedup();
        assert_eq!(statuses.len(), codes.len());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn unreadable_arguments_are_the_callers_error() {
        for e in [
            ServerFnErrorErr::Args(format!("invalid type {}", "x".repeat(10_000))),
            ServerFnErrorErr::MissingArg("name".into()),
            ServerFnErrorErr::Deserialization("expected value".into()),
        ] {
            let e = AppError::from_server_fn_error(e);
            assert_eq!(e.code.http_status(), 400);
            assert!(e.message.len() < 400, "{}", e.message);
        }
        let e = AppError::from_server_fn_error(ServerFnErrorErr::Request("down".into()));
        assert_eq!(e.code.http_status(), 503);
    }

    #[test]
    fn internal_error_hides_the_cause() {
        let e = AppError::internal();
        assert_eq!(e.code.http_status(), 500);
        assert!(!e.message.contains("sqlx"));
    }
}
