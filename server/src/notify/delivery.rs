//! Delivering the webhook outbox: each due delivery is claimed with a lease
//! (so replicas do not send it twice at once), POSTed with an HMAC-SHA256
//! signature of its body, and then marked delivered, scheduled again with
//! exponential backoff and jitter, or parked after the last attempt.
//! Only this module speaks HTTP to webhooks; reqwest errors stop here.
//!
//! Every attempt resolves the webhook's host again, refuses internal
//! addresses (see `reach`) and connects only to the addresses it checked.
//! A delivery's `last_error` is a short class (`HTTP 500`, `timed out`, …):
//! what an endpoint answers is never read, so it is never stored.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;
use time::OffsetDateTime;

use super::reach::{self, AllowedAddress};
use super::stamp;
use crate::db::{Db, DbError};
use crate::registry::propagation::Backoff;

/// Deliveries claimed per pass.
const CLAIM: i64 = 20;
/// The only environment variables a webhook's secret may come from.
pub const SECRET_ENV_PREFIX: &str = "SWITCHBOARD_WEBHOOK_";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPolicy {
    pub timeout: Duration,
    /// Attempts before a delivery is parked.
    pub max_attempts: i64,
    pub backoff: Backoff,
    /// Internal addresses that may be called anyway.
    pub allow: Vec<AllowedAddress>,
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    /// Failed and scheduled again.
    pub retrying: usize,
    /// Failed for the last time.
    pub parked: usize,
}

impl DeliveryReport {
    pub fn attempted(&self) -> usize {
        self.delivered + self.retrying + self.parked
    }
}

pub struct Deliverer {
    db: Db,
    policy: DeliveryPolicy,
}

struct Due {
    id: i64,
    event: String,
    payload: String,
    attempts: i64,
    next_attempt_at: String,
    url: String,
    secret_env: String,
}

impl Deliverer {
    pub fn new(db: Db, policy: DeliveryPolicy) -> Self {
        Self { db, policy }
    }

    /// A client that reaches `url`'s host only at `addrs` (checked just
    /// before), so a DNS answer changed since cannot redirect the call.
    /// A client that cannot be built is no reason to call without these rules.
    fn client(
        &self,
        url: &url::Url,
        addrs: &[std::net::SocketAddr],
    ) -> Result<reqwest::Client, String> {
        let mut builder = reqwest::Client::builder()
            .timeout(self.policy.timeout)
            // A webhook that redirects is misconfigured; following it would
            // send signed payloads somewhere nobody registered.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")));
        if let Some(url::Host::Domain(name)) = url.host() {
            builder = builder.resolve_to_addrs(name, addrs);
        }
        builder
            .build()
            .map_err(|_| "cannot build an HTTP client".to_string())
    }

    /// Sends every delivery due at `now` (of active webhooks), up to `CLAIM`.
    pub async fn deliver_due(&self, now: OffsetDateTime) -> Result<DeliveryReport, DbError> {
        let rows = sqlx::query(
            "SELECT d.id, d.event, d.payload, d.attempts, d.next_attempt_at, w.url, w.secret_env \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE w.active = 1 AND d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= $1 \
             ORDER BY d.next_attempt_at, d.id LIMIT $2",
        )
        .bind(stamp(now))
        .bind(CLAIM)
        .fetch_all(self.db.pool())
        .await?;
        let due = rows
            .iter()
            .map(|r| {
                Ok(Due {
                    id: r.try_get("id")?,
                    event: r.try_get("event")?,
                    payload: r.try_get("payload")?,
                    attempts: r.try_get("attempts")?,
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    url: r.try_get("url")?,
                    secret_env: r.try_get("secret_env")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let mut report = DeliveryReport::default();
        for d in due {
            if !self.claim(&d, now).await? {
                continue;
            }
            let attempts = d.attempts + 1;
            match self.send(&d).await {
                Ok(()) => {
                    sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = $2, delivered_at = $3, \
                         next_attempt_at = NULL, last_error = NULL WHERE id = $1",
                    )
                    .bind(d.id)
                    .bind(attempts)
                    .bind(stamp(now))
                    .execute(self.db.pool())
                    .await?;
                    report.delivered += 1;
                    tracing::debug!(delivery = d.id, event = %d.event, "webhook delivered");
                }
                Err(error) if attempts >= self.policy.max_attempts => {
                    sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = $2, parked_at = $3, \
                         next_attempt_at = NULL, last_error = $4 WHERE id = $1",
                    )
                    .bind(d.id)
                    .bind(attempts)
                    .bind(stamp(now))
                    .bind(&error)
                    .execute(self.db.pool())
                    .await?;
                    report.parked += 1;
                    tracing::warn!(delivery = d.id, attempts, %error, "webhook delivery parked");
                }
                Err(error) => {
                    let next = now + self.policy.backoff.delay(attempts);
                    sqlx::query(
                        "UPDATE webhook_deliveries SET attempts = $2, next_attempt_at = $3, \
                         last_error = $4 WHERE id = $1",
                    )
                    .bind(d.id)
                    .bind(attempts)
                    .bind(stamp(next))
                    .bind(&error)
                    .execute(self.db.pool())
                    .await?;
                    report.retrying += 1;
                    tracing::info!(delivery = d.id, attempts, %error, "webhook delivery failed; will retry");
                }
            }
        }
        Ok(report)
    }

    /// Pushes the delivery's next attempt past the call's end, if nobody else did.
    async fn claim(&self, d: &Due, now: OffsetDateTime) -> Result<bool, DbError> {
        let lease = now + self.policy.timeout * 2 + Duration::from_secs(30);
        let claimed = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1 \
             WHERE id = $2 AND next_attempt_at = $3",
        )
        .bind(stamp(lease))
        .bind(d.id)
        .bind(&d.next_attempt_at)
        .execute(self.db.pool())
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn send(&self, d: &Due) -> Result<(), String> {
        // Rows saved before the prefix rule: their variable is not read.
        if !d.secret_env.starts_with(SECRET_ENV_PREFIX) {
            return Err(format!("secret_env is not a {SECRET_ENV_PREFIX}* variable"));
        }
        let secret = std::env::var(&d.secret_env)
            .ok()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("the environment variable {} is not set", d.secret_env))?;
        let url = url::Url::parse(&d.url).map_err(|_| "invalid URL".to_string())?;
        let addrs = reach::addresses(&url, &self.policy.allow)
            .await
            .map_err(|r| r.class())?;
        let response = self
            .client(&url, &addrs)?
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Switchboard-Event", &d.event)
            .header("X-Switchboard-Delivery", d.id.to_string())
            .header(
                "X-Switchboard-Signature",
                format!("sha256={}", sign(secret.as_bytes(), d.payload.as_bytes())),
            )
            .body(d.payload.clone())
            .send()
            .await
            .map_err(|e| failure_class(&e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        Err(format!("HTTP {}", status.as_u16()))
    }
}

/// A short class of a failed call, without the URL or anything it answered.
fn failure_class(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    }
    .to_string()
}

/// Lower-case hex HMAC-SHA256 of `body` under `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts any key");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_rfc_4231_test_case_2() {
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
