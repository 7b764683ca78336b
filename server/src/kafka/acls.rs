//! Kafka ACLs through librdkafka's admin API.
//!
//! rust-rdkafka 0.39 does not wrap the ACL calls, so this module calls
//! librdkafka's C functions (`rd_kafka_CreateAcls`, `rd_kafka_DescribeAcls`,
//! `rd_kafka_DeleteAcls`) itself. All unsafe code lives in the private `ffi`
//! module below; every C object it makes is owned by a small guard that frees
//! it on drop, on every path. The public functions are safe and never panic on
//! bad input: an ACL that cannot be expressed (unknown names, NUL bytes, empty
//! fields) is refused with plain words before any network call.
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

use super::{Connection, KafkaError};

/// One ACL binding, in Kafka's own words.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Acl {
    /// "topic" | "group" | "cluster" | "transactional_id" (lower-case).
    pub resource_type: String,
    /// "kafka-cluster" for the cluster resource.
    pub resource_name: String,
    /// "literal" | "prefixed".
    pub pattern_type: String,
    /// "User:svc-orders".
    pub principal: String,
    /// "*" for any host.
    pub host: String,
    /// Upper-case name of Kafka's AclOperation: "READ", "WRITE", "DESCRIBE",
    /// "IDEMPOTENT_WRITE", "ALL", ...
    pub operation: String,
    /// "ALLOW" | "DENY".
    pub permission: String,
}

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
    let labels: Vec<String> = acls.iter().map(label).collect();
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
    let labels: Vec<String> = acls.iter().map(label).collect();
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
                Some(error) => errors.push((label(&acl_of(&binding)), Some(error))),
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
/// Bindings whose resource type, pattern type, operation or permission
/// librdkafka does not know come back with "unknown" / "UNKNOWN" in that field
/// (and [`validate`] refuses them).
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
            let mut acls: Vec<Acl> = bindings.iter().map(acl_of).collect();
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

const RESOURCE_TYPES: [(&str, ResourceType); 4] = [
    ("topic", ResourceType::RD_KAFKA_RESOURCE_TOPIC),
    ("group", ResourceType::RD_KAFKA_RESOURCE_GROUP),
    // librdkafka calls Kafka's CLUSTER resource type (4) "BROKER".
    ("cluster", ResourceType::RD_KAFKA_RESOURCE_BROKER),
    (
        "transactional_id",
        ResourceType::RD_KAFKA_RESOURCE_TRANSACTIONAL_ID,
    ),
];

const PATTERN_TYPES: [(&str, Pattern); 2] = [
    ("literal", Pattern::RD_KAFKA_RESOURCE_PATTERN_LITERAL),
    ("prefixed", Pattern::RD_KAFKA_RESOURCE_PATTERN_PREFIXED),
];

const OPERATIONS: [(&str, Operation); 11] = [
    ("ALL", Operation::RD_KAFKA_ACL_OPERATION_ALL),
    ("READ", Operation::RD_KAFKA_ACL_OPERATION_READ),
    ("WRITE", Operation::RD_KAFKA_ACL_OPERATION_WRITE),
    ("CREATE", Operation::RD_KAFKA_ACL_OPERATION_CREATE),
    ("DELETE", Operation::RD_KAFKA_ACL_OPERATION_DELETE),
    ("ALTER", Operation::RD_KAFKA_ACL_OPERATION_ALTER),
    ("DESCRIBE", Operation::RD_KAFKA_ACL_OPERATION_DESCRIBE),
    (
        "CLUSTER_ACTION",
        Operation::RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION,
    ),
    (
        "DESCRIBE_CONFIGS",
        Operation::RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS,
    ),
    (
        "ALTER_CONFIGS",
        Operation::RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS,
    ),
    (
        "IDEMPOTENT_WRITE",
        Operation::RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE,
    ),
];

const PERMISSIONS: [(&str, Permission); 2] = [
    ("ALLOW", Permission::RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW),
    ("DENY", Permission::RD_KAFKA_ACL_PERMISSION_TYPE_DENY),
];

/// The name of the only cluster resource Kafka knows.
const CLUSTER_NAME: &str = "kafka-cluster";

/// Longest string the Kafka protocol carries in these requests (INT16 length).
const MAX_STRING_BYTES: usize = i16::MAX as usize;

fn value_of<T: Copy>(table: &[(&'static str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn name_of<T: PartialEq>(table: &[(&'static str, T)], value: T) -> Option<&'static str> {
    table.iter().find(|(_, v)| *v == value).map(|(n, _)| *n)
}

fn names<T>(table: &[(&'static str, T)]) -> String {
    let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
    names.join(", ")
}

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
    let restype = value_of(&RESOURCE_TYPES, &acl.resource_type).ok_or_else(|| {
        format!(
            "unknown ACL resource type `{}` (expected one of {})",
            shown(&acl.resource_type),
            names(&RESOURCE_TYPES)
        )
    })?;
    let name = text("resource name", &acl.resource_name)?;
    if restype == ResourceType::RD_KAFKA_RESOURCE_BROKER && acl.resource_name != CLUSTER_NAME {
        return Err(format!(
            "the cluster resource of an ACL must be named `{CLUSTER_NAME}`, not `{}`",
            shown(&acl.resource_name)
        ));
    }
    let pattern = value_of(&PATTERN_TYPES, &acl.pattern_type).ok_or_else(|| {
        format!(
            "unknown ACL pattern type `{}` (expected one of {})",
            shown(&acl.pattern_type),
            names(&PATTERN_TYPES)
        )
    })?;
    let principal = text("principal", &acl.principal)?;
    check_principal(&acl.principal)?;
    let host = text("host", &acl.host)?;
    let operation = value_of(&OPERATIONS, &acl.operation).ok_or_else(|| {
        format!(
            "unknown ACL operation `{}` (expected one of {})",
            shown(&acl.operation),
            names(&OPERATIONS)
        )
    })?;
    let permission = value_of(&PERMISSIONS, &acl.permission).ok_or_else(|| {
        format!(
            "unknown ACL permission `{}` (expected one of {})",
            shown(&acl.permission),
            names(&PERMISSIONS)
        )
    })?;
    Ok(ffi::Spec {
        restype,
        name: Some(name),
        pattern,
        principal: Some(principal),
        host: Some(host),
        operation,
        permission,
    })
}

/// Validates every ACL; the error names the bad one.
fn specs_of(acls: &[Acl]) -> Result<Vec<ffi::Spec>, KafkaError> {
    acls.iter()
        .map(|acl| {
            to_spec(acl).map_err(|e| KafkaError::Client(format!("{e} (in ACL {})", label(acl))))
        })
        .collect()
}

/// Back from what librdkafka returned; names it does not know become
/// "unknown" / "UNKNOWN".
fn acl_of(binding: &ffi::Binding) -> Acl {
    Acl {
        resource_type: name_of(&RESOURCE_TYPES, binding.restype)
            .unwrap_or("unknown")
            .to_string(),
        resource_name: binding.name.clone(),
        pattern_type: name_of(&PATTERN_TYPES, binding.pattern)
            .unwrap_or("unknown")
            .to_string(),
        principal: binding.principal.clone(),
        host: binding.host.clone(),
        operation: name_of(&OPERATIONS, binding.operation)
            .unwrap_or("UNKNOWN")
            .to_string(),
        permission: name_of(&PERMISSIONS, binding.permission)
            .unwrap_or("UNKNOWN")
            .to_string(),
    }
}

/// How a binding is named in error messages.
fn label(acl: &Acl) -> String {
    format!(
        "{} {} {} on {} `{}` ({}, host {})",
        shown(&acl.permission),
        shown(&acl.principal),
        shown(&acl.operation),
        shown(&acl.resource_type),
        shown(&acl.resource_name),
        shown(&acl.pattern_type),
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

fn is_unreachable(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::RD_KAFKA_RESP_ERR__TIMED_OUT
            | ErrorCode::RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE
            | ErrorCode::RD_KAFKA_RESP_ERR__TRANSPORT
            | ErrorCode::RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN
            | ErrorCode::RD_KAFKA_RESP_ERR__RESOLVE
    )
}

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
    let bootstrap = conn.bootstrap_servers.clone();
    let unreachable = move |detail: String| KafkaError::Unreachable {
        bootstrap: bootstrap.clone(),
        timeout_ms: timeout.as_millis(),
        detail,
    };
    let blocking = tokio::task::spawn_blocking(move || {
        let client: ffi::Client = config
            .create()
            .map_err(|e| KafkaError::Client(e.to_string()))?;
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

/// librdkafka's ACL admin API behind safe functions. Each C object is owned by
/// a guard (`AclBindings`, `Queue`, `Options`, `Event`) that frees it on drop;
/// the guards borrow the client, so they are always freed before it.
#[allow(unsafe_code)]
mod ffi {
    use std::ffi::{c_char, c_int, CStr, CString};
    use std::marker::PhantomData;
    use std::ptr::{self, NonNull};
    use std::time::Duration;

    use rdkafka::admin::AdminClient;
    use rdkafka::client::DefaultClientContext;
    use rdkafka_sys::bindings as sys;

    use super::{ErrorCode, Operation, Pattern, Permission, ResourceType};

    pub(super) type Client = AdminClient<DefaultClientContext>;

    /// Longest request timeout librdkafka accepts (one hour).
    const MAX_REQUEST_TIMEOUT_MS: u128 = 3_600_000;
    /// How much longer than the request timeout the queue is polled: the
    /// admin worker answers a request that timed out with a result event.
    const POLL_MARGIN_MS: c_int = 500;
    const ERRSTR_LEN: usize = 512;

    /// A binding (all fields set) or a filter (None / ANY match anything).
    #[derive(Debug, Clone)]
    pub(super) struct Spec {
        pub(super) restype: ResourceType,
        pub(super) name: Option<CString>,
        pub(super) pattern: Pattern,
        pub(super) principal: Option<CString>,
        pub(super) host: Option<CString>,
        pub(super) operation: Operation,
        pub(super) permission: Permission,
    }

    /// A binding as librdkafka returned it, copied out.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct Binding {
        pub(super) restype: ResourceType,
        pub(super) name: String,
        pub(super) pattern: Pattern,
        pub(super) principal: String,
        pub(super) host: String,
        pub(super) operation: Operation,
        pub(super) permission: Permission,
    }

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) struct BrokerError {
        pub(super) code: ErrorCode,
        pub(super) message: String,
    }

    /// The answer to one admin request.
    #[derive(Debug)]
    pub(super) enum Reply<T> {
        /// The request as a whole succeeded; per-binding results inside.
        Answered(T),
        /// The request as a whole failed (timeout, transport, broker error).
        Failed(BrokerError),
        /// No result event within the poll timeout.
        NoAnswer,
    }

    /// The answer to one DeleteAcls filter.
    #[derive(Debug)]
    pub(super) struct Deleted {
        pub(super) error: Option<BrokerError>,
        /// The bindings the filter matched, each with its own error.
        pub(super) matching: Vec<(Binding, Option<BrokerError>)>,
    }

    pub(super) fn create_acls(
        client: &Client,
        specs: &[Spec],
        timeout: Duration,
    ) -> Result<Reply<Vec<Option<BrokerError>>>, String> {
        let mut bindings = AclBindings::new(specs, false)?;
        let event = request(
            client,
            sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATEACLS,
            sys::RD_KAFKA_EVENT_CREATEACLS_RESULT,
            timeout,
            |rk, options, queue| {
                // SAFETY: rk, options and queue are live for this call (owned
                // by `request` and the client); the array holds
                // `bindings.len()` valid bindings, which librdkafka copies
                // before returning (rd_kafka_AclBinding_copy).
                unsafe {
                    sys::rd_kafka_CreateAcls(
                        rk,
                        bindings.as_mut_ptr(),
                        bindings.len(),
                        options,
                        queue,
                    )
                }
            },
        )?;
        reply(event, |event| {
            // SAFETY: the event is live and of type CREATEACLS_RESULT (checked
            // by `request`); the result is the event itself.
            let result = unsafe { sys::rd_kafka_event_CreateAcls_result(event.as_ptr()) };
            if result.is_null() {
                return Err("librdkafka returned no CreateAcls result".into());
            }
            let mut count = 0usize;
            // SAFETY: `result` is a valid CreateAcls result; `count` is a
            // valid out pointer.
            let items = unsafe { sys::rd_kafka_CreateAcls_result_acls(result, &mut count) };
            // SAFETY: librdkafka returns an array of `count` results owned by
            // the event (or NULL).
            let items = unsafe { event.items(items, count) };
            Ok(items
                .iter()
                .map(|&item| {
                    // SAFETY: `item` is a valid acl_result owned by the event;
                    // the error it returns (or NULL) is owned by it too.
                    unsafe { broker_error(sys::rd_kafka_acl_result_error(item)) }
                })
                .collect())
        })
    }

    pub(super) fn describe_acls(
        client: &Client,
        filter: &Spec,
        timeout: Duration,
    ) -> Result<Reply<Vec<Binding>>, String> {
        let filters = AclBindings::new(std::slice::from_ref(filter), true)?;
        let event = request(
            client,
            sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEACLS,
            sys::RD_KAFKA_EVENT_DESCRIBEACLS_RESULT,
            timeout,
            |rk, options, queue| {
                // SAFETY: rk, options and queue are live for this call; the
                // filter is valid and librdkafka copies it before returning
                // (rd_kafka_AclBindingFilter_copy).
                unsafe { sys::rd_kafka_DescribeAcls(rk, filters.0[0], options, queue) }
            },
        )?;
        reply(event, |event| {
            // SAFETY: the event is live and of type DESCRIBEACLS_RESULT.
            let result = unsafe { sys::rd_kafka_event_DescribeAcls_result(event.as_ptr()) };
            if result.is_null() {
                return Err("librdkafka returned no DescribeAcls result".into());
            }
            let mut count = 0usize;
            // SAFETY: `result` is a valid DescribeAcls result; `count` is a
            // valid out pointer.
            let items = unsafe { sys::rd_kafka_DescribeAcls_result_acls(result, &mut count) };
            // SAFETY: an array of `count` bindings owned by the event (or NULL).
            let items = unsafe { event.items(items, count) };
            Ok(items
                .iter()
                .map(|&acl| {
                    // SAFETY: `acl` is a valid binding owned by the event.
                    unsafe { read_binding(acl) }
                })
                .collect())
        })
    }

    pub(super) fn delete_acls(
        client: &Client,
        specs: &[Spec],
        timeout: Duration,
    ) -> Result<Reply<Vec<Deleted>>, String> {
        let mut filters = AclBindings::new(specs, true)?;
        let event = request(
            client,
            sys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETEACLS,
            sys::RD_KAFKA_EVENT_DELETEACLS_RESULT,
            timeout,
            |rk, options, queue| {
                // SAFETY: rk, options and queue are live for this call; the
                // array holds `filters.len()` valid filters, which librdkafka
                // copies before returning.
                unsafe {
                    sys::rd_kafka_DeleteAcls(
                        rk,
                        filters.as_mut_ptr(),
                        filters.len(),
                        options,
                        queue,
                    )
                }
            },
        )?;
        reply(event, |event| {
            // SAFETY: the event is live and of type DELETEACLS_RESULT.
            let result = unsafe { sys::rd_kafka_event_DeleteAcls_result(event.as_ptr()) };
            if result.is_null() {
                return Err("librdkafka returned no DeleteAcls result".into());
            }
            let mut count = 0usize;
            // SAFETY: `result` is a valid DeleteAcls result; `count` is a
            // valid out pointer.
            let responses =
                unsafe { sys::rd_kafka_DeleteAcls_result_responses(result, &mut count) };
            // SAFETY: an array of `count` responses owned by the event (or NULL).
            let responses = unsafe { event.items(responses, count) };
            let mut out = Vec::with_capacity(responses.len());
            for &response in responses {
                // SAFETY: `response` is a valid response owned by the event;
                // its error (or NULL) is owned by it.
                let error = unsafe {
                    broker_error(sys::rd_kafka_DeleteAcls_result_response_error(response))
                };
                let mut matched = 0usize;
                // SAFETY: `response` is valid; `matched` is a valid out pointer.
                let acls = unsafe {
                    sys::rd_kafka_DeleteAcls_result_response_matching_acls(response, &mut matched)
                };
                // SAFETY: an array of `matched` bindings owned by the response,
                // which the event owns (or NULL).
                let acls = unsafe { event.items(acls, matched) };
                let matching = acls
                    .iter()
                    .map(|&acl| {
                        // SAFETY: `acl` is a valid binding owned by the event;
                        // its error (or NULL) is owned by the binding.
                        unsafe {
                            (
                                read_binding(acl),
                                broker_error(sys::rd_kafka_AclBinding_error(acl)),
                            )
                        }
                    })
                    .collect();
                out.push(Deleted { error, matching });
            }
            Ok(out)
        })
    }

    /// Makes a binding (or filter) in librdkafka and reads it back: the
    /// conversion both ways without a broker.
    #[cfg(test)]
    pub(super) fn round_trip(spec: &Spec, filter: bool) -> Result<Binding, String> {
        let bindings = AclBindings::new(std::slice::from_ref(spec), filter)?;
        // SAFETY: the binding is live until `bindings` drops, after this read.
        Ok(unsafe { read_binding(bindings.0[0]) })
    }

    /// Sends one admin request to a fresh queue and waits for its result
    /// event; None when nothing came within the request timeout (+ margin).
    fn request<'c>(
        client: &'c Client,
        op: sys::rd_kafka_admin_op_t,
        expected_event: c_int,
        timeout: Duration,
        send: impl FnOnce(
            *mut sys::rd_kafka_t,
            *const sys::rd_kafka_AdminOptions_t,
            *mut sys::rd_kafka_queue_t,
        ),
    ) -> Result<Option<Event<'c>>, String> {
        let request_ms = c_int::try_from(timeout.as_millis().clamp(1, MAX_REQUEST_TIMEOUT_MS))
            .unwrap_or(c_int::MAX);
        let queue = Queue::new(client)?;
        let options = Options::new(client, op, request_ms)?;
        send(
            client.inner().native_ptr(),
            options.ptr.as_ptr(),
            queue.ptr.as_ptr(),
        );
        let Some(event) = queue.poll(request_ms.saturating_add(POLL_MARGIN_MS)) else {
            return Ok(None);
        };
        let kind = event.kind();
        if kind != expected_event {
            return Err(format!(
                "librdkafka answered with event type {kind}, not {expected_event}"
            ));
        }
        Ok(Some(event))
    }

    fn reply<T>(
        event: Option<Event<'_>>,
        read: impl FnOnce(&Event<'_>) -> Result<T, String>,
    ) -> Result<Reply<T>, String> {
        let Some(event) = event else {
            return Ok(Reply::NoAnswer);
        };
        if let Some(error) = event.error() {
            return Ok(Reply::Failed(error));
        }
        read(&event).map(Reply::Answered)
    }

    /// Bindings or filters allocated by librdkafka; destroyed on drop. Every
    /// pointer in the vector is non-NULL.
    struct AclBindings(Vec<*mut sys::rd_kafka_AclBinding_t>);

    impl AclBindings {
        fn new(specs: &[Spec], filter: bool) -> Result<Self, String> {
            fn ptr_of(s: &Option<CString>) -> *const c_char {
                s.as_ref().map_or(ptr::null(), |s| s.as_ptr())
            }
            let mut out = AclBindings(Vec::with_capacity(specs.len()));
            for spec in specs {
                let mut errstr: [c_char; ERRSTR_LEN] = [0; ERRSTR_LEN];
                let (name, principal, host) = (
                    ptr_of(&spec.name),
                    ptr_of(&spec.principal),
                    ptr_of(&spec.host),
                );
                // SAFETY: the strings are NULL or NUL-terminated CStrings that
                // outlive the call (librdkafka copies them with rd_strdup and
                // refuses NULL where a binding needs a value); the enums are
                // valid variants; errstr is a writable buffer of ERRSTR_LEN.
                let acl = unsafe {
                    if filter {
                        sys::rd_kafka_AclBindingFilter_new(
                            spec.restype,
                            name,
                            spec.pattern,
                            principal,
                            host,
                            spec.operation,
                            spec.permission,
                            errstr.as_mut_ptr(),
                            errstr.len(),
                        )
                    } else {
                        sys::rd_kafka_AclBinding_new(
                            spec.restype,
                            name,
                            spec.pattern,
                            principal,
                            host,
                            spec.operation,
                            spec.permission,
                            errstr.as_mut_ptr(),
                            errstr.len(),
                        )
                    }
                };
                if acl.is_null() {
                    // `out` drops here and frees the ones made so far.
                    return Err(format!(
                        "librdkafka refused the ACL: {}",
                        errstr_text(&errstr)
                    ));
                }
                out.0.push(acl);
            }
            Ok(out)
        }

        fn len(&self) -> usize {
            self.0.len()
        }

        fn as_mut_ptr(&mut self) -> *mut *mut sys::rd_kafka_AclBinding_t {
            self.0.as_mut_ptr()
        }
    }

    impl Drop for AclBindings {
        fn drop(&mut self) {
            for &acl in &self.0 {
                // SAFETY: each pointer came from rd_kafka_AclBinding(Filter)_new,
                // is non-NULL and is destroyed exactly once, here.
                unsafe { sys::rd_kafka_AclBinding_destroy(acl) }
            }
        }
    }

    /// A result queue of its own; destroyed on drop (before the client).
    struct Queue<'c> {
        ptr: NonNull<sys::rd_kafka_queue_t>,
        _client: PhantomData<&'c Client>,
    }

    impl<'c> Queue<'c> {
        fn new(client: &'c Client) -> Result<Self, String> {
            // SAFETY: the client's rd_kafka_t is live for 'c, which outlives
            // the queue.
            let ptr = unsafe { sys::rd_kafka_queue_new(client.inner().native_ptr()) };
            let ptr = NonNull::new(ptr).ok_or("librdkafka could not make a result queue")?;
            Ok(Queue {
                ptr,
                _client: PhantomData,
            })
        }

        fn poll(&self, timeout_ms: c_int) -> Option<Event<'c>> {
            // SAFETY: the queue is live; the returned event (or NULL) is ours
            // to destroy, which `Event` does.
            let ptr = unsafe { sys::rd_kafka_queue_poll(self.ptr.as_ptr(), timeout_ms) };
            NonNull::new(ptr).map(|ptr| Event {
                ptr,
                _client: PhantomData,
            })
        }
    }

    impl Drop for Queue<'_> {
        fn drop(&mut self) {
            // SAFETY: made by rd_kafka_queue_new, destroyed once, while the
            // client is still alive. A request still in flight keeps its own
            // reference on the underlying queue.
            unsafe { sys::rd_kafka_queue_destroy(self.ptr.as_ptr()) }
        }
    }

    /// Admin options with the request timeout set; destroyed on drop.
    struct Options<'c> {
        ptr: NonNull<sys::rd_kafka_AdminOptions_t>,
        _client: PhantomData<&'c Client>,
    }

    impl<'c> Options<'c> {
        fn new(
            client: &'c Client,
            op: sys::rd_kafka_admin_op_t,
            request_timeout_ms: c_int,
        ) -> Result<Self, String> {
            // SAFETY: the client's rd_kafka_t is live for 'c.
            let ptr = unsafe { sys::rd_kafka_AdminOptions_new(client.inner().native_ptr(), op) };
            let options = Options {
                ptr: NonNull::new(ptr).ok_or("librdkafka could not make admin options")?,
                _client: PhantomData,
            };
            let mut errstr: [c_char; ERRSTR_LEN] = [0; ERRSTR_LEN];
            // SAFETY: the options are live; errstr is a writable buffer of
            // ERRSTR_LEN bytes.
            let err = unsafe {
                sys::rd_kafka_AdminOptions_set_request_timeout(
                    options.ptr.as_ptr(),
                    request_timeout_ms,
                    errstr.as_mut_ptr(),
                    errstr.len(),
                )
            };
            if err != ErrorCode::RD_KAFKA_RESP_ERR_NO_ERROR {
                return Err(format!(
                    "librdkafka refused the request timeout of {request_timeout_ms} ms: {}",
                    errstr_text(&errstr)
                ));
            }
            Ok(options)
        }
    }

    impl Drop for Options<'_> {
        fn drop(&mut self) {
            // SAFETY: made by rd_kafka_AdminOptions_new, destroyed once;
            // librdkafka copied what it needed when the request was made.
            unsafe { sys::rd_kafka_AdminOptions_destroy(self.ptr.as_ptr()) }
        }
    }

    /// A result event; destroyed on drop, with everything it owns.
    struct Event<'c> {
        ptr: NonNull<sys::rd_kafka_event_t>,
        _client: PhantomData<&'c Client>,
    }

    impl Event<'_> {
        fn as_ptr(&self) -> *mut sys::rd_kafka_event_t {
            self.ptr.as_ptr()
        }

        fn kind(&self) -> c_int {
            // SAFETY: the event is live.
            unsafe { sys::rd_kafka_event_type(self.ptr.as_ptr()) }
        }

        /// The request-level error, if any.
        fn error(&self) -> Option<BrokerError> {
            // SAFETY: the event is live. (The code is a valid variant for
            // librdkafka's own errors and the Kafka codes it knows; the rdkafka
            // crate reads it the same way.)
            let code = unsafe { sys::rd_kafka_event_error(self.ptr.as_ptr()) };
            if code == ErrorCode::RD_KAFKA_RESP_ERR_NO_ERROR {
                return None;
            }
            // SAFETY: the event is live; the string (or NULL) is owned by it
            // and copied at once.
            let message =
                unsafe { owned_string(sys::rd_kafka_event_error_string(self.ptr.as_ptr())) };
            Some(BrokerError { code, message })
        }

        /// The array of `count` pointers at `items` as a slice that lives no
        /// longer than the event.
        ///
        /// # Safety
        /// `items` is NULL or points at `count` pointers owned by this event.
        unsafe fn items<T>(&self, items: *mut *const T, count: usize) -> &[*const T] {
            if items.is_null() || count == 0 {
                return &[];
            }
            // SAFETY: non-NULL, `count` initialised pointers, owned by the
            // event, which outlives the returned borrow (this fn's contract).
            unsafe { std::slice::from_raw_parts(items, count) }
        }
    }

    impl Drop for Event<'_> {
        fn drop(&mut self) {
            // SAFETY: the event came from rd_kafka_queue_poll and is destroyed
            // once, here; no borrow of its contents outlives it.
            unsafe { sys::rd_kafka_event_destroy(self.ptr.as_ptr()) }
        }
    }

    /// # Safety
    /// `error` is NULL or a valid rd_kafka_error_t that lives during the call.
    unsafe fn broker_error(error: *const sys::rd_kafka_error_t) -> Option<BrokerError> {
        if error.is_null() {
            return None;
        }
        // SAFETY: non-NULL and valid (contract); the string is owned by the
        // error and copied at once.
        let (code, message) = unsafe {
            (
                sys::rd_kafka_error_code(error),
                owned_string(sys::rd_kafka_error_string(error)),
            )
        };
        (code != ErrorCode::RD_KAFKA_RESP_ERR_NO_ERROR).then_some(BrokerError { code, message })
    }

    /// # Safety
    /// `acl` is a valid binding that lives during the call.
    unsafe fn read_binding(acl: *const sys::rd_kafka_AclBinding_t) -> Binding {
        // SAFETY: `acl` is valid (contract); its strings (or NULL) are owned by
        // it and copied at once. The enums are valid variants: librdkafka
        // replaces out-of-range values from the wire with UNKNOWN
        // (rd_kafka_DescribeAclsResponse_parse / DeleteAclsResponse_parse).
        unsafe {
            Binding {
                restype: sys::rd_kafka_AclBinding_restype(acl),
                name: owned_string(sys::rd_kafka_AclBinding_name(acl)),
                pattern: sys::rd_kafka_AclBinding_resource_pattern_type(acl),
                principal: owned_string(sys::rd_kafka_AclBinding_principal(acl)),
                host: owned_string(sys::rd_kafka_AclBinding_host(acl)),
                operation: sys::rd_kafka_AclBinding_operation(acl),
                permission: sys::rd_kafka_AclBinding_permission_type(acl),
            }
        }
    }

    /// Copies a C string owned by librdkafka; NULL gives an empty string.
    ///
    /// # Safety
    /// `s` is NULL or a NUL-terminated string valid during the call.
    unsafe fn owned_string(s: *const c_char) -> String {
        if s.is_null() {
            return String::new();
        }
        // SAFETY: non-NULL and NUL-terminated (contract).
        unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
    }

    /// The text librdkafka wrote into an errstr buffer (safe even if it wrote
    /// no NUL).
    fn errstr_text(buf: &[c_char]) -> String {
        let bytes: Vec<u8> = buf
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(resource_type: &str, name: &str, pattern: &str, operation: &str) -> Acl {
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

    /// The four kinds of binding the portal makes.
    fn portal_acls() -> Vec<Acl> {
        vec![
            acl("topic", "orders.created", "literal", "READ"),
            acl("topic", "orders.created", "literal", "DESCRIBE"),
            acl("topic", "orders.created", "literal", "WRITE"),
            acl("group", "svc-orders.", "prefixed", "READ"),
            acl("cluster", "kafka-cluster", "literal", "IDEMPOTENT_WRITE"),
        ]
    }

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
                "the broker did not create ACL ALLOW User:x READ: Cluster authorization failed."
                    .into()
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
}
