//! ACL bindings shared by the unit tests of src/kafka/acls.rs and by
//! tests/kafka_acls.rs (included by path in both: integration tests cannot
//! see the library's test modules). The including module has `Acl` in scope.

use super::Acl;

/// An ALLOW binding of `User:svc-orders` from any host, in Kafka's words.
pub fn acl(resource_type: &str, name: &str, pattern: &str, operation: &str) -> Acl {
    Acl {
        resource_type: word(resource_type),
        resource_name: name.into(),
        pattern_type: word(pattern),
        principal: "User:svc-orders".into(),
        host: "*".into(),
        operation: word(operation),
        permission: word("ALLOW"),
    }
}

fn word<T: std::str::FromStr<Err = String>>(w: &str) -> T {
    w.parse().unwrap_or_else(|e| panic!("{e}"))
}

/// The kinds of binding the portal makes.
pub fn portal_acls() -> Vec<Acl> {
    vec![
        acl("topic", "orders.created", "literal", "READ"),
        acl("topic", "orders.created", "literal", "DESCRIBE"),
        acl("topic", "orders.created", "literal", "WRITE"),
        acl("group", "svc-orders.", "prefixed", "READ"),
        acl("cluster", "kafka-cluster", "literal", "IDEMPOTENT_WRITE"),
    ]
}
