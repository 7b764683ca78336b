//! Cross-site request forgery protection for forms and server functions.
//!
//! The approach is OWASP's "verifying origin with standard headers"
//! (CSRF Prevention Cheat Sheet), on top of the session cookie being
//! `SameSite=Lax` (browsers do not send it on cross-site POSTs at all):
//!
//! an unsafe request (POST, PUT, PATCH, DELETE) that carries the session
//! cookie must show that it comes from a page of this site:
//! - `Sec-Fetch-Site` (sent by every current browser) is `same-origin` or
//!   `none` (typed by the user); `same-site` and `cross-site` are refused;
//! - without it, the `Origin` header (else the `Referer`) must name this
//!   site, scheme included: `http://<Host>` (`https://` once cookies are
//!   `Secure`), or `auth.public_url` when a proxy rewrites `Host`;
//! - with none of these headers the request is refused (OWASP's advice).
//!
//! Requests with an API token on the REST API or the registry are not
//! checked either: the token is their credential (the cookie is not read).
//! Requests without the session cookie are not checked: they act for nobody
//! (API and schema registry clients authenticate otherwise or are anonymous),
//! so forging them gains an attacker nothing. Except sign-in and sign-out:
//! a forged sign-in signs the browser in as someone else (login CSRF), a
//! forged sign-out ends its session; those two are always checked.
//!
//! Refusals answer 403 with the API's JSON error body.

use app::error::{AppError, ErrorCode};
use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN, REFERER};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::middleware::session_token;
use crate::http::ApiError;
use crate::state::AppState;

pub async fn verify_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let unsafe_method = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let always_checked = matches!(req.uri().path(), "/auth/dev-login" | "/auth/logout");
    // A token on the API or the registry is the credential, and the cookie
    // is then not read: a cross-site page cannot set `Authorization`.
    let by_token = super::tokens::rules::Surface::of(req.uri().path()).is_some()
        && req
            .headers()
            .contains_key(axum::http::header::AUTHORIZATION);
    if !unsafe_method || by_token || (session_token(req.headers()).is_none() && !always_checked) {
        return next.run(req).await;
    }
    let authority = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    match check(
        req.headers(),
        authority.as_deref(),
        state.auth.scheme(),
        state.auth.public_origin.as_deref(),
    ) {
        Ok(()) => next.run(req).await,
        Err(reason) => {
            tracing::warn!(
                method = %req.method(),
                path = req.uri().path(),
                reason,
                "cross-site request refused"
            );
            ApiError(AppError::new(
                ErrorCode::Forbidden,
                "Cross-site request refused: send it from a Switchboard page.",
            ))
            .into_response()
        }
    }
}

/// `Ok` when the headers show a request from this site. `host` is the
/// request's `Host` and `scheme` the one browsers use for it;
/// `public_origin` the configured public URL's origin.
pub fn check(
    headers: &HeaderMap,
    host: Option<&str>,
    scheme: &str,
    public_origin: Option<&str>,
) -> Result<(), &'static str> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return match site.trim().to_ascii_lowercase().as_str() {
            "same-origin" | "none" => Ok(()),
            _ => Err("Sec-Fetch-Site is not same-origin"),
        };
    }
    let source = match header(ORIGIN.as_str()) {
        Some(origin) if origin.trim() != "null" => origin,
        Some(_) => return Err("Origin is null"),
        None => header(REFERER.as_str()).ok_or("no Sec-Fetch-Site, Origin or Referer")?,
    };
    let url = url::Url::parse(source.trim()).map_err(|_| "unreadable Origin or Referer")?;
    let origin = url.origin();
    if !origin.is_tuple() {
        return Err("opaque Origin or Referer");
    }
    if let Some(public) = public_origin {
        if origin.ascii_serialization() == public {
            return Ok(());
        }
    }
    let host = host.ok_or("no Host header")?;
    if url.scheme() != scheme {
        return Err("Origin or Referer has another scheme");
    }
    let authority = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => return Err("Origin or Referer has no host"),
    };
    if strip_default_port(&authority).eq_ignore_ascii_case(strip_default_port(host.trim())) {
        Ok(())
    } else {
        Err("Origin or Referer names another site")
    }
}

/// `example.com:443` and `example.com` name the same authority in `Host`
/// (the `url` crate already drops a scheme's default port).
fn strip_default_port(authority: &str) -> &str {
    authority
        .strip_suffix(":80")
        .or_else(|| authority.strip_suffix(":443"))
        .unwrap_or(authority)
}

/// The origin (`scheme://host[:port]`) of the configured public URL.
pub fn public_origin(public_url: Option<&str>) -> Option<String> {
    let url = url::Url::parse(public_url?.trim()).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    const HOST: Option<&str> = Some("127.0.0.1:3000");
    const HTTP: &str = "http";

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(check(
            &headers(&[("sec-fetch-site", "same-origin")]),
            HOST,
            HTTP,
            None
        )
        .is_ok());
        assert!(check(&headers(&[("sec-fetch-site", "none")]), HOST, HTTP, None).is_ok());
        assert!(check(
            &headers(&[("sec-fetch-site", "same-site")]),
            HOST,
            HTTP,
            None
        )
        .is_err());
        // A matching Origin does not rescue a cross-site fetch.
        let h = headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(check(&h, HOST, HTTP, None).is_err());
    }

    #[test]
    fn origin_then_referer_must_name_this_host() {
        let ok = headers(&[("origin", "http://127.0.0.1:3000")]);
        assert!(check(&ok, HOST, HTTP, None).is_ok());
        let other = headers(&[("origin", "http://evil.example")]);
        assert!(check(&other, HOST, HTTP, None).is_err());
        let other_port = headers(&[("origin", "http://127.0.0.1:3001")]);
        assert!(check(&other_port, HOST, HTTP, None).is_err());
        let referer = headers(&[("referer", "http://127.0.0.1:3000/events?q=x")]);
        assert!(check(&referer, HOST, HTTP, None).is_ok());
        let null = headers(&[("origin", "null"), ("referer", "http://127.0.0.1:3000/")]);
        assert!(check(&null, HOST, HTTP, None).is_err());
        assert!(check(&HeaderMap::new(), HOST, HTTP, None).is_err());
        // Default ports: the browser omits them, a Host header may not.
        let https = headers(&[("origin", "https://sb.example.com")]);
        assert!(check(&https, Some("sb.example.com:443"), "https", None).is_ok());
        // A look-alike host is another site.
        let lookalike = headers(&[("origin", "http://127.0.0.1:3000.evil.example")]);
        assert!(check(&lookalike, HOST, HTTP, None).is_err());
    }

    #[test]
    fn the_public_url_is_accepted_when_a_proxy_rewrites_host() {
        let public = public_origin(Some("https://sb.example.com/"));
        assert_eq!(public.as_deref(), Some("https://sb.example.com"));
        let h = headers(&[("origin", "https://sb.example.com")]);
        assert!(check(&h, Some("10.0.0.7:3000"), HTTP, public.as_deref()).is_ok());
        let http = headers(&[("origin", "http://sb.example.com")]);
        assert!(check(&http, Some("10.0.0.7:3000"), HTTP, public.as_deref()).is_err());
    }

    #[test]
    fn the_scheme_is_part_of_the_origin() {
        // Same host and port, another scheme: another origin.
        let https = headers(&[("origin", "https://127.0.0.1:3000")]);
        assert!(check(&https, HOST, HTTP, None).is_err());
        let referer = headers(&[("referer", "https://127.0.0.1:3000/events")]);
        assert!(check(&referer, HOST, HTTP, None).is_err());
        let http = headers(&[("origin", "http://sb.example.com")]);
        assert!(check(&http, Some("sb.example.com"), "https", None).is_err());
    }
}
