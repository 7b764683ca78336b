//! `parse`: each kind of invalid input is refused with a useful message;
//! references resolve; the canonical form is the specification's.

use switchboard_avro::{can_read, parse, SchemaError};

fn refused(text: &str) -> String {
    refused_with(text, &[])
}

fn refused_with(text: &str, references: &[&str]) -> String {
    match parse(text, references) {
        Ok(parsed) => panic!("accepted {text}: {}", parsed.canonical),
        Err(SchemaError(message)) => message,
    }
}

fn canonical(text: &str) -> String {
    parse(text, &[])
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .canonical
}

/// A record R with one field `f` of `type_` and default `default` (JSON).
fn field_with_default(type_: &str, default: &str) -> String {
    format!(
        r#"{{"type":"record","name":"R","fields":[{{"name":"f","type":{type_},"default":{default}}}]}}"#
    )
}

// --- invalid input ----------------------------------------------------------

#[test]
fn malformed_json_is_refused_with_its_position() {
    let message = refused(r#"{"type":"record","name":"R","fields":[}"#);
    assert!(message.starts_with("Invalid JSON"), "{message}");
    assert!(message.contains("column"), "{message}");
}

#[test]
fn bad_names_are_refused() {
    for (text, word) in [
        (r#"{"type":"record","name":"1R","fields":[]}"#, "1R"),
        (
            r#"{"type":"record","name":"R","namespace":"a..b","fields":[]}"#,
            "a..b",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"a-b","type":"int"}]}"#,
            "a-b",
        ),
        (r#"{"type":"enum","name":"E","symbols":["1A"]}"#, "1A"),
        (r#"{"type":"fixed","name":"my fixed","size":4}"#, "my fixed"),
    ] {
        let message = refused(text);
        assert!(message.contains(word), "{text}: {message}");
    }
}

#[test]
fn unknown_types_are_refused() {
    let message = refused(r#"{"type":"record","name":"R","fields":[{"name":"a","type":"strin"}]}"#);
    assert!(message.contains("strin"), "{message}");
    assert!(refused(r#"{"type":"tuple"}"#).contains("tuple"));
}

#[test]
fn a_type_used_before_or_without_its_definition_is_refused() {
    let message =
        refused(r#"{"type":"record","name":"R","fields":[{"name":"a","type":"Address"}]}"#);
    assert!(message.contains("Address"), "{message}");
}

#[test]
fn duplicates_are_refused() {
    assert!(refused(
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]}"#
    )
    .contains("Duplicate field name a"));
    assert!(refused(r#"{"type":"enum","name":"E","symbols":["A","A"]}"#).contains("A"));
    assert!(refused(r#"["int","int"]"#).contains("duplicate"));
    assert!(refused(r#"["int",["long"]]"#).contains("union"));
}

#[test]
fn a_named_type_defined_twice_is_refused() {
    // apache-avro would let the enum silently replace the record R.
    let message = refused(
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"enum","name":"R","symbols":["A"]}}]}"#,
    );
    assert_eq!(message, "Can't redefine: R");
    let message = refused(
        r#"{"type":"record","name":"R","fields":[
            {"name":"a","type":{"type":"enum","name":"E","symbols":["A"]}},
            {"name":"b","type":{"type":"enum","name":"E","symbols":["B"]}}]}"#,
    );
    assert_eq!(message, "Can't redefine: E");
}

#[test]
fn structural_faults_apache_avro_would_drop_are_refused() {
    assert!(
        refused(r#"{"type":"record","name":"R","fields":[1,{"name":"a","type":"int"}]}"#)
            .contains("Not a field")
    );
    assert!(refused(
        r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"up"}]}"#
    )
    .contains("Invalid order"));
}

#[test]
fn defaults_must_match_their_type() {
    for (type_, default) in [
        (r#""int""#, r#""one""#),
        (r#""int""#, "1.5"),
        (r#""int""#, "3000000000"),
        (r#""long""#, "true"),
        (r#""double""#, r#""NaN""#),
        (r#""string""#, "1"),
        (r#""boolean""#, "null"),
        (r#""null""#, "0"),
        (r#""bytes""#, r#""€""#),
        (r#"{"type":"fixed","name":"F","size":2}"#, r#""abc""#),
        (r#"{"type":"enum","name":"E","symbols":["A"]}"#, r#""B""#),
        (r#"{"type":"array","items":"int"}"#, r#"[1,"x"]"#),
        (r#"{"type":"map","values":"int"}"#, r#"{"a":"x"}"#),
        (
            r#"{"type":"record","name":"S","fields":[{"name":"a","type":"int"}]}"#,
            "{}",
        ),
    ] {
        // apache-avro's own check words it "`default`'s value type of field
        // `f`"; ours (for what it lets through) "Invalid default for field f".
        let message = refused(&field_with_default(type_, default));
        assert!(message.contains("default"), "{type_} {default}: {message}");
    }
}

#[test]
fn defaults_apache_avro_accepts_but_the_specification_does_not_are_refused() {
    for (type_, default) in [
        (r#""double""#, r#""NaN""#),
        (r#""bytes""#, r#""€""#),
        (r#"{"type":"fixed","name":"F","size":2}"#, r#""abc""#),
        (r#"["null","string"]"#, r#""x""#),
    ] {
        let message = refused(&field_with_default(type_, default));
        assert!(
            message.starts_with("Invalid default for field f of record R: "),
            "{message}"
        );
    }
}

#[test]
fn a_union_default_must_match_the_first_branch() {
    let message = refused(&field_with_default(r#"["null","string"]"#, r#""x""#));
    assert!(message.contains("first branch"), "{message}");
    assert!(parse(&field_with_default(r#"["null","string"]"#, "null"), &[]).is_ok());
    assert!(parse(&field_with_default(r#"["string","null"]"#, r#""x""#), &[]).is_ok());
    // Also inside other defaults: the array's items are unions.
    let nested = field_with_default(r#"{"type":"array","items":["null","int"]}"#, "[null, 1]");
    assert!(refused(&nested).contains("Invalid default"));
}

#[test]
fn valid_defaults_are_accepted() {
    for (type_, default) in [
        (r#""int""#, "-2147483648"),
        (r#""long""#, "9007199254740993"),
        (r#""float""#, "1"),
        (r#""double""#, "1.5e3"),
        (r#""bytes""#, r#""\u00ff\u0000""#),
        (r#"{"type":"fixed","name":"F","size":2}"#, r#""\u00ffa""#),
        (r#"{"type":"enum","name":"E","symbols":["A"]}"#, r#""A""#),
        (r#"{"type":"map","values":"long"}"#, r#"{"a":1}"#),
        (
            r#"{"type":"record","name":"S","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":2}]}"#,
            r#"{"a":1}"#,
        ),
        (
            r#"{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}"#,
            r#""\u0000""#,
        ),
        (r#"{"type":"long","logicalType":"timestamp-millis"}"#, "0"),
    ] {
        let text = field_with_default(type_, default);
        assert!(
            parse(&text, &[]).is_ok(),
            "{text}: {:?}",
            parse(&text, &[]).err()
        );
    }
}

// --- references -------------------------------------------------------------

const ADDRESS: &str = r#"{"type":"record","name":"Address","namespace":"x","fields":[
    {"name":"street","type":"string"},
    {"name":"country","type":{"type":"enum","name":"Country","symbols":["FR","DE"]}}]}"#;

#[test]
fn referenced_types_resolve_and_are_inlined_once() {
    let text = r#"{"type":"record","name":"Order","namespace":"x","fields":[
        {"name":"ship","type":"Address"},{"name":"bill","type":"x.Address"}]}"#;
    let parsed = parse(text, &[ADDRESS]).expect("parses with its reference");
    assert_eq!(
        parsed.canonical,
        concat!(
            r#"{"name":"x.Order","type":"record","fields":["#,
            r#"{"name":"ship","type":{"name":"x.Address","type":"record","fields":["#,
            r#"{"name":"street","type":"string"},"#,
            r#"{"name":"country","type":{"name":"x.Country","type":"enum","symbols":["FR","DE"]}}]}},"#,
            r#"{"name":"bill","type":"x.Address"}]}"#
        )
    );
}

#[test]
fn a_schema_with_references_equals_the_same_schema_written_inline() {
    let with_reference = parse(
        r#"{"type":"record","name":"Order","namespace":"x","fields":[{"name":"ship","type":"Address"}]}"#,
        &[ADDRESS],
    )
    .unwrap();
    let inline = parse(
        &format!(r#"{{"type":"record","name":"Order","namespace":"x","fields":[{{"name":"ship","type":{ADDRESS}}}]}}"#),
        &[],
    )
    .unwrap();
    assert_eq!(with_reference.canonical, inline.canonical);
    assert!(can_read(&with_reference, &inline).is_empty());
    assert!(can_read(&inline, &with_reference).is_empty());
}

#[test]
fn a_nested_type_of_a_reference_can_be_used_even_first() {
    let text = r#"{"type":"record","name":"M","fields":[
        {"name":"c","type":"x.Country"},{"name":"a","type":"x.Address"}]}"#;
    let parsed = parse(text, &[ADDRESS]).unwrap();
    // Country is defined at its first use and only named inside Address.
    assert!(parsed
        .canonical
        .contains(r#"{"name":"c","type":{"name":"x.Country","type":"enum""#));
    assert!(parsed
        .canonical
        .contains(r#"{"name":"country","type":"x.Country"}"#));
}

#[test]
fn references_may_depend_on_each_other_in_any_order() {
    let country = r#"{"type":"enum","name":"Country","namespace":"x","symbols":["FR"]}"#;
    let address = r#"{"type":"record","name":"Address","namespace":"x","fields":[{"name":"c","type":"Country"}]}"#;
    let text = r#"{"type":"record","name":"M","fields":[{"name":"a","type":"x.Address"}]}"#;
    let in_order = parse(text, &[country, address]).unwrap();
    let reversed = parse(text, &[address, country]).unwrap();
    assert_eq!(in_order.canonical, reversed.canonical);
}

#[test]
fn compatibility_reaches_into_referenced_types() {
    let old_address =
        r#"{"type":"record","name":"Address","fields":[{"name":"zip","type":"string"}]}"#;
    let new_address =
        r#"{"type":"record","name":"Address","fields":[{"name":"zip","type":"int"}]}"#;
    let text = r#"{"type":"record","name":"M","fields":[{"name":"a","type":"Address"}]}"#;
    let reader = parse(text, &[new_address]).unwrap();
    let writer = parse(text, &[old_address]).unwrap();
    let found = can_read(&reader, &writer);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, "/fields/0/type/fields/0/type");
    assert!(found[0].message.contains("a.zip"), "{}", found[0].message);
}

#[test]
fn missing_or_bad_references_are_refused() {
    let text = r#"{"type":"record","name":"M","fields":[{"name":"a","type":"x.Address"}]}"#;
    assert!(refused(text).contains("x.Address"));
    assert!(refused_with(text, &["{"]).starts_with("reference 1: Invalid JSON"));
    assert!(refused_with(text, &[ADDRESS, r#""string""#]).starts_with("reference 2:"));
}

#[test]
fn redefining_a_referenced_type_is_refused() {
    let text = r#"{"type":"record","name":"M","fields":[
        {"name":"c","type":{"type":"enum","name":"Country","namespace":"x","symbols":["US"]}}]}"#;
    assert_eq!(refused_with(text, &[ADDRESS]), "Can't redefine: x.Country");
}

#[test]
fn recursive_schemas_parse() {
    let text = r#"{"type":"record","name":"LinkedList","fields":[
        {"name":"value","type":"long"},{"name":"next","type":["null","LinkedList"],"default":null}]}"#;
    assert_eq!(
        canonical(text),
        r#"{"name":"LinkedList","type":"record","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","LinkedList"]}]}"#
    );
}

// --- canonical form -----------------------------------------------------------

/// Input and canonical form pairs from Apache Avro's
/// share/test/data/schema-tests.txt (the specification's reference cases).
const SPEC_CASES: &[(&str, &str)] = &[
    (r#""null""#, r#""null""#),
    (r#"{"type":"null"}"#, r#""null""#),
    (r#"{"type":"boolean"}"#, r#""boolean""#),
    (r#"{"type":"int"}"#, r#""int""#),
    (r#"{"type":"long"}"#, r#""long""#),
    (r#"{"type":"float"}"#, r#""float""#),
    (r#"{"type":"double"}"#, r#""double""#),
    (r#"{"type":"bytes"}"#, r#""bytes""#),
    (r#"{"type":"string"}"#, r#""string""#),
    ("[  ]", "[]"),
    (r#"[ "int"  ]"#, r#"["int"]"#),
    (r#"[ "int" , {"type":"boolean"} ]"#, r#"["int","boolean"]"#),
    (
        r#"{"fields":[], "type":"record", "name":"foo"}"#,
        r#"{"name":"foo","type":"record","fields":[]}"#,
    ),
    (
        r#"{"fields":[], "type":"record", "name":"foo", "namespace":"x.y"}"#,
        r#"{"name":"x.y.foo","type":"record","fields":[]}"#,
    ),
    (
        r#"{"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"}"#,
        r#"{"name":"a.b.foo","type":"record","fields":[]}"#,
    ),
    (
        r#"{"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]}"#,
        r#"{"name":"foo","type":"record","fields":[]}"#,
    ),
    (
        r#"{"fields":[{"type":{"type":"boolean"}, "name":"f1"}], "type":"record", "name":"foo"}"#,
        r#"{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}"#,
    ),
    (
        r#"{ "fields":[{"type":"boolean", "aliases":[], "name":"f1", "default":true},
            {"order":"descending","name":"f2","doc":"Hello","type":"int"}],
            "type":"record", "name":"foo" }"#,
        r#"{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}"#,
    ),
    (
        r#"{"type":"enum", "name":"foo", "symbols":["A1"]}"#,
        r#"{"name":"foo","type":"enum","symbols":["A1"]}"#,
    ),
    (
        r#"{"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]}"#,
        r#"{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}"#,
    ),
    (
        r#"{"name":"foo","type":"fixed","size":15}"#,
        r#"{"name":"foo","type":"fixed","size":15}"#,
    ),
    (
        r#"{"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32}"#,
        r#"{"name":"x.y.z.foo","type":"fixed","size":32}"#,
    ),
    (
        r#"{ "items":{"type":"null"}, "type":"array"}"#,
        r#"{"type":"array","items":"null"}"#,
    ),
    (
        r#"{ "values":"string", "type":"map"}"#,
        r#"{"type":"map","values":"string"}"#,
    ),
    (
        r#"{"name":"PigValue","type":"record",
           "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]}"#,
        r#"{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}"#,
    ),
];

#[test]
fn canonical_form_matches_the_specification_cases() {
    for (input, expected) in SPEC_CASES {
        assert_eq!(canonical(input), *expected, "input {input}");
    }
}

#[test]
fn canonical_form_qualifies_inner_names_with_the_enclosing_namespace() {
    let text = r#"{"type":"record","name":"Outer","namespace":"a","fields":[
        {"name":"i","type":{"type":"record","name":"Inner","fields":[]}},
        {"name":"j","type":"Inner"},
        {"name":"k","type":{"type":"fixed","name":"b.F","size":1}}]}"#;
    assert_eq!(
        canonical(text),
        concat!(
            r#"{"name":"a.Outer","type":"record","fields":["#,
            r#"{"name":"i","type":{"name":"a.Inner","type":"record","fields":[]}},"#,
            r#"{"name":"j","type":"a.Inner"},"#,
            r#"{"name":"k","type":{"name":"b.F","type":"fixed","size":1}}]}"#
        )
    );
}

#[test]
fn canonical_form_keeps_logical_types() {
    // The documented extension: a schema differing only in a logical type
    // is a different schema.
    let decimal = |p: u32, s: &str| {
        canonical(&format!(
            r#"{{"type":"bytes","logicalType":"decimal","precision":{p}{s}}}"#
        ))
    };
    assert_eq!(
        decimal(10, r#","scale":2"#),
        r#"{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}"#
    );
    assert_ne!(decimal(10, r#","scale":2"#), decimal(12, r#","scale":2"#));
    assert_eq!(decimal(5, ""), decimal(5, r#","scale":0"#));
    assert_eq!(
        canonical(r#"{"type":"long","logicalType":"timestamp-millis","doc":"x"}"#),
        r#"{"type":"long","logicalType":"timestamp-millis"}"#
    );
    assert_eq!(
        canonical(
            r#"{"type":"fixed","name":"M","size":8,"logicalType":"decimal","precision":10,"scale":2}"#
        ),
        r#"{"name":"M","type":"fixed","size":8,"logicalType":"decimal","precision":10,"scale":2}"#
    );
    // Unknown or invalid logical types are ignored, as the specification says.
    assert_eq!(
        canonical(r#"{"type":"int","logicalType":"celsius"}"#),
        r#""int""#
    );
    assert_eq!(
        canonical(r#"{"type":"bytes","logicalType":"decimal","precision":2,"scale":5}"#),
        r#""bytes""#
    );
}

#[test]
fn canonical_form_ignores_formatting_and_documentation() {
    let a = r#"{"type":"record","name":"R","namespace":"n","doc":"one","fields":[{"name":"a","type":"int","doc":"x"}]}"#;
    let b = r#"{ "fields" : [ { "type" : { "type" : "int" }, "name" : "a", "default" : 1 } ],
                "name" : "n.R", "type" : "record", "aliases" : ["S"] }"#;
    assert_eq!(canonical(a), canonical(b));
}
