//! `GET /metrics`: Switchboard in the Prometheus text format, for the
//! operator's Prometheus (and Grafana, Alertmanager on top of it).
//!
//! - `http`: the middleware counting requests by route template, method and
//!   status class, with a latency histogram; per process.
//! - `collect`: gauges and counters read from the database at each scrape
//!   (job queue, backlogs, links, the sampler, alert rules, sampled series);
//!   the same on every replica.
//! - `exposition`: the text format writer.
//!
//! Who may read it: anyone who reaches the listen address, as `/healthz`,
//! unless `metrics.bearer_token_env` names an environment variable; then
//! the request must carry `Authorization: Bearer <its value>`.
//! `metrics.enabled = false` answers 404.

mod collect;
pub mod exposition;
pub mod http;

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

pub use http::HttpMetrics;

use crate::config::MetricsConfig;
use crate::state::AppState;

/// Who may read `/metrics`. Not `Debug`: it holds the token.
enum Access {
    Off,
    Open,
    Token(String),
    /// `bearer_token_env` names a variable that is unset: nobody (`serve`
    /// refuses to start so; tools and tests go on without).
    Closed,
}

/// The export: the request counts of this process and who may read them.
pub struct Metrics {
    pub http: Arc<HttpMetrics>,
    access: Access,
}

impl Metrics {
    pub fn new(config: &MetricsConfig) -> Self {
        let access = if !config.enabled {
            Access::Off
        } else if config.bearer_token_env.is_empty() {
            Access::Open
        } else {
            match token(config) {
                Ok(token) => Access::Token(token),
                Err(e) => {
                    tracing::error!(error = %e, "/metrics refuses every request");
                    Access::Closed
                }
            }
        };
        Self {
            http: Arc::new(HttpMetrics::default()),
            access,
        }
    }
}

/// Checks the configuration, so that `serve` stops at start when the named
/// token variable is missing.
pub fn check_config(config: &MetricsConfig) -> Result<(), String> {
    if config.enabled && !config.bearer_token_env.is_empty() {
        token(config)?;
    }
    Ok(())
}

fn token(config: &MetricsConfig) -> Result<String, String> {
    match std::env::var(&config.bearer_token_env) {
        Ok(t) if !t.trim().is_empty() => Ok(t.trim().to_string()),
        _ => Err(format!(
            "metrics.bearer_token_env names {}, which is unset or empty",
            config.bearer_token_env
        )),
    }
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let metrics = &state.metrics;
    match &metrics.access {
        Access::Off => {
            return (StatusCode::NOT_FOUND, "metrics export is off\n").into_response();
        }
        Access::Open => {}
        Access::Token(token) => {
            let presented = headers
                .get(AUTHORIZATION)
                .and_then(|h| h.to_str().ok())
                .and_then(|h| h.strip_prefix("Bearer "))
                .map(str::trim);
            if !presented.is_some_and(|p| same(p.as_bytes(), token.as_bytes())) {
                return unauthorized();
            }
        }
        Access::Closed => return unauthorized(),
    }
    let mut out = exposition::Exposition::new();
    metrics.http.write(&mut out);
    if let Err(e) = collect::write(&state.db, &mut out).await {
        tracing::error!(error = %e, "cannot read the metrics from the database");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics unavailable: the database cannot be read\n",
        )
            .into_response();
    }
    ([(CONTENT_TYPE, exposition::CONTENT_TYPE)], out.finish()).into_response()
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(WWW_AUTHENTICATE, "Bearer realm=\"switchboard-metrics\"")],
        "a bearer token is required (metrics.bearer_token_env)\n",
    )
        .into_response()
}

/// Equal, in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(!same(b"", b"a"));
    }
}
