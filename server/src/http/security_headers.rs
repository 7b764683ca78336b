//! Security headers on every response: a Content-Security-Policy, no
//! framing, no MIME sniffing, no full URLs in `Referer` to other sites.
//!
//! Pages get a policy that lets the scripts of this response run and nothing
//! else: Leptos renders its inline hydration and streaming scripts with a
//! per-response nonce (`use_nonce`), which `page_policy` puts in the policy;
//! the WASM module needs `'wasm-unsafe-eval'`. Style attributes are allowed
//! (the UI sets colours and indents with them), style elements are not.
//! Every other response gets a policy that allows nothing at all.

use axum::extract::Request;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The policy of everything but pages (JSON, files, plain errors).
pub const DEFAULT_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The policy of a page whose inline scripts carry `nonce`.
pub fn page_policy_with(nonce: &str) -> String {
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; style-src-attr 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called while a page renders: sets the page's policy with this response's nonce.
pub fn page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        // No nonce: the default policy stays, and the page's scripts do not run.
        tracing::warn!("a page rendered without a nonce");
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy_with(&nonce)) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

pub async fn set(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEFAULT_POLICY),
        );
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // For browsers that predate `frame-ancestors`.
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
