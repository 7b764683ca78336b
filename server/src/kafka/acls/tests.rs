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
    deny.permission = AclPermission::Deny;
    deny.host = "10.0.0.1".into();
    assert_eq!(validate(&deny), Ok(()));
}

#[test]
fn refuses_bad_fields_with_plain_words() {
    let good = acl("topic", "orders", "literal", "READ");
    let cases: Vec<(Acl, &str)> = vec![
        (
            Acl {
                resource_name: String::new(),
                ..good.clone()
            },
            "the ACL resource name is empty",
        ),
        (
            Acl {
                host: String::new(),
                ..good.clone()
            },
            "the ACL host is empty",
        ),
        (
            Acl {
                principal: "svc-orders".into(),
                ..good.clone()
            },
            "the ACL principal `svc-orders` is not of the form `Type:name`",
        ),
        (
            Acl {
                principal: "User:".into(),
                ..good.clone()
            },
            "is not of the form `Type:name`",
        ),
        (
            Acl {
                resource_name: "orders\0x".into(),
                ..good.clone()
            },
            "the ACL resource name contains a NUL byte",
        ),
        (
            Acl {
                principal: "User:a\0b".into(),
                ..good.clone()
            },
            "the ACL principal contains a NUL byte",
        ),
        (
            Acl {
                host: "*\0".into(),
                ..good.clone()
            },
            "the ACL host contains a NUL byte",
        ),
        (
            acl("cluster", "my-cluster", "literal", "IDEMPOTENT_WRITE"),
            "the cluster resource of an ACL must be named `kafka-cluster`, not `my-cluster`",
        ),
        (
            Acl {
                resource_name: "x".repeat(40_000),
                ..good.clone()
            },
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
        principal: "X".repeat(1000),
        ..good
    });
    assert!(long.len() < 400, "long values are cut: {long}");
}

#[test]
fn unknown_words_are_refused_with_plain_words() {
    let cases: [(Result<(), String>, &str); 8] = [
        (
            "Topic".parse::<AclResource>().map(drop),
            "unknown ACL resource type `Topic` (expected one of topic, group, cluster, transactional_id)",
        ),
        ("broker".parse::<AclResource>().map(drop), "unknown ACL resource type `broker`"),
        (
            "match".parse::<AclPattern>().map(drop),
            "unknown ACL pattern type `match` (expected one of literal, prefixed)",
        ),
        ("REED".parse::<AclOperation>().map(drop), "unknown ACL operation `REED`"),
        ("read".parse::<AclOperation>().map(drop), "unknown ACL operation `read`"),
        ("ANY".parse::<AclOperation>().map(drop), "unknown ACL operation `ANY`"),
        ("READ\0".parse::<AclOperation>().map(drop), "unknown ACL operation `READ\\0`"),
        (
            "PERMIT".parse::<AclPermission>().map(drop),
            "unknown ACL permission `PERMIT` (expected one of ALLOW, DENY)",
        ),
    ];
    for (parsed, expected) in cases {
        let message = parsed.expect_err(expected);
        assert!(message.contains(expected), "`{message}` lacks `{expected}`");
    }
    let long = "X"
        .repeat(1000)
        .parse::<AclOperation>()
        .expect_err("refused");
    assert!(long.len() < 400, "long values are cut: {long}");
    // A stored binding with a word the portal does not know is refused whole.
    let stored = r#"{"resource_type":"topic","resource_name":"t","pattern_type":"literal",
        "principal":"User:a","host":"*","operation":"REED","permission":"ALLOW"}"#;
    let err = serde_json::from_str::<Acl>(stored).expect_err("unknown operation");
    assert!(err.to_string().contains("unknown variant `REED`"), "{err}");
}

#[test]
fn every_word_round_trips_through_text_json_and_c() {
    for op in AclOperation::ALL {
        assert_eq!(op.as_str().parse::<AclOperation>(), Ok(*op));
        assert_eq!(serde_json::to_value(op).expect("json"), op.as_str());
        assert_eq!(AclOperation::from_c(op.to_c()), Some(*op));
        let spec = to_spec(&acl("topic", "t", "literal", op.as_str())).expect("valid");
        assert_eq!(spec.operation, op.to_c());
    }
    for r in AclResource::ALL {
        assert_eq!(r.as_str().parse::<AclResource>(), Ok(*r));
        assert_eq!(AclResource::from_c(r.to_c()), Some(*r));
    }
    assert_eq!(
        AclResource::Cluster.to_c(),
        ResourceType::RD_KAFKA_RESOURCE_BROKER,
        "librdkafka's name for Kafka's cluster resource"
    );
    for p in AclPattern::ALL {
        assert_eq!(p.as_str().parse::<AclPattern>(), Ok(*p));
        assert_eq!(AclPattern::from_c(p.to_c()), Some(*p));
    }
    for p in AclPermission::ALL {
        assert_eq!(p.as_str().parse::<AclPermission>(), Ok(*p));
        assert_eq!(AclPermission::from_c(p.to_c()), Some(*p));
    }
    assert_eq!(
        AclOperation::from_c(Operation::RD_KAFKA_ACL_OPERATION_ANY),
        None
    );
}

/// The Applied path's conversion: each binding is made in librdkafka
/// (rd_kafka_AclBinding_new), read back through the accessors the
/// Describe/Delete results use, and turned into the same `Acl`.
#[test]
fn bindings_round_trip_through_librdkafka() {
    let mut all = portal_acls();
    for op in AclOperation::ALL {
        all.push(acl("topic", "t", "prefixed", op.as_str()));
    }
    all.push(Acl {
        permission: AclPermission::Deny,
        principal: "Group:ops".into(),
        ..acl("transactional_id", "tx-ü", "literal", "WRITE")
    });
    for original in all {
        let spec = to_spec(&original).expect("valid");
        for filter in [false, true] {
            let binding = ffi::round_trip(&spec, filter).expect("librdkafka accepts it");
            assert_eq!(acl_of(&binding), Ok(original.clone()), "filter: {filter}");
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
    // Filter-only values have no word: such a binding is not one of ours.
    let read = acl_of(&binding).expect_err("ANY is no binding's value");
    assert!(read.starts_with("unknown ACL resource type"), "{read}");
    assert!(
        described_raw(&binding).contains("ANY"),
        "{}",
        described_raw(&binding)
    );
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
        Acl {
            principal: "svc".into(),
            ..acl("topic", "t", "literal", "WRITE")
        },
    ];
    let err = create_acls(&conn, &bad, Duration::from_secs(5))
        .await
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        "Kafka client error: the ACL principal `svc` is not of the form `Type:name` (e.g. `User:svc-orders`) (in ACL ALLOW svc WRITE on topic `t` (literal, host *))"
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
