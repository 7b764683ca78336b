//! Request logging that keeps secrets out of the logs: the OpenID Connect
//! callback's query holds the authorization code and state, so requests
//! under `/auth/` are logged by path only. Headers (cookies) are never logged.

use std::borrow::Cow;

use axum::http::{Request, Uri};
use tracing::Span;

/// `make_span_with` of the HTTP `TraceLayer`: tower-http's default span
/// (method, URI, version) with the URI made safe to log.
pub fn request_span<B>(req: &Request<B>) -> Span {
    tracing::debug_span!(
        "request",
        method = %req.method(),
        uri = %loggable_uri(req.uri()),
        version = ?req.version(),
    )
}

pub fn loggable_uri(uri: &Uri) -> Cow<'_, str> {
    if uri.path().starts_with("/auth/") {
        Cow::Borrowed(uri.path())
    } else {
        Cow::Owned(uri.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_queries_are_not_logged() {
        let uri: Uri = "/auth/oidc/callback?code=secret&state=s"
            .parse()
            .expect("uri");
        assert_eq!(loggable_uri(&uri), "/auth/oidc/callback");
        let uri: Uri = "/events?q=orders".parse().expect("uri");
        assert_eq!(loggable_uri(&uri), "/events?q=orders");
    }
}
