//! The HTTP client of the client commands: a portal's REST API under
//! `<url>/api/v1`, with the token as a bearer credential. The token goes
//! only into the `Authorization` header (marked sensitive); no message,
//! `Debug` output or log shows it.

use std::error::Error as _;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use clap::Args;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use reqwest::{Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use super::failure::Failure;
use super::output::Format;

/// Where the portal is and how to act there, for the client commands
/// (global: before or after the command).
#[derive(Debug, Args)]
pub struct Remote {
    /// The portal's address.
    #[arg(
        long,
        global = true,
        env = "SWITCHBOARD_URL",
        // It may carry a proxy's credentials (`https://user:pass@…`).
        hide_env_values = true,
        default_value = "http://127.0.0.1:3000"
    )]
    pub url: String,
    /// API token (`sbk_….<secret>`); prefer the environment variable, which
    /// stays out of process listings and shell history.
    #[arg(long, global = true, env = "SWITCHBOARD_TOKEN", hide_env_values = true)]
    pub token: Option<Token>,
    /// `table` for people (default) or `json` for scripts.
    #[arg(long, short, global = true, value_enum, default_value_t = Format::Table)]
    pub output: Format,
}

/// A bearer token; its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

impl FromStr for Token {
    type Err = std::convert::Infallible;

    /// Trimmed: secrets pasted into CI variables often end with a newline.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Token(s.trim().to_string()))
    }
}

pub struct Api {
    http: reqwest::Client,
    base: Url,
    token: Option<HeaderValue>,
}

/// The longest a single call may take.
const TIMEOUT: Duration = Duration::from_secs(60);

impl Api {
    pub fn new(remote: &Remote) -> Result<Api, Failure> {
        let base = Url::parse(remote.url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base())
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--url (SWITCHBOARD_URL) `{}` is not an http(s) URL",
                    remote.url
                ))
            })?;
        let token = match remote.token.as_ref().filter(|t| !t.0.is_empty()) {
            None => None,
            Some(t) => {
                let mut value =
                    HeaderValue::from_str(&format!("Bearer {}", t.0)).map_err(|_| {
                        Failure::usage("the token holds characters an HTTP header cannot carry")
                    })?;
                value.set_sensitive(true);
                Some(value)
            }
        };
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("switchboard-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::unavailable(format!("cannot start the HTTP client: {e}")))?;
        Ok(Api { http, base, token })
    }

    /// `<base>/api/v1/<path…>?<query>`; each path part is one segment
    /// (escaped), so an event name cannot reach another route.
    fn url(&self, path: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(["api", "v1"]).extend(path);
        }
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    /// The portal's origin, for messages: never its user information.
    fn origin(&self) -> String {
        self.base.origin().ascii_serialization()
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, Failure> {
        let answer = self.call(Method::GET, path, query, None).await?;
        decode(answer).await
    }

    /// A GET whose 404 means "there is none".
    pub async fn find<T: DeserializeOwned>(&self, path: &[&str]) -> Result<Option<T>, Failure> {
        let url = self.url(path, &[]);
        let answer = self.send(Method::GET, url, None).await?;
        if answer.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        decode(self.accept(answer).await?).await.map(Some)
    }

    /// A GET of a document that is not JSON.
    pub async fn get_text(&self, path: &[&str]) -> Result<String, Failure> {
        let answer = self.call(Method::GET, path, &[], None).await?;
        answer
            .text()
            .await
            .map_err(|e| Failure::unavailable(format!("the answer was cut short: {}", cause(&e))))
    }

    /// A JSON write (POST, PATCH…) and its JSON answer.
    pub async fn write<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        body: &B,
    ) -> Result<T, Failure> {
        let body = serde_json::to_value(body)
            .map_err(|e| Failure::usage(format!("cannot encode the request: {e}")))?;
        let answer = self.call(method, path, &[], Some(body)).await?;
        decode(answer).await
    }

    /// A call that must succeed; any other answer is the failure.
    async fn call(
        &self,
        method: Method,
        path: &[&str],
        query: &[(&str, String)],
        body: Option<serde_json::Value>,
    ) -> Result<Response, Failure> {
        let url = self.url(path, query);
        let answer = self.send(method, url, body).await?;
        self.accept(answer).await
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<serde_json::Value>,
    ) -> Result<Response, Failure> {
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.token {
            request = request.header(AUTHORIZATION, token.clone());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.map_err(|e| {
            Failure::unavailable(format!("cannot reach {}: {}", self.origin(), cause(&e)))
        })
    }

    /// A 2xx answer, or the portal's error as one line with its status.
    async fn accept(&self, answer: Response) -> Result<Response, Failure> {
        let status = answer.status();
        if status.is_success() {
            return Ok(answer);
        }
        let text = answer.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| {
                // Not the portal's JSON (a proxy's page?): a short excerpt.
                let excerpt: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let excerpt: String = excerpt.chars().take(160).collect();
                if excerpt.is_empty() {
                    format!("{} answered", self.origin())
                } else {
                    format!("{} answered: {excerpt}", self.origin())
                }
            });
        let message = if status == StatusCode::UNAUTHORIZED && self.token.is_none() {
            format!("{message} Set SWITCHBOARD_TOKEN (or --token).")
        } else {
            message
        };
        Err(Failure::api(&message, status))
    }
}

async fn decode<T: DeserializeOwned>(answer: Response) -> Result<T, Failure> {
    let text = answer
        .text()
        .await
        .map_err(|e| Failure::unavailable(format!("the answer was cut short: {}", cause(&e))))?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::unavailable(format!(
            "the portal's answer is not what this client understands ({e}): is it the same version?"
        ))
    })
}

/// The innermost cause ("connection refused"), which says more than
/// reqwest's "error sending request".
fn cause(e: &reqwest::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message = s.to_string();
        source = s.source();
    }
    message
}
