//! Wire types of the audit log search, in-app notifications and outgoing
//! webhooks. The server derives notifications and webhook calls from the
//! audit log; these types only carry them.

use serde::{Deserialize, Serialize};

/// Audit actions that notify people and may call webhooks.
pub const NOTIFIED_ACTIONS: [&str; 14] = [
    "request.submitted",
    "request.step_approved",
    "request.approved",
    "request.rejected",
    "request.cancelled",
    "request.provisioning",
    "request.active",
    "request.failed",
    "request.revoked",
    "request.expired",
    "grant.expiring_soon",
    "job.parked",
    "alert.firing",
    "alert.resolved",
];

/// Search of the audit log; every field is optional and empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "ssr", into_params(parameter_in = Query))]
pub struct AuditFilter {
    /// Exactly this user (or `system`).
    #[serde(default)]
    pub actor: Option<String>,
    /// Actions starting with this, e.g. `request.` or `event.updated`.
    #[serde(default)]
    pub action: Option<String>,
    /// Subjects containing this (case-insensitive), e.g. `event:orders`.
    #[serde(default)]
    pub subject: Option<String>,
    /// First day, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    pub to: Option<String>,
    /// Free text searched in the before and after values (case-insensitive).
    #[serde(default)]
    pub q: Option<String>,
    /// Only entries older than this id (the next page of a search).
    #[serde(default)]
    pub before: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 200))]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
}

impl AuditFilter {
    /// The filter as a URL query (without `before` and `limit`), for links.
    pub fn to_query(&self) -> String {
        let pairs = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("subject", &self.subject),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| {
                v.as_deref()
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("{k}={}", encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One audit log entry: who did what to which subject, and the values before
/// and after (JSON, absent when there was none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A page of audit entries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// An in-app notification of one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Notification {
    pub id: i64,
    pub created_at: String,
    /// The audit action it comes from, e.g. `request.approved`.
    pub kind: String,
    pub title: String,
    /// Where to look, e.g. `/requests/42`.
    pub link: String,
    pub read_at: Option<String>,
}

/// The caller's notifications, newest first, with the unread count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub unread: i64,
    /// Pass as `before` for older notifications; `None` on the last page.
    pub next_before: Option<i64>,
}

/// An outgoing webhook (admins manage them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// Name of the environment variable holding the HMAC secret.
    pub secret_env: String,
    /// Actions delivered; empty means every action in `NOTIFIED_ACTIONS`.
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Deliveries given up after the last attempt.
    pub parked: i64,
    /// Deliveries waiting for their (next) attempt.
    pub pending: i64,
}

/// Creates a webhook, or changes one when `id` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookForm {
    #[serde(default)]
    pub id: Option<String>,
    pub url: String,
    pub secret_env: String,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default = "active_default")]
    pub active: bool,
}

fn active_default() -> bool {
    true
}

/// One queued, delivered or parked call of a webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: i64,
    pub audit_id: i64,
    pub event: String,
    pub attempts: i64,
    /// `pending`, `delivered` or `parked`.
    pub state: String,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
    pub parked_at: Option<String>,
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keeps_only_set_filters_and_encodes_them() {
        let f = AuditFilter {
            action: Some("request.".into()),
            subject: Some("event:a b&c".into()),
            q: Some(String::new()),
            before: Some(7),
            ..AuditFilter::default()
        };
        assert_eq!(f.to_query(), "action=request.&subject=event%3Aa%20b%26c");
    }
}
