//! Calls to the schema registry's REST API, as Confluent's clients make them.

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use switchboard::config::Config;
use switchboard::db::Db;

/// One registry call: JSON in (Confluent's content type), status and body out.
pub async fn call(
    db: &Db,
    cfg: &Config,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    body: Option<String>,
) -> (u16, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/registry{uri}"));
    if let Some(c) = cookie {
        request = request.header("cookie", c);
    }
    if body.is_some() {
        request = request.header("content-type", "application/vnd.schemaregistry.v1+json");
    }
    let request = request
        .body(body.map(Body::from).unwrap_or_default())
        .expect("request");
    let (status, headers, text) = crate::common::send(db, cfg, request).await;
    assert_eq!(
        headers["content-type"], "application/vnd.schemaregistry.v1+json",
        "{method} {uri}: {text}"
    );
    (status.as_u16(), text)
}

pub async fn send_json(
    db: &Db,
    cfg: &Config,
    method: &str,
    uri: &str,
    cookie: Option<&str>,
    body: Value,
) -> (u16, Value) {
    let (status, text) = call(db, cfg, method, uri, cookie, Some(body.to_string())).await;
    (status, crate::common::json(&text))
}
