//! Audit log search and export, in-app notifications and outgoing webhooks.
//! Notifications and webhook deliveries are derived from the audit log by the
//! notifier task, decoupled from the code that writes it.

pub mod audit_log;
pub mod delivery;
pub mod message;
pub mod notifier;
pub mod reach;
mod service;
mod task;
pub mod webhooks;

use time::OffsetDateTime;

pub use delivery::{sign, DeliveryPolicy, DeliveryReport};
pub use notifier::PassReport;
pub use service::NotifyService;
pub use task::NotifierTask;

/// Fixed-width RFC 3339 UTC with milliseconds (`2025-03-01T12:00:00.000Z`):
/// unlike variable-precision text, its text order is time order.
pub fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    #[test]
    fn stamps_are_fixed_width_and_parse_back() {
        let t = OffsetDateTime::parse("2025-03-01T12:00:05.5+01:00", &Rfc3339).expect("time");
        let s = stamp(t);
        assert_eq!(s, "2025-03-01T11:00:05.500Z");
        assert_eq!(OffsetDateTime::parse(&s, &Rfc3339).expect("parses"), t);
        assert!(stamp(t) < stamp(t + time::Duration::milliseconds(1)));
    }
}
