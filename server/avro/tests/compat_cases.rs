//! Runs every reader/writer case of `cases.json` (shared with
//! `crosscheck.py`, which runs the same table through Python's avro) through
//! `can_read`, and reports all disagreements at once.

use serde_json::Value;
use switchboard_avro::{can_read, parse, Incompatibility};

fn cases() -> Vec<Value> {
    let table: Value =
        serde_json::from_str(include_str!("cases.json")).expect("cases.json is JSON");
    table["cases"].as_array().expect("a cases array").clone()
}

/// Whether `actual` satisfies one expected entry.
fn satisfies(actual: &Incompatibility, expected: &Value) -> bool {
    actual.kind == expected["kind"].as_str().unwrap_or_default()
        && expected["path"].as_str().is_none_or(|p| actual.path == p)
        && expected["message_contains"]
            .as_str()
            .is_none_or(|m| actual.message.contains(m))
}

/// Pairs expected entries with distinct actual ones; `None` when they agree.
fn disagreement(actual: &[Incompatibility], expected: &[Value]) -> Option<String> {
    let mut unused: Vec<&Incompatibility> = actual.iter().collect();
    let mut missing = Vec::new();
    for e in expected {
        match unused.iter().position(|a| satisfies(a, e)) {
            Some(i) => {
                unused.remove(i);
            }
            None => missing.push(e.to_string()),
        }
    }
    if missing.is_empty() && unused.is_empty() {
        return None;
    }
    let extra: Vec<String> = unused.iter().map(|a| a.to_string()).collect();
    Some(format!("missing {missing:?}; unexpected {extra:?}"))
}

#[test]
fn the_table_is_big_enough_and_covers_every_kind() {
    let cases = cases();
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let text = include_str!("cases.json");
    for kind in [
        "NAME_MISMATCH",
        "FIXED_SIZE_MISMATCH",
        "MISSING_ENUM_SYMBOLS",
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        "TYPE_MISMATCH",
        "MISSING_UNION_BRANCH",
    ] {
        assert!(text.contains(kind), "no case expects {kind}");
    }
    for case in &cases {
        if let Some(python) = case.get("python") {
            assert!(
                python["why"].is_string(),
                "{}: a Python difference needs a why",
                case["name"]
            );
        }
    }
}

#[test]
fn every_case_gives_the_expected_incompatibilities() {
    let mut failures = Vec::new();
    for case in cases() {
        let name = case["name"].as_str().unwrap_or("?");
        let schema = |side: &str| {
            parse(&case[side].to_string(), &[])
                .unwrap_or_else(|e| panic!("case {name}: {side} does not parse: {e}"))
        };
        let (reader, writer) = (schema("reader"), schema("writer"));
        let actual = can_read(&reader, &writer);
        let expected = case["expect"].as_array().cloned().unwrap_or_default();
        if let Some(why) = disagreement(&actual, &expected) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_schema_reads_itself() {
    for case in cases() {
        for side in ["reader", "writer"] {
            let schema = parse(&case[side].to_string(), &[]).expect("parses");
            let found = can_read(&schema, &schema);
            assert!(found.is_empty(), "{} ({side}): {found:?}", case["name"]);
        }
    }
}
