//! librdkafka's ACL admin API behind safe functions. Each C object is owned by
//! a guard (`AclBindings` here; `Queue`, `Options`, `Event` in
//! `kafka::native`) that frees it on drop; the guards borrow the client, so
//! they are always freed before it.

use std::ffi::{c_char, c_int, CString};
use std::ptr;
use std::time::Duration;

use rdkafka_sys::bindings as sys;

use super::{Operation, Pattern, Permission, ResourceType};
use crate::kafka::native::{
    broker_error, errstr_text, owned_string, request_timeout_ms, Event, Options, Queue, ERRSTR_LEN,
    POLL_MARGIN_MS,
};
pub(super) use crate::kafka::native::{BrokerError, Client};

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
                sys::rd_kafka_CreateAcls(rk, bindings.as_mut_ptr(), bindings.len(), options, queue)
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
                sys::rd_kafka_DeleteAcls(rk, filters.as_mut_ptr(), filters.len(), options, queue)
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
        let responses = unsafe { sys::rd_kafka_DeleteAcls_result_responses(result, &mut count) };
        // SAFETY: an array of `count` responses owned by the event (or NULL).
        let responses = unsafe { event.items(responses, count) };
        let mut out = Vec::with_capacity(responses.len());
        for &response in responses {
            // SAFETY: `response` is a valid response owned by the event;
            // its error (or NULL) is owned by it.
            let error =
                unsafe { broker_error(sys::rd_kafka_DeleteAcls_result_response_error(response)) };
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
    let request_ms = request_timeout_ms(timeout);
    let queue = Queue::new(client)?;
    let options = Options::new(client, op, request_ms)?;
    send(
        client.inner().native_ptr(),
        options.as_ptr(),
        queue.as_ptr(),
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
