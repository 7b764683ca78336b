//! librdkafka's ACL admin API behind safe functions. Each C object is owned by
//! a guard (`AclBindings`, `Queue`, `Options`, `Event`) that frees it on drop;
//! the guards borrow the client, so they are always freed before it.

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
    let request_ms =
        c_int::try_from(timeout.as_millis().clamp(1, MAX_REQUEST_TIMEOUT_MS)).unwrap_or(c_int::MAX);
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
        let message = unsafe { owned_string(sys::rd_kafka_event_error_string(self.ptr.as_ptr())) };
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
