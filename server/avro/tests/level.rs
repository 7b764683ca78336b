//! `check` per Confluent level: which directions run, against which earlier
//! versions, and how violations are labelled.

use switchboard_avro::{check, parse, Direction, Level, ParsedSchema};

const ALL: [Level; 7] = [
    Level::None,
    Level::Backward,
    Level::BackwardTransitive,
    Level::Forward,
    Level::ForwardTransitive,
    Level::Full,
    Level::FullTransitive,
];

/// A record `R` with an int field `a` plus the given extra fields (JSON).
fn record(extra: &str) -> ParsedSchema {
    let text =
        format!(r#"{{"type":"record","name":"R","fields":[{{"name":"a","type":"int"}}{extra}]}}"#);
    parse(&text, &[]).expect("test schema parses")
}

fn a_only() -> ParsedSchema {
    record("")
}
fn b_with_default() -> ParsedSchema {
    record(r#",{"name":"b","type":"string","default":"x"}"#)
}
fn b_required() -> ParsedSchema {
    record(r#",{"name":"b","type":"string"}"#)
}

/// The levels under which `candidate` passes against `previous`.
fn passing(candidate: &ParsedSchema, previous: &[ParsedSchema]) -> Vec<Level> {
    ALL.into_iter()
        .filter(|&level| check(level, candidate, previous).is_empty())
        .collect()
}

#[test]
fn empty_history_always_passes() {
    assert_eq!(passing(&b_required(), &[]), ALL.to_vec());
}

#[test]
fn adding_a_field_with_a_default_is_fully_compatible() {
    assert_eq!(passing(&b_with_default(), &[a_only()]), ALL.to_vec());
}

#[test]
fn adding_a_required_field_breaks_backward_only() {
    // The new reader lacks a value for b in old data; old readers ignore b.
    let violations = check(Level::Backward, &b_required(), &[a_only()]);
    assert_eq!(violations.len(), 1);
    let v = &violations[0];
    assert_eq!(v.previous_index, 0);
    assert_eq!(v.direction, Direction::Backward);
    assert_eq!(v.incompatibility.kind, "READER_FIELD_MISSING_DEFAULT_VALUE");
    assert_eq!(v.incompatibility.path, "/fields/1");
    assert_eq!(
        passing(&b_required(), &[a_only()]),
        vec![Level::None, Level::Forward, Level::ForwardTransitive]
    );
}

#[test]
fn removing_a_required_field_breaks_forward_only() {
    // Old readers need b, which new data lacks and they have no default for.
    let violations = check(Level::Forward, &a_only(), &[b_required()]);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].direction, Direction::Forward);
    assert_eq!(
        violations[0].incompatibility.kind,
        "READER_FIELD_MISSING_DEFAULT_VALUE"
    );
    assert_eq!(
        passing(&a_only(), &[b_required()]),
        vec![Level::None, Level::Backward, Level::BackwardTransitive]
    );
}

#[test]
fn full_reports_both_directions() {
    // int → string field change: neither side reads the other.
    let old = a_only();
    let new = parse(
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}"#,
        &[],
    )
    .unwrap();
    let directions: Vec<Direction> = check(Level::Full, &new, &[old])
        .into_iter()
        .map(|v| v.direction)
        .collect();
    assert_eq!(directions, vec![Direction::Backward, Direction::Forward]);
}

#[test]
fn backward_transitive_checks_every_earlier_version() {
    // v3 (b required) reads v2 data (b present) but not v1 data (no b).
    let history = [a_only(), b_with_default()];
    let candidate = b_required();
    assert!(check(Level::Backward, &candidate, &history).is_empty());
    assert!(check(Level::Full, &candidate, &history).is_empty());
    for level in [Level::BackwardTransitive, Level::FullTransitive] {
        let violations = check(level, &candidate, &history);
        assert_eq!(violations.len(), 1, "{level:?}");
        assert_eq!(violations[0].previous_index, 0);
        assert_eq!(violations[0].direction, Direction::Backward);
    }
}

#[test]
fn forward_transitive_checks_every_earlier_version() {
    // v2 (b defaulted) reads v3 data (no b); v1 (b required) does not.
    let history = [b_required(), b_with_default()];
    let candidate = a_only();
    assert!(check(Level::Forward, &candidate, &history).is_empty());
    assert!(check(Level::Full, &candidate, &history).is_empty());
    for level in [Level::ForwardTransitive, Level::FullTransitive] {
        let violations = check(level, &candidate, &history);
        assert_eq!(violations.len(), 1, "{level:?}");
        assert_eq!(violations[0].previous_index, 0);
        assert_eq!(violations[0].direction, Direction::Forward);
    }
}

#[test]
fn non_transitive_levels_check_only_the_latest() {
    // Incompatible with the oldest version, compatible with the latest.
    let history = [
        parse(r#""string""#, &[]).unwrap(),
        parse(r#""int""#, &[]).unwrap(),
    ];
    let candidate = parse(r#""int""#, &[]).unwrap();
    for level in [Level::Backward, Level::Forward, Level::Full] {
        assert!(check(level, &candidate, &history).is_empty(), "{level:?}");
    }
    for level in [
        Level::BackwardTransitive,
        Level::ForwardTransitive,
        Level::FullTransitive,
    ] {
        let violations = check(level, &candidate, &history);
        assert!(!violations.is_empty(), "{level:?}");
        assert!(
            violations.iter().all(|v| v.previous_index == 0),
            "{level:?}"
        );
    }
}

#[test]
fn violations_come_oldest_first() {
    let history = [
        parse(r#""string""#, &[]).unwrap(),
        parse(r#""boolean""#, &[]).unwrap(),
    ];
    let candidate = parse(r#""int""#, &[]).unwrap();
    let order: Vec<(usize, Direction)> = check(Level::FullTransitive, &candidate, &history)
        .into_iter()
        .map(|v| (v.previous_index, v.direction))
        .collect();
    assert_eq!(
        order,
        vec![
            (0, Direction::Backward),
            (0, Direction::Forward),
            (1, Direction::Backward),
            (1, Direction::Forward),
        ]
    );
}

#[test]
fn none_never_fails() {
    let history = [parse(r#""string""#, &[]).unwrap()];
    let candidate = parse(r#""int""#, &[]).unwrap();
    assert!(check(Level::None, &candidate, &history).is_empty());
    assert!(!check(Level::Backward, &candidate, &history).is_empty());
}
