//! The search bench's load: the shared client and load (`common::load`)
//! and the check that both endpoints answer before it.

use std::net::SocketAddr;

use anyhow::{bail, Context};

use crate::common::load::Conn;
pub use crate::common::load::{run, Throughput};

use super::queries::MixQuery;

/// One request to each endpoint before the load: both must answer 200.
pub async fn check(addr: SocketAddr, mix: &[MixQuery]) -> anyhow::Result<serde_json::Value> {
    let mut conn = Conn::new(addr);
    let health = conn.get("/healthz").await?;
    let url = mix.first().map(MixQuery::url).context("empty mix")?;
    let status = conn.get(&url).await?;
    let body = String::from_utf8_lossy(&conn.body).into_owned();
    if health != 200 || status != 200 {
        bail!("/healthz answered {health}, {url} answered {status}: {body:.300}");
    }
    let parsed: serde_json::Value = serde_json::from_str(&body)?;
    Ok(serde_json::json!({
        "url": url,
        "total": parsed["total"],
        "hits": parsed["hits"].as_array().map(Vec::len),
        "bytes": body.len(),
    }))
}
