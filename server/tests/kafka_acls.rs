//! ACL admin calls (src/kafka/acls.rs) against a real local broker.
//!
//! The broker here is `nisshi` (tests/common), which has no authorizer. No
//! broker with an authorizer can run in this environment, so the `Applied`
//! path (bindings created, described and deleted) is exercised only by the
//! conversion tests in src/kafka/acls.rs, which make each binding in
//! librdkafka and read it back through the same accessors the results use.

mod common;

use std::time::{Duration, Instant};

use switchboard::kafka::acls::{
    create_acls, delete_acls, describe_acls, validate, Acl, AclOutcome,
};
use switchboard::kafka::{Connection, KafkaError};

#[path = "common/acl_fixtures.rs"]
mod acl_fixtures;
use acl_fixtures::{acl, portal_acls};

/// What nisshi 0.8.1 answered: SECURITY_DISABLED ("No Authorizer is
/// configured.") for every binding of CreateAcls and every filter of
/// DeleteAcls, hence NoAuthorizer. For DescribeAcls it answers a top-level
/// SECURITY_DISABLED, which librdkafka 2.12 reads and drops
/// (`rd_kafka_DescribeAclsResponse_parse`), so the call looks like one that
/// found no bindings: Applied(empty).
#[tokio::test]
async fn broker_without_authorizer_answers_no_authorizer() {
    let broker = common::Broker::start();
    let conn = Connection::plaintext(broker.bootstrap());
    let timeout = Duration::from_secs(10);
    let acls = portal_acls();
    for acl in &acls {
        validate(acl).expect("the portal's bindings are valid");
    }

    let created = create_acls(&conn, &acls, timeout).await;
    assert_eq!(created, Ok(AclOutcome::NoAuthorizer), "create");

    let one = create_acls(&conn, &acls[..1], timeout).await;
    assert_eq!(one, Ok(AclOutcome::NoAuthorizer), "create one");

    let deleted = delete_acls(&conn, &acls, timeout).await;
    assert_eq!(deleted, Ok(AclOutcome::NoAuthorizer), "delete");

    for principal in [Some("User:svc-orders"), None] {
        let described = describe_acls(&conn, principal, timeout).await;
        assert_eq!(
            described,
            Ok(AclOutcome::Applied(vec![])),
            "describe {principal:?}"
        );
    }
    broker.stop();
}

#[tokio::test]
async fn an_unreachable_cluster_is_an_error_within_seconds() {
    let port = common::free_port();
    let conn = Connection::plaintext(format!("127.0.0.1:{port}"));
    let timeout = Duration::from_secs(1);
    let acls = portal_acls();

    let started = Instant::now();
    let created = create_acls(&conn, &acls, timeout).await;
    let elapsed = started.elapsed();
    assert!(
        matches!(created, Err(KafkaError::Unreachable { .. })),
        "{created:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");

    let started = Instant::now();
    let deleted = delete_acls(&conn, &acls, timeout).await;
    assert!(
        matches!(deleted, Err(KafkaError::Unreachable { .. })),
        "{deleted:?}"
    );
    let described = describe_acls(&conn, None, timeout).await;
    assert!(
        matches!(described, Err(KafkaError::Unreachable { .. })),
        "{described:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let message = described.expect_err("unreachable").to_string();
    eprintln!("describe on an unreachable cluster: {message}");
    assert!(
        message.starts_with(&format!(
            "no broker answered at 127.0.0.1:{port} within 1000 ms"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn an_invalid_binding_is_refused_before_any_network_call() {
    // A live broker would answer NoAuthorizer; the refusal must come first.
    let broker = common::Broker::start();
    let conn = Connection::plaintext(broker.bootstrap());
    let mut acls = portal_acls();
    acls.push(acl("cluster", "orders", "literal", "ALTER"));

    let started = Instant::now();
    let created = create_acls(&conn, &acls, Duration::from_secs(10)).await;
    let err = created.expect_err("refused");
    assert!(matches!(err, KafkaError::Client(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("the cluster resource of an ACL must be named `kafka-cluster`"),
        "{err}"
    );
    let deleted = delete_acls(&conn, &acls, Duration::from_secs(10)).await;
    assert!(deleted
        .expect_err("refused")
        .to_string()
        .contains("must be named `kafka-cluster`"));
    let nul = Acl {
        resource_name: "orders\0".into(),
        ..portal_acls().remove(0)
    };
    let err = create_acls(&conn, &[nul], Duration::from_secs(10))
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("contains a NUL byte"), "{err}");
    // No client was made: the answers are immediate.
    assert!(started.elapsed() < Duration::from_millis(500));
    broker.stop();
}
