//! Confluent compatibility levels: names, parsing, and which reader/writer
//! checks each level runs against which earlier versions.

use std::str::FromStr;

use crate::{can_read, Direction, Level, ParsedSchema, Violation};

/// Every level, in the order Confluent documents them (used for parsing, for
/// the error message listing the valid names, and for pickers in the portal).
pub const ALL: [Level; 7] = [
    Level::None,
    Level::Backward,
    Level::BackwardTransitive,
    Level::Forward,
    Level::ForwardTransitive,
    Level::Full,
    Level::FullTransitive,
];

impl Level {
    /// Confluent's upper-case name, e.g. `BACKWARD_TRANSITIVE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "NONE",
            Level::Backward => "BACKWARD",
            Level::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Level::Forward => "FORWARD",
            Level::ForwardTransitive => "FORWARD_TRANSITIVE",
            Level::Full => "FULL",
            Level::FullTransitive => "FULL_TRANSITIVE",
        }
    }

    fn backward(self) -> bool {
        matches!(
            self,
            Level::Backward | Level::BackwardTransitive | Level::Full | Level::FullTransitive
        )
    }

    fn forward(self) -> bool {
        matches!(
            self,
            Level::Forward | Level::ForwardTransitive | Level::Full | Level::FullTransitive
        )
    }

    fn transitive(self) -> bool {
        matches!(
            self,
            Level::BackwardTransitive | Level::ForwardTransitive | Level::FullTransitive
        )
    }
}

impl FromStr for Level {
    type Err = String;

    /// Accepts the upper-case names in any letter case.
    fn from_str(s: &str) -> Result<Self, String> {
        ALL.into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let valid: Vec<&str> = ALL.iter().map(|l| l.as_str()).collect();
                format!(
                    "unknown compatibility level '{s}'; valid levels are {}",
                    valid.join(", ")
                )
            })
    }
}

/// See [`crate::check`].
pub(crate) fn check(
    level: Level,
    candidate: &ParsedSchema,
    previous: &[ParsedSchema],
) -> Vec<Violation> {
    let first = if level.transitive() {
        0
    } else {
        previous.len().saturating_sub(1)
    };
    let mut violations = Vec::new();
    for (index, old) in previous.iter().enumerate().skip(first) {
        if level.backward() {
            violations.extend(can_read(candidate, old).into_iter().map(|incompatibility| {
                Violation {
                    previous_index: index,
                    direction: Direction::Backward,
                    incompatibility,
                }
            }));
        }
        if level.forward() {
            violations.extend(can_read(old, candidate).into_iter().map(|incompatibility| {
                Violation {
                    previous_index: index,
                    direction: Direction::Forward,
                    incompatibility,
                }
            }));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_any_case() {
        for level in ALL {
            assert_eq!(level.as_str().parse::<Level>(), Ok(level));
            assert_eq!(level.as_str().to_lowercase().parse::<Level>(), Ok(level));
        }
        assert_eq!(
            "Full_Transitive".parse::<Level>(),
            Ok(Level::FullTransitive)
        );
    }

    #[test]
    fn unknown_name_lists_the_valid_ones() {
        let err = "SIDEWAYS".parse::<Level>().unwrap_err();
        assert!(err.contains("SIDEWAYS"), "{err}");
        for level in ALL {
            assert!(err.contains(level.as_str()), "{err}");
        }
    }

    #[test]
    fn default_is_backward() {
        assert_eq!(Level::default(), Level::Backward);
    }

    #[test]
    fn directions_per_level() {
        let table = [
            (Level::None, false, false, false),
            (Level::Backward, true, false, false),
            (Level::BackwardTransitive, true, false, true),
            (Level::Forward, false, true, false),
            (Level::ForwardTransitive, false, true, true),
            (Level::Full, true, true, false),
            (Level::FullTransitive, true, true, true),
        ];
        for (level, backward, forward, transitive) in table {
            assert_eq!(level.backward(), backward, "{level:?}");
            assert_eq!(level.forward(), forward, "{level:?}");
            assert_eq!(level.transitive(), transitive, "{level:?}");
        }
    }
}
