//! Kafka ACLs through librdkafka's admin API.
//!
//! rust-rdkafka 0.39 does not wrap the ACL calls, so this module calls
//! librdkafka's C functions (`rd_kafka_CreateAcls`, `rd_kafka_DescribeAcls`,
//! `rd_kafka_DeleteAcls`) itself. Its unsafe code lives in the private `ffi`
//! module below and in the guards it shares with other admin calls
//! (`kafka/native.rs`); every C object it makes is owned by a small guard that
//! frees it on drop, on every path. The public functions are safe and never
//! panic on bad input: an ACL that cannot be expressed (NUL bytes, empty
//! fields; the resource, pattern, operation and permission are enums, so
//! unknown names cannot occur) is refused with plain words before any network
//! call.
//!
//! What librdkafka 2.12 does with a broker that has no authorizer:
//! - CreateAcls and DeleteAcls: every binding (or filter) gets the error
//!   SECURITY_DISABLED, which is answered here as [`AclOutcome::NoAuthorizer`].
//! - DescribeAcls: librdkafka reads the response's top-level error code but
//!   drops it (rdkafka_admin.c, `rd_kafka_DescribeAclsResponse_parse`), so
//!   such a broker looks like one with no ACLs: `Applied(vec![])`. A
//!   request-level SECURITY_DISABLED is still mapped to `NoAuthorizer` in case
//!   a later librdkafka passes it on.

use std::ffi::CString;
use std::time::Duration;

use rdkafka_sys::bindings::{
    rd_kafka_AclOperation_t as Operation, rd_kafka_AclPermissionType_t as Permission,
    rd_kafka_ResourcePatternType_t as Pattern, rd_kafka_ResourceType_t as ResourceType,
    rd_kafka_resp_err_t as ErrorCode,
};

use super::native::is_unreachable;
use super::{Connection, KafkaError};

mod binding;

pub use binding::{Acl, AclOperation, AclPattern, AclPermission, AclResource};

/// What the cluster said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AclOutcome<T> {
    /// The broker applied the call.
    Applied(T),
    /// The broker has no authorizer (Kafka answers SECURITY_DISABLED, "No
    /// Authorizer is configured"): ACLs are not enforced there.
    NoAuthorizer,
}

/// Creates these bindings (creating one that exists is not an error in Kafka).
/// An empty slice is applied without contacting the cluster.
pub async fn create_acls(
    conn: &Connection,
    acls: &[Acl],
    timeout: Duration,
) -> Result<AclOutcome<()>, KafkaError> {
    let specs = specs_of(acls)?;
    if specs.is_empty() {
        return Ok(AclOutcome::Applied(()));
    }
    let labels: Vec<String> = acls.iter().map(described).collect();
    let outcome = run(conn, timeout, "creating ACLs", move |client| {
        ffi::create_acls(client, &specs, timeout)
    })
    .await?;
    let AclOutcome::Applied(errors) = outcome else {
        return Ok(AclOutcome::NoAuthorizer);
    };
    let errors = errors
        .into_iter()
        .enumerate()
        .map(|(i, error)| (label_at(&labels, i), error));
    if fold_errors(errors, "create")? {
        return Ok(AclOutcome::NoAuthorizer);
    }
    Ok(AclOutcome::Applied(()))
}

/// Deletes exactly these bindings (each as an exact-match filter); returns how
/// many bindings the broker removed. An empty slice removes nothing and does
/// not contact the cluster.
pub async fn delete_acls(
    conn: &Connection,
    acls: &[Acl],
    timeout: Duration,
) -> Result<AclOutcome<usize>, KafkaError> {
    let specs = specs_of(acls)?;
    if specs.is_empty() {
        return Ok(AclOutcome::Applied(0));
    }
    let labels: Vec<String> = acls.iter().map(described).collect();
    let outcome = run(conn, timeout, "deleting ACLs", move |client| {
        ffi::delete_acls(client, &specs, timeout)
    })
    .await?;
    let AclOutcome::Applied(responses) = outcome else {
        return Ok(AclOutcome::NoAuthorizer);
    };
    let mut removed = 0usize;
    let mut errors = Vec::new();
    for (i, response) in responses.into_iter().enumerate() {
        errors.push((label_at(&labels, i), response.error));
        for (binding, error) in response.matching {
            match error {
                None => removed += 1,
                Some(error) => errors.push((described_raw(&binding), Some(error))),
            }
        }
    }
    if fold_errors(errors, "delete")? {
        return Ok(AclOutcome::NoAuthorizer);
    }
    Ok(AclOutcome::Applied(removed))
}

/// All bindings of `principal` (None: every principal), any resource, sorted.
///
/// Bindings with a resource type, pattern type, operation or permission the
/// portal has no word for (none it made) are left out, with a warning.
pub async fn describe_acls(
    conn: &Connection,
    principal: Option<&str>,
    timeout: Duration,
) -> Result<AclOutcome<Vec<Acl>>, KafkaError> {
    let principal = principal
        .map(|p| check_principal(p).and_then(|()| c_string("principal", p)))
        .transpose()
        .map_err(KafkaError::Client)?;
    let filter = ffi::Spec {
        restype: ResourceType::RD_KAFKA_RESOURCE_ANY,
        name: None,
        pattern: Pattern::RD_KAFKA_RESOURCE_PATTERN_ANY,
        principal,
        host: None,
        operation: Operation::RD_KAFKA_ACL_OPERATION_ANY,
        permission: Permission::RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
    };
    let outcome = run(conn, timeout, "describing ACLs", move |client| {
        ffi::describe_acls(client, &filter, timeout)
    })
    .await?;
    Ok(match outcome {
        AclOutcome::Applied(bindings) => {
            let mut acls: Vec<Acl> = bindings
                .iter()
                .filter_map(|b| {
                    acl_of(b)
                        .map_err(|e| tracing::warn!(binding = %described_raw(b), "{e}"))
                        .ok()
                })
                .collect();
            acls.sort();
            AclOutcome::Applied(acls)
        }
        AclOutcome::NoAuthorizer => AclOutcome::NoAuthorizer,
    })
}

/// Validates and converts to the C enums without talking to a broker; the
/// error names the bad field in plain words (e.g. "unknown ACL operation
/// `REED`").
pub fn validate(acl: &Acl) -> Result<(), KafkaError> {
    to_spec(acl).map(|_| ()).map_err(KafkaError::Client)
}

// ---------------------------------------------------------------------------
// Names <-> C enums

/// The name of the only cluster resource Kafka knows.
const CLUSTER_NAME: &str = "kafka-cluster";

/// Longest string the Kafka protocol carries in these requests (INT16 length).
const MAX_STRING_BYTES: usize = i16::MAX as usize;

/// A value quoted for an error message: escaped, and cut if very long.
fn shown(value: &str) -> String {
    const MAX: usize = 80;
    let escaped: String = value.escape_debug().collect();
    if escaped.chars().count() > MAX {
        let cut: String = escaped.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        escaped
    }
}

fn c_string(field: &str, value: &str) -> Result<CString, String> {
    CString::new(value).map_err(|_| format!("the ACL {field} contains a NUL byte"))
}

/// A non-empty string field without NUL bytes that fits in a request.
fn text(field: &str, value: &str) -> Result<CString, String> {
    if value.is_empty() {
        return Err(format!("the ACL {field} is empty"));
    }
    if value.len() > MAX_STRING_BYTES {
        return Err(format!(
            "the ACL {field} is {} bytes long (at most {MAX_STRING_BYTES})",
            value.len()
        ));
    }
    c_string(field, value)
}

/// Kafka principals are `Type:name`, e.g. `User:svc-orders`.
fn check_principal(principal: &str) -> Result<(), String> {
    match principal.split_once(':') {
        Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok(()),
        _ => Err(format!(
            "the ACL principal `{}` is not of the form `Type:name` (e.g. `User:svc-orders`)",
            shown(principal)
        )),
    }
}

fn to_spec(acl: &Acl) -> Result<ffi::Spec, String> {
    let name = text("resource name", &acl.resource_name)?;
    if acl.resource_type == AclResource::Cluster && acl.resource_name != CLUSTER_NAME {
        return Err(format!(
            "the cluster resource of an ACL must be named `{CLUSTER_NAME}`, not `{}`",
            shown(&acl.resource_name)
        ));
    }
    let principal = text("principal", &acl.principal)?;
    check_principal(&acl.principal)?;
    let host = text("host", &acl.host)?;
    Ok(ffi::Spec {
        restype: acl.resource_type.to_c(),
        name: Some(name),
        pattern: acl.pattern_type.to_c(),
        principal: Some(principal),
        host: Some(host),
        operation: acl.operation.to_c(),
        permission: acl.permission.to_c(),
    })
}

/// Validates every ACL; the error names the bad one.
fn specs_of(acls: &[Acl]) -> Result<Vec<ffi::Spec>, KafkaError> {
    acls.iter()
        .map(|acl| {
            to_spec(acl).map_err(|e| KafkaError::Client(format!("{e} (in ACL {})", described(acl))))
        })
        .collect()
}

/// Back from what librdkafka returned; a value the portal has no word for
/// is an error naming it.
fn acl_of(binding: &ffi::Binding) -> Result<Acl, String> {
    fn known<T>(value: Option<T>, what: &str, raw: impl std::fmt::Debug) -> Result<T, String> {
        value.ok_or_else(|| format!("unknown ACL {what} {raw:?}"))
    }
    Ok(Acl {
        resource_type: known(
            AclResource::from_c(binding.restype),
            "resource type",
            binding.restype,
        )?,
        resource_name: binding.name.clone(),
        pattern_type: known(
            AclPattern::from_c(binding.pattern),
            "pattern type",
            binding.pattern,
        )?,
        principal: binding.principal.clone(),
        host: binding.host.clone(),
        operation: known(
            AclOperation::from_c(binding.operation),
            "operation",
            binding.operation,
        )?,
        permission: known(
            AclPermission::from_c(binding.permission),
            "permission",
            binding.permission,
        )?,
    })
}

/// A binding librdkafka returned, named for a message whatever its values.
fn described_raw(binding: &ffi::Binding) -> String {
    format!(
        "{:?} {} {:?} on {:?} `{}` ({:?}, host {})",
        binding.permission,
        shown(&binding.principal),
        binding.operation,
        binding.restype,
        shown(&binding.name),
        binding.pattern,
        shown(&binding.host)
    )
}

/// How a binding is named in error messages.
fn described(acl: &Acl) -> String {
    format!(
        "{} {} {} on {} `{}` ({}, host {})",
        acl.permission,
        shown(&acl.principal),
        acl.operation,
        acl.resource_type,
        shown(&acl.resource_name),
        acl.pattern_type,
        shown(&acl.host)
    )
}

fn label_at(labels: &[String], i: usize) -> String {
    labels
        .get(i)
        .cloned()
        .unwrap_or_else(|| format!("#{}", i + 1))
}

// ---------------------------------------------------------------------------
// Running a call

/// Folds per-binding errors. Any error other than SECURITY_DISABLED fails the
/// call, naming the binding; otherwise returns whether SECURITY_DISABLED was
/// seen (the broker has no authorizer).
fn fold_errors(
    errors: impl IntoIterator<Item = (String, Option<ffi::BrokerError>)>,
    verb: &str,
) -> Result<bool, KafkaError> {
    let mut security_disabled = false;
    for (label, error) in errors {
        match error {
            None => {}
            Some(e) if e.code == ErrorCode::RD_KAFKA_RESP_ERR_SECURITY_DISABLED => {
                security_disabled = true;
            }
            Some(e) => {
                return Err(KafkaError::Client(format!(
                    "the broker did not {verb} ACL {label}: {}",
                    e.message
                )))
            }
        }
    }
    Ok(security_disabled)
}

/// Makes a client, runs `call` with it off the async threads, and maps the
/// request-level answer; bounded by `timeout` (+2 s) even if the client gets
/// stuck.
/// Admin clients kept per connection settings: making one costs a
/// connection and a metadata round trip, which dominated every ACL job.
/// librdkafka reconnects a kept client by itself when a broker returns.
fn client_for(
    key: String,
    config: &rdkafka::ClientConfig,
) -> Result<std::sync::Arc<ffi::Client>, KafkaError> {
    static CLIENTS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<ffi::Client>>>,
    > = std::sync::OnceLock::new();
    let clients = CLIENTS.get_or_init(Default::default);
    if let Some(c) = clients.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(std::sync::Arc::clone(c));
    }
    let client: ffi::Client = config
        .create()
        .map_err(|e| KafkaError::Client(e.to_string()))?;
    let client = std::sync::Arc::new(client);
    clients
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, std::sync::Arc::clone(&client));
    Ok(client)
}

async fn run<T, F>(
    conn: &Connection,
    timeout: Duration,
    what: &'static str,
    call: F,
) -> Result<AclOutcome<T>, KafkaError>
where
    T: Send + 'static,
    F: FnOnce(&ffi::Client) -> Result<ffi::Reply<T>, String> + Send + 'static,
{
    let config = conn.client_config(timeout)?;
    let key = format!("{conn:?}|{}", timeout.as_millis());
    let bootstrap = conn.bootstrap_servers.clone();
    let unreachable = move |detail: String| KafkaError::Unreachable {
        bootstrap: bootstrap.clone(),
        timeout_ms: timeout.as_millis(),
        detail,
    };
    let blocking = tokio::task::spawn_blocking(move || {
        let client = client_for(key, &config)?;
        call(&client).map_err(|e| KafkaError::Client(format!("{what}: {e}")))
    });
    let reply = match tokio::time::timeout(timeout.saturating_add(Duration::from_secs(2)), blocking)
        .await
    {
        Ok(Ok(reply)) => reply?,
        Ok(Err(join)) => return Err(KafkaError::Client(join.to_string())),
        Err(_) => {
            return Err(unreachable(format!(
                "the client did not return from {what}"
            )))
        }
    };
    match reply {
        ffi::Reply::Answered(value) => Ok(AclOutcome::Applied(value)),
        ffi::Reply::Failed(e) if e.code == ErrorCode::RD_KAFKA_RESP_ERR_SECURITY_DISABLED => {
            Ok(AclOutcome::NoAuthorizer)
        }
        ffi::Reply::Failed(e) if is_unreachable(e.code) => Err(unreachable(e.message)),
        ffi::Reply::Failed(e) => Err(KafkaError::Client(format!("{what} failed: {}", e.message))),
        ffi::Reply::NoAnswer => Err(unreachable(format!("no answer to {what}"))),
    }
}

// ---------------------------------------------------------------------------
// The C side

// Unsafe code lives only here, in `kafka/native.rs` and in `kafka/offsets/ffi.rs`.
#[allow(unsafe_code)]
mod ffi;

#[cfg(test)]
mod tests;
