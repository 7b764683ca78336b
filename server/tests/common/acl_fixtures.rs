//! ACL bindings shared by the unit tests of src/kafka/acls.rs and by
//! tests/kafka_acls.rs (included by path in both: integration tests cannot
//! see the library's test modules). The including module has `Acl` in scope.

use super::Acl;

pub fn acl(resource_type: &str, name: &str, pattern: &str, operation: &str) -> Acl {
    Acl {
        resource_type: resource_type.into(),
        resource_name: name.into(),
        pattern_type: pattern.into(),
        principal: "User:svc-orders".into(),
        host: "*".into(),
        operation: operation.into(),
        permission: "ALLOW".into(),
    }
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
