//! One ACL binding as the portal stores and sends it: the resource, pattern,
//! operation and permission are enums, each with its word in Kafka's own
//! spelling (what grants store as JSON) and its librdkafka value.

use rdkafka_sys::bindings::{
    rd_kafka_AclOperation_t as COperation, rd_kafka_AclPermissionType_t as CPermission,
    rd_kafka_ResourcePatternType_t as CPattern, rd_kafka_ResourceType_t as CResource,
};
use serde::{Deserialize, Serialize};

/// An enum of Kafka words: each variant's word and C value, `ALL`, parsing
/// with an error in plain words, and serde as the word.
macro_rules! kafka_words {
    ($(#[$m:meta])* $name:ident ($what:literal, $c:ty) {
        $($variant:ident = $word:literal => $cvalue:ident,)*
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $word)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)*
                }
            }

            pub(super) fn to_c(self) -> $c {
                match self {
                    $($name::$variant => <$c>::$cvalue,)*
                }
            }

            /// `None` for a value librdkafka knows and the portal does not
            /// (or a filter-only one such as ANY).
            pub(super) fn from_c(value: $c) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.to_c() == value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(word: &str) -> Result<$name, String> {
                Self::ALL.iter().copied().find(|v| v.as_str() == word).ok_or_else(|| {
                    let words: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!(
                        "unknown ACL {} `{}` (expected one of {})",
                        $what,
                        super::shown(word),
                        words.join(", ")
                    )
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

kafka_words! {
    /// What a binding is about.
    AclResource ("resource type", CResource) {
        Topic = "topic" => RD_KAFKA_RESOURCE_TOPIC,
        Group = "group" => RD_KAFKA_RESOURCE_GROUP,
        // librdkafka calls Kafka's CLUSTER resource type (4) "BROKER".
        Cluster = "cluster" => RD_KAFKA_RESOURCE_BROKER,
        TransactionalId = "transactional_id" => RD_KAFKA_RESOURCE_TRANSACTIONAL_ID,
    }
}

kafka_words! {
    /// Whether the resource name is the name or a prefix of names.
    AclPattern ("pattern type", CPattern) {
        Literal = "literal" => RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        Prefixed = "prefixed" => RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
    }
}

kafka_words! {
    /// Kafka's AclOperation, in its upper-case names.
    AclOperation ("operation", COperation) {
        All = "ALL" => RD_KAFKA_ACL_OPERATION_ALL,
        Read = "READ" => RD_KAFKA_ACL_OPERATION_READ,
        Write = "WRITE" => RD_KAFKA_ACL_OPERATION_WRITE,
        Create = "CREATE" => RD_KAFKA_ACL_OPERATION_CREATE,
        Delete = "DELETE" => RD_KAFKA_ACL_OPERATION_DELETE,
        Alter = "ALTER" => RD_KAFKA_ACL_OPERATION_ALTER,
        Describe = "DESCRIBE" => RD_KAFKA_ACL_OPERATION_DESCRIBE,
        ClusterAction = "CLUSTER_ACTION" => RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION,
        DescribeConfigs = "DESCRIBE_CONFIGS" => RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS,
        AlterConfigs = "ALTER_CONFIGS" => RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS,
        IdempotentWrite = "IDEMPOTENT_WRITE" => RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE,
    }
}

kafka_words! {
    AclPermission ("permission", CPermission) {
        Allow = "ALLOW" => RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW,
        Deny = "DENY" => RD_KAFKA_ACL_PERMISSION_TYPE_DENY,
    }
}

/// One ACL binding, in Kafka's own words.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Acl {
    pub resource_type: AclResource,
    /// "kafka-cluster" for the cluster resource.
    pub resource_name: String,
    pub pattern_type: AclPattern,
    /// "User:svc-orders".
    pub principal: String,
    /// "*" for any host.
    pub host: String,
    pub operation: AclOperation,
    pub permission: AclPermission,
}

impl Acl {
    /// An ALLOW binding from any host (what grants hold).
    pub fn allow(
        resource_type: AclResource,
        resource_name: &str,
        prefixed: bool,
        principal: &str,
        operation: AclOperation,
    ) -> Self {
        Acl {
            resource_type,
            resource_name: resource_name.into(),
            pattern_type: if prefixed {
                AclPattern::Prefixed
            } else {
                AclPattern::Literal
            },
            principal: principal.into(),
            host: "*".into(),
            operation,
            permission: AclPermission::Allow,
        }
    }

    /// `READ topic:orders.v1`, `READ group-prefix:insights-`.
    pub fn label(&self) -> String {
        let prefix = match self.pattern_type {
            AclPattern::Prefixed => "-prefix",
            AclPattern::Literal => "",
        };
        format!(
            "{} {}{prefix}:{}",
            self.operation, self.resource_type, self.resource_name
        )
    }
}
