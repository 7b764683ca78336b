//! Names checked at the boundary: Kafka topic names and catalogue event names.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidName(pub String);

/// A Kafka topic name: letters, digits, `.`, `_`, `-`; 1 to 249 characters; not `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopicName(String);

impl TopicName {
    pub fn parse(s: &str) -> Result<TopicName, InvalidName> {
        if s.is_empty() {
            return Err(InvalidName("the topic name is empty".into()));
        }
        if s.len() > 249 {
            return Err(InvalidName(format!(
                "the topic name is {} characters long; Kafka allows at most 249",
                s.len()
            )));
        }
        if s == "." || s == ".." {
            return Err(InvalidName(format!("`{s}` is not a valid topic name")));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(InvalidName(format!(
                "the topic name may hold letters, digits, '.', '_' and '-' only, not {c:?}"
            )));
        }
        Ok(TopicName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A catalogue event name: lowercase letters, digits, `.`, `_`, `-`; 3 to 120
/// characters, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventName(String);

impl EventName {
    pub fn parse(s: &str) -> Result<EventName, InvalidName> {
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if !(3..=120).contains(&s.len())
            || !ok_chars
            || !s.starts_with(|c: char| c.is_ascii_lowercase())
        {
            return Err(InvalidName(format!(
                "event name `{s}` must be 3-120 characters: lowercase letters, digits, '.', '_', '-', starting with a letter"
            )));
        }
        Ok(EventName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_topic_rules() {
        for ok in ["orders.placed.v1", "a", "A_b-C.9", &"x".repeat(249)] {
            assert!(TopicName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ".",
            "..",
            "with space",
            "slash/topic",
            "ümlaut",
            &"x".repeat(250),
        ] {
            assert!(TopicName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn event_name_rules() {
        assert!(EventName::parse("network.alarm.raised").is_ok());
        for bad in ["ab", "Network.alarm", "1abc", "a b c", "x/y/z"] {
            assert!(EventName::parse(bad).is_err(), "{bad}");
        }
    }
}
