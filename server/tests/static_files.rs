//! The site's static files: a release build (scripts/build.sh --release) writes
//! .gz and .br copies next to the WASM, and the server must send them to browsers
//! that accept the encoding, or the 2.8 MB WASM goes out uncompressed.
//! No database is involved: one backend is enough.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use http_body_util::BodyExt;
use tower::ServiceExt;

use common::{test_config, TestDb};

const RAW: &[u8] = b"\0asm raw module";
const GZ: &[u8] = b"gzip copy";
const BR: &[u8] = b"brotli copy";

async fn get(
    site: &std::path::Path,
    db: &TestDb,
    accept: Option<&str>,
) -> (u16, HeaderMap, Vec<u8>) {
    let mut config = test_config();
    config.site_root = site.to_path_buf();
    let index = std::sync::Arc::new(
        switchboard::search::SearchIndex::in_memory().expect("in-memory index"),
    );
    let state = switchboard::serve::app_state(db.db.clone(), &config, index, None);
    let mut request = Request::builder().uri("/pkg/switchboard.wasm");
    if let Some(accept) = accept {
        request = request.header("accept-encoding", accept);
    }
    let response = switchboard::http::router(state)
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, headers, body.to_vec())
}

fn encoding(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("content-encoding")
        .map(|v| v.to_str().expect("ascii"))
}

#[tokio::test]
async fn precompressed_copies_are_sent_to_browsers_that_accept_them() {
    let db = TestDb::sqlite().await;
    let site = tempfile::tempdir().expect("temp dir");
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    std::fs::write(pkg.join("switchboard.wasm"), RAW).expect("write");
    std::fs::write(pkg.join("switchboard.wasm.gz"), GZ).expect("write");
    std::fs::write(pkg.join("switchboard.wasm.br"), BR).expect("write");

    let (status, headers, body) = get(site.path(), &db, Some("gzip, deflate, br")).await;
    assert_eq!(status, 200);
    assert_eq!(encoding(&headers), Some("br"));
    assert_eq!(body, BR);
    assert_eq!(headers["content-type"], "application/wasm");

    let (status, headers, body) = get(site.path(), &db, Some("gzip")).await;
    assert_eq!(status, 200);
    assert_eq!(encoding(&headers), Some("gzip"));
    assert_eq!(body, GZ);

    let (status, headers, body) = get(site.path(), &db, None).await;
    assert_eq!(status, 200);
    assert_eq!(encoding(&headers), None);
    assert_eq!(body, RAW);
    assert_eq!(
        headers["vary"], "accept-encoding",
        "caches key on the encoding"
    );
    db.cleanup().await;
}
