//! Calls to the schema registry's REST API, as Confluent's clients make them,
//! through a `TestApp` client.

use axum::body::Body;
use axum::http::Request;
use serde_json::Value;

use super::app::Client;

/// One registry call as `client`: JSON in (Confluent's content type), status
/// and body out; every answer must carry Confluent's content type.
pub async fn call(
    client: &Client<'_>,
    method: &str,
    uri: &str,
    body: Option<String>,
) -> (u16, String) {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("/registry{uri}"));
    if body.is_some() {
        request = request.header("content-type", "application/vnd.schemaregistry.v1+json");
    }
    let request = request
        .body(body.map(Body::from).unwrap_or_default())
        .expect("request");
    let answer = client.send(request).await;
    assert_eq!(
        answer.headers["content-type"], "application/vnd.schemaregistry.v1+json",
        "{method} {uri}: {}",
        answer.body
    );
    (answer.status.as_u16(), answer.body)
}

/// A registry call with a JSON body; the answer as JSON.
pub async fn send_json(client: &Client<'_>, method: &str, uri: &str, body: Value) -> (u16, Value) {
    let (status, text) = call(client, method, uri, Some(body.to_string())).await;
    (status, super::json(&text))
}
