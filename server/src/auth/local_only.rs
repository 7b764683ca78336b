//! Requests the development sign-in accepts: from this machine, straight.
//!
//! A reverse proxy on the same host makes every client a loopback peer, so
//! the peer alone proves nothing: a request that a proxy forwarded
//! (`Forwarded`, `X-Forwarded-*`, `X-Real-IP`) is refused too. A web page can
//! reach a developer's loopback port by DNS rebinding; its requests carry the
//! attacker's name in `Host`, so only loopback names (any port) and the host
//! of `auth.public_url` are accepted.

use std::net::IpAddr;

use axum::http::header::HOST;
use axum::http::HeaderMap;

/// Headers a proxy adds when it forwards a request.
const FORWARDING_HEADERS: &[&str] = &[
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
];

/// `Ok` when the request comes from a loopback peer, unforwarded, for an
/// allowed host. `peer` is the TCP peer (`None`: unknown, refused);
/// `public_host` the host of `auth.public_url`.
pub fn check(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    public_host: Option<&str>,
) -> Result<(), &'static str> {
    let peer = peer.ok_or("the client address is unknown")?;
    if !peer.to_canonical().is_loopback() {
        return Err("the client is not on this machine");
    }
    if FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h)) {
        return Err("the request was forwarded by a proxy");
    }
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or("the request names no host")?;
    let name = host_name(host.trim()).ok_or("the Host header is malformed")?;
    let allowed = ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
        || public_host.is_some_and(|p| name.eq_ignore_ascii_case(p));
    if allowed {
        Ok(())
    } else {
        Err("the Host is not a loopback name or the public URL's host")
    }
}

/// The host of a `Host` value without its port: `[::1]:3000` → `[::1]`,
/// `localhost:3000` → `localhost`. `None` when the port is not a number.
fn host_name(host: &str) -> Option<&str> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        (&host[..=end], &host[end + 1..])
    } else {
        let colon = host.find(':').unwrap_or(host.len());
        (&host[..colon], &host[colon..])
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && !name.is_empty()).then_some(name)
}

/// The host of `auth.public_url`, as it appears in `Host` (IPv6 in brackets).
pub fn public_host(public_url: Option<&str>) -> Option<String> {
    let url = url::Url::parse(public_url?.trim()).ok()?;
    url.host_str().map(|h| h.to_ascii_lowercase())
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

    const LOOPBACK: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    #[test]
    fn loopback_names_with_any_port_are_accepted() {
        for host in [
            "localhost",
            "localhost:3000",
            "127.0.0.1:3000",
            "[::1]:8080",
            "LOCALHOST:1",
        ] {
            assert_eq!(
                check(LOOPBACK, &headers(&[("host", host)]), None),
                Ok(()),
                "{host}"
            );
        }
        let v6: Option<IpAddr> = Some("::1".parse().expect("ip"));
        assert!(check(v6, &headers(&[("host", "[::1]:3000")]), None).is_ok());
        let mapped: Option<IpAddr> = Some("::ffff:127.0.0.1".parse().expect("ip"));
        assert!(check(mapped, &headers(&[("host", "localhost")]), None).is_ok());
    }

    #[test]
    fn other_hosts_are_refused_unless_public() {
        for host in [
            "rebind.evil.example:3000",
            "rebind.evil.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io:3000",
            "localhost:3000x",
            "localhost:",
            "[::1",
            "",
        ] {
            assert!(
                check(LOOPBACK, &headers(&[("host", host)]), None).is_err(),
                "{host:?}"
            );
        }
        assert!(check(LOOPBACK, &HeaderMap::new(), None).is_err());
        let public = public_host(Some("https://sb.example.com/"));
        assert_eq!(public.as_deref(), Some("sb.example.com"));
        let h = headers(&[("host", "sb.example.com")]);
        assert!(check(LOOPBACK, &h, public.as_deref()).is_ok());
        assert!(check(LOOPBACK, &h, None).is_err());
    }

    #[test]
    fn remote_unknown_and_forwarded_clients_are_refused() {
        let host = ("host", "127.0.0.1:3000");
        let remote: Option<IpAddr> = Some("192.0.2.7".parse().expect("ip"));
        assert!(check(remote, &headers(&[host]), None).is_err());
        assert!(check(None, &headers(&[host]), None).is_err());
        for forwarded in [
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=203.0.113.9"),
            ("x-real-ip", "203.0.113.9"),
        ] {
            assert!(check(LOOPBACK, &headers(&[host, forwarded]), None).is_err());
        }
    }
}
