//! Where webhooks may call: the addresses a webhook's host resolves to, less
//! those inside the platform's own network (loopback, private, link-local,
//! shared/CGNAT, multicast, unspecified, reserved, cloud metadata), unless an
//! operator allowed them in `notifications.webhook_allow`.
//!
//! Checked when a webhook is saved and again at every delivery (DNS answers
//! change); a delivery connects only to the addresses checked then.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One `notifications.webhook_allow` entry: an address (`10.1.2.3`,
/// `::1`), a network (`10.0.0.0/8`, `fd00::/8`), or an address with a port
/// (`127.0.0.1:9999`, `[::1]:9999`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AllowedAddress {
    network: IpAddr,
    prefix: u8,
    port: Option<u16>,
}

impl AllowedAddress {
    fn matches(&self, addr: SocketAddr) -> bool {
        if self.port.is_some_and(|p| p != addr.port()) {
            return false;
        }
        match (canonical(self.network), canonical(addr.ip())) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for AllowedAddress {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "`{s}` is not an address, a network or an address with a port \
                 (like 10.1.2.3, 10.0.0.0/8 or 127.0.0.1:9999)"
            )
        };
        let s = s.trim();
        if let Ok(addr) = s.parse::<SocketAddr>() {
            let network = canonical(addr.ip());
            return Ok(AllowedAddress {
                network,
                prefix: full(network),
                port: Some(addr.port()),
            });
        }
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, prefix)) => (ip, Some(prefix)),
            None => (s, None),
        };
        let network = canonical(ip.parse::<IpAddr>().map_err(|_| bad())?);
        let prefix = match prefix {
            None => full(network),
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= full(network))
                .ok_or_else(bad)?,
        };
        Ok(AllowedAddress {
            network,
            prefix,
            port: None,
        })
    }
}

impl TryFrom<String> for AllowedAddress {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<AllowedAddress> for String {
    fn from(a: AllowedAddress) -> String {
        a.to_string()
    }
}

impl fmt::Display for AllowedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}", SocketAddr::new(self.network, port)),
            None if self.prefix == full(self.network) => write!(f, "{}", self.network),
            None => write!(f, "{}/{}", self.network, self.prefix),
        }
    }
}

fn full(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// Why a webhook's host may not be called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No address for the host (or a URL without one).
    Unresolvable,
    /// Every address is inside the platform's network; the class of the first.
    Internal(&'static str),
}

impl Refusal {
    /// For the person saving the webhook.
    pub fn message(&self, host: &str) -> String {
        match self {
            Refusal::Unresolvable => format!("The webhook's host `{host}` cannot be resolved."),
            Refusal::Internal(class) => format!(
                "The webhook's host `{host}` is a {class} address, which webhooks may not \
                 call (an operator can allow it in notifications.webhook_allow)."
            ),
        }
    }

    /// For a delivery's `last_error`: a short class, no addresses.
    pub fn class(&self) -> String {
        match self {
            Refusal::Unresolvable => "cannot resolve the host".to_string(),
            Refusal::Internal(class) => format!("refused: {class} address"),
        }
    }
}

/// The checked addresses `url` may be called at.
pub async fn addresses(
    url: &url::Url,
    allow: &[AllowedAddress],
) -> Result<Vec<SocketAddr>, Refusal> {
    let port = url.port_or_known_default().ok_or(Refusal::Unresolvable)?;
    let found: Vec<SocketAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
        Some(url::Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|_| Refusal::Unresolvable)?
            .collect(),
        None => Vec::new(),
    };
    permitted(found, allow)
}

/// `found` less the internal addresses not allowed; refused when none is left.
fn permitted(found: Vec<SocketAddr>, allow: &[AllowedAddress]) -> Result<Vec<SocketAddr>, Refusal> {
    let mut refused = None;
    let mut ok = Vec::new();
    for addr in found {
        match internal(addr.ip()) {
            Some(class) if !allow.iter().any(|a| a.matches(addr)) => {
                refused.get_or_insert(class);
            }
            _ => ok.push(addr),
        }
    }
    match (ok.is_empty(), refused) {
        (false, _) => Ok(ok),
        (true, Some(class)) => Err(Refusal::Internal(class)),
        (true, None) => Err(Refusal::Unresolvable),
    }
}

/// IPv4 addresses carried in IPv6 ones (mapped, compatible, NAT64, 6to4) as
/// the IPv4 address they reach.
fn canonical(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else {
        return ip;
    };
    let s = v6.segments();
    let embedded =
        |hi: u16, lo: u16| IpAddr::V4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => embedded(hi, lo),
        // IPv4-compatible (deprecated), but not :: and ::1 themselves.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => embedded(hi, lo),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => embedded(hi, lo),
        [0x2002, hi, lo, ..] => embedded(hi, lo),
        _ => ip,
    }
}

/// The class of an address webhooks may not call unless allowed.
pub fn internal(ip: IpAddr) -> Option<&'static str> {
    match canonical(ip) {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    Some(match (a, b) {
        _ if ip == Ipv4Addr::new(169, 254, 169, 254) => "cloud metadata",
        (0, _) => "unspecified",
        (127, _) => "loopback",
        (10, _) | (192, 168) => "private",
        (172, b) if (16..32).contains(&b) => "private",
        (169, 254) => "link-local",
        (100, b) if (64..128).contains(&b) => "shared (CGNAT)",
        (224..=239, _) => "multicast",
        (240..=255, _) => "reserved",
        _ => return None,
    })
}

fn internal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    Some(match first {
        _ if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) => "cloud metadata",
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_loopback() => "loopback",
        f if f & 0xfe00 == 0xfc00 => "private",
        f if f & 0xffc0 == 0xfe80 => "link-local",
        // Site-local, deprecated but still routed by some networks.
        f if f & 0xffc0 == 0xfec0 => "private",
        f if f & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    })
}

/// `scheme://host[:port]/…`: what an audit entry keeps of a webhook's URL
/// (paths and queries may carry tokens; credentials are refused anyway).
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}/…", u.scheme()),
            (Some(host), None) => format!("{}://{host}/…", u.scheme()),
            (None, _) => "(no host)".to_string(),
        },
        Err(_) => "(not a URL)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn internal_addresses_are_classified() {
        for (addr, class) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::7f00:1", "loopback"),
            ("2002:7f00:1::", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("fc00::1", "private"),
            ("fd12:3456::1", "private"),
            ("169.254.1.1", "link-local"),
            ("fe80::1", "link-local"),
            ("169.254.169.254", "cloud metadata"),
            ("::ffff:169.254.169.254", "cloud metadata"),
            ("fd00:ec2::254", "cloud metadata"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("100.127.255.255", "shared (CGNAT)"),
            ("0.0.0.0", "unspecified"),
            ("::", "unspecified"),
            ("224.0.0.1", "multicast"),
            ("ff02::1", "multicast"),
            ("255.255.255.255", "reserved"),
        ] {
            assert_eq!(internal(ip(addr)), Some(class), "{addr}");
        }
        for public in [
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.0.2.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(internal(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn allow_list_entries_parse_and_match() {
        let allow: Vec<AllowedAddress> = ["127.0.0.1:9999", "10.0.0.0/8", "::1", "fd00::/8"]
            .iter()
            .map(|s| s.parse().expect(s))
            .collect();
        let at = |s: &str| s.parse::<SocketAddr>().expect("addr");
        assert_eq!(
            permitted(vec![at("127.0.0.1:9999")], &allow),
            Ok(vec![at("127.0.0.1:9999")])
        );
        assert_eq!(
            permitted(vec![at("127.0.0.1:9998")], &allow),
            Err(Refusal::Internal("loopback"))
        );
        assert!(permitted(vec![at("10.200.3.4:443")], &allow).is_ok());
        assert!(permitted(vec![at("[::1]:80")], &allow).is_ok());
        assert!(permitted(vec![at("[fd00:ec2::254]:80")], &allow).is_ok());
        assert_eq!(
            permitted(vec![at("192.168.0.1:80")], &allow),
            Err(Refusal::Internal("private"))
        );
        // Only the permitted addresses of a host are kept.
        assert_eq!(
            permitted(vec![at("192.168.0.1:80"), at("8.8.8.8:80")], &[]),
            Ok(vec![at("8.8.8.8:80")])
        );
        assert_eq!(permitted(Vec::new(), &allow), Err(Refusal::Unresolvable));
        for bad in ["localhost", "10.0.0.0/33", "::/129", "10.0.0.1:x", ""] {
            assert!(bad.parse::<AllowedAddress>().is_err(), "{bad}");
        }
        for s in ["127.0.0.1:9999", "10.0.0.0/8", "::1", "[::1]:8080"] {
            assert_eq!(s.parse::<AllowedAddress>().expect(s).to_string(), s);
        }
    }

    #[tokio::test]
    async fn names_are_resolved_before_they_are_judged() {
        let url = url::Url::parse("http://localhost:9/hook").expect("url");
        assert_eq!(
            addresses(&url, &[]).await,
            Err(Refusal::Internal("loopback"))
        );
        let allow = ["127.0.0.1:9".parse().expect("entry")];
        assert_eq!(
            addresses(&url, &allow).await,
            Ok(vec!["127.0.0.1:9".parse().expect("addr")])
        );
    }

    #[test]
    fn redacted_urls_keep_scheme_host_and_port_only() {
        assert_eq!(
            redacted("https://hooks.example/T0K3N/path?token=abc#x"),
            "https://hooks.example/…"
        );
        assert_eq!(
            redacted("http://10.0.0.1:8080/a?b"),
            "http://10.0.0.1:8080/…"
        );
        assert_eq!(redacted("http://[::1]:81/x"), "http://[::1]:81/…");
    }
}
