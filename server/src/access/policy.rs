//! Input rules of the access workflow, checked at the boundary: principals,
//! application and consumer group names, end dates, and the naming convention
//! of new events and their topics.

use time::{Date, Month};

use crate::catalogue::names::{EventName, TopicName};

/// Characters a principal's name may hold: what SASL user names and
/// certificate DNs use in practice (`svc-orders`, `CN=svc,OU=Data`,
/// `svc@example.com`), and nothing that needs quoting in a client's settings.
fn principal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '=' | ',')
}

/// A Kafka principal of the form `User:<name>`: 1-255 characters after the
/// prefix, from letters, digits and `. _ - @ = ,`. No wildcard (`User:*`
/// would match every user), no quote, space or backslash (the name is pasted
/// into client settings).
pub fn principal(s: &str) -> Result<String, String> {
    let Some(name) = s.strip_prefix("User:") else {
        return Err("the principal must start with `User:` (for example `User:svc-orders`)".into());
    };
    if name.is_empty() || name.len() > 255 {
        return Err("the principal's name after `User:` must be 1-255 characters".into());
    }
    if name.contains('*') {
        return Err("a principal may not hold `*`: wildcards would grant every user".into());
    }
    if !name.chars().all(principal_char) {
        return Err(
            "the principal's name after `User:` may hold only letters, digits and `. _ - @ = ,` \
             (for example `User:svc-orders` or `User:CN=svc,OU=Data`)"
                .into(),
        );
    }
    Ok(s.to_string())
}

/// An application name: 2-63 lower-case letters, digits and dashes, starting
/// with a letter.
pub fn application_name(s: &str) -> Result<String, String> {
    let ok = (2..=63).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "application name `{s}` must be 2-63 lower-case letters, digits and dashes, starting with a letter"
        ))
    }
}

/// A consumer group id (or prefix): Kafka accepts almost anything, the portal
/// the characters of topic names (letters, digits, `.`, `_`, `-`), 1-249 long.
/// A prefix needs at least 3 characters: a shorter one reaches other teams' groups.
pub fn group(s: &str, is_prefix: bool) -> Result<String, String> {
    let what = if is_prefix {
        "consumer group prefix"
    } else {
        "consumer group"
    };
    if s.is_empty() || s.len() > 249 {
        return Err(format!("the {what} must be 1-249 characters"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "the {what} may hold letters, digits, '.', '_' and '-' only, not {c:?}"
        ));
    }
    if is_prefix && s.len() < 3 {
        return Err("a consumer group prefix needs at least 3 characters".into());
    }
    Ok(s.to_string())
}

/// The date `months` after `date`, on the same day or the month's last.
pub fn add_months(date: Date, months: u32) -> Date {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 + months as i32;
    let year = index.div_euclid(12);
    let month = Month::try_from((index.rem_euclid(12) + 1) as u8).unwrap_or(Month::December);
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let bad = || format!("`{s}` is not a date of the form YYYY-MM-DD");
    let mut parts = s.trim().splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u8 = m.parse().map_err(|_| bad())?;
    let day: u8 = d.parse().map_err(|_| bad())?;
    let month = Month::try_from(month).map_err(|_| bad())?;
    Date::from_calendar_date(year, month, day).map_err(|_| bad())
}

pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The end date of a grant: the asked date, after today and at most
/// `max_months` away, or `default_months` from today when none is asked.
pub fn end_date(
    asked: Option<&str>,
    today: Date,
    default_months: u32,
    max_months: u32,
) -> Result<Date, String> {
    let latest = add_months(today, max_months);
    let Some(asked) = asked.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(add_months(today, default_months.min(max_months)));
    };
    let date = parse_date(asked)?;
    if date <= today {
        return Err(format!(
            "the end date {asked} is not in the future: pick a day after {}",
            format_date(today)
        ));
    }
    if date > latest {
        return Err(format!(
            "the end date {asked} is beyond the policy's maximum of {max_months} months ({})",
            format_date(latest)
        ));
    }
    Ok(date)
}

/// When a grant ending on `date` expires: the end of that day, UTC.
pub fn expires_at(date: Date) -> String {
    format!("{}T23:59:59Z", format_date(date))
}

/// Naming convention of new events: the catalogue's event name rules, and
/// `<domain>.<entity>.<action>`: at least three dot-separated segments, each
/// lower-case letters, digits and dashes starting with a letter. The first
/// segment is the event's domain.
pub fn event_name_problems(name: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(e) = EventName::parse(name) {
        problems.push(e.0);
    }
    let segments: Vec<&str> = name.split('.').collect();
    if segments.len() < 3 {
        problems.push(format!(
            "event name `{name}` must follow <domain>.<entity>.<action>, e.g. `order.payment.captured`"
        ));
    }
    if segments.iter().any(|s| {
        s.is_empty()
            || !s.starts_with(|c: char| c.is_ascii_lowercase())
            || !s
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }) {
        problems.push(format!(
            "each part of `{name}` between dots must be lower-case letters, digits and dashes, starting with a letter"
        ));
    }
    problems
}

/// Naming convention of new topics: Kafka's rules, lower case, dotted, ending
/// in a version suffix `.v<N>` (e.g. `orders.payment.captured.v1`).
pub fn topic_problems(topic: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(e) = TopicName::parse(topic) {
        problems.push(e.0);
        return problems;
    }
    if topic
        .chars()
        .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-')))
    {
        problems.push(format!(
            "topic `{topic}` must be lower-case letters, digits, '.' and '-' (no '_' or capitals)"
        ));
    }
    let versioned = topic.rsplit_once(".v").is_some_and(|(head, v)| {
        !head.is_empty() && !v.is_empty() && v.chars().all(|c| c.is_ascii_digit())
    });
    if !versioned {
        problems.push(format!(
            "topic `{topic}` must end in a version suffix such as `.v1`"
        ));
    }
    problems
}

/// The domain of a conventional event name: its first segment.
pub fn domain_of(name: &str) -> String {
    name.split('.').next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).expect("date")
    }

    #[test]
    fn principals_need_the_user_prefix_and_a_plain_name() {
        assert!(principal("User:svc-insights").is_ok());
        assert!(principal("User:CN=svc,OU=Data").is_ok());
        assert!(principal("User:svc_orders@example.com").is_ok());
        for bad in [
            "svc",
            "User:",
            "User:*",
            "Group:x",
            "User: x",
            "User:a\nb",
            "User:a\"b",
            "User:a'b",
            "User:a\\b",
            "User:a b",
            "User:a;b",
            "User:$(id)",
            "User:é",
        ] {
            assert!(principal(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn application_names() {
        assert!(application_name("churn-model").is_ok());
        for bad in ["C", "Churn", "1abc", "a_b", "a b", &"a".repeat(64)] {
            assert!(application_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn groups_and_prefixes() {
        assert!(group("insights.churn-model", false).is_ok());
        assert!(group("a", false).is_ok());
        assert!(group("ab", true).is_err());
        assert!(group("ins", true).is_ok());
        for bad in ["", "with space", "x/y", &"g".repeat(250)] {
            assert!(group(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        assert_eq!(add_months(d("2024-01-31"), 1), d("2024-02-29"));
        assert_eq!(add_months(d("2023-11-30"), 3), d("2024-02-29"));
        assert_eq!(add_months(d("2024-05-15"), 12), d("2025-05-15"));
        assert_eq!(add_months(d("2024-12-01"), 24), d("2026-12-01"));
    }

    #[test]
    fn end_dates_follow_the_policy() {
        let today = d("2024-05-15");
        assert_eq!(end_date(None, today, 12, 24), Ok(d("2025-05-15")));
        assert_eq!(end_date(Some(""), today, 12, 24), Ok(d("2025-05-15")));
        assert_eq!(
            end_date(Some("2026-05-15"), today, 12, 24),
            Ok(d("2026-05-15"))
        );
        assert!(end_date(Some("2026-05-16"), today, 12, 24)
            .expect_err("beyond")
            .contains("maximum of 24 months"));
        assert!(end_date(Some("2024-05-15"), today, 12, 24)
            .expect_err("today")
            .contains("not in the future"));
        assert!(end_date(Some("2020-01-01"), today, 12, 24).is_err());
        assert!(end_date(Some("15/05/2025"), today, 12, 24).is_err());
        assert!(end_date(Some("2025-02-30"), today, 12, 24).is_err());
    }

    #[test]
    fn event_naming_convention() {
        assert!(event_name_problems("order.payment.captured").is_empty());
        assert!(event_name_problems("network.service-status.changed").is_empty());
        assert!(!event_name_problems("order.captured").is_empty());
        assert!(!event_name_problems("Order.payment.captured").is_empty());
        assert!(!event_name_problems("order..captured").is_empty());
        assert!(!event_name_problems("order.payment_x.captured").is_empty());
        assert_eq!(domain_of("order.payment.captured"), "order");
    }

    #[test]
    fn topic_naming_convention() {
        assert!(topic_problems("orders.payment.captured.v1").is_empty());
        assert!(topic_problems("orders.payment-x.captured.v12").is_empty());
        assert!(!topic_problems("orders.payment.captured").is_empty());
        assert!(!topic_problems("Orders.payment.v1").is_empty());
        assert!(!topic_problems("orders_payment.v1").is_empty());
        assert!(!topic_problems("orders payment.v1").is_empty());
        assert!(!topic_problems(".v1").is_empty());
    }
}
