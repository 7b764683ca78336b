//! Shared pieces of the REST link backends (Confluent Cluster Linking and
//! MirrorMaker 2 on Kafka Connect): the error type, the HTTP client, basic
//! authentication from a password held in an environment variable, and the
//! request helper both backends call.
//!
//! Both services answer errors with the same JSON body,
//! `{"error_code": <int>, "message": "<text>"}` (Confluent REST v3: the
//! `Error` schema of its OpenAPI description; Kafka Connect: `ErrorMessage`
//! of its REST resources). The message is kept in [`RemoteError::Status`] so
//! an operator reads the service's own words.
//!
//! Secrets: the password is read from its environment variable at each
//! request, sent only as a basic-auth header, never logged and never put in
//! an error. URLs in errors and logs lose any `user:password@` part.

use std::time::Duration;

use url::Url;

/// Longest part of a service's answer kept in an error.
const MAX_MESSAGE: usize = 300;

/// State and lag of one mirror topic as the remote service reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMirrorStatus {
    /// The service's state word, e.g. `ACTIVE`, `PAUSED`, `FAILED`.
    pub state: String,
    /// Total lag over partitions (messages); `None` when unknown.
    pub lag: Option<i64>,
}

/// Why a call to a remote REST service failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// No HTTP answer: connection refused, DNS, TLS, or no answer in time.
    #[error("{service} is unreachable ({request}): {detail}")]
    Unreachable {
        service: &'static str,
        request: String,
        detail: String,
    },
    /// The service answered with a non-success status; `message` is its
    /// own explanation (the `message` of its JSON error body, else the
    /// start of the body), `code` its `error_code` when it gave one.
    #[error("{service} refused {request}: HTTP {status}{}: {message}", code_suffix(.code))]
    Status {
        service: &'static str,
        request: String,
        status: u16,
        code: Option<i64>,
        message: String,
    },
    /// A success status with a body that is not what the API describes.
    #[error("{service} gave an unexpected answer to {request}: {detail}")]
    BadAnswer {
        service: &'static str,
        request: String,
        detail: String,
    },
    /// The settings name a password variable that is unset or empty.
    #[error("environment variable {var} (the {service} password) is not set")]
    MissingSecret { service: &'static str, var: String },
    /// The settings cannot work (bad URL, password without user, ...).
    #[error("{service} settings are invalid: {detail}")]
    Config {
        service: &'static str,
        detail: String,
    },
    /// The remote state contradicts what was asked (a link from another
    /// cluster under the same name, a promoted mirror, ...); retrying does
    /// not help, an operator must look.
    #[error("{0}")]
    Conflict(String),
}

fn code_suffix(code: &Option<i64>) -> String {
    match code {
        Some(code) => format!(" (error_code {code})"),
        None => String::new(),
    }
}

impl RemoteError {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            RemoteError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Worth retrying later unchanged: unreachable, rate limited (429),
    /// rebalancing (Kafka Connect answers 409 while its workers rebalance)
    /// or a server-side failure (5xx).
    pub fn is_retryable(&self) -> bool {
        match self {
            RemoteError::Unreachable { .. } => true,
            RemoteError::Status { status, .. } => {
                *status == 409 || *status == 429 || *status >= 500
            }
            _ => false,
        }
    }

    /// A 404 about the addressed resource itself, not about the endpoint
    /// or the cluster: the JSON error body of the service, other than the
    /// generic "HTTP 404 Not Found" both services give for unknown paths.
    /// (A proxy's HTML 404 page is not a missing resource either.)
    pub(crate) fn is_missing_resource(&self) -> bool {
        match self {
            RemoteError::Status {
                status: 404,
                code: Some(_),
                message,
                ..
            } => !message.trim().eq_ignore_ascii_case("HTTP 404 Not Found"),
            _ => false,
        }
    }
}

/// The HTTP client of the link backends: `timeout` bounds each whole
/// request (connecting included); redirects are not followed (a REST
/// endpoint that redirects is misconfigured, and following it would send
/// the credentials elsewhere).
pub fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        // Fails only when the TLS backend cannot initialise, as
        // `Client::new()` would.
        .expect("the HTTP client (TLS backend) initialises")
}

/// User name and password for HTTP basic authentication. `Debug` hides the
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    pub username: String,
    password: String,
}

impl BasicAuth {
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Basic authentication from settings: `username` with the password read
/// now from the environment variable named `password_env`. Neither set:
/// no authentication. Only one of them set: a configuration error (a user
/// without a password would be sent as `user:`; a password without a user
/// cannot be sent).
pub fn basic_auth(
    service: &'static str,
    username: Option<&str>,
    password_env: Option<&str>,
) -> Result<Option<BasicAuth>, RemoteError> {
    let username = username.filter(|u| !u.is_empty());
    let password_env = password_env.filter(|v| !v.is_empty());
    match (username, password_env) {
        (None, None) => Ok(None),
        (Some(user), Some(var)) => match std::env::var(var) {
            Ok(password) if !password.is_empty() => Ok(Some(BasicAuth {
                username: user.to_string(),
                password,
            })),
            _ => Err(RemoteError::MissingSecret {
                service,
                var: var.to_string(),
            }),
        },
        (Some(_), None) => Err(RemoteError::Config {
            service,
            detail: "username is set but password_env is not".to_string(),
        }),
        (None, Some(_)) => Err(RemoteError::Config {
            service,
            detail: "password_env is set but username is not".to_string(),
        }),
    }
}

/// `url` without any `user:password@` part, for logs and errors.
pub(crate) fn redacted(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_password(None);
    let _ = url.set_username("");
    url.to_string()
}

/// The error body both services use.
#[derive(serde::Deserialize)]
struct ErrorBody {
    error_code: Option<i64>,
    message: Option<String>,
}

/// A success answer's body text.
pub(crate) struct Answer {
    pub body: String,
}

/// One REST service: its base URL, credentials settings and the client.
pub(crate) struct Rest {
    pub service: &'static str,
    base: Result<Url, String>,
    username: Option<String>,
    password_env: Option<String>,
    http: reqwest::Client,
    timeout: Duration,
}

impl Rest {
    pub fn new(
        service: &'static str,
        base: &str,
        username: Option<String>,
        password_env: Option<String>,
        timeout: Duration,
    ) -> Rest {
        let base = Url::parse(base)
            .map_err(|e| format!("rest_url is not a URL: {e}"))
            .and_then(|u| match u.scheme() {
                _ if !u.username().is_empty() || u.password().is_some() => Err(
                    "rest_url must not carry credentials: use username and password_env"
                        .to_string(),
                ),
                "http" | "https" if !u.cannot_be_a_base() => Ok(u),
                _ => Err("rest_url must be an http:// or https:// URL".to_string()),
            });
        Rest {
            service,
            base,
            username,
            password_env,
            http: http_client(timeout),
            timeout,
        }
    }

    /// The base URL followed by percent-encoded `segments`.
    pub fn url(&self, segments: &[&str]) -> Result<Url, RemoteError> {
        let mut url = self.base.clone().map_err(|detail| RemoteError::Config {
            service: self.service,
            detail,
        })?;
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        Ok(url)
    }

    /// Sends one request (`body` as JSON) and returns a 2xx answer; any
    /// other status becomes [`RemoteError::Status`].
    pub async fn send(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, RemoteError> {
        let request_name = format!("{method} {}", redacted(&url));
        let auth = basic_auth(
            self.service,
            self.username.as_deref(),
            self.password_env.as_deref(),
        )?;
        let mut request = self
            .http
            .request(method, url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(auth) = &auth {
            request = request.basic_auth(&auth.username, Some(auth.password()));
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        tracing::debug!(service = self.service, request = %request_name, "REST call");
        let unreachable = |e: reqwest::Error| RemoteError::Unreachable {
            service: self.service,
            request: request_name.clone(),
            detail: if e.is_timeout() {
                format!("no answer within {:?}", self.timeout)
            } else {
                chain(&e.without_url())
            },
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response.text().await.map_err(unreachable)?;
        if status.is_success() {
            return Ok(Answer { body: text });
        }
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(ErrorBody {
                error_code,
                message: Some(message),
            }) => (error_code, message),
            Ok(ErrorBody {
                error_code,
                message: None,
            }) => (error_code, text.clone()),
            Err(_) if status.is_redirection() => (
                None,
                format!(
                    "redirects to {} (redirects are not followed)",
                    location.as_deref().unwrap_or("nowhere")
                ),
            ),
            Err(_) if text.trim().is_empty() => (
                None,
                status
                    .canonical_reason()
                    .unwrap_or("no message")
                    .to_string(),
            ),
            Err(_) => (None, text),
        };
        Err(RemoteError::Status {
            service: self.service,
            request: request_name,
            status: status.as_u16(),
            code,
            message: clip(message.trim()),
        })
    }

    /// [`Rest::send`], then the body parsed as `T`.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, RemoteError> {
        let request_name = format!("{method} {}", redacted(&url));
        let answer = self.send(method, url, body).await?;
        serde_json::from_str(&answer.body).map_err(|e| RemoteError::BadAnswer {
            service: self.service,
            request: request_name,
            detail: format!("{e} in {}", clip(&answer.body)),
        })
    }
}

/// An error and its sources, `: `-separated.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}

pub(crate) fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}
