//! `/api/docs`: the REST API's reference, rendered on the server from the
//! same OpenAPI document as `/api/v1/openapi.json`. Plain HTML with the
//! site's stylesheet and no script, so it works with no internet access and
//! nothing fetched from elsewhere.

use std::fmt::Write as _;

use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::IntoResponse;
use serde_json::Value;

/// This page loads the stylesheet and nothing else.
const POLICY: &str = "default-src 'none'; style-src 'self'; base-uri 'none'; \
                      form-action 'none'; frame-ancestors 'none'";

pub async fn page() -> impl IntoResponse {
    let doc: Value = serde_json::from_str(&super::api::openapi::json()).unwrap_or(Value::Null);
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, POLICY),
        ],
        render(&doc),
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text(v: &Value) -> String {
    esc(v.as_str().unwrap_or_default())
}

/// `#/components/schemas/X` as a link to X's section; inline schemas by type.
fn schema_ref(schema: &Value) -> String {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    if let Some(items) = schema.get("items") {
        return format!("array of {}", schema_ref(items));
    }
    if let Some(any) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        return any.iter().map(schema_ref).collect::<Vec<_>>().join(" or ");
    }
    match &schema["type"] {
        Value::Array(types) => types
            .iter()
            .map(|t| esc(t.as_str().unwrap_or("?")))
            .collect::<Vec<_>>()
            .join(" or "),
        Value::String(t) => esc(t),
        _ => "any".to_string(),
    }
}

fn render(doc: &Value) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Switchboard REST API</title>\
         <link rel=\"stylesheet\" href=\"/pkg/switchboard.css\"></head>\
         <body><main class=\"content api-docs\">",
    );
    let _ = write!(
        html,
        "<h1>{}</h1><p>{}</p><p><a href=\"/api/v1/openapi.json\">openapi.json</a> · \
         <a href=\"/tokens\">make a token</a> · <a href=\"/\">back to the catalogue</a></p>",
        text(&doc["info"]["title"]),
        text(&doc["info"]["description"])
    );
    let tags = doc["tags"].as_array().cloned().unwrap_or_default();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    html.push_str("<nav><ul>");
    for tag in &tags {
        let name = text(&tag["name"]);
        let _ = write!(
            html,
            "<li><a href=\"#tag-{name}\">{name}</a> — {}</li>",
            text(&tag["description"])
        );
    }
    html.push_str("<li><a href=\"#schemas\">schemas</a></li></ul></nav>");
    for tag in &tags {
        let name = tag["name"].as_str().unwrap_or_default();
        let _ = write!(html, "<section id=\"tag-{0}\"><h2>{0}</h2>", esc(name));
        for (path, item) in &paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                if op["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t == name))
                {
                    operation(&mut html, method, path, op);
                }
            }
        }
        html.push_str("</section>");
    }
    schemas(&mut html, &doc["components"]["schemas"]);
    html.push_str("</main></body></html>");
    html
}

fn operation(html: &mut String, method: &str, path: &str, op: &Value) {
    let id = text(&op["operationId"]);
    let _ = write!(
        html,
        "<article class=\"panel\" id=\"op-{id}\" data-testid=\"operation\"><h3><code>{} /api/v1{}</code></h3>",
        esc(&method.to_uppercase()),
        esc(path)
    );
    for key in ["summary", "description"] {
        if let Some(t) = op[key].as_str() {
            let _ = write!(html, "<p>{}</p>", esc(t));
        }
    }
    let security: Vec<String> = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|req| match req.as_object() {
            Some(o) if o.is_empty() => "anonymous".to_string(),
            Some(o) => o
                .iter()
                .map(|(k, scopes)| {
                    let scopes: Vec<String> =
                        scopes.as_array().into_iter().flatten().map(text).collect();
                    if scopes.is_empty() {
                        esc(k)
                    } else {
                        format!("{} ({})", esc(k), scopes.join(", "))
                    }
                })
                .collect::<Vec<_>>()
                .join(" + "),
            None => String::new(),
        })
        .collect();
    let _ = write!(html, "<p class=\"muted\">Who: {}</p>", security.join(" · "));
    if let Some(params) = op["parameters"].as_array() {
        html.push_str("<table class=\"table\"><thead><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>");
        for p in params {
            let _ = write!(
                html,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&p["name"]),
                if p["required"] == true {
                    " (required)"
                } else {
                    ""
                },
                text(&p["in"]),
                schema_ref(&p["schema"]),
                text(&p["description"])
            );
        }
        html.push_str("</tbody></table>");
    }
    if let Some(body) = op["requestBody"]["content"].as_object() {
        for (media, content) in body {
            let _ = write!(
                html,
                "<p>Body ({}): {}</p>",
                esc(media),
                schema_ref(&content["schema"])
            );
        }
    }
    html.push_str("<ul>");
    for (status, response) in op["responses"].as_object().into_iter().flatten() {
        let schema = response["content"]
            .as_object()
            .and_then(|c| c.values().next())
            .map(|c| format!(": {}", schema_ref(&c["schema"])))
            .unwrap_or_default();
        let _ = write!(
            html,
            "<li><code>{}</code> {}{schema}</li>",
            esc(status),
            text(&response["description"])
        );
    }
    html.push_str("</ul></article>");
}

fn schemas(html: &mut String, schemas: &Value) {
    html.push_str("<section id=\"schemas\"><h2>Schemas</h2>");
    for (name, schema) in schemas.as_object().into_iter().flatten() {
        let _ = write!(
            html,
            "<article class=\"panel\" id=\"schema-{0}\"><h3>{0}</h3>",
            esc(name)
        );
        if let Some(d) = schema["description"].as_str() {
            let _ = write!(html, "<p>{}</p>", esc(d));
        }
        if let Some(values) = schema["enum"].as_array() {
            let words: Vec<String> = values
                .iter()
                .map(|v| format!("<code>{}</code>", esc(&v.to_string())))
                .collect();
            let _ = write!(html, "<p>One of {}</p>", words.join(", "));
        }
        if let Some(props) = schema["properties"].as_object() {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            html.push_str("<table class=\"table\"><tbody>");
            for (field, s) in props {
                let _ = write!(
                    html,
                    "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(field),
                    if required.contains(&field.as_str()) {
                        ""
                    } else {
                        " (optional)"
                    },
                    schema_ref(s),
                    text(&s["description"])
                );
            }
            html.push_str("</tbody></table>");
        }
        html.push_str("</article>");
    }
    html.push_str("</section>");
}
