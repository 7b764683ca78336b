//! Rate limiting of sign-in: a token bucket per client IP address, in memory
//! (each replica counts on its own). A bucket holds `per_minute` attempts and
//! refills at that rate; an empty bucket answers 429 with `Retry-After`.
//!
//! The client address is the TCP peer. Behind a reverse proxy every request
//! comes from the proxy, so all clients share one bucket: set the limit with
//! that in mind (`auth.sign_in_per_minute`, 0 turns limiting off).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Buckets kept before idle (full) ones are dropped.
const MAX_TRACKED: usize = 10_000;

pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt from the client's bucket, or says how many seconds
    /// until the next one is allowed.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|_, b| {
                let refilled = b.tokens + now.duration_since(b.updated).as_secs_f64() * per_second;
                refilled < capacity
            });
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        // The epsilon absorbs floating-point dust of the refill arithmetic.
        const EPSILON: f64 = 1e-9;
        if bucket.tokens >= 1.0 - EPSILON {
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / per_second;
            // Whole seconds, rounded up, at least one.
            Err((wait - EPSILON).ceil().max(1.0) as u64)
        }
    }
}

/// The client's IP address: the TCP peer when the server records it
/// (`into_make_service_with_connect_info`), else the unspecified address
/// (in-process tests), which then shares one bucket.
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

/// 429 with `Retry-After`.
pub fn too_many(retry_after_secs: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(RETRY_AFTER, retry_after_secs.to_string())],
        format!("Too many sign-in attempts from your address; try again in {retry_after_secs} s."),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_bucket_empties_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(10);
        let ip: IpAddr = "192.0.2.1".parse().expect("ip");
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(limiter.check_at(ip, t0).is_ok());
        }
        // Empty: the next token comes in 6 s (10 per minute).
        assert_eq!(limiter.check_at(ip, t0), Err(6));
        assert_eq!(limiter.check_at(ip, t0 + Duration::from_secs(3)), Err(3));
        assert!(limiter.check_at(ip, t0 + Duration::from_secs(6)).is_ok());
        assert!(limiter.check_at(ip, t0 + Duration::from_secs(6)).is_err());
    }

    #[test]
    fn clients_have_their_own_buckets_and_zero_turns_limiting_off() {
        let limiter = RateLimiter::new(1);
        let t0 = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "2001:db8::1".parse().expect("ip");
        assert!(limiter.check_at(a, t0).is_ok());
        assert!(limiter.check_at(a, t0).is_err());
        assert!(limiter.check_at(b, t0).is_ok());
        let off = RateLimiter::new(0);
        for _ in 0..100 {
            assert!(off.check_at(a, t0).is_ok());
        }
    }
}
