//! The compiled site's files (`/pkg/…`) are sent as their brotli or gzip copy
//! when the browser accepts one (release builds write them), so their answers
//! vary by `Accept-Encoding`: a caching proxy must not hand a brotli copy to a
//! browser that asked for none.

use axum::extract::Request;
use axum::http::header::VARY;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

pub async fn vary_by_encoding(req: Request, next: Next) -> Response {
    let site_file = req.uri().path().starts_with("/pkg/");
    let mut response = next.run(req).await;
    if site_file {
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}
