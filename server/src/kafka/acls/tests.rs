use super::*;

#[path = "../../../tests/common/acl_fixtures.rs"]
mod acl_fixtures;
use acl_fixtures::{acl, portal_acls};

fn refusal(acl: &Acl) -> String {
    match validate(acl) {
        Err(KafkaError::Client(message)) => message,
        other => panic!("expected a refusal of {acl:?}, got {other:?}"),
    }
}

#[test]
fn accepts_the_bindings_the_portal_makes() {
    for acl in portal_acls() {
        assert_eq!(validate(&acl), Ok(()), "{acl:?}");
    }
    let mut deny = acl("topic", "orders.", "prefixed", "ALL");
    deny.permission = "DENY".into();
    deny.host = "10.0.0.1".into();
    assert_eq!(validate(&deny), Ok(()));
}

#[test]
fn refuses_bad_fields_with_plain_words() {
    let good = acl("topic", "orders", "literal", "READ");
    let cases: Vec<(Acl, &str)> = vec![
        (
            Acl { resource_type: "Topic".into(), ..good.clone() },
            "unknown ACL resource type `Topic` (expected one of topic, group, cluster, transactional_id)",
        ),
        (
            Acl { resource_type: "broker".into(), ..good.clone() },
            "unknown ACL resource type `broker`",
        ),
        (
            Acl { pattern_type: "match".into(), ..good.clone() },
            "unknown ACL pattern type `match` (expected one of literal, prefixed)",
        ),
        (
            Acl { operation: "REED".into(), ..good.clone() },
            "unknown ACL operation `REED`",
        ),
        (
            Acl { operation: "read".into(), ..good.clone() },
            "unknown ACL operation `read`",
        ),
        (
            Acl { operation: "ANY".into(), ..good.clone() },
            "unknown ACL operation `ANY`",
        ),
        (
            Acl { permission: "PERMIT".into(), ..good.clone() },
            "unknown ACL permission `PERMIT` (expected one of ALLOW, DENY)",
        ),
        (
            Acl { resource_name: String::new(), ..good.clone() },
            "the ACL resource name is empty",
        ),
        (
            Acl { host: String::new(), ..good.clone() },
            "the ACL host is empty",
        ),
        (
            Acl { principal: "svc-orders".into(), ..good.clone() },
            "the ACL principal `svc-orders` is not of the form `Type:name`",
        ),
        (
            Acl { principal: "User:".into(), ..good.clone() },
            "is not of the form `Type:name`",
        ),
        (
            Acl { resource_name: "orders\0x".into(), ..good.clone() },
            "the ACL resource name contains a NUL byte",
        ),
        (
            Acl { principal: "User:a\0b".into(), ..good.clone() },
            "the ACL principal contains a NUL byte",
        ),
        (
            Acl { host: "*\0".into(), ..good.clone() },
            "the ACL host contains a NUL byte",
        ),
        (
            Acl { operation: "READ\0".into(), ..good.clone() },
            "unknown ACL operation `READ\\0`",
        ),
        (
            acl("cluster", "my-cluster", "literal", "IDEMPOTENT_WRITE"),
            "the cluster resource of an ACL must be named `kafka-cluster`, not `my-cluster`",
        ),
        (
            Acl { resource_name: "x".repeat(40_000), ..good.clone() },
            "the ACL resource name is 40000 bytes long (at most 32767)",
        ),
    ];
    for (bad, expected) in cases {
        let message = refusal(&bad);
        assert!(
            message.contains(expected),
            "{bad:?}: `{message}` lacks `{expected}`"
        );
    }
    let long = refusal(&Acl {
        operation: "X".repeat(1000),
        ..good
    });
    assert!(long.len() < 400, "long values are cut: {long}");
}

#[test]
fn every_operation_name_round_trips() {
    for (name, value) in OPERATIONS {
        let spec = to_spec(&acl("topic", "t", "literal", name)).expect(name);
        assert_eq!(spec.operation, value);
        assert_eq!(name_of(&OPERATIONS, spec.operation), Some(name));
    }
    for (name, value) in RESOURCE_TYPES {
        let resource = if name == "cluster" { CLUSTER_NAME } else { "x" };
        let spec = to_spec(&acl(name, resource, "literal", "ALL")).expect(name);
        assert_eq!(spec.restype, value);
        assert_eq!(name_of(&RESOURCE_TYPES, value), Some(name));
    }
    for (name, value) in PATTERN_TYPES {
        assert_eq!(
            to_spec(&acl("topic", "t", name, "ALL"))
                .expect(name)
                .pattern,
            value
        );
    }
    for (name, value) in PERMISSIONS {
        let spec = to_spec(&Acl {
            permission: name.into(),
            ..acl("topic", "t", "literal", "ALL")
        });
        assert_eq!(spec.expect(name).permission, value);
    }
}

/// The Applied path's conversion: each binding is made in librdkafka
/// (rd_kafka_AclBinding_new), read back through the accessors the
/// Describe/Delete results use, and turned into the same `Acl`.
#[test]
fn bindings_round_trip_through_librdkafka() {
    let mut all = portal_acls();
    for (name, _) in OPERATIONS {
        all.push(acl("topic", "t", "prefixed", name));
    }
    all.push(Acl {
        permission: "DENY".into(),
        principal: "Group:ops".into(),
        ..acl("transactional_id", "tx-ü", "literal", "WRITE")
    });
    for original in all {
        let spec = to_spec(&original).expect("valid");
        for filter in [false, true] {
            let binding = ffi::round_trip(&spec, filter).expect("librdkafka accepts it");
            assert_eq!(acl_of(&binding), original, "filter: {filter}");
        }
    }
}

#[test]
fn librdkafka_refusals_are_errors_not_panics() {
    // A binding may not use the filter-only ANY values.
    let mut spec = to_spec(&acl("topic", "t", "literal", "READ")).expect("valid");
    spec.operation = Operation::RD_KAFKA_ACL_OPERATION_ANY;
    let err = ffi::round_trip(&spec, false).expect_err("ANY is a filter value");
    assert!(err.contains("Invalid operation"), "{err}");
    // A describe filter with NULL strings is fine.
    let filter = ffi::Spec {
        restype: ResourceType::RD_KAFKA_RESOURCE_ANY,
        name: None,
        pattern: Pattern::RD_KAFKA_RESOURCE_PATTERN_ANY,
        principal: None,
        host: None,
        operation: Operation::RD_KAFKA_ACL_OPERATION_ANY,
        permission: Permission::RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
    };
    let binding = ffi::round_trip(&filter, true).expect("filter");
    let read = acl_of(&binding);
    assert_eq!(read.resource_type, "unknown");
    assert_eq!(read.operation, "UNKNOWN");
    assert_eq!(read.resource_name, "");
    assert_eq!(validate(&read).map_err(|e| e.to_string()), Err(
        "Kafka client error: unknown ACL resource type `unknown` (expected one of topic, group, cluster, transactional_id)".into()
    ));
}

#[test]
fn per_binding_errors_fold() {
    let disabled = || ffi::BrokerError {
        code: ErrorCode::RD_KAFKA_RESP_ERR_SECURITY_DISABLED,
        message: "No Authorizer is configured.".into(),
    };
    assert_eq!(fold_errors(vec![("a".into(), None)], "create"), Ok(false));
    assert_eq!(
        fold_errors(
            vec![
                ("a".into(), Some(disabled())),
                ("b".into(), Some(disabled()))
            ],
            "create"
        ),
        Ok(true)
    );
    let refused = ffi::BrokerError {
        code: ErrorCode::RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
        message: "Cluster authorization failed.".into(),
    };
    assert_eq!(
        fold_errors(
            vec![
                ("a".into(), Some(disabled())),
                ("ALLOW User:x READ".into(), Some(refused))
            ],
            "create"
        ),
        Err(KafkaError::Client(
            "the broker did not create ACL ALLOW User:x READ: Cluster authorization failed.".into()
        ))
    );
}

#[tokio::test]
async fn invalid_bindings_are_refused_before_any_network_call() {
    // Nothing listens on port 1; a network call would end as Unreachable.
    let conn = Connection::plaintext("127.0.0.1:1");
    let bad = vec![
        acl("topic", "t", "literal", "READ"),
        acl("topic", "t", "literal", "REED"),
    ];
    let err = create_acls(&conn, &bad, Duration::from_secs(5))
        .await
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "Kafka client error: unknown ACL operation `REED` (expected one of ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE) (in ACL ALLOW User:svc-orders REED on topic `t` (literal, host *))"
    );
    let err = delete_acls(&conn, &bad, Duration::from_secs(5))
        .await
        .expect_err("refused");
    assert!(matches!(err, KafkaError::Client(_)), "{err:?}");
    let err = describe_acls(&conn, Some("nobody"), Duration::from_secs(5))
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("not of the form `Type:name`"),
        "{err}"
    );
    assert_eq!(
        create_acls(&conn, &[], Duration::from_secs(5)).await,
        Ok(AclOutcome::Applied(()))
    );
    assert_eq!(
        delete_acls(&conn, &[], Duration::from_secs(5)).await,
        Ok(AclOutcome::Applied(0))
    );
}
